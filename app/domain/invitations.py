"""The resident's invite form: its defaults, and the rules that turn what was typed into a pass.

A one-off invite takes three taps because every field but the guest's name is filled in:
today, from now until the end of the day (23:59:59 in the estate's time zone), one person,
single entry, family or friend. A recurring pass (domestic help) is kept as the model says:
weekdays, daily hours as HH:MM, and its first and last days inside ``starts_at``/``ends_at``.

Times are read in the estate's time zone and stored in UTC. Ends are inclusive: "until 18:00"
is valid at 18:00:00 and not at 18:00:01; "until 23:59" means the whole last minute, since a
time field cannot say 24:00. A local time that the clocks skip (a DST gap) is refused rather
than silently moved. Errors are codes; the service turns them into sentences.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from app.domain import inputs
from app.domain.passes import PassFacts, Reason, Window, check

PURPOSES = ("family_friend", "domestic_help", "repair", "delivery", "other")
WEEKDAYS = tuple(range(7))  # Monday is 0
MAX_PARTY = 20
MAX_NAME = 80
MAX_PLATE = 16
MAX_ONE_OFF_DAYS = 31  # longer than a month: a recurring pass
MAX_RECURRING_DAYS = 366
MAX_DAYS_AHEAD = 366
# Days further than this from today are refused before any time of day is worked out from them
# (near the ends of the calendar that arithmetic fails); nearer ones meet the rules above.
SANE_DAYS = 10 * 366
END_OF_DAY = time(23, 59)
RECURRING_MONTHS = 3

_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_PLATE = re.compile(r"^[0-9A-Z\u4e00-\u9fff·-]+$")


@dataclass(frozen=True)
class Invite:
    """A valid invite, ready to store as a VisitorPass (times in UTC)."""

    unit: str
    guest_name: str
    guest_phone: str
    purpose: str
    party_size: int
    vehicle_plate: str
    max_entries: int | None
    starts_at: datetime
    ends_at: datetime
    weekdays: str = ""
    daily_start: str = ""
    daily_end: str = ""

    @property
    def recurring(self) -> bool:
        return bool(self.weekdays)


def _field(form: Mapping, key: str) -> str:
    value = form.get(key, "")
    if isinstance(value, list):
        value = value[-1] if value else ""
    return value.strip() if isinstance(value, str) else ""


def _many(form: Mapping, key: str) -> list[str]:
    value = form.get(key, [])
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, str) and v]


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def defaults(now: datetime, tz: str) -> dict:
    """The form as it opens: a one-off visit today, from now until the end of the day."""
    local = now.astimezone(ZoneInfo(tz))
    today = local.date()
    return {
        "guest_name": "", "guest_phone": "", "purpose": "family_friend", "party_size": "1",
        "vehicle_plate": "", "entry": "single", "schedule": "once",
        "date": today.isoformat(), "start": local.strftime("%H:%M"), "end_date": "",
        "end": END_OF_DAY.strftime("%H:%M"),
        "weekdays": [str(d) for d in range(5)], "daily_start": "08:00", "daily_end": "18:00",
        "first_day": today.isoformat(), "last_day": add_months(today, RECURRING_MONTHS).isoformat(),
    }


def parse_day(text: str) -> date | None:
    return inputs.day(text)


def parse_time(text: str) -> time | None:
    match = _TIME.match((text or "").strip())
    return time(int(match.group(1)), int(match.group(2))) if match else None


def local_instant(day: date, at: time, tz: str) -> datetime | None:
    """``day`` at ``at`` in the time zone, in UTC; None for a time the clocks skip."""
    zone = ZoneInfo(tz)
    local = datetime.combine(day, at, tzinfo=zone)
    utc = local.astimezone(timezone.utc)
    if utc.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return utc


def normalise_phone(text: str) -> str:
    return re.sub(r"[\s-]", "", text or "")


def parse(form: Mapping, *, now: datetime, tz: str, units: list[str]) -> tuple[Invite | None, dict[str, str]]:
    """The invite the form describes, or the error code per field.

    ``units`` are the ids (as text) of the households the resident belongs to; with one, the
    form need not name it.
    """
    errors: dict[str, str] = {}
    unit = _field(form, "unit")
    if not units:
        errors["__all__"] = "no_household"
    elif len(units) == 1 and not unit:
        unit = units[0]
    elif unit not in units:
        errors["unit"] = "unit_required"

    name = re.sub(r"\s+", " ", _field(form, "guest_name"))
    if not name:
        errors["guest_name"] = "name_required"
    elif len(name) > MAX_NAME:
        errors["guest_name"] = "name_too_long"

    phone = normalise_phone(_field(form, "guest_phone"))
    if phone and not (phone.isascii() and phone.lstrip("+").isdigit() and 5 <= len(phone.lstrip("+")) <= 20
                      and phone.count("+") <= 1):
        errors["guest_phone"] = "phone_invalid"

    purpose = _field(form, "purpose") or "family_friend"
    if purpose not in PURPOSES:
        errors["purpose"] = "purpose_invalid"

    party = inputs.whole_number(_field(form, "party_size") or "1", 1, MAX_PARTY)
    if party is None:
        errors["party_size"] = "party_invalid"

    plate = re.sub(r"[\s]", "", _field(form, "vehicle_plate")).upper()
    if plate and (len(plate) > MAX_PLATE or not _PLATE.match(plate)):
        errors["vehicle_plate"] = "plate_invalid"

    entry = _field(form, "entry") or "single"
    if entry not in ("single", "multiple"):
        errors["entry"] = "entry_invalid"

    schedule = _field(form, "schedule") or "once"
    timing: dict = {}
    if schedule == "recurring":
        timing = _recurring(form, now, tz, errors)
    elif schedule == "once":
        timing = _once(form, now, tz, errors)
    else:
        errors["schedule"] = "schedule_invalid"

    if errors:
        return None, errors
    return Invite(
        unit=unit, guest_name=name, guest_phone=phone, purpose=purpose, party_size=party,
        vehicle_plate=plate,
        # a recurring pass is for every day it covers; a one-off pass as chosen
        max_entries=None if schedule == "recurring" or entry == "multiple" else 1,
        **timing,
    ), {}


def _once(form: Mapping, now: datetime, tz: str, errors: dict[str, str]) -> dict:
    day = parse_day(_field(form, "date"))
    start, end = parse_time(_field(form, "start")), parse_time(_field(form, "end"))
    end_text = _field(form, "end_date")
    last = parse_day(end_text) if end_text else day
    if day is None:
        errors["date"] = "date_invalid"
    if start is None:
        errors["start"] = "time_invalid"
    if end is None:
        errors["end"] = "time_invalid"
    if end_text and last is None:
        errors["end_date"] = "date_invalid"
    if day is None or start is None or end is None or last is None:
        return {}
    today = now.astimezone(ZoneInfo(tz)).date()
    # held to the allowed horizon before any time is worked out from them
    earliest, latest = inputs.days_around(today, back=SANE_DAYS, ahead=SANE_DAYS)
    if inputs.day_between(day, earliest, latest) or inputs.day_between(last, earliest, latest):
        if last < day:
            errors["end_date"] = "end_before_start"
        elif last < earliest:
            errors["end"] = "window_past"
        elif day > latest:
            errors["date"] = "too_far_ahead"
        else:
            errors["end_date"] = "window_too_long"
        return {}
    starts_at = local_instant(day, start, tz)
    if starts_at is None:
        errors["start"] = "time_skipped"
    ends_at = local_instant(last, end, tz)
    if ends_at is None:
        errors["end"] = "time_skipped"
    if starts_at is None or ends_at is None:
        return {}
    if end == END_OF_DAY:
        ends_at += timedelta(seconds=59)
    if last < day:
        errors["end_date"] = "end_before_start"
    elif ends_at <= starts_at:
        errors["end"] = "end_before_start"
    elif ends_at < now:
        errors["end"] = "window_past"
    elif (last - day).days > MAX_ONE_OFF_DAYS:
        errors["end_date"] = "window_too_long"
    elif (day - today).days > MAX_DAYS_AHEAD:
        errors["date"] = "too_far_ahead"
    return {"starts_at": starts_at, "ends_at": ends_at}


def _recurring(form: Mapping, now: datetime, tz: str, errors: dict[str, str]) -> dict:
    days = sorted({int(d) for d in _many(form, "weekdays") if inputs.whole_number(d, 0, 6) is not None})
    if not days:
        errors["weekdays"] = "weekdays_required"
    start, end = parse_time(_field(form, "daily_start")), parse_time(_field(form, "daily_end"))
    if start is None:
        errors["daily_start"] = "time_invalid"
    if end is None:
        errors["daily_end"] = "time_invalid"
    elif start is not None and end <= start:
        errors["daily_end"] = "end_before_start"
    first, last = parse_day(_field(form, "first_day")), parse_day(_field(form, "last_day"))
    if first is None:
        errors["first_day"] = "date_invalid"
    if last is None:
        errors["last_day"] = "date_invalid"
    if first is None or last is None or not days or start is None or end is None or end <= start:
        return {}
    today = now.astimezone(ZoneInfo(tz)).date()
    if last < first:
        errors["last_day"] = "end_before_start"
        return {}
    if inputs.day_between(first, today - timedelta(days=SANE_DAYS), today) == "early":
        errors["first_day"] = "window_past"  # a pass whose days are all long gone
        return {}
    if (last - first).days > MAX_RECURRING_DAYS:
        errors["last_day"] = "recurrence_too_long"
        return {}
    if (first - today).days > MAX_DAYS_AHEAD:
        errors["first_day"] = "too_far_ahead"
        return {}
    covered = [first + timedelta(days=i) for i in range(min((last - first).days + 1, 7))]
    if not any(d.weekday() in days for d in covered):
        errors["weekdays"] = "no_day_in_range"
        return {}
    starts_at, ends_at = local_instant(first, start, tz), local_instant(last, end, tz)
    if starts_at is None:
        errors["daily_start"] = "time_skipped"
    if ends_at is None:
        errors["daily_end"] = "time_skipped"
    if starts_at is None or ends_at is None:
        return {}
    last_window = _last_window(days, last, end, tz)
    if last_window is None or last_window < now:
        errors["last_day"] = "window_past"
        return {}
    return {
        "starts_at": starts_at, "ends_at": ends_at, "weekdays": ",".join(str(d) for d in days),
        "daily_start": start.strftime("%H:%M"), "daily_end": end.strftime("%H:%M"),
    }


def _last_window(days: list[int], last: date, end: time, tz: str) -> datetime | None:
    for back in range(7):
        day = last - timedelta(days=back)
        if day.weekday() in days:
            return datetime.combine(day, end, tzinfo=ZoneInfo(tz))
    return None


# What a pass is now -----------------------------------------------------------------------

UPCOMING, ACTIVE, PAST = "upcoming", "active", "past"


@dataclass(frozen=True)
class Status:
    """A pass as its guest and household see it: a state code, its section of the list, the
    entries left (None: no limit) and the next window when it is not valid right now."""

    state: str  # valid, inside, outside_hours, not_yet_valid, expired, used_up, revoked
    section: str
    entries_left: int | None
    next_window: Window | None = None

    @property
    def usable(self) -> bool:
        return self.section != PAST


_STATES = {
    Reason.VALID: ("valid", ACTIVE),
    Reason.ALREADY_INSIDE: ("inside", ACTIVE),
    Reason.OUTSIDE_HOURS: ("outside_hours", ACTIVE),
    Reason.NOT_YET_VALID: ("not_yet_valid", UPCOMING),
    Reason.EXPIRED: ("expired", PAST),
    Reason.USED_UP: ("used_up", PAST),
    Reason.REVOKED: ("revoked", PAST),
}


def status(facts: PassFacts, *, now: datetime) -> Status:
    verdict = check(facts, now=now)
    state, section = _STATES.get(verdict.reason, ("expired", PAST))
    left = verdict.entries_left
    if left is None and facts.max_entries is not None:  # the verdict only counts when it admits
        left = max(facts.max_entries - facts.entries, 0)
    return Status(state, section, left, verdict.next_window)


def weekday_list(weekdays: str) -> list[int]:
    return [int(d) for d in (weekdays or "").split(",") if d.strip().isdigit()]
