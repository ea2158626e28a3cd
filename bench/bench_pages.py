"""Server time of every page, on the demo estate with ten times its data.

Budget (DESIGN section 9): median under 15 ms for any page. Requests go in-process through the
ASGI interface (no sockets), one after another, so the figure is the app's own time. The floor
is a bare Litestar handler doing one indexed lookup and rendering a one-line template, measured
in the same run on the same database.

    .venv/bin/python bench/bench_pages.py [--engine sqlite|postgres] [--requests 200]
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


async def measure(client, url: str, n: int) -> list[float]:
    for _ in range(5):
        await client.get(url)
    times = []
    for _ in range(n):
        start = time.perf_counter()
        response = await client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    return times


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


async def main(engine: str, n: int, handle) -> None:
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
        await demo.load()
        await grow_tenfold(demo.SLUG)
        app = create_app(check_schema=False)
        transport = httpx.ASGITransport(app=app)
        floor = httpx.ASGITransport(app=floor_app())
        slug = demo.SLUG
        cast = {name: roles[0].value for name, roles, _ in demo.CAST}
        pages = await pages_to_measure(app, slug)
        async with httpx.AsyncClient(transport=floor, base_url="http://localhost:8000") as client:
            floor_times = await measure(client, f"/floor/{slug}", n)
        floor_median = statistics.median(floor_times)
        print(f"engine: {engine}; requests per page: {n}; units: 600")
        print(f"{'page':<48} {'as':<13} {'median ms':>9} {'p95 ms':>8} {'x floor':>8}")
        print(f"{'floor: one lookup + template':<48} {'-':<13} {floor_median:9.2f} {pct(floor_times, .95):8.2f} {1:8.1f}")
        worst = 0.0
        for name, role in cast.items():
            person = await Person.select(Person.id).where(Person.name == name).first()
            token = await sessions.start(person["id"], "bench")
            async with httpx.AsyncClient(transport=transport, base_url="http://localhost:8000",
                                         cookies={"gp_session": token}) as client:
                for url in pages.get(role, []) + [f"/e/{slug}", "/account"]:
                    times = await measure(client, url, n)
                    median = statistics.median(times)
                    worst = max(worst, median)
                    print(f"{url:<48} {role:<13} {median:9.2f} {pct(times, .95):8.2f} {median / floor_median:8.1f}")
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
    args = parser.parse_args()
    handle = configure(args.engine)
    try:
        asyncio.run(main(args.engine, args.requests, handle))
    finally:
        if handle is not None:
            handle.drop()
