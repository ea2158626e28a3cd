"""Goods release slips: the state machine (every allowed move, every other refused), the
rules checked at submission with estate calendars, the front desk's check, and the verdict
at the gate."""

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain import releases as r
from app.domain.calendar import Calendar
from app.domain.releases import Draft, Item, PermitStatus, Rules, State, Verdict

TZ = "Asia/Shanghai"
ZONE = ZoneInfo(TZ)
S = State

ALLOWED = {
    (S.DRAFT, S.AWAITING_CONSENT), (S.DRAFT, S.DESK_REVIEW), (S.DRAFT, S.CANCELLED), (S.DRAFT, S.EXPIRED),
    (S.AWAITING_CONSENT, S.DESK_REVIEW), (S.AWAITING_CONSENT, S.REFUSED), (S.AWAITING_CONSENT, S.CANCELLED),
    (S.AWAITING_CONSENT, S.EXPIRED),
    (S.DESK_REVIEW, S.SUPERVISOR_REVIEW), (S.DESK_REVIEW, S.RETURNED), (S.DESK_REVIEW, S.CANCELLED),
    (S.DESK_REVIEW, S.EXPIRED),
    (S.SUPERVISOR_REVIEW, S.APPROVED), (S.SUPERVISOR_REVIEW, S.REFUSED), (S.SUPERVISOR_REVIEW, S.CANCELLED),
    (S.SUPERVISOR_REVIEW, S.EXPIRED),
    (S.APPROVED, S.RELEASED), (S.APPROVED, S.HELD), (S.APPROVED, S.CANCELLED), (S.APPROVED, S.EXPIRED),
    (S.RETURNED, S.DESK_REVIEW), (S.RETURNED, S.CANCELLED), (S.RETURNED, S.EXPIRED),
    (S.HELD, S.DESK_REVIEW), (S.HELD, S.CANCELLED), (S.HELD, S.EXPIRED),
}
EVERY_MOVE = [(a, b) for a in S for b in S]


@pytest.mark.parametrize("current,target", sorted(ALLOWED), ids=lambda v: v.value)
def test_each_listed_move_is_allowed(current, target):
    assert r.allowed(current, target)
    assert r.allowed(current.value, target.value)


@pytest.mark.parametrize("current,target", [m for m in EVERY_MOVE if m not in ALLOWED], ids=lambda v: v.value)
def test_every_other_move_is_refused(current, target):
    assert not r.allowed(current, target)


def test_released_refused_cancelled_and_expired_slips_never_change():
    assert r.TERMINAL == {S.RELEASED, S.REFUSED, S.CANCELLED, S.EXPIRED}
    for closed in r.TERMINAL:
        assert r.is_closed(closed)
        assert not any(r.allowed(closed, s) for s in S)


def test_sources_are_the_states_a_move_starts_from():
    assert r.sources(S.RELEASED) == {S.APPROVED}
    assert r.sources(S.DESK_REVIEW) == {S.DRAFT, S.AWAITING_CONSENT, S.RETURNED, S.HELD}
    assert r.sources(S.EXPIRED) == set(S) - r.TERMINAL


def test_unknown_states_are_never_allowed():
    assert not r.allowed("lost", "approved")
    assert not r.allowed("approved", "lost")


# Consent ----------------------------------------------------------------------------------


@pytest.mark.parametrize("relation,by_owner,expected", [
    ("owner", True, False), ("family", False, False), ("tenant", False, True), ("contractor", False, True),
    ("contractor", True, False),  # an owner sending their own renovation company
])
def test_tenants_and_contractors_need_an_owners_consent(relation, by_owner, expected):
    assert r.needs_consent(Rules(), relation, by_owner) is expected


def test_an_estate_may_not_ask_for_consent_at_all():
    assert not r.needs_consent(Rules(consent_required=False), "tenant", False)


# Submission ------------------------------------------------------------------------------

MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=ZONE)  # a Monday, 10:00 in Shanghai


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


