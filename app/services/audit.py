"""Recording sensitive actions: who did what to which record, and when."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from app.models.audit import AuditEvent


async def record(
    action: str,
    *,
    actor: UUID | None,
    estate: UUID | None,
    subject: UUID | str = "",
    **data: Any,
) -> None:
    await AuditEvent.insert(
        AuditEvent(estate=estate, actor=actor, action=action, subject=str(subject), data=data)
    )


async def recent(estate: UUID, limit: int = 50) -> list[dict]:
    return await (
        AuditEvent.select(
            AuditEvent.action,
            AuditEvent.subject,
            AuditEvent.data,
            AuditEvent.at,
            AuditEvent.actor.name.as_alias("actor_name"),
        )
        .where(AuditEvent.estate == estate)
        .order_by(AuditEvent.at, ascending=False)
        .limit(limit)
    )
