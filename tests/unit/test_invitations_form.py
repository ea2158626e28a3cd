"""The invite form's rules: three-tap defaults, windows read in the estate's time zone with
inclusive ends, recurrences, and a code for every refusal."""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from app.domain import invitations as rules
from app.domain.passes import PassFacts, Window, facts_from_record

SHANGHAI = "Asia/Shanghai"
SH = ZoneInfo(SHANGHAI)
UNIT = "8d3c0e47-6a55-4a5e-9d8e-1a2b3c4d5e6f"
OTHER_UNIT = "0e6b1f7a-1111-4a5e-9d8e-1a2b3c4d5e6f"
# Monday 23 November 2026, 14:05:30 in Shanghai
NOW = datetime(2026, 11, 23, 14, 5, 30, tzinfo=SH)


def parse(form: dict, now: datetime = NOW, tz: str = SHANGHAI, units=(UNIT,)):
    return rules.parse(form, now=now, tz=tz, units=list(units))


def defaults_with(now: datetime = NOW, tz: str = SHANGHAI, **changes) -> dict:
    return {**rules.defaults(now, tz), "guest_name": "Zhang Wei", **changes}


def test_the_defaults_make_a_single_entry_visit_from_now_until_the_end_of_today():
    invite, errors = parse(defaults_with())
    assert errors == {}
    assert invite.starts_at == datetime(2026, 11, 23, 14, 5, tzinfo=SH)
    assert invite.ends_at == datetime(2026, 11, 23, 23, 59, 59, tzinfo=SH)
    assert (invite.max_entries, invite.party_size, invite.purpose) == (1, 1, "family_friend")
    assert invite.unit == UNIT and not invite.recurring
    assert invite.starts_at.tzinfo is timezone.utc


def test_today_is_the_estates_day_not_the_servers():
    late_utc = datetime(2026, 11, 23, 17, 30, tzinfo=timezone.utc)  # 01:30 on the 24th in Shanghai
    values = rules.defaults(late_utc, SHANGHAI)
    assert (values["date"], values["start"], values["end"]) == ("2026-11-24", "01:30", "23:59")
    invite, errors = parse({**values, "guest_name": "Li"}, now=late_utc)
    assert errors == {}
    assert invite.ends_at == datetime(2026, 11, 24, 15, 59, 59, tzinfo=timezone.utc)


def test_until_18_00_ends_at_18_00_00_inclusive():
    invite, _ = parse(defaults_with(start="14:00", end="18:00"))
    assert invite.ends_at == datetime(2026, 11, 23, 18, 0, 0, tzinfo=SH)
    facts = PassFacts(window=Window(invite.starts_at, invite.ends_at))
    assert rules.status(facts, now=invite.ends_at).state == "valid"
    assert rules.status(facts, now=invite.ends_at + timedelta(seconds=1)).state == "expired"


def test_a_stay_of_several_days_ends_on_its_last_day():
    invite, errors = parse(defaults_with(end_date="2026-11-25", end="12:00", entry="multiple"))
    assert errors == {}
    assert invite.ends_at == datetime(2026, 11, 25, 12, 0, tzinfo=SH)
    assert invite.max_entries is None


def test_every_bad_field_gets_its_own_code():
    _, errors = parse({
        "guest_name": " ", "guest_phone": "call me", "purpose": "party", "party_size": "0",
        "vehicle_plate": "<script>", "entry": "twice", "date": "23/11/2026", "start": "9am", "end": "25:00",
    })
    assert errors == {
        "guest_name": "name_required", "guest_phone": "phone_invalid", "purpose": "purpose_invalid",
        "party_size": "party_invalid", "vehicle_plate": "plate_invalid", "entry": "entry_invalid",
        "date": "date_invalid", "start": "time_invalid", "end": "time_invalid",
    }


def test_phone_and_plate_are_kept_in_a_normal_form():
    invite, errors = parse(defaults_with(guest_phone="139 1234-5678", vehicle_plate="粤b 12345"))
    assert errors == {}
    assert (invite.guest_phone, invite.vehicle_plate) == ("13912345678", "粤B12345")


