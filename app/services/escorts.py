"""Escort tasks for patrol: accompany a visitor the manager admitted to the door, or go to a
unit in an emergency. A patrol guard acknowledges one (so the others know it is taken), then
completes it; completing an escort completes the visitor's registration (the resident opened
the door). An emergency's registration stays open for the gate guard to complete.

Each move is a conditional UPDATE, and a guard's taps go through ``idempotency.once``.
"""

from __future__ import annotations

from uuid import UUID

from app.domain import walkins as rules
from app.domain.walkins import EscortState, State
from app.i18n import N_
from app.models.visitors import EscortTask, Registration
from app.services import audit, idempotency
from app.services import walkin_records as records
from app.services.clock import utcnow
from app.services.errors import Invalid, NotFound
from app.services.idempotency import Action
from app.services.scope import Scope, as_uuid

NOTE_TOO_LONG = N_("Keep the note under 1000 characters.")

COLUMNS = (
    EscortTask.id, EscortTask.kind, EscortTask.state, EscortTask.created_at, EscortTask.note,
    EscortTask.acknowledged_at, EscortTask.completed_at, EscortTask.registration,
    EscortTask.unit.label.as_alias("unit_label"),
    EscortTask.registration.name.as_alias("visitor_name"),
    EscortTask.registration.party_size.as_alias("party_size"),
    EscortTask.registration.relation.as_alias("relation"),
    EscortTask.registration.gate.name.as_alias("gate_name"),
    EscortTask.acknowledged_by.name.as_alias("acknowledged_by_name"),
    EscortTask.completed_by.name.as_alias("completed_by_name"),
)


def _with_actions(scope: Scope, row: dict) -> dict:
    row["can_acknowledge"] = rules.escort_allowed(row["state"], EscortState.ACKNOWLEDGED)
    # The screen asks for "I'm on it" first, so the others see the task is taken.
    row["can_complete"] = row["state"] == EscortState.ACKNOWLEDGED
    return row


async def tasks(scope: Scope, *, limit_done: int = 10) -> dict:
    """Open and acknowledged tasks (oldest first), and the last few done."""
    open_rows = await EscortTask.select(*COLUMNS).where(
        scope.where(EscortTask) & EscortTask.state.is_in([EscortState.OPEN.value, EscortState.ACKNOWLEDGED.value])
    ).order_by(EscortTask.created_at)
    done = await EscortTask.select(*COLUMNS).where(
        scope.where(EscortTask) & (EscortTask.state == EscortState.DONE.value)
    ).order_by(EscortTask.completed_at, ascending=False).limit(limit_done)
    return {"open": [_with_actions(scope, r) for r in open_rows], "finished": done}


async def _task(scope: Scope, task_id: UUID | str) -> dict:
    try:
        tid = as_uuid(task_id)
    except ValueError as exc:
        raise NotFound() from exc
    row = await EscortTask.select(EscortTask.id, EscortTask.registration, EscortTask.kind, EscortTask.state).where(
        (EscortTask.id == tid) & scope.where(EscortTask)
    ).first()
    if row is None:
        raise NotFound()
    return row


async def _state(task_id: UUID) -> dict:
    row = await EscortTask.select(EscortTask.state).where(EscortTask.id == task_id).first()
    return {"state": row["state"]}


async def acknowledge(scope: Scope, act: Action, task_id: UUID | str) -> dict:
    task = await _task(scope, task_id)

    async def work() -> dict:
        moved = await EscortTask.update({
            EscortTask.state: EscortState.ACKNOWLEDGED.value, EscortTask.acknowledged_by: scope.person_id,
            EscortTask.acknowledged_at: utcnow(),
        }).where(
            (EscortTask.id == task["id"])
            & EscortTask.state.is_in([s.value for s in rules.escort_sources(EscortState.ACKNOWLEDGED)])
        ).returning(EscortTask.id)
        if not moved:
            return {"acknowledged": False, **(await _state(task["id"]))}
        await audit.record("escort.acknowledged", actor=scope.person_id, estate=scope.estate_id, subject=task["id"])
        return {"acknowledged": True, "state": EscortState.ACKNOWLEDGED.value}

    return await idempotency.once(act, "escort_acknowledge", scope.estate_id, work)


async def complete(scope: Scope, act: Action, task_id: UUID | str, note: str = "") -> dict:
    task = await _task(scope, task_id)
    note = note.strip()
    if len(note) > 1000:
        raise Invalid({"note": NOTE_TOO_LONG})

    async def work() -> dict:
        now = utcnow()
        moved = await EscortTask.update({
            EscortTask.state: EscortState.DONE.value, EscortTask.completed_by: scope.person_id,
            EscortTask.completed_at: now, EscortTask.note: note,
        }).where(
            (EscortTask.id == task["id"])
            & EscortTask.state.is_in([s.value for s in rules.escort_sources(EscortState.DONE)])
        ).returning(EscortTask.id)
        if not moved:
            return {"completed": False, **(await _state(task["id"]))}
        if task["kind"] == "escort":  # the resident opened the door: the registration is complete
            completed = await Registration.update({
                Registration.state: State.COMPLETED.value, Registration.completed_at: now,
            }).where(
                (Registration.id == task["registration"]) & (Registration.state == State.ADMITTED.value)
            ).returning(Registration.unit)
            if completed:
                records.changed(scope.estate_id, completed[0]["unit"])
        await audit.record("escort.completed", actor=scope.person_id, estate=scope.estate_id, subject=task["id"],
                           registration=str(task["registration"]))
        return {"completed": True, "state": EscortState.DONE.value}

    return await idempotency.once(act, "escort_complete", scope.estate_id, work)
