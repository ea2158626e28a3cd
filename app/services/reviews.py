"""Guard actions a supervisor reviews: conflicts found when an action taken with no signal
arrived (``app/domain/conflicts.py``), actions the server refused when a phone sent them later,
and phones whose clocks are off.

A conflict is flagged inside the transaction that records the action, so the action and its
flag are kept together or not at all; supervisors (managers where the estate has none) are
notified. One item per action and kind: a phone sending the same action again adds nothing.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

from piccolo.utils.encoding import dump_json

from app.db import Statement, write_transaction
from app.domain.conflicts import REFUSED
from app.domain.device_time import SKEW_LIMIT
from app.domain.notifications import Kind
from app.domain.roles import Role
from app.models.people import Person
from app.models.reviews import ReviewItem
from app.models.visitors import GuardAction
from app.services import audit, notify
from app.services.clock import utcnow
from app.services.idempotency import Action
from app.services.scope import Scope

NOTE_MAX = 500
OPEN_LIMIT = 200
# How far back the clock check looks: phones that were wrong last week are not today's problem.
CLOCK_WINDOW = timedelta(days=2)

_FLAG = Statement(
    'INSERT INTO review_item (id, estate, person, "key", action, kind, subject, detail, device_time, happened_at,'
    " arrived_at, resolved_at, resolved_by, resolution_note)"
    " VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, NULL, NULL, '')"
    ' ON CONFLICT (person, "key", kind) DO NOTHING RETURNING id'
)


async def flag(scope: Scope, act: Action, kind: str, *, action: str, subject: UUID | str = "",
               detail: dict) -> bool:
    """Keep a review item for this action (in the caller's transaction) and tell the estate's
    supervisors; False when this action was flagged so already."""
    timing = act.timing
    rows = await _FLAG.fetch(uuid4(), scope.estate_id, act.person_id, act.key, action, kind, str(subject),
                             dump_json(detail), act.device_time, timing.happened_at, act.arrived_at)
    if not rows:
        return False
    await notify.queue(scope.estate_id, await reviewers(scope.estate_id), Kind.ACTION_REVIEW,
                       params={"guard": scope.viewer.name, "problem": kind, "guest": detail.get("guest", ""),
                               "gate": detail.get("gate", "")},
                       url=notify.page(scope, "review_list"), subject=rows[0]["id"])
    await audit.record(f"review.{kind}", actor=act.person_id, estate=scope.estate_id, subject=rows[0]["id"],
                       guard_action=action, key=act.key)
    return True


async def refused(scope: Scope, act: Action, *, action: str, status: int, reason: str) -> bool:
    """An action the phone sent later and the server did not accept (its own transaction):
    ``reason`` is the code of what the server found (a verdict, ``taken``, ``422``, ...)."""
    async with write_transaction():
        return await flag(scope, act, REFUSED, action=action, detail={"status": status, "reason": reason})


async def reviewers(estate_id: UUID) -> list[UUID]:
    return await notify.holders(estate_id, Role.SUPERVISOR) or await notify.holders(estate_id, Role.MANAGER)


async def open_items(scope: Scope) -> list[dict]:
    """Items not yet reviewed, newest first."""
    return await ReviewItem.select(
        ReviewItem.id, ReviewItem.kind, ReviewItem.action, ReviewItem.subject, ReviewItem.detail,
        ReviewItem.device_time, ReviewItem.happened_at, ReviewItem.arrived_at,
        ReviewItem.person.name.as_alias("guard_name"),
    ).where(scope.where(ReviewItem) & ReviewItem.resolved_at.is_null()).order_by(
        ReviewItem.arrived_at, ascending=False
    ).limit(OPEN_LIMIT).output(load_json=True)


async def open_count(scope: Scope) -> int:
    return await ReviewItem.count().where(scope.where(ReviewItem) & ReviewItem.resolved_at.is_null())


async def resolve(scope: Scope, item_id: UUID, note: str) -> bool:
    """Mark an item reviewed, with the supervisor's note; False when someone already did."""
    item = await scope.get(ReviewItem, item_id)
    note = (note or "").strip()[:NOTE_MAX]
    done = await ReviewItem.update({
        ReviewItem.resolved_at: utcnow(), ReviewItem.resolved_by: scope.person_id, ReviewItem.resolution_note: note,
    }).where((ReviewItem.id == item.id) & ReviewItem.resolved_at.is_null()).returning(ReviewItem.id)
    if done:
        await audit.record("review.resolved", actor=scope.person_id, estate=scope.estate_id, subject=item.id,
                           kind=item.kind, noted=bool(note))
    return bool(done)


async def wrong_clocks(scope: Scope) -> list[dict]:
    """Guards whose phone's clock was off by more than the limit in their recent actions: the
    times those phones report are corrected, and a supervisor should have the clock set right."""
    limit = int(SKEW_LIMIT.total_seconds())
    rows = await GuardAction.select(
        GuardAction.person, GuardAction.clock_offset, GuardAction.created_at,
    ).where(
        scope.where(GuardAction) & (GuardAction.created_at >= utcnow() - CLOCK_WINDOW)
        & GuardAction.clock_offset.is_not_null()
        & ((GuardAction.clock_offset > limit) | (GuardAction.clock_offset < -limit))
    ).order_by(GuardAction.created_at, ascending=False)
    if not rows:
        return []
    names = {r["id"]: r["name"] for r in await Person.select(Person.id, Person.name).where(
        Person.id.is_in(list({r["person"] for r in rows})))}
    phones: dict = {}
    for row in rows:  # newest first: the first row of each person is their latest
        phone = phones.setdefault(row["person"], {"name": names.get(row["person"], ""), "actions": 0,
                                                 "offset": row["clock_offset"], "last_at": row["created_at"]})
        phone["actions"] += 1
    return list(phones.values())
