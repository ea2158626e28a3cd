"""Server time of every page, on the demo estate with ten times its data.

Budget (docs/architecture.md, "Budgets"): median under 15 ms for any page. Requests go in-process through the
ASGI interface (no sockets), one after another, so the figure is the app's own time. The floor
is a bare Litestar handler doing one indexed lookup and rendering a one-line template, measured
in the same run on the same database. The last column is the median CPU time of the process per
request: on a busy machine, the wall-clock median also counts the wait for a core.

    .venv/bin/python bench/bench_pages.py [--engine sqlite|postgres] [--requests 200] [--only duty,handover]
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

from litestar.response import Template

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def configure(engine: str) -> object:
    var = tempfile.mkdtemp(prefix="gatepost-bench-")
    os.environ["GATEPOST_VAR_DIR"] = var
    os.environ["PUBLIC_URL"] = "http://localhost:8000"
    os.environ["RATE_LIMIT_PER_MINUTE"] = "100000"
    if engine == "postgres":
        from tests.databases import fresh_postgres

        pg = fresh_postgres()
        os.environ["DATABASE_URL"] = pg.url
        return pg
    os.environ["DATABASE_URL"] = f"sqlite:///{var}/bench.sqlite"
    return None


async def grow_tenfold(slug: str) -> None:
    """Nine more copies of the demo's buildings, units and households in the same estate."""
    import random

    from app.domain.roles import Relation, Role
    from app.models.estates import Building, Estate, Unit
    from app.services import people
    from app.services.people import NewPerson

    estate = await Estate.objects().where(Estate.slug == slug).first()
    rng = random.Random(7)
    for copy in range(9):
        for b in range(3):
            code = f"{10 + copy * 3 + b}"
            building = Building(estate=estate.id, code=code, name=f"Building {code}")
            await building.save()
            units = [
                Unit(estate=estate.id, building=building.id, label=f"{code}-{e}-{f:02d}{r:02d}")
                for e in (1, 2) for f in range(9, 14) for r in (1, 2)
            ]
            await Unit.insert(*units)
            for unit in units:
                if rng.random() < 0.7:
                    await people.create(estate.id, NewPerson(
                        name=f"Owner {unit.label}", phone=f"139{rng.randrange(10**8):08d}",
                        roles=(Role.RESIDENT,), unit_id=unit.id, relation=Relation.OWNER), actor=None)


async def grow_slips(slug: str) -> None:
    """Nine more copies of the demo's goods release slips (with their items), in the same units
    and states: the desk's queue and today's archive hold ten times the demo's."""
    from app.models.estates import Estate
    from app.models.releases import ReleaseItem, ReleaseSlip

    estate = await Estate.objects().where(Estate.slug == slug).first()
    slips = await ReleaseSlip.objects().where(ReleaseSlip.estate == estate.id)
    items = await ReleaseItem.objects().where(ReleaseItem.slip.is_in([s.id for s in slips]))
    for _ in range(9):
        copies, copied_items = [], []
        for slip in slips:
            values = {c._meta.name: getattr(slip, c._meta.name) for c in ReleaseSlip._meta.columns if c._meta.name != "id"}
            copy = ReleaseSlip(**values)
            copies.append(copy)
            copied_items += [ReleaseItem(slip=copy.id, position=i.position, name=i.name, quantity=i.quantity,
                                         large=i.large) for i in items if i.slip == slip.id]
        await ReleaseSlip.insert(*copies)
        await ReleaseItem.insert(*copied_items)


async def grow_requests(slug: str) -> None:
    """Nine more copies of the demo's residents' requests and lost-and-found records: the desk's
    queue and the lost-and-found board hold ten times the demo's."""
    from app.models.desk_requests import LostFoundRecord, ResidentRequest
    from app.models.estates import Estate

    estate = await Estate.objects().where(Estate.slug == slug).first()
    for table in (ResidentRequest, LostFoundRecord):
        rows = await table.objects().where(table.estate == estate.id)
        for _ in range(9):
            await table.insert(*[table(**{c._meta.name: getattr(r, c._meta.name) for c in table._meta.columns
                                          if c._meta.name != "id"}) for r in rows])
