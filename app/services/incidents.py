"""Incidents: a guard reports one (with photos, through the phone's outbox), urgent ones wake the
supervisor and the guards, the supervisor dispatches a patrol guard, who acknowledges from the
notification or the app; notes go on its timeline, and it is resolved with an outcome.

Who sees incidents: the estate's guards (gate and patrol), supervisors and managers; their
photos are served only through ``photo`` below, to the same people. Residents and other
estates never see them.

A report is a guard action (``idempotency.once``): the same report sent twice (a double tap,
the outbox replaying it after a lost answer) is stored once. Its photos are checked before
anything is written, and kept inside the report's transaction; a report whose transaction does
not commit forgets the files it wrote.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo
from uuid import UUID, uuid4

from app.db import write_transaction
from app.domain import duty
from app.domain import incidents as rules
from app.domain.incidents import Report, State
from app.domain.live import Topic
from app.domain.notifications import Kind as Note
from app.domain.roles import Role
from app.i18n import N_
from app.models.estates import Unit
from app.models.incidents import Incident, IncidentEntry, IncidentPhoto
from app.models.patrol import Checkpoint
from app.models.people import Person, RoleGrant
from app.services import audit, decisions, idempotency, live, notify, uploads
from app.services.clock import utcnow
from app.services.decisions import Standing
from app.services.errors import Invalid, NotFound
from app.services.handover_sources import LIMIT, source
from app.services.idempotency import Action
from app.services.scope import EstateRef, Scope, as_uuid

VIEWERS = frozenset({Role.GATE_GUARD, Role.PATROL_GUARD, Role.SUPERVISOR, Role.MANAGER})
DISPATCHERS = frozenset({Role.SUPERVISOR, Role.MANAGER})
NOT_A_PATROL_GUARD = N_("Choose a patrol guard of this estate.")
ALREADY_RESOLVED = N_("This incident is already resolved.")


@dataclass
class ReportForm:
    kind: str = ""
    severity: str = ""
    unit: str = ""
    place: str = ""
    checkpoint: str = ""
    description: str = ""
    people: str = ""
    calls: list[str] = field(default_factory=list)
    photos: list[bytes] = field(default_factory=list)


def changed(estate_id: UUID) -> None:
    live.changed(Topic.INCIDENTS, estate=estate_id)


def _checkpoint(text: str) -> UUID | None:
    try:
        return UUID(text.strip()) if text and text.strip() else None
    except ValueError:
        return None


async def checkpoint(scope: Scope, text: str) -> dict | None:
    """The estate's patrol checkpoint named by ``text`` (an id, as a round's link sends it), or
    None: an id that is garbled, unknown or another estate's is ignored, never shown."""
    checkpoint_id = _checkpoint(text)
    if checkpoint_id is None:
        return None
    return await Checkpoint.select(Checkpoint.id, Checkpoint.name, Checkpoint.place).where(
        scope.where(Checkpoint) & (Checkpoint.id == checkpoint_id)).first()


async def _unit(scope: Scope, label: str) -> dict | None:
    return await Unit.select(Unit.id, Unit.label).where(scope.where(Unit) & (Unit.label == label.strip())).first()


# Reporting ----------------------------------------------------------------------------------


