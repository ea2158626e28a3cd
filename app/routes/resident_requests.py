"""Residents' enquiries, complaints and repair requests: the resident's list and form on the
phone, each request's page (with the follow-up question once it is done), the desk's queue on
the lobby tablet (a live screen) and the form the desk fills in for a resident at the counter
or on the phone, and the moves the desk makes: assign, start, done, the follow-up from a call."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery, MultipartBody
from litestar.response import Redirect, Template

from app.domain import images
from app.domain import requests as rules
from app.domain.roles import Role
from app.routes._util import Form, PollTemplate, done_redirect, text
from app.routes.releases import _file
from app.services import resident_requests as service
from app.services.errors import Invalid

RESIDENT = {"roles": {Role.RESIDENT}}
VIEWERS = {"roles": {Role.RESIDENT, Role.FRONT_DESK, Role.SUPERVISOR, Role.MANAGER}}
DESK = {"roles": {Role.FRONT_DESK}}
STAFF = {"roles": {Role.FRONT_DESK, Role.SUPERVISOR, Role.MANAGER}}
MAX_FORM_BYTES = (rules.MAX_PHOTOS + 1) * images.MAX_BYTES
NO_STORE = {"cache-control": "no-store"}


def _names() -> dict:
    return {"kinds": [k.value for k in rules.Kind], "teams": [t.value for t in rules.Team],
            "satisfactions": [s.value for s in rules.Satisfaction]}


async def _photos(data: dict) -> list[bytes]:
    files = data.get("photos")
    files = files if isinstance(files, list) else [files] if files is not None else []
    found = []
    for one in files[: rules.MAX_PHOTOS + 1]:
        raw = await _file({"photos": one}, "photos")
        if raw is not None:
            found.append(raw)
    return found


async def _form(data: dict) -> service.NewRequest:
    return service.NewRequest(kind=text(data, "kind"), text=text(data, "text"), unit=text(data, "unit"),
                              resident_name=text(data, "resident_name"), channel=text(data, "channel"),
                              photos=await _photos(data))


async def _form_page(request: Request, *, at_desk: bool, values=None, errors=None, status: int = 200) -> Template:
    scope = request.state.scope
    return Template("requests/form.html", status_code=status, headers=NO_STORE, context={
        "scope": scope, "at_desk": at_desk, "values": values or {}, "errors": errors or {},
        "units": [] if at_desk else [(str(u["id"]), u["label"]) for u in await service.my_units(scope)], **_names(),
    })


async def _create(request: Request, data: dict, *, at_desk: bool) -> Template | Redirect:
    try:
        request_id = await service.raise_request(request.state.scope, await _form(data), at_desk=at_desk)
    except Invalid as exc:
        values = {k: v for k, v in data.items() if isinstance(v, str)}
        return await _form_page(request, at_desk=at_desk, values=values, errors=exc.errors, status=422)
    return done_redirect(request, "request_detail", "raised", request_id=request_id)


# The resident ----------------------------------------------------------------------------------


@get("/e/{estate:str}/requests", name="request_list", opt=RESIDENT)
async def request_list(request: Request) -> Template:
    scope = request.state.scope
    return Template("requests/list.html", context={"scope": scope, "requests": await service.household_list(scope)})


@get("/e/{estate:str}/requests/new", name="request_new", opt=RESIDENT)
async def request_new(request: Request, kind: FromQuery[str] = "") -> Template:
    return await _form_page(request, at_desk=False, values={"kind": kind})


@post("/e/{estate:str}/requests", name="request_create", opt=RESIDENT, request_max_body_size=MAX_FORM_BYTES)
async def request_create(request: Request, data: MultipartBody[dict[str, Any]]) -> Template | Redirect:
    return await _create(request, data, at_desk=False)


async def _detail_page(request: Request, request_id: UUID, *, done: str = "", errors=None, values=None,
                       status: int = 200) -> Template:
    scope = request.state.scope
    found = await service.visible(scope, request_id)
    staff = service.is_staff(scope)
    mine = found["unit"] in await scope.household_unit_ids()
    return Template("requests/detail.html", status_code=status, context={
        "scope": scope, "r": found, "done": done, "errors": errors or {}, "values": values or {},
        "staff": staff, "can_move": scope.has(Role.FRONT_DESK, Role.SUPERVISOR, Role.MANAGER),
        "can_answer": mine and found["state"] == rules.State.DONE.value,
        "can_record_call": staff and found["state"] == rules.State.DONE.value,
        "staff_choices": [(str(p["id"]), p["name"]) for p in await service.staff_choices(scope)] if staff else [],
        "deadline": rules.follow_up_deadline(found["done_at"]) if found["done_at"] else None, **_names(),
    })


@get("/e/{estate:str}/requests/{request_id:uuid}", name="request_detail", opt=VIEWERS)
async def request_detail(request: Request, request_id: FromPath[UUID], done: FromQuery[str] = "") -> Template:
    return await _detail_page(request, request_id, done=done)


@get("/e/{estate:str}/requests/{request_id:uuid}/photos/{upload_id:uuid}", name="request_photo", opt=VIEWERS)
async def request_photo(request: Request, request_id: FromPath[UUID], upload_id: FromPath[UUID]) -> Response:
    data = await service.photo(request.state.scope, request_id, upload_id)
    return Response(data, media_type="image/jpeg",
                    headers={"cache-control": "private, no-store", "content-disposition": "inline"})


@post("/e/{estate:str}/requests/{request_id:uuid}/follow-up", name="request_follow_up", opt=VIEWERS)
async def request_follow_up(request: Request, request_id: FromPath[UUID], data: Form) -> Template | Redirect:
    """The resident's answer in the app, or what they said on the desk's call."""
    try:
        result = await service.follow_up(request.state.scope, request_id, resolved=text(data, "resolved"),
                                         satisfaction=text(data, "satisfaction"),
                                         channel="call" if text(data, "channel") == "call" else "app",
                                         note=text(data, "note"))
    except Invalid as exc:
        return await _detail_page(request, request_id, errors=exc.errors, values=data, status=422)
    return done_redirect(request, "request_detail", "followed_up" if result["moved"] else "moved_on",
                         request_id=request_id)


# The desk --------------------------------------------------------------------------------------


async def _queue_context(request: Request) -> dict:
    scope = request.state.scope
    return {"scope": scope, "queue": await service.queue(scope), "order": [s.value for s in rules.QUEUE_ORDER],
            "can_record": scope.has(Role.FRONT_DESK)}


@get("/e/{estate:str}/desk/requests", name="desk_requests", opt=STAFF)
async def desk_requests(request: Request) -> Template:
    return Template("requests/queue.html", context=await _queue_context(request))


@get("/e/{estate:str}/desk/requests/queue", name="desk_requests_poll", opt=STAFF)
async def desk_requests_poll(request: Request) -> PollTemplate:
    return PollTemplate("requests/_partials/queue.html", context=await _queue_context(request))


@get("/e/{estate:str}/desk/requests/new", name="desk_request_new", opt=DESK)
async def desk_request_new(request: Request, unit: FromQuery[str] = "") -> Template:
    return await _form_page(request, at_desk=True, values={"unit": unit.strip().upper(), "channel": "counter"})


@post("/e/{estate:str}/desk/requests", name="desk_request_create", opt=DESK, request_max_body_size=MAX_FORM_BYTES)
async def desk_request_create(request: Request, data: MultipartBody[dict[str, Any]]) -> Template | Redirect:
    return await _create(request, data, at_desk=True)


async def _moved(request: Request, request_id: UUID, call) -> Template | Redirect:
    try:
        result = await call
    except Invalid as exc:
        return await _detail_page(request, request_id, errors=exc.errors, status=422)
    return done_redirect(request, "request_detail", "moved" if result["moved"] else "moved_on", request_id=request_id)


@post("/e/{estate:str}/requests/{request_id:uuid}/assign", name="request_assign", opt=STAFF)
async def request_assign(request: Request, request_id: FromPath[UUID], data: Form) -> Template | Redirect:
    return await _moved(request, request_id, service.assign(request.state.scope, request_id, text(data, "team"),
                                                            text(data, "assignee")))


@post("/e/{estate:str}/requests/{request_id:uuid}/start", name="request_start", opt=STAFF)
async def request_start(request: Request, request_id: FromPath[UUID]) -> Template | Redirect:
    return await _moved(request, request_id, service.start(request.state.scope, request_id))


@post("/e/{estate:str}/requests/{request_id:uuid}/done", name="request_done", opt=STAFF)
async def request_done(request: Request, request_id: FromPath[UUID], data: Form) -> Template | Redirect:
    return await _moved(request, request_id, service.complete(request.state.scope, request_id,
                                                              text(data, "work_note")))


HANDLERS: list = [
    request_list, request_new, request_create, request_detail, request_photo, request_follow_up,
    desk_requests, desk_requests_poll, desk_request_new, desk_request_create, request_assign, request_start,
    request_done,
]
