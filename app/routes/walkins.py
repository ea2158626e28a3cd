"""Walk-in visitors: the guard's registration form and waiting screen, the household's consent
page, the manager's escalations, and patrol's escort tasks.

The guard's waiting screen is ``walkins/_partials/status.html``: the detail page includes it,
and while someone else must act (the household, the manager) it asks ``walkin_status`` again
when a walk-in changes (a live screen: routes/live.py), or every 3 seconds without an event
stream (ETag, so an unchanged answer is a 304), until a final state ends it.
"""

from __future__ import annotations

from uuid import UUID

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from app.domain import walkins as rules
from app.domain.roles import Role
from app.routes.access import OFFLINE
from app.routes._util import Form, PollTemplate, done_redirect, guard_action, text
from app.services import escorts, walkins
from app.services.errors import Invalid

GUARD = {"roles": {Role.GATE_GUARD}}
STAFF = {"roles": {Role.GATE_GUARD, Role.MANAGER, Role.SUPERVISOR, Role.FRONT_DESK}}
OPEN_LIST = {"roles": {Role.GATE_GUARD, Role.MANAGER, Role.SUPERVISOR}}
RESIDENT = {"roles": {Role.RESIDENT}}
MANAGERS = {"roles": {Role.MANAGER, Role.SUPERVISOR}}
MANAGER = {"roles": {Role.MANAGER}}
ESCORT_VIEW = {"roles": {Role.PATROL_GUARD, Role.SUPERVISOR, Role.MANAGER}}
PATROL = {"roles": {Role.PATROL_GUARD}}

KINDS = {k.value for k in rules.Kind}


def _facts(data: dict, kind: str | None = None) -> walkins.Facts:
    fields = {name: text(data, name) for name in rules.FACT_FIELDS}
    return walkins.Facts(kind=kind or text(data, "kind") or rules.Kind.WALK_IN.value, gate=text(data, "gate"),
                         note=text(data, "note"), watchlist_ack=text(data, "watchlist_ack") == "yes", **fields)


def _common(request: Request) -> dict:
    return {"scope": request.state.scope, "purposes": rules.PURPOSES, "genders": rules.GENDERS,
            "id_types": rules.ID_TYPES}


# The registration form ---------------------------------------------------------------------


async def _form_page(request: Request, kind: str, *, values=None, errors=None, matches=None,
                     status: int = 200) -> Template:
    defaults = await walkins.form_defaults(request.state.scope, preferred_gate=request.cookies.get("gp_gate", ""))
    values = dict(values or {})
    values.setdefault("gate", defaults["gate"])
    return Template("walkins/new.html", status_code=status, context={
        **_common(request), "kind": kind if kind in KINDS else rules.Kind.WALK_IN.value, "gates": defaults["gates"],
        "values": values, "errors": errors or {}, "matches": matches or [],
    })


@get("/e/{estate:str}/walkins/new", name="walkin_new", opt={**GUARD, **OFFLINE})
async def walkin_new(request: Request, kind: FromQuery[str] = "walk_in") -> Template:
    return await _form_page(request, kind)


@post("/e/{estate:str}/walkins", name="walkin_create", opt=GUARD)
async def walkin_create(request: Request, data: Form) -> Template | Response:
    facts = _facts(data)
    try:
        result = await walkins.register(request.state.scope, guard_action(request, data), facts)
    except walkins.WatchlistWarning as exc:
        return await _form_page(request, facts.kind, values=data, errors=exc.errors, matches=exc.matches, status=422)
    except Invalid as exc:
        return await _form_page(request, facts.kind, values=data, errors=exc.errors, status=422)
    return done_redirect(request, "walkin_detail", result["kind"], registration_id=result["registration_id"])


@get("/e/{estate:str}/walkins/lookup", name="walkin_lookup", opt=GUARD)
async def walkin_lookup(request: Request, phone: FromQuery[str] = "") -> Template:
    typed = {name: request.query_params.get(name, "") for name in rules.FACT_FIELDS}
    found = await walkins.lookup(request.state.scope, phone, typed)
    context = {**_common(request), "values": found["values"], "returning": found["returning"],
               "matches": found["matches"], "errors": {}}
    if not found["returning"]:
        # Nothing to fill in: leave what the guard is typing alone, answer only the watchlist check.
        return Template("walkins/_partials/watchlist_warning.html", context=context,
                        headers={"HX-Retarget": "#watchlist-warning", "HX-Reswap": "innerHTML"})
    return Template("walkins/_partials/lookup.html", context=context)


