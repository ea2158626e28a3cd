"""Lost and found: match scoring (same kind required; place, time and words raise it), the
suggestions' order, disposal after the estate's period, a record's moves and its problems."""

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, strategies as st

from app.domain import lostfound as rules
from app.domain.lostfound import Item, Side, State

LOST_AT = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)


def lost(**changes) -> Item:
    fields = dict(side=Side.LOST, category="keys", place="Building 5 lobby", at=LOST_AT,
                  description="Three keys on a red ring")
    return Item(**{**fields, **changes})


def found(**changes) -> Item:
    fields = dict(side=Side.FOUND, category="keys", place="Building 5 lobby", at=LOST_AT + timedelta(hours=2),
                  description="Keys on a red ring")
    return Item(**{**fields, **changes})


def test_another_kind_of_item_is_never_a_match():
    assert rules.score(lost(), found(category="wallet")) == 0


def test_the_same_item_in_the_same_place_found_soon_after_scores_high():
    assert rules.score(lost(), found()) >= 90


def test_a_nearer_place_scores_higher():
    assert rules.score(lost(), found()) > rules.score(lost(), found(place="Building 5 car park")) \
        > rules.score(lost(), found(place="North gate"))


def test_found_sooner_scores_higher():
    assert rules.score(lost(), found(at=LOST_AT + timedelta(hours=1))) > \
        rules.score(lost(), found(at=LOST_AT + timedelta(days=5)))


def test_shared_words_in_the_description_score_higher():
    assert rules.score(lost(), found()) > rules.score(lost(), found(description="A bunch of keys"))


def test_chinese_descriptions_and_places_compare_character_by_character():
    assert rules.score(lost(place="5號樓大堂", description="紅色鑰匙扣"), found(place="5號樓大堂", description="紅色鑰匙")) >= 90


def test_a_find_long_after_the_loss_is_not_suggested():
    assert rules.score(lost(), found(at=LOST_AT + rules.LOOK_BACK + timedelta(hours=1))) == 0


def test_a_find_well_before_the_loss_is_not_suggested():
    assert rules.score(lost(), found(at=LOST_AT - rules.REPORTED_LATE - timedelta(hours=1))) == 0


def test_a_loss_reported_a_little_after_the_find_is_still_suggested():
    assert rules.score(lost(), found(at=LOST_AT - timedelta(hours=3))) >= rules.MIN_SCORE


@given(st.timedeltas(min_value=timedelta(days=-5), max_value=timedelta(days=20)),
       st.sampled_from(["Building 5 lobby", "North gate", "", "5號樓"]), st.text(max_size=40))
def test_a_score_is_between_0_and_100(gap, place, description):
    points = rules.score(lost(), found(at=LOST_AT + gap, place=place, description=description))
    assert 0 <= points <= 100


def test_suggestions_are_the_likely_ones_of_the_other_side_likeliest_first():
    others = [("far", found(place="North gate", description="keys")), ("near", found()),
              ("wallet", found(category="wallet")), ("another lost", lost())]
    assert [key for key, _ in rules.likely(lost(), others)] == ["near", "far"]


def test_suggestions_work_from_the_found_side_too():
    assert [key for key, _ in rules.likely(found(), [("mine", lost())])] == ["mine"]


def test_a_found_item_is_due_for_disposal_after_the_estates_period():
    found_at = LOST_AT
    assert not rules.disposal_due("open", found_at, found_at + timedelta(days=90) - timedelta(seconds=1))
    assert rules.disposal_due("open", found_at, found_at + timedelta(days=90))
    assert rules.disposal_due("open", found_at, found_at + timedelta(days=30), days=30)


@pytest.mark.parametrize("state", ["matched", "returned", "disposed"])
def test_only_an_open_found_item_is_due_for_disposal(state):
    assert not rules.disposal_due(state, LOST_AT, LOST_AT + timedelta(days=365))


@pytest.mark.parametrize("current,target,allowed", [
    ("open", State.MATCHED, True), ("open", State.DISPOSED, True), ("matched", State.RETURNED, True),
    ("matched", State.OPEN, True), ("open", State.RETURNED, False), ("returned", State.OPEN, False),
    ("disposed", State.MATCHED, False), ("matched", State.DISPOSED, False), ("nonsense", State.OPEN, False),
])
def test_record_moves(current, target, allowed):
    assert rules.can_move(current, target) is allowed


def test_a_record_says_what_where_and_when():
    problems = rules.check_record("found", "", "", "", None, LOST_AT)
    assert problems == {"category": "category_missing", "description": "description_missing",
                        "place": "place_missing", "when": "when_missing"}


def test_a_record_cannot_be_in_the_future():
    assert rules.check_record("found", "bag", "Black bag", "Gym", LOST_AT + timedelta(hours=1), LOST_AT) == \
        {"when": "when_in_future"}


def test_a_visitors_lost_report_needs_a_contact_but_a_residents_does_not():
    assert rules.check_record("lost", "bag", "Black bag", "Gym", LOST_AT, LOST_AT) == {"contact": "contact_missing"}
    assert rules.check_record("lost", "bag", "Black bag", "Gym", LOST_AT, LOST_AT, has_reporter=True) == {}
