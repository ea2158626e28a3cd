"""Residents' requests: every move allowed and refused, the follow-up deadline, what a new
request must say, and the one-tap answers from the notification."""

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, strategies as st

from app.domain import requests as rules
from app.domain.requests import Satisfaction, State

DONE_AT = datetime(2026, 12, 1, 9, 30, tzinfo=timezone.utc)

ALLOWED = [
    (State.NEW, State.ASSIGNED), (State.NEW, State.DONE), (State.ASSIGNED, State.ASSIGNED),
    (State.ASSIGNED, State.IN_PROGRESS), (State.ASSIGNED, State.DONE), (State.IN_PROGRESS, State.DONE),
    (State.DONE, State.FOLLOWED_UP),
]


@pytest.mark.parametrize("current,target", ALLOWED)
def test_each_allowed_move(current, target):
    assert rules.can_move(current.value, target)


@pytest.mark.parametrize("current,target", [
    (c, t) for c in State for t in State if (c, t) not in ALLOWED
])
def test_every_other_move_is_refused(current, target):
    assert not rules.can_move(current.value, target)


def test_an_unknown_state_moves_nowhere():
    assert not rules.can_move("lost", State.DONE)


def test_a_request_done_less_than_three_days_ago_is_not_overdue():
    assert not rules.follow_up_overdue("done", DONE_AT, DONE_AT + timedelta(days=3) - timedelta(seconds=1))


def test_a_request_done_three_days_ago_and_not_followed_up_is_overdue():
    assert rules.follow_up_overdue("done", DONE_AT, DONE_AT + timedelta(days=3))


@pytest.mark.parametrize("state", ["new", "assigned", "in_progress", "followed_up"])
def test_only_a_done_request_can_be_overdue(state):
    assert not rules.follow_up_overdue(state, DONE_AT, DONE_AT + timedelta(days=30))


def test_a_done_request_without_a_done_time_is_not_overdue():
    assert not rules.follow_up_overdue("done", None, DONE_AT)


@given(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=60)))
def test_the_query_bound_agrees_with_the_rule(elapsed):
    now = DONE_AT + elapsed
    assert rules.follow_up_overdue("done", DONE_AT, now) == (DONE_AT <= rules.overdue_since(now))


def test_a_new_request_needs_a_kind_and_some_text():
    problems = rules.check_new("", "  ", 0)
    assert {(p.field, p.code) for p in problems} == {("kind", "kind_missing"), ("text", "text_missing")}


def test_a_request_text_has_a_limit():
    assert [p.code for p in rules.check_new("repair", "x" * (rules.MAX_TEXT + 1), 0)] == ["text_too_long"]


def test_at_most_three_photos():
    assert [p.code for p in rules.check_new("repair", "Leak", 4)] == ["too_many_photos"]
    assert rules.check_new("visitor_complaint", "The guard was rude", 3) == []


def test_one_tap_answers_say_resolved_and_how_satisfied():
    assert rules.answer_of("satisfied") == (True, Satisfaction.SATISFIED)
    assert rules.answer_of("not_resolved") == (False, Satisfaction.DISSATISFIED)
    assert rules.answer_of("approve") is None
