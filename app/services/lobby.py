"""The lobby tablet: today's expected visitors of the estate, with how each visit stands.

Two queries whatever the number of passes: the passes that may touch today (revoked ones left
out), then their visits of today or still open. Which passes really are expected today, and
their window today, is the domain's (``app.domain.lobby``), from the same pass facts the gate
uses, so the desk and the gate never disagree about a pass.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from app.domain import lobby
from app.domain.passes import facts_from_record
from app.models.visitors import Visit, VisitorPass
from app.services.clock import utcnow
from app.services.scope import Scope


@dataclass(frozen=True)
class Expected:
    id: UUID
    guest_name: str
    unit_label: str
    party_size: int
    purpose: str
    starts_at: datetime  # today's window, as an aware datetime
    ends_at: datetime
    status: lobby.Status
    entered_at: datetime | None
    exited_at: datetime | None


@dataclass
class LobbyDay:
    day: date
    visitors: list[Expected] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


async def today(scope: Scope, *, now: datetime | None = None) -> LobbyDay:
    now = now or utcnow()
    tz = scope.estate.timezone
    day = lobby.local_day(now, tz)
    bounds = lobby.day_bounds(day, tz)
    passes = await VisitorPass.select(
        VisitorPass.id, VisitorPass.guest_name, VisitorPass.purpose, VisitorPass.party_size,
        VisitorPass.starts_at, VisitorPass.ends_at, VisitorPass.weekdays, VisitorPass.daily_start,
        VisitorPass.daily_end, VisitorPass.max_entries, VisitorPass.entries, VisitorPass.inside,
        VisitorPass.revoked_at, VisitorPass.unit.label.as_alias("unit_label"),
    ).where(
        scope.where(VisitorPass) & VisitorPass.revoked_at.is_null()
        & (VisitorPass.starts_at <= bounds.ends_at) & (VisitorPass.ends_at >= bounds.starts_at)
    )
    windows = {}
    for row in passes:
        window = lobby.window_on(facts_from_record(row, tz), day, tz)
        if window is not None:
            windows[row["id"]] = window
    visits: dict[UUID, list[lobby.VisitTimes]] = {}
    if windows:
        for v in await Visit.select(Visit.visitor_pass, Visit.entered_at, Visit.exited_at).where(
            scope.where(Visit) & Visit.visitor_pass.is_in(list(windows))
            & ((Visit.entered_at >= bounds.starts_at) | Visit.exited_at.is_null())
        ):
            visits.setdefault(v["visitor_pass"], []).append(lobby.VisitTimes(v["entered_at"], v["exited_at"]))
    result = LobbyDay(day=day)
    for row in passes:
        window = windows.get(row["id"])
        if window is None:
            continue
        visit = lobby.current_visit(visits.get(row["id"], []), since=bounds.starts_at)
        result.visitors.append(Expected(
            id=row["id"], guest_name=row["guest_name"], unit_label=row["unit_label"] or "",
            party_size=row["party_size"] or 1, purpose=row["purpose"] or "",
            starts_at=window.starts_at, ends_at=window.ends_at, status=lobby.status(window, visit, now=now),
            entered_at=visit.entered_at if visit else None, exited_at=visit.exited_at if visit else None,
        ))
    result.visitors.sort(key=lambda e: (e.starts_at, e.guest_name.casefold(), str(e.id)))
    tally = Counter(e.status for e in result.visitors)
    result.counts = {
        "total": len(result.visitors),
        "to_come": tally[lobby.Status.EXPECTED],
        "inside": tally[lobby.Status.ARRIVED] + tally[lobby.Status.OVERDUE],
        "left": tally[lobby.Status.LEFT],
        "missed": tally[lobby.Status.MISSED],
    }
    return result