def slip(**changes) -> Draft:
    base = Draft(reason="repair", relation="owner", requester_name="Wang Fang", carrier_name="Zhao Lei",
                 carrier_id_type="resident_id", carrier_id_number="110105199003071234", carrier_phone="13912345678",
                 starts_at=at(date(2026, 12, 10), 9), ends_at=at(date(2026, 12, 10), 12),
                 items=(Item("Sofa", 1, large=True), Item("Boxes", 4)))
    return replace(base, **changes)


def problems(draft: Draft, rules: Rules = Rules(), calendar: Calendar = Calendar(), now=MONDAY):
    return r.submission_problems(draft, rules, calendar, now=now, tz=TZ)


def test_a_complete_slip_inside_the_rules_has_no_problem():
    assert problems(slip()) == {}


def test_everything_the_slip_must_name_is_asked_for():
    found = problems(Draft())
    assert found == {"reason": "reason_required", "relation": "relation_required", "requester_name": "requester_required",
                     "carrier_name": "carrier_name_required", "carrier_id_type": "carrier_id_required",
                     "carrier_id_number": "carrier_id_required", "carrier_phone": "carrier_phone_required",
                     "items": "items_required", "date": "date_required"}


def test_a_contractor_names_the_company_and_shows_its_proof():
    found = problems(slip(relation="contractor"))
    assert found == {"company": "company_required", "company_proof": "proof_required"}
    assert problems(slip(relation="contractor", company="Bright Renovation", has_proof=True)) == {}


def test_moving_out_needs_three_working_days_notice():
    thursday, wednesday = date(2026, 12, 10), date(2026, 12, 9)
    ok = slip(reason="moving_out", starts_at=at(thursday, 9), ends_at=at(thursday, 12))
    short = slip(reason="moving_out", starts_at=at(wednesday, 9), ends_at=at(wednesday, 12))
    assert problems(ok) == {}
    assert problems(short) == {"date": "notice_too_short"}


def test_holidays_lengthen_the_notice():
    holiday = Calendar(holidays=frozenset({date(2026, 12, 9)}))
    thursday = slip(reason="moving_out", starts_at=at(date(2026, 12, 10), 9), ends_at=at(date(2026, 12, 10), 12))
    assert problems(thursday, calendar=holiday) == {"date": "notice_too_short"}
    friday = slip(reason="moving_out", starts_at=at(date(2026, 12, 11), 9), ends_at=at(date(2026, 12, 11), 12))
    assert problems(friday, calendar=holiday) == {}


def test_other_reasons_need_no_notice():
    today = slip(reason="repair", starts_at=at(date(2026, 12, 7), 14), ends_at=at(date(2026, 12, 7), 16))
    assert problems(today) == {}


def test_large_items_move_only_between_eight_and_eight_on_working_days():
    day = date(2026, 12, 10)
    assert problems(slip(starts_at=at(day, 7, 30), ends_at=at(day, 10))) == {"window_start": "large_items_hours"}
    assert problems(slip(starts_at=at(day, 19), ends_at=at(day, 21))) == {"window_end": "large_items_hours"}
    assert problems(slip(starts_at=at(day, 8), ends_at=at(day, 20))) == {}
    saturday = date(2026, 12, 12)
    assert problems(slip(starts_at=at(saturday, 9), ends_at=at(saturday, 12))) == {"date": "large_items_day"}


def test_small_items_move_at_any_hour_and_any_day():
    saturday = date(2026, 12, 12)
    small = (Item("Books", 2),)
    assert problems(slip(items=small, starts_at=at(saturday, 21), ends_at=at(saturday, 22))) == {}


