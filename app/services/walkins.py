"""Walk-in visitors (docs/product.md), the gate guard's side: registering a visitor (walk-in,
emergency, refusal to register, prohibited items), the waiting screen's status, admitting
after consent, escalating when nobody answered, completing an emergency afterwards.

The household's and the manager's answers are in ``walkin_answers``, the lists and the
timeout job in ``walkin_lists``; both are re-exported here, so callers use ``walkins.X``.

Every move of a registration is one conditional UPDATE (``... WHERE state = expected``), and
guard actions go through ``idempotency.once``: a double tap or a replayed request returns the
first result and changes nothing.

Notification params (never a phone or an ID number): ``name`` (the visitor), ``unit`` (label),
``gate`` (name), and by kind ``purpose``, ``relation``, ``decision`` (approved, refused, admit,
turn_away), ``by`` (who decided), ``items``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Awaitable, Callable
from uuid import UUID

from app.domain import walkins as rules
from app.domain.notifications import Kind as Note
from app.domain.roles import Role
from app.domain.units import parse_unit_label
from app.domain.walkins import FACT_FIELDS, Kind, State
from app.domain.watchlist import norm_phone
from app.i18n import N_
from app.models.estates import Unit
from app.models.visitors import EscortTask, Registration, Visit
from app.services import audit, estates, idempotency, notify, sealed, watchlist
from app.services import walkin_records as records
from app.services.clock import utcnow
from app.services.errors import Invalid, NotFound
from app.services.idempotency import Action
from app.services.scope import Scope
from app.services.walkin_answers import answer_consent, consent_view, decide_escalation, pending_consents
from app.services.walkin_lists import escalations, expire_waiting, expire_waiting_job, open_list

__all__ = [
    "Facts", "WatchlistWarning", "FACT_FIELDS", "register", "lookup", "watch", "form_defaults",
    "status", "detail", "admit", "escalate", "complete",
    "answer_consent", "consent_view", "pending_consents", "decide_escalation",
    "open_list", "escalations", "expire_waiting", "expire_waiting_job",
]

TOO_LONG = N_("This is too long.")
UNIT_UNKNOWN = N_("There is no such unit in this estate.")
GATE_REQUIRED = N_("Choose the gate you are at.")
RELATION_REQUIRED = N_("Enter their relation to the household.")
EVIDENCE_REQUIRED = N_("Write down what the visitor showed or said.")
WATCHLISTED = N_("This visitor matches the watchlist. Check the warning, then confirm or refuse entry.")
# The domain's problem codes, as sentences.
MESSAGES = {
    "name_required": N_("Enter the visitor's name."),
    "gender_required": N_("Choose the visitor's gender."),
    "id_type_required": N_("Choose the kind of ID shown."),
    "id_number_required": N_("Enter the ID number."),
    "phone_required": N_("Enter the visitor's phone number."),
    "phone_invalid": N_("Enter a phone number of 5 to 20 digits."),
    "unit_required": N_("Enter the unit they are visiting, e.g. 5-2-1301."),
    "purpose_required": N_("Choose the purpose of the visit."),
    "party_invalid": N_("Enter how many people, from 1 to 50."),
    "relation_required": RELATION_REQUIRED,
    "items_required": N_("List the prohibited items."),
    "too_long": TOO_LONG,
}


@dataclass(frozen=True)
class Facts:
    """What the guard typed: all text, as the form sent it."""

    kind: str = Kind.WALK_IN.value
    gate: str = ""
    name: str = ""
    gender: str = ""
    id_type: str = ""
    id_number: str = ""
    phone: str = ""
    unit: str = ""
    resident_asked_for: str = ""
    purpose: str = ""
    party_size: str = "1"
    vehicle_plate: str = ""
    items: str = ""
    relation: str = ""
    note: str = ""
    watchlist_ack: bool = False


@dataclass
class Checked:
    """Facts that passed the checks, ready to store."""

    values: dict
    unit_id: UUID | None
    unit_label: str
    gate_id: UUID | None
    gate_name: str


class WatchlistWarning(Invalid):
    """The visitor matches the watchlist and the guard has not confirmed yet."""

    def __init__(self, matches: list[dict]):
        super().__init__({"__all__": WATCHLISTED})
        self.matches = matches


# Checking what the guard typed -----------------------------------------------------------


async def _unit(scope: Scope, text: str) -> tuple[UUID | None, str]:
    label = parse_unit_label(text)
    if label is None:
        return None, ""
    row = await Unit.select(Unit.id, Unit.label).where(scope.where(Unit) & (Unit.label == str(label))).first()
    return (row["id"], row["label"]) if row else (None, "")


async def _gate(scope: Scope, text: str) -> tuple[UUID | None, str, bool]:
    """The chosen gate (id, name), and whether the estate has gates at all."""
    gates = await estates.gates(scope)
    for gate in gates:
        if str(gate["id"]) == text.strip():
            return gate["id"], gate["name"], True
    return None, "", bool(gates)


async def _check(scope: Scope, facts: Facts, *, completing: bool = False) -> Checked:
    """The domain's checks of the typed facts, then the unit and the gate looked up in this estate."""
    kind = _kind(facts)
    values, problems = rules.clean_facts(kind, {k: getattr(facts, k) for k in (*rules.FACT_FIELDS, "note")})
    errors = {key: MESSAGES[code] for key, code in problems.items()}
    unit_id, unit_label = None, ""
    if values["unit"] and "unit" not in errors:
        unit_id, unit_label = await _unit(scope, values["unit"])
        if unit_id is None:
            errors["unit"] = UNIT_UNKNOWN
    gate_id, gate_name = None, ""
    if not completing:
        gate_id, gate_name, has_gates = await _gate(scope, facts.gate)
        if has_gates and gate_id is None:
            errors["gate"] = GATE_REQUIRED
    if errors:
        raise Invalid(errors)
    del values["unit"], values["note"]
    return Checked(values=values, unit_id=unit_id, unit_label=unit_label, gate_id=gate_id, gate_name=gate_name)