async def grow_week_of_duty(slug: str) -> None:
    """A week of activity: three shifts a day at each post, each with 15 log entries (one for the
    next shift) and its handover (items as compiled then), acknowledged; 60 visits a day through
    the gate, 20 visitors inside now (5 overdue), 20 walk-ins waiting (5 with an escort task open),
    30 guests expected in the next hours, and 6 incidents a day (the last day's still open). Every
    duty person of the cast is on duty now, so each one's handover page compiles from live state."""
    from datetime import timedelta
    from uuid import uuid4

    from app.models.duty import DutyEntry, Handover, HandoverItem, Shift
    from app.models.estates import Estate, Unit
    from app.models.incidents import Incident
    from app.models.people import Person
    from app.models.visitors import EscortTask, Registration, Visit, VisitorPass
    from app.services import handover_sources
    from app.services.clock import utcnow

    estate = await Estate.objects().where(Estate.slug == slug).first()
    names = ("Chen Jing", "Li Qiang", "Zhao Gang", "Wu Lei")
    people = {r["name"]: r["id"] for r in await Person.select(Person.id, Person.name).where(Person.name.is_in(list(names)))}
    units = [u["id"] for u in await Unit.select(Unit.id).where(Unit.estate == estate.id).limit(200)]
    now = utcnow()
    posts = (("lobby", "Chen Jing"), ("gate", "Li Qiang"), ("patrol", "Zhao Gang"))
    items = await handover_sources.compile_items(await handover_sources.estate_ref(estate.id), now)
    for day in range(7, 0, -1):
        for turn in range(3):
            start = now - timedelta(days=day) + timedelta(hours=8 * turn)
            for post, who in posts:
                shift, handover = uuid4(), uuid4()
                await Shift.insert(Shift(id=shift, estate=estate.id, person=people[who], post=post, started_at=start,
                                         ended_at=start + timedelta(hours=8)))
                await DutyEntry.insert(*[DutyEntry(
                    estate=estate.id, shift=shift, author=people[who], kind="other", frozen=True,
                    text=f"Entry {n} of the {post} shift", unit=units[n % len(units)], next_shift=n == 7,
                    seen_at=start + timedelta(hours=8, minutes=5) if n == 7 else None,
                    created_at=start + timedelta(minutes=30 * n)) for n in range(15)])
                await Handover.insert(Handover(id=handover, estate=estate.id, shift=shift, post=post,
                                               handed_by=people[who], handed_at=start + timedelta(hours=8),
                                               acknowledged_at=start + timedelta(hours=8, minutes=5),
                                               acknowledged_by=people["Wu Lei"], note="All in order"))
                await HandoverItem.insert(*[HandoverItem(
                    estate=estate.id, handover=handover, position=n, kind=i["kind"], title=i["title"],
                    detail=i["detail"], href=i["href"], ref=str(i.get("ref") or ""), at=i.get("at"),
                    acknowledged_at=start + timedelta(hours=8, minutes=5), acknowledged_by=people["Wu Lei"])
                    for n, i in enumerate(items)])
        await Visit.insert(*[Visit(estate=estate.id, unit=units[n % len(units)], guest_name=f"Guest {day}-{n}",
                                   entered_at=now - timedelta(days=day, minutes=10 * n),
                                   exited_at=now - timedelta(days=day, minutes=10 * n - 40)) for n in range(60)])
    await Visit.insert(*[Visit(estate=estate.id, unit=units[n], guest_name=f"Inside {n}",
                               entered_at=now - timedelta(hours=3, minutes=n),
                               expected_until=now + (timedelta(minutes=-30) if n < 5 else timedelta(hours=2)))
                         for n in range(20)])
    walk_ins = [Registration(estate=estate.id, unit=units[n], name=f"Walk-in {n}", state="waiting",
                             consent_deadline=now + timedelta(hours=1), created_at=now - timedelta(minutes=n))
                for n in range(20)]
    await Registration.insert(*walk_ins)
    await EscortTask.insert(*[EscortTask(estate=estate.id, registration=r.id, unit=r.unit, state="open",
                                         created_at=now - timedelta(minutes=5)) for r in walk_ins[:5]])
    await VisitorPass.insert(*[VisitorPass(
        estate=estate.id, unit=units[n], guest_name=f"Expected {n}", purpose="family_friend",
        starts_at=now + timedelta(minutes=8 * n), ends_at=now + timedelta(minutes=8 * n, hours=2),
        link_hash=uuid4().hex + uuid4().hex) for n in range(30)])
    await Incident.insert(*[Incident(
        estate=estate.id, kind="noise", unit=units[n % len(units)], description=f"Incident {day}-{n}",
        reported_by=people["Zhao Gang"], happened_at=now - timedelta(days=day, hours=3 * n),
        created_at=now - timedelta(days=day, hours=3 * n), state="open" if day == 1 else "resolved",
        resolved_at=None if day == 1 else now - timedelta(days=day, hours=3 * n - 1))
        for day in range(7, 0, -1) for n in range(6)])
    for who in ("Li Qiang", "Zhao Gang", "Wu Lei"):  # Chen Jing's lobby shift is the demo's
        post = {"Li Qiang": "gate", "Zhao Gang": "patrol", "Wu Lei": "lobby"}[who]
        await Shift.insert(Shift(estate=estate.id, person=people[who], post=post, started_at=now - timedelta(hours=2)))


