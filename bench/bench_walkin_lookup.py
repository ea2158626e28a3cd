"""The gate's searches by ID number and phone, in one process, beside a floor from the same run.

    .venv/bin/python bench/bench_walkin_lookup.py [--engine sqlite|postgres] [--registrations 5000] [--rounds 7]

Rows (each the median time of one call, over rounds taken in turns):
- ``lookup, returning visitor``: ``walkins.lookup`` with a phone a registration has (finds the
  latest one, opens its ID number and phone, checks the watchlist);
- ``lookup, new visitor``: a phone nobody has (the search and the watchlist check);
- ``watchlist check by ID number and phone``: ``watchlist.matches``, as every registration runs it;
- ``walk-in record read``: ``walkin_records.row``, as the record's page reads it (opens both);
- the floor: one registration read by its id through Piccolo (an indexed lookup, no rule).

ID numbers and phones are sealed (app/services/sealed.py) when the code has it: the same file
run from a checkout without it measures the plain columns, for a before and after on one machine.
Budget (DESIGN "Budgets"): any page's server time under 15 ms; these are parts of pages.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


async def _timed(operation, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        await operation()
    return (time.perf_counter() - started) / count


async def run(registrations: int, rounds: int, per_round: int = 100) -> None:
    from datetime import timedelta
    from uuid import uuid4

    from app import db
    from app.domain.roles import Role
    from app.domain.watchlist import normalised
    from app.models.estates import Building, Estate, Gate, Unit
    from app.models.people import Person, RoleGrant
    from app.models.visitors import Registration, WatchlistEntry
    from app.services import schema, walkins, watchlist
    from app.services import walkin_records as records
    from app.services.clock import utcnow
    from app.services.scope import EstateGrant, EstateRef, Scope, Viewer
    from app.settings import get_settings

    try:
        from app.services import sealed

        def seal(table, values):
            return sealed.seal(table, values)
        mode = "sealed"
    except ImportError:
        def seal(table, values):
            return values
        mode = "plain"

    await db.start(get_settings())
    await schema.migrate()
    estate = Estate(name="Bench Estate", slug="bench")
    await estate.save()
    building = Building(estate=estate.id, code="1", name="")
    await building.save()
    units = [Unit(estate=estate.id, building=building.id, label=f"1-1-{n:04d}") for n in range(100)]
    await Unit.insert(*units)
    gate = Gate(estate=estate.id, name="North Gate")
    await gate.save()
    guard = Person(name="Li Qiang", user_handle=uuid4().hex)
    await guard.save()
    await RoleGrant(person=guard.id, estate=estate.id, role=Role.GATE_GUARD.value).save()
    ref = EstateRef(estate.id, estate.slug, estate.name, "Asia/Shanghai")
    roles = frozenset({Role.GATE_GUARD})
    scope = Scope(Viewer(guard.id, "Li Qiang", "en", uuid4(), {estate.slug: EstateGrant(ref, roles)}), ref, roles)

    now = utcnow()
    rows = [Registration(**seal(Registration, dict(
        estate=estate.id, gate=gate.id, guard=guard.id, kind="walk_in", state="admitted", name=f"Visitor {n}",
        gender="male", id_type="resident_id", id_number=f"110105199001{n:06d}", phone=f"139{n:08d}",
        unit=units[n % len(units)].id, purpose="delivery", created_at=now - timedelta(minutes=n))))
        for n in range(registrations)]
    for start in range(0, len(rows), 500):
        await Registration.insert(*rows[start:start + 500])
    await WatchlistEntry.insert(*[WatchlistEntry(**seal(WatchlistEntry, dict(
        estate=estate.id, reason="bench", **normalised(f"Barred {n}", f"440301197001{n:06d}", f"150{n:08d}"))))
        for n in range(200)])
    some = rows[registrations // 2]

    async def returning():
        found = await walkins.lookup(scope, f"139{registrations // 2:08d}", {})
        assert found["returning"] is not None

    async def new():
        found = await walkins.lookup(scope, "13000000001", {})
        assert found["returning"] is None

    async def check():
        assert await watchlist.matches(estate.id, name="Someone", id_number="440301197001000100",
                                       phone="13000000001")

    async def record():
        await records.row(scope, some.id)

    async def floor():
        await Registration.select(Registration.id, Registration.name).where(Registration.id == some.id).first()

    operations = {"floor: one registration by id": floor, "lookup, returning visitor": returning,
                  "lookup, new visitor": new, "watchlist check by ID number and phone": check,
                  "walk-in record read": record}
    times: dict[str, list[float]] = {k: [] for k in operations}
    for operation in operations.values():
        await _timed(operation, 20)
    for _ in range(rounds):
        for label, operation in operations.items():
            times[label].append(await _timed(operation, per_round))
    floor_ms = statistics.median(times["floor: one registration by id"]) * 1e3
    engine = "sqlite" if get_settings().is_sqlite else "postgres"
    print(f"{engine}, {mode} columns, {registrations} registrations, 200 watchlist entries "
          f"(load average {os.getloadavg()[0]:.1f})")
    print(f"  {'operation':<42} {'median ms':>10} {'x floor':>8}")
    for label, values in times.items():
        ms = statistics.median(values) * 1e3
        print(f"  {label:<42} {ms:10.3f} {ms / floor_ms:8.1f}")
    await db.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--registrations", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="gatepost-bench-lookup-")
    os.environ["GATEPOST_VAR_DIR"] = tmp
    os.environ["PUBLIC_URL"] = "http://localhost:8000"
    pg = None
    if args.engine == "postgres":
        from tests.databases import fresh_postgres

        pg = fresh_postgres()
        os.environ["DATABASE_URL"] = pg.url
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite"
    try:
        asyncio.run(run(args.registrations, args.rounds))
    finally:
        if pg is not None:
            pg.drop()


if __name__ == "__main__":
    main()
