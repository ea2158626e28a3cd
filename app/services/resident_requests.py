"""Residents' enquiries, complaints and repair requests, from the phone or the counter to done
and followed up (回訪).

A resident raises one for their unit (kind, text, up to three photos through ``uploads``); the
desk records one for a resident who came to the counter or called. The desk assigns it to a
team (and a person, if one), marks it started and done with what was done; each move is one
conditional UPDATE, written with its audit event and notifications. When it is done the
resident is asked whether it was resolved and how satisfied they are: one tap from the
notification (registered with ``decisions``), or in the app, or the desk writes down what they
said on a call. A resident sees only their households' requests, staff their estate's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID, uuid4

from app.db import Statement, write_transaction
from app.domain import requests as rules
from app.domain.live import Topic
from app.domain.notifications import Kind as Note
from app.domain.requests import Satisfaction, State, Team
from app.domain.roles import Role
from app.i18n import N_
from app.models.desk_requests import RequestPhoto, ResidentRequest
from app.models.estates import Unit
from app.models.people import HouseholdMember, Person, RoleGrant
from app.services import audit, decisions, live, notify, uploads
from app.services.clock import utcnow
from app.services.decisions import Standing
from app.services.errors import Forbidden, Invalid, NotFound
from app.services.handover_sources import LIMIT, source
from app.services.scope import EstateRef, Scope, as_uuid

STAFF = (Role.FRONT_DESK, Role.SUPERVISOR, Role.MANAGER)

MESSAGES = {
    "kind_missing": N_("Choose what it is."),
    "text_missing": N_("Say what it is about."),
    "text_too_long": N_("Keep it under 2000 characters."),
    "too_many_photos": N_("At most 3 photos."),
    "unit_missing": N_("Choose your unit."),
    "unit_unknown": N_("There is no unit with this number here."),
    "team_missing": N_("Choose a team."),
    "assignee_unknown": N_("Choose someone of this estate's staff."),
    "note_missing": N_("Write what was done."),
    "resolved_missing": N_("Say whether it was resolved."),
    "satisfaction_missing": N_("Say how satisfied they are."),
    "moved_on": N_("This request has already moved on. The page shows where it is now."),
}

COLUMNS = (
    *ResidentRequest.all_columns(),
    ResidentRequest.unit.label.as_alias("unit_label"),
    ResidentRequest.raised_by.name.as_alias("raised_by_name"),
    ResidentRequest.assignee.name.as_alias("assignee_name"),
    ResidentRequest.done_by.name.as_alias("done_by_name"),
    ResidentRequest.followed_up_by.name.as_alias("followed_up_by_name"),
)


@dataclass
class NewRequest:
    kind: str = ""
    text: str = ""
    unit: str = ""  # the resident: a unit id of their households; the desk: a unit's number
    resident_name: str = ""  # the desk: who asked
    channel: str = "app"
    photos: list[bytes] = field(default_factory=list)


def is_staff(scope: Scope) -> bool:
    return scope.has(*STAFF)


def changed(estate_id: UUID, *units: UUID) -> None:
    """The desk's queue and the household's list ask again, once the transaction commits."""
    live.changed(Topic.REQUESTS, estate=estate_id, units=units)


def _invalid(problems: dict[str, str]) -> Invalid:
    return Invalid({f: MESSAGES[code] for f, code in problems.items()})


def snippet(text: str, limit: int = 80) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Raising one ----------------------------------------------------------------------------------


async def _resident_unit(scope: Scope, unit: str) -> UUID:
    mine = await scope.household_unit_ids()
    if not mine:
        raise Forbidden()
    if len(mine) == 1 and not unit:
        return next(iter(mine))
    try:
        chosen = as_uuid(unit)
    except ValueError:
        chosen = None
    if chosen not in mine:
        raise _invalid({"unit": "unit_missing"})
    return chosen


async def _desk_unit(scope: Scope, label: str) -> tuple[UUID | None, str]:
    """The unit the desk typed, by its number, or the problem with it."""
    if not label.strip():
        return None, "unit_missing"
    row = await Unit.select(Unit.id).where(scope.where(Unit) & (Unit.label == label.strip().upper())).first()
    return (row["id"], "") if row else (None, "unit_unknown")


async def raise_request(scope: Scope, form: NewRequest, *, at_desk: bool = False) -> UUID:
    """A new request: by the resident for their unit, or by the desk for a resident (the unit by
    its number, who asked, counter or phone). Returns its id."""
    problems = {p.field: p.code for p in rules.check_new(form.kind, form.text, len(form.photos))}
    if at_desk:
        if not scope.has(Role.FRONT_DESK):
            raise Forbidden()
        unit_id, unit_problem = await _desk_unit(scope, form.unit)
        if unit_problem:
            problems["unit"] = unit_problem
        channel = form.channel if form.channel in (rules.Channel.COUNTER.value, rules.Channel.PHONE.value) else "counter"
        raised_by = await _named_resident(unit_id, form.resident_name) if unit_id else None
    else:
        unit_id = await _resident_unit(scope, form.unit)
        channel, raised_by = rules.Channel.APP.value, scope.person_id
    if problems:
        raise _invalid(problems)
    photo_ids = [await uploads.store(scope.estate_id, scope.person_id, data, "request_photo", field="photos")
                 for data in form.photos]
    request_id = uuid4()
    name = form.resident_name.strip()[:80] if at_desk else scope.viewer.name
    async with write_transaction():
        await ResidentRequest.insert(ResidentRequest(
            id=request_id, estate=scope.estate_id, unit=unit_id, kind=form.kind, text=form.text.strip(),
            state=State.NEW.value, raised_by=raised_by, resident_name=name, channel=channel,
            recorded_by=scope.person_id if at_desk else None, created_at=utcnow(),
        ))
        for position, upload in enumerate(photo_ids):
            await RequestPhoto.insert(RequestPhoto(request=request_id, upload=upload, position=position))
        label = (await Unit.select(Unit.label).where(Unit.id == unit_id).first())["label"]
        if not at_desk:
            desk = await notify.holders(scope.estate_id, Role.FRONT_DESK)
            await notify.queue(scope.estate_id, desk, Note.REQUEST_NEW, params={
                "kind": form.kind, "unit": label, "text": snippet(form.text)}, url=page(scope, request_id),
                subject=request_id)
        await audit.record("request.raised", actor=scope.person_id, estate=scope.estate_id, subject=request_id,
                           kind=form.kind, channel=channel)
        changed(scope.estate_id, unit_id)
    return request_id


async def _named_resident(unit_id: UUID, name: str) -> UUID | None:
    """The household member the desk named, so they see it on their phone and are told."""
    if not name.strip():
        return None
    row = await HouseholdMember.select(HouseholdMember.person).where(
        (HouseholdMember.unit == unit_id) & (HouseholdMember.person.name == name.strip())
    ).first()
    return row["person"] if row else None


def page(scope: Scope, request_id: UUID) -> str:
    return notify.page(scope, "request_detail", request_id=request_id)


# Reading ---------------------------------------------------------------------------------------


async def visible(scope: Scope, request_id: UUID | str) -> dict:
    """A request the viewer may see: staff any of the estate's, a resident their households';
    NotFound otherwise."""
    try:
        rid = as_uuid(request_id)
    except ValueError as exc:
        raise NotFound() from exc
    row = await ResidentRequest.select(*COLUMNS).where((ResidentRequest.id == rid) & scope.where(ResidentRequest)).first()
    if row is None:
        raise NotFound()
    if not is_staff(scope) and row["unit"] not in await scope.household_unit_ids():
        raise NotFound()
    row["overdue"] = rules.follow_up_overdue(row["state"], row["done_at"], utcnow())
    row["photos"] = [r["upload"] for r in await RequestPhoto.select(RequestPhoto.upload).where(
        RequestPhoto.request == rid).order_by(RequestPhoto.position)]
    return row


async def household_list(scope: Scope) -> list[dict]:
    units = await scope.household_unit_ids()
    if not units:
        return []
    return await ResidentRequest.select(*COLUMNS).where(
        scope.where(ResidentRequest) & ResidentRequest.unit.is_in(list(units))
    ).order_by(ResidentRequest.created_at, ascending=False).limit(100)


async def my_units(scope: Scope) -> list[dict]:
    units = await scope.household_unit_ids()
    if not units:
        return []
    return await Unit.select(Unit.id, Unit.label).where(Unit.id.is_in(list(units))).order_by(Unit.label)


@dataclass
class Queue:
    columns: dict[str, list[dict]]
    overdue: list[dict]


FOLLOWED_UP_SHOWN = 20


async def queue(scope: Scope) -> Queue:
    """The desk's queue by state; followed-up ones only the latest; the overdue follow-ups apart."""
    now = utcnow()
    rows = await ResidentRequest.select(*COLUMNS).where(
        scope.where(ResidentRequest) & (ResidentRequest.state != State.FOLLOWED_UP.value)
    ).order_by(ResidentRequest.created_at)
    rows += await ResidentRequest.select(*COLUMNS).where(
        scope.where(ResidentRequest) & (ResidentRequest.state == State.FOLLOWED_UP.value)
    ).order_by(ResidentRequest.followed_up_at, ascending=False).limit(FOLLOWED_UP_SHOWN)
    columns: dict[str, list[dict]] = {s.value: [] for s in rules.QUEUE_ORDER}
    overdue = []
    for row in rows:
        row["overdue"] = rules.follow_up_overdue(row["state"], row["done_at"], now)
        columns.setdefault(row["state"], []).append(row)
        if row["overdue"]:
            overdue.append(row)
    return Queue(columns=columns, overdue=overdue)


