"""The gate guard's pages: the scanner and its verdicts, admit and exit, lost passes, and the
"on site now" list with each visit's detail.

Verdict screens are one partial (``gate/_partials/verdict.html``): htmx swaps it over the
scanner; without htmx the scanner page is rendered around it.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from app.domain.roles import Role
from app.routes.access import OFFLINE
from app.routes._util import Form, PollTemplate, answered, done_redirect, guard_action, many, text
from app.services import estates, gate, release_gate
from app.services import gate_manifest as gate_manifest_service
from app.services.errors import Invalid

SCANNER = {"roles": {Role.GATE_GUARD, Role.MANAGER, Role.SUPERVISOR}}
ONSITE = {"roles": {Role.GATE_GUARD, Role.MANAGER, Role.SUPERVISOR, Role.FRONT_DESK}}


def _gate(request: Request, data: dict) -> str:
    """The gate the guard stands at: sent with the action, else the one the phone remembers
    (static/js/gate.js keeps the choice in a cookie)."""
    return text(data, "gate") or request.cookies.get("gp_gate", "")


def _view(result: dict) -> dict:
    """A stored result with its ISO times (``..._at``, and a permit's ``valid_until``) read back
    as datetimes, for ``local_time``."""
    view = dict(result)
    for key, value in result.items():
        if (key.endswith("_at") or key == "valid_until") and isinstance(value, str):
            view[key] = datetime.fromisoformat(value)
    return view


async def _scanner_page(request: Request, *, verdict: dict | None = None, token: str = "",
                        errors=None, status: int = 200) -> Template:
    scope = request.state.scope
    context = {
        "scope": scope,
        "gates": [] if request.htmx else await estates.gates(scope),
        "chosen_gate": request.cookies.get("gp_gate", ""),
        "v": _view(verdict) if verdict else None,
        "token": token,
        "errors": errors or {},
    }
    if request.htmx:
        return Template("gate/_partials/verdict.html", context=context, status_code=status)
    return Template("gate/scanner.html", context=context, status_code=status)


@get("/e/{estate:str}/gate", name="gate_scanner", opt={**SCANNER, **OFFLINE})
async def gate_scanner(request: Request) -> Template:
    return await _scanner_page(request)


@post("/e/{estate:str}/gate/verify", name="gate_verify", opt=SCANNER)
async def gate_verify(request: Request, data: Form) -> Template:
    token = text(data, "token").strip()
    verdict = await gate.verify(request.state.scope, token, _gate(request, data))
    return await _scanner_page(request, verdict=verdict, token=token)


@post("/e/{estate:str}/gate/admit", name="gate_admit", opt=SCANNER)
async def gate_admit(request: Request, data: Form) -> Template | Response:
    token = text(data, "token").strip()
    try:
        result = await gate.admit(request.state.scope, guard_action(request, data), token, _gate(request, data))
    except Invalid as exc:
        return await _scanner_page(request, token=token, errors=exc.errors, status=422)
    return answered(request, await _scanner_page(request, verdict=result, token=token),
                    refused=result["reason"] != gate.ADMITTED, reason=result.get("conflict") or result["reason"])


@post("/e/{estate:str}/gate/exit", name="gate_exit", opt=SCANNER)
async def gate_exit(request: Request, data: Form) -> Template | Response:
    token = text(data, "token").strip()
    try:
        result = await gate.exit_by_code(request.state.scope, guard_action(request, data), token,
                                         _gate(request, data))
    except Invalid as exc:
        return await _scanner_page(request, token=token, errors=exc.errors, status=422)
    # A visitor already out is no refusal: two guards recorded the same exit.
    return answered(request, await _scanner_page(request, verdict=result, token=token),
                    refused=result["reason"] not in (gate.EXITED, gate.NOT_INSIDE),
                    reason=result.get("conflict") or result["reason"])


@get("/e/{estate:str}/gate/manifest", name="gate_manifest", opt=SCANNER)
async def gate_manifest(request: Request) -> Response:
    """The list a guard's phone judges passes by with no signal (``services/gate_manifest.py``)."""
    body, etag = await gate_manifest_service.build(request.state.scope)
    headers = {"etag": etag, "cache-control": "private, no-cache"}
    if request.headers.get("if-none-match") == etag:
        return Response(b"", status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


# Goods release slips: the same scanner, the guard's two actions ------------------------------


async def _slip_action(request: Request, data: dict, act) -> Template:
    token = text(data, "token").strip()
    try:
        result = await act(guard_action(request, data), token,
                           await gate.gate_of(request.state.scope, _gate(request, data)))
    except Invalid as exc:
        return await _scanner_page(request, token=token, errors=exc.errors, status=422)
    return await _scanner_page(request, verdict=result, token=token)


@post("/e/{estate:str}/gate/release", name="gate_release", opt=SCANNER)
async def gate_release(request: Request, data: Form) -> Template:
    """Every item ticked and the carrier confirmed: the goods leave (once per key)."""
    scope = request.state.scope
    return await _slip_action(request, data, lambda act, token, at: release_gate.release(
        scope, act, token, at, many(data, "item"), text(data, "carrier_confirmed") == "yes"))


@post("/e/{estate:str}/gate/hold", name="gate_hold", opt=SCANNER)
async def gate_hold(request: Request, data: Form) -> Template:
    """Something does not match: the slip is held with the guard's note (once per key)."""
    scope = request.state.scope
    return await _slip_action(request, data, lambda act, token, at: release_gate.hold(
        scope, act, token, at, text(data, "hold_note")))


# On site now ----------------------------------------------------------------------------------


async def _onsite_context(request: Request, **extra) -> dict:
    scope = request.state.scope
    return {"scope": scope, "visits": await gate.on_site(scope), "errors": {}, "values": {},
            "error_visit": "", "may_scan": scope.has(*SCANNER["roles"]), **extra}


@get("/e/{estate:str}/onsite", name="onsite", opt={**ONSITE, **OFFLINE})
async def onsite(request: Request, done: FromQuery[str] = "") -> Template:
    return Template("gate/onsite.html", context=await _onsite_context(request, done=done))


@get("/e/{estate:str}/onsite/list", name="onsite_list", opt=ONSITE)
async def onsite_list(request: Request) -> PollTemplate:
    return PollTemplate("gate/_partials/onsite_list.html", context=await _onsite_context(request))


@get("/e/{estate:str}/onsite/count", name="onsite_count", opt=ONSITE)
async def onsite_count(request: Request) -> PollTemplate:
    scope = request.state.scope
    return PollTemplate("gate/_partials/onsite_count.html",
                        context={"scope": scope, "count": await gate.on_site_count(scope)})


@post("/e/{estate:str}/visits/{visit_id:uuid}/exit", name="visit_exit", opt=ONSITE)
async def visit_exit(request: Request, visit_id: FromPath[UUID], data: Form) -> Template | Response:
    try:
        result = await gate.exit_visit(request.state.scope, guard_action(request, data), visit_id,
                                       _gate(request, data))
    except Invalid as exc:
        return Template("gate/onsite.html", status_code=422, context=await _onsite_context(
            request, errors=exc.errors, error_visit=str(visit_id)))
    return done_redirect(request, "onsite", "exited" if result["reason"] == gate.EXITED else "not_inside")


@post("/e/{estate:str}/visits/{visit_id:uuid}/lost-pass", name="visit_lost_pass", opt=ONSITE)
async def visit_lost_pass(request: Request, visit_id: FromPath[UUID], data: Form) -> Template | Response:
    try:
        result = await gate.lost_pass(request.state.scope, guard_action(request, data), visit_id,
                                      _gate(request, data), text(data, "note"), text(data, "fee"))
    except Invalid as exc:
        return Template("gate/onsite.html", status_code=422, context=await _onsite_context(
            request, errors=exc.errors, values=data, error_visit=str(visit_id)))
    return done_redirect(request, "onsite", "lost_pass" if result["reason"] == gate.EXITED else "not_inside")


@get("/e/{estate:str}/visits/{visit_id:uuid}", name="visit_detail", opt=ONSITE)
async def visit_detail(request: Request, visit_id: FromPath[UUID]) -> Template:
    scope = request.state.scope
    return Template("gate/visit.html", context={"scope": scope, "visit": await gate.visit_detail(scope, visit_id)})


HANDLERS: list = [gate_scanner, gate_verify, gate_admit, gate_exit, gate_release, gate_hold, gate_manifest, onsite,
                  onsite_list, onsite_count, visit_exit, visit_lost_pass, visit_detail]
