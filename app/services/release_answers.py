"""The answers a goods release slip waits for: an owner's consent (the first answer of the
unit's owners decides, as a household's does for a walk-in), the front desk's check, and the
supervisor's second approval, which gives the slip its QR code.

Each is one conditional UPDATE from the state the slip waits in, so of two people answering at
once exactly one decides and the other is told who did. All three are reached from the app and
from a push notification's action (registered with ``decisions`` below).
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from app.db import write_transaction
from app.domain import releases as rules
from app.domain.notifications import Kind as Note
from app.domain.releases import State
from app.domain.roles import Role
from app.i18n import N_
from app.models.estates import Unit
from app.models.releases import ReleaseSlip
from app.services import audit, decisions, notify
from app.services import release_records as records
from app.services.clock import utcnow
from app.services.decisions import Standing
from app.services.errors import Forbidden, Invalid, NotFound
from app.services.scope import Scope

MESSAGES = {
    "identity_required": N_("Say what you saw of the requester's identity."),
    "items_unconfirmed": N_("Confirm the items with the requester."),
    "arrears": N_("The unit is in arrears: record the fees settled (with the receipt number) first."),
    "reason_required": N_("Write the reason, so the requester knows what to change."),
    "too_long": N_("Keep it under 500 characters."),
    "receipt_invalid": N_("Enter the receipt number (3 to 40 letters, digits or dashes)."),
}
NOT_OWNER = N_("Only an owner of the unit answers this.")
CHECK_AT_DESK = N_("This slip needs the desk's check on the slip's page.")


@dataclass(frozen=True)
class DeskCheck:
    identity_seen: str = ""
    identity_note: str = ""
    items_confirmed: bool = False


def _moved_result(moved: bool, slip_id: UUID) -> dict:
    return {"decided": moved, "slip_id": str(slip_id)}


async def _decided_now(slip_id: UUID) -> dict:
    found = await ReleaseSlip.select(ReleaseSlip.state).where(ReleaseSlip.id == slip_id).first()
    return {"decided": False, "state": found["state"] if found else ""}


# The owner's consent -------------------------------------------------------------------------


async def answer_consent(scope: Scope, slip_id: UUID | str, approve: bool) -> dict:
    """An owner of the slip's unit consents or refuses; the first owner's answer decides."""
    slip = await records.visible_row(scope, slip_id)
    if scope.person_id not in await records.owners(slip["unit"]):
        if slip["unit"] in await scope.household_unit_ids():
            raise Forbidden()
        raise NotFound()
    now = utcnow()
    target = State.DESK_REVIEW if approve else State.REFUSED
    changes = {ReleaseSlip.state: target.value, ReleaseSlip.consent_by: scope.person_id, ReleaseSlip.consent_at: now}
    if not approve:
        changes[ReleaseSlip.closed_at] = now
        changes[ReleaseSlip.decision_note] = ""
    async with write_transaction():
        moved = await ReleaseSlip.update(changes).where(
            (ReleaseSlip.id == slip["id"]) & (ReleaseSlip.state == State.AWAITING_CONSENT.value)
        ).returning(ReleaseSlip.id)
        if moved:
            records.changed(scope.estate_id)
            decision = "approved" if approve else "refused"
            params = await records.params(scope, slip, decision=decision, decided_by=scope.viewer.name)
            others = [p for p in await records.owners(slip["unit"]) if p != scope.person_id]
            told = [*(await records.requester_and_household(slip)), *others]
            await notify.queue(scope.estate_id, [p for p in told if p != scope.person_id], Note.SLIP_CONSENT_DECIDED,
                               params=params, url=records.url(scope, slip["id"]), subject=slip["id"])
            if approve:
                await notify.queue(scope.estate_id, await notify.holders(scope.estate_id, Role.FRONT_DESK),
                                   Note.SLIP_DESK_REVIEW, params=params, url=records.url(scope, slip["id"], "check"),
                                   subject=slip["id"])
            await audit.record("slip.consent_given" if approve else "slip.consent_refused", actor=scope.person_id,
                               estate=scope.estate_id, subject=slip["id"])
    if not moved:
        return await _decided_now(slip["id"])
    return _moved_result(True, slip["id"])


# The front desk ------------------------------------------------------------------------------


def _staff(scope: Scope, *roles: Role) -> None:
    if not scope.has(*roles):
        raise Forbidden()


async def desk_approve(scope: Scope, slip_id: UUID | str, check: DeskCheck) -> dict:
    """The front desk saw the requester's identity, the unit's fees are paid up (or the estate
    lets arrears pass) and the items are confirmed: the slip goes to the supervisor. Invalid
    with the reasons when something is missing; nothing changes then."""
    _staff(scope, Role.FRONT_DESK)
    slip = await records.row(scope, slip_id)
    estate_rules = await records.rules_of(scope.estate_id)
    fee = await Unit.select(Unit.fee_status).where(Unit.id == slip["unit"]).first()
    problems = rules.desk_problems(identity_seen=check.identity_seen, items_confirmed=check.items_confirmed,
                                   fee_status=fee["fee_status"], rules=estate_rules)
    note = check.identity_note.strip()
    if len(note) > rules.LENGTHS["identity_note"]:
        problems["identity_note"] = "too_long"
    if problems:
        raise Invalid({k: MESSAGES[v] for k, v in problems.items()})
    now = utcnow()
    async with write_transaction():
        moved = await ReleaseSlip.update({
            ReleaseSlip.state: State.SUPERVISOR_REVIEW.value, ReleaseSlip.desk_by: scope.person_id,
            ReleaseSlip.desk_at: now, ReleaseSlip.identity_seen: check.identity_seen,
            ReleaseSlip.identity_note: note, ReleaseSlip.items_confirmed: True,
            ReleaseSlip.fees_seen: fee["fee_status"],
        }).where(
            (ReleaseSlip.id == slip["id"]) & (ReleaseSlip.state == State.DESK_REVIEW.value)
        ).returning(ReleaseSlip.id)
        if moved:
            records.changed(scope.estate_id)
            params = await records.params(scope, slip, decided_by=scope.viewer.name)
            await notify.queue(scope.estate_id, await notify.holders(scope.estate_id, Role.SUPERVISOR),
                               Note.SLIP_SUPERVISOR_REVIEW, params=params, url=records.url(scope, slip["id"], "check"),
                               subject=slip["id"])
            await audit.record("slip.desk_approved", actor=scope.person_id, estate=scope.estate_id,
                               subject=slip["id"], identity=check.identity_seen, fees=fee["fee_status"])
    if not moved:
        return await _decided_now(slip["id"])
    return _moved_result(True, slip["id"])


def _reason(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise Invalid({"note": MESSAGES["reason_required"]})
    if len(text) > rules.LENGTHS["note"]:
        raise Invalid({"note": MESSAGES["too_long"]})
    return text


async def desk_return(scope: Scope, slip_id: UUID | str, note: str) -> dict:
    """The desk sends a slip back to its requester with what to change."""
    _staff(scope, Role.FRONT_DESK)
    slip = await records.row(scope, slip_id)
    note = _reason(note)
    async with write_transaction():
        moved = await ReleaseSlip.update({ReleaseSlip.state: State.RETURNED.value, ReleaseSlip.decision_note: note}).where(
            (ReleaseSlip.id == slip["id"]) & (ReleaseSlip.state == State.DESK_REVIEW.value)
        ).returning(ReleaseSlip.id)
        if moved:
            records.changed(scope.estate_id)
            await notify.queue(scope.estate_id, await records.requester_and_household(slip), Note.SLIP_RETURNED,
                               params=await records.params(scope, slip, note=note[:200]),
                               url=records.url(scope, slip["id"]), subject=slip["id"])
            await audit.record("slip.returned", actor=scope.person_id, estate=scope.estate_id, subject=slip["id"],
                               noted=bool(note))
    return _moved_result(bool(moved), slip["id"])


async def settle_fees(scope: Scope, slip_id: UUID | str, receipt: str) -> dict:
    """The requester paid at the desk: the unit's fees are recorded settled, with the receipt
    number kept on the slip and in the unit's note."""
    _staff(scope, Role.FRONT_DESK)
    slip = await records.row(scope, slip_id)
    receipt = (receipt or "").strip()
    if not rules.valid_receipt(receipt):
        raise Invalid({"receipt": MESSAGES["receipt_invalid"]})
    async with write_transaction():
        await Unit.update({Unit.fee_status: "paid", Unit.fee_note: f"Settled, receipt {receipt}"}).where(
            (Unit.id == slip["unit"]) & scope.where(Unit))
        await ReleaseSlip.update({ReleaseSlip.fee_receipt: receipt}).where(ReleaseSlip.id == slip["id"])
        records.changed(scope.estate_id)
        await audit.record("unit.fee_status", actor=scope.person_id, estate=scope.estate_id, subject=slip["unit"],
                           old=slip["fee_status"], new="paid", receipt=receipt)
        await audit.record("slip.fees_settled", actor=scope.person_id, estate=scope.estate_id, subject=slip["id"],
                           receipt=receipt)
    return {"settled": True}


