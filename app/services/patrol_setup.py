"""Checkpoints and routes, kept by the estate's admin and supervisors: each checkpoint's name,
place, kind and checklist, its printed tag (a signed code of kind CHECKPOINT), and each route's
ordered checkpoints and schedule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from uuid import UUID

from app.db import write_transaction
from app.domain import inputs
from app.domain import patrol as rules
from app.domain.invitations import parse_time
from app.domain.patrol import CheckpointKind
from app.domain.tokens import Kind
from app.i18n import N_
from app.models.patrol import Checkpoint, PatrolRoute, RouteStop
from app.services import audit, codes
from app.services.errors import Invalid
from app.services.scope import Scope, as_uuid

NAME_MISSING = N_("Enter a name.")
NAME_TOO_LONG = N_("Keep the name under 80 characters.")
PLACE_TOO_LONG = N_("Keep the place under 120 characters.")
KIND_INVALID = N_("Choose a kind of checkpoint.")
CHECKLIST_EMPTY = N_("Add at least one yes/no question, one a line.")
CHECKLIST_TOO_LONG = N_("Keep the checklist to 12 questions of at most 120 characters each.")
EVERY_INVALID = N_("Enter the minutes between rounds, from 10 to 1440.")
TIME_INVALID = N_("Enter a time such as 08:00.")
STOPS_MISSING = N_("Choose at least one checkpoint for the route.")
STOP_UNKNOWN = N_("A checkpoint chosen is not one of this estate's.")


@dataclass(frozen=True)
class CheckpointForm:
    name: str
    place: str
    kind: str
    checklist: str


@dataclass(frozen=True)
class RouteForm:
    name: str
    ordered: bool
    every_minutes: str
    shift_from: str
    shift_until: str
    checkpoints: list[str]  # ids, in the route's order


def default_checklist(kind: str) -> list[str]:
    """The default questions of a kind (msgids: the form shows them translated)."""
    try:
        return list(rules.DEFAULT_CHECKLISTS[CheckpointKind(kind)])
    except ValueError:
        return list(rules.DEFAULT_CHECKLISTS[CheckpointKind.OTHER])


def _check_checkpoint(form: CheckpointForm) -> tuple[dict, list[str]]:
    errors = {}
    name, place = form.name.strip(), form.place.strip()
    if not name:
        errors["name"] = NAME_MISSING
    elif len(name) > 80:
        errors["name"] = NAME_TOO_LONG
    if len(place) > 120:
        errors["place"] = PLACE_TOO_LONG
    if form.kind not in CheckpointKind._value2member_map_:
        errors["kind"] = KIND_INVALID
    questions = rules.parse_checklist(form.checklist)
    if not questions:
        errors["checklist"] = CHECKLIST_EMPTY
    elif len(questions) > rules.MAX_QUESTIONS or any(len(q) > rules.QUESTION_MAX for q in questions):
        errors["checklist"] = CHECKLIST_TOO_LONG
    return errors, questions


async def checkpoints(scope: Scope, *, active_only: bool = False) -> list[dict]:
    where = scope.where(Checkpoint)
    if active_only:
        where &= Checkpoint.active == True  # noqa: E712
    rows = await Checkpoint.select().where(where).order_by(Checkpoint.name)
    for row in rows:
        row["questions"] = rules.parse_checklist(row["checklist"])
    return rows


async def checkpoint(scope: Scope, checkpoint_id: UUID | str) -> dict:
    row = (await scope.get(Checkpoint, checkpoint_id)).to_dict()
    row["questions"] = rules.parse_checklist(row["checklist"])
    return row


async def add_checkpoint(scope: Scope, form: CheckpointForm) -> UUID:
    errors, questions = _check_checkpoint(form)
    if errors:
        raise Invalid(errors)
    row = Checkpoint(estate=scope.estate_id, name=form.name.strip(), place=form.place.strip(), kind=form.kind,
                     checklist="\n".join(questions))
    async with write_transaction():
        await row.save()
        await audit.record("patrol.checkpoint_added", actor=scope.person_id, estate=scope.estate_id, subject=row.id,
                           name=row.name)
    return row.id


async def update_checkpoint(scope: Scope, checkpoint_id: UUID, form: CheckpointForm, *, active: bool = True) -> None:
    row = await scope.get(Checkpoint, checkpoint_id)
    errors, questions = _check_checkpoint(form)
    if errors:
        raise Invalid(errors)
    async with write_transaction():
        await Checkpoint.update({
            Checkpoint.name: form.name.strip(), Checkpoint.place: form.place.strip(), Checkpoint.kind: form.kind,
            Checkpoint.checklist: "\n".join(questions), Checkpoint.active: active,
        }).where(Checkpoint.id == row.id)
        await audit.record("patrol.checkpoint_changed", actor=scope.person_id, estate=scope.estate_id, subject=row.id,
                           name=form.name.strip(), active=active)


async def tags(scope: Scope, ids: list[str] | None = None) -> list[dict]:
    """The active checkpoints (or those asked for) with their signed codes, for the tag sheet."""
    rows = await checkpoints(scope, active_only=True)
    if ids:
        wanted = {str(i) for i in ids}
        rows = [r for r in rows if str(r["id"]) in wanted]
    for row in rows:
        row["token"] = await codes.sign(scope.estate_id, Kind.CHECKPOINT, as_uuid(row["id"]))
    return rows


# Routes --------------------------------------------------------------------------------------


def schedule_of(route: dict, timezone: str) -> rules.Schedule:
    from datetime import timedelta

    return rules.Schedule(every=timedelta(minutes=route["every_minutes"]),
                          shift_from=parse_time(route["shift_from"]) or time(0, 0),
                          shift_until=parse_time(route["shift_until"]) or time(0, 0), timezone=timezone)


async def routes(scope: Scope, *, active_only: bool = False) -> list[dict]:
    where = scope.where(PatrolRoute)
    if active_only:
        where &= PatrolRoute.active == True  # noqa: E712
    rows = await PatrolRoute.select().where(where).order_by(PatrolRoute.name)
    stops = await stops_of([r["id"] for r in rows])
    for row in rows:
        row["stops"] = stops.get(row["id"], [])
    return rows


async def stops_of(route_ids: list) -> dict:
    """Each route's checkpoints in order: id, name, place, kind, active, questions."""
    if not route_ids:
        return {}
    rows = await RouteStop.select(
        RouteStop.route, RouteStop.position, RouteStop.checkpoint.id.as_alias("id"),
        RouteStop.checkpoint.name.as_alias("name"), RouteStop.checkpoint.place.as_alias("place"),
        RouteStop.checkpoint.kind.as_alias("kind"), RouteStop.checkpoint.active.as_alias("active"),
        RouteStop.checkpoint.checklist.as_alias("checklist"),
    ).where(RouteStop.route.is_in(route_ids)).order_by(RouteStop.route).order_by(RouteStop.position)
    found: dict = {}
    for row in rows:
        row["questions"] = rules.parse_checklist(row.pop("checklist"))
        found.setdefault(row.pop("route"), []).append(row)
    return found


