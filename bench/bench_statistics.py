"""Server time of the statistics pages on a large estate's year: the demo estate grown to 3,000
units, 300 visits a day for the last 365 days (about 110,000, two in five by invitation, most
with an exit, a few overdue), a walk-in registration in ten refused, five passes a day turned
away at the gate, a year of patrol rounds on its routes and an incident or two a day.

Budget (DESIGN, "Budgets"): the statistics page under 300 ms with a year of data for a
3,000-unit estate. The page comes at once and its two regions of figures load after it; the
figure that counts is the page and both regions together ("whole page"), for the year.

    .venv/bin/python bench/bench_statistics.py [--engine sqlite|postgres] [--requests 20]

Without ``--engine`` (as ``make bench`` runs it), SQLite and then PostgreSQL.

Requests go in-process through the ASGI interface, one after another, as bench/bench_pages.py
does; its floor (one indexed lookup and a one-line template) is measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import subprocess
import sys
import time
from datetime import time as clock_time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_pages import configure, floor_app, measure, pct  # noqa: E402

DAYS = 365
PER_DAY = 300
UNITS = 3000
PURPOSES = ("family_friend", "domestic_help", "repair", "delivery", "other")


async def a_large_estates_year(slug: str) -> int:
    from uuid import uuid4

    from app.domain import patrol as patrol_rules
    from app.models.estates import Building, Estate, Gate, Unit
    from app.models.incidents import Incident
    from app.models.patrol import PatrolRound, PatrolRoute
    from app.models.visitors import GateRefusal, Registration, Visit, VisitorPass
    from app.services.clock import utcnow

    estate = await Estate.objects().where(Estate.slug == slug).first()
    units = [u["id"] for u in await Unit.select(Unit.id).where(Unit.estate == estate.id)]
    b = 0
    while len(units) < UNITS:
        building = Building(estate=estate.id, code=f"L{b}", name=f"Tower {b}")
        await building.save()
        batch = [Unit(estate=estate.id, building=building.id, label=f"L{b}-{f:02d}{r:02d}")
                 for f in range(1, 31) for r in range(1, 11)]
        await Unit.insert(*batch)
        units.extend(u.id for u in batch)
        b += 1
    gates = [g["id"] for g in await Gate.select(Gate.id).where(Gate.estate == estate.id)]
    now = utcnow()
    start = now - timedelta(days=DAYS)
    rng = random.Random(17)
    # A multiple-entry pass per unit in a thousand: the invited visits are its entries.
    passes = []
    for unit in units[:300]:
        p = VisitorPass(estate=estate.id, unit=unit, guest_name="Guest", purpose="domestic_help", max_entries=None,
                        starts_at=start, ends_at=now + timedelta(days=30), link_hash=uuid4().hex)
        passes.append(p)
    await VisitorPass.insert(*passes)
    entries = {p.id: 0 for p in passes}
    batch, made = [], 0
    for day in range(DAYS + 1):
        base = start + timedelta(days=day)
        for _ in range(PER_DAY):
            entered = base + timedelta(seconds=rng.randrange(86400))
            if entered >= now:
                continue
            stay = timedelta(minutes=rng.randint(5, 240))
            inside = entered + stay > now or rng.random() < 0.002
            # A pass has one visit inside at a time: those still inside came without one.
            pass_id = rng.choice(passes).id if rng.random() < 0.4 and not inside else None
            if pass_id is not None:
                entries[pass_id] += 1
            batch.append(Visit(
                estate=estate.id, unit=rng.choice(units), visitor_pass=pass_id,
                entry_number=entries[pass_id] if pass_id else 1, guest_name="Visitor",
                purpose=rng.choice(PURPOSES), entered_at=entered, entry_gate=rng.choice(gates),
                expected_until=entered + timedelta(hours=3), exited_at=None if inside else entered + stay))
            if len(batch) >= 1000:  # PostgreSQL takes at most 32,767 arguments a statement
                await Visit.insert(*batch)
                made += len(batch)
                batch = []
    if batch:
        await Visit.insert(*batch)
        made += len(batch)
    registrations = []
    for day in range(DAYS):
        at = start + timedelta(days=day, hours=rng.randint(0, 23))
        for kind, state, hit in (("walk_in", "admitted", False), ("walk_in", "refused", False),
                                 ("refused_to_register", "recorded", rng.random() < 0.1)):
            registrations.append(Registration(estate=estate.id, kind=kind, state=state, watchlist_hit=hit,
                                              created_at=at, name="Visitor"))
    for i in range(0, len(registrations), 500):
        await Registration.insert(*registrations[i:i + 500])
    # Passes turned away at the gate: five a day, mostly expired or used up.
    refusals = [GateRefusal(estate=estate.id, visitor_pass=rng.choice(passes).id, gate=rng.choice(gates),
                            reason=rng.choice(("expired", "expired", "used_up", "revoked", "outside_hours", "watchlist")),
                            refused_at=start + timedelta(days=day, seconds=rng.randrange(86400)))
                for day in range(DAYS) for _ in range(5)]
    for i in range(0, len(refusals), 1000):
        await GateRefusal.insert(*refusals[i:i + 1000])
    await Incident.insert(*[Incident(estate=estate.id, kind=rng.choice(("theft", "noise", "damage", "other")),
                                     severity="low", happened_at=start + timedelta(hours=rng.randrange(DAYS * 24)))
                            for _ in range(DAYS * 2)])
    await PatrolRoute.update({PatrolRoute.created_at: start}).where(PatrolRoute.estate == estate.id)
    await PatrolRound.delete().where(PatrolRound.estate == estate.id)
    for route in await PatrolRoute.select().where(PatrolRoute.estate == estate.id):
        h, m = (int(x) for x in route["shift_from"].split(":"))
        hu, mu = (int(x) for x in route["shift_until"].split(":"))
        schedule = patrol_rules.Schedule(timedelta(minutes=route["every_minutes"]), clock_time(h, m),
                                         clock_time(hu, mu), estate.timezone)
        rounds = [PatrolRound(estate=estate.id, route=route["id"], slot_at=slot.at, state="done",
                              started_at=slot.at + timedelta(minutes=rng.randint(0, 20)), checkpoints=3)
                  for slot in patrol_rules.slots(schedule, start, now - timedelta(hours=2)) if rng.random() > 0.05]
        for i in range(0, len(rounds), 1000):
            await PatrolRound.insert(*rounds[i:i + 1000])
    return made


async def main(engine: str, n: int) -> None:
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    import httpx

    from app import db
    from app.asgi import create_app
    from app.models.people import Person
    from app.services import demo, schema, sessions, statistics_tally
    from app.services.clock import utcnow
    from app.settings import get_settings

    await db.start(get_settings())
    try:
        await schema.migrate()
        await demo.load()
        began = time.perf_counter()
        made = await a_large_estates_year(demo.SLUG)
        seeded = time.perf_counter()
        await statistics_tally.keep()  # the periodic job's first run: the year before yesterday tallied
        print(f"engine: {engine}; {made} visits over {DAYS} days, {UNITS} units "
              f"(made in {seeded - began:.0f} s, tallied by the periodic job in {time.perf_counter() - seeded:.1f} s);"
              f" requests per page: {n}")
        app = create_app(check_schema=False)
        slug = demo.SLUG
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=floor_app()), base_url="http://localhost:8000") as c:
            floor = statistics.median((await measure(c, f"/floor/{slug}", n))[0])
        print(f"{'page':<64} {'median ms':>9} {'p95 ms':>8} {'x floor':>8}")
        print(f"{'floor: one lookup + template':<64} {floor:9.2f} {'':>8} {1:8.1f}")
        today = utcnow().astimezone(ZoneInfo("Asia/Shanghai")).date()
        year = f"from={(today - timedelta(days=364)).isoformat()}&to={today.isoformat()}"
        person = await Person.select(Person.id).where(Person.name == "Sun Hao").first()
        token = await sessions.start(person["id"], "bench")
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://localhost:8000",
                                     cookies={"gp_session": token}) as client:
            whole = {}
            for query, label in ((year, "a year"), ("range=30d", "30 days")):
                parts = [f"/e/{slug}/statistics?{query}", f"/e/{slug}/statistics/visitors?{query}",
                         f"/e/{slug}/statistics/operations?{query}"]
                medians = []
                for url in parts:
                    times, _ = await measure(client, url, n)  # wall times (and CPU times)
                    medians.append(statistics.median(times))
                    print(f"{url:<64} {medians[-1]:9.2f} {pct(times, .95):8.2f} {medians[-1] / floor:8.1f}")
                whole[label] = sum(medians)
                print(f"{'whole page (page + both regions), ' + label:<64} {whole[label]:9.2f} {'':>8} "
                      f"{whole[label] / floor:8.1f}")
            for url in (f"/e/{slug}/statistics/csv/days?{year}", f"/statistics/estates?{year}"):
                times, _ = await measure(client, url, n)
                median = statistics.median(times)
                print(f"{url:<64} {median:9.2f} {pct(times, .95):8.2f} {median / floor:8.1f}")
            print(f"budget: whole page for a year under 300 ms: {'met' if whole['a year'] < 300 else 'NOT met'}")
    finally:
        await db.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=["sqlite", "postgres"],
                        help="one engine; without it, SQLite then PostgreSQL, each in a process of its own")
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    if args.engine is None:  # Piccolo binds its engine at import: one process per engine
        for engine in ("sqlite", "postgres"):
            subprocess.run([sys.executable, __file__, "--engine", engine, "--requests", str(args.requests)], check=True)
        sys.exit(0)
    handle = configure(args.engine)
    try:
        asyncio.run(main(args.engine, args.requests))
    finally:
        if handle is not None:
            handle.drop()
