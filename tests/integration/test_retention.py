"""Retention that really deletes: records past an estate's retention lose every personal value,
their photos go (rows and files), and no copy is left to find: not in the database file (nor
its write-ahead log) on SQLite, not in any column of any table on PostgreSQL, not among the
stored photos, not in a backup made afterwards. Records inside retention are untouched.

Every personal column of every table in ``retention.REGISTRY`` gets a value of its own (a
canary), and every photo column a photo uploaded through the real upload service; then the
clock moves three years and some days on, the periodic task runs, and each canary is searched for."""

from __future__ import annotations

import gzip
import os
import secrets
import subprocess
import tarfile
import tempfile
from datetime import datetime, time, timedelta, timezone
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from piccolo.columns import JSON, JSONB, ForeignKey, Varchar
from PIL import Image

from app import db, periodic
from app.domain.roles import Role
from app.models.audit import AuditEvent
from app.models.desk_requests import LostFoundRecord, RequestPhoto, ResidentRequest
from app.models.duty import DutyEntry, DutyNote, Handover, HandoverItem, Shift
from app.models.estates import Estate
from app.models.incidents import Incident, IncidentEntry, IncidentPhoto
from app.models.notifications import Notification
from app.models.patrol import Checkpoint, CheckIn, PatrolRound, PatrolRoute
from app.models.records import Disclosure
from app.models.releases import GoodsPermit, ReleaseItem, ReleaseSlip
from app.models.reviews import ReviewItem
from app.models.server import PeriodicRun
from app.models.uploads import Upload
from app.models.visitors import EscortTask, GateRefusal, GuardAction, Registration, Visit, VisitorPass, WatchlistEntry
from app.services import audit, retention, sealed, uploads
from app.services.clock import utcnow
from app.settings import get_settings
from tests.integration.conftest import ENGINE
from tests.integration.test_cli import cli

ZONE = ZoneInfo("Asia/Shanghai")


def noise_jpeg() -> bytes:
    """A photo no other test uploads: random pixels, so its stored JPEG is unique."""
    picture = Image.frombytes("RGB", (48, 40), secrets.token_bytes(48 * 40 * 3))
    out = BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


class Seeded:
    """What one seeding made: canary values by (table, column), photo ids and file needles, rows."""

    def __init__(self) -> None:
        self.canaries: dict[str, str] = {}  # value -> "table.column"
        self.photos: dict[str, bytes] = {}  # upload id -> a slice of its stored file
        self.rows: list[tuple[type, object]] = []  # (table, id)


def canary(seeded: Seeded, table, column, *, length: int = 24) -> str:
    value = ("ZQ" + secrets.token_hex(12).upper())[:length]
    seeded.canaries[value] = f"{table._meta.tablename}.{column}"
    return value


async def photo(seeded: Seeded, estate, person) -> object:
    upload_id = await uploads.store(estate, person, noise_jpeg(), "item_photo", field="photo")
    stored = await uploads.read(estate, upload_id)
    middle = len(stored) // 2
    seeded.photos[str(upload_id)] = stored[middle:middle + 48]
    return upload_id


async def fill(seeded: Seeded, row, estate, people) -> None:
    """Give every personal column and photo column of the row's registry entry a value; and the
    text columns of a row that goes whole a canary too. Saves the row."""
    table = type(row)
    kept = next(k for k in retention.REGISTRY if k.table is table)
    columns = list(kept.personal)
    if kept.delete:  # what the row would carry: its text columns
        columns += [c for c in table._meta.columns if isinstance(c, (Varchar, JSON, JSONB))
                    and c._meta.name not in ("kind", "action", "key", "url", "subject", "push_state",
                                             "fingerprint", "offline", "href", "ref")]
    for column in columns:
        name = column._meta.name
        if isinstance(column, ForeignKey):
            setattr(row, name, people["resident"])
        elif isinstance(column, (JSON, JSONB)):
            setattr(row, name, {"who": canary(seeded, table, name), "note": canary(seeded, table, name)})
        else:
            length = getattr(column, "length", 24) or 24
            setattr(row, name, canary(seeded, table, name, length=min(length, 24)))
    for field in sealed.fields_of(table):  # stored sealed, as the app stores it: the sealed form is the canary
        if field.column in (c._meta.name for c in columns):
            plain = getattr(row, field.column)
            token = sealed.seal(table, {field.column: plain})[field.column]
            setattr(row, field.column, token)
            seeded.canaries[token] = seeded.canaries.pop(plain)
    for column in kept.photos:
        setattr(row, column._meta.name, await photo(seeded, estate, people["guard"]))
    await row.save()
    seeded.rows.append((table, row.id))


