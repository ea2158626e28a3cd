"""Statistics rules: the range asked for, the spans of one UTC offset the counting runs over, and
the tallies, which count every visit once per day, week, month and hour of the estate's time
zone, across midnight, week and month edges and clock changes."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain import statistics as rules

ZONES = ("Asia/Shanghai", "Europe/London", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu",
         "Australia/Lord_Howe", "America/St_Johns", "Pacific/Chatham")
TODAY = date(2026, 12, 7)


@st.composite
def ranges_and_visits(draw):
    zone = draw(st.sampled_from(ZONES))
    first = draw(st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 1)))
    rng = rules.Range(first, first + timedelta(days=draw(st.integers(0, 120))))
    start, end = rules.bounds(rng, zone)
    seconds = int((end - start).total_seconds())
    # Around the range's edges as well as inside it: a visit a second before or after must not count.
    offsets = st.one_of(st.integers(-7200, seconds + 7200), st.sampled_from([-1, 0, seconds - 1, seconds]))
    moments = [start + timedelta(seconds=s) for s in draw(st.lists(offsets, max_size=60))]
    return zone, rng, moments


def counted(zone: str, rng: rules.Range, moments: list[datetime]) -> rules.Visits:
    """What the database does: each visit's estate hour by the offset of the span it falls in."""
    start, end = rules.bounds(rng, zone)
    spans = rules.spans(start, end, zone)
    hours = Counter(k for k in (rules.hour_key(m, spans) for m in moments) if k is not None)
    return rules.tally(rng, [rules.HourCount(k, n) for k, n in hours.items()], {}, {}, rules.PURPOSES)


@settings(max_examples=200, deadline=None)
@given(ranges_and_visits())
def test_every_visit_in_the_range_is_counted_once_in_its_local_day_hour_week_and_month(case):
    zone, rng, moments = case
    tz = ZoneInfo(zone)
    inside = [m for m in moments if rng.first <= m.astimezone(tz).date() <= rng.last]
    found = counted(zone, rng, moments)
    assert found.total == len(inside)
    assert Counter({b.label: b.count for b in found.by_day if b.count}) == Counter(
        m.astimezone(tz).date().isoformat() for m in inside)
    assert Counter({b.label: b.count for b in found.by_hour if b.count}) == Counter(
        f"{m.astimezone(tz).hour:02d}" for m in inside)
    assert Counter({b.label: b.count for b in found.by_month if b.count}) == Counter(
        m.astimezone(tz).strftime("%Y-%m") for m in inside)
    mondays = Counter((m.astimezone(tz).date() - timedelta(days=m.astimezone(tz).weekday())).isoformat() for m in inside)
    assert Counter({b.label: b.count for b in found.by_week if b.count}) == mondays
    assert Counter({int(b.label): b.count for b in found.by_weekday if b.count}) == Counter(
        m.astimezone(tz).weekday() for m in inside)
    for figures in (found.by_day, found.by_week, found.by_month, found.by_hour, found.by_weekday):
        assert sum(b.count for b in figures) == found.total


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(ZONES), st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
       st.integers(1, 400))
def test_spans_cover_the_range_end_to_end_each_with_the_zones_offset(zone, first, days):
    start, end = rules.bounds(rules.Range(first, first + timedelta(days=days - 1)), zone)
    spans = rules.spans(start, end, zone)
    assert spans[0].start == start and spans[-1].end == end
    for before, after in zip(spans, spans[1:]):
        assert before.end == after.start and before.minutes != after.minutes
    tz = ZoneInfo(zone)
    for span in spans:
        for moment in (span.start, span.end - timedelta(microseconds=1)):
            assert span.minutes * 60 == moment.astimezone(tz).utcoffset().total_seconds()


def test_a_visit_a_minute_before_and_after_midnight_fall_in_two_days():
    rng = rules.Range(date(2026, 3, 31), date(2026, 4, 1))  # a month's edge, in Shanghai
    shanghai = ZoneInfo("Asia/Shanghai")
    moments = [datetime(2026, 3, 31, 23, 59, tzinfo=shanghai), datetime(2026, 4, 1, 0, 0, tzinfo=shanghai)]
    found = counted("Asia/Shanghai", rng, [m.astimezone(timezone.utc) for m in moments])
    assert [(b.label, b.count) for b in found.by_day] == [("2026-03-31", 1), ("2026-04-01", 1)]
    assert [(b.label, b.count) for b in found.by_month] == [("2026-03", 1), ("2026-04", 1)]
    assert [(b.label, b.count) for b in found.by_hour if b.count] == [("00", 1), ("23", 1)]


