"""What the goods-release use cases share: one slip read through the person's scope (a resident
sees only their households' slips, staff their estate's), its items and history, the estate's
rules and calendar, who is told, and the periodic job that expires unused slips.

(``release_slips`` is the requester's side, ``release_answers`` the owners', the desk's and the
supervisor's, ``release_gate`` the guard's, ``release_desk`` the desk's lists.)
"""

from __future__ import annotations

import json
from datetime import datetime, time
from uuid import UUID
from zoneinfo import ZoneInfo

from app.db import write_transaction
from app.domain import releases as rules
from app.domain.calendar import Calendar, parse_day
from app.domain.live import Topic
from app.domain.invitations import parse_time
from app.domain.releases import Rules, State
from app.domain.roles import Role
from app.models.audit import AuditEvent
from app.models.people import HouseholdMember
from app.models.releases import CalendarDay, ReleaseItem, ReleaseRules, ReleaseSlip
from app.services import audit, live, notify, sealed
from app.services.clock import utcnow
from app.services.errors import NotFound
from app.services.scope import Scope, as_uuid

# Who sees every slip of the estate (and, on the check screen, the carrier's full ID and phone).
STAFF = (Role.FRONT_DESK, Role.SUPERVISOR, Role.MANAGER, Role.GATE_GUARD)
# Who sees full carrier details: the desk's check screen and the staff detail.
CHECKERS = (Role.FRONT_DESK, Role.SUPERVISOR, Role.MANAGER)

SLIP_COLUMNS = (
    *ReleaseSlip.all_columns(),
    ReleaseSlip.unit.label.as_alias("unit_label"),
    ReleaseSlip.unit.fee_status.as_alias("fee_status"),
    ReleaseSlip.unit.fee_note.as_alias("fee_note"),
    ReleaseSlip.consent_by.name.as_alias("consent_by_name"),
    ReleaseSlip.desk_by.name.as_alias("desk_by_name"),
    ReleaseSlip.approved_by.name.as_alias("approved_by_name"),
    ReleaseSlip.released_by.name.as_alias("released_by_name"),
    ReleaseSlip.release_gate.name.as_alias("gate_name"),
)


def url(scope: Scope, slip_id: UUID | str, page: str = "") -> str:
    """The slip's page (``release_detail``, or with ``page="check"`` the desk's check), for
    notifications: by route name, as every notification's link is (``notify.page``)."""
    return notify.page(scope, "release_check" if page == "check" else "release_detail", slip_id=slip_id)


def number(slip_id: UUID | str) -> str:
    """The slip's number as printed and read out: the first 8 characters of its id."""
    return str(slip_id).replace("-", "")[:8].upper()


async def row(scope: Scope, slip_id: UUID | str) -> dict:
    """One slip of this estate with the names around it; NotFound for another estate's."""
    try:
        sid = as_uuid(slip_id)
    except ValueError as exc:
        raise NotFound() from exc
    found = await ReleaseSlip.select(*SLIP_COLUMNS).where((ReleaseSlip.id == sid) & scope.where(ReleaseSlip)).first()
    if found is None:
        raise NotFound()
    found["number"] = number(found["id"])
    return found


def is_staff(scope: Scope) -> bool:
    return scope.has(*STAFF)


async def visible_row(scope: Scope, slip_id: UUID | str) -> dict:
    """A slip the viewer may see: staff any of the estate's, a resident their households' own;
    NotFound otherwise (another household's slip looks like none at all)."""
    slip = await row(scope, slip_id)
    if not is_staff(scope) and slip["unit"] not in await scope.household_unit_ids():
        raise NotFound()
    return slip


async def items(slip_id: UUID) -> list[dict]:
    return await ReleaseItem.select(
        ReleaseItem.id, ReleaseItem.name, ReleaseItem.quantity, ReleaseItem.large, ReleaseItem.photo,
    ).where(ReleaseItem.slip == slip_id).order_by(ReleaseItem.position)


def summary(item_rows: list[dict], limit: int = 80) -> str:
    """"Sofa ×1, Boxes ×4" for notifications and lists (never personal data)."""
    text = ", ".join(f"{i['name']} ×{i['quantity']}" for i in item_rows)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def opened(slip: dict) -> dict:
    """A copy of the slip with the carrier's ID number and phone opened (they are sealed)."""
    return sealed.open_row(ReleaseSlip, dict(slip))


def masked(slip: dict, *, full: bool) -> dict:
    """The slip with the carrier's ID number and phone as the viewer may see them: opened, or
    masked as stored (no key needed)."""
    if full:
        view = opened(slip)
    else:
        view = dict(slip)
        view["carrier_id_number"] = slip["carrier_id_number_masked"]
        view["carrier_phone"] = slip["carrier_phone_masked"]
    view["full_details"] = full
    return view


async def history(slip_id: UUID) -> list[dict]:
    """Who did what to the slip, and when: its audit events, oldest first."""
    rows = await AuditEvent.select(
        AuditEvent.action, AuditEvent.at, AuditEvent.data, AuditEvent.actor.name.as_alias("actor_name"),
    ).where(AuditEvent.subject == str(slip_id)).order_by(AuditEvent.at)
    for event in rows:
        data = event["data"]
        event["data"] = json.loads(data or "{}") if isinstance(data, str) else (data or {})
    return rows


