"""Queueing notifications: one row per recipient, written in the same transaction as what
caused it. The row is the in-app notification and the push outbox at once; delivery happens
later, outside the request (``app/services/push.py``), so a crash or a slow push service
loses nothing and blocks nobody.

Params hold what the message is made of (names, unit label, gate name, purpose): never an ID
number or a phone number, because they travel in push payloads.
"""

from __future__ import annotations

from typing import Callable, Iterable
from uuid import UUID, uuid4

from piccolo.utils.encoding import dump_json

from app.db import Statement
from app.domain.live import Topic
from app.domain.notifications import Kind
from app.domain.roles import Role
from app.models.people import RoleGrant
from app.services import live
from app.services.clock import utcnow
from app.services.scope import Scope

FORBIDDEN_PARAMS = frozenset({"phone", "id_number", "guest_phone"})

# The queue insert and the household are on the gate's hot path (every admission): written by
# hand, as Piccolo's builder spends more CPU composing them than the database spends running them.
_INSERT = Statement(
    "INSERT INTO notification (id, estate, person, kind, params, url, subject, created_at, read_at, push_state,"
    " push_attempts, push_next_at) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, NULL, 'pending', 0, NULL)"
)
_HOUSEHOLD = Statement(
    "SELECT h.person FROM household_member h JOIN person p ON p.id = h.person WHERE h.unit = {} AND p.active = {}"
)


async def queue(estate_id: UUID | None, person_ids: Iterable[UUID], kind: Kind, *,
                params: dict, url: str = "", subject: UUID | str = "") -> int:
    """Store one notification per distinct recipient; returns how many were queued."""
    leaked = FORBIDDEN_PARAMS & params.keys()
    if leaked:
        raise ValueError(f"personal data in notification params: {sorted(leaked)}")
    recipients = list(dict.fromkeys(person_ids))
    if not recipients:
        return 0
    now, params_json = utcnow(), dump_json(params)
    values = []
    for pid in recipients:
        values += [uuid4(), estate_id, pid, kind.value, params_json, url, str(subject), now]
    await _INSERT.rows(len(recipients)).fetch(*values)
    live.changed(Topic.NOTIFICATIONS, people=recipients)  # their unread counts, once committed
    from app.services import push  # the sender looks again shortly if this transaction is not committed yet

    push.wake()
    return len(recipients)


# Where a notification leads, and where its push message's tap and answer go: pages named by
# their route, their paths made by the router, as the templates' ``url_for`` makes them
# (``create_app`` hands the router's path maker over: services do not import the web framework).
_route_path: Callable[..., str] | None = None
_patterns: dict[tuple, str] = {}  # each route's path with marks for its parameters, made once


def use_router(route_path: Callable[..., str]) -> None:
    """The router's path maker (Litestar's ``app.route_reverse``), for ``path`` and ``page``."""
    global _route_path
    _route_path = route_path
    _patterns.clear()


def path(route: str, **params: object) -> str:
    """The path of the page named ``route``, with its path ``params``.

    A list of records (a handover's items) makes a path for each: the router works out each
    route's path once, with marks in place of the parameters, and the values are put in their
    places after that. A route whose parameters are not all strings or UUIDs (the router takes
    a string for those) is made by the router every time."""
    if _route_path is None:
        raise RuntimeError("notify.use_router() has not been given the router: create_app() does that")
    if not all(isinstance(value, (str, UUID)) for value in params.values()):
        return _route_path(route, **params)
    key = (route, *params)
    pattern = _patterns.get(key)
    if pattern is None:
        pattern = _patterns[key] = _route_path(route, **{name: f"\0{name}\0" for name in params})
    for name, value in params.items():
        pattern = pattern.replace(f"\0{name}\0", str(value))
    return pattern


def page(scope: Scope, route: str, **params: object) -> str:
    """The path of the estate's page named ``route``, for a notification to open."""
    return path(route, estate=scope.estate.slug, **params)


async def household(unit_id: UUID) -> list[UUID]:
    """The active people of a unit's household."""
    rows = await _HOUSEHOLD.fetch(unit_id, True)
    return [r["person"] for r in rows]


async def holders(estate_id: UUID, *roles: Role) -> list[UUID]:
    """The active people holding any of these roles in the estate."""
    rows = await RoleGrant.select(RoleGrant.person).where(
        (RoleGrant.estate == estate_id)
        & RoleGrant.role.is_in([r.value for r in roles])
        & (RoleGrant.person.active.eq(True))
    )
    return list(dict.fromkeys(r["person"] for r in rows))


__all__ = ["queue", "path", "page", "household", "holders", "Kind"]