def test_nothing_asked_is_the_last_30_days():
    asked = rules.ask("", "", "", TODAY)
    assert (asked.range.first, asked.range.last, asked.range.quick) == (date(2026, 11, 8), TODAY, "30d")
    assert not asked.errors and not asked.notes


def test_quick_choices():
    assert rules.ask("", "", "7d", TODAY).range == rules.Range(date(2026, 12, 1), TODAY, "7d")
    assert rules.ask("", "", "month", TODAY).range == rules.Range(date(2026, 12, 1), TODAY, "month")
    assert rules.ask("", "", "year", TODAY).range == rules.Range(date(2026, 1, 1), TODAY, "year")


def test_days_that_cannot_be_read_are_told_and_the_range_falls_back():
    asked = rules.ask("2026-02-30", "soon", "", TODAY)
    assert asked.errors == {"from": rules.BAD_DAY, "to": rules.BAD_DAY}
    assert asked.range.last == TODAY


def test_days_out_of_reach_are_held_at_the_ends_and_a_range_is_a_year_at_most():
    asked = rules.ask("1999-01-01", "2099-01-01", "", TODAY)
    assert asked.range.last == TODAY
    assert asked.range.days == rules.LONGEST
    assert [note for note, _ in asked.notes] == [rules.EARLY, rules.LATE, rules.TOO_LONG]


def test_days_in_either_order():
    asked = rules.ask("2026-12-05", "2026-11-20", "", TODAY)
    assert (asked.range.first, asked.range.last) == (date(2026, 11, 20), date(2026, 12, 5))


def test_refusals_by_reason_and_watchlist_matches():
    work = rules.gatework([("refused_to_register", "recorded", False, 2), ("prohibited_items", "recorded", True, 1),
                           ("walk_in", "refused", False, 3), ("walk_in", "turned_away", True, 1),
                           ("walk_in", "admitted", True, 4), ("emergency", "completed", False, 5)])
    assert {b.label: b.count for b in work.refusals if b.count} == {
        "refused_to_register": 2, "prohibited_items": 1, "household_refused": 3, "turned_away": 1}
    assert (work.refused, work.watchlist_hits) == (7, 6)


def test_passes_turned_away_count_as_refusals_and_a_barred_holder_as_a_watchlist_match():
    work = rules.gatework([("walk_in", "refused", True, 1)], [("revoked", 2), ("watchlist", 3), ("used_up", 1)])
    counts = {b.label: b.count for b in work.refusals}
    assert (counts["revoked"], counts["watchlist"], counts["used_up"], counts["expired"]) == (2, 3, 1, 0)
    assert counts["household_refused"] == 1
    assert (work.refused, work.watchlist_hits) == (7, 4)


def test_every_verdict_that_turns_a_pass_away_has_a_name_on_the_page():
    from app.domain.passes import REFUSING

    assert {reason.value for reason in REFUSING} <= set(rules.REFUSALS)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(("Asia/Shanghai", "Europe/London")), st.sampled_from((30, 60, 90, 120)),
       st.sampled_from(((0, 0), (8, 20), (20, 6))), st.integers(0, 60 * 24 * 60), st.integers(0, 60 * 24 * 40),
       st.integers(-60 * 24 * 10, 60 * 24 * 70))
def test_slots_past_their_deadline_are_counted_as_listing_them_would(zone, every, shift, begin, length, made_at):
    from app.domain import patrol as patrol_rules
    from app.domain import patrol_reports

    schedule = patrol_rules.Schedule(timedelta(minutes=every), time_of(shift[0]), time_of(shift[1]), zone)
    origin = datetime(2026, 1, 1, tzinfo=timezone.utc)
    start = origin + timedelta(minutes=begin)
    end = start + timedelta(minutes=length)
    now = origin + timedelta(days=50)
    made = origin + timedelta(minutes=made_at)
    due, _ = patrol_reports.due_slots(schedule, start, end, now, made)
    listed = [s for s in patrol_rules.slots(schedule, start, end) if s.at >= made and s.deadline <= now]
    assert due == len(listed)


def time_of(hour: int):
    from datetime import time

    return time(hour, 0)