def test_a_window_that_has_ended_or_ends_before_it_starts_is_refused():
    assert parse(defaults_with(start="09:00", end="12:00"))[1] == {"end": "window_past"}
    assert parse(defaults_with(start="18:00", end="17:00"))[1] == {"end": "end_before_start"}
    assert parse(defaults_with(end_date="2026-11-22"))[1] == {"end_date": "end_before_start"}
    assert parse(defaults_with(end_date="2027-01-10"))[1] == {"end_date": "window_too_long"}
    assert parse(defaults_with(date="2028-01-01"))[1] == {"date": "too_far_ahead"}


def test_a_resident_of_several_units_must_choose_one_of_theirs():
    both = (UNIT, OTHER_UNIT)
    assert parse(defaults_with(), units=both)[1] == {"unit": "unit_required"}
    assert parse(defaults_with(unit="not-mine"), units=both)[1] == {"unit": "unit_required"}
    assert parse(defaults_with(unit=OTHER_UNIT), units=both)[0].unit == OTHER_UNIT
    assert parse(defaults_with(), units=())[1] == {"__all__": "no_household"}


def test_a_time_the_clocks_skip_is_refused_and_a_dst_day_is_reckoned_in_local_time():
    london = "Europe/London"
    march = datetime(2027, 3, 28, 0, 0, tzinfo=ZoneInfo(london))  # clocks go 01:00 -> 02:00
    _, errors = parse(defaults_with(march, london, start="01:30", end="03:00"), now=march, tz=london)
    assert errors == {"start": "time_skipped"}
    invite, errors = parse(defaults_with(march, london, start="00:30", end="03:00"), now=march, tz=london)
    assert errors == {}
    assert invite.ends_at - invite.starts_at == timedelta(hours=1, minutes=30)


# Recurring passes --------------------------------------------------------------------------


def recurring(**changes) -> dict:
    return defaults_with(schedule="recurring", **changes)


def test_the_recurring_defaults_are_weekdays_8_to_18_for_three_months():
    invite, errors = parse(recurring(guest_name="Chen Ayi", purpose="domestic_help"))
    assert errors == {}
    assert (invite.weekdays, invite.daily_start, invite.daily_end) == ("0,1,2,3,4", "08:00", "18:00")
    assert invite.starts_at == datetime(2026, 11, 23, 8, 0, tzinfo=SH)
    assert invite.ends_at == datetime(2027, 2, 23, 18, 0, tzinfo=SH)
    assert invite.max_entries is None  # every day it covers


def test_a_stored_recurring_pass_reads_back_as_the_same_recurrence():
    invite, _ = parse(recurring(weekdays=["1", "3"], daily_start="09:30", daily_end="12:00"))
    row = {"starts_at": invite.starts_at, "ends_at": invite.ends_at, "weekdays": invite.weekdays,
           "daily_start": invite.daily_start, "daily_end": invite.daily_end, "max_entries": None}
    facts = facts_from_record(row, SHANGHAI)
    tuesday = datetime(2026, 11, 24, 12, 0, tzinfo=SH)
    assert rules.status(facts, now=tuesday).state == "valid"
    assert rules.status(facts, now=tuesday + timedelta(seconds=1)).state == "outside_hours"
    assert rules.status(facts, now=tuesday + timedelta(days=1)).state == "outside_hours"  # Wednesday
    assert rules.status(facts, now=datetime(2027, 3, 1, 10, tzinfo=SH)).state == "expired"


def test_a_recurrence_needs_days_hours_and_dates_that_make_sense():
    assert parse(recurring(weekdays=[]))[1] == {"weekdays": "weekdays_required"}
    assert parse(recurring(daily_start="18:00", daily_end="08:00"))[1] == {"daily_end": "end_before_start"}
    assert parse(recurring(last_day="2026-11-01"))[1] == {"last_day": "end_before_start"}
    assert parse(recurring(last_day="2028-01-01"))[1] == {"last_day": "recurrence_too_long"}
    # Saturday only, between a Monday and a Wednesday
    assert parse(recurring(weekdays="5", last_day="2026-11-25"))[1] == {"weekdays": "no_day_in_range"}
    # the only covered day was today, and today's hours are over
    assert parse(recurring(weekdays="0", last_day="2026-11-23", daily_end="12:00"))[1] == {"last_day": "window_past"}


