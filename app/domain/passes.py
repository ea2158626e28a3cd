"""Visitor passes: when a pass is valid, and the verdict a guard sees when scanning it.

A pass has either one window (an afternoon visit) or a recurrence (domestic help on weekdays
08:00-18:00 for three months), reckoned in the estate's time zone. Window ends are inclusive
to the second: a pass valid until 18:00 admits at 18:00:00 and refuses at 18:00:01.
Every refusal has a stable code; templates turn codes into sentences.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


class Reason(str, enum.Enum):
    VALID = "valid"
    UNKNOWN = "unknown"
    REVOKED = "revoked"
    WATCHLIST = "watchlist"
    NOT_YET_VALID = "not_yet_valid"
    OUTSIDE_HOURS = "outside_hours"
    EXPIRED = "expired"
    ALREADY_INSIDE = "already_inside"
    USED_UP = "used_up"


# The verdicts that turn a pass's holder away at the gate (counted as the gate's refusals).
# Not an unknown code (anything with a QR on it), nor a holder already inside.
REFUSING = frozenset({Reason.REVOKED, Reason.WATCHLIST, Reason.NOT_YET_VALID, Reason.OUTSIDE_HOURS,
                      Reason.EXPIRED, Reason.USED_UP})


@dataclass(frozen=True)
class Window:
    starts_at: datetime
    ends_at: datetime  # inclusive

    def contains(self, now: datetime) -> bool:
        return self.starts_at <= now <= self.ends_at


@dataclass(frozen=True)
class Recurrence:
    weekdays: frozenset[int]  # Monday is 0
    daily_start: time
    daily_end: time  # inclusive
    first_day: date
    last_day: date
    timezone: str

    def window_on(self, day: date) -> Window | None:
        if day.weekday() not in self.weekdays or not (self.first_day <= day <= self.last_day):
            return None
        tz = ZoneInfo(self.timezone)
        return Window(
            datetime.combine(day, self.daily_start, tzinfo=tz),
            datetime.combine(day, self.daily_end, tzinfo=tz),
        )

    def first_window(self) -> Window | None:
        return self._scan(self.first_day, +1)

    def last_window(self) -> Window | None:
        return self._scan(self.last_day, -1)

    def _scan(self, start: date, step: int) -> Window | None:
        day = start
        for _ in range(7):
            if self.first_day <= day <= self.last_day and (w := self.window_on(day)):
                return w
            day += timedelta(days=step)
        return None

    def next_window(self, now: datetime) -> Window | None:
        today = now.astimezone(ZoneInfo(self.timezone)).date()
        for offset in range(8):
            window = self.window_on(today + timedelta(days=offset))
            if window and window.ends_at >= now:
                return window
        return None


@dataclass(frozen=True)
class PassFacts:
    """What the server knows of a pass at the moment of the scan."""

    window: Window | None = None
    recurrence: Recurrence | None = None
    max_entries: int | None = 1  # None: as many as the window allows
    entries: int = 0
    inside: bool = False
    revoked: bool = False


@dataclass(frozen=True)
class Verdict:
    reason: Reason
    entries_left: int | None = None
    next_window: Window | None = None

    @property
    def admits(self) -> bool:
        return self.reason is Reason.VALID

    @property
    def code(self) -> str:
        return self.reason.value


def check(facts: PassFacts | None, *, now: datetime, watchlisted: bool = False) -> Verdict:
    """The verdict for admitting the holder now. Order matters: the most useful reason wins."""
    if facts is None:
        return Verdict(Reason.UNKNOWN)
    if facts.revoked:
        return Verdict(Reason.REVOKED)
    if watchlisted:
        return Verdict(Reason.WATCHLIST)
    if facts.inside:
        return Verdict(Reason.ALREADY_INSIDE, entries_left=_left(facts))
    timing = _timing(facts, now)
    if timing is not None:
        return timing
    left = _left(facts)
    if left == 0:
        return Verdict(Reason.USED_UP, entries_left=0)
    return Verdict(Reason.VALID, entries_left=left)


def _left(facts: PassFacts) -> int | None:
    if facts.max_entries is None:
        return None
    return max(facts.max_entries - facts.entries, 0)


def _timing(facts: PassFacts, now: datetime) -> Verdict | None:
    if facts.window is not None:
        if now < facts.window.starts_at:
            return Verdict(Reason.NOT_YET_VALID, next_window=facts.window)
        if now > facts.window.ends_at:
            return Verdict(Reason.EXPIRED)
        return None
    rec = facts.recurrence
    if rec is None:
        return Verdict(Reason.UNKNOWN)
    first, last = rec.first_window(), rec.last_window()
    if first is None or last is None or now > last.ends_at:
        return Verdict(Reason.EXPIRED)
    if now < first.starts_at:
        return Verdict(Reason.NOT_YET_VALID, next_window=first)
    today = rec.window_on(now.astimezone(ZoneInfo(rec.timezone)).date())
    if today is not None and today.contains(now):
        return None
    return Verdict(Reason.OUTSIDE_HOURS, next_window=rec.next_window(now))


def facts_from_record(row: dict, timezone: str) -> PassFacts:
    """PassFacts from a stored pass's fields (a VisitorPass row as a dict).

    A recurring pass keeps its first and last days in ``starts_at`` and ``ends_at`` (read in the
    estate's time zone) and its daily hours as HH:MM in ``daily_start`` and ``daily_end``.
    """
    common = dict(
        max_entries=row.get("max_entries"),
        entries=row.get("entries") or 0,
        inside=bool(row.get("inside")),
        revoked=row.get("revoked_at") is not None,
    )
    weekdays = row.get("weekdays") or ""
    if not weekdays:
        return PassFacts(window=Window(row["starts_at"], row["ends_at"]), **common)
    tz = ZoneInfo(timezone)
    return PassFacts(
        recurrence=Recurrence(
            weekdays=frozenset(int(d) for d in weekdays.split(",") if d != ""),
            daily_start=time.fromisoformat(row["daily_start"]),
            daily_end=time.fromisoformat(row["daily_end"]),
            first_day=row["starts_at"].astimezone(tz).date(),
            last_day=row["ends_at"].astimezone(tz).date(),
            timezone=timezone,
        ),
        **common,
    )


def window_at(facts: PassFacts, now: datetime) -> Window | None:
    """The window the holder is admitted under at ``now`` (its end is when a visit is overdue):
    the pass's one window, or today's window of a recurrence; None outside any window."""
    if facts.window is not None:
        return facts.window if facts.window.contains(now) else None
    rec = facts.recurrence
    if rec is None:
        return None
    today = rec.window_on(now.astimezone(ZoneInfo(rec.timezone)).date())
    return today if today is not None and today.contains(now) else None
