"""Pass verdicts: one test per reason, exact window edges, recurring windows."""

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from app.domain.passes import PassFacts, Reason, Recurrence, Window, check, facts_from_record

SHANGHAI = ZoneInfo("Asia/Shanghai")
AFTERNOON = Window(datetime(2026, 11, 23, 14, 0, tzinfo=SHANGHAI), datetime(2026, 11, 23, 18, 0, tzinfo=SHANGHAI))
DURING = datetime(2026, 11, 23, 15, 0, tzinfo=SHANGHAI)
WEEKDAY_HELP = Recurrence(
    weekdays=frozenset(range(5)), daily_start=time(8), daily_end=time(18),
    first_day=date(2026, 11, 23), last_day=date(2027, 2, 23), timezone="Asia/Shanghai",
)


def test_an_unknown_code_is_refused_as_unknown():
    assert check(None, now=DURING).code == "unknown"


def test_a_revoked_pass_is_refused_even_inside_its_window():
    assert check(PassFacts(window=AFTERNOON, revoked=True), now=DURING).reason is Reason.REVOKED


def test_a_watchlisted_visitor_is_refused_with_a_valid_pass():
    assert check(PassFacts(window=AFTERNOON), now=DURING, watchlisted=True).reason is Reason.WATCHLIST


def test_a_pass_is_not_yet_valid_before_its_window():
    verdict = check(PassFacts(window=AFTERNOON), now=AFTERNOON.starts_at - timedelta(seconds=1))
    assert verdict.reason is Reason.NOT_YET_VALID and verdict.next_window == AFTERNOON


def test_a_pass_valid_until_18_00_admits_at_18_00_00_and_refuses_at_18_00_01():
    assert check(PassFacts(window=AFTERNOON), now=AFTERNOON.ends_at).admits
    assert check(PassFacts(window=AFTERNOON), now=AFTERNOON.ends_at + timedelta(seconds=1)).reason is Reason.EXPIRED


def test_a_single_entry_pass_is_used_up_after_one_entry():
    verdict = check(PassFacts(window=AFTERNOON, max_entries=1, entries=1), now=DURING)
    assert verdict.reason is Reason.USED_UP and verdict.entries_left == 0


def test_a_visitor_already_inside_is_told_so_rather_than_used_up():
    verdict = check(PassFacts(window=AFTERNOON, max_entries=1, entries=1, inside=True), now=DURING)
    assert verdict.reason is Reason.ALREADY_INSIDE


def test_a_valid_pass_says_how_many_entries_are_left():
    verdict = check(PassFacts(window=AFTERNOON, max_entries=3, entries=1), now=DURING)
    assert verdict.admits and verdict.entries_left == 2
    assert check(PassFacts(window=AFTERNOON, max_entries=None, entries=40), now=DURING).entries_left is None


def test_domestic_help_is_admitted_on_a_weekday_morning_and_not_at_night_or_at_the_weekend():
    facts = PassFacts(recurrence=WEEKDAY_HELP, max_entries=None)
    assert check(facts, now=datetime(2026, 11, 24, 8, 0, tzinfo=SHANGHAI)).admits
    night = check(facts, now=datetime(2026, 11, 24, 18, 0, 1, tzinfo=SHANGHAI))
    assert night.reason is Reason.OUTSIDE_HOURS
    assert night.next_window.starts_at == datetime(2026, 11, 25, 8, 0, tzinfo=SHANGHAI)
    saturday = check(facts, now=datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI))
    assert saturday.reason is Reason.OUTSIDE_HOURS
    assert saturday.next_window.starts_at.date() == date(2026, 11, 30)


def test_recurring_pass_is_not_yet_valid_before_its_first_day_and_expired_after_its_last():
    facts = PassFacts(recurrence=WEEKDAY_HELP, max_entries=None)
    assert check(facts, now=datetime(2026, 11, 22, 9, tzinfo=SHANGHAI)).reason is Reason.NOT_YET_VALID
    assert check(facts, now=datetime(2027, 2, 23, 18, 0, 1, tzinfo=SHANGHAI)).reason is Reason.EXPIRED
    assert check(facts, now=datetime(2027, 2, 23, 18, 0, 0, tzinfo=SHANGHAI)).admits


instants = st.datetimes(
    min_value=datetime(2026, 11, 1), max_value=datetime(2027, 3, 31), timezones=st.just(timezone.utc)
)


@given(instants)
def test_a_recurring_pass_admits_exactly_inside_a_weekday_window_in_shanghai(now):
    local = now.astimezone(SHANGHAI)
    inside = (
        local.weekday() < 5
        and date(2026, 11, 23) <= local.date() <= date(2027, 2, 23)
        and time(8) <= local.time().replace(tzinfo=None) <= time(18)
    )
    assert check(PassFacts(recurrence=WEEKDAY_HELP, max_entries=None), now=now).admits == inside


@given(instants, st.integers(min_value=0, max_value=48 * 3600))
def test_a_single_window_admits_exactly_between_its_ends_inclusive(start, length):
    window = Window(start, start + timedelta(seconds=length))
    for offset in (-1, 0, length // 2, length, length + 1):
        now = start + timedelta(seconds=offset)
        assert check(PassFacts(window=window), now=now).admits == (0 <= offset <= length)


@given(instants)
def test_no_refusal_ever_says_valid(now):
    for facts in (PassFacts(window=AFTERNOON, revoked=True), PassFacts(window=AFTERNOON, entries=1)):
        verdict = check(facts, now=now)
        assert verdict.admits == (verdict.reason is Reason.VALID)


def test_a_stored_one_off_pass_reads_back_as_its_window():
    row = {"starts_at": AFTERNOON.starts_at, "ends_at": AFTERNOON.ends_at, "weekdays": "", "max_entries": 1,
           "entries": 1, "inside": False, "revoked_at": None}
    facts = facts_from_record(row, "Asia/Shanghai")
    assert facts.window == AFTERNOON and facts.recurrence is None
    assert check(facts, now=DURING).reason is Reason.USED_UP


def test_a_stored_recurring_pass_reads_its_days_in_the_estates_time_zone():
    # Stored in UTC: 2026-11-23 00:00 Shanghai is 2026-11-22 16:00 UTC, still the 23rd locally.
    row = {"starts_at": datetime(2026, 11, 22, 16, 0, tzinfo=timezone.utc),
           "ends_at": datetime(2027, 2, 23, 15, 59, 59, tzinfo=timezone.utc),
           "weekdays": "0,1,2,3,4", "daily_start": "08:00", "daily_end": "18:00",
           "max_entries": None, "entries": 40, "inside": False, "revoked_at": datetime(2026, 12, 1, tzinfo=timezone.utc)}
    facts = facts_from_record(row, "Asia/Shanghai")
    assert facts.recurrence == WEEKDAY_HELP
    assert facts.revoked and facts.max_entries is None


# From the second day on: before the very first window the verdict is "not yet valid".
@given(st.integers(min_value=1, max_value=7), st.integers(min_value=0, max_value=23 * 60 + 59))
def test_a_recurring_pass_admits_exactly_on_its_weekdays_and_hours(day_offset, minute):
    now = datetime.combine(date(2026, 11, 23) + timedelta(days=day_offset), time(minute // 60, minute % 60),
                           tzinfo=SHANGHAI)
    verdict = check(PassFacts(recurrence=WEEKDAY_HELP, max_entries=None), now=now)
    expected = now.weekday() < 5 and time(8) <= now.time() <= time(18)
    assert verdict.admits is expected
    if not expected:
        assert verdict.reason is Reason.OUTSIDE_HOURS
