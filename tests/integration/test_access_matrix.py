"""The authorisation matrix: every route of the app, asked by everyone who might ask.

Routes are read from the router, so a new route is covered the moment it exists. What each
route expects comes from the roles declared beside it (``opt={"roles": ...}``):

- a route without a declaration fails here;
- signed out, a page that needs a person sends them to sign-in (303) or answers 401;
- a person of the estate without a listed role gets 403;
- a person with a listed role gets neither 401 nor 403;
- someone who holds roles only in another estate gets 404 on every estate page.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from types import SimpleNamespace

import pytest

from app.asgi import create_app
from app.domain.roles import Relation, Role
from app.models.auth import Passkey
from app.models.estates import Building, Gate, LobbyDesk
from app.routes.access import PUBLIC, SIGNED_IN, declared_roles, is_automatic_options
from tests.integration.streams import holding

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _routes():
    app = create_app(check_schema=False)
    found = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if is_automatic_options(handler):
                continue
            for method in sorted(handler.http_methods):
                found.append(pytest.param(route.path, method, handler, id=f"{method} {route.path}"))
    return found


ROUTES = _routes()


@dataclass
class World:
    """Estate A with one person for every role; estate B with an admin of its own."""

    slug: str
    people: dict[Role, object]
    outsider: object
    ids: dict[str, str]


@pytest.fixture
async def world(make_estate) -> World:
    a = await make_estate("Estate A")
    b = await make_estate("Estate B")
    people = {}
    for role in Role:
        unit = "1-1-0101" if role is Role.RESIDENT else None
        people[role] = await a.person(f"{role.value} of A", role, unit=unit, relation=Relation.OWNER)
    outsider = await b.person("Admin of B", Role.ADMIN, Role.FRONT_DESK, Role.GATE_GUARD)
    resident = people[Role.RESIDENT]
    passkey = Passkey(person=resident, credential_id=secrets.token_urlsafe(16), public_key="x", name="Phone")
    await passkey.save()
    building = await Building.select(Building.id).where(Building.estate == a.id).first()
    gate = await Gate.select(Gate.id).where(Gate.estate == a.id).first()
    desk = await LobbyDesk.select(LobbyDesk.id).where(LobbyDesk.estate == a.id).first()
    from app.services.clock import utcnow  # a visitor pass of estate A (invitations)
    from app.models.visitors import VisitorPass
    visitor_pass = VisitorPass(estate=a.id, unit=a.units["1-1-0101"].id, guest_name="Guest", purpose="other",
                               starts_at=utcnow(), ends_at=utcnow(), link_hash=secrets.token_hex(32))
    await visitor_pass.save()
    from app.models.visitors import Visit  # a visit of estate A, inside now (gate)
    visit = Visit(estate=a.id, unit=a.units["1-1-0101"].id, guest_name="Guest", entered_at=utcnow())
    await visit.save()
    ids = {
        "visit_id": str(visit.id),
        "estate": a.slug,
        "pass_id": str(visitor_pass.id),
        "person_id": str(resident),
        "table": "days",  # a statistics table's CSV
        "unit_id": str(a.units["1-1-0101"].id),
        "building_id": str(building["id"]),
        "gate_id": str(gate["id"]),
        "desk_id": str(desk["id"]),
        "passkey_id": str(passkey.id),
        "registration_id": str(uuid.uuid4()),
        "task_id": str(uuid.uuid4()),
        "token": secrets.token_urlsafe(24),
        "file_path": "css/app.css",
        "notification_id": "00000000-0000-4000-8000-000000000001",
        "device_id": "00000000-0000-4000-8000-000000000002",
        "entry_id": "6f1c0c53-3f0e-4d2a-9a57-0e4b8f1d2c11",  # a watchlist entry that does not exist
        "slip_id": "7a0c5e1d-2b4f-4c8e-9d1a-3e5f7a9b1c2d",  # goods release records that do not exist
        "upload_id": "8b1d6f2e-3c5a-4d9f-8e2b-4f6a8b0c2d3e",
        "permit_id": "9c2e7a3f-4d6b-4e0a-9f3c-5a7b9c1d3e4f",
        "day_id": "0d3f8b4a-5e7c-4f1b-8a4d-6b8c0d2e4f5a",
        "item_id": "6f1c0c53-3f0e-4d2a-9a57-0e4b8f1d2c12",  # a review item that does not exist
        "handover_id": "1e4a9c5b-6f8d-4a2c-9b5e-7c9d1e3f5a6b",  # a handover that does not exist
        "checkpoint_id": "1e4a9c5b-6f8d-4a2c-9b5e-7c9d1e3f5a6b",  # patrol records that do not exist
        "route_id": "2f5b0d6c-7a9e-4b3d-8c6f-8d0e2f4a6b7c",
        "round_id": "3a6c1e7d-8b0f-4c4e-9d7a-9e1f3a5b7c8d",
        "incident_id": "1e4a9c5b-6f8d-4a2c-8b5e-7c9d1e3f5a6b",  # an incident that does not exist
        "request_id": "1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d",  # a resident's request that does not exist
        "record_id": "2b3c4d5e-6f7a-4b2c-9d3e-4f5a6b7c8d9e",  # a lost and found record that does not exist
        "disclosure_id": "3c4d5e6f-7a8b-4c3d-8e4f-5a6b7c8d9e0f",  # a disclosure that does not exist
    }
    return World(slug=a.slug, people=people, outsider=outsider, ids=ids)


def fill(path: str, ids: dict[str, str]) -> str:
    parts = []
    for part in path.split("/"):
        if part.startswith("{") and part.endswith("}"):
            name = part[1:-1].split(":")[0]
            assert name in ids, (
                f"the matrix does not know how to fill {{{name}}} in {path}: add a value for it "
                "to the World fixture in tests/integration/test_access_matrix.py"
            )
            part = ids[name]
        parts.append(part)
    return "/".join(parts)


async def ask(client, csrf, method: str, url: str, handler=None, app=None):
    headers = {"accept": "text/html"}
    if handler is not None and handler.opt.get("stream"):  # an event stream: its answer starts, and stays open
        async with holding(app, url, dict(client.cookies), accept="text/html") as stream:
            return SimpleNamespace(status_code=stream.status, headers=stream.headers)
    if method in UNSAFE:
        headers["x-csrftoken"] = await csrf()
        return await client.request(method, url, headers=headers, data={}, follow_redirects=False)
    return await client.request(method, url, headers=headers, follow_redirects=False)


def refused_for_signed_out(response) -> bool:
    if response.status_code == 401:
        return True
    return response.status_code == 303 and response.headers["location"].startswith("/signin?next=")


@pytest.mark.parametrize("path,method,handler", ROUTES)
async def test_every_route_answers_each_person_as_declared(path, method, handler, app, client, csrf, sign_in,
                                                         world):
    roles = declared_roles(handler)  # fails for a route without a declaration
    url = fill(path, world.ids)

    client.cookies.clear()
    response = await ask(client, csrf, method, url, handler, app)
    if roles == PUBLIC:
        assert response.status_code not in (401, 403), f"public {method} {path} refused: {response.status_code}"
        return
    assert refused_for_signed_out(response), f"signed-out {method} {path} got {response.status_code}"

    if roles == SIGNED_IN:
        await sign_in(world.people[Role.GATE_GUARD])
        response = await ask(client, csrf, method, url, handler, app)
        assert response.status_code not in (401, 403) and not refused_for_signed_out(response)
        return

    allowed = frozenset(roles)
    for role, person in world.people.items():
        await sign_in(person)
        response = await ask(client, csrf, method, url, handler, app)
        if role in allowed:
            assert response.status_code not in (401, 403), f"{role.value} refused {method} {path}"
        else:
            assert response.status_code == 403, f"{role.value} got {response.status_code} for {method} {path}"

    if "{estate" in path:
        await sign_in(world.outsider)
        response = await ask(client, csrf, method, url, handler, app)
        assert response.status_code == 404, f"another estate's admin got {response.status_code} for {path}"


def test_every_route_declares_who_may_use_it():
    undeclared = [p.id for p in ROUTES if p.values[2].opt.get("roles") is None]
    assert undeclared == []


def test_estate_routes_name_roles_rather_than_everyone():
    """A route under /e/{estate} is for roles of that estate, never public or any signed-in person."""
    loose = [p.id for p in ROUTES if "{estate" in p.values[0] and declared_roles(p.values[2]) in (PUBLIC, SIGNED_IN)]
    assert loose == []
