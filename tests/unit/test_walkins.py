"""The walk-in state machine: every allowed move, and every other move refused."""

from datetime import datetime, timedelta, timezone

import pytest

from app.domain import walkins as w
from app.domain.walkins import EscortState, Kind, State

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=timezone.utc)

ALLOWED = {
    (Kind.WALK_IN, State.WAITING, State.APPROVED),
    (Kind.WALK_IN, State.WAITING, State.REFUSED),
    (Kind.WALK_IN, State.WAITING, State.UNREACHABLE),
    (Kind.WALK_IN, State.APPROVED, State.ADMITTED),
    (Kind.WALK_IN, State.APPROVED, State.LEFT),
    (Kind.WALK_IN, State.UNREACHABLE, State.ESCALATED),
    (Kind.WALK_IN, State.ESCALATED, State.ADMITTED),
    (Kind.WALK_IN, State.ESCALATED, State.TURNED_AWAY),
    (Kind.WALK_IN, State.ADMITTED, State.COMPLETED),
    (Kind.EMERGENCY, State.OPEN, State.COMPLETED),
}

EVERY_MOVE = [(k, a, b) for k in Kind for a in State for b in State]


@pytest.mark.parametrize("kind,current,target", sorted(ALLOWED), ids=lambda v: v.value)
def test_each_listed_move_is_allowed(kind, current, target):
    assert w.allowed(kind, current, target)
    assert w.allowed(kind.value, current.value, target.value)  # as stored, plain strings


@pytest.mark.parametrize("kind,current,target", [m for m in EVERY_MOVE if m not in ALLOWED],
                         ids=lambda v: v.value)
def test_every_other_move_is_refused(kind, current, target):
    assert not w.allowed(kind, current, target)


def test_the_first_answer_decides_so_a_decided_walk_in_takes_no_second_answer():
    for decided in (State.APPROVED, State.REFUSED, State.UNREACHABLE):
        assert not w.allowed(Kind.WALK_IN, decided, State.APPROVED)
        assert not w.allowed(Kind.WALK_IN, decided, State.REFUSED)


def test_refusals_are_final_from_the_start():
    for kind in (Kind.REFUSED_TO_REGISTER, Kind.PROHIBITED_ITEMS):
        assert w.initial_state(kind) is State.RECORDED
        assert not any(w.allowed(kind, State.RECORDED, s) for s in State)


def test_a_visitor_who_left_without_coming_in_is_settled():
    assert w.is_open(Kind.WALK_IN, State.APPROVED)
    assert not w.is_open(Kind.WALK_IN, State.LEFT)
    assert not any(w.allowed(Kind.WALK_IN, State.LEFT, s) for s in State)


def test_initial_states():
    assert w.initial_state("walk_in") is State.WAITING
    assert w.initial_state(Kind.EMERGENCY) is State.OPEN


def test_unknown_kinds_and_states_are_refused_not_raised():
    assert not w.allowed("parcel", "waiting", "approved")
    assert not w.allowed("walk_in", "lost", "approved")
    assert not w.is_open("parcel", "waiting")


def test_open_registrations_stay_on_the_lists_until_settled():
    assert {s for s in State if w.is_open(Kind.WALK_IN, s)} == {
        State.WAITING, State.APPROVED, State.UNREACHABLE, State.ESCALATED}
    assert {s for s in State if w.is_open(Kind.EMERGENCY, s)} == {State.OPEN}
    assert not any(w.is_open(Kind.PROHIBITED_ITEMS, s) for s in State)


def test_only_states_someone_else_moves_on_are_polled():
    assert {s for s in State if w.polls(s)} == {State.WAITING, State.ESCALATED}


ESCORT_ALLOWED = {
    (EscortState.OPEN, EscortState.ACKNOWLEDGED),
    (EscortState.OPEN, EscortState.DONE),
    (EscortState.ACKNOWLEDGED, EscortState.DONE),
}


@pytest.mark.parametrize("current,target", [(a, b) for a in EscortState for b in EscortState],
                         ids=lambda v: v.value)
