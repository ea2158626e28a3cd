"""Queueing notifications: one row per recipient, written in the same transaction as what
caused it. The row is the in-app notification and the push outbox at once; delivery happens
later, outside the request (``app/services/push.py``), so a crash or a slow push service
loses nothing and blocks nobody.

Params hold what the message is made of (names, unit label, gate name, purpose): never an ID
number or a phone number, because they travel in push payloads.
"""

from __future__ import annotations

from typing import Iterable
from uuid import UUID

from app.domain.notifications import Kind
from app.domain.roles import Role
from app.models.notifications import Notification
from app.models.people import HouseholdMember, RoleGrant

FORBIDDEN_PARAMS = frozenset({"phone", "id_number", "guest_phone"})


async def queue(estate_id: UUID | None, person_ids: Iterable[UUID], kind: Kind, *,
                params: dict, url: str = "", subject: UUID | str = "") -> int:
    """Store one notification per distinct recipient; returns how many were queued."""
    leaked = FORBIDDEN_PARAMS & params.keys()
    if leaked:
        raise ValueError(f"personal data in notification params: {sorted(leaked)}")
    recipients = list(dict.fromkeys(person_ids))
    if not recipients:
        return 0
    await Notification.insert(*[
        Notification(estate=estate_id, person=pid, kind=kind.value, params=params, url=url, subject=str(subject))
        for pid in recipients
    ])
    from app.services import push  # the sender looks again shortly if this transaction is not committed yet

    push.wake()
    return len(recipients)


async def household(unit_id: UUID) -> list[UUID]:
    """The active people of a unit's household."""
    rows = await HouseholdMember.select(HouseholdMember.person).where(
        (HouseholdMember.unit == unit_id) & (HouseholdMember.person.active.eq(True))
    )
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