async def staff_choices(scope: Scope) -> list[dict]:
    """Who a request may be handed to: the estate's active staff (any role but resident)."""
    rows = await RoleGrant.select(RoleGrant.person, RoleGrant.person.name.as_alias("name")).where(
        scope.where(RoleGrant) & (RoleGrant.role != Role.RESIDENT.value) & (RoleGrant.role != Role.ADMIN.value)
        & RoleGrant.person.active.eq(True)
    )
    people = {r["person"]: r["name"] for r in rows}
    return [{"id": pid, "name": name} for pid, name in sorted(people.items(), key=lambda p: p[1])]


# The desk's moves ---------------------------------------------------------------------------


async def _move(scope: Scope, request_id: UUID, target: State, values: dict, action: str, **data) -> dict:
    """One conditional UPDATE from any state the rules allow into ``target``; with its audit."""
    if not is_staff(scope):
        raise Forbidden()
    found = await visible(scope, request_id)
    sources = [s.value for s in rules.sources(target)]
    async with write_transaction():
        moved = await ResidentRequest.update({ResidentRequest.state: target.value, **values}).where(
            (ResidentRequest.id == found["id"]) & ResidentRequest.state.is_in(sources)
        ).returning(ResidentRequest.id)
        if moved:
            await audit.record(action, actor=scope.person_id, estate=scope.estate_id, subject=found["id"], **data)
            changed(scope.estate_id, found["unit"])
    return {"moved": bool(moved), "request": found}


