"""Watchlist rules: details compared in a normal form, what an entry needs, when it stops warning."""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.watchlist import (
    check_entry, end_of_day, is_active, norm_id_number, norm_name, norm_phone, normalised,
)

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize("typed", ["+86 139 1234 5678", "139-1234-5678", "13912345678", "(+86) 139.1234.5678",
                                   "8613912345678"])
def test_a_mainland_mobile_is_the_same_number_however_it_is_written(typed):
    assert norm_phone(typed) == "13912345678"


def test_a_short_number_starting_with_86_keeps_its_digits():
    assert norm_phone("8621 5555 1234") == "862155551234"


@pytest.mark.parametrize("typed", ["11010519900307123x", "110105 19900307 123X", "110105-19900307-123x"])
def test_an_id_number_ignores_spaces_dashes_and_the_case_of_its_check_letter(typed):
    assert norm_id_number(typed) == "11010519900307123X"


def test_a_name_ignores_case_and_spaces():
    assert norm_name("  Zhang  Wei ") == norm_name("zhangwei") == norm_name("ZHANG WEI") == "zhangwei"
    assert norm_name("张 伟") == "张伟"


@given(st.text(max_size=40))
def test_normalising_twice_changes_nothing(value):
    once = normalised(value, value, value)
    assert normalised(**once) == once


def test_an_entry_with_a_reason_and_one_detail_is_accepted_in_normal_form():
    draft, problems = check_entry("Zhang Wei", "", "+86 139 1234 5678", "  Theft from a parcel locker ", "", today=TODAY)
    assert problems == {}
    assert (draft.name, draft.name_key, draft.id_number, draft.phone, draft.reason, draft.until) == (
        "Zhang Wei", "zhangwei", "", "13912345678", "Theft from a parcel locker", None)


def test_an_entry_needs_a_name_an_id_number_or_a_phone():
    draft, problems = check_entry(" ", "", " ", "Fight at the gate", "", today=TODAY)
    assert draft is None and problems == {"__all__": "no_identity"}


def test_an_entry_needs_a_reason():
    draft, problems = check_entry("Zhang Wei", "", "", "   ", "", today=TODAY)
    assert draft is None and problems == {"reason": "reason_missing"}


@pytest.mark.parametrize(("field", "value", "code"), [
    ("phone", "call me", "phone_invalid"),
    ("phone", "123", "phone_invalid"),
    ("id_number", "12", "id_number_invalid"),
    ("id_number", "1101#0519", "id_number_invalid"),
    ("name", "x" * 81, "name_too_long"),
    ("reason", "x" * 501, "reason_too_long"),
    ("until", "30/11/2026", "until_invalid"),
    ("until", "2026-11-22", "until_past"),
])
def test_bad_details_are_named_by_field(field, value, code):
    typed = {"name": "Zhang Wei", "id_number": "", "phone": "", "reason": "Fight", "until": "", field: value}
    draft, problems = check_entry(**typed, today=TODAY)
    assert draft is None and problems == {field: code}


def test_an_entry_may_end_today_or_later():
    assert check_entry("Zhang Wei", "", "", "Fight", "2026-11-23", today=TODAY)[0].until == TODAY
    assert check_entry("Zhang Wei", "", "", "Fight", "2027-01-01", today=TODAY)[0].until == date(2027, 1, 1)


def test_until_a_day_means_to_its_last_second_in_the_estates_time_zone():
    end = end_of_day(date(2026, 11, 30), "Asia/Shanghai")
    assert end == datetime(2026, 11, 30, 15, 59, 59, tzinfo=timezone.utc)
    assert is_active(end, None, now=end)
    assert not is_active(end, None, now=end + timedelta(seconds=1))


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
       st.sampled_from(["Asia/Shanghai", "Asia/Tokyo", "Asia/Kolkata", "Pacific/Auckland", "America/New_York", "UTC"]))
def test_an_entry_warns_all_of_its_last_local_day_and_not_the_next(day, tz):
    end = end_of_day(day, tz)
    zone = ZoneInfo(tz)
    last_morning = datetime.combine(day, datetime.min.time(), tzinfo=zone)
    next_midnight = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    assert is_active(end, None, now=last_morning)
    assert not is_active(end, None, now=next_midnight)


def test_a_removed_entry_no_longer_warns_and_one_for_good_always_does():
    now = datetime(2026, 11, 23, tzinfo=timezone.utc)
    assert is_active(None, None, now=now + timedelta(days=10_000))
    assert not is_active(None, now - timedelta(hours=1), now=now)
