"""The watchlist kept by front desk and managers, and the check made at registration and scan.

Entries are stored in normal form (see ``app.domain.watchlist``) so a match is one indexed
query. An entry whose ``until`` has passed, or that was removed, no longer matches.
"""

from __future__ import annotations

from uuid import UUID

from app.domain.watchlist import normalised
from app.models.visitors import WatchlistEntry
from app.services.clock import utcnow


async def matches(estate_id: UUID, *, name: str = "", id_number: str = "", phone: str = "") -> list[dict]:
    """Active entries matching any of the given details (empty details match nothing)."""
    wanted = normalised(name, id_number, phone)
    condition = None
    for field, value in wanted.items():
        if value:
            clause = getattr(WatchlistEntry, field) == value
            condition = clause if condition is None else condition | clause
    if condition is None:
        return []
    now = utcnow()
    return await WatchlistEntry.select(
        WatchlistEntry.id, WatchlistEntry.name, WatchlistEntry.reason, WatchlistEntry.until
    ).where(
        (WatchlistEntry.estate == estate_id)
        & WatchlistEntry.removed_at.is_null()
        & (WatchlistEntry.until.is_null() | (WatchlistEntry.until >= now))
        & condition
    )
