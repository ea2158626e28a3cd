"""Patrol rounds: checkpoint kinds and their default checklists, a route's schedule, and when a
round is on time, late or missed. No database, no clock: every rule takes ``now``.

A route's schedule is a round every ``every`` minutes within the shift hours, in the estate's
time zone. Shift hours ``from``-``until`` with ``until`` before ``from`` cross midnight (22:00-06:00
ends the next morning); equal hours mean around the clock (a day-long shift starting then).
Slots start at the shift's start and every ``every`` minutes after it, while inside the shift,
counted in real minutes (a shift across a daylight-saving change keeps its spacing).

For the slot at ``s``:
- a round may start from ``s - early`` (``early`` is 10 minutes, at most half the interval);
- started by ``s + grace`` it is on time (``grace`` is 10 minutes, at most the interval);
- started later but before the slot's deadline it is late; the deadline is the next slot, or
  the shift's end when that comes first (never before ``s + grace``);
- not started by the deadline it is missed. A round not started by ``s + grace`` raises the
  supervisor's alert.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from app.domain.device_time import believe

GRACE = timedelta(minutes=10)
EARLY = timedelta(minutes=10)
MIN_EVERY, MAX_EVERY = 10, 24 * 60
MAX_QUESTIONS = 12
QUESTION_MAX = 120


def N_(message: str) -> str:  # marks text for the catalogue; translated where shown
    return message


class CheckpointKind(str, enum.Enum):
    STAIRWELL_DOOR = "stairwell_door"
    PUMP_ROOM = "pump_room"
    TRANSFORMER_ROOM = "transformer_room"
    BIKE_SHED = "bike_shed"
    PERIMETER = "perimeter"
    CAR_PARK = "car_park"
    GARDEN = "garden"
    OTHER = "other"


KIND_LABELS = {
    CheckpointKind.STAIRWELL_DOOR: N_("Stairwell door"),
    CheckpointKind.PUMP_ROOM: N_("Pump room"),
    CheckpointKind.TRANSFORMER_ROOM: N_("Transformer room"),
    CheckpointKind.BIKE_SHED: N_("Bike shed"),
    CheckpointKind.PERIMETER: N_("Perimeter"),
    CheckpointKind.CAR_PARK: N_("Car park"),
    CheckpointKind.GARDEN: N_("Garden"),
    CheckpointKind.OTHER: N_("Other"),
}

# What the estate's patrol rules ask at each kind of spot (楼道电控门拉一拉, 水泵变电房门窗锁具查一查,
# 乱停自行车提醒上锁进车棚, 围墙弯角两边瞧一瞧, 绿化茂密处是否藏匿人和物, 车辆停放处车况门窗看一看).
DEFAULT_CHECKLISTS: dict[CheckpointKind, tuple[str, ...]] = {
    CheckpointKind.STAIRWELL_DOOR: (N_("Door closed and locked?"), N_("Lights working?"),
                                    N_("Fire extinguisher present?"), N_("Stairs clear of obstacles?")),
    CheckpointKind.PUMP_ROOM: (N_("Door and windows locked?"), N_("No water on the floor?"),
                               N_("Pumps running normally?")),
    CheckpointKind.TRANSFORMER_ROOM: (N_("Door and windows locked?"), N_("No smell of burning or unusual noise?"),
                                      N_("Warning signs in place?")),
    CheckpointKind.BIKE_SHED: (N_("Bikes parked inside and locked?"), N_("No charging from unsafe sockets?"),
                               N_("Lights working?")),
    CheckpointKind.PERIMETER: (N_("Fence or wall intact?"), N_("No one loitering or climbing?"),
                               N_("Cameras and alarm working?")),
    CheckpointKind.CAR_PARK: (N_("Cars' doors and windows closed?"), N_("Fire lanes clear?"), N_("Lights working?")),
    CheckpointKind.GARDEN: (N_("No one hiding in the planting?"), N_("Paths lit?"), N_("Nothing suspicious left?")),
    CheckpointKind.OTHER: (N_("All in order?"),),
}


def parse_checklist(text: str) -> list[str]:
    """The questions of a checklist as typed: one a line, blank lines dropped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# The schedule --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    every: timedelta
    shift_from: time
    shift_until: time
    timezone: str = "Asia/Shanghai"

    @property
    def around_the_clock(self) -> bool:
        return self.shift_from == self.shift_until

    @property
    def grace(self) -> timedelta:
        return min(GRACE, self.every)

    @property
    def early(self) -> timedelta:
        return min(EARLY, self.every / 2)

    def shift_on(self, day: date) -> tuple[datetime, datetime]:
        """The shift starting on a local day, as UTC instants (a skipped local time moves on)."""
        zone = ZoneInfo(self.timezone)
        start = datetime.combine(day, self.shift_from, tzinfo=zone)
        end_day = day if self.shift_until > self.shift_from else day + timedelta(days=1)
        end = datetime.combine(end_day, self.shift_until, tzinfo=zone)
        return start.astimezone(timezone.utc), end.astimezone(timezone.utc)

    def shifts(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """Shifts that overlap [start, end)."""
        zone = ZoneInfo(self.timezone)
        day = start.astimezone(zone).date() - timedelta(days=1)
        last = end.astimezone(zone).date()
        found = []
        while day <= last:
            s, e = self.shift_on(day)
            if s < end and e > start:
                found.append((s, e))
            day += timedelta(days=1)
        return found


@dataclass(frozen=True)
class Slot:
    at: datetime  # the round is due then (UTC)
    on_time_until: datetime
    deadline: datetime  # not started by then: missed
    opens_at: datetime  # a round may start from then


def slots(schedule: Schedule, start: datetime, end: datetime) -> list[Slot]:
    """The slots due in [start, end), in order."""
    found = []
    for shift_start, shift_end in schedule.shifts(start, end):
        at = shift_start
        while at < shift_end:
            if start <= at < end:
                found.append(_slot(schedule, at, shift_end))
            at += schedule.every
    return found


def _slot(schedule: Schedule, at: datetime, shift_end: datetime) -> Slot:
    on_time_until = at + schedule.grace
    deadline = max(min(at + schedule.every, shift_end), on_time_until)
    return Slot(at=at, on_time_until=on_time_until, deadline=deadline, opens_at=at - schedule.early)


def slot_for_start(schedule: Schedule, started_at: datetime, taken: set[datetime] | frozenset = frozenset()) -> Slot | None:
    """The slot a round started then answers: the earliest open one (started_at between its
    opening and its deadline) not answered already; None when no round is due."""
    window = schedule.every + schedule.early + timedelta(days=1)
    for slot in slots(schedule, started_at - window, started_at + schedule.every):
        if slot.opens_at <= started_at < slot.deadline and slot.at not in taken:
            return slot
    return None


def next_slot(schedule: Schedule, now: datetime, taken: set[datetime] | frozenset = frozenset()) -> Slot | None:
    """The slot a guard should start next: the earliest one not yet missed and not answered."""
    for slot in slots(schedule, now - schedule.every - timedelta(days=1), now + timedelta(days=2)):
        if slot.deadline > now and slot.at not in taken:
            return slot
    return None


class SlotState(str, enum.Enum):
    UPCOMING = "upcoming"      # not open yet
    DUE = "due"                # open, no round yet, still on time
    OVERDUE = "overdue"        # no round and past its grace: the supervisor is alerted
    MISSED = "missed"          # no round by the deadline
    IN_PROGRESS = "in_progress"
    DONE = "done"


class Timeliness(str, enum.Enum):
    ON_TIME = "on_time"
    LATE = "late"


def timeliness(slot: Slot, started_at: datetime) -> Timeliness:
    return Timeliness.ON_TIME if started_at <= slot.on_time_until else Timeliness.LATE


def slot_state(slot: Slot, now: datetime, *, started_at: datetime | None = None, finished: bool = False) -> SlotState:
    if started_at is not None:
        return SlotState.DONE if finished else SlotState.IN_PROGRESS
    if now < slot.opens_at:
        return SlotState.UPCOMING
    if now <= slot.on_time_until:
        return SlotState.DUE
    if now < slot.deadline:
        return SlotState.OVERDUE
    return SlotState.MISSED


def needs_alert(slot: Slot, now: datetime, started: bool) -> bool:
    """A round not started in time: past its grace, before it is long over (a day)."""
    return not started and slot.on_time_until < now < slot.deadline + timedelta(days=1)


# Check-ins -----------------------------------------------------------------------------------

# A scan's time further from its arrival than this (after allowing for the phone's measured
# clock error) is not believed: a round's check-ins sit in an outbox for hours at most.
MAX_HELD = timedelta(hours=24)


@dataclass(frozen=True)
class CheckInTime:
    counted_at: datetime
    flagged: bool


def check_in_time(device_time: datetime | None, sent_at: datetime | None, arrived_at: datetime) -> CheckInTime:
    """When a check-in happened, from the phone's scan time: believed (corrected for the phone's
    measured clock error) unless implausible, i.e. missing, with the phone's clock off by more
    than the skew limit, or older than ``MAX_HELD``: then flagged and counted at its arrival."""
    if device_time is None:
        return CheckInTime(arrived_at, True)
    timing = believe(device_time, sent_at, arrived_at)
    if timing.skewed or arrived_at - timing.happened_at > MAX_HELD:
        return CheckInTime(arrived_at, True)
    return CheckInTime(timing.happened_at, False)


class ScanReason(str, enum.Enum):
    OK = "ok"
    UNKNOWN = "unknown"                # not a code of this estate (forged, another estate's, garbled)
    VISITOR_PASS = "visitor_pass"      # a visitor's pass, not a checkpoint
    RELEASE_SLIP = "release_slip"      # a goods release slip
    GOODS_PERMIT = "goods_permit"      # a standing goods permit
    OTHER_ROUTE = "other_route"        # a checkpoint of this estate, not on this route
    RETIRED = "retired"                # a checkpoint taken out of use
    REPEATED = "repeated"              # already checked on this round
    OUT_OF_ORDER = "out_of_order"      # the route's order matters and another comes first
    ROUND_OVER = "round_over"          # the round is finished


def expected_next(stops: list, done: set) -> object | None:
    """The first stop of the route not yet checked."""
    for stop in stops:
        if stop not in done:
            return stop
    return None


def check_scan(checkpoint, stops: list, done: set, *, ordered: bool, active: bool = True,
               round_open: bool = True) -> ScanReason:
    """May this checkpoint be checked in now, on a round of a route with these stops?"""
    if not round_open:
        return ScanReason.ROUND_OVER
    if checkpoint not in stops:
        return ScanReason.OTHER_ROUTE
    if not active:
        return ScanReason.RETIRED
    if checkpoint in done:
        return ScanReason.REPEATED
    if ordered and expected_next(stops, done) != checkpoint:
        return ScanReason.OUT_OF_ORDER
    return ScanReason.OK
