"""ID numbers and phones sealed at rest (app/services/sealed.py, docs/privacy.md): what the app
writes cannot be read in the database, raw or as a file, and reads back right through the app;
the wrong key fails loudly; a new key re-seals everything."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from app.domain import disclosure as rules
from app.domain.roles import Role
from app.models.audit import AuditEvent
from app.models.people import Person
from app.models.piccolo_app import APP_CONFIG
from app.models.records import Disclosure
from app.models.releases import ReleaseSlip
from app.models.visitors import Registration, VisitorPass, WatchlistEntry
from app.services import disclosures, lost_found, release_slips, sealed, walkins, watchlist
from app.services import walkin_records as records
from app.services.clock import utcnow
from app.services.sealed import Keyring, SealError
from app.settings import get_settings
from tests.integration.gate_helpers import GateClient, make_pass, verdict
from tests.integration.release_helpers import ReleaseCast, jpeg
from tests.integration.test_backup import Installation
from tests.integration.test_walkins import Cast

# Canaries: values found nowhere else, searched for in the database's every byte.
VISITOR_ID = "51010719881231567X"
VISITOR_PHONE = "13198765432"
BARRED_ID = "44030119770405901X"
BARRED_PHONE = "15023456789"
GUEST_PHONE = "17755501234"
CARRIER_ID = "33010219660909882X"
CARRIER_PHONE = "18866604321"
RESIDENT_PHONE = "19912340987"
LOST_CONTACT_PHONE = "13512348765"
ASKED_PHONE = "13677788899"  # a disclosure's: asked for by the police (the visitor's own are in its extract)
ASKED_ID = "37020219790101456X"
CANARIES = (VISITOR_ID, VISITOR_PHONE, BARRED_ID, BARRED_PHONE, GUEST_PHONE, CARRIER_ID, CARRIER_PHONE, RESIDENT_PHONE,
            LOST_CONTACT_PHONE, ASKED_PHONE, ASKED_ID)


@pytest.fixture
async def written(make_estate):
    """Every kind of sealed value, written as the app writes it."""
    cast = await Cast().setup(await make_estate("Canary"))
    rid = await cast.register(id_number=VISITOR_ID, phone=VISITOR_PHONE)
    await watchlist.add(cast.scopes["chen"], name="Barred Person", id_number=BARRED_ID, phone=BARRED_PHONE,
                        reason="Theft")
    row, token = await make_pass(cast.estate, name="Guest Canary", phone=GUEST_PHONE)
    resident = await cast.estate.person("Resident Canary", Role.RESIDENT, unit="1-1-0102", phone=RESIDENT_PHONE)
    releases = await ReleaseCast().setup(cast.estate)
    slip = await release_slips.save(releases.scopes["fang"], releases.form(
        carrier_id_number=CARRIER_ID, carrier_phone=CARRIER_PHONE), submit=True)
    when = (utcnow() - timedelta(hours=2)).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M")
    lost = await lost_found.record(cast.scopes["chen"], lost_found.NewRecord(
        side="lost", category="bag", description="Blue bag", place="Gate", when=when,
        contact=f"Auntie Wu {LOST_CONTACT_PHONE}"))
    today = utcnow().astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()
    disclosure = await disclosures.record_authority(cast.scopes["sun"], rules.Request(
        authority="police", officer_name="Officer Canary", officer_badge="044871", case_reference="HR-SEALED",
        document="Evidence collection notice", asked_name="Zhang Wei", asked_phone=ASKED_PHONE,
        asked_id_number=ASKED_ID, since=today, until=today), photo=jpeg(), language="en")
    return {"cast": cast, "registration": rid, "lost": lost, "pass": row, "token": token, "resident": resident,
            "slip": slip["slip_id"], "releases": releases, "disclosure": disclosure}


async def every_row_as_text() -> str:
    """Every table's every row, through raw SQL."""
    out = []
    for table in APP_CONFIG.table_classes:
        for row in await table.raw(f'SELECT * FROM "{table._meta.tablename}"'):
            out.append(" ".join(str(v) for v in row.values()))
    return "\n".join(out)