# The supervisor ------------------------------------------------------------------------------


async def supervisor_approve(scope: Scope, slip_id: UUID | str) -> dict:
    """The second approval: the slip gets its QR code and the requester is told."""
    _staff(scope, Role.SUPERVISOR, Role.MANAGER)
    slip = await records.row(scope, slip_id)
    now = utcnow()
    async with write_transaction():
        moved = await ReleaseSlip.update({
            ReleaseSlip.state: State.APPROVED.value, ReleaseSlip.approved_by: scope.person_id,
            ReleaseSlip.approved_at: now,
        }).where(
            (ReleaseSlip.id == slip["id"]) & (ReleaseSlip.state == State.SUPERVISOR_REVIEW.value)
        ).returning(ReleaseSlip.id)
        if moved:
            records.changed(scope.estate_id)
            await notify.queue(scope.estate_id, await records.requester_and_household(slip), Note.SLIP_APPROVED,
                               params=await records.params(scope, slip), url=records.url(scope, slip["id"]),
                               subject=slip["id"])
            await audit.record("slip.approved", actor=scope.person_id, estate=scope.estate_id, subject=slip["id"])
    if not moved:
        return await _decided_now(slip["id"])
    return _moved_result(True, slip["id"])


async def supervisor_refuse(scope: Scope, slip_id: UUID | str, note: str) -> dict:
    _staff(scope, Role.SUPERVISOR, Role.MANAGER)
    slip = await records.row(scope, slip_id)
    note = _reason(note)
    now = utcnow()
    async with write_transaction():
        moved = await ReleaseSlip.update({
            ReleaseSlip.state: State.REFUSED.value, ReleaseSlip.approved_by: scope.person_id,
            ReleaseSlip.approved_at: now, ReleaseSlip.decision_note: note, ReleaseSlip.closed_at: now,
        }).where(
            (ReleaseSlip.id == slip["id"]) & (ReleaseSlip.state == State.SUPERVISOR_REVIEW.value)
        ).returning(ReleaseSlip.id)
        if moved:
            records.changed(scope.estate_id)
            await notify.queue(scope.estate_id, await records.requester_and_household(slip), Note.SLIP_REFUSED,
                               params=await records.params(scope, slip, decided_by=scope.viewer.name, note=note[:200]),
                               url=records.url(scope, slip["id"]), subject=slip["id"])
            await audit.record("slip.refused", actor=scope.person_id, estate=scope.estate_id, subject=slip["id"],
                               noted=bool(note))
    return _moved_result(bool(moved), slip["id"])