def test_escort_moves(current, target):
    assert w.escort_allowed(current, target) == ((current, target) in ESCORT_ALLOWED)


def test_escort_sources():
    assert w.escort_sources(EscortState.DONE) == {EscortState.OPEN, EscortState.ACKNOWLEDGED}
    assert w.escort_sources(EscortState.ACKNOWLEDGED) == {EscortState.OPEN}
    assert not w.escort_allowed("done", "lost")


def test_consent_deadline_and_timeout_edges():
    deadline = w.consent_deadline(NOW, 180)
    assert deadline == NOW + timedelta(seconds=180)
    assert not w.timed_out(State.WAITING, deadline, deadline)  # exactly at the deadline: still in time
    assert w.timed_out(State.WAITING, deadline, deadline + timedelta(microseconds=1))
    assert not w.timed_out(State.APPROVED, deadline, deadline + timedelta(hours=1))
    assert not w.timed_out(State.WAITING, None, NOW)


@pytest.mark.parametrize("seconds,ok", [(4, False), (5, True), (180, True), (1800, True), (1801, False), (0, False)])
def test_consent_timeout_bounds(seconds, ok):
    assert w.valid_consent_timeout(seconds) is ok


# What the guard typed -------------------------------------------------------------------------

WALK_IN = {"name": " Zhang Wei ", "gender": "male", "id_type": "resident_id", "id_number": "110105199003071234",
           "phone": "+86 139-1234-5678", "unit": "5-2-1301", "purpose": "delivery", "party_size": "2",
           "vehicle_plate": "沪a12345"}


def test_a_complete_walk_in_is_cleaned_and_normalised():
    values, problems = w.clean_facts(Kind.WALK_IN, WALK_IN)
    assert problems == {}
    assert values["name"] == "Zhang Wei" and values["phone"] == "13912345678"
    assert values["party_size"] == 2 and values["vehicle_plate"] == "沪A12345"


def test_a_walk_in_needs_everything_the_household_and_the_record_need():
    _, problems = w.clean_facts(Kind.WALK_IN, {})
    assert problems == {"name": "name_required", "gender": "gender_required", "id_type": "id_type_required",
                        "id_number": "id_number_required", "phone": "phone_required",
                        "purpose": "purpose_required", "unit": "unit_required"}


def test_an_emergency_needs_only_name_relation_and_unit():
    _, problems = w.clean_facts(Kind.EMERGENCY, {})
    assert problems == {"name": "name_required", "relation": "relation_required", "unit": "unit_required"}
    values, problems = w.clean_facts(Kind.EMERGENCY, {"name": "Lin", "relation": "doctor", "unit": "5-2-1301",
                                                      "gender": "robot", "purpose": "party"})
    assert problems == {} and values["gender"] == "" and values["purpose"] == ""


def test_refusals_need_little():
    assert w.clean_facts(Kind.REFUSED_TO_REGISTER, {})[1] == {}
    assert w.clean_facts(Kind.PROHIBITED_ITEMS, {})[1] == {"items": "items_required"}
    assert w.clean_facts(Kind.PROHIBITED_ITEMS, {"items": "Petrol"})[1] == {}


@pytest.mark.parametrize("party,ok", [("1", True), ("50", True), ("0", False), ("51", False), ("two", False),
                                      ("", True)])
def test_party_size(party, ok):
    values, problems = w.clean_facts(Kind.REFUSED_TO_REGISTER, {"party_size": party})
    assert ("party_size" not in problems) is ok


@pytest.mark.parametrize("phone,code", [("1234", "phone_invalid"), ("12345", None), ("1" * 21, "phone_invalid")])
def test_phone_length(phone, code):
    assert w.clean_facts(Kind.REFUSED_TO_REGISTER, {"phone": phone})[1].get("phone") == code


def test_over_long_fields_are_refused():
    for key, length in w.LENGTHS.items():
        assert w.clean_facts(Kind.REFUSED_TO_REGISTER, {key: "x" * (length + 1)})[1].get(key) == "too_long"
        assert key not in w.clean_facts(Kind.REFUSED_TO_REGISTER, {key: "x" * length})[1]
