"""Recording sensitive actions: who did what to which record, and when."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any
from uuid import UUID, uuid4

from piccolo.utils.encoding import dump_json

from app.db import Statement

# Written by hand: one is written with every guard action, and Piccolo's builder spends more
# CPU composing an insert than the database spends running it. Every column of AuditEvent.
_INSERT = Statement(
    'INSERT INTO audit_event (id, estate, actor, action, subject, data, "at")'
    " VALUES ({}, {}, {}, {}, {}, {}, {})"
)


async def record(
    action: str,
    *,
    actor: UUID | None,
    estate: UUID | None,
    subject: UUID | str = "",
    **data: Any,
) -> None:
    await _INSERT.fetch(uuid4(), estate, actor, action, str(subject), dump_json(data), datetime.now(timezone.utc))
