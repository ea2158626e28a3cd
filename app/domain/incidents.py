"""Incidents (治安事件): what a guard reports, how urgent it is, and where it goes from there.

Kinds follow the estate's procedures (SPEC 4.4). A report is open until a guard acknowledges it
(on their own, or dispatched by the supervisor), then resolved with an outcome. Urgent reports
wake the supervisor and the guards at once: an incident the reporter marks urgent, or one for
which 110 (police), 119 (fire) or 120 (ambulance) was called.

Renovation noise is banned from 20:00 to 08:00 (夜间20:00到次日8:00不产生装修施工噪声): a noise
report made in those hours, in the estate's time zone, is a breach of the estate's rules.

No clock, no database: the service passes the moment and the zone.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.domain import inputs
from app.i18n import N_


class Kind(str, enum.Enum):
    THEFT = "theft"
    FIGHT = "fight"
    SUSPICIOUS = "suspicious"
    FIRE = "fire"
    MEDICAL = "medical"
    NOISE = "noise"
    DAMAGE = "damage"
    VISITOR_MISCONDUCT = "visitor_misconduct"
    LOST_PROPERTY = "lost_property"
    OTHER = "other"


class Severity(str, enum.Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"


class State(str, enum.Enum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


# Every allowed move, as data. A dispatch keeps an incident open (or puts an acknowledged one
# back to open for the newly sent guard); acknowledging is the guard's "I'm on it".
TRANSITIONS: dict[State, frozenset[State]] = {
    State.OPEN: frozenset({State.ACKNOWLEDGED, State.RESOLVED}),
    State.ACKNOWLEDGED: frozenset({State.OPEN, State.RESOLVED}),
    State.RESOLVED: frozenset(),
}

# Whom was called: police, fire brigade, ambulance.
CALLS = ("110", "119", "120")

KIND_NAMES = {
    Kind.THEFT: N_("Theft"),
    Kind.FIGHT: N_("Fight"),
    Kind.SUSPICIOUS: N_("Suspicious person or object"),
    Kind.FIRE: N_("Fire"),
    Kind.MEDICAL: N_("Medical"),
    Kind.NOISE: N_("Noise"),
    Kind.DAMAGE: N_("Damage to facilities"),
    Kind.VISITOR_MISCONDUCT: N_("Visitor misconduct"),
    Kind.LOST_PROPERTY: N_("Lost property"),
    Kind.OTHER: N_("Other"),
}
SEVERITY_NAMES = {
    Severity.LOW: N_("Low"),
    Severity.MEDIUM: N_("Medium"),
    Severity.HIGH: N_("High"),
    Severity.URGENT: N_("Urgent"),
}
STATE_NAMES = {
    State.OPEN: N_("Open"),
    State.ACKNOWLEDGED: N_("Acknowledged"),
    State.RESOLVED: N_("Resolved"),
}

# Renovation noise: banned from QUIET_FROM until QUIET_UNTIL the next morning.
QUIET_FROM = time(20, 0)
QUIET_UNTIL = time(8, 0)

MAX_DESCRIPTION = 4000
MAX_PEOPLE = 1000
MAX_PLACE = 120
MAX_OUTCOME = 2000
MAX_NOTE = 1000
MAX_PHOTOS = 4

# Problems with a report, by field: message ids, translated where shown.
MESSAGES = {
    "kind": N_("Choose what happened."),
    "severity": N_("Choose how serious it is."),
    "place": N_("Say where: a unit, a place or a checkpoint."),
    "unit": N_("There is no unit with this number in the estate."),
    "description": N_("Describe what happened."),
    "too_long": N_("This is too long."),
    "photos": N_("At most 4 photos."),
    "outcome": N_("Say how it ended."),
    "note": N_("Write the note."),
}


@dataclass(frozen=True)
class Report:
    kind: str
    severity: str
    unit: str = ""
    place: str = ""
    checkpoint: str = ""
    description: str = ""
    people: str = ""
    calls: tuple[str, ...] = ()
    photos: int = 0


def problems(report: Report) -> dict[str, str]:
    """What is wrong with a report, by field (empty when it may be stored)."""
    found: dict[str, str] = {}
    if report.kind not in Kind._value2member_map_:
        found["kind"] = MESSAGES["kind"]
    if report.severity not in Severity._value2member_map_:
        found["severity"] = MESSAGES["severity"]
    if not (report.unit.strip() or report.place.strip() or report.checkpoint.strip()):
        found["place"] = MESSAGES["place"]
    elif len(report.place) > MAX_PLACE:
        found["place"] = MESSAGES["too_long"]
    if not report.description.strip():
        found["description"] = MESSAGES["description"]
    elif len(report.description) > MAX_DESCRIPTION:
        found["description"] = MESSAGES["too_long"]
    if len(report.people) > MAX_PEOPLE:
        found["people"] = MESSAGES["too_long"]
    if report.photos > MAX_PHOTOS:
        found["photos"] = MESSAGES["photos"]
    return found


def calls_of(values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The numbers called, known ones only, in the usual order."""
    return tuple(c for c in CALLS if c in set(values))