async def assign(scope: Scope, request_id: UUID, team: str, assignee: str = "") -> dict:
    if team not in Team._value2member_map_:
        raise _invalid({"team": "team_missing"})
    person = None
    if assignee:
        try:
            person = as_uuid(assignee)
        except ValueError as exc:
            raise _invalid({"assignee": "assignee_unknown"}) from exc
        if person not in {p["id"] for p in await staff_choices(scope)}:
            raise _invalid({"assignee": "assignee_unknown"})
    result = await _move(scope, request_id, State.ASSIGNED, {
        ResidentRequest.team: team, ResidentRequest.assignee: person, ResidentRequest.assigned_at: utcnow(),
    }, "request.assigned", team=team)
    if result["moved"] and person is not None and person != scope.person_id:
        found = result["request"]
        async with write_transaction():
            await notify.queue(scope.estate_id, [person], Note.REQUEST_ASSIGNED, params={
                "kind": found["kind"], "unit": found["unit_label"], "text": snippet(found["text"])},
                url=page(scope, found["id"]), subject=found["id"])
    return result


async def start(scope: Scope, request_id: UUID) -> dict:
    return await _move(scope, request_id, State.IN_PROGRESS, {ResidentRequest.started_at: utcnow()}, "request.started")


async def complete(scope: Scope, request_id: UUID, note: str) -> dict:
    """Done, with what was done: the resident is told and asked whether it is resolved."""
    note = note.strip()
    if not note:
        raise _invalid({"work_note": "note_missing"})
    if len(note) > rules.MAX_TEXT:
        raise _invalid({"work_note": "text_too_long"})
    now = utcnow()
    found = await visible(scope, request_id) if is_staff(scope) else None
    async with write_transaction():
        result = await _move(scope, request_id, State.DONE, {
            ResidentRequest.work_note: note, ResidentRequest.done_at: now, ResidentRequest.done_by: scope.person_id,
        }, "request.done")
        if result["moved"]:
            told = [found["raised_by"]] if found and found["raised_by"] else await notify.household(found["unit"])
            await notify.queue(scope.estate_id, told, Note.REQUEST_DONE, params={
                "kind": found["kind"], "unit": found["unit_label"], "note": snippet(note, 120)},
                url=page(scope, found["id"]), subject=found["id"])
    return result


