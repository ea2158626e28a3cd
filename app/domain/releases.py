"""Goods release slips (物品放行条): the states a slip passes through, who must act next, the
estate's rules checked at submission (notice for moving out, hours for large items), the
front desk's check, and the verdict a guard sees when scanning a slip.

    draft -> awaiting_consent -> desk_review -> supervisor_review -> approved -> released
                  (the owner,        (front        (second                (the gate)
                   when a tenant      desk)         approval)
                   or contractor asks)

A slip the desk sends back is ``returned``; one the gate stops is ``held``: both wait for the
requester to amend it, which sends it to the desk again. The owner or the supervisor may
refuse; the requester may cancel; a slip not released by the end of its window expires.
Released, refused, cancelled and expired slips never change again.

Pure rules: services apply each move with one conditional UPDATE, so two people acting at once
(two owners answering, two guards releasing) cannot both win. Problems are codes; services and
templates turn them into sentences.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.domain import inputs
from app.domain.calendar import Calendar, NoWorkingDay
from app.domain.invitations import local_instant, normalise_phone, parse_time


class State(str, enum.Enum):
    DRAFT = "draft"
    AWAITING_CONSENT = "awaiting_consent"
    DESK_REVIEW = "desk_review"
    SUPERVISOR_REVIEW = "supervisor_review"
    APPROVED = "approved"
    RELEASED = "released"
    RETURNED = "returned"
    HELD = "held"
    REFUSED = "refused"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


S = State
TRANSITIONS: dict[State, frozenset[State]] = {
    S.DRAFT: frozenset({S.AWAITING_CONSENT, S.DESK_REVIEW, S.CANCELLED, S.EXPIRED}),
    S.AWAITING_CONSENT: frozenset({S.DESK_REVIEW, S.REFUSED, S.CANCELLED, S.EXPIRED}),
    S.DESK_REVIEW: frozenset({S.SUPERVISOR_REVIEW, S.RETURNED, S.CANCELLED, S.EXPIRED}),
    S.SUPERVISOR_REVIEW: frozenset({S.APPROVED, S.REFUSED, S.CANCELLED, S.EXPIRED}),
    S.APPROVED: frozenset({S.RELEASED, S.HELD, S.CANCELLED, S.EXPIRED}),
    S.RETURNED: frozenset({S.DESK_REVIEW, S.CANCELLED, S.EXPIRED}),
    S.HELD: frozenset({S.DESK_REVIEW, S.CANCELLED, S.EXPIRED}),
    S.RELEASED: frozenset(),
    S.REFUSED: frozenset(),
    S.CANCELLED: frozenset(),
    S.EXPIRED: frozenset(),
}

TERMINAL = frozenset(s for s, nexts in TRANSITIONS.items() if not nexts)
# The requester edits the slip in these (a draft freely; a returned or held one is amended and
# goes back to the desk).
AMENDABLE = frozenset({S.DRAFT, S.RETURNED, S.HELD})
# The front desk's queue: what waits for the desk, or for someone the desk follows up.
DESK_QUEUE = (S.DESK_REVIEW, S.AWAITING_CONSENT, S.HELD, S.RETURNED, S.SUPERVISOR_REVIEW)


def allowed(current: State | str, target: State | str) -> bool:
    try:
        current, target = State(current), State(target)
    except ValueError:
        return False
    return target in TRANSITIONS[current]


def sources(target: State | str) -> frozenset[State]:
    """The states a slip may reach ``target`` from (for a conditional UPDATE)."""
    target = State(target)
    return frozenset(s for s, nexts in TRANSITIONS.items() if target in nexts)


def is_closed(state: State | str) -> bool:
    return State(state) in TERMINAL


# What a slip names ------------------------------------------------------------------------

REASONS = ("moving_out", "renovation", "repair", "sale", "other")
RELATIONS = ("owner", "tenant", "family", "contractor")
ID_TYPES = ("resident_id", "passport", "other")
IDENTITY_SEEN = ("resident_id", "passport", "company_letter", "account", "other")
MAX_ITEMS = 30
MAX_QUANTITY = 999
LENGTHS = {"requester_name": 80, "company": 120, "carrier_name": 80, "carrier_id_number": 32, "vehicle_plate": 16,
           "notes": 1000, "item": 80, "note": 500, "identity_note": 200, "receipt": 40}
_PLATE = re.compile(r"^[0-9A-Z\u4e00-\u9fff·-]+$")
_RECEIPT = re.compile(r"^[0-9A-Za-z-]{3,40}$")


@dataclass(frozen=True)
class Item:
    name: str
    quantity: int = 1
    large: bool = False


@dataclass(frozen=True)
class Draft:
    """What a slip says, as typed and cleaned; times are None until given."""

    reason: str = ""
    relation: str = ""
    requester_name: str = ""
    company: str = ""
    has_proof: bool = False
    carrier_name: str = ""
    carrier_id_type: str = ""
    carrier_id_number: str = ""
    carrier_phone: str = ""
    vehicle_plate: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    notes: str = ""
    items: tuple[Item, ...] = ()

    @property
    def has_large_items(self) -> bool:
        return any(item.large for item in self.items)


def clean_items(rows: Iterable[tuple[str, str, bool]]) -> tuple[tuple[Item, ...], dict[int, str]]:
    """Item rows as typed (name, quantity, large): blank rows dropped; problems by row index
    (quantity_invalid, too_long)."""
    items: list[Item] = []
    problems: dict[int, str] = {}
    for index, (name, quantity, large) in enumerate(rows):
        name = re.sub(r"\s+", " ", name or "").strip()
        if not name:
            continue
        text = (quantity or "1").strip()
        number = inputs.whole_number(text, 1, MAX_QUANTITY)
        if number is None:
            problems[index] = "quantity_invalid"
        if len(name) > LENGTHS["item"]:
            problems[index] = "too_long"
        items.append(Item(name=name, quantity=number or 1, large=bool(large)))
    return tuple(items), problems


def clean_text(raw: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The slip's text fields trimmed and normalised, with problems a draft may not keep
    (too_long, plate_invalid, phone_invalid, choice_invalid): a draft can be incomplete, never
    wrong."""
    keys = ("reason", "relation", "requester_name", "company", "carrier_name", "carrier_id_type",
            "carrier_id_number", "carrier_phone", "vehicle_plate", "notes")
    v = {k: str(raw.get(k) or "").strip() for k in keys}
    v["carrier_phone"] = normalise_phone(v["carrier_phone"])
    v["vehicle_plate"] = re.sub(r"\s", "", v["vehicle_plate"]).upper()
    v["carrier_id_number"] = re.sub(r"\s", "", v["carrier_id_number"]).upper()
    problems: dict[str, str] = {}
    for key, choices in (("reason", REASONS), ("relation", RELATIONS), ("carrier_id_type", ID_TYPES)):
        if v[key] and v[key] not in choices:
            problems[key] = "choice_invalid"
    for key, length in LENGTHS.items():
        if key in v and len(v[key]) > length:
            problems[key] = "too_long"
    phone = v["carrier_phone"]
    if phone and not (phone.isascii() and phone.lstrip("+").isdigit() and 5 <= len(phone.lstrip("+")) <= 20
                      and phone.count("+") <= 1):
        problems["carrier_phone"] = "phone_invalid"
    if v["vehicle_plate"] and not _PLATE.match(v["vehicle_plate"]):
        problems["vehicle_plate"] = "plate_invalid"
    return v, problems