def urgent(severity: str, calls: tuple[str, ...] | list[str]) -> bool:
    """Wakes the supervisor and the guards at once."""
    return severity == Severity.URGENT.value or bool(calls_of(list(calls)))


def quiet_hours(moment: datetime, zone: str) -> bool:
    """Whether ``moment`` falls between 20:00 and 08:00 in the estate's zone."""
    local = moment.astimezone(ZoneInfo(zone)).time()
    return local >= QUIET_FROM or local < QUIET_UNTIL


def noise_breach(kind: str, happened_at: datetime, zone: str) -> bool:
    """A noise report in the quiet hours breaks the estate's renovation rule."""
    return kind == Kind.NOISE.value and quiet_hours(happened_at, zone)


def allowed(source: State | str, target: State | str) -> bool:
    return State(target) in TRANSITIONS[State(source)]


def sources(target: State) -> list[str]:
    """The states from which ``target`` may be reached (for a conditional UPDATE)."""
    return [s.value for s, targets in TRANSITIONS.items() if target in targets]


def day_range(first: date | None, last: date | None, zone: str) -> tuple[datetime | None, datetime | None]:
    """From the start of ``first`` to the start of the day after ``last``, in the estate's zone
    (either may be open); for filtering by the days people mean, not UTC days."""
    tz = ZoneInfo(zone)
    start = datetime.combine(first, time(0), tz) if first else None
    end = datetime.combine(last + timedelta(days=1), time(0), tz) if last else None
    return start, end


def parse_day(text: str) -> date | None:
    """A filter's day, within the years a day can be added to (``inputs.day``), else None."""
    return inputs.day(text)


# The weekly security summary -------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    share: float  # of the longest bar, 0..1: its length in a chart


@dataclass(frozen=True)
class Summary:
    total: int
    by_kind: list[Bar]
    by_place: list[Bar]
    by_hour: list[Bar]  # 24 bars, "00" to "23", estate time


def week_of(day: date) -> tuple[date, date]:
    """The Monday and the Sunday of ``day``'s week."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def bars(counts: list[tuple[str, int]]) -> list[Bar]:
    longest = max((n for _, n in counts), default=0)
    return [Bar(label, n, n / longest if longest else 0.0) for label, n in counts]


def summarise(incidents: list[tuple[str, str, datetime]], zone: str, *, places: int = 10) -> Summary:
    """Counts by kind (every kind, in the usual order), by place (the busiest ``places``) and by
    hour of the day in the estate's zone, from (kind, place, happened_at) of a week's incidents."""
    tz = ZoneInfo(zone)
    kinds = {k.value: 0 for k in Kind}
    where: dict[str, int] = {}
    hours = [0] * 24
    for kind, place, happened in incidents:
        kinds[kind] = kinds.get(kind, 0) + 1
        where[place] = where.get(place, 0) + 1
        hours[happened.astimezone(tz).hour] += 1
    busiest = sorted(where.items(), key=lambda item: (-item[1], item[0]))[:places]
    return Summary(len(incidents), bars(list(kinds.items())), bars(busiest),
                   bars([(f"{h:02d}", n) for h, n in enumerate(hours)]))