async def grow_disclosures(slug: str) -> None:
    """Sixty disclosures of forty records each, as the list and a disclosure's page would show."""
    from datetime import timedelta

    from app.domain import disclosure as rules
    from app.models.estates import Estate
    from app.models.people import Person
    from app.models.records import Disclosure
    from app.services import sealed
    from app.services.clock import utcnow

    estate = await Estate.objects().where(Estate.slug == slug).first()
    manager = await Person.select(Person.id).where(Person.name == "Sun Hao").first()
    rows = [{key: f"{key} {n}" for key in rules.KEYS} for n in range(40)]
    text = rules.to_csv([h for _, h in rules.COLUMNS], rows)
    now = utcnow()
    await Disclosure.insert(*[Disclosure(**sealed.seal(Disclosure, dict(
        estate=estate.id, kind="authority", authority="police", officer_name="Officer Ma", officer_badge=f"{n:06d}",
        case_reference=f"HR-{n}", document="Evidence collection notice", since_day="2026-01-01",
        until_day="2026-01-31", row_count=len(rows), extract_csv=text, extract_sha256=rules.digest(text),
        disclosed_by=manager["id"], created_at=now - timedelta(hours=n)))) for n in range(60)])


async def extra_pages(slug: str) -> list[tuple[str, str]]:
    """Pages with a record in their address: the latest handover (its kept items), the latest
    disclosure (its extract)."""
    from app.models.duty import Handover
    from app.models.records import Disclosure

    latest = await Handover.select(Handover.id).order_by(Handover.handed_at, ascending=False).first()
    disclosure = await Disclosure.select(Disclosure.id).order_by(Disclosure.created_at, ascending=False).first()
    return [(f"/e/{slug}/handovers/{latest['id']}", "front_desk"),
            (f"/e/{slug}/disclosures/{disclosure['id']}", "manager")]


def floor_app():
    """The least a page can cost here: one indexed lookup and a one-line template."""
    from jinja2 import DictLoader, Environment
    from litestar import Litestar, get
    from litestar.plugins.jinja import JinjaTemplateEngine
    from litestar.template.config import TemplateConfig

    from app.models.estates import Estate

    @get("/floor/{slug:str}")
    async def floor(slug: str) -> Template:
        row = await Estate.select(Estate.name).where(Estate.slug == slug).first()
        return Template("floor.html", context={"name": row["name"]})

    env = Environment(loader=DictLoader({"floor.html": "<p>{{ name }}</p>"}), autoescape=True)
    return Litestar([floor], template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(env)))