async def seed(estate, unit, people, *, at: datetime | None) -> Seeded:
    """One record of every registered table (with its parents). ``at``: the moment every record
    counts from, else the defaults (now)."""
    s = Seeded()
    e, resident, guard = estate, people["resident"], people["guard"]
    stamp = {} if at is None else {"created_at": at}
    now = utcnow()

    await fill(s, VisitorPass(estate=e, unit=unit, purpose="family_friend", starts_at=now,
                              ends_at=at or now + timedelta(days=1), link_hash=secrets.token_hex(32)), e, people)
    registration = Registration(estate=e, kind="walk_in", purpose="repair", **stamp)
    await fill(s, registration, e, people)
    await fill(s, Visit(estate=e, unit=unit, registration=registration.id, purpose="repair",
                        entered_at=at or now), e, people)
    await fill(s, EscortTask(estate=e, registration=registration.id, **stamp), e, people)
    await fill(s, GateRefusal(estate=e, reason="revoked", refused_at=at or now), e, people)
    await fill(s, WatchlistEntry(estate=e, removed_at=at or now), e, people)
    await fill(s, GuardAction(person=guard, key=secrets.token_hex(8), action="admit", estate=e, **stamp), e, people)

    slip = ReleaseSlip(estate=e, unit=unit, reason="moving_out", **stamp)
    await fill(s, slip, e, people)
    await fill(s, ReleaseItem(slip=slip.id, quantity=2), e, people)
    await fill(s, GoodsPermit(estate=e, unit=unit, valid_until=at or now + timedelta(days=1), **stamp), e, people)

    incident = Incident(estate=e, kind="theft", happened_at=now, **stamp)
    await fill(s, incident, e, people)
    await fill(s, IncidentEntry(estate=e, incident=incident.id, kind="note"), e, people)
    await fill(s, IncidentPhoto(estate=e, incident=incident.id, _ignore_missing=True), e, people)

    request = ResidentRequest(estate=e, unit=unit, kind="repair", **stamp)
    await fill(s, request, e, people)
    await fill(s, RequestPhoto(request=request.id, _ignore_missing=True), e, people)
    await fill(s, LostFoundRecord(estate=e, side="found", category="wallet", happened_at=now, **stamp), e, people)

    shift = Shift(estate=e, person=guard, post="gate", ended_at=now)
    await shift.save()
    entry = DutyEntry(estate=e, shift=shift.id, author=guard, kind="visitor", **stamp)
    await fill(s, entry, e, people)
    await fill(s, DutyNote(estate=e, entry=entry.id, author=guard, **stamp), e, people)
    handover = Handover(estate=e, shift=shift.id, post="gate", handed_by=guard,
                        **({} if at is None else {"handed_at": at}))
    await fill(s, handover, e, people)
    await fill(s, HandoverItem(estate=e, handover=handover.id, kind="duty_entry"), e, people)

    checkpoint = Checkpoint(estate=e, name="Basement door")
    await checkpoint.save()
    route = PatrolRoute(estate=e, name="Night round")
    await route.save()
    walk = PatrolRound(estate=e, route=route.id, slot_at=now, started_at=at or now, state="done")
    await fill(s, walk, e, people)
    await fill(s, CheckIn(estate=e, round=walk.id, checkpoint=checkpoint.id, checked_at=at or now), e, people)
    await fill(s, ReviewItem(estate=e, key=secrets.token_hex(8), action="admit", kind="refused",
                             **({} if at is None else {"arrived_at": at})), e, people)
    await fill(s, Notification(estate=e, person=resident, kind="visitor_arrived", **stamp), e, people)
    await fill(s, Disclosure(estate=e, kind="authority", authority="police", **stamp), e, people)
    return s


def registered_tables() -> set[str]:
    return {k.table._meta.tablename for k in retention.REGISTRY}


def test_every_registered_table_is_seeded():
    """The seeding above covers the registry: a table added there without a row here fails."""
    import inspect

    source = inspect.getsource(seed)
    missing = [k.table.__name__ for k in retention.REGISTRY if f"{k.table.__name__}(" not in source]
    assert missing == []


# Searching every place a value could stay ------------------------------------------------------


def sqlite_file_bytes() -> bytes:
    path = get_settings().sqlite_path
    data = Path(path).read_bytes()
    wal = Path(f"{path}-wal")
    return data + (wal.read_bytes() if wal.exists() else b"")


