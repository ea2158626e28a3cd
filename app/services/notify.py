"""Queueing notifications: one row per recipient, written in the same transaction as what
caused it. The row is the in-app notification and the push outbox at once; delivery happens
later, outside the request (``app/services/push.py``), so a crash or a slow push service
loses nothing and blocks nobody.

Params hold what the message is made of (names, unit label, gate name, purpose): never an ID
number or a phone number, because they travel in push payloads.
"""

from __future__ import annotations

import functools
from datetime import datetime, timezone
from typing import Iterable
from uuid import UUID, uuid4

from piccolo.utils.encoding import dump_json

from app.db import Statement
from app.domain.notifications import Kind
from app.domain.roles import Role
from app.models.people import RoleGrant

FORBIDDEN_PARAMS = frozenset({"phone", "id_number", "guest_phone"})

# The queue insert and the household are on the gate's hot path (every admission): written by
# hand, as Piccolo's builder spends more CPU composing them than the database spends running them.
_INSERT_SQL = (
    "INSERT INTO notification (id, estate, person, kind, params, url, subject, created_at, read_at, push_state,"
    " push_attempts, push_next_at) VALUES "
)
_ROW_SQL = "({}, {}, {}, {}, {}, {}, {}, {}, NULL, 'pending', 0, NULL)"
_HOUSEHOLD = Statement(
    "SELECT h.person FROM household_member h JOIN person p ON p.id = h.person WHERE h.unit = {} AND p.active = {}"
)


@functools.lru_cache(maxsize=32)
def _insert(rows: int) -> Statement:
    return Statement(_INSERT_SQL + ", ".join([_ROW_SQL] * rows))


async def queue(estate_id: UUID | None, person_ids: Iterable[UUID], kind: Kind, *,
                params: dict, url: str = "", subject: UUID | str = "") -> int:
    """Store one notification per distinct recipient; returns how many were queued."""
    leaked = FORBIDDEN_PARAMS & params.keys()
    if leaked:
        raise ValueError(f"personal data in notification params: {sorted(leaked)}")
    recipients = list(dict.fromkeys(person_ids))
    if not recipients:
        return 0
    now, params_json = datetime.now(timezone.utc), dump_json(params)
    values = []
    for pid in recipients:
        values += [uuid4(), estate_id, pid, kind.value, params_json, url, str(subject), now]
    await _insert(len(recipients)).fetch(*values)
    from app.services import push  # the sender looks again shortly if this transaction is not committed yet

    push.wake()
    return len(recipients)


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


__all__ = ["queue", "household", "holders", "Kind"]
