"""Handing a shift over, and taking it on: the outgoing person sees what the app compiled from
live state (``handover_sources``), adds a note and hands over; the incoming one acknowledges
item by item or all at once. Kept afterwards; supervisors are told of any handover nobody
acknowledged within 15 minutes of the shift change (the periodic job below).

Every move is one conditional UPDATE: a shift is handed over once (``ended_at IS NULL``), a
handover acknowledged once (``acknowledged_at IS NULL``) however many taps race each other, and
the loser gets a result saying it was already done, not an error.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from app.db import write_transaction
from app.domain import duty as rules
from app.domain.duty import Refusal
from app.domain.notifications import Kind
from app.domain.roles import Role
from app.i18n import N_
from app.models.duty import DutyEntry, Handover, HandoverItem, Shift
from app.models.estates import Estate
from app.models.people import Person
from app.services import audit, handover_sources, idempotency, notify
from app.services.clock import utcnow
from app.services.duty import NOT_ON_DUTY, TEXT_TOO_LONG, changed, on_duty
from app.services.errors import Invalid, NotFound
from app.services.idempotency import Action
from app.services.scope import Scope, as_uuid

OWN_HANDOVER = N_("You handed this shift over: the next person on duty acknowledges it.")
LIST_DAYS = 7

HANDOVER_COLUMNS = (
    Handover.id, Handover.post, Handover.note, Handover.handed_at, Handover.acknowledged_at, Handover.alerted_at,
    Handover.handed_by, Handover.shift, Handover.handed_by.name.as_alias("handed_by_name"),
    Handover.acknowledged_by.name.as_alias("acknowledged_by_name"), Handover.shift.started_at.as_alias("shift_started_at"),
)
ITEM_COLUMNS = (
    HandoverItem.id, HandoverItem.kind, HandoverItem.title, HandoverItem.detail, HandoverItem.href, HandoverItem.ref,
    HandoverItem.at, HandoverItem.acknowledged_at, HandoverItem.acknowledged_by.name.as_alias("acknowledged_by_name"),
)


async def preview(scope: Scope) -> dict:
    """What handing over now would list, for the outgoing person to read before they do."""
    shift = await on_duty(scope)
    if shift is None:
        raise Invalid({"__all__": NOT_ON_DUTY})
    return {"shift": shift, "items": await handover_sources.compile_items(scope.estate, utcnow())}


async def hand_over(scope: Scope, note: str) -> dict:
    """End the viewer's shift, freeze its log, and keep the handover with the items compiled now."""
    note = note.strip()
    if len(note) > rules.TEXT_MAX:
        raise Invalid({"note": TEXT_TOO_LONG})
    shift = await on_duty(scope)
    if shift is None:
        raise Invalid({"__all__": NOT_ON_DUTY})
    now = utcnow()
    items = await handover_sources.compile_items(scope.estate, now)  # read before the write lock
    handover_id = uuid4()
    async with write_transaction():
        ended = await Shift.update({Shift.ended_at: now}).where(
            (Shift.id == shift["id"]) & Shift.ended_at.is_null()
        ).returning(Shift.id)
        if not ended:
            return {"handed_over": False, "id": None}
        await DutyEntry.update({DutyEntry.frozen: True}).where(DutyEntry.shift == shift["id"])
        await Handover.insert(Handover(id=handover_id, estate=scope.estate_id, shift=shift["id"], post=shift["post"],
                                       handed_by=scope.person_id, note=note, handed_at=now))
        if items:
            await HandoverItem.insert(*[HandoverItem(
                id=uuid4(), estate=scope.estate_id, handover=handover_id, position=position, kind=i["kind"][:32],
                title=(i.get("title") or "")[:200], detail=i.get("detail") or "", href=(i.get("href") or "")[:300],
                ref=str(i.get("ref") or "")[:64], at=i.get("at"),
            ) for position, i in enumerate(items)])
        await audit.record("handover.create", actor=scope.person_id, estate=scope.estate_id, subject=handover_id,
                           items=len(items), post=shift["post"])
        changed(scope.estate_id)
    return {"handed_over": True, "id": handover_id}


async def _handover(scope: Scope, handover_id: UUID | str) -> dict:
    try:
        hid = as_uuid(handover_id)
    except ValueError as exc:
        raise NotFound() from exc
    row = await Handover.select(*HANDOVER_COLUMNS).where(scope.where(Handover) & (Handover.id == hid)).first()
    if row is None:
        raise NotFound()
    return row


async def detail(scope: Scope, handover_id: UUID | str) -> dict:
    row = await _handover(scope, handover_id)
    row["items"] = await HandoverItem.select(*ITEM_COLUMNS).where(
        scope.where(HandoverItem) & (HandoverItem.handover == row["id"])
    ).order_by(HandoverItem.position)
    row["can_acknowledge"] = row["acknowledged_at"] is None and rules.acknowledge_refusal(
        handed_by_is_reader=row["handed_by"] == scope.person_id) is None
    row["overdue"] = rules.overdue_for_acknowledgement(row["handed_at"], row["acknowledged_at"], utcnow())
    row["open_items"] = sum(1 for i in row["items"] if i["acknowledged_at"] is None)
    return row


def _check_reader(scope: Scope, row: dict) -> None:
    if rules.acknowledge_refusal(handed_by_is_reader=row["handed_by"] == scope.person_id) == Refusal.OWN_HANDOVER:
        raise Invalid({"__all__": OWN_HANDOVER})


