"""Working days of an estate's calendar: weekends off, the admin's holidays off, and weekend
days worked in their place; notice counted in working days."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from app.domain.calendar import Calendar, parse_day

NATIONAL_DAY = frozenset(date(2026, 10, d) for d in range(1, 8))  # 1-7 October off
MADE_UP = frozenset({date(2026, 9, 27), date(2026, 10, 10)})      # Sunday and Saturday worked
GOLDEN_WEEK = Calendar(holidays=NATIONAL_DAY, workdays=MADE_UP)

days = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
holiday_sets = st.frozensets(st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)), max_size=40)


def test_weekdays_work_and_weekends_rest_without_marks():
    plain = Calendar()
    assert plain.is_working(date(2026, 12, 7))  # Monday
    assert not plain.is_working(date(2026, 12, 12))  # Saturday


def test_holidays_rest_and_made_up_weekend_days_work():
    assert not GOLDEN_WEEK.is_working(date(2026, 10, 5))  # a Monday in the holiday
    assert GOLDEN_WEEK.is_working(date(2026, 10, 10))  # a Saturday worked
    assert GOLDEN_WEEK.is_working(date(2026, 9, 27))


def test_three_working_days_after_a_monday_is_thursday():
    assert Calendar().add_working_days(date(2026, 12, 7), 3) == date(2026, 12, 10)


def test_three_working_days_after_a_friday_is_the_next_wednesday():
    assert Calendar().add_working_days(date(2026, 12, 11), 3) == date(2026, 12, 16)


def test_notice_given_before_the_golden_week_counts_no_holiday_and_the_worked_saturday():
    # Tuesday 29 September: 30 Sept (1), then 1-7 October off, 8 Oct (2), 9 Oct (3).
    assert GOLDEN_WEEK.add_working_days(date(2026, 9, 29), 3) == date(2026, 10, 9)
    assert GOLDEN_WEEK.add_working_days(date(2026, 9, 29), 4) == date(2026, 10, 10)  # the worked Saturday


def test_parse_day_reads_iso_dates_only():
    assert parse_day("2026-10-01") == date(2026, 10, 1)
    assert parse_day("1/10/2026") is None
    assert parse_day("") is None


@given(days, st.integers(min_value=0, max_value=40), holiday_sets, holiday_sets)
def test_the_nth_working_day_after_is_working_and_exactly_n_working_days_away(day, n, holidays, workdays):
    calendar = Calendar(holidays=holidays, workdays=workdays)
    found = calendar.add_working_days(day, n)
    assert calendar.working_days_between(day, found) == n
    if n:
        assert calendar.is_working(found) and found > day
        # no earlier day is already n working days away
        assert calendar.working_days_between(day, found - timedelta(days=1)) == n - 1
    else:
        assert found == day


@given(days, st.integers(min_value=1, max_value=30), st.integers(min_value=0, max_value=30), holiday_sets)
def test_adding_working_days_in_two_steps_is_adding_them_at_once(day, a, b, holidays):
    calendar = Calendar(holidays=holidays)
    assert calendar.add_working_days(calendar.add_working_days(day, a), b) == calendar.add_working_days(day, a + b)


@given(days, days, holiday_sets)
def test_working_days_between_counts_exactly_the_working_days_in_the_range(start, end, holidays):
    calendar = Calendar(holidays=holidays)
    expected = sum(1 for k in range(1, (end - start).days + 1) if calendar.is_working(start + timedelta(days=k)))
    assert calendar.working_days_between(start, end) == max(expected, 0)


@given(days, holiday_sets)
def test_a_holiday_never_counts_and_a_worked_weekend_day_always_does(day, holidays):
    calendar = Calendar(holidays=holidays | {day}, workdays=frozenset())
    assert not calendar.is_working(day)
    assert Calendar(holidays=holidays, workdays=frozenset({day})).is_working(day)
