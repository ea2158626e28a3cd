"""The answers a walk-in waits for: a household member's consent (the first answer of any
member decides) and, when nobody answered, the manager's decision. Both are reached from the
app and from a push notification's action; both are one conditional UPDATE, so of two people
answering at once exactly one decides and the other is told who did.
"""

from __future__ import annotations

from uuid import UUID

from app.db import write_transaction
from app.domain import walkins as rules
from app.domain.notifications import Kind as Note
from app.domain.roles import Role
from app.domain.walkins import Kind, State
from app.i18n import N_
from app.models.visitors import Registration
from app.services import audit, decisions, notify
from app.services import walkin_records as records
from app.services.clock import utcnow
from app.services.decisions import Standing
from app.services.errors import Forbidden, Invalid, NotFound
from app.services.notification_texts import DECISION_NAMES
from app.services.scope import Scope

NOTE_TOO_LONG = N_("Keep the note under 1000 characters.")


async def _household_row(scope: Scope, registration_id: UUID | str) -> dict:
    """A registration for one of the viewer's units; NotFound for another household's."""
    reg = await records.row(scope, registration_id)
    if reg["unit"] is None or reg["unit"] not in await scope.household_unit_ids():
        raise NotFound()
    return reg


def _guard_page(scope: Scope, reg: dict) -> str:
    """Where the guard's notification of an answer leads: the registration's page."""
    return notify.page(scope, "walkin_detail", registration_id=reg["id"])


def _params(reg: dict, decision: str, by: str) -> dict:
    return {"name": reg["name"], "unit": reg["unit_label"] or "", "gate": reg["gate_name"] or "",
            "decision": decision, "by": by}


async def answer_consent(scope: Scope, registration_id: UUID | str, approve: bool) -> dict:
    """A household member answers; the first answer of any member decides.

    Returns {"decided": True, "state", "decided_by", "decided_at"} for the answer that decided,
    else {"decided": False, ...} with who did (or the state the timeout left). NotFound for a
    registration of another household or estate. An answer after the deadline decides nothing.
    """
    reg = await _household_row(scope, registration_id)
    now = utcnow()
    target = State.APPROVED if approve else State.REFUSED
    async with write_transaction():
        moved = await Registration.update({
            Registration.state: target.value, Registration.decided_by: scope.person_id, Registration.decided_at: now,
        }).where(
            (Registration.id == reg["id"]) & (Registration.state == State.WAITING.value)
            & (Registration.kind == Kind.WALK_IN.value) & (Registration.consent_deadline >= now)
        ).returning(Registration.id)
        if moved:
            records.changed(scope.estate_id, reg["unit"])  # the guard's waiting screen first of all
            params = _params(reg, target.value, scope.viewer.name)
            if reg["guard"]:
                await notify.queue(scope.estate_id, [reg["guard"]], Note.CONSENT_DECIDED, params=params,
                                   url=_guard_page(scope, reg), subject=reg["id"])
            others = [p for p in await notify.household(reg["unit"]) if p != scope.person_id]
            await notify.queue(scope.estate_id, others, Note.CONSENT_DECIDED, params=params,
                               url=notify.page(scope, "consent_detail", registration_id=reg["id"]), subject=reg["id"])
            await audit.record("walkin.consent_answered", actor=scope.person_id, estate=scope.estate_id,
                               subject=reg["id"], decision=target.value)
    if not moved:
        await records.expire_if_due(reg, now)
        return {"decided": False, **(await records.current(reg["id"]))}
    return {"decided": True, "state": target.value, "decided_by": scope.viewer.name, "decided_at": now.isoformat()}


async def consent_view(scope: Scope, registration_id: UUID | str) -> dict:
    """What a household member sees of a registration for their unit: no phone, no ID number."""
    reg = await records.expire_if_due(await _household_row(scope, registration_id), utcnow())
    keep = ("id", "kind", "state", "name", "unit_label", "gate_name", "purpose", "party_size", "vehicle_plate",
            "resident_asked_for", "relation", "created_at", "consent_deadline", "decided_by_name", "decided_at",
            "guard_name")
    view = {k: reg[k] for k in keep}
    view["via"] = records.via(reg)
    view["can_answer"] = reg["state"] == State.WAITING and reg["kind"] == Kind.WALK_IN
    return view