async def _close(scope: Scope, handover_id: UUID, now: datetime) -> bool:
    """Mark the handover acknowledged by the viewer, once; its log items' entries are then seen."""
    moved = await Handover.update({Handover.acknowledged_at: now, Handover.acknowledged_by: scope.person_id}).where(
        (Handover.id == handover_id) & Handover.acknowledged_at.is_null()
    ).returning(Handover.id)
    if not moved:
        return False
    refs = await HandoverItem.select(HandoverItem.ref).where(
        (HandoverItem.handover == handover_id) & (HandoverItem.kind == "log_next_shift")
    )
    entry_ids = [as_uuid(r["ref"]) for r in refs if r["ref"]]
    if entry_ids:
        await DutyEntry.update({DutyEntry.seen_at: now}).where(
            (DutyEntry.estate == scope.estate_id) & DutyEntry.id.is_in(entry_ids) & DutyEntry.seen_at.is_null()
        )
    await audit.record("handover.acknowledge", actor=scope.person_id, estate=scope.estate_id, subject=handover_id)
    return True


async def acknowledge_all(scope: Scope, act: Action, handover_id: UUID | str) -> dict:
    """Every item at once, once per key (the phone's). Twice at once, by one person or two, is
    once: the second finds it acknowledged."""
    row = await _handover(scope, handover_id)
    _check_reader(scope, row)

    async def work() -> dict:
        now = act.timing.happened_at
        closed = await _close(scope, row["id"], now)
        if closed:
            await HandoverItem.update({HandoverItem.acknowledged_at: now, HandoverItem.acknowledged_by: scope.person_id}).where(
                (HandoverItem.handover == row["id"]) & HandoverItem.acknowledged_at.is_null()
            )
            changed(scope.estate_id)
        return {"acknowledged": closed}

    return await idempotency.once(act, "handover_acknowledge", scope.estate_id, work)


async def acknowledge_item(scope: Scope, act: Action, handover_id: UUID | str, item_id: UUID | str) -> dict:
    """One item, once per key; the last one acknowledges the handover."""
    row = await _handover(scope, handover_id)
    _check_reader(scope, row)
    try:
        iid = as_uuid(item_id)
    except ValueError as exc:
        raise NotFound() from exc

    async def work() -> dict:
        now = act.timing.happened_at
        moved = await HandoverItem.update({HandoverItem.acknowledged_at: now,
                                           HandoverItem.acknowledged_by: scope.person_id}).where(
            (HandoverItem.id == iid) & (HandoverItem.handover == row["id"]) & scope.where(HandoverItem)
            & HandoverItem.acknowledged_at.is_null()
        ).returning(HandoverItem.id)
        if not moved and not await HandoverItem.exists().where((HandoverItem.id == iid) & (HandoverItem.handover == row["id"])):
            raise NotFound()
        left = await HandoverItem.count().where((HandoverItem.handover == row["id"]) & HandoverItem.acknowledged_at.is_null())
        closed = await _close(scope, row["id"], now) if left == 0 else False
        if moved:
            changed(scope.estate_id)
        return {"acknowledged": bool(moved), "closed": closed}

    return await idempotency.once(act, "handover_item_acknowledge", scope.estate_id, work)


async def waiting(scope: Scope) -> list[dict]:
    """Handovers of the estate not acknowledged yet (the last day's), newest first."""
    return await Handover.select(*HANDOVER_COLUMNS).where(
        scope.where(Handover) & Handover.acknowledged_at.is_null()
        & (Handover.handed_at >= utcnow() - timedelta(days=1))
    ).order_by(Handover.handed_at, ascending=False).limit(10)


async def recent(scope: Scope) -> list[dict]:
    """The last week's handovers, newest first, each saying whether it is overdue."""
    now = utcnow()
    rows = await Handover.select(*HANDOVER_COLUMNS).where(
        scope.where(Handover) & (Handover.handed_at >= now - timedelta(days=LIST_DAYS))
    ).order_by(Handover.handed_at, ascending=False).limit(200)
    for row in rows:
        row["overdue"] = rules.overdue_for_acknowledgement(row["handed_at"], row["acknowledged_at"], now)
    return rows


async def alert_overdue(now: datetime | None = None) -> int:
    """Tell each estate's supervisors of handovers nobody acknowledged within 15 minutes of the
    shift change, once each (``alerted_at``). Returns how many were alerted."""
    now = now or utcnow()
    condition = (Handover.acknowledged_at.is_null() & Handover.alerted_at.is_null()
                 & (Handover.handed_at <= now - rules.ACKNOWLEDGE_WITHIN))
    if not await Handover.exists().where(condition):
        return 0
    async with write_transaction():
        moved = await Handover.update({Handover.alerted_at: now}).where(condition).returning(
            Handover.id, Handover.estate, Handover.post, Handover.handed_at, Handover.handed_by)
        for row in moved:
            estate = await Estate.select(Estate.slug, Estate.timezone).where(Estate.id == row["estate"]).first()
            by = await Person.select(Person.name).where(Person.id == row["handed_by"]).first()
            local = row["handed_at"].astimezone(ZoneInfo(estate["timezone"]))
            await notify.queue(row["estate"], await notify.holders(row["estate"], Role.SUPERVISOR), Kind.HANDOVER_OVERDUE,
                               params={"post": row["post"], "name": by["name"] if by else "", "time": f"{local:%H:%M}"},
                               url=notify.path("handover_detail", estate=estate["slug"], handover_id=row["id"]),
                               subject=row["id"])
            await audit.record("handover.overdue", actor=None, estate=row["estate"], subject=row["id"])
    return len(moved)


async def alert_overdue_job() -> None:
    """The periodic job (app/asgi.py PERIODIC_JOBS)."""
    await alert_overdue()
