"""Visitor statistics (rules only, no database, no clock): the range of days asked for, how an
instant falls into the estate's days and hours, and the tallies built from per-hour counts.

Counting is done by the database, an hour of the estate's day at a time. A database cannot be
trusted to know the estate's time zone the way Python does (SQLite knows none), so the range is
cut into spans in which the zone's offset from UTC does not change (one span a year for
Asia/Shanghai, three where clocks change) and each span is counted with its fixed offset. The
spans are half-open and end to end: every visit in the range falls in exactly one of them, and so
in exactly one hour, one day, one week and one month.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.domain import inputs
from app.domain.incidents import Bar, bars, week_of
from app.i18n import N_

# How far back the page goes (visitor records are kept three years by default), and the longest
# range one page counts (the budget is for a year).
YEARS_BACK = 3
LONGEST = 366

QUICK = (
    ("7d", N_("Last 7 days")),
    ("30d", N_("Last 30 days")),
    ("month", N_("This month")),
    ("year", N_("This year")),
)

BAD_DAY = N_("Enter a day as YYYY-MM-DD.")
EARLY = N_("Statistics go back to %(day)s: shown from then.")
LATE = N_("Statistics end today: shown until %(day)s.")
TOO_LONG = N_("One page shows at most a year: shown from %(day)s.")

WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


@dataclass(frozen=True)
class Range:
    first: date
    last: date  # inclusive
    quick: str = ""  # the quick choice this range is, if any

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


@dataclass(frozen=True)
class Asked:
    """The range to show, with a message per field that could not be read (the page answers
    422 and keeps what was typed) and notes on where it was held inside what may be shown."""

    range: Range
    errors: dict[str, str] = field(default_factory=dict)
    notes: list[tuple[str, dict]] = field(default_factory=list)


def quick_range(choice: str, today: date) -> Range | None:
    if choice == "7d":
        return Range(today - timedelta(days=6), today, choice)
    if choice == "30d":
        return Range(today - timedelta(days=29), today, choice)
    if choice == "month":
        return Range(today.replace(day=1), today, choice)
    if choice == "year":
        return Range(today.replace(month=1, day=1), today, choice)
    return None


def limits(today: date) -> tuple[date, date]:
    return today - timedelta(days=YEARS_BACK * 366), today


def ask(since: str, until: str, quick: str, today: date) -> Asked:
    """The range from the page's fields: a quick choice, or from/to days (estate days,
    inclusive). Days outside what may be shown are held at its ends, a range longer than a year
    ends on its last day, and the days may come in either order. With nothing asked: the last
    30 days."""
    chosen = quick_range(quick, today)
    if chosen is not None and not (since or until):
        return Asked(chosen)
    earliest, latest = limits(today)
    errors: dict[str, str] = {}
    notes: list[tuple[str, dict]] = []
    days = {}
    for name, text in (("from", since), ("to", until)):
        text = (text or "").strip()
        if not text:
            days[name] = None
            continue
        found = inputs.day(text)
        if found is None:
            errors[name] = BAD_DAY
            days[name] = None
            continue
        where = inputs.day_between(found, earliest, latest)
        if where == "early":
            notes.append((EARLY, {"day": earliest.isoformat()}))
        elif where == "late":
            notes.append((LATE, {"day": latest.isoformat()}))
        days[name] = inputs.clamp_day(found, earliest, latest)
    last = days["to"] or latest
    first = days["from"] or max(earliest, last - timedelta(days=29))
    if first > last:
        first, last = last, first
    if (last - first).days + 1 > LONGEST:
        first = last - timedelta(days=LONGEST - 1)
        notes.append((TOO_LONG, {"day": first.isoformat()}))
    for choice, _ in QUICK:
        if quick_range(choice, today) == Range(first, last, choice):
            return Asked(Range(first, last, choice), errors, notes)
    return Asked(Range(first, last), errors, notes)


# Time zones -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive
    minutes: int  # the estate's offset from UTC throughout


def bounds(rng: Range, zone: str) -> tuple[datetime, datetime]:
    """The range's first moment and the moment after its last, as UTC instants."""
    tz = ZoneInfo(zone)
    start = datetime.combine(rng.first, time(0), tz).astimezone(ZoneInfoUTC)
    end = datetime.combine(rng.last + timedelta(days=1), time(0), tz).astimezone(ZoneInfoUTC)
    return start, end