async def postgres_text() -> str:
    """Every row of every table of the database, as text (every column of it)."""
    tables = await Estate.raw(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")
    texts = []
    for row in tables:
        for found in await Estate.raw(f'SELECT CAST(t AS TEXT) AS line FROM "{row["table_name"]}" t'):
            texts.append(found["line"])
    return "\n".join(texts)


def backup_contents(tmp: Path) -> tuple[bytes, bytes]:
    """A backup made now with ``python -m app backup``: (the database as bytes or SQL text, the whole archive)."""
    settings = get_settings()
    env = {**os.environ, "DATABASE_URL": settings.database_url, "GATEPOST_VAR_DIR": str(settings.var_dir)}
    made = cli("backup", "--to", str(tmp), env=env, timeout=120)
    assert made.returncode == 0, made.stderr
    archive = next(tmp.glob("*.tar"))
    with tarfile.open(archive) as tar:
        name = "database.sqlite.gz" if ENGINE == "sqlite" else "database.dump"
        database = tar.extractfile(name).read()
    if ENGINE == "sqlite":
        database = gzip.decompress(database)  # searched unpacked: packed bytes would hide any value
    else:
        with tempfile.NamedTemporaryFile(suffix=".dump") as dump:
            dump.write(database)
            dump.flush()
            database = subprocess.run(["pg_restore", "--file=-", dump.name], capture_output=True,
                                      check=True).stdout
    return database, archive.read_bytes()


def stored_files() -> bytes:
    root = get_settings().var_dir / "uploads"
    return b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file())


@pytest.fixture
async def estate(make_estate):
    made = await make_estate("Canary Court")
    people = {"resident": await made.person("Resident Owner", unit="1-1-0101"),
              "guard": await made.person("Gate Guard", Role.GATE_GUARD)}
    return made, people


async def test_records_past_retention_leave_no_personal_value_anywhere(estate, tmp_path, monkeypatch):
    made, people = estate
    unit = made.units["1-1-0101"].id
    start = utcnow()
    # The night three years and ten days on, in the estate's time.
    night = datetime.combine((start + timedelta(days=3 * 365 + 10)).astimezone(ZONE).date(), time(3, 0), tzinfo=ZONE)
    old = await seed(made.id, unit, people, at=None)
    recent = await seed(made.id, unit, people, at=night.astimezone(timezone.utc) - timedelta(days=2))
    assert old.canaries and old.photos

    # Only this estate's run is due: the others of the test database are left as they are.
    await Estate.update({Estate.retention_ran_at: night}).where(Estate.id != made.id)
    await PeriodicRun.delete(force=True)
    monkeypatch.setattr(retention, "utcnow", lambda: night.astimezone(timezone.utc))
    assert await periodic.tick([retention.nightly_job], 30.0)

    # Old records: every personal column blank, every photo gone, rows (the counts) still there.
    for table, row_id in old.rows:
        kept = next(k for k in retention.REGISTRY if k.table is table)
        row = await table.select().where(table.id == row_id).first()
        if kept.delete:
            assert row is None, table
            continue
        assert row is not None, table
        for column in (*kept.personal, *kept.photos):
            assert row[column._meta.name] in ("", None, {}, "{ }"), (table, column._meta.name, row[column._meta.name])
    assert not await Upload.exists().where(Upload.id.is_in(list(old.photos)))
    for upload_id in old.photos:
        assert not (get_settings().var_dir / "uploads" / str(made.id) / f"{upload_id}.jpg").exists()

    # Recent records untouched: their canaries and photos are all still there.
    for table, row_id in recent.rows:
        assert await table.exists().where(table.id == row_id), table
    assert await Upload.count().where(Upload.id.is_in(list(recent.photos))) == len(recent.photos)

    # Searching every place: nothing of the old records, everything of the recent ones.
    if ENGINE == "sqlite":
        database = sqlite_file_bytes()
    else:
        database = (await postgres_text()).encode()
    files = stored_files()
    backup_db, archive = backup_contents(tmp_path / "backups")
    places = {"database": database, "stored photos": files, "backup database": backup_db, "backup archive": archive}
    for value, where in old.canaries.items():
        for place, content in places.items():
            assert value.encode() not in content, f"{where} ({value}) found in {place}"
    for needle in old.photos.values():
        for place, content in places.items():
            assert needle not in content, f"an erased photo found in {place}"
    for value, where in recent.canaries.items():
        assert value.encode() in database and value.encode() in backup_db, f"{where} kept should be found"
    for needle in recent.photos.values():
        assert needle in files and needle in archive

    # The run is in the audit log, counts only; the chain still checks.
    entry = await AuditEvent.select().where(
        (AuditEvent.estate == made.id) & (AuditEvent.action == "retention.purged")).first()
    assert entry is not None
    data = entry["data"] if isinstance(entry["data"], dict) else __import__("json").loads(entry["data"])
    assert data["visit"] == 1 and data["photos"] == len(old.photos) and data["notification"] == 1
    assert not any(value in str(data) for value in old.canaries)
    count, broken = await audit.verify_estate(made.id)
    assert broken is None and count >= 1

    # Once a night: the next tick the same night erases nothing more and writes nothing.
    await PeriodicRun.delete(force=True)
    assert await retention.run_due(night.astimezone(timezone.utc) + timedelta(hours=1)) == []