# Decisions asked by notification ---------------------------------------------------------------

_OPEN_IN = {
    Note.SLIP_CONSENT_REQUEST: State.AWAITING_CONSENT.value,
    Note.SLIP_DESK_REVIEW: State.DESK_REVIEW.value,
    Note.SLIP_SUPERVISOR_REVIEW: State.SUPERVISOR_REVIEW.value,
}
# How a slip that has moved on reads in the list of notifications, and whose name goes with it.
_OUTCOMES = {
    State.AWAITING_CONSENT.value: (N_("waiting for the owner"), None),
    State.DESK_REVIEW.value: (N_("waiting for the front desk"), "consent_by_name"),
    State.SUPERVISOR_REVIEW.value: (N_("checked by the front desk"), "desk_by_name"),
    State.APPROVED.value: (N_("approved"), "approved_by_name"),
    State.RELEASED.value: (N_("released"), None),
    State.RETURNED.value: (N_("sent back"), None),
    State.HELD.value: (N_("held at the gate"), None),
    State.REFUSED.value: (N_("refused"), "refused_by"),
    State.CANCELLED.value: (N_("cancelled"), None),
    State.EXPIRED.value: (N_("expired"), None),
}


def _reader(kind: Note):
    async def read(subjects: list[UUID]) -> dict[UUID, Standing]:
        found = await ReleaseSlip.select(
            ReleaseSlip.id, ReleaseSlip.state, ReleaseSlip.consent_by.name.as_alias("consent_by_name"),
            ReleaseSlip.desk_by.name.as_alias("desk_by_name"), ReleaseSlip.approved_by.name.as_alias("approved_by_name"),
        ).where(ReleaseSlip.id.is_in(subjects))
        standing = {}
        for slip in found:
            if slip["state"] == _OPEN_IN[kind]:
                standing[slip["id"]] = Standing(open=True)
                continue
            outcome, by = _OUTCOMES.get(slip["state"], ("", None))
            slip["refused_by"] = slip["approved_by_name"] or slip["consent_by_name"]  # the supervisor, else the owner
            standing[slip["id"]] = Standing(False, outcome, (slip[by] or "") if by else "")
        return standing

    return read


async def _answer_consent(scope: Scope, slip_id: UUID, action: str) -> dict:
    return await answer_consent(scope, slip_id, action == "approve")


async def _answer_desk(scope: Scope, slip_id: UUID, action: str) -> dict:
    """Approved from the notification: the slip was sent from the requester's own signed-in
    account (their identity is that account's) and lists its items as they stated them. A slip
    the desk must see in person, or a unit in arrears, is answered on the slip's page."""
    slip = await records.row(scope, slip_id)
    if slip["requester"] is None or slip["started_at_desk"]:
        return {"decided": False, "message": CHECK_AT_DESK}
    try:
        return await desk_approve(scope, slip_id, DeskCheck(identity_seen="account", items_confirmed=True))
    except Invalid as exc:
        return {"decided": False, "message": next(iter(exc.errors.values()))}


async def _answer_supervisor(scope: Scope, slip_id: UUID, action: str) -> dict:
    return await supervisor_approve(scope, slip_id)


decisions.register(Note.SLIP_CONSENT_REQUEST, read=_reader(Note.SLIP_CONSENT_REQUEST), answer=_answer_consent)
decisions.register(Note.SLIP_DESK_REVIEW, read=_reader(Note.SLIP_DESK_REVIEW), answer=_answer_desk)
decisions.register(Note.SLIP_SUPERVISOR_REVIEW, read=_reader(Note.SLIP_SUPERVISOR_REVIEW), answer=_answer_supervisor)
