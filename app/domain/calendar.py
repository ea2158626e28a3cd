"""Working days: an estate's calendar is the week's Saturdays and Sundays off, the holidays its
admin lists, and the weekend days worked in their place (调休, when a holiday is moved).

Pure date arithmetic: no clock, no time zone (days are the estate's own dates).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from app.domain import inputs

WEEKEND = frozenset({5, 6})  # Saturday, Sunday
# Far enough for any notice an estate asks for; a calendar with no working day in this many
# days is a mistake of its admin, not a reason to loop for ever.
MAX_SEARCH_DAYS = 3660


class NoWorkingDay(ValueError):
    """The calendar has no working day within reach (every day marked a holiday)."""


@dataclass(frozen=True)
class Calendar:
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)  # weekend days worked

    def is_working(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() not in WEEKEND

    def add_working_days(self, day: date, count: int) -> date:
        """The ``count``-th working day after ``day`` (``day`` itself when count is 0)."""
        found = 0
        current = day
        for _ in range(MAX_SEARCH_DAYS):
            if found >= count:
                return current
            current += timedelta(days=1)
            if self.is_working(current):
                found += 1
        raise NoWorkingDay(f"no {count} working days after {day}")

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
        count = 0
        current = start + timedelta(days=1)
        while current <= end:
            if self.is_working(current):
                count += 1
            current += timedelta(days=1)
        return count


def parse_day(text: str) -> date | None:
    return inputs.day(text)