async def report(scope: Scope, act: Action, form: ReportForm) -> dict:
    """Store a report once per key; ``Invalid`` by field (the form is shown again, photos too)."""
    earlier = await idempotency.previous(act)  # a replay: its photos must not be kept twice
    if earlier is not None:
        return earlier
    calls = rules.calls_of(form.calls)
    found = await checkpoint(scope, form.checkpoint)
    checkpoint_id = found["id"] if found else None
    facts = Report(kind=form.kind, severity=form.severity, unit=form.unit, place=form.place.strip(),
                   checkpoint=str(checkpoint_id or ""), description=form.description, people=form.people,
                   calls=calls, photos=len(form.photos))
    errors = rules.problems(facts)
    unit = None
    if form.unit.strip():
        unit = await _unit(scope, form.unit)
        if unit is None:
            errors["unit"] = rules.MESSAGES["unit"]
    cleaned = []
    if "photos" not in errors:
        for data in form.photos:
            try:
                cleaned.append(await uploads.check(data, field="photos"))
            except Invalid as exc:
                errors.update(exc.errors)
                break
    if errors:
        raise Invalid(errors)

    zone = scope.estate.timezone
    happened = act.timing.happened_at
    incident_id = uuid4()
    kept: list[UUID] = []

    async def work() -> dict:
        urgent = rules.urgent(form.severity, calls)
        breach = rules.noise_breach(form.kind, happened, zone)
        await Incident.insert(Incident(
            id=incident_id, estate=scope.estate_id, kind=form.kind, severity=form.severity, state=State.OPEN.value,
            unit=unit["id"] if unit else None, place=facts.place, checkpoint=checkpoint_id,
            description=form.description.strip(), people=form.people.strip(), calls=",".join(calls),
            urgent=urgent, noise_breach=breach, reported_by=scope.person_id, happened_at=happened,
        ))
        for position, photo in enumerate(cleaned):
            upload_id = await uploads.keep(scope.estate_id, scope.person_id, photo, "incident_photo")
            kept.append(upload_id)
            await IncidentPhoto.insert(IncidentPhoto(estate=scope.estate_id, incident=incident_id, upload=upload_id,
                                                     position=position))
        await _entry(scope, incident_id, "reported", at=happened)
        if urgent:
            everyone = await notify.holders(scope.estate_id, Role.SUPERVISOR, Role.MANAGER, Role.PATROL_GUARD,
                                            Role.GATE_GUARD)
            await notify.queue(scope.estate_id, [p for p in everyone if p != scope.person_id], Note.INCIDENT_URGENT,
                               params={"incident": form.kind, "place": _place_text(unit, facts.place, found),
                                       "guard": await _name(scope.person_id)},
                               url=notify.page(scope, "incident_detail", incident_id=incident_id), subject=incident_id)
        await audit.record("incident.reported", actor=scope.person_id, estate=scope.estate_id, subject=incident_id,
                           kind=form.kind, severity=form.severity, urgent=urgent, photos=len(cleaned))
        changed(scope.estate_id)
        return {"incident_id": str(incident_id), "urgent": urgent, "noise_breach": breach}

    return await uploads.once_keeping(act, "incident_report", scope.estate_id, work, kept, ("incident_id", incident_id))


def _place_text(unit: dict | None, place: str, found: dict | None = None) -> str:
    """Where, as read out: the unit, the checkpoint's name and place, and the guard's own words
    (each once: a place prefilled from the checkpoint is not said twice)."""
    parts: list[str] = []
    for part in ((unit or {}).get("label", ""), (found or {}).get("name", ""), (found or {}).get("place", ""), place):
        if part and part not in parts:
            parts.append(part)
    return " · ".join(parts)


async def _name(person_id: UUID) -> str:
    row = await Person.select(Person.name).where(Person.id == person_id).first()
    return row["name"] if row else ""


async def _entry(scope: Scope, incident_id: UUID, kind: str, note: str = "", *, at: datetime | None = None) -> None:
    await IncidentEntry.insert(IncidentEntry(estate=scope.estate_id, incident=incident_id, person=scope.person_id,
                                             kind=kind, note=note, at=at or utcnow()))


# Reading ------------------------------------------------------------------------------------

COLUMNS = (
    Incident.id, Incident.kind, Incident.severity, Incident.state, Incident.place, Incident.checkpoint,
    Incident.description, Incident.people, Incident.calls, Incident.urgent, Incident.noise_breach,
    Incident.happened_at, Incident.created_at, Incident.dispatched_at, Incident.acknowledged_at,
    Incident.resolved_at, Incident.outcome, Incident.dispatched_to, Incident.reported_by,
    Incident.unit.label.as_alias("unit_label"),
    Incident.reported_by.name.as_alias("reported_by_name"),
    Incident.dispatched_to.name.as_alias("dispatched_to_name"),
    Incident.acknowledged_by.name.as_alias("acknowledged_by_name"),
    Incident.resolved_by.name.as_alias("resolved_by_name"),
)


@dataclass(frozen=True)
class Filters:
    kind: str = ""
    state: str = ""
    severity: str = ""
    first: str = ""  # a local date, YYYY-MM-DD
    last: str = ""