def day_label(slip: dict, tz: str) -> str:
    """"2026-12-10 09:00–12:00" in the estate's time zone, for notifications."""
    start, end = slip.get("window_starts_at"), slip.get("window_ends_at")
    if start is None or end is None:
        return ""
    zone = ZoneInfo(tz)
    return f"{start.astimezone(zone):%Y-%m-%d %H:%M}–{end.astimezone(zone):%H:%M}"


async def params(scope: Scope, slip: dict, **more) -> dict:
    """What a notification about the slip is made of: unit, requester, items, day (no carrier ID
    or phone: ``notify.queue`` refuses them)."""
    return {"unit": slip["unit_label"], "requester": slip["requester_name"], "relation": slip["requester_relation"],
            "items": summary(await items(slip["id"])), "day": day_label(slip, scope.estate.timezone), **more}


async def owners(unit_id: UUID) -> list[UUID]:
    rows = await HouseholdMember.select(HouseholdMember.person).where(
        (HouseholdMember.unit == unit_id) & (HouseholdMember.relation == "owner")
        & (HouseholdMember.person.active.eq(True))
    )
    return [r["person"] for r in rows]


async def relation_of(person_id: UUID, unit_id: UUID) -> str:
    found = await HouseholdMember.select(HouseholdMember.relation).where(
        (HouseholdMember.person == person_id) & (HouseholdMember.unit == unit_id)
    ).first()
    return found["relation"] if found else ""


async def requester_and_household(slip: dict) -> list[UUID]:
    """Who hears how a slip goes: its requester, or, for one started at the desk for a contractor
    with no account, the unit's owners."""
    if slip["requester"] is not None:
        return [slip["requester"]]
    return await owners(slip["unit"])


# The estate's rules and calendar -----------------------------------------------------------


def _time(text: str, default: time) -> time:
    return parse_time(text) or default


async def rules_of(estate_id: UUID) -> Rules:
    found = await ReleaseRules.select().where(ReleaseRules.estate == estate_id).first()
    if found is None:
        return Rules()
    return Rules(
        consent_required=bool(found["consent_required"]), arrears_block=bool(found["arrears_block"]),
        move_out_notice_days=int(found["move_out_notice_days"]),
        large_items_from=_time(found["large_items_from"], Rules.large_items_from),
        large_items_until=_time(found["large_items_until"], Rules.large_items_until),
        large_items_working_days=bool(found["large_items_working_days"]),
    )


async def calendar_of(estate_id: UUID) -> Calendar:
    holidays, workdays = set(), set()
    for mark in await CalendarDay.select(CalendarDay.day, CalendarDay.working).where(CalendarDay.estate == estate_id):
        day = parse_day(mark["day"])
        if day is not None:
            (workdays if mark["working"] else holidays).add(day)
    return Calendar(holidays=frozenset(holidays), workdays=frozenset(workdays))


def changed(estate_id: UUID) -> None:
    """Slips of the estate moved: the desk's queue and the slips to approve ask again (once the
    transaction commits)."""
    live.changed(Topic.SLIPS, estate=estate_id)


# Expiry --------------------------------------------------------------------------------------


async def expire_due(*, now: datetime | None = None, estate_id: UUID | None = None) -> int:
    """Open slips whose window is over become expired, in one conditional UPDATE (a release
    racing it either happens first or finds the state moved). Returns how many moved."""
    now = now or utcnow()
    condition = ReleaseSlip.state.is_in([s.value for s in rules.sources(State.EXPIRED)]) \
        & (ReleaseSlip.window_ends_at < now)
    if estate_id is not None:
        condition = condition & (ReleaseSlip.estate == estate_id)
    if not await ReleaseSlip.exists().where(condition):
        return 0
    async with write_transaction():
        moved = await ReleaseSlip.update({ReleaseSlip.state: State.EXPIRED.value, ReleaseSlip.closed_at: now}).where(
            condition
        ).returning(ReleaseSlip.id, ReleaseSlip.estate)
        for slip in moved:
            await audit.record("slip.expired", actor=None, estate=slip["estate"], subject=slip["id"])
        for estate in {slip["estate"] for slip in moved}:
            changed(estate)
    return len(moved)


async def expire_due_job() -> None:
    """The periodic job (app/asgi.py PERIODIC_JOBS)."""
    await expire_due()


async def expire_if_due(slip: dict, now: datetime) -> dict:
    """A read moves its own slip on time, whatever the periodic tick does."""
    if not rules.expires(slip["state"], slip["window_ends_at"], now):
        return slip
    async with write_transaction():
        moved = await ReleaseSlip.update({ReleaseSlip.state: State.EXPIRED.value, ReleaseSlip.closed_at: now}).where(
            (ReleaseSlip.id == slip["id"]) & (ReleaseSlip.state == slip["state"])
        ).returning(ReleaseSlip.id)
        if moved:
            await audit.record("slip.expired", actor=None, estate=slip["estate"], subject=slip["id"])
            changed(slip["estate"])
    fresh = await ReleaseSlip.select(ReleaseSlip.state).where(ReleaseSlip.id == slip["id"]).first()
    return {**slip, "state": fresh["state"]}
