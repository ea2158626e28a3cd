"""What the walk-in use cases share: one registration read through the scope, the timeout
applied on read, and the Visit and escort task an admission makes.
(``walkins`` is the guard's side, ``walkin_answers`` the household's and the manager's.)"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from app.db import write_transaction
from app.domain import walkins as rules
from app.domain.live import Topic
from app.domain.walkins import State
from app.models.estates import Estate
from app.models.visitors import EscortTask, Registration, Visit
from app.services import audit, live, sealed
from app.services.errors import NotFound
from app.services.scope import Scope, as_uuid


def changed(estate_id: UUID, *units: UUID | None) -> None:
    """A registration of the estate moved: its staff's screens and the household's of ``units``
    ask again (once the transaction commits)."""
    live.changed(Topic.WALKINS, estate=estate_id, units=units)


async def consent_timeout(estate_id: UUID) -> int:
    row = await Estate.select(Estate.consent_timeout_seconds).where(Estate.id == estate_id).first()
    return int(row["consent_timeout_seconds"]) if row else rules.DEFAULT_CONSENT_TIMEOUT


async def row(scope: Scope, registration_id: UUID | str) -> dict:
    """One registration of this estate with its unit, gate, guard and decider's names, its ID
    number and phone opened; NotFound for another estate's."""
    try:
        rid = as_uuid(registration_id)
    except ValueError as exc:
        raise NotFound() from exc
    found = await Registration.select(
        *Registration.all_columns(),
        Registration.unit.label.as_alias("unit_label"),
        Registration.gate.name.as_alias("gate_name"),
        Registration.guard.name.as_alias("guard_name"),
        Registration.decided_by.name.as_alias("decided_by_name"),
    ).where((Registration.id == rid) & scope.where(Registration)).first()
    if found is None:
        raise NotFound()
    return sealed.open_row(Registration, found)


async def expire_if_due(reg: dict, now: datetime) -> dict:
    """A read moves its own registration on time, whatever the periodic tick does."""
    if not rules.timed_out(reg["state"], reg["consent_deadline"], now):
        return reg
    async with write_transaction():
        moved = await Registration.update({Registration.state: State.UNREACHABLE.value}).where(
            (Registration.id == reg["id"]) & (Registration.state == State.WAITING.value)
            & (Registration.consent_deadline < now)
        ).returning(Registration.id)
        if moved:
            await audit.record("walkin.unreachable", actor=None, estate=reg["estate"], subject=reg["id"],
                               reason="timeout")
            changed(reg["estate"], reg["unit"])
    fresh = await Registration.select(Registration.state).where(Registration.id == reg["id"]).first()
    return {**reg, "state": fresh["state"]}


def via(reg: dict) -> str:
    """Who decided: the household (an answer while waiting) or the manager (after escalation)."""
    if reg["decided_by"] is None:
        return ""
    return "manager" if reg["evidence"] else "household"


async def current(registration_id: UUID) -> dict:
    """Where a registration stands now, for an action that found it had moved on."""
    found = await Registration.select(
        Registration.state, Registration.decided_by.name.as_alias("decided_by_name"), Registration.decided_at,
    ).where(Registration.id == registration_id).first()
    return {"state": found["state"], "decided_by": found["decided_by_name"] or "",
            "decided_at": found["decided_at"].isoformat() if found["decided_at"] else ""}


def _get(reg):
    return (lambda k: reg[k]) if isinstance(reg, dict) else (lambda k: getattr(reg, k))


async def admit_visit(scope: Scope, reg, *, admitted_by: UUID | None, device_time: datetime | None = None) -> UUID:
    """The entry through the gate that a registration's admission makes."""
    get = _get(reg)
    visit = Visit(
        estate=scope.estate_id, unit=get("unit"), registration=get("id"), guest_name=get("name"),
        party_size=get("party_size"), vehicle_plate=get("vehicle_plate"), purpose=get("purpose"),
        entry_gate=get("gate"), admitted_by=admitted_by, device_time=device_time,
    )
    await visit.save()
    return visit.id


async def escort(scope: Scope, reg, kind: str) -> UUID:
    """A task for patrol: "escort" a visitor the manager admitted, or go to an "emergency"."""
    get = _get(reg)
    task = EscortTask(estate=scope.estate_id, registration=get("id"), unit=get("unit"), kind=kind)
    await task.save()
    return task.id
