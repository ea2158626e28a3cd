"""The nightly retention run on a large estate's year of records, on SQLite and PostgreSQL: the
time ``retention.purge_estate`` takes to erase 110,000 visits (with their walk-in registrations
and passes), goods release slips with items and photos, incidents with their timelines, the duty
log and notifications, beside a floor measured in the same run on the same rows: one plain
``UPDATE`` of one column per table over the same row counts. Then the clean-up after a run
(SQLite: the log emptied; PostgreSQL: the touched tables vacuumed).

Before the purge, the same year is backed up (``backup.run``: one file with the database, the
uploads and the keys): its size and time, beside the bare copy of the database alone (SQLite's
backup API; ``pg_dump``) as the floor.

A purge is destructive, so each figure is a single run on freshly seeded rows (``--runs`` seeds
again). Each engine runs in a process of its own (Piccolo binds its engine at import).

    .venv/bin/python bench/bench_retention.py [--visits 110000] [--runs 1] [--only sqlite|postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from uuid import uuid4
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def parent(args) -> None:
    from tests.databases import fresh_postgres

    print(f"Retention purge of one estate's year of records ({args.visits} visits and the rest), "
          "single runs on freshly seeded rows:")
    for engine in ("sqlite", "postgres"):
        if args.only and args.only != engine:
            continue
        var = Path(tempfile.mkdtemp(prefix="gatepost-bench-retention-"))
        database = fresh_postgres() if engine == "postgres" else None
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
        env["GATEPOST_VAR_DIR"] = str(var)
        env["DATABASE_URL"] = database.url if database else f"sqlite:///{var / 'gatepost.sqlite'}"
        try:
            subprocess.run([sys.executable, __file__, "--child", engine, "--visits", str(args.visits),
                            "--runs", str(args.runs)], env=env, cwd=ROOT, check=True)
        finally:
            shutil.rmtree(var, ignore_errors=True)
            if database:
                database.drop()


# The child: one engine ---------------------------------------------------------------------------


async def seed(visits: int) -> tuple[object, dict[str, int]]:
    from app import db
    from app.models.duty import Shift
    from app.models.estates import Building, Estate, Gate, Unit
    from app.models.people import Person
    from app.services import uploads
    from app.services.clock import utcnow

    estate = Estate(name="Large Estate", slug=f"large-{secrets.token_hex(3)}")
    await estate.save()
    building = Building(estate=estate.id, code="1")
    await building.save()
    units = []
    for n in range(200):
        unit = Unit(estate=estate.id, building=building.id, label=f"1-1-{n:04d}")
        await unit.save()
        units.append(unit.id)
    gate = Gate(estate=estate.id, name="North Gate")
    await gate.save()
    guard = Person(name="Guard", user_handle=secrets.token_hex(16))
    await guard.save()
    resident = Person(name="Resident", user_handle=secrets.token_hex(16))
    await resident.save()
    shift = Shift(estate=estate.id, person=guard.id, post="gate", ended_at=utcnow())
    await shift.save()

    # A year of records, from four years ago to three years and a week ago: all past retention.
    start = utcnow() - timedelta(days=4 * 365)
    span = 358 * 24 * 3600

    def at(i: int, count: int):
        return start + timedelta(seconds=span * i // max(count, 1))

    async def insert(rows: list) -> None:
        for chunk in range(0, len(rows), 500):
            async with db.write_transaction():
                await type(rows[0]).insert(*rows[chunk:chunk + 500])

    counts: dict[str, int] = {}

    async def bulk(table: str, columns: str, rows: list[tuple]) -> None:
        """Rows inserted 500 to a statement, values as the app's statements pass them."""
        width = len(rows[0])
        one = db.Statement(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['{}'] * width)})")
        for chunk in range(0, len(rows), 500):
            part = rows[chunk:chunk + 500]
            async with db.write_transaction():
                await one.rows(len(part)).fetch(*[value for row in part for value in row])
        counts[table] = len(rows)

    e, g, r = estate.id, gate.id, resident.id
    half = visits // 2
    passes = [uuid4() for _ in range(half)]
    await bulk("visitor_pass", "id, estate, unit, host, guest_name, guest_phone, guest_name_key, guest_phone_key, "
               "purpose, vehicle_plate, starts_at, ends_at, link_hash",
               [(passes[i], e, units[i % 200], r, f"Guest {i}", f"139{i:08d}", f"guest {i}", f"139{i:08d}",
                 "family_friend", f"A{i:05d}", at(i, half), at(i, half) + timedelta(hours=6), secrets.token_hex(32))
                for i in range(half)])
    registrations = [uuid4() for _ in range(half)]
    await bulk("registration", "id, estate, gate, guard, name, id_type, id_number, phone, unit, purpose, "
               "vehicle_plate, items, created_at, state",
               [(registrations[i], e, g, guard.id, f"Walker {i}", "resident_id", f"11010119900101{i:04d}",
                 f"138{i:08d}", units[i % 200], "repair", f"B{i:05d}", "a tool bag", at(i, half), "admitted")
                for i in range(half)])
    await bulk("visit", "id, estate, unit, visitor_pass, registration, guest_name, vehicle_plate, purpose, "
               "entered_at, entry_gate, admitted_by, exited_at",
               [(uuid4(), e, units[i % 200], passes[i // 2] if i % 2 == 0 else None,
                 None if i % 2 == 0 else registrations[i // 2], f"Guest {i}", f"C{i:05d}", "family_friend",
                 at(i, visits), g, guard.id, at(i, visits) + timedelta(hours=2)) for i in range(visits)])

    slips = max(1, visits // 20)
    photo = uploads.Cleaned(b"\xff\xd8" + secrets.token_bytes(20000) + b"\xff\xd9", 640, 480)
    proofs = [await uploads.keep(e, guard.id, photo, "company_proof") for _ in range(0, slips, 10)]
    slip_ids = [uuid4() for _ in range(slips)]
    await bulk("release_slip", "id, estate, unit, requester, requester_name, carrier_name, carrier_id_number, "
               "carrier_phone, vehicle_plate, reason, company_proof, notes, created_at, state",
               [(slip_ids[i], e, units[i % 200], r, f"Mover {i}", f"Carrier {i}", f"44010119800101{i:04d}",
                 f"137{i:08d}", f"D{i:05d}", "moving_out", proofs[i // 10] if i % 10 == 0 else None,
                 "by the back gate", at(i, slips), "released") for i in range(slips)])
    await bulk("release_item", "id, slip, name, quantity, position",
               [(uuid4(), slip_ids[i // 2], f"Sofa {i}", 1, i % 2) for i in range(2 * slips)])
    counts["upload"] = len(proofs)

    incidents = max(1, visits // 50)
    incident_ids = [uuid4() for _ in range(incidents)]
    await bulk("incident", "id, estate, kind, unit, description, people, reported_by, happened_at, created_at",
               [(incident_ids[i], e, "noise", units[i % 200], f"Noise at {i}", f"Neighbour {i}", guard.id,
                 at(i, incidents), at(i, incidents)) for i in range(incidents)])
    await bulk("incident_entry", 'id, estate, incident, person, kind, note, "at"',
               [(uuid4(), e, incident_ids[i], guard.id, "note", f"Spoke to {i}", at(i, incidents))
                for i in range(incidents)])
    requests = max(1, visits // 50)
    await bulk("resident_request", "id, estate, unit, kind, text, resident_name, created_at",
               [(uuid4(), e, units[i % 200], "repair", f"Tap {i}", f"Owner {i}", at(i, requests))
                for i in range(requests)])
    duty = max(1, visits // 10)
    await bulk("duty_entry", "id, estate, shift, author, kind, text, created_at",
               [(uuid4(), e, shift.id, guard.id, "visitor", f"Visitor {i} for 1-1-0101", at(i, duty))
                for i in range(duty)])
    notes = max(1, visits // 5)
    await bulk("notification", "id, estate, person, kind, params, created_at",
               [(uuid4(), e, r, "visitor_arrived", json.dumps({"guest": f"Guest {i}"}), at(i, notes))
                for i in range(notes)])
    return estate.id, counts


FLOOR = {  # one plain UPDATE per table over the same rows, one column set
    "visitor_pass": "UPDATE visitor_pass SET guest_name = 'x' WHERE estate = {}",
    "registration": "UPDATE registration SET name = 'x' WHERE estate = {}",
    "visit": "UPDATE visit SET guest_name = 'x' WHERE estate = {}",
    "release_slip": "UPDATE release_slip SET requester_name = 'x' WHERE estate = {}",
    "release_item": "UPDATE release_item SET name = 'x' WHERE slip IN (SELECT id FROM release_slip WHERE estate = {})",
    "incident": "UPDATE incident SET description = 'x' WHERE estate = {}",
    "incident_entry": "UPDATE incident_entry SET note = 'x' WHERE estate = {}",
    "resident_request": "UPDATE resident_request SET text = 'x' WHERE estate = {}",
    "duty_entry": "UPDATE duty_entry SET text = 'x' WHERE estate = {}",
    "notification": "UPDATE notification SET url = 'x' WHERE estate = {}",
}


async def child(engine: str, visits: int, runs: int) -> None:
    from app import db
    from app.domain import retention as rules
    from app.services import retention, schema
    from app.services.clock import utcnow
    from app.settings import get_settings
    from zoneinfo import ZoneInfo

    await db.start(get_settings())
    with contextlib.redirect_stdout(io.StringIO()):
        await schema.migrate()
    purges, floors, scrubs, backups, copies = [], [], [], [], []
    for _ in range(runs):
        started = time.perf_counter()
        estate, counts = await seed(visits)
        seeded_s = time.perf_counter() - started
        total = sum(counts.values())

        started = time.perf_counter()
        async with db.write_transaction():
            for sql in FLOOR.values():
                await db.Statement(sql).fetch(estate)
        floors.append(time.perf_counter() - started)

        size, took, bare = year_backup(get_settings())
        backups.append(took)
        copies.append(bare)

        cutoff = rules.cutoff(utcnow(), ZoneInfo("Asia/Shanghai"), 3)
        started = time.perf_counter()
        outcome = await retention.purge_estate(estate, cutoff)
        purges.append(time.perf_counter() - started)
        started = time.perf_counter()
        await retention.scrub_free_space([outcome])
        scrubs.append(time.perf_counter() - started)
        erased = sum(outcome.counts.values())
        assert outcome.counts.get("visit") == visits and outcome.photos == counts["upload"], outcome.counts
    await db.stop()

    def figure(values: list[float]) -> str:
        return f"{statistics.median(values):.2f} s" + ("" if len(values) == 1 else f" (median of {len(values)})")

    print(f"{engine:9} {total:,} rows seeded in {seeded_s:.0f} s; purge of {erased:,} rows and "
          f"{outcome.photos} photos {figure(purges)} against floor (plain one-column UPDATEs of the same rows) "
          f"{figure(floors)}; clean-up after the run {figure(scrubs)}")
    print(f"{engine:9} backup of that year before the purge: {size / 1e6:.1f} MB in {figure(backups)} against "
          f"floor (the database copied alone) {figure(copies)}")


def year_backup(settings) -> tuple[int, float, float]:
    """The backup file's size and time, and the bare copy's time, of the database as it is now."""
    import sqlite3

    from app.services import backup
    from app.services.clock import utcnow

    out = Path(tempfile.mkdtemp(prefix="gatepost-bench-backup-"))
    try:
        started = time.perf_counter()
        made = backup.run(settings, out, keep_days=14, now=utcnow())
        took = time.perf_counter() - started
        size = made.stat().st_size
        started = time.perf_counter()
        if settings.is_sqlite:
            source, copy = sqlite3.connect(settings.sqlite_path), sqlite3.connect(out / "floor.sqlite")
            source.backup(copy)
            copy.close()
            source.close()
        else:
            subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={out / 'floor.dump'}",
                            settings.database_url], check=True, capture_output=True)
        return size, took, time.perf_counter() - started
    finally:
        shutil.rmtree(out, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--visits", type=int, default=110_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    parser.add_argument("--child", choices=("sqlite", "postgres"))
    args = parser.parse_args()
    if args.child:
        asyncio.run(child(args.child, args.visits, args.runs))
    else:
        parent(args)


if __name__ == "__main__":
    main()
