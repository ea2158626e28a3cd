"""Patrol reports (rules only, no database, no clock): a week's rounds per route (on time, late,
missed) and a month's duty record per guard (rounds done, checkpoints missed, incidents
reported, how long they took to answer a dispatch)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median

from app.domain import patrol as rules


@dataclass(frozen=True)
class RoundTally:
    route: str
    on_time: int = 0
    late: int = 0
    missed: int = 0

    @property
    def total(self) -> int:
        return self.on_time + self.late + self.missed


def tally_rounds(route: str, slots: list[rules.Slot], started: dict[datetime, datetime], now: datetime,
                 made: datetime) -> RoundTally:
    """A route's slots in a period: each started round on time or late (by when it started),
    each slot past its deadline with no round missed; slots still open, and slots due before
    the route was made, are not counted."""
    on_time = late = missed = 0
    for slot in slots:
        if slot.at < made:
            continue
        began = started.get(slot.at)
        if began is not None:
            if rules.timeliness(slot, began) is rules.Timeliness.ON_TIME:
                on_time += 1
            else:
                late += 1
        elif rules.slot_state(slot, now) is rules.SlotState.MISSED:
            missed += 1
    return RoundTally(route, on_time, late, missed)


@dataclass(frozen=True)
class Duty:
    guard: str
    rounds: int
    missed_checkpoints: int
    incidents: int
    dispatches: int
    answered: int
    response_minutes: float | None  # the median, of the dispatches answered


def duty_records(guards: dict, rounds: dict, reported: list, dispatches: list[tuple]) -> list[Duty]:
    """Per guard (``guards``: id -> name), from a month's finished rounds (``rounds``: guard ->
    (rounds, checkpoints on them, checkpoints checked)), incidents reported (the reporter of
    each) and dispatches (guard, sent at, acknowledged at or None). Guards with nothing at all
    are still listed."""
    out = []
    for guard_id, name in sorted(guards.items(), key=lambda item: item[1]):
        walked, due, checked = rounds.get(guard_id, (0, 0, 0))
        sent = [d for d in dispatches if d[0] == guard_id]
        waits = [(d[2] - d[1]).total_seconds() / 60 for d in sent if d[1] is not None and d[2] is not None]
        out.append(Duty(
            guard=name, rounds=walked, missed_checkpoints=max(0, due - checked),
            incidents=sum(1 for r in reported if r == guard_id), dispatches=len(sent), answered=len(waits),
            response_minutes=round(median(waits), 1) if waits else None))
    return out


def parse_month(text: str) -> date | None:
    """The first day of a month written YYYY-MM; None when not one."""
    found = re.fullmatch(r"\s*(\d{4})-(\d{2})\s*", text or "")
    if not found:
        return None
    try:
        return date(int(found[1]), int(found[2]), 1)
    except ValueError:
        return None


def month_of(day: date) -> tuple[date, date]:
    """The first and the last day of ``day``'s month."""
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def due_slots(schedule: rules.Schedule, start: datetime, end: datetime, now: datetime,
              made: datetime) -> tuple[int, datetime]:
    """How many slots in [start, end) from ``made`` on are past their deadline at ``now`` (each
    one has a round or is missed), counted shift by shift without listing them; and the time
    of the first slot not yet past it (rounds from then on are not counted against one)."""
    low = max(start, made)
    following = [s for s in rules.slots(schedule, now - schedule.every - timedelta(days=1), now + timedelta(days=2))
                 if s.deadline > now]
    cutoff = min(end, following[0].at) if following else end
    if cutoff <= low:
        return 0, max(cutoff, low)
    due = 0
    every = schedule.every
    for shift_start, shift_end in schedule.shifts(low, cutoff):
        first = max(0, -(-(low - shift_start) // every))  # the first slot at or after low
        past = -(-(min(shift_end, cutoff) - shift_start) // every)  # the first slot at or after the end
        due += max(0, past - first)
    return due, cutoff