def window(day_text: str, start_text: str, end_text: str, tz: str) -> tuple[datetime | None, datetime | None, dict[str, str]]:
    """The planned window from a date and two HH:MM times in the estate's time zone (UTC out);
    empty fields give None (a draft may leave them); problems: date_invalid, time_invalid,
    time_skipped, window_backwards."""
    problems: dict[str, str] = {}
    if not (day_text or start_text or end_text):
        return None, None, problems
    day = inputs.day(day_text)
    if day is None:
        problems["date"] = "date_invalid"
    start, end = parse_time(start_text), parse_time(end_text)
    if start is None:
        problems["window_start"] = "time_invalid"
    if end is None:
        problems["window_end"] = "time_invalid"
    if day is None or start is None or end is None:
        return None, None, problems
    starts_at, ends_at = local_instant(day, start, tz), local_instant(day, end, tz)
    if starts_at is None:
        problems["window_start"] = "time_skipped"
    if ends_at is None:
        problems["window_end"] = "time_skipped"
    if starts_at and ends_at and ends_at <= starts_at:
        problems["window_end"] = "window_backwards"
    return starts_at, ends_at, problems


# The estate's rules ----------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    consent_required: bool = True
    arrears_block: bool = True
    move_out_notice_days: int = 3
    large_items_from: time = time(8, 0)
    large_items_until: time = time(20, 0)
    large_items_working_days: bool = True