def _kind(facts: Facts) -> Kind:
    return Kind(facts.kind) if facts.kind in Kind._value2member_map_ else Kind.WALK_IN


# The guard's form --------------------------------------------------------------------------


async def form_defaults(scope: Scope, preferred_gate: str = "") -> dict:
    """The gates, with the one chosen on this phone (the gate page's choice) or else the one
    this guard used last."""
    gates = await estates.gates(scope)
    if any(str(g["id"]) == preferred_gate for g in gates):
        return {"gates": gates, "gate": preferred_gate}
    last = await Registration.select(Registration.gate).where(
        scope.where(Registration) & (Registration.guard == scope.person_id) & Registration.gate.is_not_null()
    ).order_by(Registration.created_at, ascending=False).first()
    chosen = str(last["gate"]) if last else (str(gates[0]["id"]) if gates else "")
    return {"gates": gates, "gate": chosen}


async def watch(scope: Scope, *, name: str = "", id_number: str = "", phone: str = "") -> list[dict]:
    """Watchlist entries the typed details match (for the warning beside the form)."""
    return await watchlist.matches(scope.estate_id, name=name, id_number=id_number, phone=phone)


async def lookup(scope: Scope, phone: str, typed: dict[str, str]) -> dict:
    """A returning visitor: the typed values, with empty ones filled from the latest registration
    with this phone in this estate; and any watchlist match of the result."""
    values = dict(typed)
    found = None
    wanted = norm_phone(phone)
    if wanted:
        found = await Registration.select(
            Registration.name, Registration.gender, Registration.id_type, Registration.id_number,
            Registration.phone, Registration.unit.label.as_alias("unit"), Registration.resident_asked_for,
            Registration.purpose, Registration.party_size, Registration.vehicle_plate, Registration.created_at,
        ).where(scope.where(Registration) & (Registration.phone_hash == sealed.keyring().digest(wanted))).order_by(
            Registration.created_at, ascending=False
        ).first()
        sealed.open_row(Registration, found)
    if found:
        for key in ("name", "gender", "id_type", "id_number", "unit", "resident_asked_for", "purpose",
                    "vehicle_plate"):
            if not (values.get(key) or "").strip() and found.get(key):
                values[key] = found[key]
        if not (values.get("party_size") or "").strip() or values.get("party_size") == "1":
            values["party_size"] = str(found["party_size"])
    values["phone"] = phone
    matches = await watch(scope, name=values.get("name", ""), id_number=values.get("id_number", ""),
                          phone=phone)
    return {"values": values, "returning": found, "matches": matches}