def test_an_estate_sets_its_own_hours_and_notice():
    rules = Rules(move_out_notice_days=5, large_items_from=time(9, 0), large_items_until=time(18, 0),
                  large_items_working_days=False)
    day = date(2026, 12, 12)  # Saturday
    assert problems(slip(starts_at=at(day, 9), ends_at=at(day, 18)), rules) == {}
    assert problems(slip(starts_at=at(day, 8, 30), ends_at=at(day, 12)), rules) == {"window_start": "large_items_hours"}
    thursday = slip(reason="moving_out", starts_at=at(date(2026, 12, 10), 9), ends_at=at(date(2026, 12, 10), 12))
    assert problems(thursday, rules) == {"date": "notice_too_short"}


def test_a_window_already_over_is_refused():
    assert problems(slip(starts_at=MONDAY - timedelta(hours=3), ends_at=MONDAY - timedelta(hours=1))) == {"date": "window_over"}


@given(st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)),
       st.frozensets(st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 3, 1)), max_size=30),
       st.integers(min_value=0, max_value=60))
def test_a_move_out_is_accepted_exactly_from_the_nth_working_day_after_today(today, holidays, offset):
    calendar = Calendar(holidays=holidays)
    now = at(today, 11)
    day = today + timedelta(days=offset)
    draft = slip(reason="moving_out", items=(Item("Boxes", 3),), starts_at=at(day, 12), ends_at=at(day, 13))
    refused = problems(draft, calendar=calendar, now=now).get("date") == "notice_too_short"
    assert refused == (calendar.working_days_between(today, day) < 3)


# Cleaning what was typed -------------------------------------------------------------------


def test_blank_item_rows_are_dropped_and_bad_quantities_named():
    items, found = r.clean_items([("Sofa", "1", True), ("", "", False), ("  Boxes ", "x", False), ("Lamp", "1000", False)])
    assert [i.name for i in items] == ["Sofa", "Boxes", "Lamp"]
    assert items[0].large and not items[1].large
    assert found == {2: "quantity_invalid", 3: "quantity_invalid"}


def test_text_is_normalised_and_wrong_choices_named():
    values, found = r.clean_text({"carrier_phone": "139 1234-5678", "vehicle_plate": "粤b 12345",
                                  "carrier_id_number": "110105 19900307123x", "reason": "smuggling"})
    assert values["carrier_phone"] == "13912345678"
    assert values["vehicle_plate"] == "粤B12345"
    assert values["carrier_id_number"] == "11010519900307123X"
    assert found == {"reason": "choice_invalid"}


def test_a_window_is_read_in_the_estates_time_zone():
    starts, ends, found = r.window("2026-12-10", "09:00", "12:30", TZ)
    assert found == {}
    assert starts == at(date(2026, 12, 10), 9) and ends == at(date(2026, 12, 10), 12, 30)
    assert r.window("2026-12-10", "12:00", "09:00", TZ)[2] == {"window_end": "window_backwards"}
    assert r.window("10/12/2026", "9", "", TZ)[2] == {"date": "date_invalid", "window_start": "time_invalid",
                                                      "window_end": "time_invalid"}
    assert r.window("", "", "", TZ) == (None, None, {})


# The front desk ---------------------------------------------------------------------------


def test_the_desk_approves_only_having_seen_an_identity_and_confirmed_the_items():
    assert r.desk_problems(identity_seen="", items_confirmed=False, fee_status="paid", rules=Rules()) == {
        "identity_seen": "identity_required", "items_confirmed": "items_unconfirmed"}
    assert r.desk_problems(identity_seen="resident_id", items_confirmed=True, fee_status="paid", rules=Rules()) == {}


def test_arrears_block_approval_until_settled_unless_the_estate_allows_it():
    assert r.desk_problems(identity_seen="passport", items_confirmed=True, fee_status="arrears", rules=Rules()) == {
        "fees": "arrears"}
    assert r.desk_problems(identity_seen="passport", items_confirmed=True, fee_status="arrears",
                           rules=Rules(arrears_block=False)) == {}


def test_receipt_numbers_are_short_codes():
    assert r.valid_receipt("FP-2026-00123")
    assert not r.valid_receipt("")
    assert not r.valid_receipt("paid <script>")


