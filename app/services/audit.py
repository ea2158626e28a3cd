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

