"""The lobby's day: which passes are expected today, their window today, and each visit's status."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from app.domain.lobby import (Status, VisitTimes, current_visit, day_bounds, local_day, starts_between, status,
                               window_on)
from app.domain.passes import PassFacts, Recurrence, Window, facts_from_record

TZ = "Asia/Shanghai"
SHANGHAI = ZoneInfo(TZ)
MONDAY = date(2026, 11, 23)
# Zones without daylight saving time: a local day is always 24 hours long.
DST_FREE = ["Asia/Shanghai", "Asia/Tokyo", "Asia/Kolkata", "Asia/Kathmandu", "Asia/Dubai", "UTC",
            "Pacific/Kiritimati", "Pacific/Pago_Pago", "America/Bogota", "Africa/Nairobi"]


def at(day: date, hh: int, mm: int = 0, tz=SHANGHAI) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=tz)


def one_off(start: datetime, end: datetime) -> PassFacts:
    return PassFacts(window=Window(start, end))


def test_an_afternoon_visit_is_expected_that_day_with_its_own_hours():
    facts = one_off(at(MONDAY, 14), at(MONDAY, 18))
    assert window_on(facts, MONDAY, TZ) == Window(at(MONDAY, 14), at(MONDAY, 18))
    assert window_on(facts, MONDAY + timedelta(days=1), TZ) is None
    assert window_on(facts, MONDAY - timedelta(days=1), TZ) is None


def test_a_visit_across_midnight_is_expected_on_both_days_each_with_its_part():
    facts = one_off(at(MONDAY, 20), at(MONDAY + timedelta(days=1), 9))
    first = window_on(facts, MONDAY, TZ)
    second = window_on(facts, MONDAY + timedelta(days=1), TZ)
    assert first.starts_at == at(MONDAY, 20) and first.ends_at == day_bounds(MONDAY, TZ).ends_at
    assert second == Window(at(MONDAY + timedelta(days=1), 0), at(MONDAY + timedelta(days=1), 9))


def test_a_guest_whose_visit_runs_past_midnight_is_expected_once_at_its_start():
    facts = one_off(at(MONDAY, 22), at(MONDAY + timedelta(days=1), 1))
    assert starts_between(facts, at(MONDAY, 21), at(MONDAY, 21) + timedelta(hours=4), TZ) == [at(MONDAY, 22)]
    # Already under way at 23:00: nobody is expected to arrive at midnight.
    assert starts_between(facts, at(MONDAY, 23), at(MONDAY, 23) + timedelta(hours=4), TZ) == []


def test_a_recurring_guest_is_expected_at_each_days_opening_in_the_range():
    rec = Recurrence(weekdays=frozenset(range(7)), daily_start=time(8), daily_end=time(18), first_day=MONDAY,
                     last_day=MONDAY + timedelta(days=30), timezone=TZ)
    facts = PassFacts(recurrence=rec, max_entries=None)
    assert starts_between(facts, at(MONDAY, 6), at(MONDAY, 10), TZ) == [at(MONDAY, 8)]
    assert starts_between(facts, at(MONDAY, 22), at(MONDAY + timedelta(days=1), 2), TZ) == []
    assert starts_between(facts, at(MONDAY, 7), at(MONDAY + timedelta(days=1), 9), TZ) == [
        at(MONDAY, 8), at(MONDAY + timedelta(days=1), 8)]


def test_a_window_ending_at_midnight_exactly_touches_the_next_day_and_one_ending_a_moment_before_does_not():
    midnight = at(MONDAY + timedelta(days=1), 0)
    assert window_on(one_off(at(MONDAY, 20), midnight), MONDAY + timedelta(days=1), TZ) == Window(midnight, midnight)
    before = midnight - timedelta(microseconds=1)
    assert window_on(one_off(at(MONDAY, 20), before), MONDAY + timedelta(days=1), TZ) is None


def test_the_day_is_the_estates_local_day():
    late_utc = datetime(2026, 11, 23, 17, 0, tzinfo=ZoneInfo("UTC"))  # 01:00 on Tuesday in Shanghai
    assert local_day(late_utc, TZ) == MONDAY + timedelta(days=1)
    assert local_day(late_utc, "UTC") == MONDAY


def test_weekday_domestic_help_is_expected_on_weekdays_only_from_a_stored_pass():
    row = {"starts_at": at(MONDAY, 0), "ends_at": at(MONDAY + timedelta(days=90), 23, 59), "weekdays": "0,1,2,3,4",
           "daily_start": "08:00", "daily_end": "18:00", "max_entries": None, "entries": 0, "inside": False,
           "revoked_at": None}
    facts = facts_from_record(row, TZ)
    assert window_on(facts, MONDAY, TZ) == Window(at(MONDAY, 8), at(MONDAY, 18))
    assert window_on(facts, MONDAY + timedelta(days=5), TZ) is None  # Saturday
    assert window_on(facts, MONDAY + timedelta(days=91), TZ) is None  # after the last day


@given(
    tz=st.sampled_from(DST_FREE),
    first=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 1, 1)),
    length=st.integers(min_value=0, max_value=120),
    weekdays=st.frozensets(st.integers(min_value=0, max_value=6), min_size=1),
    start=st.times(), minutes=st.integers(min_value=0, max_value=24 * 60 - 1),
    offset=st.integers(min_value=-10, max_value=130),
)
def test_a_recurring_pass_is_expected_exactly_on_its_weekdays_between_its_days(tz, first, length, weekdays, start,
                                                                                minutes, offset):
    start = start.replace(microsecond=0)
    end = (datetime.combine(first, start) + timedelta(minutes=minutes)).time()
    if end < start:
        end = time(23, 59, 59)
    last = first + timedelta(days=length)
    rec = Recurrence(weekdays=weekdays, daily_start=start, daily_end=end, first_day=first, last_day=last, timezone=tz)
    day = first + timedelta(days=offset)
    window = window_on(PassFacts(recurrence=rec, max_entries=None), day, tz)
    expected = first <= day <= last and day.weekday() in weekdays
    assert (window is not None) == expected
    if window is not None:
        bounds = day_bounds(day, tz)
        assert bounds.starts_at <= window.starts_at <= window.ends_at <= bounds.ends_at
        assert local_day(window.starts_at, tz) == day == local_day(window.ends_at, tz)


@given(
    tz=st.sampled_from(DST_FREE),
    start=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1)),
    length=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=5)),
    offset=st.integers(min_value=-2, max_value=7),
)
def test_a_one_off_pass_is_expected_on_the_days_its_window_touches_and_clipped_to_each(tz, start, length, offset):
    zone = ZoneInfo(tz)
    starts_at = start.replace(tzinfo=zone)
    ends_at = starts_at + length
    day = local_day(starts_at, tz) + timedelta(days=offset)
    window = window_on(one_off(starts_at, ends_at), day, tz)
    bounds = day_bounds(day, tz)
    touches = starts_at <= bounds.ends_at and ends_at >= bounds.starts_at
    assert (window is not None) == touches
    if window is not None:
        assert window.starts_at == max(starts_at, bounds.starts_at)
        assert window.ends_at == min(ends_at, bounds.ends_at)
        assert window.starts_at <= window.ends_at


@given(tz=st.sampled_from(DST_FREE), day=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)))
def test_consecutive_local_days_meet_without_gap_or_overlap(tz, day):
    today, tomorrow = day_bounds(day, tz), day_bounds(day + timedelta(days=1), tz)
    assert tomorrow.starts_at - today.ends_at == timedelta(microseconds=1)
    assert today.ends_at - today.starts_at == timedelta(days=1, microseconds=-1)


AFTERNOON = Window(at(MONDAY, 14), at(MONDAY, 18))


def test_a_guest_not_yet_come_is_expected_until_the_window_ends_then_did_not_arrive():
    assert status(AFTERNOON, None, now=at(MONDAY, 9)) is Status.EXPECTED
    assert status(AFTERNOON, None, now=AFTERNOON.ends_at) is Status.EXPECTED
    assert status(AFTERNOON, None, now=AFTERNOON.ends_at + timedelta(seconds=1)) is Status.MISSED


def test_a_guest_inside_has_arrived_and_is_overdue_once_the_window_has_ended():
    inside = VisitTimes(at(MONDAY, 14, 5))
    assert status(AFTERNOON, inside, now=at(MONDAY, 15)) is Status.ARRIVED
    assert status(AFTERNOON, inside, now=AFTERNOON.ends_at + timedelta(seconds=1)) is Status.OVERDUE


def test_a_guest_who_went_out_has_left():
    assert status(AFTERNOON, VisitTimes(at(MONDAY, 14, 5), at(MONDAY, 16)), now=at(MONDAY, 17)) is Status.LEFT


def test_the_visit_that_counts_is_the_open_one_else_todays_latest_and_never_yesterdays():
    since = day_bounds(MONDAY, TZ).starts_at
    yesterday = VisitTimes(at(MONDAY - timedelta(days=1), 9), at(MONDAY - timedelta(days=1), 17))
    morning = VisitTimes(at(MONDAY, 8), at(MONDAY, 12))
    back = VisitTimes(at(MONDAY, 13))
    assert current_visit([yesterday], since=since) is None
    assert current_visit([yesterday, morning], since=since) == morning
    assert current_visit([back, morning, yesterday], since=since) == back
    still_in = VisitTimes(at(MONDAY - timedelta(days=1), 22))
    assert current_visit([still_in, morning], since=since) == still_in
