"""Lost and found: the desk's board on the lobby tablet (open losses and finds, matches waiting
for their owner, finds due for disposal), the form for a loss or a find, each record's page with
its likely matches, and the desk's moves (confirm a match, record the return, record a disposal);
a resident reports a loss from the phone and follows it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery, MultipartBody
from litestar.response import Redirect, Template

from app.domain import images
from app.domain import lostfound as rules
from app.domain.roles import Role
from app.routes._util import Form, PollTemplate, done_redirect, text
from app.routes.releases import _file
from app.services import lost_found as service
from app.services.errors import Invalid

DESK = {"roles": {Role.FRONT_DESK}}
STAFF = {"roles": {Role.FRONT_DESK, Role.SUPERVISOR, Role.MANAGER}}
RESIDENT = {"roles": {Role.RESIDENT}}
REPORTERS = {"roles": {Role.RESIDENT, Role.FRONT_DESK}}
VIEWERS = {"roles": {Role.RESIDENT, Role.FRONT_DESK, Role.SUPERVISOR, Role.MANAGER}}
SETTERS = {"roles": {Role.SUPERVISOR, Role.MANAGER}}
MAX_FORM_BYTES = 2 * images.MAX_BYTES
NO_STORE = {"cache-control": "no-store"}


def _names() -> dict:
    return {"categories": [c.value for c in rules.Category], "disposals": rules.DISPOSALS}


async def _board_context(request: Request, *, errors=None) -> dict:
    scope = request.state.scope
    return {"scope": scope, "board": await service.board(scope), "can_record": scope.has(Role.FRONT_DESK),
            "can_set": scope.has(Role.SUPERVISOR, Role.MANAGER), "errors": errors or {}}


@get("/e/{estate:str}/lost-found", name="lost_found_board", opt=STAFF)
async def lost_found_board(request: Request, done: FromQuery[str] = "") -> Template:
    return Template("lostfound/board.html", context={**await _board_context(request), "done": done})


@get("/e/{estate:str}/lost-found/board", name="lost_found_board_poll", opt=STAFF)
async def lost_found_board_poll(request: Request) -> PollTemplate:
    return PollTemplate("lostfound/_partials/board.html", context=await _board_context(request))


@post("/e/{estate:str}/lost-found/period", name="lost_found_period", opt=SETTERS)
async def lost_found_period(request: Request, data: Form) -> Template | Redirect:
    try:
        await service.set_unclaimed_days(request.state.scope, text(data, "unclaimed_days"))
    except Invalid as exc:
        return Template("lostfound/board.html", status_code=422,
                        context={**await _board_context(request, errors=exc.errors), "done": ""})
    return done_redirect(request, "lost_found_board", "period_saved")


async def _form_page(request: Request, *, side: str, values=None, errors=None, status: int = 200) -> Template:
    scope = request.state.scope
    return Template("lostfound/form.html", status_code=status, headers=NO_STORE, context={
        "scope": scope, "side": side if side in ("lost", "found") else "lost", "values": values or {},
        "errors": errors or {}, "at_desk": scope.has(Role.FRONT_DESK), **_names(),
    })


@get("/e/{estate:str}/lost-found/new", name="lost_found_new", opt=REPORTERS)
async def lost_found_new(request: Request, side: FromQuery[str] = "lost") -> Template:
    if not request.state.scope.has(Role.FRONT_DESK):
        side = "lost"
    return await _form_page(request, side=side)


@post("/e/{estate:str}/lost-found", name="lost_found_create", opt=REPORTERS, request_max_body_size=MAX_FORM_BYTES)
async def lost_found_create(request: Request, data: MultipartBody[dict[str, Any]]) -> Template | Redirect:
    keys = ("side", "category", "description", "place", "when", "contact", "unit", "found_by", "kept_at")
    form = service.NewRecord(**{k: text(data, k) for k in keys}, photo=await _file(data, "photo"))
    try:
        record_id = await service.record(request.state.scope, form)
    except Invalid as exc:
        values = {k: v for k, v in data.items() if isinstance(v, str)}
        return await _form_page(request, side=form.side, values=values, errors=exc.errors, status=422)
    return done_redirect(request, "lost_found_detail", "recorded", record_id=record_id)


@get("/e/{estate:str}/lost-reports", name="lost_reports", opt=RESIDENT)
async def lost_reports(request: Request) -> Template:
    scope = request.state.scope
    return Template("lostfound/mine.html", context={"scope": scope, "reports": await service.household_reports(scope)})


async def _detail_page(request: Request, record_id: UUID, *, done: str = "", errors=None, values=None,
                       status: int = 200) -> Template:
    scope = request.state.scope
    return Template("lostfound/detail.html", status_code=status, headers=NO_STORE, context={
        "scope": scope, "rec": await service.detail(scope, record_id), "done": done, "errors": errors or {},
        "values": values or {}, "desk": scope.has(Role.FRONT_DESK),
        "can_dispose": scope.has(Role.FRONT_DESK, Role.SUPERVISOR, Role.MANAGER), **_names(),
    })


@get("/e/{estate:str}/lost-found/{record_id:uuid}", name="lost_found_detail", opt=VIEWERS)
async def lost_found_detail(request: Request, record_id: FromPath[UUID], done: FromQuery[str] = "") -> Template:
    return await _detail_page(request, record_id, done=done)


@get("/e/{estate:str}/lost-found/{record_id:uuid}/photo", name="lost_found_photo", opt=VIEWERS)
async def lost_found_photo(request: Request, record_id: FromPath[UUID]) -> Response:
    data = await service.photo(request.state.scope, record_id)
    return Response(data, media_type="image/jpeg",
                    headers={"cache-control": "private, no-store", "content-disposition": "inline"})


@post("/e/{estate:str}/lost-found/{record_id:uuid}/match", name="lost_found_match", opt=DESK)
async def lost_found_match(request: Request, record_id: FromPath[UUID], data: Form) -> Redirect:
    result = await service.confirm_match(request.state.scope, record_id, text(data, "other"))
    return done_redirect(request, "lost_found_detail", "matched" if result["moved"] else "moved_on",
                         record_id=result["found"])


@post("/e/{estate:str}/lost-found/{record_id:uuid}/return", name="lost_found_return", opt=DESK)
async def lost_found_return(request: Request, record_id: FromPath[UUID], data: Form) -> Template | Redirect:
    try:
        result = await service.record_return(request.state.scope, record_id, text(data, "collected_by"),
                                             text(data, "proof_shown"))
    except Invalid as exc:
        return await _detail_page(request, record_id, errors=exc.errors, values=data, status=422)
    return done_redirect(request, "lost_found_detail", "returned" if result["moved"] else "moved_on",
                         record_id=record_id)


@post("/e/{estate:str}/lost-found/{record_id:uuid}/dispose", name="lost_found_dispose", opt=STAFF)
async def lost_found_dispose(request: Request, record_id: FromPath[UUID], data: Form) -> Template | Redirect:
    try:
        result = await service.dispose(request.state.scope, record_id, text(data, "disposal"), text(data, "note"))
    except Invalid as exc:
        return await _detail_page(request, record_id, errors=exc.errors, values=data, status=422)
    return done_redirect(request, "lost_found_detail", "disposed" if result["moved"] else "moved_on",
                         record_id=record_id)


HANDLERS: list = [
    lost_found_board, lost_found_board_poll, lost_found_period, lost_found_new, lost_found_create, lost_reports,
    lost_found_detail, lost_found_photo, lost_found_match, lost_found_return, lost_found_dispose,
]