async def measure(client, url: str, n: int) -> tuple[list[float], list[float]]:
    """Each request's wall time and the process's CPU time spent on it, in ms. On a machine
    shared with other work, wall time includes waiting for a core; CPU time does not (on SQLite
    the database runs in this process, so it is counted; PostgreSQL's own work is not)."""
    for _ in range(5):
        await client.get(url)
    times, cpu = [], []
    for _ in range(n):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = await client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    return times, cpu


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


async def main(engine: str, n: int, handle, only: tuple[str, ...] = ()) -> None:
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    import httpx

    from app import db
    from app.asgi import create_app
    from app.models.people import Person
    from app.services import demo, schema, sessions
    from app.settings import get_settings

    await db.start(get_settings())
    try:
        await schema.migrate()
        app = create_app(check_schema=False)  # first: the week's handovers link to pages through its router
        await demo.load()
        await grow_tenfold(demo.SLUG)
        await grow_slips(demo.SLUG)
        await grow_requests(demo.SLUG)
        await grow_week_of_duty(demo.SLUG)
        await grow_disclosures(demo.SLUG)
        transport = httpx.ASGITransport(app=app)
        floor = httpx.ASGITransport(app=floor_app())
        slug = demo.SLUG
        cast = {name: roles[0].value for name, roles, _ in demo.CAST}
        pages = await pages_to_measure(app, slug)
        for url, role in await extra_pages(slug):
            pages.setdefault(role, []).append(url)
        async with httpx.AsyncClient(transport=floor, base_url="http://localhost:8000") as client:
            floor_times, floor_cpu = await measure(client, f"/floor/{slug}", n)
        floor_median = statistics.median(floor_times)
        print(f"engine: {engine}; requests per page: {n}; units: 600")
        print(f"{'page':<48} {'as':<13} {'median ms':>9} {'p95 ms':>8} {'x floor':>8} {'cpu ms':>7}")
        print(f"{'floor: one lookup + template':<48} {'-':<13} {floor_median:9.2f} {pct(floor_times, .95):8.2f} {1:8.1f}"
              f" {statistics.median(floor_cpu):7.2f}")
        worst = 0.0
        for name, role in cast.items():
            person = await Person.select(Person.id).where(Person.name == name).first()
            token = await sessions.start(person["id"], "bench")
            async with httpx.AsyncClient(transport=transport, base_url="http://localhost:8000",
                                         cookies={"gp_session": token}) as client:
                for url in pages.get(role, []) + [f"/e/{slug}", "/account"]:
                    if only and not any(part in url for part in only):
                        continue
                    times, cpu = await measure(client, url, n)
                    median = statistics.median(times)
                    worst = max(worst, median)
                    print(f"{url:<48} {role:<13} {median:9.2f} {pct(times, .95):8.2f} {median / floor_median:8.1f}"
                          f" {statistics.median(cpu):7.2f}")
        print(f"slowest page median: {worst:.2f} ms (budget 15 ms): {'met' if worst < 15 else 'NOT met'}")
    finally:
        await db.stop()


async def pages_to_measure(app, slug: str) -> dict[str, list[str]]:
    """Estate pages by role: every GET route under /e/{estate} without other parameters."""
    from app.routes.access import declared_roles

    by_role: dict[str, list[str]] = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if "GET" not in handler.http_methods or not route.path.startswith("/e/{estate"):
                continue
            if handler.opt.get("stream"):  # an event stream is held open, not a page
                continue
            if route.path.count("{") != 1 or route.path == "/e/{estate:str}":
                continue
            roles = declared_roles(handler)
            for role in roles:
                by_role.setdefault(role.value, []).append(route.path.replace("{estate:str}", slug))
    return by_role


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--only", default="", help="measure only pages whose path holds one of these (comma-separated)")
    args = parser.parse_args()
    handle = configure(args.engine)
    try:
        asyncio.run(main(args.engine, args.requests, handle, tuple(p for p in args.only.split(",") if p)))
    finally:
        if handle is not None:
            handle.drop()
