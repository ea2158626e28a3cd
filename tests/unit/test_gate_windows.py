"""The window a visitor is admitted under, whose end makes them overdue on "on site now"."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from app.domain.passes import PassFacts, Recurrence, Window, window_at

TZ = ZoneInfo("Asia/Shanghai")
WINDOW = Window(datetime(2030, 5, 1, 9, 0, tzinfo=TZ), datetime(2030, 5, 1, 18, 0, tzinfo=TZ))
WEEKDAYS = Recurrence(frozenset({0, 1, 2, 3, 4}), time(8, 0), time(18, 0), date(2030, 5, 1), date(2030, 7, 31),
                      "Asia/Shanghai")


def test_a_one_off_pass_is_admitted_under_its_window_up_to_the_last_second():
    facts = PassFacts(window=WINDOW)
    assert window_at(facts, WINDOW.ends_at) == WINDOW
    assert window_at(facts, WINDOW.starts_at) == WINDOW
    assert window_at(facts, WINDOW.ends_at + timedelta(seconds=1)) is None
    assert window_at(facts, WINDOW.starts_at - timedelta(seconds=1)) is None


def test_a_recurring_pass_is_admitted_under_todays_hours():
    facts = PassFacts(recurrence=WEEKDAYS, max_entries=None)
    wednesday = datetime(2030, 5, 8, 12, 0, tzinfo=TZ)
    assert window_at(facts, wednesday) == Window(datetime(2030, 5, 8, 8, 0, tzinfo=TZ), datetime(2030, 5, 8, 18, 0, tzinfo=TZ))
    assert window_at(facts, datetime(2030, 5, 11, 12, 0, tzinfo=TZ)) is None  # Saturday
    assert window_at(facts, datetime(2030, 5, 8, 18, 0, 1, tzinfo=TZ)) is None


@given(st.datetimes(min_value=datetime(2030, 4, 1), max_value=datetime(2030, 9, 1), timezones=st.just(TZ)))
def test_a_window_is_given_exactly_when_the_pass_is_within_its_hours(now):
    facts = PassFacts(recurrence=WEEKDAYS, max_entries=None)
    found = window_at(facts, now)
    local = now.astimezone(TZ)
    within = (local.weekday() < 5 and date(2030, 5, 1) <= local.date() <= date(2030, 7, 31)
              and time(8, 0) <= local.time() <= time(18, 0))
    assert (found is not None) == within
    if found is not None:
        assert found.starts_at <= now <= found.ends_at
