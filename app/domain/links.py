"""Whether a one-time link can still be used: the reason codes the enrolment page explains."""

from __future__ import annotations

import enum
from datetime import datetime


class LinkState(str, enum.Enum):
    USABLE = "usable"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


def link_state(
    *, found: bool, used_at: datetime | None, expires_at: datetime | None, now: datetime
) -> LinkState:
    """A link is usable until it has been used once or until its expiry instant (exclusive)."""
    if not found or expires_at is None:
        return LinkState.UNKNOWN
    if used_at is not None:
        return LinkState.USED
    if now >= expires_at:
        return LinkState.EXPIRED
    return LinkState.USABLE
