"""The shared reading of what comes in (app/domain/inputs.py) and the request layer's form and
JSON checks (app/routes/input.py): control characters, days and whole numbers in range."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain import inputs
from app.routes.input import CheckedForm, checked_form, json_depth
from app.services.errors import Invalid


def test_nul_and_other_control_characters_are_found_but_tab_and_line_ends_are_text():
    assert inputs.control_characters("Ann\x00e") and inputs.control_characters("\x1b[2J") and inputs.control_characters("\x85")
    assert not inputs.control_characters("two\nlines\r\n\twith a tab")
    assert inputs.stripped("Ann\x00e\n") == "Anne\n"
    assert inputs.stripped("a\tb\nc", lines=False) == "abc"


@given(st.text())
def test_what_is_stripped_has_no_control_character_left(text):
    assert not inputs.control_characters(inputs.stripped(text))
    assert inputs.stripped(inputs.stripped(text)) == inputs.stripped(text)


def test_a_query_value_is_one_line_and_not_endless():
    assert inputs.query_value("Wang\x00\n") == "Wang"
    assert len(inputs.query_value("x" * 5000)) == inputs.MAX_QUERY_VALUE


@pytest.mark.parametrize("text", ["0001-01-01", "9999-12-31", "2024-02-30", "２０２４-01-01", "20240101", "", None,
                                  "2024-1-1 ", "-001-01-01"])
def test_days_outside_the_calendar_python_can_work_with_or_badly_written_are_none(text):
    assert inputs.day(text) is None


def test_a_day_is_read_within_its_range():
    assert inputs.day(" 2026-12-07 ") == date(2026, 12, 7)
    assert inputs.day("2026-12-07", earliest=date(2027, 1, 1)) is None
    assert inputs.day("2026-12-07", latest=date(2026, 12, 6)) is None
    today = date(2026, 12, 7)
    earliest, latest = inputs.days_around(today, back=1, ahead=366)
    assert inputs.day_between(date(2, 1, 1), earliest, latest) == "early"
    assert inputs.day_between(date(9998, 1, 1), earliest, latest) == "late"
    assert inputs.day_between(today, earliest, latest) is None
    assert inputs.clamp_day(date(2, 1, 1), earliest, latest) == earliest
    assert inputs.clamp_day(None, earliest, latest) is None


@given(st.dates(min_value=inputs.EARLIEST_DAY, max_value=inputs.LATEST_DAY))
def test_every_day_read_can_have_a_year_added_or_taken(day):
    found = inputs.day(day.isoformat())
    assert found == day
    assert found + timedelta(days=366) and found - timedelta(days=366)


@pytest.mark.parametrize("text,expected", [("1", 1), (" 20 ", 20), ("0", None), ("21", None), ("²", None),
                                           ("١٢", None), ("1_0", None), ("-1", None), ("1e3", None),
                                           ("9" * 40, None), ("", None)])
def test_whole_numbers_are_ascii_digits_within_the_range(text, expected):
    assert inputs.whole_number(text, 1, 20) == expected


def test_a_form_field_with_a_control_character_is_refused_when_read_and_kept_without_it():
    form = checked_form({"guest_name": "Zhang\x00 Wei", "note": "line one\r\nline two", "days": ["1", "2\x07"]})
    assert isinstance(form, CheckedForm) and form.refused == {"guest_name", "days"}
    assert dict(form) == {"guest_name": "Zhang Wei", "note": "line one\r\nline two", "days": ["1", "2"]}
    assert form.get("note") == "line one\r\nline two"
    with pytest.raises(Invalid) as refused:
        form.get("guest_name")
    assert list(refused.value.errors) == ["guest_name"]
    with pytest.raises(Invalid):
        form["days"]


def test_json_depth_counts_brackets_outside_strings():
    assert json_depth(b'{"a": [1, {"b": "[[[[{{{{"}]}') == 3
    assert json_depth(b'"\\"[[["') == 0
    assert json_depth(b"[" * 5000 + b"]" * 5000) == 5000
