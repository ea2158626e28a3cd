"""Enrolment links: usable once, until their expiry instant and not at it."""

from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from app.domain.links import LinkState, link_state

EXPIRES = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
ISSUED = EXPIRES - timedelta(hours=72)
TICK = timedelta(microseconds=1)


def test_a_fresh_link_is_usable():
    assert link_state(found=True, used_at=None, expires_at=EXPIRES, now=ISSUED) is LinkState.USABLE


def test_a_link_is_usable_one_microsecond_before_it_expires():
    assert link_state(found=True, used_at=None, expires_at=EXPIRES, now=EXPIRES - TICK) is LinkState.USABLE


def test_a_link_has_expired_at_its_expiry_instant():
    assert link_state(found=True, used_at=None, expires_at=EXPIRES, now=EXPIRES) is LinkState.EXPIRED


def test_the_expiry_instant_is_the_same_in_any_time_zone():
    shanghai = timezone(timedelta(hours=8))
    assert link_state(found=True, used_at=None, expires_at=EXPIRES,
                      now=EXPIRES.astimezone(shanghai)) is LinkState.EXPIRED
    assert link_state(found=True, used_at=None, expires_at=EXPIRES,
                      now=(EXPIRES - TICK).astimezone(shanghai)) is LinkState.USABLE


def test_a_used_link_says_used_even_before_it_expires():
    assert link_state(found=True, used_at=ISSUED + TICK, expires_at=EXPIRES, now=ISSUED + TICK) is LinkState.USED


def test_a_used_and_expired_link_says_used():
    """"Already used" is the more helpful answer: the person may already hold a passkey."""
    assert link_state(found=True, used_at=ISSUED, expires_at=EXPIRES, now=EXPIRES + TICK) is LinkState.USED


def test_a_link_not_found_is_unknown_whatever_else_is_said():
    assert link_state(found=False, used_at=None, expires_at=EXPIRES, now=ISSUED) is LinkState.UNKNOWN
    assert link_state(found=True, used_at=None, expires_at=None, now=ISSUED) is LinkState.UNKNOWN


instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(timezone.utc)
)


@given(expires_at=instants, now=instants)
def test_an_unused_link_is_usable_exactly_while_now_is_before_its_expiry(expires_at, now):
    state = link_state(found=True, used_at=None, expires_at=expires_at, now=now)
    assert state is (LinkState.USABLE if now < expires_at else LinkState.EXPIRED)


@given(expires_at=instants, now=instants, used_at=instants)
def test_a_used_link_is_never_usable_again(expires_at, now, used_at):
    assert link_state(found=True, used_at=used_at, expires_at=expires_at, now=now) is LinkState.USED
