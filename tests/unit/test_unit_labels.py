"""Unit labels: building-entrance-room, as written on doors and in the property's books."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.units import UnitLabel, parse_unit_label


def test_a_label_names_building_entrance_and_room():
    assert parse_unit_label("5-2-1301") == UnitLabel("5", "2", "1301")


def test_spaces_around_a_label_are_ignored_and_letters_are_upper_cased():
    assert parse_unit_label("  12a-b-0901 ") == UnitLabel("12A", "B", "0901")
    assert str(parse_unit_label("12a-b-0901")) == "12A-B-0901"


@pytest.mark.parametrize(
    "text",
    ["", "   ", "5-1301", "5-2-13-01", "5--1301", "5 2 1301", "5-2-1301室", "５-２-１３０１",
     "123456789-1-1", "1-12345-1", "1-1-123456789", "5/2/1301", None],
)
def test_what_is_not_a_label_is_none(text):
    assert parse_unit_label(text) is None


label_part = st.text(alphabet="0123456789ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=1, max_size=4)


@given(building=label_part, entrance=label_part, room=label_part)
def test_a_label_reads_back_as_itself(building, entrance, room):
    label = UnitLabel(building, entrance, room)
    assert parse_unit_label(str(label)) == label
    assert parse_unit_label(str(label).lower()) == label
