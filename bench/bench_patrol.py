"""Server time of the patrol board, the reports (the weekly security summary with its rounds, the
monthly duty record, their CSVs) and the patrol guard's pages with a year of rounds: the demo
estate's two routes and a third, every round of the last 365 days walked (with each
checkpoint's check-in) but one in twenty missed.

    .venv/bin/python bench/bench_patrol.py [--engine sqlite|postgres] [--requests 100]

Requests go in-process through the ASGI interface, one after another, as bench/bench_pages.py
does; its floor (one indexed lookup and a one-line template) is measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from datetime import time as clock_time, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_pages import configure, floor_app, measure, pct  # noqa: E402

DAYS = 365


async def a_year_of_rounds(slug: str) -> tuple[int, int]:
    from app.domain import patrol as rules
    from app.models.estates import Estate
    from app.models.people import Person
    from app.models.patrol import Checkpoint, CheckIn, PatrolRound, PatrolRoute, RouteStop
    from app.services.clock import utcnow

    estate = await Estate.objects().where(Estate.slug == slug).first()
    guard = (await Person.select(Person.id).where(Person.name == "Zhao Gang").first())["id"]
    checkpoints = [c["id"] for c in await Checkpoint.select(Checkpoint.id).where(Checkpoint.estate == estate.id)]
    third = PatrolRoute(estate=estate.id, name="Car park and bike sheds", every_minutes=60)
    await third.save()
    await RouteStop.insert(*[RouteStop(route=third.id, checkpoint=c, position=i) for i, c in enumerate(checkpoints[4:9])])
    now = utcnow()
    start = now - timedelta(days=DAYS)
    await PatrolRoute.update({PatrolRoute.created_at: start}).where(PatrolRoute.estate == estate.id)
    await PatrolRound.delete().where(PatrolRound.estate == estate.id)
    rng = random.Random(17)
    rounds = check_ins = 0
    for route in await PatrolRoute.select().where(PatrolRoute.estate == estate.id):
        stops = [s["checkpoint"] for s in await RouteStop.select(RouteStop.checkpoint).where(RouteStop.route == route["id"])]
        h, m = (int(x) for x in route["shift_from"].split(":"))
        hu, mu = (int(x) for x in route["shift_until"].split(":"))
        schedule = rules.Schedule(timedelta(minutes=route["every_minutes"]), clock_time(h, m), clock_time(hu, mu),
                                  estate.timezone)
        batch_rounds, batch_checks = [], []
        for slot in rules.slots(schedule, start, now - timedelta(hours=2)):
            if rng.random() < 0.05:
                continue
            started = slot.at + timedelta(minutes=rng.randint(0, 20))
            walked = PatrolRound(estate=estate.id, route=route["id"], guard=guard, slot_at=slot.at, state="done",
                                 started_at=started, finished_at=started + timedelta(minutes=20), checkpoints=len(stops))
            batch_rounds.append(walked)
            for n, checkpoint in enumerate(stops):
                at = started + timedelta(minutes=3 * n)
                batch_checks.append(CheckIn(estate=estate.id, round=walked.id, checkpoint=checkpoint, guard=guard,
                                            device_time=at, checked_at=at, received_at=at, answers="yes\nyes\nyes",
                                            questions="a\nb\nc"))
            if len(batch_checks) > 2000:
                await PatrolRound.insert(*batch_rounds)
                await CheckIn.insert(*batch_checks)
                rounds, check_ins = rounds + len(batch_rounds), check_ins + len(batch_checks)
                batch_rounds, batch_checks = [], []
        if batch_rounds:
            await PatrolRound.insert(*batch_rounds)
            await CheckIn.insert(*batch_checks)
            rounds, check_ins = rounds + len(batch_rounds), check_ins + len(batch_checks)
    return rounds, check_ins


async def main(engine: str, n: int) -> None:
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    import httpx

    from app import db
    from app.asgi import create_app
    from app.models.people import Person
    from app.services import demo, schema, sessions
    from app.services.clock import utcnow
    from app.settings import get_settings

    await db.start(get_settings())
    try:
        await schema.migrate()
        await demo.load()
        began = time.perf_counter()
        rounds, check_ins = await a_year_of_rounds(demo.SLUG)
        print(f"engine: {engine}; {rounds} rounds and {check_ins} check-ins over {DAYS} days, 3 routes "
              f"(made in {time.perf_counter() - began:.0f} s); requests per page: {n}")
        app = create_app(check_schema=False)
        slug = demo.SLUG
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=floor_app()), base_url="http://localhost:8000") as c:
            floor = statistics.median((await measure(c, f"/floor/{slug}", n))[0])
        print(f"{'page':<56} {'as':<12} {'median ms':>9} {'p95 ms':>8} {'x floor':>8}")
        print(f"{'floor: one lookup + template':<56} {'-':<12} {floor:9.2f} {'':>8} {1:8.1f}")
        today = utcnow().date()
        last_week = (today - timedelta(days=7)).isoformat()
        last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
        reports = ["/incidents/summary", f"/incidents/summary?week={last_week}",
                   f"/patrol/reports/rounds.csv?week={last_week}", "/patrol/reports/duty",
                   f"/patrol/reports/duty?month={last_month}", f"/patrol/reports/duty.csv?month={last_month}"]
        for name, pages in (("Wu Lei", ["/patrol/board", "/patrol/board/live", *reports]),
                            ("Zhao Gang", ["/patrol", "/"])):
            person = await Person.select(Person.id).where(Person.name == name).first()
            token = await sessions.start(person["id"], "bench")
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://localhost:8000",
                                         cookies={"gp_session": token}) as client:
                for page in pages:
                    url = f"/e/{slug}{page}"
                    times, _ = await measure(client, url, n)  # wall times (and CPU times)
                    median = statistics.median(times)
                    print(f"{url:<56} {name:<12} {median:9.2f} {pct(times, .95):8.2f} {median / floor:8.1f}")
    finally:
        await db.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    handle = configure(args.engine)
    try:
        asyncio.run(main(args.engine, args.requests))
    finally:
        if handle is not None:
            handle.drop()