# Follow-up ---------------------------------------------------------------------------------


async def follow_up(scope: Scope, request_id: UUID, *, resolved: str | bool | None, satisfaction: str,
                    channel: str, note: str = "") -> dict:
    """The resident's answer (theirs, from the notification or the app) or what they told the
    desk on a call. Only a done request is followed up, once: a second answer is told it was."""
    found = await visible(scope, request_id)
    if channel == "call" and not scope.has(Role.FRONT_DESK, Role.SUPERVISOR, Role.MANAGER):
        raise Forbidden()
    if channel != "call" and found["unit"] not in await scope.household_unit_ids():
        raise Forbidden()
    problems = {}
    if isinstance(resolved, str):
        resolved = {"yes": True, "no": False}.get(resolved)
    if resolved is None:
        problems["resolved"] = "resolved_missing"
    if satisfaction not in Satisfaction._value2member_map_:
        problems["satisfaction"] = "satisfaction_missing"
    if problems:
        raise _invalid(problems)
    async with write_transaction():
        moved = await ResidentRequest.update({
            ResidentRequest.state: State.FOLLOWED_UP.value, ResidentRequest.followed_up_at: utcnow(),
            ResidentRequest.followed_up_by: scope.person_id, ResidentRequest.follow_up_channel: channel,
            ResidentRequest.resolved: resolved, ResidentRequest.satisfaction: satisfaction,
            ResidentRequest.follow_up_note: note.strip()[:500],
        }).where((ResidentRequest.id == found["id"]) & (ResidentRequest.state == State.DONE.value)).returning(
            ResidentRequest.id)
        if moved:
            await audit.record("request.followed_up", actor=scope.person_id, estate=scope.estate_id,
                               subject=found["id"], resolved=resolved, satisfaction=satisfaction, channel=channel)
            changed(scope.estate_id, found["unit"])
    return {"moved": bool(moved), "request": found}


async def _read_done(subjects: list[UUID]) -> dict[UUID, Standing]:
    rows = await ResidentRequest.select(
        ResidentRequest.id, ResidentRequest.state, ResidentRequest.followed_up_by.name.as_alias("by"),
    ).where(ResidentRequest.id.is_in(subjects))
    return {r["id"]: Standing(True) if r["state"] == State.DONE.value
            else Standing(False, N_("answered"), r["by"] or "") for r in rows}


async def _answer_done(scope: Scope, request_id: UUID, action: str) -> dict:
    answer = rules.answer_of(action)
    if answer is None:
        return {"decided": False}
    resolved, satisfaction = answer
    result = await follow_up(scope, request_id, resolved=resolved, satisfaction=satisfaction.value,
                             channel="notification")
    return {"decided": result["moved"]}


decisions.register(Note.REQUEST_DONE, read=_read_done, answer=_answer_done)


async def photo(scope: Scope, request_id: UUID, upload_id: UUID) -> bytes:
    """A photo of a request the viewer may see, and only one of that request's."""
    found = await visible(scope, request_id)
    if upload_id not in found["photos"]:
        raise NotFound()
    return await uploads.read(scope.estate_id, upload_id)


# For the shift handover -----------------------------------------------------------------


# Read on every request of the handover page, which compiles every source: written by hand, as
# Piccolo's builder spends more CPU composing the join than the database spends running it.
_DUE = Statement(
    "SELECT r.id, r.kind, r.text, r.done_at, u.label AS unit_label FROM resident_request r"
    " LEFT JOIN unit u ON u.id = r.unit WHERE r.estate = {} AND r.state = {} AND r.done_at <= {}"
    " ORDER BY r.done_at LIMIT {}"
)


@source(35)
async def due_for_follow_up(estate: EstateRef, now: datetime) -> list[dict]:
    """Done requests not followed up within 3 days: what the next shift must call about."""
    rows = await _DUE.fetch(estate.id, State.DONE.value, rules.overdue_since(now), LIMIT)
    return [{
        "kind": "request_follow_up", "title": r["unit_label"], "detail": snippet(r["text"], 200),
        "href": notify.path("request_detail", estate=estate.slug, request_id=r["id"]),
        "at": r["done_at"], "unit": r["unit_label"],
    } for r in rows]