# Registering -------------------------------------------------------------------------------


async def register(scope: Scope, act: Action, facts: Facts) -> dict:
    """Record a registration of any kind; returns {"registration_id", "kind", "state"}.

    A walk-in asks every household member for consent (no member at all: straight to
    unreachable); an emergency admits at once and sends patrol; the two refusals are recorded
    and the manager (and, for a refusal to register, the front desk) told.
    """
    earlier = await idempotency.previous(act)
    if earlier is not None:
        return earlier
    checked = await _check(scope, facts)
    kind = _kind(facts)
    v = checked.values
    matches = await watch(scope, name=v["name"], id_number=v["id_number"], phone=v["phone"])
    if matches and kind is Kind.WALK_IN and not facts.watchlist_ack:
        raise WatchlistWarning(matches)
    now = utcnow()

    async def work() -> dict:
        state = rules.initial_state(kind)
        members: list[UUID] = []
        deadline = None
        if kind is Kind.WALK_IN:
            members = await notify.household(checked.unit_id)
            if members:
                deadline = rules.consent_deadline(now, await records.consent_timeout(scope.estate_id))
            else:
                state = State.UNREACHABLE
        reg = Registration(**sealed.seal(Registration, dict(
            estate=scope.estate_id, gate=checked.gate_id, guard=scope.person_id, kind=kind.value,
            state=state.value, unit=checked.unit_id, watchlist_hit=bool(matches), consent_deadline=deadline,
            device_time=act.device_time, decision_note=facts.note.strip(), **v,
        )))
        await reg.save()
        records.changed(scope.estate_id, checked.unit_id)
        params = {"name": v["name"], "unit": checked.unit_label, "gate": checked.gate_name}
        household_page = notify.page(scope, "consent_detail", registration_id=reg.id)
        staff_page = notify.page(scope, "walkin_detail", registration_id=reg.id)
        if kind is Kind.WALK_IN and members:
            await notify.queue(scope.estate_id, members, Note.CONSENT_REQUEST,
                               params={**params, "purpose": v["purpose"]}, url=household_page, subject=reg.id)
        elif kind is Kind.EMERGENCY:
            await records.admit_visit(scope, reg, admitted_by=scope.person_id, device_time=act.device_time)
            await records.escort(scope, reg, "emergency")
            params["relation"] = v["relation"]
            await notify.queue(scope.estate_id, await notify.household(checked.unit_id), Note.EMERGENCY,
                               params=params, url=household_page, subject=reg.id)
            await notify.queue(scope.estate_id, await notify.holders(scope.estate_id, Role.MANAGER), Note.EMERGENCY,
                               params=params, url=staff_page, subject=reg.id)
            await notify.queue(scope.estate_id, await notify.holders(scope.estate_id, Role.PATROL_GUARD),
                               Note.EMERGENCY, params=params, url=notify.page(scope, "escort_list"), subject=reg.id)
        elif kind is Kind.REFUSED_TO_REGISTER:
            await notify.queue(scope.estate_id, await notify.holders(scope.estate_id, Role.MANAGER, Role.FRONT_DESK),
                               Note.REFUSED_TO_REGISTER, params=params, url=staff_page, subject=reg.id)
        elif kind is Kind.PROHIBITED_ITEMS:
            await notify.queue(scope.estate_id, await notify.holders(scope.estate_id, Role.MANAGER),
                               Note.PROHIBITED_ITEMS, params={**params, "items": v["items"][:200]},
                               url=staff_page, subject=reg.id)
        await audit.record(f"walkin.{kind.value}", actor=scope.person_id, estate=scope.estate_id, subject=reg.id,
                           state=state.value, unit=checked.unit_label, watchlist_hit=bool(matches),
                           household_asked=len(members))
        if matches and kind in (Kind.WALK_IN, Kind.EMERGENCY):  # let in (or asked for) despite the match
            await audit.record("walkin.watchlist_override", actor=scope.person_id, estate=scope.estate_id,
                               subject=reg.id, entries=[str(m["id"]) for m in matches])
        return {"registration_id": str(reg.id), "kind": kind.value, "state": state.value}

    return await idempotency.once(act, "walkin_register", scope.estate_id, work)


