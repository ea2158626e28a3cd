"""The patrol guard's rounds (the next due, start, scan each checkpoint's tag and answer its
checklist, finish) and the supervisor's board of rounds.

Start, check-in and finish are guard actions sent through the phone's outbox: the round page
knows its route's tags, so a scan shows the checklist at once, with or without signal."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from app.domain.patrol import ScanReason
from app.domain.roles import Role
from app.routes.access import GUARD_ROLES
from app.routes._util import Form, PollTemplate, answered, done_redirect, guard_action, text
from app.services import patrol_rounds as rounds
from app.services.errors import Invalid

PATROL = {"roles": {Role.PATROL_GUARD, Role.SUPERVISOR}}
BOARD = {"roles": {Role.SUPERVISOR, Role.MANAGER}}
KEPT = {"offline": GUARD_ROLES}
MAX_QUESTIONS = 12


@get("/e/{estate:str}/patrol", name="patrol_home", opt={**PATROL, **KEPT})
async def patrol_home(request: Request, done: FromQuery[str] = "", next_at: FromQuery[str] = "") -> Template:
    scope = request.state.scope
    return Template("patrol/home.html", context={
        "scope": scope, "patrol": await rounds.guard_overview(scope), "done": done,
        "next_at": _parse(next_at),
    })


def _parse(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


@post("/e/{estate:str}/patrol/routes/{route_id:uuid}/start", name="patrol_start", opt=PATROL)
async def patrol_start(request: Request, route_id: FromPath[UUID], data: Form) -> Response:
    result = await rounds.start(request.state.scope, guard_action(request, data), route_id)
    if result["reason"] == rounds.STARTED:
        return done_redirect(request, "patrol_round", result["timeliness"], round_id=result["round_id"])
    return done_redirect(request, "patrol_home", result["reason"], refused=True,
                         query={"next_at": result.get("next_at") or ""})


async def _round_page(request: Request, round_id: UUID, *, done: str = "") -> Template:
    scope = request.state.scope
    view = await rounds.round_view(scope, round_id)
    return Template("patrol/round.html", context={"scope": scope, **view, "done": done})


@get("/e/{estate:str}/patrol/rounds/{round_id:uuid}", name="patrol_round", opt={**PATROL, **KEPT})
async def patrol_round(request: Request, round_id: FromPath[UUID], done: FromQuery[str] = "") -> Template:
    return await _round_page(request, round_id, done=done)


@post("/e/{estate:str}/patrol/rounds/{round_id:uuid}/identify", name="patrol_identify", opt=PATROL)
async def patrol_identify(request: Request, round_id: FromPath[UUID], data: Form) -> Template:
    """A code the phone did not know as one of the round's tags: what it is (a pass, a slip, a
    tag of another route or estate), said on the round page."""
    result = await rounds.identify(request.state.scope, round_id, text(data, "token"))
    return Template("patrol/_partials/scan_result.html", context={
        "scope": request.state.scope, "r": result, "round_id": round_id})


@post("/e/{estate:str}/patrol/rounds/{round_id:uuid}/check-in", name="patrol_check_in", opt=PATROL)
async def patrol_check_in(request: Request, round_id: FromPath[UUID], data: Form) -> Response:
    scope = request.state.scope
    answers = [text(data, f"q{i}") for i in range(MAX_QUESTIONS) if f"q{i}" in data]
    try:
        result = await rounds.check_in(scope, guard_action(request, data), round_id, text(data, "token"), answers,
                                       text(data, "note"))
    except Invalid as exc:
        response = Template("patrol/_partials/scan_result.html", status_code=422, context={
            "scope": scope, "r": {"reason": "invalid", "errors": exc.errors}, "round_id": round_id})
        return answered(request, response, refused=True, reason="invalid")
    response = Template("patrol/_partials/scan_result.html", context={
        "scope": scope, "r": result, "round_id": round_id, "checked": True})
    return answered(request, response, refused=result["reason"] != ScanReason.OK.value, reason=result["reason"])


@post("/e/{estate:str}/patrol/rounds/{round_id:uuid}/finish", name="patrol_finish", opt=PATROL)
async def patrol_finish(request: Request, round_id: FromPath[UUID], data: Form) -> Response:
    result = await rounds.finish(request.state.scope, guard_action(request, data), round_id)
    return done_redirect(request, "patrol_home", result["reason"], refused=result["reason"] != rounds.FINISHED,
                         query={"checked": str(result["done"]), "of": str(result["total"])})


# The supervisor's board ----------------------------------------------------------------------


@get("/e/{estate:str}/patrol/board", name="patrol_board", opt=BOARD)
async def patrol_board(request: Request) -> Template:
    scope = request.state.scope
    return Template("patrol/board.html", context={"scope": scope, "board": await rounds.board(scope)})


@get("/e/{estate:str}/patrol/board/live", name="patrol_board_poll", opt=BOARD)
async def patrol_board_poll(request: Request) -> PollTemplate:
    scope = request.state.scope
    return PollTemplate("patrol/_partials/board.html", context={"scope": scope, "board": await rounds.board(scope)})


HANDLERS = [patrol_home, patrol_start, patrol_round, patrol_identify, patrol_check_in, patrol_finish, patrol_board,
            patrol_board_poll]