async def route(scope: Scope, route_id: UUID | str) -> dict:
    row = (await scope.get(PatrolRoute, route_id)).to_dict()
    row["stops"] = (await stops_of([row["id"]])).get(row["id"], [])
    return row


async def _check_route(scope: Scope, form: RouteForm) -> tuple[dict, dict]:
    errors = {}
    name = form.name.strip()
    if not name:
        errors["name"] = NAME_MISSING
    elif len(name) > 80:
        errors["name"] = NAME_TOO_LONG
    every = inputs.whole_number(form.every_minutes, rules.MIN_EVERY, rules.MAX_EVERY)
    if every is None:
        errors["every_minutes"] = EVERY_INVALID
    start, end = parse_time(form.shift_from), parse_time(form.shift_until)
    if start is None:
        errors["shift_from"] = TIME_INVALID
    if end is None:
        errors["shift_until"] = TIME_INVALID
    chosen = []
    for raw in form.checkpoints:
        try:
            cid = as_uuid(raw)
        except ValueError:
            errors["checkpoints"] = STOP_UNKNOWN
            break
        if cid not in chosen:
            chosen.append(cid)
    if not chosen:
        errors.setdefault("checkpoints", STOPS_MISSING)
    elif "checkpoints" not in errors:
        known = await Checkpoint.count().where(scope.where(Checkpoint) & Checkpoint.id.is_in(chosen))
        if known != len(chosen):
            errors["checkpoints"] = STOP_UNKNOWN
    if errors:
        raise Invalid(errors)
    values = {PatrolRoute.name: name, PatrolRoute.ordered: form.ordered, PatrolRoute.every_minutes: every,
              PatrolRoute.shift_from: start.strftime("%H:%M"), PatrolRoute.shift_until: end.strftime("%H:%M")}
    return values, {"stops": chosen}


async def add_route(scope: Scope, form: RouteForm) -> UUID:
    values, extra = await _check_route(scope, form)
    row = PatrolRoute(estate=scope.estate_id)
    for column, value in values.items():
        setattr(row, column._meta.name, value)
    async with write_transaction():
        await row.save()
        await _set_stops(row.id, extra["stops"])
        await audit.record("patrol.route_added", actor=scope.person_id, estate=scope.estate_id, subject=row.id,
                           name=row.name, stops=len(extra["stops"]))
    return row.id


async def update_route(scope: Scope, route_id: UUID, form: RouteForm, *, active: bool = True) -> None:
    row = await scope.get(PatrolRoute, route_id)
    values, extra = await _check_route(scope, form)
    values[PatrolRoute.active] = active
    async with write_transaction():
        await PatrolRoute.update(values).where(PatrolRoute.id == row.id)
        await RouteStop.delete().where(RouteStop.route == row.id)
        await _set_stops(row.id, extra["stops"])
        await audit.record("patrol.route_changed", actor=scope.person_id, estate=scope.estate_id, subject=row.id,
                           name=values[PatrolRoute.name], stops=len(extra["stops"]), active=active)


async def _set_stops(route_id: UUID, checkpoint_ids: list[UUID]) -> None:
    await RouteStop.insert(*[RouteStop(route=route_id, checkpoint=cid, position=i)
                             for i, cid in enumerate(checkpoint_ids)])