MAX_NOTICE_DAYS = 30


def needs_consent(rules: Rules, relation: str, started_by_owner: bool) -> bool:
    """A tenant's or a contractor's slip needs an owner's consent, unless an owner started it."""
    return rules.consent_required and relation in ("tenant", "contractor") and not started_by_owner


def earliest_move_out(today: date, rules: Rules, calendar: Calendar) -> date:
    """The first day a move-out may happen when notice is given ``today``: the N-th working day
    after it (3 working days' notice given on a Monday: Thursday at the earliest)."""
    return calendar.add_working_days(today, rules.move_out_notice_days)


def submission_problems(slip: Draft, rules: Rules, calendar: Calendar, *, now: datetime, tz: str) -> dict[str, str]:
    """Everything a slip must say before it is sent, and the estate's rules on its timing.

    Codes: reason_required, relation_required, requester_required, company_required,
    proof_required, carrier_name_required, carrier_id_required, carrier_phone_required,
    items_required, too_many_items, date_required, window_over, notice_too_short,
    large_items_hours, large_items_day."""
    p: dict[str, str] = {}
    if slip.reason not in REASONS:
        p["reason"] = "reason_required"
    if slip.relation not in RELATIONS:
        p["relation"] = "relation_required"
    if not slip.requester_name:
        p["requester_name"] = "requester_required"
    if slip.relation == "contractor":
        if not slip.company:
            p["company"] = "company_required"
        if not slip.has_proof:
            p["company_proof"] = "proof_required"
    if not slip.carrier_name:
        p["carrier_name"] = "carrier_name_required"
    if slip.carrier_id_type not in ID_TYPES:
        p["carrier_id_type"] = "carrier_id_required"
    if not slip.carrier_id_number:
        p["carrier_id_number"] = "carrier_id_required"
    if not slip.carrier_phone:
        p["carrier_phone"] = "carrier_phone_required"
    if not slip.items:
        p["items"] = "items_required"
    elif len(slip.items) > MAX_ITEMS:
        p["items"] = "too_many_items"
    if slip.starts_at is None or slip.ends_at is None:
        p["date"] = "date_required"
        return p
    if slip.ends_at < now:
        p["date"] = "window_over"
        return p
    zone = ZoneInfo(tz)
    local_start, local_end = slip.starts_at.astimezone(zone), slip.ends_at.astimezone(zone)
    if slip.reason == "moving_out":
        try:
            earliest = earliest_move_out(now.astimezone(zone).date(), rules, calendar)
        except NoWorkingDay:
            earliest = None
        if earliest is None or local_start.date() < earliest:
            p["date"] = "notice_too_short"
    if slip.has_large_items:
        if rules.large_items_working_days and not calendar.is_working(local_start.date()):
            p.setdefault("date", "large_items_day")
        if local_start.time() < rules.large_items_from:
            p["window_start"] = "large_items_hours"
        if local_end.time() > rules.large_items_until or local_end.date() != local_start.date():
            p["window_end"] = "large_items_hours"
    return p


# The front desk and the supervisor ---------------------------------------------------------


def desk_problems(*, identity_seen: str, items_confirmed: bool, fee_status: str, rules: Rules) -> dict[str, str]:
    """What stops the front desk approving: identity_required, items_unconfirmed, arrears."""
    p: dict[str, str] = {}
    if identity_seen not in IDENTITY_SEEN:
        p["identity_seen"] = "identity_required"
    if not items_confirmed:
        p["items_confirmed"] = "items_unconfirmed"
    if rules.arrears_block and fee_status == "arrears":
        p["fees"] = "arrears"
    return p


def valid_receipt(text: str) -> bool:
    return bool(_RECEIPT.match((text or "").strip()))