ZoneInfoUTC = ZoneInfo("UTC")


def _offset(moment: datetime, tz: ZoneInfo) -> int:
    return int(moment.astimezone(tz).utcoffset().total_seconds() // 60)


def spans(start: datetime, end: datetime, zone: str) -> list[Span]:
    """``start``..``end`` (UTC) cut where the zone's offset changes: end to end, half-open."""
    tz = ZoneInfo(zone)
    out: list[Span] = []
    here, minutes = start, _offset(start, tz)
    probe = start
    tiny = timedelta(microseconds=1)
    while probe < end:
        following = min(probe + STEP, end)
        if _offset(min(following, end - tiny), tz) == minutes:
            probe = following
            continue
        low, high = probe, min(following, end - tiny)  # the offset changes after low, by high
        while high - low > tiny:
            middle = low + (high - low) / 2
            if _offset(middle, tz) == minutes:
                low = middle
            else:
                high = middle
        out.append(Span(here, high, minutes))
        here, minutes, probe = high, _offset(high, tz), high
    out.append(Span(here, end, minutes))
    return [s for s in out if s.start < s.end]


# Zones change their clocks a few times a year at most, never twice within this.
STEP = timedelta(hours=6)


def hour_key(moment: datetime, spans_: list[Span]) -> str | None:
    """The estate's hour of ``moment`` written as the database writes it (``YYYY-MM-DD HH``),
    by the span's offset: what the counting query does, in Python."""
    for span in spans_:
        if span.start <= moment < span.end:
            return (moment.astimezone(ZoneInfoUTC) + timedelta(minutes=span.minutes)).strftime("%Y-%m-%d %H")
    return None


# Tallies --------------------------------------------------------------------------------


@dataclass(frozen=True)
class HourCount:
    key: str  # the estate's "YYYY-MM-DD HH"
    visits: int
    invited: int = 0
    overdue: int = 0
    stayed: int = 0  # visits with an exit
    seconds: float = 0.0  # their time on site, together
    # Counts already added up by day (all of the day's hours, under hour "00") or by hour of the
    # day (all the days' visits at that hour, under the range's first day): each counts once,
    # in the tally it stands for.
    by_day_only: bool = False
    by_hour_only: bool = False


@dataclass(frozen=True)
class Visits:
    total: int
    invited: int
    walk_in: int
    overdue: int
    average_minutes: float | None
    by_day: list[Bar]
    by_week: list[Bar]  # labelled by the week's Monday
    by_month: list[Bar]  # "YYYY-MM"
    by_hour: list[Bar]  # "00".."23"
    by_weekday: list[Bar]  # "0" (Monday).."6"
    by_purpose: list[Bar]
    by_gate: list[Bar]
    stayed: int = 0  # visits with an exit, whose time on site makes the average
    seconds: float = 0.0


def tally(rng: Range, hours: list[HourCount], purposes: dict[str, int], gates: dict[str, int],
          purpose_order: tuple[str, ...] = ()) -> Visits:
    """Every count of the page from per-hour counts (each visit in one hour) and the counts by
    purpose and by gate. Days, weeks and months of the range with no visit are shown as 0."""
    days = {rng.first + timedelta(days=i): 0 for i in range(rng.days)}
    by_hour = [0] * 24
    by_weekday = [0] * 7
    total = invited = overdue = stayed = 0
    seconds = 0.0
    for h in hours:
        day = date.fromisoformat(h.key[:10])
        if day not in days:
            continue
        if not h.by_day_only:
            by_hour[int(h.key[11:13])] += h.visits
        if h.by_hour_only:
            continue
        days[day] += h.visits
        by_weekday[day.weekday()] += h.visits
        total += h.visits
        invited += h.invited
        overdue += h.overdue
        stayed += h.stayed
        seconds += h.seconds
    weeks: dict[date, int] = {}
    months: dict[str, int] = {}
    for day, n in days.items():
        monday = week_of(day)[0]
        weeks[monday] = weeks.get(monday, 0) + n
        months[day.strftime("%Y-%m")] = months.get(day.strftime("%Y-%m"), 0) + n
    purpose_counts = [(p, purposes.get(p, 0)) for p in purpose_order]
    purpose_counts += sorted((p, n) for p, n in purposes.items() if p not in purpose_order)
    return Visits(
        total=total, invited=invited, walk_in=total - invited, overdue=overdue,
        average_minutes=round(seconds / stayed / 60, 1) if stayed else None,
        by_day=bars([(d.isoformat(), n) for d, n in days.items()]),
        by_week=bars([(d.isoformat(), n) for d, n in weeks.items()]),
        by_month=bars(list(months.items())),
        by_hour=bars([(f"{h:02d}", n) for h, n in enumerate(by_hour)]),
        by_weekday=bars([(str(d), n) for d, n in enumerate(by_weekday)]),
        by_purpose=bars(purpose_counts),
        by_gate=bars(sorted(gates.items(), key=lambda item: (-item[1], item[0]))),
        stayed=stayed, seconds=seconds,
    )


PURPOSES = ("family_friend", "domestic_help", "repair", "delivery", "other")
PURPOSE_NAMES = {
    "family_friend": N_("Family or friend"), "domestic_help": N_("Domestic help"), "repair": N_("Repair"),
    "delivery": N_("Delivery"), "other": N_("Other"), "": N_("Not given"),
}

# The gate's refusals by reason: passes turned away when scanned (their verdict,
# ``passes.REFUSING``), then what became of a walk-in's registration.
REFUSALS = {
    "revoked": N_("Pass revoked"),
    "expired": N_("Pass expired"),
    "not_yet_valid": N_("Pass not yet valid"),
    "outside_hours": N_("Pass outside its hours"),
    "used_up": N_("Pass used up"),
    "watchlist": N_("Pass holder on the watchlist"),
    "refused_to_register": N_("Refused to register"),
    "prohibited_items": N_("Prohibited items"),
    "household_refused": N_("Refused by the household"),
    "turned_away": N_("Turned away"),
}


def refusal_of(kind: str, state: str) -> str | None:
    """The refusal a registration (kind, state) stands for, or None when it is none."""
    if kind in ("refused_to_register", "prohibited_items"):
        return kind
    if state == "refused":
        return "household_refused"
    if state == "turned_away":
        return "turned_away"
    return None


@dataclass(frozen=True)
class Gatework:
    """The gate's refusals in a range, by reason, and its watchlist matches."""

    refusals: list[Bar]
    refused: int
    watchlist_hits: int


def gatework(registrations: list[tuple[str, str, bool, int]], passes_refused: list[tuple[str, int]] = ()) -> Gatework:
    """From (kind, state, watchlist hit, how many) of a range's walk-in registrations and
    (verdict, how many) of its passes turned away. A watchlist match is a walk-in who matched or a
    pass refused for its holder."""
    reasons = {r: 0 for r in REFUSALS}
    hits = 0
    for kind, state, hit, n in registrations:
        reason = refusal_of(kind, state)
        if reason is not None:
            reasons[reason] += n
        if hit:
            hits += n
    for verdict, n in passes_refused:
        reasons[verdict] = reasons.get(verdict, 0) + n
        if verdict == "watchlist":
            hits += n
    return Gatework(bars(list(reasons.items())), sum(reasons.values()), hits)


# The headline figures of an estate, in the order of the page across estates and its CSV.
HEADLINE = (
    ("total", N_("Visits")), ("invited", N_("Invited")), ("walk_in", N_("Walk-in")),
    ("overdue", N_("Overdue visitors")), ("average_minutes", N_("Average minutes on site")),
    ("refused", N_("Refused")), ("watchlist_hits", N_("Watchlist matches")), ("released", N_("Slips released")),
    ("held", N_("Slips held")), ("on_time", N_("Rounds on time")), ("late", N_("Rounds late")),
    ("missed", N_("Rounds missed")), ("incidents", N_("Incidents")),
)