async def listing(scope: Scope, filters: Filters, *, limit: int = 200) -> list[dict]:
    """The estate's incidents, newest first, narrowed by the filters (unknown values ignored)."""
    where = scope.where(Incident)
    if filters.kind in rules.Kind._value2member_map_:
        where &= Incident.kind == filters.kind
    if filters.state in State._value2member_map_:
        where &= Incident.state == filters.state
    if filters.severity in rules.Severity._value2member_map_:
        where &= Incident.severity == filters.severity
    start, end = rules.day_range(rules.parse_day(filters.first), rules.parse_day(filters.last), scope.estate.timezone)
    if start is not None:
        where &= Incident.happened_at >= start
    if end is not None:
        where &= Incident.happened_at < end
    rows = await Incident.select(*COLUMNS).where(where).order_by(Incident.happened_at, ascending=False).limit(limit)
    return await _shown_all(scope, rows)


def _shown(row: dict, points: dict | None = None) -> dict:
    row["call_list"] = [c for c in (row.get("calls") or "").split(",") if c]
    found = (points or {}).get(row.get("checkpoint"))
    row["checkpoint_name"] = found["name"] if found else ""
    row["checkpoint_place"] = found["place"] if found else ""
    row["where"] = _place_text({"label": row["unit_label"]} if row.get("unit_label") else None, row["place"], found)
    return row


async def _checkpoints(scope: Scope, rows: list[dict]) -> dict:
    """The estate's checkpoints that these incidents were reported from, by id (one query)."""
    ids = list({r["checkpoint"] for r in rows if r.get("checkpoint")})
    if not ids:
        return {}
    found = await Checkpoint.select(Checkpoint.id, Checkpoint.name, Checkpoint.place).where(
        scope.where(Checkpoint) & Checkpoint.id.is_in(ids))
    return {c["id"]: c for c in found}


async def _shown_all(scope: Scope, rows: list[dict]) -> list[dict]:
    points = await _checkpoints(scope, rows)
    return [_shown(r, points) for r in rows]


async def _row(scope: Scope, incident_id: UUID | str) -> dict:
    try:
        iid = as_uuid(incident_id)
    except ValueError as exc:
        raise NotFound() from exc
    row = await Incident.select(*COLUMNS).where((Incident.id == iid) & scope.where(Incident)).first()
    if row is None:
        raise NotFound()
    return (await _shown_all(scope, [row]))[0]


async def patrol_guards(scope: Scope) -> list[dict]:
    rows = await RoleGrant.select(RoleGrant.person.id.as_alias("id"), RoleGrant.person.name.as_alias("name")).where(
        scope.where(RoleGrant) & (RoleGrant.role == Role.PATROL_GUARD.value) & RoleGrant.person.active.eq(True)
    ).order_by(RoleGrant.person.name)
    return list({r["id"]: r for r in rows}.values())


async def detail(scope: Scope, incident_id: UUID | str) -> dict:
    row = await _row(scope, incident_id)
    photos = await IncidentPhoto.select(IncidentPhoto.upload).where(
        IncidentPhoto.incident == row["id"]).order_by(IncidentPhoto.position)
    timeline = await IncidentEntry.select(
        IncidentEntry.kind, IncidentEntry.note, IncidentEntry.at, IncidentEntry.person.name.as_alias("person_name"),
    ).where(IncidentEntry.incident == row["id"]).order_by(IncidentEntry.at)
    resolved = row["state"] == State.RESOLVED.value
    supervising = scope.has(*DISPATCHERS)
    return {
        "incident": row,
        "photos": [p["upload"] for p in photos],
        "timeline": timeline,
        "can_dispatch": supervising and not resolved,
        "can_resolve": supervising and not resolved,
        "can_note": not resolved,
        "can_acknowledge": scope.has(Role.PATROL_GUARD) and rules.allowed(row["state"], State.ACKNOWLEDGED)
        and row["dispatched_to"] in (None, scope.person_id),
        "guards": await patrol_guards(scope) if supervising and not resolved else [],
    }


async def photo(scope: Scope, incident_id: UUID, upload_id: UUID) -> bytes:
    row = await _row(scope, incident_id)
    if not await IncidentPhoto.exists().where((IncidentPhoto.incident == row["id"]) & (IncidentPhoto.upload == upload_id)):
        raise NotFound()
    return await uploads.read(scope.estate_id, upload_id)


