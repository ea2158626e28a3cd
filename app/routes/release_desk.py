"""The front desk's goods-release work on the lobby tablet: the queue (a live screen), a slip
started for a resident at the desk, each day's archive (printable, and as CSV), the
supervisor's list of slips to approve (live too), and standing goods permits."""

from __future__ import annotations

from uuid import UUID

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from app.domain.roles import Role
from app.routes._util import Form, MultipartForm, PollTemplate, done_redirect, text
from app.routes.invitations import render_qr
from app.routes.releases import MAX_FORM_BYTES, form_page, save_and_answer
from app.services import release_desk, release_permits
from app.services.errors import Invalid

DESK = {"roles": {Role.FRONT_DESK}}
QUEUE = {"roles": {Role.FRONT_DESK, Role.SUPERVISOR, Role.MANAGER}}
APPROVERS = {"roles": {Role.SUPERVISOR, Role.MANAGER}}
PERMITS = {"roles": {Role.RESIDENT, Role.FRONT_DESK}}
RESIDENT = {"roles": {Role.RESIDENT}}
PERMIT_VIEW = {"roles": {Role.RESIDENT, Role.FRONT_DESK, Role.SUPERVISOR, Role.MANAGER, Role.GATE_GUARD}}


async def _queue_context(request: Request) -> dict:
    scope = request.state.scope
    return {"scope": scope, "queue": await release_desk.queue(scope), "can_start": scope.has(Role.FRONT_DESK)}


@get("/e/{estate:str}/desk/slips", name="desk_queue", opt=QUEUE)
async def desk_queue(request: Request) -> Template:
    return Template("desk/queue.html", context=await _queue_context(request))


@get("/e/{estate:str}/desk/slips/queue", name="desk_queue_poll", opt=QUEUE)
async def desk_queue_poll(request: Request) -> PollTemplate:
    return PollTemplate("desk/_partials/queue.html", context=await _queue_context(request))


@get("/e/{estate:str}/desk/slips/new", name="desk_slip_new", opt=DESK)
async def desk_slip_new(request: Request, unit: FromQuery[str] = "") -> Template:
    return await form_page(request, at_desk=True, values={"unit": unit.strip().upper()} if unit.strip() else {})


@post("/e/{estate:str}/desk/slips", name="desk_slip_create", opt=DESK, request_max_body_size=MAX_FORM_BYTES)
async def desk_slip_create(request: Request, data: MultipartForm) -> Template | Redirect:
    return await save_and_answer(request, data, slip_id=None, at_desk=True)


@get("/e/{estate:str}/desk/archive", name="desk_archive", opt=QUEUE)
async def desk_archive(request: Request, day: FromQuery[str] = "") -> Template:
    scope = request.state.scope
    found = await release_desk.archive(scope, release_desk.archive_day(day, scope.estate.timezone))
    return Template("desk/archive.html", context={"scope": scope, "archive": found})


@get("/e/{estate:str}/desk/archive.csv", name="desk_archive_csv", opt=QUEUE)
async def desk_archive_csv(request: Request, day: FromQuery[str] = "") -> Response:
    scope = request.state.scope
    found, text = await release_desk.archive_export(scope, release_desk.archive_day(day, scope.estate.timezone))
    name = f"released-goods-{scope.estate.slug}-{found.day.isoformat()}.csv"
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{name}"', "cache-control": "no-store"})


async def _approvals_context(request: Request) -> dict:
    scope = request.state.scope
    return {"scope": scope, "slips": await release_desk.supervisor_list(scope)}


@get("/e/{estate:str}/approvals", name="slip_approvals", opt=APPROVERS)
async def slip_approvals(request: Request) -> Template:
    return Template("desk/approvals.html", context=await _approvals_context(request))


@get("/e/{estate:str}/approvals/list", name="slip_approvals_poll", opt=APPROVERS)
async def slip_approvals_poll(request: Request) -> PollTemplate:
    return PollTemplate("desk/_partials/approvals.html", context=await _approvals_context(request))


# Standing goods permits -----------------------------------------------------------------------


async def _permits_page(request: Request, *, done: str = "", errors=None, values=None, status: int = 200) -> Template:
    scope = request.state.scope
    can_decide, can_apply = scope.has(Role.FRONT_DESK), scope.has(Role.RESIDENT)
    return Template("permits/list.html", status_code=status, context={
        "scope": scope, "done": done, "errors": errors or {}, "values": values or {},
        "can_decide": can_decide, "can_apply": can_apply,
        "pending": await release_permits.pending(scope) if can_decide else [],
        "mine": await release_permits.mine(scope) if can_apply else [],
    })


@get("/e/{estate:str}/permits", name="permit_list", opt=PERMITS)
async def permit_list(request: Request, done: FromQuery[str] = "") -> Template:
    return await _permits_page(request, done=done)


@post("/e/{estate:str}/permits", name="permit_apply", opt=RESIDENT)
async def permit_apply(request: Request, data: Form) -> Template | Redirect:
    try:
        await release_permits.apply(request.state.scope, text(data, "goods"))
    except Invalid as exc:
        return await _permits_page(request, errors=exc.errors, values=data, status=422)
    return done_redirect(request, "permit_list", "applied")


@get("/e/{estate:str}/permits/{permit_id:uuid}", name="permit_detail", opt=PERMIT_VIEW)
async def permit_detail(request: Request, permit_id: FromPath[UUID], done: FromQuery[str] = "") -> Template:
    scope = request.state.scope
    permit = await release_permits.detail(scope, permit_id)
    mine = permit["holder"] == scope.person_id
    qr = render_qr(await release_permits.qr_token(scope, permit["id"])) if mine and permit["status"] == "valid" else ""
    return Template("permits/detail.html", context={"scope": scope, "p": permit, "qr": qr, "mine": mine, "done": done})


@post("/e/{estate:str}/permits/{permit_id:uuid}/renew", name="permit_renew", opt=RESIDENT)
async def permit_renew(request: Request, permit_id: FromPath[UUID]) -> Redirect:
    await release_permits.renew(request.state.scope, permit_id)
    return done_redirect(request, "permit_list", "applied")


@post("/e/{estate:str}/permits/{permit_id:uuid}/decide", name="permit_decide", opt=DESK)
async def permit_decide(request: Request, permit_id: FromPath[UUID], data: Form) -> Redirect:
    result = await release_permits.decide(request.state.scope, permit_id, text(data, "decision") == "approve",
                                          text(data, "note"))
    return done_redirect(request, "permit_list", "decided" if result["decided"] else "moved_on")


HANDLERS: list = [
    desk_queue, desk_queue_poll, desk_slip_new, desk_slip_create, desk_archive, desk_archive_csv, slip_approvals, slip_approvals_poll,
    permit_list, permit_apply, permit_detail, permit_renew, permit_decide,
]
