"""Incidents: the report form (any guard, the supervisor), the supervisor's list with filters, each
incident's page with its photos, timeline, dispatch, notes and resolution, a patrol guard's
dispatch tasks, and the photos (to the estate's guards, supervisors and managers only).

The report form is a guard action (``_partials/guard_action.html``): the phone's outbox keeps it,
photos included, until the server has it. Photos are made smaller on the phone first
(``static/js/photo-resize.js``) and checked again here by decoding them (``services/uploads``).
A patrol round's checkpoint opens the form as ``incident_new?checkpoint=<id>&place=<name>``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery, MultipartBody
from litestar.response import Template

from app.domain import images
from app.domain import incidents as rules
from app.domain.roles import Role
from app.routes.access import OFFLINE
from app.routes._util import Form, PollTemplate, answered, done_redirect, guard_action, many, text
from app.services import incidents, patrol_reports
from app.services.errors import Invalid

REPORTERS = {"roles": {Role.PATROL_GUARD, Role.GATE_GUARD, Role.SUPERVISOR}}
VIEWERS = {"roles": set(incidents.VIEWERS)}
SUPERVISING = {"roles": set(incidents.DISPATCHERS)}
PATROL = {"roles": {Role.PATROL_GUARD}}
NOTERS = {"roles": {Role.PATROL_GUARD, Role.SUPERVISOR, Role.MANAGER}}
# Photos are made smaller on the phone; one taken by another app may still be a few MB.
MAX_FORM_BYTES = (rules.MAX_PHOTOS + 1) * images.MAX_BYTES + 64 * 1024 * 4
FIELDS = ("kind", "severity", "unit", "place", "checkpoint", "description", "people")


def _common(request: Request) -> dict:
    return {
        "scope": request.state.scope,
        "kinds": [(k.value, rules.KIND_NAMES[k]) for k in rules.Kind],
        "severities": [(s.value, rules.SEVERITY_NAMES[s]) for s in rules.Severity],
        "states": [(s.value, rules.STATE_NAMES[s]) for s in rules.State],
        "kind_names": {k.value: v for k, v in rules.KIND_NAMES.items()},
        "severity_names": {k.value: v for k, v in rules.SEVERITY_NAMES.items()},
        "state_names": {k.value: v for k, v in rules.STATE_NAMES.items()},
        "calls": rules.CALLS,
    }


async def _photos(data: dict) -> list[bytes]:
    value = data.get("photos")
    files = value if isinstance(value, list) else [value]
    found = []
    for upload in files:
        if isinstance(upload, UploadFile) and upload.filename:
            found.append(await upload.read(images.MAX_BYTES + 1))
    return found


def _values(data: dict) -> dict:
    values: dict[str, Any] = {k: text(data, k) for k in FIELDS}
    values["calls"] = many(data, "calls")
    return values


async def _form_page(request: Request, *, values: dict, errors: dict | None = None, status: int = 200) -> Template:
    if values.get("checkpoint") and "checkpoint_name" not in values:  # the form again, after a mistake
        found = await incidents.checkpoint(request.state.scope, values["checkpoint"])
        values = {**values, "checkpoint": str(found["id"]) if found else "",
                  "checkpoint_name": found["name"] if found else ""}
    return Template("incidents/new.html", status_code=status, context={
        **_common(request), "values": values, "errors": errors or {},
    })


@get("/e/{estate:str}/incidents/new", name="incident_new", opt={**REPORTERS, **OFFLINE})
async def incident_new(request: Request, checkpoint: FromQuery[str] = "", place: FromQuery[str] = "") -> Template:
    """The form; from a patrol round, prefilled with the checkpoint (this estate's only) and its place."""
    found = await incidents.checkpoint(request.state.scope, checkpoint)
    place = place.strip() or (found["place"] or found["name"] if found else "")
    return await _form_page(request, values={
        "checkpoint": str(found["id"]) if found else "", "checkpoint_name": found["name"] if found else "",
        "place": place[:rules.MAX_PLACE], "severity": rules.Severity.MEDIUM.value, "calls": []})


@post("/e/{estate:str}/incidents", name="incident_create", opt=REPORTERS, request_max_body_size=MAX_FORM_BYTES)
async def incident_create(request: Request, data: MultipartBody[dict[str, Any]]) -> Response:
    values = _values(data)
    form = incidents.ReportForm(**{k: values[k] for k in FIELDS}, calls=values["calls"], photos=await _photos(data))
    try:
        result = await incidents.report(request.state.scope, guard_action(request, data), form)
    except Invalid as exc:
        return answered(request, await _form_page(request, values=values, errors=exc.errors, status=422),
                        refused=True, reason="invalid")
    return done_redirect(request, "incident_detail", "reported", incident_id=result["incident_id"])


@get("/e/{estate:str}/incidents", name="incident_list", opt=SUPERVISING)
async def incident_list(request: Request) -> Template:
    asked = request.query_params  # "state" is a name Litestar keeps for itself
    filters = incidents.Filters(**{name: asked.get(name, "")[:20] for name in ("kind", "state", "severity", "first", "last")})
    context = {**_common(request), "rows": await incidents.listing(request.state.scope, filters), "filters": filters,
               "query": request.url.query, "can_report": request.state.scope.has(*REPORTERS["roles"])}
    if request.htmx:
        return PollTemplate("incidents/_partials/rows.html", context=context)
    return Template("incidents/list.html", context=context)


@get("/e/{estate:str}/incidents/tasks", name="incident_tasks", opt={**PATROL, **OFFLINE})
async def incident_tasks(request: Request) -> Template:
    context = {**_common(request), "tasks": await incidents.tasks(request.state.scope)}
    if request.htmx:
        return PollTemplate("incidents/_partials/tasks.html", context=context)
    return Template("incidents/tasks.html", context=context)


async def _detail_page(request: Request, incident_id: UUID, *, done: str = "", errors: dict | None = None,
                       values: dict | None = None, status: int = 200) -> Template:
    view = await incidents.detail(request.state.scope, incident_id)
    return Template("incidents/detail.html", status_code=status, context={
        **_common(request), **view, "done": done, "errors": errors or {}, "values": values or {},
    })


@get("/e/{estate:str}/incidents/{incident_id:uuid}", name="incident_detail", opt=VIEWERS)
async def incident_detail(request: Request, incident_id: FromPath[UUID], done: FromQuery[str] = "") -> Template:
    return await _detail_page(request, incident_id, done=done)


@get("/e/{estate:str}/incidents/{incident_id:uuid}/photos/{upload_id:uuid}", name="incident_photo", opt=VIEWERS)
async def incident_photo(request: Request, incident_id: FromPath[UUID], upload_id: FromPath[UUID]) -> Response:
    data = await incidents.photo(request.state.scope, incident_id, upload_id)
    return Response(data, media_type="image/jpeg",
                    headers={"cache-control": "private, no-store", "content-disposition": "inline"})


@post("/e/{estate:str}/incidents/{incident_id:uuid}/dispatch", name="incident_dispatch", opt=SUPERVISING)
async def incident_dispatch(request: Request, incident_id: FromPath[UUID], data: Form) -> Response:
    try:
        result = await incidents.dispatch(request.state.scope, incident_id, text(data, "guard"))
    except Invalid as exc:
        return await _detail_page(request, incident_id, errors=exc.errors, status=422)
    return done_redirect(request, "incident_detail", "dispatched" if result["dispatched"] else "already_resolved",
                         incident_id=incident_id)


@post("/e/{estate:str}/incidents/{incident_id:uuid}/acknowledge", name="incident_acknowledge", opt=PATROL)
async def incident_acknowledge(request: Request, incident_id: FromPath[UUID], data: Form) -> Response:
    result = await incidents.acknowledge(request.state.scope, guard_action(request, data), incident_id)
    return done_redirect(request, "incident_detail", "acknowledged" if result["acknowledged"] else "taken",
                         refused=not result["acknowledged"], incident_id=incident_id)


@post("/e/{estate:str}/incidents/{incident_id:uuid}/notes", name="incident_note", opt=NOTERS)
async def incident_note(request: Request, incident_id: FromPath[UUID], data: Form) -> Response:
    try:
        await incidents.add_note(request.state.scope, incident_id, text(data, "note"))
    except Invalid as exc:
        return await _detail_page(request, incident_id, errors=exc.errors, values={"note": text(data, "note")},
                                  status=422)
    return done_redirect(request, "incident_detail", "noted", incident_id=incident_id)


@post("/e/{estate:str}/incidents/{incident_id:uuid}/resolve", name="incident_resolve", opt=SUPERVISING)
async def incident_resolve(request: Request, incident_id: FromPath[UUID], data: Form) -> Response:
    try:
        result = await incidents.resolve(request.state.scope, incident_id, text(data, "outcome"))
    except Invalid as exc:
        return await _detail_page(request, incident_id, errors=exc.errors, values={"outcome": text(data, "outcome")},
                                  status=422)
    return done_redirect(request, "incident_detail", "resolved" if result["resolved"] else "already_resolved",
                         incident_id=incident_id)


@get("/e/{estate:str}/incidents/summary", name="incident_summary", opt=SUPERVISING)
async def incident_summary(request: Request, week: FromQuery[str] = "") -> Template:
    scope = request.state.scope
    found = await incidents.week(scope, week)
    rounds = await patrol_reports.rounds_week(scope, found.first, found.last)
    return Template("incidents/summary.html", context={
        **_common(request), "week": found, "rounds": rounds,
        "rounds_longest": max((r.total for r in rounds), default=0), "previous": (found.first - timedelta(days=7)).isoformat(),
        "following": (found.first + timedelta(days=7)).isoformat(),
    })


@get("/e/{estate:str}/incidents/summary.csv", name="incident_summary_csv", opt=SUPERVISING)
async def incident_summary_csv(request: Request, week: FromQuery[str] = "") -> Response:
    scope = request.state.scope
    found = await incidents.week(scope, week)
    name = f"incidents-{scope.estate.slug}-{found.first.isoformat()}.csv"
    return Response(incidents.week_csv(found, scope.estate.timezone), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{name}"', "cache-control": "no-store"})


HANDLERS = [
    incident_summary, incident_summary_csv,
    incident_new, incident_create, incident_list, incident_tasks, incident_detail, incident_photo,
    incident_dispatch, incident_acknowledge, incident_note, incident_resolve,
]
