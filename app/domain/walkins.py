"""Walk-in registrations: what kinds there are, the states each passes through, and who may
move it on. Pure rules: the services apply them with one conditional UPDATE per move, so two
people acting at once (two household members answering, a resident answering as the
consent times out) cannot both win.

walk_in:    waiting -> approved -> admitted            (a household member said yes; the guard admits)
            waiting -> refused                          (a household member said no)
            waiting -> unreachable -> escalated -> admitted -> completed   (the manager admits; patrol escorts)
                                                 -> turned_away
emergency:  open -> completed                           (admitted at once; details filled in afterwards)
refused_to_register, prohibited_items: recorded as they are (state "recorded"), nothing follows.

Escort tasks: open -> acknowledged -> done (a patrol guard may also finish one straight away).
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from app.domain import inputs
from app.domain.watchlist import norm_phone


class Kind(str, enum.Enum):
    WALK_IN = "walk_in"
    EMERGENCY = "emergency"
    REFUSED_TO_REGISTER = "refused_to_register"
    PROHIBITED_ITEMS = "prohibited_items"


class State(str, enum.Enum):
    WAITING = "waiting"
    APPROVED = "approved"
    REFUSED = "refused"
    UNREACHABLE = "unreachable"
    ESCALATED = "escalated"
    ADMITTED = "admitted"
    TURNED_AWAY = "turned_away"
    LEFT = "left"  # approved, then went away without coming in
    OPEN = "open"
    COMPLETED = "completed"
    RECORDED = "recorded"


S = State
TRANSITIONS: dict[Kind, dict[State, frozenset[State]]] = {
    Kind.WALK_IN: {
        S.WAITING: frozenset({S.APPROVED, S.REFUSED, S.UNREACHABLE}),
        S.APPROVED: frozenset({S.ADMITTED, S.LEFT}),
        S.UNREACHABLE: frozenset({S.ESCALATED}),
        S.ESCALATED: frozenset({S.ADMITTED, S.TURNED_AWAY}),
        S.ADMITTED: frozenset({S.COMPLETED}),
    },
    Kind.EMERGENCY: {S.OPEN: frozenset({S.COMPLETED})},
    Kind.REFUSED_TO_REGISTER: {},
    Kind.PROHIBITED_ITEMS: {},
}

INITIAL: dict[Kind, State] = {
    Kind.WALK_IN: S.WAITING,
    Kind.EMERGENCY: S.OPEN,
    Kind.REFUSED_TO_REGISTER: S.RECORDED,
    Kind.PROHIBITED_ITEMS: S.RECORDED,
}

# Still needing someone: on the guard's list and (escalated, emergencies) the manager's.
OPEN_STATES: dict[Kind, frozenset[State]] = {
    Kind.WALK_IN: frozenset({S.WAITING, S.APPROVED, S.UNREACHABLE, S.ESCALATED}),
    Kind.EMERGENCY: frozenset({S.OPEN}),
}

# While in these, the guard's screen asks the server again every few seconds: someone else
# (the household, the manager) will move it on. Other states wait for the guard.
POLLING_STATES = frozenset({S.WAITING, S.ESCALATED})

# Purposes of a visit, the same as an invitation's.
PURPOSES = ("family_friend", "domestic_help", "repair", "delivery", "other")
GENDERS = ("female", "male", "other")
ID_TYPES = ("resident_id", "passport", "other")

# The estate's consent timeout, in seconds: long enough to answer a phone, short enough that
# nobody stands at the gate for long.
MIN_CONSENT_TIMEOUT = 5
MAX_CONSENT_TIMEOUT = 1800
DEFAULT_CONSENT_TIMEOUT = 180


class EscortState(str, enum.Enum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    DONE = "done"


ESCORT_TRANSITIONS: dict[EscortState, frozenset[EscortState]] = {
    EscortState.OPEN: frozenset({EscortState.ACKNOWLEDGED, EscortState.DONE}),
    EscortState.ACKNOWLEDGED: frozenset({EscortState.DONE}),
}


def initial_state(kind: Kind | str) -> State:
    return INITIAL[Kind(kind)]


def allowed(kind: Kind | str, current: State | str, target: State | str) -> bool:
    """Whether a registration of this kind may move from ``current`` to ``target``."""
    try:
        kind, current, target = Kind(kind), State(current), State(target)
    except ValueError:
        return False
    return target in TRANSITIONS[kind].get(current, frozenset())


def is_open(kind: Kind | str, state: State | str) -> bool:
    try:
        return State(state) in OPEN_STATES.get(Kind(kind), frozenset())
    except ValueError:
        return False


def polls(state: State | str) -> bool:
    return state in {s.value for s in POLLING_STATES}


def escort_allowed(current: EscortState | str, target: EscortState | str) -> bool:
    try:
        current, target = EscortState(current), EscortState(target)
    except ValueError:
        return False
    return target in ESCORT_TRANSITIONS.get(current, frozenset())


def escort_sources(target: EscortState | str) -> frozenset[EscortState]:
    target = EscortState(target)
    return frozenset(s for s, nexts in ESCORT_TRANSITIONS.items() if target in nexts)


# Consent timing -----------------------------------------------------------------------------


def consent_deadline(now: datetime, timeout_seconds: int) -> datetime:
    return now + timedelta(seconds=timeout_seconds)


def timed_out(state: State | str, deadline: datetime | None, now: datetime) -> bool:
    """A waiting registration whose deadline has passed: nobody answered in time."""
    return state == State.WAITING and deadline is not None and now > deadline


def valid_consent_timeout(seconds: int) -> bool:
    return MIN_CONSENT_TIMEOUT <= seconds <= MAX_CONSENT_TIMEOUT


# What the guard typed ------------------------------------------------------------------------

FACT_FIELDS = ("name", "gender", "id_type", "id_number", "phone", "unit", "resident_asked_for", "purpose",
               "party_size", "vehicle_plate", "items", "relation")
LENGTHS = {"name": 80, "id_number": 32, "resident_asked_for": 80, "vehicle_plate": 16, "items": 1000,
           "relation": 40, "note": 1000}
MAX_PARTY = 50
MAX_EVIDENCE = 2000


def clean_facts(kind: Kind | str, raw: dict[str, str]) -> tuple[dict, dict[str, str]]:
    """The facts of a registration, trimmed and normalised, with a problem code per field:
    name_required, gender_required, id_type_required, id_number_required, phone_required,
    phone_invalid, purpose_required, relation_required, items_required, party_invalid,
    unit_required, too_long. The unit stays as typed (the service finds it).

    A walk-in needs everything the consent request and the record need; an emergency only the
    name, the relation and the unit; the two refusals whatever the guard could get (prohibited
    items: the items)."""
    kind = Kind(kind)
    v = {k: str(raw.get(k) or "").strip() for k in (*FACT_FIELDS, "note")}
    v["phone"] = norm_phone(v["phone"]) if v["phone"] else ""
    v["vehicle_plate"] = v["vehicle_plate"].upper()
    problems: dict[str, str] = {}
    if kind is Kind.WALK_IN:
        for key, allowed_values in (("gender", GENDERS), ("id_type", ID_TYPES), ("purpose", PURPOSES)):
            if v[key] not in allowed_values:
                problems[key] = f"{key}_required"
        for key in ("id_number", "phone"):
            if not v[key]:
                problems[key] = f"{key}_required"
    else:  # optional, but only known values are kept
        for key, allowed_values in (("gender", GENDERS), ("id_type", ID_TYPES), ("purpose", PURPOSES)):
            if v[key] not in allowed_values:
                v[key] = ""
    if kind in (Kind.WALK_IN, Kind.EMERGENCY):
        if not v["name"]:
            problems["name"] = "name_required"
        if not v["unit"]:
            problems["unit"] = "unit_required"
    if kind is Kind.EMERGENCY and not v["relation"]:
        problems["relation"] = "relation_required"
    if kind is Kind.PROHIBITED_ITEMS and not v["items"]:
        problems["items"] = "items_required"
    if v["phone"] and not 5 <= len(v["phone"]) <= 20:
        problems["phone"] = "phone_invalid"
    v["party_size"] = inputs.whole_number(v["party_size"] or "1", 0, 10_000) or 0
    if not 1 <= v["party_size"] <= MAX_PARTY:
        problems["party_size"] = "party_invalid"
    for key, length in LENGTHS.items():
        if len(v[key]) > length:
            problems.setdefault(key, "too_long")
    return v, problems