async def pending_consents(scope: Scope) -> list[dict]:
    """Walk-ins waiting for the viewer's households, and their households' open emergencies."""
    units = list(await scope.household_unit_ids())
    if not units:
        return []
    now = utcnow()
    return await Registration.select(
        Registration.id, Registration.kind, Registration.state, Registration.name, Registration.purpose,
        Registration.party_size, Registration.created_at, Registration.consent_deadline, Registration.relation,
        Registration.unit.label.as_alias("unit_label"), Registration.gate.name.as_alias("gate_name"),
    ).where(
        scope.where(Registration) & Registration.unit.is_in(units) & (
            ((Registration.kind == Kind.WALK_IN.value) & (Registration.state == State.WAITING.value)
             & (Registration.consent_deadline >= now))
            | ((Registration.kind == Kind.EMERGENCY.value) & (Registration.state == State.OPEN.value))
        )
    ).order_by(Registration.created_at, ascending=False).limit(20)


async def decide_escalation(scope: Scope, registration_id: UUID | str, admit: bool, note: str = "") -> dict:
    """The manager admits or turns away an escalated visitor; the first decision stands.

    Admission records the Visit (admitted by the guard at the gate, decided by the manager) and
    an escort task for patrol, who are told. The guard is told, and their screen shows it.
    """
    reg = await records.row(scope, registration_id)
    if not scope.has(Role.MANAGER):
        raise Forbidden()
    note = note.strip()
    if len(note) > rules.LENGTHS["note"]:
        raise Invalid({"note": NOTE_TOO_LONG})
    now = utcnow()
    target = State.ADMITTED if admit else State.TURNED_AWAY
    async with write_transaction():
        moved = await Registration.update({
            Registration.state: target.value, Registration.decided_by: scope.person_id,
            Registration.decided_at: now, Registration.decision_note: note,
        }).where(
            (Registration.id == reg["id"]) & (Registration.state == State.ESCALATED.value)
        ).returning(Registration.id)
        if moved:
            records.changed(scope.estate_id, reg["unit"])
            params = _params(reg, "admit" if admit else "turn_away", scope.viewer.name)
            if admit:
                await records.admit_visit(scope, reg, admitted_by=reg["guard"])
                await records.escort(scope, reg, "escort")
                await notify.queue(scope.estate_id, await notify.holders(scope.estate_id, Role.PATROL_GUARD),
                                   Note.ESCORT_TASK, params=params, url=notify.page(scope, "escort_list"),
                                   subject=reg["id"])
            if reg["guard"]:
                await notify.queue(scope.estate_id, [reg["guard"]], Note.ESCALATION_DECIDED, params=params,
                                   url=_guard_page(scope, reg), subject=reg["id"])
            await audit.record("walkin.escalation_decided", actor=scope.person_id, estate=scope.estate_id,
                               subject=reg["id"], decision=target.value, noted=bool(note))
    if not moved:
        return {"decided": False, **(await records.current(reg["id"]))}
    return {"decided": True, "state": target.value, "decided_by": scope.viewer.name, "decided_at": now.isoformat()}


# Decisions asked by notification (``decisions``): the household's consent and the manager's
# decision, answered from the notification's Approve / Refuse and Admit / Turn away.

# The state each kind's registration waits in while its decision is open.
_OPEN_IN = {Note.CONSENT_REQUEST: State.WAITING.value, Note.ESCALATION: State.ESCALATED.value}


def _reader(kind: Note):
    async def read(subjects: list[UUID]) -> dict[UUID, Standing]:
        found = await Registration.select(
            Registration.id, Registration.state, Registration.consent_deadline,
            Registration.decided_by.name.as_alias("decider"),
        ).where(Registration.id.is_in(subjects))
        now = utcnow()
        standing: dict[UUID, Standing] = {}
        for reg in found:
            state = reg["state"]
            if state == _OPEN_IN[kind]:
                deadline = reg["consent_deadline"] if kind is Note.CONSENT_REQUEST else None
                if deadline is None or deadline >= now:
                    standing[reg["id"]] = Standing(open=True)
                    continue
                state = "timeout"  # the periodic task has not caught up yet; the time is over all the same
            standing[reg["id"]] = Standing(False, DECISION_NAMES.get(state, ""), reg["decider"] or "")
        return standing

    return read


async def _answer_consent(scope: Scope, registration_id: UUID, action: str) -> dict:
    return await answer_consent(scope, registration_id, action == "approve")


async def _answer_escalation(scope: Scope, registration_id: UUID, action: str) -> dict:
    return await decide_escalation(scope, registration_id, action == "admit")


decisions.register(Note.CONSENT_REQUEST, read=_reader(Note.CONSENT_REQUEST), answer=_answer_consent)
decisions.register(Note.ESCALATION, read=_reader(Note.ESCALATION), answer=_answer_escalation)