def waits_for(state: State | str, *, fee_status: str, rules: Rules) -> tuple[str, ...]:
    """What a slip in the desk's queue waits for, as codes the queue shows: consent,
    identity_check, fee_check (the unit is in arrears), supervisor, amendment."""
    state = State(state)
    if state is S.AWAITING_CONSENT:
        return ("consent",)
    if state is S.DESK_REVIEW:
        fees = ("fee_check",) if rules.arrears_block and fee_status == "arrears" else ()
        return ("identity_check", *fees)
    if state is S.SUPERVISOR_REVIEW:
        return ("supervisor",)
    if state in (S.RETURNED, S.HELD):
        return ("amendment",)
    return ()


# At the gate ---------------------------------------------------------------------------------


class Verdict(str, enum.Enum):
    VALID = "slip_valid"
    NOT_YET_VALID = "slip_not_yet_valid"
    NOT_APPROVED = "slip_not_approved"
    EXPIRED = "slip_expired"
    ALREADY_RELEASED = "slip_released"
    ON_HOLD = "slip_held"
    REFUSED = "slip_refused"
    CANCELLED = "slip_cancelled"


def gate_verdict(state: State | str, starts_at: datetime | None, ends_at: datetime | None, now: datetime) -> Verdict:
    """Whether the goods may leave now on this slip. Window ends are inclusive."""
    state = State(state)
    if state is S.RELEASED:
        return Verdict.ALREADY_RELEASED
    if state is S.HELD:
        return Verdict.ON_HOLD
    if state is S.REFUSED:
        return Verdict.REFUSED
    if state is S.CANCELLED:
        return Verdict.CANCELLED
    if state is S.EXPIRED or (ends_at is not None and now > ends_at):
        return Verdict.EXPIRED
    if state is not S.APPROVED:
        return Verdict.NOT_APPROVED
    if starts_at is not None and now < starts_at:
        return Verdict.NOT_YET_VALID
    return Verdict.VALID


# Outcomes of the guard's two actions (beside the verdicts): released, held; and why a
# release was not done.
RELEASED = "released"
HELD = "held"
ITEMS_UNCHECKED = "items_unchecked"
CARRIER_UNCONFIRMED = "carrier_unconfirmed"
HOLD_NOTE_REQUIRED = "hold_note_required"


def release_refusal(item_ids: Iterable[str], ticked: Iterable[str], carrier_confirmed: bool) -> str | None:
    """Every item ticked and the carrier confirmed, or the reason the guard may not release."""
    if set(item_ids) - set(ticked):
        return ITEMS_UNCHECKED
    if not carrier_confirmed:
        return CARRIER_UNCONFIRMED
    return None


def expires(state: State | str, ends_at: datetime | None, now: datetime) -> bool:
    """A slip still open whose window is over: the periodic task moves it to expired."""
    return not is_closed(state) and ends_at is not None and now > ends_at


# Standing goods permits ----------------------------------------------------------------------

PERMIT_YEARS = 1
PERMIT_RENEW_DAYS = 30  # renewal is offered in the last month, and after expiry


class PermitStatus(str, enum.Enum):
    PENDING = "pending"
    VALID = "valid"
    EXPIRED = "expired"
    REFUSED = "refused"


def permit_until(valid_from: datetime) -> datetime:
    """One year on (29 February becomes 28 February)."""
    try:
        return valid_from.replace(year=valid_from.year + PERMIT_YEARS)
    except ValueError:
        return valid_from.replace(year=valid_from.year + PERMIT_YEARS, day=28)


def permit_status(state: str, valid_until: datetime | None, now: datetime) -> PermitStatus:
    if state == "refused":
        return PermitStatus.REFUSED
    if state != "approved" or valid_until is None:
        return PermitStatus.PENDING
    return PermitStatus.VALID if now <= valid_until else PermitStatus.EXPIRED


def may_renew(status: PermitStatus, valid_until: datetime | None, now: datetime) -> bool:
    if status is PermitStatus.EXPIRED:
        return True
    return status is PermitStatus.VALID and valid_until is not None \
        and valid_until - now <= timedelta(days=PERMIT_RENEW_DAYS)
