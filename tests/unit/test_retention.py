"""Retention: the cut-off is counted in the estate's own dates (leap days included), the nightly
run is due once a local day, and the registry of personal columns covers every table and column."""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from piccolo.columns import JSON, JSONB, Bytea, ForeignKey, Text, Varchar

from app.domain import retention as rules
from app.models.people import Person
from app.models.piccolo_app import APP_CONFIG
from app.models.uploads import Upload
from app.services import retention

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
UTC = timezone.utc


def local(zone, *args) -> datetime:
    return datetime(*args, tzinfo=zone)


# The cut-off ------------------------------------------------------------------------------------


def test_a_record_is_kept_through_the_same_date_years_on_in_the_estates_time():
    # 02:30 on 6 March 2026 in Shanghai is still 5 March in UTC: the estate's date counts.
    now = local(SHANGHAI, 2026, 3, 6, 2, 30)
    cut = rules.cutoff(now, SHANGHAI, 3)
    assert cut == local(SHANGHAI, 2023, 3, 6, 0, 0)
    assert cut == datetime(2023, 3, 5, 16, 0, tzinfo=UTC)
    last_kept_moment = local(SHANGHAI, 2023, 3, 6, 0, 0)
    assert not last_kept_moment < cut  # a record of 6 March 2023 is kept through 6 March 2026
    assert local(SHANGHAI, 2023, 3, 5, 23, 59) < cut  # one of 5 March is erased this night


def test_the_same_instant_is_a_different_cut_off_in_another_time_zone():
    now = datetime(2026, 3, 5, 20, 0, tzinfo=UTC)  # 6 March in Shanghai, 5 March (15:00) in New York
    assert rules.cutoff(now, SHANGHAI, 3) == local(SHANGHAI, 2023, 3, 6, 0, 0)
    assert rules.cutoff(now, NEW_YORK, 3) == local(NEW_YORK, 2023, 3, 5, 0, 0)


def test_a_cut_off_across_a_daylight_saving_change_starts_at_local_midnight():
    now = local(NEW_YORK, 2026, 7, 1, 3, 0)  # summer time (UTC-4); the cut-off date is in summer too
    assert rules.cutoff(now, NEW_YORK, 1) == datetime(2025, 7, 1, 4, 0, tzinfo=UTC)
    winter = local(NEW_YORK, 2026, 1, 15, 3, 0)
    assert rules.cutoff(winter, NEW_YORK, 1) == datetime(2025, 1, 15, 5, 0, tzinfo=UTC)


@pytest.mark.parametrize("today, years, cut", [
    (date(2028, 2, 29), 1, date(2027, 2, 28)),  # no 29 February in 2027
    (date(2028, 2, 29), 4, date(2024, 2, 29)),
    (date(2027, 3, 1), 3, date(2024, 3, 1)),
    (date(2027, 2, 28), 3, date(2024, 2, 28)),
    (date(2026, 12, 31), 10, date(2016, 12, 31)),
])
def test_years_before_on_leap_days(today, years, cut):
    assert rules.years_before(today, years) == cut


def test_a_record_of_29_february_is_erased_on_1_march_three_years_on():
    assert rules.next_erasure(date(2024, 2, 29), 3) == date(2027, 3, 1)
    assert rules.next_erasure(date(2024, 2, 29), 4) == date(2028, 3, 1)
    assert rules.next_erasure(date(2023, 3, 5), 3) == date(2026, 3, 6)
    # and the night run agrees: on 28 February 2027 the record is kept, on 1 March it is not
    record = local(SHANGHAI, 2024, 2, 29, 12, 0)
    assert not record < rules.cutoff(local(SHANGHAI, 2027, 2, 28, 3, 0), SHANGHAI, 3)
    assert record < rules.cutoff(local(SHANGHAI, 2027, 3, 1, 3, 0), SHANGHAI, 3)


def test_the_number_of_years_is_bounded():
    assert rules.DEFAULT_YEARS == 3 and rules.valid_years(3)
    assert rules.valid_years(1) and rules.valid_years(10)
    assert not rules.valid_years(0) and not rules.valid_years(11) and not rules.valid_years(-3)


# Once a night ---------------------------------------------------------------------------------


def test_the_run_is_due_once_a_local_day_from_two_in_the_morning():
    night = local(SHANGHAI, 2026, 5, 10, 2, 0)
    assert not rules.due(night - timedelta(minutes=1), SHANGHAI, None)
    assert rules.due(night, SHANGHAI, None)
    assert not rules.due(night + timedelta(hours=12), SHANGHAI, night)  # ran this (local) day
    assert rules.due(night + timedelta(days=1), SHANGHAI, night)
    # a server that was down at night runs it when it comes back, the same day
    assert rules.due(local(SHANGHAI, 2026, 5, 11, 15, 0), SHANGHAI, night)


# The registry ---------------------------------------------------------------------------------


def _named(kept: retention.Kept) -> list:
    return [*kept.age, *kept.personal, *kept.photos, *kept.plain, *([kept.parent] if kept.parent else [])]


def test_every_table_is_in_the_registry_or_said_why_not():
    registered = {k.table.__name__ for k in retention.REGISTRY}
    tables = {t.__name__ for t in APP_CONFIG.table_classes}
    assert registered & set(retention.NOT_RECORDS) == set()
    assert tables - registered - set(retention.NOT_RECORDS) == set(), "add the table to REGISTRY or NOT_RECORDS"
    assert set(retention.NOT_RECORDS) - tables == set()


def test_every_column_named_is_its_tables_and_every_blanked_one_can_be_blanked():
    for kept in retention.REGISTRY:
        own = set(kept.table._meta.columns)
        for column in _named(kept):
            assert column in own, f"{kept.table.__name__}: {column._meta.name} is another table's"
        for column in kept.personal:
            retention.blank(column)  # raises for a column that cannot be blanked
        for column in kept.photos:
            assert isinstance(column, ForeignKey) and column._foreign_key_meta.resolved_references is Upload
        assert kept.delete or kept.personal, kept.table.__name__
        assert kept.age or kept.parent is not None, kept.table.__name__


def test_every_text_column_and_link_to_a_person_of_a_kept_table_is_decided_on():
    """A column added to a registered table (an encrypted ID number, its search key) fails here
    until it is listed as personal (erased) or plain (kept)."""
    undecided = []
    for kept in retention.REGISTRY:
        if kept.delete:
            continue
        decided = set(_named(kept))
        for column in kept.table._meta.columns:
            texty = isinstance(column, (Varchar, Text, JSON, JSONB, Bytea))
            person = isinstance(column, ForeignKey) and column._foreign_key_meta.resolved_references in (Person, Upload)
            if (texty or person) and column not in decided:
                undecided.append(f"{kept.table.__name__}.{column._meta.name}")
    assert undecided == []


def test_a_nullable_link_to_a_person_is_erased_and_a_required_one_is_a_staff_account():
    for kept in retention.REGISTRY:
        for column in kept.plain:
            if isinstance(column, ForeignKey):
                assert not column._meta.null, f"{kept.table.__name__}.{column._meta.name} could be erased"


def test_every_statement_takes_the_estate_and_cut_off_in_pairs():
    for step in retention.PLANS:
        for statement in (step.change, step.select_photos):
            if statement is not None:
                count = statement.text.count("{}")
                assert count >= 2 and count % 2 == 0, statement.text