def test_add_months_keeps_the_day_or_the_months_last():
    assert rules.add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert rules.add_months(date(2026, 1, 15), 12) == date(2027, 1, 15)


# Status ------------------------------------------------------------------------------------


def test_status_sorts_a_pass_into_upcoming_active_or_past_with_entries_left():
    window = Window(NOW + timedelta(hours=1), NOW + timedelta(hours=3))
    soon = rules.status(PassFacts(window=window), now=NOW)
    assert (soon.state, soon.section, soon.entries_left, soon.next_window) == ("not_yet_valid", "upcoming", 1, window)
    inside = rules.status(PassFacts(window=window, entries=1, inside=True), now=window.starts_at)
    assert (inside.state, inside.section) == ("inside", "active")
    used = rules.status(PassFacts(window=window, entries=1), now=window.starts_at)
    assert (used.state, used.section, used.entries_left) == ("used_up", "past", 0)
    revoked = rules.status(PassFacts(window=window, revoked=True), now=window.starts_at)
    assert (revoked.state, revoked.section) == ("revoked", "past")
    many = rules.status(PassFacts(window=window, max_entries=None, entries=3), now=window.ends_at)
    assert (many.state, many.entries_left) == ("valid", None)


@given(
    minutes=st.integers(min_value=0, max_value=23 * 60 + 58),
    tz=st.sampled_from(["Asia/Shanghai", "America/Los_Angeles", "Pacific/Kiritimati", "Pacific/Pago_Pago"]),
)
def test_the_defaults_are_always_accepted_and_cover_the_rest_of_the_local_day(minutes, tz):
    local_day = date(2026, 11, 23)
    now = datetime.combine(local_day, datetime.min.time(), tzinfo=ZoneInfo(tz)) + timedelta(minutes=minutes)
    invite, errors = parse({**rules.defaults(now, tz), "guest_name": "Guest"}, now=now, tz=tz)
    assert errors == {}
    assert invite.starts_at <= now <= invite.ends_at
    assert invite.ends_at.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M:%S") == "2026-11-23 23:59:59"


@given(
    days=st.sets(st.integers(min_value=0, max_value=6), min_size=1),
    start=st.integers(min_value=0, max_value=22 * 60),
    length=st.integers(min_value=1, max_value=120),
    day_offset=st.integers(min_value=0, max_value=60),
    minute=st.integers(min_value=0, max_value=24 * 60 - 1),
)
def test_a_stored_recurrence_admits_exactly_inside_its_days_and_hours(days, start, length, day_offset, minute):
    begin = datetime.min.replace(hour=start // 60, minute=start % 60).time()
    end_minutes = min(start + length, 23 * 60 + 59)
    end = datetime.min.replace(hour=end_minutes // 60, minute=end_minutes % 60).time()
    invite, errors = parse(recurring(weekdays=[str(d) for d in days], daily_start=begin.strftime("%H:%M"),
                                     daily_end=end.strftime("%H:%M"), first_day="2026-11-24", last_day="2027-02-24"))
    assert errors == {}
    row = {"starts_at": invite.starts_at, "ends_at": invite.ends_at, "weekdays": invite.weekdays,
           "daily_start": invite.daily_start, "daily_end": invite.daily_end, "max_entries": None}
    facts = facts_from_record(row, SHANGHAI)
    day = date(2026, 11, 24) + timedelta(days=day_offset)
    at = datetime.combine(day, datetime.min.time(), tzinfo=SH) + timedelta(minutes=minute)
    inside = day.weekday() in days and begin <= at.time() <= end
    assert (rules.status(facts, now=at).state == "valid") == inside
