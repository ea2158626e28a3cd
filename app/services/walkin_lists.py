"""Walk-in registrations in lists: the guard's open ones, the manager's decisions, and the
periodic job that times out consent requests nobody answered."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from app.db import write_transaction
from app.domain import walkins as rules
from app.domain.roles import Role
from app.domain.walkins import Kind, State
from app.models.visitors import Registration
from app.services import audit
from app.services import walkin_records as records
from app.services.clock import utcnow
from app.services.scope import Scope

OPEN_LIST_LIMIT = 50
RECENT_HOURS = 12
DECIDED_DAYS = 7

LIST_COLUMNS = (
    Registration.id, Registration.kind, Registration.state, Registration.name,
    Registration.phone_masked.as_alias("phone"), Registration.purpose, Registration.party_size, Registration.created_at, Registration.consent_deadline,
    Registration.watchlist_hit, Registration.relation, Registration.decided_at,
    Registration.unit.label.as_alias("unit_label"), Registration.gate.name.as_alias("gate_name"),
    Registration.guard.name.as_alias("guard_name"), Registration.decided_by.name.as_alias("decided_by_name"),
)


# A visitor approved but never admitted, or told they cannot enter, has gone by the next day;
# an escalation waits for the manager and an emergency for its details whatever their age.
GONE_AFTER = timedelta(hours=24)
MAY_GO = [State.WAITING.value, State.APPROVED.value, State.UNREACHABLE.value]


def _open_condition(now):
    walk_in_open = [s.value for s in rules.OPEN_STATES[Kind.WALK_IN]]
    return (
        ((Registration.kind == Kind.WALK_IN.value) & Registration.state.is_in(walk_in_open)
         & ((Registration.created_at >= now - GONE_AFTER) | Registration.state.not_in(MAY_GO)))
        | ((Registration.kind == Kind.EMERGENCY.value) & (Registration.state == State.OPEN.value))
    )


async def open_list(scope: Scope) -> dict:
    """The estate's registrations still needing someone (phones are masked by the template), and
    the last hours' settled ones."""
    now = utcnow()
    await expire_waiting(now=now, estate_id=scope.estate_id)
    open_rows = await Registration.select(*LIST_COLUMNS).where(
        scope.where(Registration) & _open_condition(now)
    ).order_by(Registration.created_at, ascending=False).limit(OPEN_LIST_LIMIT)
    latest = await Registration.select(*LIST_COLUMNS).where(
        scope.where(Registration) & (Registration.created_at >= now - timedelta(hours=RECENT_HOURS))
    ).order_by(Registration.created_at, ascending=False).limit(OPEN_LIST_LIMIT * 2)
    recent = [r for r in latest if not rules.is_open(r["kind"], r["state"])][:OPEN_LIST_LIMIT]
    return {"open": open_rows, "recent": recent}


async def escalations(scope: Scope) -> dict:
    """The manager's list: escalations waiting for a decision, open emergencies, recent decisions."""
    waiting = await Registration.select(*LIST_COLUMNS, Registration.evidence).where(
        scope.where(Registration) & (Registration.state == State.ESCALATED.value)
    ).order_by(Registration.created_at)
    emergencies = await Registration.select(*LIST_COLUMNS).where(
        scope.where(Registration) & (Registration.kind == Kind.EMERGENCY.value)
        & (Registration.state == State.OPEN.value)
    ).order_by(Registration.created_at, ascending=False)
    decided = await Registration.select(*LIST_COLUMNS, Registration.decision_note).where(
        scope.where(Registration) & (Registration.kind == Kind.WALK_IN.value)
        & Registration.state.is_in([State.TURNED_AWAY.value, State.ADMITTED.value, State.COMPLETED.value])
        & (Registration.evidence != "")
        & (Registration.decided_at >= utcnow() - timedelta(days=DECIDED_DAYS))
    ).order_by(Registration.decided_at, ascending=False).limit(20)
    return {"waiting": waiting, "emergencies": emergencies, "decided": decided,
            "can_decide": scope.has(Role.MANAGER)}


async def expire_waiting(*, now: datetime | None = None, estate_id: UUID | None = None) -> int:
    """Waiting registrations past their deadline become unreachable, in one conditional UPDATE
    (an answer racing it either decides first or finds the state moved). Returns how many moved."""
    now = now or utcnow()
    condition = (Registration.state == State.WAITING.value) & (Registration.consent_deadline < now)
    if estate_id is not None:
        condition = condition & (Registration.estate == estate_id)
    if not await Registration.exists().where(condition):
        return 0
    async with write_transaction():
        moved = await Registration.update({Registration.state: State.UNREACHABLE.value}).where(
            condition
        ).returning(Registration.id, Registration.estate, Registration.unit)
        for row in moved:
            await audit.record("walkin.unreachable", actor=None, estate=row["estate"], subject=row["id"],
                               reason="timeout")
            records.changed(row["estate"], row["unit"])
    return len(moved)


async def expire_waiting_job() -> None:
    """The periodic job (app/asgi.py PERIODIC_JOBS)."""
    await expire_waiting()