async def test_an_estate_keeping_records_longer_keeps_them(estate):
    made, people = estate
    unit = made.units["1-1-0101"].id
    await Estate.update({Estate.retention_years: 5}).where(Estate.id == made.id)
    seeded = await seed(made.id, unit, people, at=utcnow() - timedelta(days=4 * 365))
    outcome = await retention.purge_estate(made.id, retention.rules.cutoff(utcnow(), ZONE, 5))
    assert outcome.erased == 0
    for table, row_id in seeded.rows:
        assert await table.exists().where(table.id == row_id)
    outcome = await retention.purge_estate(made.id, retention.rules.cutoff(utcnow(), ZONE, 3))
    assert outcome.counts["visit"] == 1 and outcome.photos == len(seeded.photos)


async def test_the_nightly_run_waits_for_the_night_and_runs_once_a_day(estate):
    made, _people = estate
    await Estate.update({Estate.retention_ran_at: None}).where(Estate.id == made.id)
    day = (utcnow() + timedelta(days=30)).astimezone(ZONE).date()
    evening_before = datetime.combine(day, time(1, 30), tzinfo=ZONE)
    night = datetime.combine(day, time(2, 30), tzinfo=ZONE)

    async def ran_at():
        return (await Estate.select(Estate.retention_ran_at).where(Estate.id == made.id).first())["retention_ran_at"]

    await retention.run_due(evening_before)
    assert await ran_at() is None
    await retention.run_due(night)
    assert await ran_at() == night
    await retention.run_due(night + timedelta(hours=20))  # still the same local day
    assert await ran_at() == night
    await retention.run_due(night + timedelta(days=1))
    assert await ran_at() == night + timedelta(days=1)


async def test_an_orphaned_photo_file_is_swept(estate, monkeypatch):
    made, people = estate
    upload_id = await uploads.store(made.id, people["guard"], noise_jpeg(), "item_photo", field="photo")
    path = get_settings().var_dir / "uploads" / str(made.id) / f"{upload_id}.jpg"
    assert await uploads.sweep_orphans(made.id) == 0  # named by its row
    await Upload.delete().where(Upload.id == upload_id)
    assert await uploads.sweep_orphans(made.id) == 0  # too young: it may be a photo being kept
    old = (utcnow() - timedelta(days=2)).timestamp()
    os.utime(path, (old, old))
    assert await uploads.sweep_orphans(made.id) == 1
    assert not path.exists()


async def test_the_retention_period_is_set_in_the_estate_form(make_estate, sign_in, client, csrf):
    made = await make_estate()
    admin = await made.person("Estate Admin", Role.ADMIN)
    await sign_in(admin)
    client.cookies.set("gp_lang", "en")
    page = await client.get(f"/e/{made.slug}/admin")
    assert page.status_code == 200 and 'name="retention_years"' in page.text
    token = await csrf()
    form = {"_csrf_token": token, "name": "Test Estate", "timezone": "Asia/Shanghai", "visitor_rules": "",
            "retention_years": "11"}
    refused = await client.post(f"/e/{made.slug}/admin", data=form)
    assert refused.status_code == 422 and "from 1 to 10" in refused.text and 'value="11"' in refused.text
    client.cookies.set("gp_lang", "zh-Hans")
    refused = await client.post(f"/e/{made.slug}/admin", data=form)
    assert refused.status_code == 422 and "1 到 10" in refused.text
    saved = await client.post(f"/e/{made.slug}/admin", data={**form, "retention_years": "5"})
    assert saved.status_code in (200, 303)
    assert (await Estate.select(Estate.retention_years).where(Estate.id == made.id).first())["retention_years"] == 5
    changed = await AuditEvent.select(AuditEvent.data).where(
        (AuditEvent.estate == made.id) & (AuditEvent.action == "estate.retention_changed")).first()
    assert changed is not None


def test_sqlite_connections_zero_what_they_free():
    assert "PRAGMA secure_delete = ON" in db.CONNECTION_PRAGMAS