# Reading one registration ------------------------------------------------------------------


def _actions(scope: Scope, row: dict) -> set[str]:
    """What the person looking may do next, by the state machine and their roles."""
    kind, state = row["kind"], row["state"]
    actions = set()
    if scope.has(Role.GATE_GUARD):
        if state == State.APPROVED and rules.allowed(kind, state, State.ADMITTED):
            actions.add("admit")
        if state == State.APPROVED and rules.allowed(kind, state, State.LEFT):
            actions.add("left")
        if rules.allowed(kind, state, State.ESCALATED):
            actions.add("escalate")
        if kind == Kind.EMERGENCY and rules.allowed(kind, state, State.COMPLETED):
            actions.add("complete")
    if scope.has(Role.MANAGER) and state == State.ESCALATED:
        actions.add("decide")
    return actions


async def status(scope: Scope, registration_id: UUID | str) -> dict:
    """A registration as staff see it: the guard's waiting screen and the detail page."""
    row = await records.expire_if_due(await records.row(scope, registration_id), utcnow())
    row["polls"] = rules.polls(row["state"])
    row["actions"] = _actions(scope, row)
    row["open"] = rules.is_open(row["kind"], row["state"])
    row["via"] = records.via(row)
    return row


async def detail(scope: Scope, registration_id: UUID | str) -> dict:
    row = await status(scope, registration_id)
    row["visits"] = await Visit.select(
        Visit.id, Visit.entered_at, Visit.exited_at, Visit.entry_gate.name.as_alias("gate_name"),
        Visit.admitted_by.name.as_alias("admitted_by_name"),
    ).where(Visit.registration == row["id"]).order_by(Visit.entered_at)
    row["escorts"] = await EscortTask.select(
        EscortTask.id, EscortTask.kind, EscortTask.state, EscortTask.created_at, EscortTask.note,
        EscortTask.acknowledged_by.name.as_alias("acknowledged_by_name"), EscortTask.acknowledged_at,
        EscortTask.completed_by.name.as_alias("completed_by_name"), EscortTask.completed_at,
    ).where(EscortTask.registration == row["id"]).order_by(EscortTask.created_at)
    return row


# The guard acts on a registration ----------------------------------------------------------


async def _settle_approved(scope: Scope, act: Action, registration_id: UUID | str, target: State, flag: str,
                           then: Callable[[dict], Awaitable[dict]], also: dict | None = None) -> dict:
    """Move a walk-in the household approved to ``target`` (and the columns in ``also``), once
    (the guard's action ``walkin_<flag>``): ``then(row)`` does the rest of the work and gives
    what the result adds; ``flag`` in the result says whether this request moved it."""
    row = await records.row(scope, registration_id)

    async def work() -> dict:
        moved = await Registration.update({Registration.state: target.value, **(also or {})}).where(
            (Registration.id == row["id"]) & (Registration.state == State.APPROVED.value)
            & (Registration.kind == Kind.WALK_IN.value)
        ).returning(Registration.id)
        if not moved:
            return {flag: False, **(await records.current(row["id"]))}
        records.changed(scope.estate_id, row["unit"])
        return {flag: True, "state": target.value, **(await then(row))}

    return await idempotency.once(act, f"walkin_{flag}", scope.estate_id, work)


async def admit(scope: Scope, act: Action, registration_id: UUID | str) -> dict:
    """The guard lets in a visitor the household approved: the Visit is recorded once."""
    async def record(row: dict) -> dict:
        visit_id = await records.admit_visit(scope, row, admitted_by=scope.person_id, device_time=act.device_time)
        await audit.record("walkin.admitted", actor=scope.person_id, estate=scope.estate_id, subject=row["id"],
                           visit=str(visit_id))
        return {"visit_id": str(visit_id)}

    return await _settle_approved(scope, act, registration_id, State.ADMITTED, "admitted", record)


