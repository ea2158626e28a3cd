"""The lobby tablet's day: which passes are expected today, when, and how each visit stands.

"Today" is the estate's local day. A one-off pass is expected on every day its window touches
(the part of the window inside that day is shown); a recurring pass on the days its recurrence
has a window (``Recurrence.window_on``). The status is read from the pass's visits: a visitor
still inside after the window is overdue; one whose window passed without arriving did not come.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.domain.passes import PassFacts, Window


class Status(str, enum.Enum):
    EXPECTED = "expected"
    ARRIVED = "arrived"
    LEFT = "left"
    OVERDUE = "overdue"
    MISSED = "missed"


def local_day(now: datetime, timezone: str) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


def day_bounds(day: date, timezone: str) -> Window:
    """The whole local day, first to last microsecond (the start of the next day excluded)."""
    tz = ZoneInfo(timezone)
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz) - timedelta(microseconds=1)
    return Window(start, end)


def window_on(facts: PassFacts, day: date, timezone: str) -> Window | None:
    """The part of the pass's validity that falls on ``day``, or None if it is not valid that day.
    Revocation and used entries are not considered here: the caller leaves revoked passes out."""
    if facts.recurrence is not None:
        return facts.recurrence.window_on(day)
    if facts.window is None:
        return None
    bounds = day_bounds(day, timezone)
    if facts.window.ends_at < bounds.starts_at or facts.window.starts_at > bounds.ends_at:
        return None
    return Window(max(facts.window.starts_at, bounds.starts_at), min(facts.window.ends_at, bounds.ends_at))


def starts_between(facts: PassFacts, since: datetime, until: datetime, timezone: str) -> list[datetime]:
    """When the guest may start to arrive, from ``since`` to ``until``: a one-off pass at its own
    start (one that runs past midnight does not start again at midnight, as its part of the next
    day does), a recurring pass at each day's opening."""
    if facts.recurrence is None:
        starts = [facts.window.starts_at] if facts.window is not None else []
    else:
        day, last = local_day(since, timezone), local_day(until, timezone)
        starts = []
        while day <= last:
            if window := facts.recurrence.window_on(day):
                starts.append(window.starts_at)
            day += timedelta(days=1)
    return [start for start in starts if since <= start <= until]


@dataclass(frozen=True)
class VisitTimes:
    entered_at: datetime
    exited_at: datetime | None = None


def current_visit(visits: list[VisitTimes], *, since: datetime) -> VisitTimes | None:
    """The visit that tells the pass's state today: one still open (whenever it began), else the
    latest entry since ``since`` (the start of the day). Yesterday's finished visit of a
    recurring pass says nothing about today."""
    open_visits = [v for v in visits if v.exited_at is None]
    pool = open_visits or [v for v in visits if v.entered_at >= since]
    return max(pool, key=lambda v: v.entered_at) if pool else None


def status(window: Window, visit: VisitTimes | None, *, now: datetime) -> Status:
    if visit is None:
        return Status.MISSED if now > window.ends_at else Status.EXPECTED
    if visit.exited_at is None:
        return Status.OVERDUE if now > window.ends_at else Status.ARRIVED
    return Status.LEFT