async def tasks(scope: Scope) -> list[dict]:
    """What a patrol guard has been sent to and not yet seen resolved, oldest first."""
    rows = await Incident.select(*COLUMNS).where(
        scope.where(Incident) & (Incident.dispatched_to == scope.person_id)
        & Incident.state.is_in([State.OPEN.value, State.ACKNOWLEDGED.value])
    ).order_by(Incident.dispatched_at)
    for row in await _shown_all(scope, rows):
        row["can_acknowledge"] = row["state"] == State.OPEN.value
    return rows


@source(15)
async def open_for_handover(estate: EstateRef, now: datetime) -> list[dict]:
    """Incidents not resolved, for the next shift: open ones and the dispatch tasks under way."""
    rows = await Incident.select(*COLUMNS).where(
        (Incident.estate == estate.id) & (Incident.state != State.RESOLVED.value)
    ).order_by(Incident.happened_at).limit(LIMIT)
    for row in rows:
        _shown(row)
        row["href"] = notify.path("incident_detail", estate=estate.slug, incident_id=row["id"])
    return duty.incident_items(rows, now)


# The supervisor's moves and the guard's acknowledgement --------------------------------------


async def dispatch(scope: Scope, incident_id: UUID | str, guard: UUID | str) -> dict:
    """Send a patrol guard (who gets a push with "I'm on it"); again to another guard if need be."""
    row = await _row(scope, incident_id)
    try:
        guard_id = as_uuid(guard)
    except ValueError as exc:
        raise Invalid({"guard": NOT_A_PATROL_GUARD}) from exc
    guards = {g["id"]: g["name"] for g in await patrol_guards(scope)}
    if guard_id not in guards:
        raise Invalid({"guard": NOT_A_PATROL_GUARD})
    now = utcnow()
    async with write_transaction():
        moved = await Incident.update({
            Incident.state: State.OPEN.value, Incident.dispatched_to: guard_id, Incident.dispatched_at: now,
            Incident.acknowledged_by: None, Incident.acknowledged_at: None,
        }).where((Incident.id == row["id"]) & Incident.state.is_in([State.OPEN.value, State.ACKNOWLEDGED.value])
                 ).returning(Incident.id)
        if moved:
            await _entry(scope, row["id"], "dispatched", guards[guard_id], at=now)
            await notify.queue(scope.estate_id, [guard_id], Note.INCIDENT_DISPATCHED,
                               params={"incident": row["kind"], "place": row["where"],
                                       "decided_by": await _name(scope.person_id)},
                               url=notify.page(scope, "incident_detail", incident_id=row["id"]), subject=row["id"])
            await audit.record("incident.dispatched", actor=scope.person_id, estate=scope.estate_id,
                               subject=row["id"], guard=str(guard_id))
            changed(scope.estate_id)
    return {"dispatched": bool(moved)}


async def _acknowledge(scope: Scope, incident_id: UUID) -> dict:
    now = utcnow()
    moved = await Incident.update({
        Incident.state: State.ACKNOWLEDGED.value, Incident.acknowledged_by: scope.person_id,
        Incident.acknowledged_at: now,
    }).where(
        (Incident.id == incident_id) & scope.where(Incident) & (Incident.state == State.OPEN.value)
        & (Incident.dispatched_to.is_null() | (Incident.dispatched_to == scope.person_id))
    ).returning(Incident.id)
    if not moved:
        return {"acknowledged": False}
    await _entry(scope, incident_id, "acknowledged", at=now)
    await audit.record("incident.acknowledged", actor=scope.person_id, estate=scope.estate_id, subject=incident_id)
    changed(scope.estate_id)
    return {"acknowledged": True}


async def acknowledge(scope: Scope, act: Action, incident_id: UUID | str) -> dict:
    """The guard's "I'm on it" from the app (a guard action, kept in the outbox with no signal)."""
    row = await _row(scope, incident_id)

    async def work() -> dict:
        return await _acknowledge(scope, row["id"])

    return await idempotency.once(act, "incident_acknowledge", scope.estate_id, work)


