"""Integration tests: the real app and services against a real database.

``GATEPOST_TEST_DB=sqlite`` (default) or ``postgres`` picks the engine; ``make test`` runs the
suite once on each. The environment is set before the app is imported, because Piccolo binds
its tables to the engine named by ``piccolo_conf`` at import time.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from tests.databases import fresh_postgres, fresh_sqlite

ENGINE = os.environ.get("GATEPOST_TEST_DB", "sqlite")
_tmp = tempfile.mkdtemp(prefix="gatepost-it-")
_pg = None
if ENGINE == "postgres":
    _pg = fresh_postgres()
    os.environ["DATABASE_URL"] = _pg.url
elif ENGINE == "sqlite":
    os.environ["DATABASE_URL"] = fresh_sqlite(_tmp)
else:
    raise RuntimeError(f"GATEPOST_TEST_DB must be sqlite or postgres, not {ENGINE!r}")
os.environ["GATEPOST_VAR_DIR"] = _tmp
os.environ["PUBLIC_URL"] = "http://localhost:8000"
os.environ.setdefault("RATE_LIMIT_PER_MINUTE", "1000")

import httpx  # noqa: E402

from app import db  # noqa: E402
from app.asgi import create_app  # noqa: E402
from app.settings import get_settings  # noqa: E402
from app.domain.roles import Relation, Role  # noqa: E402
from app.models.estates import Building, Estate, Gate, LobbyDesk, Unit  # noqa: E402
from app.services import people, schema, sessions  # noqa: E402
from app.services.people import NewPerson  # noqa: E402

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def pytest_report_header(config):
    return f"database engine: {ENGINE}"


def pytest_unconfigure(config):
    if _pg is not None:
        _pg.drop()


def pytest_collection_modifyitems(config, items):
    """Tests for one engine only are left out (deselected) of the other engine's run."""
    other = "postgres_only" if ENGINE == "sqlite" else "sqlite_only"
    keep = [item for item in items if not item.get_closest_marker(other)]
    left_out = [item for item in items if item.get_closest_marker(other)]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = keep


@pytest.fixture(scope="session", autouse=True)
async def database():
    """The migrated database, started on the tests' own event loop for the whole run."""
    await db.start(get_settings())
    await schema.migrate()
    yield
    await db.stop()


@pytest.fixture(scope="session", autouse=True)
async def app(database):
    """The app. Requests go through httpx's ASGI transport on the tests' loop, so fixtures
    and handlers share one connection pool (Litestar's test client runs a loop of its own).
    Made for every test, also those that call services directly: it wires what they rely on
    (the router that notifications' links are made by), as it does in the server."""
    return create_app(check_schema=False)


@pytest.fixture(scope="session", autouse=True)
async def live_channels(app):
    """The live screens' channels, started as the server's start-up starts them (on PostgreSQL
    they listen on a connection of their own), so that services tell streams of their changes."""
    from app.services import live

    plugin = app.state.streams.plugin
    async with plugin:
        live.use_sender(plugin.publish)
        yield plugin
        live.use_sender(None)


@pytest.fixture(scope="session")
async def _client(app):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost:8000") as client:
        yield client


@pytest.fixture
async def client(_client):
    """The app's test client with an empty cookie jar (signed out)."""
    _client.cookies.clear()
    yield _client
    _client.cookies.clear()


class EstateFixture:
    """A small estate of its own for one test: 2 buildings, 4 units, a gate, a desk."""

    def __init__(self, estate: Estate, units: dict[str, Unit]):
        self.estate = estate
        self.units = units

    @property
    def id(self):
        return self.estate.id

    @property
    def slug(self) -> str:
        return self.estate.slug

    async def person(self, name: str, *roles: Role, unit: str | None = None,
                     relation: Relation = Relation.OWNER, phone: str = "") -> object:
        return await people.create(
            self.estate.id,
            NewPerson(name=name, phone=phone, roles=roles,
                      unit_id=self.units[unit].id if unit else None, relation=relation if unit else None),
            actor=None,
        )


@pytest.fixture
def make_estate():
    async def make(name: str = "Test Estate") -> EstateFixture:
        slug = f"t-{secrets.token_hex(4)}"
        estate = Estate(name=name, slug=slug)
        await estate.save()
        units = {}
        for code in ("1", "2"):
            building = Building(estate=estate.id, code=code, name=f"Building {code}")
            await building.save()
            for room in ("0101", "0102"):
                unit = Unit(estate=estate.id, building=building.id, label=f"{code}-1-{room}")
                await unit.save()
                units[unit.label] = unit
        await Gate(estate=estate.id, name="North Gate").save()
        await LobbyDesk(estate=estate.id, name="Lobby").save()
        return EstateFixture(estate, units)

    return make


@pytest.fixture
def sign_in(client):
    """Sign the test client in as a person (a session made directly, without a passkey)."""

    async def as_person(person_id) -> str:
        client.cookies.clear()
        token = await sessions.start(person_id, "pytest")
        client.cookies.set("gp_session", token)
        return token

    return as_person


@pytest.fixture
def sign_in_en(sign_in, client):
    """Signed in, reading English (the default language is Simplified Chinese)."""

    async def as_person(person_id):
        await sign_in(person_id)
        client.cookies.set("gp_lang", "en")

    return as_person


@pytest.fixture
def csrf(client):
    """The CSRF token for the client's cookie jar, as the page would carry it."""

    async def token() -> str:
        response = await client.get("/signin")  # redirects a signed-in person onwards
        if response.status_code != 200:
            response = await client.get("/account")
        match = CSRF_META.search(response.text)
        assert match, "no CSRF token on the sign-in page"
        return match.group(1)

    return token


@pytest.fixture
def rate_clock(monkeypatch):
    """The rate limiter's clock, pinned to one second into a minute no other test uses, and
    moved by hand (``advance(minutes=1)``)."""
    from app.services import ratelimit

    class Clock:
        now = datetime(2031, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=secrets.randbelow(10**6), seconds=1)

        def advance(self, **delta):
            self.now += timedelta(**delta)

    pinned = Clock()
    monkeypatch.setattr(ratelimit, "utcnow", lambda: pinned.now)
    return pinned


@pytest.fixture
def rate_limit(monkeypatch):
    """Set the per-minute limit for this test (the suite runs with a high one)."""

    def set_to(per_minute: int) -> None:
        monkeypatch.setattr("app.settings._settings", replace(get_settings(), rate_limit_per_minute=per_minute))

    return set_to


@pytest.fixture
def from_address(monkeypatch):
    """Requests from several addresses: the test client stands as a trusted proxy, and
    ``from_address("203.0.113.9")`` is the header that says whom it forwards."""
    settings = get_settings()
    monkeypatch.setattr("app.settings._settings", replace(settings, trusted_proxies=(*settings.trusted_proxies, "127.0.0.1")))
    return lambda address: {"x-forwarded-for": address}