def test_the_queue_says_what_each_slip_waits_for():
    rules = Rules()
    assert r.waits_for("awaiting_consent", fee_status="paid", rules=rules) == ("consent",)
    assert r.waits_for("desk_review", fee_status="paid", rules=rules) == ("identity_check",)
    assert r.waits_for("desk_review", fee_status="arrears", rules=rules) == ("identity_check", "fee_check")
    assert r.waits_for("supervisor_review", fee_status="arrears", rules=rules) == ("supervisor",)
    assert r.waits_for("held", fee_status="paid", rules=rules) == ("amendment",)
    assert r.waits_for("released", fee_status="paid", rules=rules) == ()


# The gate ------------------------------------------------------------------------------------

START, END = at(date(2026, 12, 10), 9), at(date(2026, 12, 10), 12)


@pytest.mark.parametrize("state,now,expected", [
    ("approved", START, Verdict.VALID),
    ("approved", END, Verdict.VALID),  # the end is inclusive
    ("approved", END + timedelta(seconds=1), Verdict.EXPIRED),
    ("approved", START - timedelta(seconds=1), Verdict.NOT_YET_VALID),
    ("desk_review", START, Verdict.NOT_APPROVED),
    ("supervisor_review", START, Verdict.NOT_APPROVED),
    ("draft", START, Verdict.NOT_APPROVED),
    ("released", START, Verdict.ALREADY_RELEASED),
    ("released", END + timedelta(days=1), Verdict.ALREADY_RELEASED),
    ("held", START, Verdict.ON_HOLD),
    ("refused", START, Verdict.REFUSED),
    ("cancelled", START, Verdict.CANCELLED),
    ("expired", START, Verdict.EXPIRED),
])
def test_the_guard_sees_one_verdict_per_situation(state, now, expected):
    assert r.gate_verdict(state, START, END, now) is expected


def test_release_needs_every_item_ticked_and_the_carrier_confirmed():
    assert r.release_refusal(["a", "b"], ["a"], True) == r.ITEMS_UNCHECKED
    assert r.release_refusal(["a", "b"], ["b", "a"], False) == r.CARRIER_UNCONFIRMED
    assert r.release_refusal(["a", "b"], ["a", "b"], True) is None


def test_open_slips_expire_after_their_window_and_closed_ones_stay():
    after = END + timedelta(minutes=1)
    assert r.expires("approved", END, after)
    assert r.expires("draft", END, after)
    assert not r.expires("approved", END, END)
    assert not r.expires("released", END, after)
    assert not r.expires("draft", None, after)


# Standing goods permits ----------------------------------------------------------------------


def test_a_permit_lasts_one_year():
    granted = datetime(2026, 3, 1, 10, 0, tzinfo=ZONE)
    until = r.permit_until(granted)
    assert until == datetime(2027, 3, 1, 10, 0, tzinfo=ZONE)
    assert r.permit_status("approved", until, until) is PermitStatus.VALID
    assert r.permit_status("approved", until, until + timedelta(seconds=1)) is PermitStatus.EXPIRED
    assert r.permit_until(datetime(2028, 2, 29, 9, 0, tzinfo=ZONE)) == datetime(2029, 2, 28, 9, 0, tzinfo=ZONE)


def test_a_permit_is_pending_until_decided_and_renewable_near_its_end():
    now = datetime(2026, 12, 7, tzinfo=ZONE)
    assert r.permit_status("pending", None, now) is PermitStatus.PENDING
    assert r.permit_status("refused", None, now) is PermitStatus.REFUSED
    assert not r.may_renew(PermitStatus.VALID, now + timedelta(days=200), now)
    assert r.may_renew(PermitStatus.VALID, now + timedelta(days=20), now)
    assert r.may_renew(PermitStatus.EXPIRED, now - timedelta(days=2), now)
    assert not r.may_renew(PermitStatus.PENDING, None, now)
