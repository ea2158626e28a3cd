"""Which kinds a device is woken for, and which ask a decision."""

from app.domain.notifications import ACTIONS, ALWAYS_PUSHED, Kind, parse_kinds, wants_push


def test_an_empty_choice_means_every_kind_and_unknown_names_are_ignored():
    assert parse_kinds("") == frozenset(Kind)
    assert parse_kinds("visitor_arrived,nonsense") == {Kind.VISITOR_ARRIVED}


def test_decisions_someone_waits_for_are_pushed_whatever_was_chosen():
    chosen = parse_kinds("visitor_left")
    assert wants_push(chosen, Kind.CONSENT_REQUEST)
    assert wants_push(chosen, Kind.VISITOR_LEFT)
    assert not wants_push(chosen, Kind.VISITOR_ARRIVED)


def test_every_kind_that_asks_a_decision_is_always_pushed():
    assert set(ACTIONS) <= ALWAYS_PUSHED
    assert ACTIONS[Kind.CONSENT_REQUEST] == ("approve", "refuse")