async def left(scope: Scope, act: Action, registration_id: UUID | str) -> dict:
    """A visitor the household approved went away without coming in: the guard closes the
    registration, so it leaves the open list; nobody was admitted."""
    async def record(row: dict) -> dict:
        await audit.record("walkin.left", actor=scope.person_id, estate=scope.estate_id, subject=row["id"])
        return {}

    return await _settle_approved(scope, act, registration_id, State.LEFT, "left", record,
                                  also={Registration.completed_at: utcnow()})


async def escalate(scope: Scope, act: Action, registration_id: UUID | str, *, relation: str, evidence: str) -> dict:
    """Nobody answered and the visitor says it is urgent: the evidence goes to the manager."""
    row = await records.expire_if_due(await records.row(scope, registration_id), utcnow())
    relation, evidence = relation.strip(), evidence.strip()
    earlier = await idempotency.previous(act)
    if earlier is not None:
        return earlier
    errors = {}
    if not relation:
        errors["relation"] = RELATION_REQUIRED
    if not evidence:
        errors["evidence"] = EVIDENCE_REQUIRED
    if len(relation) > rules.LENGTHS["relation"]:
        errors["relation"] = TOO_LONG
    if len(evidence) > rules.MAX_EVIDENCE:
        errors["evidence"] = TOO_LONG
    if errors:
        raise Invalid(errors)

    async def work() -> dict:
        moved = await Registration.update({
            Registration.state: State.ESCALATED.value, Registration.relation: relation,
            Registration.evidence: evidence,
        }).where(
            (Registration.id == row["id"]) & (Registration.state == State.UNREACHABLE.value)
            & (Registration.kind == Kind.WALK_IN.value)
        ).returning(Registration.id)
        if not moved:
            return {"escalated": False, **(await records.current(row["id"]))}
        records.changed(scope.estate_id, row["unit"])
        managers = await notify.holders(scope.estate_id, Role.MANAGER)
        await notify.queue(scope.estate_id, managers, Note.ESCALATION,
                           params={"name": row["name"], "unit": row["unit_label"] or "", "gate": row["gate_name"] or "",
                                   "relation": relation},
                           url=notify.page(scope, "walkin_detail", registration_id=row["id"]), subject=row["id"])
        await audit.record("walkin.escalated", actor=scope.person_id, estate=scope.estate_id, subject=row["id"],
                           relation=relation)
        return {"escalated": True, "state": State.ESCALATED.value, "managers": len(managers)}

    return await idempotency.once(act, "walkin_escalate", scope.estate_id, work)


async def complete(scope: Scope, act: Action, registration_id: UUID | str, facts: Facts) -> dict:
    """An emergency's registration, completed afterwards with the details there was no time for."""
    row = await records.row(scope, registration_id)
    earlier = await idempotency.previous(act)
    if earlier is not None:
        return earlier
    if row["kind"] != Kind.EMERGENCY.value:
        raise NotFound()
    checked = await _check(scope, replace(facts, kind=Kind.EMERGENCY.value), completing=True)
    v = checked.values

    async def work() -> dict:
        moved = await Registration.update({
            **sealed.seal_update(Registration, v),
            Registration.unit: checked.unit_id,
            Registration.state: State.COMPLETED.value,
            Registration.completed_at: utcnow(),
        }).where(
            (Registration.id == row["id"]) & (Registration.state == State.OPEN.value)
        ).returning(Registration.id)
        if not moved:
            return {"completed": False, **(await records.current(row["id"]))}
        records.changed(scope.estate_id, row["unit"], checked.unit_id)
        await audit.record("walkin.emergency_completed", actor=scope.person_id, estate=scope.estate_id,
                           subject=row["id"])
        return {"completed": True, "state": State.COMPLETED.value}

    return await idempotency.once(act, "walkin_complete", scope.estate_id, work)