@get("/e/{estate:str}/walkins/watch", name="walkin_watch", opt=GUARD)
async def walkin_watch(request: Request, name: FromQuery[str] = "", id_number: FromQuery[str] = "",
                       phone: FromQuery[str] = "") -> Template:
    matches = await walkins.watch(request.state.scope, name=name, id_number=id_number, phone=phone)
    return Template("walkins/_partials/watchlist_warning.html", context={**_common(request), "matches": matches})


@get("/e/{estate:str}/walkins", name="walkin_list", opt={**OPEN_LIST, **OFFLINE})
async def walkin_list(request: Request) -> Template:
    lists = await walkins.open_list(request.state.scope)
    context = {**_common(request), **lists, "can_register": request.state.scope.has(Role.GATE_GUARD)}
    if request.htmx:
        return PollTemplate("walkins/_partials/open_rows.html", context=context)
    return Template("walkins/list.html", context=context)


# One registration: the guard's waiting screen and the staff detail --------------------------


async def _detail_page(request: Request, registration_id: UUID, *, done: str = "", form: str = "", errors=None,
                       values=None, status: int = 200) -> Template:
    scope = request.state.scope
    reg = await walkins.detail(scope, registration_id)
    back = "walkin_list" if scope.has(Role.GATE_GUARD, Role.MANAGER, Role.SUPERVISOR) else "estate_home"
    return Template("walkins/detail.html", status_code=status, context={
        **_common(request), "reg": reg, "back": back, "done": done, "form": form, "errors": errors or {}, "values": values or {},
    })


@get("/e/{estate:str}/walkins/{registration_id:uuid}", name="walkin_detail", opt=STAFF)
async def walkin_detail(request: Request, registration_id: FromPath[UUID], done: FromQuery[str] = "") -> Template:
    return await _detail_page(request, registration_id, done=done)


@get("/e/{estate:str}/walkins/{registration_id:uuid}/status", name="walkin_status", opt=STAFF)
async def walkin_status(request: Request, registration_id: FromPath[UUID]) -> Template:
    reg = await walkins.status(request.state.scope, registration_id)
    return PollTemplate("walkins/_partials/status.html", context={**_common(request), "reg": reg,
                                                                  "errors": {}, "values": {}})


@post("/e/{estate:str}/walkins/{registration_id:uuid}/escalate", name="walkin_escalate", opt=GUARD)
async def walkin_escalate(request: Request, registration_id: FromPath[UUID], data: Form) -> Template | Response:
    try:
        result = await walkins.escalate(request.state.scope, guard_action(request, data), registration_id,
                                        relation=text(data, "relation"), evidence=text(data, "evidence"))
    except Invalid as exc:
        return await _detail_page(request, registration_id, form="escalate", errors=exc.errors, values=data,
                                  status=422)
    done = "escalated" if result.get("escalated") else "not_escalated"
    return done_redirect(request, "walkin_detail", done, refused=not result.get("escalated"),
                         registration_id=registration_id)


async def _settle(request: Request, registration_id: UUID, data: Form, settle, flag: str) -> Template | Response:
    """A guard's one-tap step on an approved walk-in (``walkins.admit`` or ``walkins.left``):
    the detail page again, saying whether this tap did it (``flag``) or it had moved on."""
    try:
        result = await settle(request.state.scope, guard_action(request, data), registration_id)
    except Invalid as exc:
        return await _detail_page(request, registration_id, form="settle", errors=exc.errors, status=422)
    done = flag if result.get(flag) else f"not_{flag}"
    return done_redirect(request, "walkin_detail", done, refused=not result.get(flag), registration_id=registration_id)


@post("/e/{estate:str}/walkins/{registration_id:uuid}/admit", name="walkin_admit", opt=GUARD)
async def walkin_admit(request: Request, registration_id: FromPath[UUID], data: Form) -> Template | Response:
    return await _settle(request, registration_id, data, walkins.admit, "admitted")


@post("/e/{estate:str}/walkins/{registration_id:uuid}/left", name="walkin_left", opt=GUARD)
async def walkin_left(request: Request, registration_id: FromPath[UUID], data: Form) -> Template | Response:
    """The approved visitor went away without coming in."""
    return await _settle(request, registration_id, data, walkins.left, "left")


@post("/e/{estate:str}/walkins/{registration_id:uuid}/complete", name="walkin_complete", opt=GUARD)
async def walkin_complete(request: Request, registration_id: FromPath[UUID], data: Form) -> Template | Response:
    try:
        result = await walkins.complete(request.state.scope, guard_action(request, data), registration_id,
                                        _facts(data, rules.Kind.EMERGENCY.value))
    except Invalid as exc:
        return await _detail_page(request, registration_id, form="complete", errors=exc.errors, values=data,
                                  status=422)
    done = "completed" if result.get("completed") else "not_completed"
    return done_redirect(request, "walkin_detail", done, refused=not result.get("completed"),
                         registration_id=registration_id)