async def test_the_numbers_are_unreadable_in_the_database(written):
    text = await every_row_as_text()
    assert "Guest Canary" in text and "Barred Person" in text and "Resident Canary" in text  # the rows are read
    assert [c for c in CANARIES if c in text] == []
    # ... yet they are there, sealed, with their masked forms
    reg = await Registration.select().where(Registration.id == written["registration"]).first()
    assert sealed.is_sealed(reg["id_number"]) and sealed.is_sealed(reg["phone"])
    assert (reg["id_number_masked"], reg["phone_masked"]) == ("510***********567X", "131****5432")
    assert reg["phone_hash"] == sealed.hash_of(sealed.PHONE, "+86 131 9876 5432")
    told = await Disclosure.select().where(Disclosure.id == written["disclosure"]).first()
    assert all(sealed.is_sealed(told[c]) for c in ("asked_phone", "asked_id_number", "extract_csv"))
    assert "Officer Canary" in text and "Zhang Wei" not in told["extract_csv"]  # the extract is sealed whole


@pytest.mark.sqlite_only
async def test_the_numbers_are_nowhere_in_the_sqlite_files(written):
    path = get_settings().sqlite_path
    data = b"".join(open(p, "rb").read() for p in (path, path + "-wal") if os.path.exists(p))
    assert b"Guest Canary" in data and b"Resident Canary" in data and b"Officer Canary" in data  # rows read
    assert [c for c in CANARIES if c.encode() in data] == []


async def test_the_numbers_read_right_through_the_app(written, client, sign_in_en):
    cast, slug = written["cast"], written["cast"].estate.slug
    await sign_in_en(cast.li)
    detail = await client.get(f"/e/{slug}/walkins/{written['registration']}")
    assert VISITOR_ID in detail.text and VISITOR_PHONE in detail.text
    assert "no-store" in detail.headers["cache-control"]
    # a returning visitor, found by phone (typed another way): the form filled with their ID number
    lookup = await client.get(f"/e/{slug}/walkins/lookup", params={"phone": "+86 131-9876-5432"},
                              headers={"HX-Request": "true"})
    assert VISITOR_ID in lookup.text and "no-store" in lookup.headers["cache-control"]
    # the list shows the phone masked, read without opening it
    listed = await client.get(f"/e/{slug}/walkins")
    assert "131****5432" in listed.text and VISITOR_PHONE not in listed.text

    await sign_in_en(cast.chen)
    barred = await client.get(f"/e/{slug}/watchlist", params={"q": BARRED_ID[-6:]})
    assert "Barred Person" in barred.text and "440***********901X" in barred.text and BARRED_ID not in barred.text
    lost = await client.get(f"/e/{slug}/lost-found/{written['lost']}")
    assert f"Auntie Wu {LOST_CONTACT_PHONE}" in lost.text and "no-store" in lost.headers["cache-control"]
    check = await client.get(f"/e/{slug}/release-slips/{written['slip']}/check")
    assert CARRIER_ID in check.text and CARRIER_PHONE in check.text and "no-store" in check.headers["cache-control"]

    await sign_in_en(written["releases"].fang)
    own = await client.get(f"/e/{slug}/release-slips/{written['slip']}")
    assert "330***********882X" in own.text and CARRIER_ID not in own.text


async def test_a_disclosure_reads_right_through_the_app_and_its_extract_downloads_as_recorded(
        written, client, sign_in_en):
    cast, slug, did = written["cast"], written["cast"].estate.slug, written["disclosure"]
    stored = await Disclosure.select().where(Disclosure.id == did).first()
    recorded = sealed.open_value(Disclosure, "extract_csv", stored["extract_csv"])
    assert VISITOR_ID in recorded and VISITOR_PHONE in recorded and "s1:" not in recorded  # in full, for the police
    await sign_in_en(cast.sun)
    page = await client.get(f"/e/{slug}/disclosures/{did}")
    assert page.status_code == 200 and "no-store" in page.headers["cache-control"]
    assert ASKED_PHONE in page.text and ASKED_ID in page.text and VISITOR_ID in page.text and VISITOR_PHONE in page.text
    download = await client.get(f"/e/{slug}/disclosures/{did}/extract.csv")
    assert download.status_code == 200 and "no-store" in download.headers["cache-control"]
    assert download.content == recorded.encode("utf-8")  # byte for byte what was handed over
    assert hashlib.sha256(download.content).hexdigest() == stored["extract_sha256"] == download.headers[
        "x-content-sha256"]
    entry = await AuditEvent.select(AuditEvent.data).where(AuditEvent.subject == str(did)).first()
    data = entry["data"] if isinstance(entry["data"], dict) else json.loads(entry["data"])
    assert data["sha256"] == stored["extract_sha256"]


