"""Patrol schedules: when rounds are due, on time, late or missed, in the estate's time zone,
across midnight and shift ends; which scans a round accepts; when a phone's time is believed."""

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from app.domain import patrol as p
from app.domain.patrol import ScanReason, Schedule, SlotState

SH = ZoneInfo("Asia/Shanghai")
ZONES = ["Asia/Shanghai", "Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Adelaide"]


def at(day: int, hh: int, mm: int = 0, zone=SH) -> datetime:
    return datetime(2026, 12, day, hh, mm, tzinfo=zone).astimezone(timezone.utc)


def hourly(shift_from=time(0), shift_until=time(0), tz="Asia/Shanghai", every=60) -> Schedule:
    return Schedule(timedelta(minutes=every), shift_from, shift_until, tz)


def test_around_the_clock_a_round_is_due_every_hour_on_the_hour():
    found = p.slots(hourly(), at(7, 0), at(8, 0))
    assert len(found) == 24
    assert [s.at for s in found[:2]] == [at(7, 0), at(7, 1)]


def test_a_night_shift_crosses_midnight_and_its_last_round_ends_with_the_shift():
    night = hourly(time(22), time(6))
    found = p.slots(night, at(7, 12), at(8, 12))
    assert [s.at for s in found] == [at(7, h) for h in (22, 23)] + [at(8, h) for h in range(0, 6)]
    assert found[-1].deadline == at(8, 6)  # the 05:00 round must start before the shift ends


def test_a_shift_end_cuts_a_slots_deadline_short_but_never_before_its_grace():
    odd = hourly(time(8), time(8, 5), every=60)
    (slot,) = p.slots(odd, at(7, 0), at(8, 0))
    assert slot.deadline == slot.on_time_until == at(7, 8, 10)


def test_on_time_late_and_missed_at_their_edges():
    (slot,) = [s for s in p.slots(hourly(), at(7, 9), at(7, 10))]
    assert p.timeliness(slot, at(7, 9, 10)) is p.Timeliness.ON_TIME
    assert p.timeliness(slot, at(7, 9, 10) + timedelta(seconds=1)) is p.Timeliness.LATE
    assert p.slot_state(slot, at(7, 8, 49)) is SlotState.UPCOMING
    assert p.slot_state(slot, at(7, 9, 5)) is SlotState.DUE
    assert p.slot_state(slot, at(7, 9, 30)) is SlotState.OVERDUE
    assert p.slot_state(slot, at(7, 10)) is SlotState.MISSED
    assert p.slot_state(slot, at(7, 10), started_at=at(7, 9, 30)) is SlotState.IN_PROGRESS


def test_a_round_started_answers_the_open_slot_and_not_one_already_walked():
    sched = hourly()
    assert p.slot_for_start(sched, at(7, 9, 40)).at == at(7, 9)
    assert p.slot_for_start(sched, at(7, 9, 55)).at == at(7, 9)  # 9:00's, late, before 10:00's opens early
    assert p.slot_for_start(sched, at(7, 9, 55), {at(7, 9)}).at == at(7, 10)  # early for the next
    assert p.slot_for_start(sched, at(7, 9, 40), {at(7, 9)}) is None


def test_the_alert_is_raised_after_the_grace_only_for_a_round_not_started():
    (slot,) = p.slots(hourly(), at(7, 9), at(7, 10))
    assert not p.needs_alert(slot, at(7, 9, 10), started=False)
    assert p.needs_alert(slot, at(7, 9, 11), started=False)
    assert not p.needs_alert(slot, at(7, 9, 11), started=True)


@given(zone=st.sampled_from(ZONES), day=st.dates(date(2026, 1, 1), date(2027, 12, 31)),
       start_h=st.integers(0, 23), end_h=st.integers(0, 23), every=st.sampled_from([15, 30, 45, 60, 90, 120]))
def test_every_slot_lies_inside_a_shift_and_slots_are_spaced_by_the_interval(zone, day, start_h, end_h, every):
    sched = Schedule(timedelta(minutes=every), time(start_h), time(end_h), zone)
    shift_start, shift_end = sched.shift_on(day)
    found = p.slots(sched, shift_start, shift_end)
    assert found and found[0].at == shift_start
    for a, b in zip(found, found[1:]):
        assert b.at - a.at == sched.every
    for s in found:
        assert shift_start <= s.at < shift_end
        assert s.opens_at < s.at < s.on_time_until <= s.deadline <= max(s.at + sched.every, s.on_time_until)


@given(zone=st.sampled_from(ZONES), moment=st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 31)),
       every=st.sampled_from([20, 30, 60, 120]), night=st.booleans())
def test_a_start_is_given_an_open_slot_and_its_timeliness_follows_the_grace(zone, moment, every, night):
    sched = Schedule(timedelta(minutes=every), time(22) if night else time(0), time(6) if night else time(0), zone)
    now = moment.replace(tzinfo=timezone.utc)
    slot = p.slot_for_start(sched, now)
    if slot is None:  # outside the shift: nothing open
        assert all(not (s.opens_at <= now < s.deadline) for s in p.slots(sched, now - timedelta(days=1), now + timedelta(days=1)))
        return
    assert slot.opens_at <= now < slot.deadline
    assert (p.timeliness(slot, now) is p.Timeliness.ON_TIME) == (now <= slot.at + sched.grace)


@given(minutes=st.integers(-600, 600), held=st.integers(0, 30 * 60))
def test_a_scan_time_is_believed_only_when_the_phones_clock_agrees(minutes, held):
    arrived = datetime(2026, 12, 7, 12, tzinfo=timezone.utc)
    skew = timedelta(minutes=minutes)
    scanned = arrived - timedelta(minutes=held) + skew  # on the phone's clock
    sent = arrived + skew
    when = p.check_in_time(scanned, sent, arrived)
    plausible = abs(skew) <= timedelta(minutes=2) and held <= 24 * 60
    assert when.flagged is (not plausible)
    if plausible:
        assert abs(when.counted_at - (arrived - timedelta(minutes=held))) <= abs(skew)
        assert when.counted_at <= arrived
    else:
        assert when.counted_at == arrived


def test_a_scan_with_no_time_is_flagged_and_counted_at_arrival():
    arrived = datetime(2026, 12, 7, 12, tzinfo=timezone.utc)
    assert p.check_in_time(None, None, arrived) == p.CheckInTime(arrived, True)


def test_which_scans_a_round_accepts():
    stops = ["a", "b", "c"]
    assert p.check_scan("b", stops, set(), ordered=False) is ScanReason.OK
    assert p.check_scan("b", stops, set(), ordered=True) is ScanReason.OUT_OF_ORDER
    assert p.check_scan("a", stops, {"a"}, ordered=False) is ScanReason.REPEATED
    assert p.check_scan("z", stops, set(), ordered=False) is ScanReason.OTHER_ROUTE
    assert p.check_scan("a", stops, set(), ordered=False, active=False) is ScanReason.RETIRED
    assert p.check_scan("a", stops, set(), ordered=False, round_open=False) is ScanReason.ROUND_OVER


def test_every_kind_has_a_label_and_default_questions():
    for kind in p.CheckpointKind:
        assert p.KIND_LABELS[kind] and p.DEFAULT_CHECKLISTS[kind]
    assert p.parse_checklist(" Door locked? \n\n Lights? ") == ["Door locked?", "Lights?"]
