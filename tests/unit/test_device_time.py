"""When a guard's action happened, from the phone's two times and the server's arrival time."""

from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from app.domain.device_time import SKEW_LIMIT, TRIP_ALLOWANCE, believe

ARRIVED = datetime(2026, 12, 6, 19, 3, tzinfo=timezone.utc)


def test_an_action_sent_at_once_from_a_right_clock_happened_when_the_phone_says():
    timing = believe(ARRIVED - timedelta(seconds=1), ARRIVED - timedelta(seconds=1), ARRIVED)
    assert timing.happened_at == ARRIVED - timedelta(seconds=1)
    assert timing.clock_offset == timedelta(0)
    assert not timing.skewed


def test_an_action_kept_for_two_hours_keeps_the_time_it_was_taken():
    taken = ARRIVED - timedelta(hours=2)
    timing = believe(taken, ARRIVED, ARRIVED)
    assert timing.happened_at == taken
    assert not timing.skewed


def test_a_phone_clock_an_hour_behind_is_corrected_and_flagged():
    # Taken 10 minutes before it arrived, on a phone whose clock reads an hour early.
    error = timedelta(hours=-1)
    timing = believe(ARRIVED - timedelta(minutes=10) + error, ARRIVED + error, ARRIVED)
    assert timing.happened_at == ARRIVED - timedelta(minutes=10)
    assert timing.offset_seconds == -3600
    assert timing.skewed


def test_an_action_cannot_have_happened_after_it_arrived():
    # A phone that says it acted in the future, with no sent time to measure its clock by.
    timing = believe(ARRIVED + timedelta(minutes=30), None, ARRIVED)
    assert timing.happened_at == ARRIVED
    assert timing.skewed


def test_two_minutes_off_is_within_the_limit_and_three_is_not():
    assert not believe(ARRIVED, ARRIVED + SKEW_LIMIT, ARRIVED).skewed
    assert believe(ARRIVED, ARRIVED + timedelta(minutes=3), ARRIVED).skewed


def test_without_any_phone_time_the_arrival_is_the_moment():
    timing = believe(None, None, ARRIVED)
    assert timing.happened_at == ARRIVED and timing.clock_offset is None and not timing.skewed


@given(
    error=st.integers(min_value=-86400, max_value=86400),
    waited=st.integers(min_value=0, max_value=14 * 86400),
    trip=st.integers(min_value=0, max_value=4),
)
def test_the_believed_moment_undoes_any_clock_error_and_never_passes_the_arrival(error, waited, trip):
    sent = ARRIVED - timedelta(seconds=trip)
    taken = sent - timedelta(seconds=waited)
    shift = timedelta(seconds=error)
    timing = believe(taken + shift, sent + shift, ARRIVED)
    assert timing.happened_at <= ARRIVED
    # Exact but for an error under the trip allowance (not corrected: it may be the trip) and the
    # trip itself.
    assert abs(timing.happened_at - taken) <= TRIP_ALLOWANCE + timedelta(seconds=trip)
    assert timing.skewed == (abs(shift - timedelta(seconds=trip)) > SKEW_LIMIT)
