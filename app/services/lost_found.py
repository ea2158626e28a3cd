"""Lost and found at the front desk: items reported lost (by a resident on the phone, or a
resident or a visitor through the desk) and items found and kept; likely matches suggested
(``domain.lostfound.score``), a match confirmed by the desk (the resident who reported the loss
is told), the return recorded with who collected it and what they showed, and found items
unclaimed after the estate's period listed for disposal, with the decision recorded.

A resident sees only their households' lost reports; staff their estate's records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from app.db import Statement, write_transaction
from app.domain import inputs
from app.domain import lostfound as rules
from app.domain.live import Topic
from app.domain.lostfound import Item, Side, State
from app.domain.notifications import Kind as Note
from app.domain.roles import Role
from app.i18n import N_
from app.models.desk_requests import LostFoundRecord, LostFoundRules
from app.models.estates import Unit
from app.services import audit, live, notify, sealed, uploads
from app.services.clock import utcnow
from app.services.errors import Forbidden, Invalid, NotFound
from app.services.handover_sources import LIMIT, source
from app.services.scope import EstateRef, Scope, as_uuid

STAFF = (Role.FRONT_DESK, Role.SUPERVISOR, Role.MANAGER)

MESSAGES = {
    "side_missing": N_("Say whether it was lost or found."),
    "category_missing": N_("Choose what kind of item it is."),
    "description_missing": N_("Describe the item."),
    "description_too_long": N_("Keep it under 1000 characters."),
    "place_missing": N_("Say where."),
    "when_missing": N_("Say when (date and time)."),
    "when_in_future": N_("This time is still to come."),
    "contact_missing": N_("Write a name and how to reach them."),
    "unit_unknown": N_("There is no unit with this number here."),
    "collected_by_missing": N_("Write who collected it."),
    "proof_missing": N_("Write what they showed to prove it is theirs."),
    "disposal_missing": N_("Choose what was done with it."),
    "days_out_of_range": N_("Between 7 and 3650 days."),
}

COLUMNS = (
    *LostFoundRecord.all_columns(),
    LostFoundRecord.unit.label.as_alias("unit_label"),
    LostFoundRecord.reporter.name.as_alias("reporter_name"),
    LostFoundRecord.returned_by.name.as_alias("returned_by_name"),
    LostFoundRecord.disposed_by.name.as_alias("disposed_by_name"),
)


@dataclass
class NewRecord:
    side: str = ""
    category: str = ""
    description: str = ""
    place: str = ""
    when: str = ""  # YYYY-MM-DDTHH:MM in the estate's time
    contact: str = ""
    unit: str = ""  # the desk: the owner's unit number, if a resident
    found_by: str = ""
    kept_at: str = ""
    photo: bytes | None = None


def is_staff(scope: Scope) -> bool:
    return scope.has(*STAFF)


def changed(estate_id: UUID) -> None:
    live.changed(Topic.LOST_FOUND, estate=estate_id)


def _invalid(problems: dict[str, str]) -> Invalid:
    return Invalid({f: MESSAGES[code] for f, code in problems.items()})


def parse_when(text: str, tz: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz))
    return moment


async def unclaimed_days(estate_id: UUID) -> int:
    row = await LostFoundRules.select(LostFoundRules.unclaimed_days).where(LostFoundRules.estate == estate_id).first()
    return int(row["unclaimed_days"]) if row else rules.DEFAULT_UNCLAIMED_DAYS


async def set_unclaimed_days(scope: Scope, days: str) -> int:
    if not scope.has(Role.SUPERVISOR, Role.MANAGER):
        raise Forbidden()
    value = inputs.whole_number(days, rules.MIN_UNCLAIMED_DAYS, rules.MAX_UNCLAIMED_DAYS)
    if value is None:
        raise _invalid({"unclaimed_days": "days_out_of_range"})
    async with write_transaction():
        if await LostFoundRules.exists().where(LostFoundRules.estate == scope.estate_id):
            await LostFoundRules.update({LostFoundRules.unclaimed_days: value}).where(
                LostFoundRules.estate == scope.estate_id)
        else:
            await LostFoundRules.insert(LostFoundRules(estate=scope.estate_id, unclaimed_days=value))
        await audit.record("lost_found.period", actor=scope.person_id, estate=scope.estate_id, days=value)
    return value


# Recording --------------------------------------------------------------------------------------


async def record(scope: Scope, form: NewRecord) -> UUID:
    """A lost or found record made at the desk, or a lost report made by a resident for their
    own household (a resident cannot record a find: it is brought to the desk)."""
    now = utcnow()
    at_desk = scope.has(Role.FRONT_DESK)
    unit_id, reporter = None, None
    if not at_desk:
        units = await scope.household_unit_ids()
        if not units:
            raise Forbidden()
        form.side = Side.LOST.value  # a find is brought to the desk, which records it
        unit_id, reporter = sorted(units, key=str)[0], scope.person_id
    when = parse_when(form.when, scope.estate.timezone)
    problems = rules.check_record(form.side, form.category, form.description, form.place, when, now,
                                  contact=form.contact, has_reporter=reporter is not None or bool(form.unit.strip()))
    if at_desk and form.side == Side.LOST.value and form.unit.strip():
        row = await Unit.select(Unit.id).where(scope.where(Unit) & (Unit.label == form.unit.strip().upper())).first()
        if row is None:
            problems["unit"] = "unit_unknown"
        else:
            unit_id = row["id"]
    if problems:
        raise _invalid(problems)
    photo = None
    if form.photo is not None:
        photo = await uploads.store(scope.estate_id, scope.person_id, form.photo, "lost_found", field="photo")
    record_id = uuid4()
    found = form.side == Side.FOUND.value
    async with write_transaction():
        await LostFoundRecord.insert(LostFoundRecord(
            id=record_id, estate=scope.estate_id, side=form.side, category=form.category,
            description=form.description.strip(), place=form.place.strip()[:120], happened_at=when,
            state=State.OPEN.value, unit=unit_id, reporter=reporter,
            contact=sealed.keyring().seal(form.contact.strip()[:120], sealed.field(LostFoundRecord, "contact").aad),
            found_by=form.found_by.strip()[:80] if found else "", kept_at=form.kept_at.strip()[:80] if found else "",
            photo=photo, created_at=now, created_by=scope.person_id,
        ))
        await audit.record(f"lost_found.{form.side}", actor=scope.person_id, estate=scope.estate_id,
                           subject=record_id, category=form.category)
        changed(scope.estate_id)
    return record_id


# Reading -----------------------------------------------------------------------------------


async def visible(scope: Scope, record_id: UUID | str) -> dict:
    try:
        rid = as_uuid(record_id)
    except ValueError as exc:
        raise NotFound() from exc
    row = await LostFoundRecord.select(*COLUMNS).where((LostFoundRecord.id == rid) & scope.where(LostFoundRecord)).first()
    if row is None:
        raise NotFound()
    if not is_staff(scope):
        if row["side"] != Side.LOST.value or row["unit"] not in await scope.household_unit_ids():
            raise NotFound()
    return sealed.open_row(LostFoundRecord, row)


def _item(row: dict) -> Item:
    return Item(side=Side(row["side"]), category=row["category"], place=row["place"], at=row["happened_at"],
                description=row["description"])


async def suggestions(scope: Scope, row: dict) -> list[dict]:
    """Open records of the other side likely to be the same item, likeliest first."""
    if not is_staff(scope) or row["state"] != State.OPEN.value:
        return []
    other = Side.FOUND.value if row["side"] == Side.LOST.value else Side.LOST.value
    window = (row["happened_at"] - rules.LOOK_BACK, row["happened_at"] + rules.LOOK_BACK)
    candidates = await LostFoundRecord.select(*COLUMNS).where(
        scope.where(LostFoundRecord) & (LostFoundRecord.side == other) & (LostFoundRecord.state == State.OPEN.value)
        & (LostFoundRecord.category == row["category"])
        & (LostFoundRecord.happened_at >= window[0]) & (LostFoundRecord.happened_at <= window[1])
    )
    by_id = {c["id"]: c for c in sealed.open_rows(LostFoundRecord, candidates)}
    return [{**by_id[key], "score": points} for key, points in
            rules.likely(_item(row), [(c["id"], _item(c)) for c in candidates])]


async def detail(scope: Scope, record_id: UUID) -> dict:
    row = await visible(scope, record_id)
    row["other"] = None
    if row["match"]:
        other = await LostFoundRecord.select(*COLUMNS).where(
            (LostFoundRecord.id == row["match"]) & scope.where(LostFoundRecord)).first()
        row["other"] = sealed.open_row(LostFoundRecord, other) if is_staff(scope) else None
    row["suggestions"] = await suggestions(scope, row)
    row["disposal_due"] = row["side"] == Side.FOUND.value and rules.disposal_due(
        row["state"], row["happened_at"], utcnow(), await unclaimed_days(scope.estate_id))
    return row


@dataclass
class Board:
    lost: list[dict]
    found: list[dict]
    matched: list[dict]
    due: list[dict]
    closed: list[dict]
    days: int


CLOSED_SHOWN = 20


async def board(scope: Scope) -> Board:
    """The desk's lost and found: open losses and finds, matches waiting for their owner, finds
    due for disposal, and the latest returned or disposed."""
    if not is_staff(scope):
        raise Forbidden()
    days = await unclaimed_days(scope.estate_id)
    now = utcnow()
    rows = await LostFoundRecord.select(*COLUMNS).where(
        scope.where(LostFoundRecord) & LostFoundRecord.state.is_in([State.OPEN.value, State.MATCHED.value])
    ).order_by(LostFoundRecord.happened_at, ascending=False)
    closed = await LostFoundRecord.select(*COLUMNS).where(
        scope.where(LostFoundRecord) & LostFoundRecord.state.is_in([State.RETURNED.value, State.DISPOSED.value])
    ).order_by(LostFoundRecord.created_at, ascending=False).limit(CLOSED_SHOWN)
    result = Board([], [], [], [], closed, days)
    for row in rows:
        if row["state"] == State.MATCHED.value:
            if row["side"] == Side.FOUND.value:
                result.matched.append(row)
        elif row["side"] == Side.LOST.value:
            result.lost.append(row)
        elif rules.disposal_due(row["state"], row["happened_at"], now, days):
            result.due.append(row)
        else:
            result.found.append(row)
    return result


async def household_reports(scope: Scope) -> list[dict]:
    units = await scope.household_unit_ids()
    if not units:
        return []
    return await LostFoundRecord.select(*COLUMNS).where(
        scope.where(LostFoundRecord) & (LostFoundRecord.side == Side.LOST.value)
        & LostFoundRecord.unit.is_in(list(units))
    ).order_by(LostFoundRecord.created_at, ascending=False).limit(50)


# The desk's moves --------------------------------------------------------------------------


class _Raced(Exception):
    """The other record moved while this one was being matched: nothing is written."""


async def confirm_match(scope: Scope, record_id: UUID, other_id: UUID) -> dict:
    """The desk confirms a lost report and a found item are the same: both are matched, and a
    resident who reported the loss is told to collect it."""
    if not scope.has(Role.FRONT_DESK):
        raise Forbidden()
    first, second = await visible(scope, record_id), await visible(scope, other_id)
    if first["side"] == second["side"]:
        raise NotFound()
    lost, found = (first, second) if first["side"] == Side.LOST.value else (second, first)
    now = utcnow()
    try:
        async with write_transaction():
            for row, other in ((lost, found), (found, lost)):
                moved = await LostFoundRecord.update({
                    LostFoundRecord.state: State.MATCHED.value, LostFoundRecord.match: other["id"],
                    LostFoundRecord.matched_at: now, LostFoundRecord.matched_by: scope.person_id,
                }).where((LostFoundRecord.id == row["id"]) & (LostFoundRecord.state == State.OPEN.value)).returning(
                    LostFoundRecord.id)
                if not moved:
                    raise _Raced()
            owners = [lost["reporter"]] if lost["reporter"] else await notify.household(lost["unit"]) if lost["unit"] else []
            if owners:  # a resident (or, recorded at the desk with their unit, their household) is told
                await notify.queue(scope.estate_id, owners, Note.LOST_ITEM_FOUND, params={
                    "item": found["category"], "place": found["place"]},
                    url=notify.page(scope, "lost_found_detail", record_id=lost["id"]), subject=lost["id"])
            await audit.record("lost_found.matched", actor=scope.person_id, estate=scope.estate_id,
                               subject=found["id"], lost=str(lost["id"]))
            changed(scope.estate_id)
    except _Raced:
        return {"moved": False, "found": found["id"]}
    return {"moved": True, "found": found["id"]}


async def record_return(scope: Scope, record_id: UUID, collected_by: str, proof: str) -> dict:
    """The owner collected a matched item: who, and what they showed. Both records close."""
    if not scope.has(Role.FRONT_DESK):
        raise Forbidden()
    row = await visible(scope, record_id)
    problems = {}
    if not collected_by.strip():
        problems["collected_by"] = "collected_by_missing"
    if not proof.strip():
        problems["proof_shown"] = "proof_missing"
    if problems:
        raise _invalid(problems)
    ids = [row["id"]] + ([row["match"]] if row["match"] else [])
    async with write_transaction():
        moved = await LostFoundRecord.update({
            LostFoundRecord.state: State.RETURNED.value, LostFoundRecord.returned_at: utcnow(),
            LostFoundRecord.returned_by: scope.person_id, LostFoundRecord.collected_by: collected_by.strip()[:80],
            LostFoundRecord.proof_shown: proof.strip()[:120],
        }).where(LostFoundRecord.id.is_in(ids) & (LostFoundRecord.state == State.MATCHED.value)
                 & scope.where(LostFoundRecord)).returning(LostFoundRecord.id)
        if moved:
            await audit.record("lost_found.returned", actor=scope.person_id, estate=scope.estate_id,
                               subject=row["id"])
            changed(scope.estate_id)
    return {"moved": bool(moved)}


async def dispose(scope: Scope, record_id: UUID, decision: str, note: str = "") -> dict:
    """What was done with a found item unclaimed past the estate's period."""
    if not scope.has(Role.FRONT_DESK, Role.SUPERVISOR, Role.MANAGER):
        raise Forbidden()
    row = await visible(scope, record_id)
    if decision not in rules.DISPOSALS:
        raise _invalid({"disposal": "disposal_missing"})
    days = await unclaimed_days(scope.estate_id)
    if row["side"] != Side.FOUND.value or not rules.disposal_due(row["state"], row["happened_at"], utcnow(), days):
        return {"moved": False}
    async with write_transaction():
        moved = await LostFoundRecord.update({
            LostFoundRecord.state: State.DISPOSED.value, LostFoundRecord.disposal: decision,
            LostFoundRecord.disposal_note: note.strip()[:200], LostFoundRecord.disposed_at: utcnow(),
            LostFoundRecord.disposed_by: scope.person_id,
        }).where((LostFoundRecord.id == row["id"]) & (LostFoundRecord.state == State.OPEN.value)).returning(
            LostFoundRecord.id)
        if moved:
            await audit.record("lost_found.disposed", actor=scope.person_id, estate=scope.estate_id,
                               subject=row["id"], decision=decision)
            changed(scope.estate_id)
    return {"moved": bool(moved)}


