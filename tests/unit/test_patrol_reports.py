"""Patrol reports' rules: a route's week of slots counted on time, late and missed; a guard's
month of rounds, reports and dispatches; months read from YYYY-MM."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from app.domain import patrol as rules
from app.domain.patrol_reports import duty_records, month_of, parse_month, tally_rounds

HOURLY = rules.Schedule(every=timedelta(minutes=60), shift_from=time(0), shift_until=time(0), timezone="Asia/Shanghai")
START = datetime(2026, 3, 2, 0, 0, tzinfo=timezone.utc)


def test_started_rounds_are_on_time_or_late_and_past_slots_with_none_are_missed():
    slots = rules.slots(HOURLY, START, START + timedelta(hours=6))
    now = START + timedelta(hours=5, minutes=1)  # the last slot is still open
    started = {slots[0].at: slots[0].at, slots[1].at: slots[1].on_time_until + timedelta(seconds=1)}
    tally = tally_rounds("Night", slots, started, now, made=START - timedelta(days=1))
    assert (tally.on_time, tally.late) == (1, 1)
    assert tally.missed == sum(1 for s in slots[2:] if rules.slot_state(s, now) is rules.SlotState.MISSED)
    assert tally.missed < 4 and tally.total == 2 + tally.missed


def test_slots_due_before_the_route_was_made_do_not_count():
    slots = rules.slots(HOURLY, START, START + timedelta(hours=6))
    tally = tally_rounds("Night", slots, {}, START + timedelta(days=1), made=START + timedelta(hours=3))
    assert tally.missed == 3


def test_a_duty_record_lists_every_guard_with_missed_checkpoints_and_the_median_answer():
    sent = datetime(2026, 3, 3, 10, 0, tzinfo=timezone.utc)
    records = duty_records(
        {"a": "Zhao", "b": "Liu"},
        {"a": (2, 10, 8), "x": (1, 5, 0)},
        ["a", "a", "b"],
        [("a", sent, sent + timedelta(minutes=4)), ("a", sent, sent + timedelta(minutes=10)), ("a", sent, None)])
    assert [r.guard for r in records] == ["Liu", "Zhao"]
    liu, zhao = records
    assert (zhao.rounds, zhao.missed_checkpoints, zhao.incidents, zhao.dispatches, zhao.answered) == (2, 2, 2, 3, 2)
    assert zhao.response_minutes == 7.0
    assert (liu.rounds, liu.incidents, liu.response_minutes) == (0, 1, None)


def test_a_month_is_read_from_year_and_month_only():
    assert parse_month("2026-02") == date(2026, 2, 1)
    assert parse_month("2026-13") is None and parse_month("") is None and parse_month("2026-02-01") is None
    assert month_of(date(2028, 2, 10)) == (date(2028, 2, 1), date(2028, 2, 29))
    assert month_of(date(2026, 12, 31)) == (date(2026, 12, 1), date(2026, 12, 31))