async def test_the_watchlist_warns_by_id_number_and_phone_as_typed(written):
    cast = written["cast"]
    by_id = await walkins.watch(cast.scopes["li"], id_number="440301 19770405 901x")
    by_phone = await walkins.watch(cast.scopes["li"], phone="150-2345-6789")
    assert [m["name"] for m in by_id] == [m["name"] for m in by_phone] == ["Barred Person"]
    with pytest.raises(walkins.WatchlistWarning):
        await cast.register(name="Someone Else", id_number=BARRED_ID, phone="13000000000")
    assert await walkins.watch(cast.scopes["li"], id_number=VISITOR_ID) == []


async def test_a_guests_phone_on_the_watchlist_stops_the_scan(written, client, csrf, sign_in_en):
    cast = written["cast"]
    await sign_in_en(cast.li)
    gate = GateClient(client, csrf, cast.estate)
    assert verdict(await gate.verify(written["token"])) == "valid"
    await watchlist.add(cast.scopes["chen"], name="", phone="+86 177 5550 1234", reason="Seen stealing")
    assert verdict(await gate.verify(written["token"])) == "watchlist"


async def test_the_wrong_key_fails_loudly(written):
    right = sealed.keyring()
    sealed.use(Keyring.generate())
    try:
        with pytest.raises(SealError, match="lacks"):
            await records.row(written["cast"].scopes["li"], written["registration"])
        impostor = Keyring(keys={right.current: os.urandom(32)}, current=right.current, mac=right.mac)
        sealed.use(impostor)
        with pytest.raises(SealError, match="wrong"):
            await records.row(written["cast"].scopes["li"], written["registration"])
    finally:
        sealed.use(right)


async def test_a_new_key_reseals_every_value_and_the_old_one_can_go(written):
    before = sealed.keyring()
    rotated = before.with_new_key()
    sealed.use(rotated)
    try:
        assert await sealed.reseal_all() >= len(CANARIES)
        usage = await sealed.key_usage()
        assert set(usage) == {rotated.current}
        sealed.use(rotated.without([before.current]))
        row = await records.row(written["cast"].scopes["li"], written["registration"])
        assert (row["id_number"], row["phone"]) == (VISITOR_ID, VISITOR_PHONE)
        slip = await ReleaseSlip.select(ReleaseSlip.carrier_id_number).where(ReleaseSlip.id == written["slip"]).first()
        assert sealed.key_id(slip["carrier_id_number"]) == rotated.current
        told = await disclosures.extract(written["cast"].scopes["sun"], written["disclosure"])  # opens, digest checked
        assert VISITOR_ID.encode() in told[0] and (told[1]["asked_phone"], told[1]["asked_id_number"]) == (
            ASKED_PHONE, ASKED_ID)
        assert await sealed.reseal_all() == 0  # nothing left to do
    finally:
        # the rest of the run, and the file under var/, keep sealing and opening with one keyring
        sealed.use(rotated)
        sealed.write_file(get_settings().var_dir, rotated, replace=True)


def test_the_keys_rotate_from_the_command_line():
    """``keys add``, ``keys rotate``, ``keys retire`` on an installation of its own, as an operator does."""
    installation = Installation()
    try:
        installation.cli("migrate")
        installation.cli("demo")
        keys = installation.var / "field_keys.json"
        assert stat.S_IMODE(keys.stat().st_mode) == 0o600
        old = Keyring.from_json(keys.read_text())
        added = installation.cli("keys", "add").stdout
        new = Keyring.from_json(keys.read_text())
        assert new.current != old.current and new.current in added and set(new.keys) == {old.current, new.current}
        rotated = installation.cli("keys", "rotate").stdout
        assert f"{new.current}:" in rotated and f"{old.current}:" not in rotated
        retired = installation.cli("keys", "retire").stdout
        assert old.current in retired
        assert set(Keyring.from_json(keys.read_text()).keys) == {new.current}
        assert stat.S_IMODE(keys.stat().st_mode) == 0o600
        status = installation.cli("keys", "status").stdout
        assert "current" in status and "MISSING" not in status
    finally:
        installation.close()