async def photo(scope: Scope, record_id: UUID) -> bytes:
    row = await visible(scope, record_id)
    if row["photo"] is None:
        raise NotFound()
    return await uploads.read(scope.estate_id, row["photo"])


# For the shift handover -----------------------------------------------------------------


# Read on every request of the handover page, which compiles every source: written by hand, as
# Piccolo's builder spends more CPU composing a query than the database spends running it.
_NOT_RETURNED = Statement(
    "SELECT id, category, description, place, kept_at, state, happened_at FROM lost_found_record"
    " WHERE estate = {} AND side = {} AND state IN ({}, {}) AND happened_at <= {} ORDER BY happened_at LIMIT {}"
)


@source(65)
async def not_returned(estate: EstateRef, now: datetime) -> list[dict]:
    """Found items still at the desk (open or matched and waiting for their owner)."""
    rows = await _NOT_RETURNED.fetch(estate.id, Side.FOUND.value, State.OPEN.value, State.MATCHED.value, now, LIMIT)
    return [{
        "kind": "found_not_returned", "title": r["description"][:60],
        "detail": f"{r['place']} → {r['kept_at']}".strip(" →"),
        "href": notify.path("lost_found_detail", estate=estate.slug, record_id=r["id"]),
        "at": r["happened_at"], "state": r["state"], "category": r["category"],
    } for r in rows]
