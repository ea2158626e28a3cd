"""Incident rules: the renovation-noise rule in the estate's time zone, what makes a report
urgent, what a report needs, the states' moves, and days in the estate's zone."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from app.domain import incidents as rules
from app.domain.incidents import Kind, Report, State

SHANGHAI = "Asia/Shanghai"


def local(hour: int, minute: int = 0, zone: str = SHANGHAI) -> datetime:
    return datetime(2026, 12, 7, hour, minute, tzinfo=ZoneInfo(zone)).astimezone(timezone.utc)


def test_noise_at_eleven_at_night_is_a_rule_breach():
    assert rules.noise_breach("noise", local(23), SHANGHAI)


def test_noise_at_twenty_exactly_is_a_breach_and_at_eight_exactly_it_is_not():
    assert rules.noise_breach("noise", local(20, 0), SHANGHAI)
    assert rules.noise_breach("noise", local(7, 59), SHANGHAI)
    assert not rules.noise_breach("noise", local(8, 0), SHANGHAI)
    assert not rules.noise_breach("noise", local(19, 59), SHANGHAI)


def test_noise_in_the_afternoon_is_no_breach_and_a_fire_at_night_is_no_noise_breach():
    assert not rules.noise_breach("noise", local(15), SHANGHAI)
    assert not rules.noise_breach("fire", local(23), SHANGHAI)


def test_the_quiet_hours_are_the_estates_not_utc():
    # 13:00 UTC is 21:00 in Shanghai (a breach) and 14:00 in Berlin in winter (none).
    moment = datetime(2026, 12, 7, 13, 0, tzinfo=timezone.utc)
    assert rules.noise_breach("noise", moment, SHANGHAI)
    assert not rules.noise_breach("noise", moment, "Europe/Berlin")


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(timezone.utc)),
       st.sampled_from([SHANGHAI, "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Auckland"]))
def test_a_noise_report_is_a_breach_exactly_when_the_local_hour_is_from_20_to_7(moment, zone):
    hour = moment.astimezone(ZoneInfo(zone)).hour
    assert rules.noise_breach("noise", moment, zone) == (hour >= 20 or hour < 8)


def test_urgent_severity_or_any_emergency_call_makes_a_report_urgent():
    assert rules.urgent("urgent", ())
    assert rules.urgent("low", ("119",))
    assert not rules.urgent("high", ())
    assert not rules.urgent("high", ("999",))


def test_only_110_119_and_120_count_as_calls_in_their_usual_order():
    assert rules.calls_of(["120", "110", "999", "110"]) == ("110", "120")


def test_a_report_needs_a_kind_a_severity_a_place_and_a_description():
    assert set(rules.problems(Report(kind="", severity=""))) == {"kind", "severity", "place", "description"}
    assert rules.problems(Report(kind="theft", severity="low", place="Bike shed", description="A bike is gone")) == {}


def test_a_unit_or_a_checkpoint_is_place_enough():
    assert "place" not in rules.problems(Report(kind="theft", severity="low", unit="5-2-1301", description="x"))
    assert "place" not in rules.problems(Report(kind="theft", severity="low", checkpoint="abc", description="x"))


def test_an_unknown_kind_or_severity_is_refused_and_so_are_five_photos():
    found = rules.problems(Report(kind="arson", severity="extreme", place="x", description="x", photos=5))
    assert set(found) == {"kind", "severity", "photos"}


def test_too_long_texts_are_refused_beside_their_field():
    found = rules.problems(Report(kind="other", severity="low", place="p" * 121, description="d" * 4001,
                                  people="x" * 1001))
    assert found == {"place": rules.MESSAGES["too_long"], "description": rules.MESSAGES["too_long"],
                     "people": rules.MESSAGES["too_long"]}


def test_every_kind_of_spec_4_4_is_offered_with_a_name():
    assert {k.value for k in Kind} == {"theft", "fight", "suspicious", "fire", "medical", "noise", "damage",
                                       "visitor_misconduct", "lost_property", "other"}
    assert set(rules.KIND_NAMES) == set(Kind)


def test_open_goes_to_acknowledged_then_resolved_and_a_resolved_incident_never_moves():
    assert rules.allowed(State.OPEN, State.ACKNOWLEDGED)
    assert rules.allowed(State.ACKNOWLEDGED, State.RESOLVED)
    assert rules.allowed(State.ACKNOWLEDGED, State.OPEN)  # dispatched again to another guard
    assert not any(rules.allowed(State.RESOLVED, s) for s in State)
    assert not rules.allowed(State.OPEN, State.OPEN)
    assert sorted(rules.sources(State.RESOLVED)) == ["acknowledged", "open"]


def test_days_are_the_estates_days():
    start, end = rules.day_range(date(2026, 12, 7), date(2026, 12, 7), SHANGHAI)
    assert start == datetime(2026, 12, 6, 16, 0, tzinfo=timezone.utc)
    assert end - start == timedelta(days=1)
    assert rules.day_range(None, None, SHANGHAI) == (None, None)


def test_a_day_that_is_not_a_date_is_no_filter():
    assert rules.parse_day("2026-13-40") is None
    assert rules.parse_day("") is None
    assert rules.parse_day("2026-12-07") == date(2026, 12, 7)


def test_a_week_runs_from_monday_to_sunday():
    assert rules.week_of(date(2026, 12, 9)) == (date(2026, 12, 7), date(2026, 12, 13))
    assert rules.week_of(date(2026, 12, 7)) == (date(2026, 12, 7), date(2026, 12, 13))
    assert rules.week_of(date(2026, 12, 13)) == (date(2026, 12, 7), date(2026, 12, 13))


def test_the_summary_counts_by_kind_place_and_the_estates_hour():
    summary = rules.summarise([
        ("theft", "Bike shed", local(23, 10)),
        ("theft", "Bike shed", local(23, 50)),
        ("noise", "5-2-1301", local(7, 0)),
    ], SHANGHAI)
    assert summary.total == 3
    assert [(b.label, b.count) for b in summary.by_kind][:6] == [
        ("theft", 2), ("fight", 0), ("suspicious", 0), ("fire", 0), ("medical", 0), ("noise", 1)]
    assert [(b.label, b.count, b.share) for b in summary.by_place] == [("Bike shed", 2, 1.0), ("5-2-1301", 1, 0.5)]
    assert len(summary.by_hour) == 24
    assert summary.by_hour[23].count == 2 and summary.by_hour[7].count == 1
    assert sum(b.count for b in summary.by_hour) == 3


def test_an_empty_week_has_bars_of_no_length():
    summary = rules.summarise([], SHANGHAI)
    assert summary.total == 0 and all(b.share == 0 for b in summary.by_kind + summary.by_hour)
    assert summary.by_place == []