# The household's consent ------------------------------------------------------------------


@get("/e/{estate:str}/consents", name="consent_list", opt=RESIDENT)
async def consent_list(request: Request) -> Template:
    context = {**_common(request), "requests": await walkins.pending_consents(request.state.scope)}
    if request.htmx:
        return PollTemplate("walkins/_partials/consent_requests.html", context=context)
    return Template("walkins/consents.html", context=context)


@get("/e/{estate:str}/consents/{registration_id:uuid}", name="consent_detail", opt=RESIDENT)
async def consent_detail(request: Request, registration_id: FromPath[UUID], done: FromQuery[str] = "") -> Template:
    view = await walkins.consent_view(request.state.scope, registration_id)
    return Template("walkins/consent.html", context={**_common(request), "reg": view, "done": done})


@post("/e/{estate:str}/consents/{registration_id:uuid}/answer", name="consent_answer", opt=RESIDENT)
async def consent_answer(request: Request, registration_id: FromPath[UUID], data: Form) -> Response:
    result = await walkins.answer_consent(request.state.scope, registration_id, text(data, "answer") == "approve")
    done = "answered" if result["decided"] else "too_late"
    return done_redirect(request, "consent_detail", done, registration_id=registration_id)


# The manager's decisions -------------------------------------------------------------------


@get("/e/{estate:str}/escalations", name="escalation_list", opt=MANAGERS)
async def escalation_list(request: Request) -> Template:
    context = {**_common(request), **(await walkins.escalations(request.state.scope))}
    if request.htmx:
        return PollTemplate("walkins/_partials/escalation_summary.html", context=context)
    return Template("walkins/escalations.html", context=context)


@get("/e/{estate:str}/escalations/board", name="escalation_board", opt=MANAGERS)
async def escalation_board(request: Request) -> PollTemplate:
    """The decisions page's lists, asked for again when a walk-in changes."""
    context = {**_common(request), **(await walkins.escalations(request.state.scope))}
    return PollTemplate("walkins/_partials/escalations.html", context=context)


@post("/e/{estate:str}/walkins/{registration_id:uuid}/decide", name="escalation_decide", opt=MANAGER)
async def escalation_decide(request: Request, registration_id: FromPath[UUID], data: Form) -> Template | Response:
    try:
        result = await walkins.decide_escalation(request.state.scope, registration_id,
                                                 text(data, "decision") == "admit", text(data, "note"))
    except Invalid as exc:
        return await _detail_page(request, registration_id, form="decide", errors=exc.errors, values=data,
                                  status=422)
    done = "decided" if result["decided"] else "already_decided"
    return done_redirect(request, "walkin_detail", done, registration_id=registration_id)


# Patrol's escort tasks --------------------------------------------------------------------


@get("/e/{estate:str}/escorts", name="escort_list", opt={**ESCORT_VIEW, **OFFLINE})
async def escort_list(request: Request, done: FromQuery[str] = "") -> Template:
    scope = request.state.scope
    context = {**_common(request), **(await escorts.tasks(scope)), "done": done,
               "can_act": scope.has(Role.PATROL_GUARD), "errors": {}}
    if request.htmx:
        return Template("escorts/_partials/tasks.html", context=context)
    return Template("escorts/list.html", context=context)


@post("/e/{estate:str}/escorts/{task_id:uuid}/acknowledge", name="escort_acknowledge", opt=PATROL)
async def escort_acknowledge(request: Request, task_id: FromPath[UUID], data: Form) -> Response:
    try:
        result = await escorts.acknowledge(request.state.scope, guard_action(request, data), task_id)
    except Invalid:
        return done_redirect(request, "escort_list", "not_accepted", refused=True)
    return done_redirect(request, "escort_list", "acknowledged" if result["acknowledged"] else "taken",
                         refused=not result["acknowledged"], anchor=f"#task-{task_id}")


@post("/e/{estate:str}/escorts/{task_id:uuid}/complete", name="escort_complete", opt=PATROL)
async def escort_complete(request: Request, task_id: FromPath[UUID], data: Form) -> Response:
    try:
        result = await escorts.complete(request.state.scope, guard_action(request, data), task_id, text(data, "note"))
    except Invalid:
        return done_redirect(request, "escort_list", "not_accepted", refused=True)
    return done_redirect(request, "escort_list", "completed" if result["completed"] else "already_done")


HANDLERS: list = [
    walkin_new, walkin_create, walkin_lookup, walkin_watch, walkin_list, walkin_detail, walkin_status,
    walkin_escalate, walkin_admit, walkin_left, walkin_complete,
    consent_list, consent_detail, consent_answer,
    escalation_list, escalation_board, escalation_decide,
    escort_list, escort_acknowledge, escort_complete,
]