async def add_note(scope: Scope, incident_id: UUID | str, note: str) -> None:
    row = await _row(scope, incident_id)
    note = note.strip()
    if not note:
        raise Invalid({"note": rules.MESSAGES["note"]})
    if len(note) > rules.MAX_NOTE:
        raise Invalid({"note": rules.MESSAGES["too_long"]})
    if row["state"] == State.RESOLVED.value:
        raise Invalid({"note": ALREADY_RESOLVED})
    async with write_transaction():
        await _entry(scope, row["id"], "note", note)
        changed(scope.estate_id)


async def resolve(scope: Scope, incident_id: UUID | str, outcome: str) -> dict:
    row = await _row(scope, incident_id)
    outcome = outcome.strip()
    if not outcome:
        raise Invalid({"outcome": rules.MESSAGES["outcome"]})
    if len(outcome) > rules.MAX_OUTCOME:
        raise Invalid({"outcome": rules.MESSAGES["too_long"]})
    now = utcnow()
    async with write_transaction():
        moved = await Incident.update({
            Incident.state: State.RESOLVED.value, Incident.resolved_by: scope.person_id, Incident.resolved_at: now,
            Incident.outcome: outcome,
        }).where((Incident.id == row["id"]) & Incident.state.is_in(rules.sources(State.RESOLVED))).returning(Incident.id)
        if moved:
            await _entry(scope, row["id"], "resolved", outcome, at=now)
            await audit.record("incident.resolved", actor=scope.person_id, estate=scope.estate_id, subject=row["id"])
            changed(scope.estate_id)
    return {"resolved": bool(moved)}


# "I'm on it" from the push notification ------------------------------------------------------


async def _read(subjects: list[UUID]) -> dict[UUID, Standing]:
    rows = await Incident.select(Incident.id, Incident.state, Incident.acknowledged_by.name.as_alias("by")).where(
        Incident.id.is_in(subjects))
    return {r["id"]: Standing(True) if r["state"] == State.OPEN.value
            else Standing(False, N_("acknowledged") if r["state"] == State.ACKNOWLEDGED.value else N_("resolved"),
                          r["by"] or "")
            for r in rows}


async def _answer(scope: Scope, incident_id: UUID, action: str) -> dict:
    if not scope.has(Role.PATROL_GUARD):
        return {"decided": False}
    async with write_transaction():
        result = await _acknowledge(scope, incident_id)
    return {"decided": result["acknowledged"]}


decisions.register(Note.INCIDENT_DISPATCHED, read=_read, answer=_answer)


# The weekly security summary -------------------------------------------------------------------

CSV_HEADER = ("reported_at", "kind", "severity", "state", "place", "urgent", "noise_breach", "calls",
              "reported_by", "dispatched_to", "resolved_at", "outcome")


@dataclass(frozen=True)
class Week:
    first: date
    last: date
    summary: rules.Summary
    incidents: list[dict]


async def week(scope: Scope, day: str, today: date | None = None) -> Week:
    """The week (Monday to Sunday, estate time) holding ``day`` (this week when not a date)."""
    zone = scope.estate.timezone
    asked = rules.parse_day(day) or today or utcnow().astimezone(ZoneInfo(zone)).date()
    first, last = rules.week_of(asked)
    start, end = rules.day_range(first, last, zone)
    rows = await Incident.select(*COLUMNS).where(
        scope.where(Incident) & (Incident.happened_at >= start) & (Incident.happened_at < end)
    ).order_by(Incident.happened_at)
    rows = await _shown_all(scope, rows)
    summary = rules.summarise([(r["kind"], r["where"] or "?", r["happened_at"]) for r in rows], zone)
    return Week(first, last, summary, rows)


def _cell(value) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def week_csv(found: Week, zone: str) -> str:
    tz = ZoneInfo(zone)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for r in found.incidents:
        writer.writerow([_cell(v) for v in (
            r["happened_at"].astimezone(tz).strftime("%Y-%m-%d %H:%M"), r["kind"], r["severity"], r["state"],
            r["where"], "yes" if r["urgent"] else "", "yes" if r["noise_breach"] else "", " ".join(r["call_list"]),
            r["reported_by_name"], r["dispatched_to_name"],
            r["resolved_at"].astimezone(tz).strftime("%Y-%m-%d %H:%M") if r["resolved_at"] else "", r["outcome"],
        )])
    return "\ufeff" + out.getvalue()  # a BOM, so Excel reads the Chinese as UTF-8
