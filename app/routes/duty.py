"""The duty log and the handover: start a shift in one tap, write the log (a common entry in
two taps from home), hand over with what the app compiled, and acknowledge the handover of the
shift before. Supervisors see the week's handovers, the late ones marked."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery, MultipartBody
from litestar.response import Redirect, Template

from app.domain import duty as rules
from app.domain.roles import Role
from app.i18n import gettext
from app.routes._util import Form, PollTemplate, answered, done_redirect, guard_action, text
from app.routes.releases import _file
from app.services import duty, handovers
from app.services.duty import NewEntry
from app.services.errors import Invalid
from app.services.handover_sources import KIND_NAMES

DUTY = {"roles": set(rules.DUTY_ROLES)}
OVERSIGHT = {"roles": {*rules.DUTY_ROLES, Role.MANAGER}}
MAX_ENTRY_BYTES = 13 * 1024 * 1024  # one photo (12 MB at most) and the text


async def duty_page(request: Request, *, done: str = "", errors=None, values=None, status: int = 200) -> Template:
    scope = request.state.scope
    shift = await duty.on_duty(scope)
    return Template("duty/shift.html", status_code=status, context={
        "scope": scope, "shift": shift, "done": done, "errors": errors or {}, "values": values or {},
        "post": (await duty.remembered_post(scope)).value, "posts": list(rules.Post), "kinds": list(rules.EntryKind),
        "quick": rules.QUICK_ENTRIES, "quick_texts": duty.QUICK_TEXTS,
        "log": await duty.shift_log(scope, shift["id"]) if shift else [],
        "waiting": await handovers.waiting(scope),
    })


@get("/e/{estate:str}/duty", name="duty", opt={**DUTY, "offline": True})
async def duty_home(request: Request, done: FromQuery[str] = "") -> Template:
    return await duty_page(request, done=done)


@post("/e/{estate:str}/duty/shifts", name="shift_start", opt=DUTY)
async def shift_start(request: Request, data: Form) -> Template | Redirect:
    scope = request.state.scope
    try:
        result = await duty.start_shift(scope, text(data, "post"))
    except Invalid as exc:
        return await duty_page(request, errors=exc.errors, values=data, status=422)
    waiting = [h for h in await handovers.waiting(scope) if h["post"] == result["post"]
               and h["handed_by"] != scope.person_id]
    if waiting:  # the shift before left a handover at this post: read it first
        return done_redirect(request, "handover_detail", "shift_started", handover_id=waiting[0]["id"])
    return done_redirect(request, "duty", "shift_started" if result["started"] else "already_on_duty")


@post("/e/{estate:str}/duty/quick", name="duty_quick", opt=DUTY)
async def duty_quick(request: Request, data: Form) -> Template | Response:
    """A quick entry: a guard action (the phone's key makes a double tap, or an entry sent again
    from the phone's outbox, one entry)."""
    try:
        await duty.add_entry(request.state.scope, guard_action(request, data), NewEntry(quick=text(data, "quick")))
    except Invalid as exc:
        return answered(request, await duty_page(request, errors=exc.errors, status=422), refused=True, reason="invalid")
    return done_redirect(request, "duty", "logged")


@post("/e/{estate:str}/duty/entries", name="duty_entry_add", opt=DUTY, request_max_body_size=MAX_ENTRY_BYTES)
async def duty_entry_add(request: Request, data: MultipartBody[dict[str, Any]]) -> Template | Response:
    form = NewEntry(kind=text(data, "kind"), text=text(data, "text"), unit=text(data, "unit"),
                    next_shift=text(data, "next_shift") == "yes", photo=await _file(data, "photo"))
    try:
        await duty.add_entry(request.state.scope, guard_action(request, data), form)
    except Invalid as exc:
        values = {k: text(data, k) for k in ("kind", "text", "unit", "next_shift")}
        return answered(request, await duty_page(request, errors=exc.errors, values=values, status=422),
                        refused=True, reason="invalid")
    return done_redirect(request, "duty", "logged")


async def entry_page(request: Request, entry_id: UUID, *, done: str = "", errors=None, values=None,
                     status: int = 200) -> Template:
    scope = request.state.scope
    return Template("duty/entry.html", status_code=status, context={
        "scope": scope, "e": await duty.entry(scope, entry_id), "done": done, "errors": errors or {},
        "values": values or {}, "quick_texts": duty.QUICK_TEXTS,
    })


@get("/e/{estate:str}/duty/entries/{entry_id:uuid}", name="duty_entry", opt=OVERSIGHT)
async def duty_entry(request: Request, entry_id: FromPath[UUID], done: FromQuery[str] = "") -> Template:
    return await entry_page(request, entry_id, done=done)


@post("/e/{estate:str}/duty/entries/{entry_id:uuid}/edit", name="duty_entry_edit", opt=DUTY)
async def duty_entry_edit(request: Request, entry_id: FromPath[UUID], data: Form) -> Template | Redirect:
    try:
        await duty.edit_entry(request.state.scope, entry_id, text(data, "text"))
    except Invalid as exc:
        return await entry_page(request, entry_id, errors=exc.errors, values=data, status=422)
    return done_redirect(request, "duty_entry", "edited", entry_id=entry_id)


@post("/e/{estate:str}/duty/entries/{entry_id:uuid}/notes", name="duty_entry_note", opt=OVERSIGHT)
async def duty_entry_note(request: Request, entry_id: FromPath[UUID], data: Form) -> Template | Redirect:
    try:
        await duty.annotate(request.state.scope, entry_id, text(data, "note"))
    except Invalid as exc:
        return await entry_page(request, entry_id, errors=exc.errors, values=data, status=422)
    return done_redirect(request, "duty_entry", "noted", entry_id=entry_id)


@get("/e/{estate:str}/duty/entries/{entry_id:uuid}/photo", name="duty_entry_photo", opt=OVERSIGHT)
async def duty_entry_photo(request: Request, entry_id: FromPath[UUID]) -> Response:
    data = await duty.photo(request.state.scope, entry_id)
    return Response(data, media_type="image/jpeg",
                    headers={"cache-control": "private, no-store", "content-disposition": "inline"})


# The handover -----------------------------------------------------------------------------------


def kind_names() -> dict[str, str]:
    """The item kinds' names in the reader's language, translated once for the page's hundreds of items."""
    return {kind: gettext(name) for kind, name in KIND_NAMES.items()}


async def handover_form(request: Request, *, errors=None, values=None, status: int = 200) -> Template | Redirect:
    scope = request.state.scope
    try:
        found = await handovers.preview(scope)
    except Invalid:
        return done_redirect(request, "duty", "not_on_duty")
    return Template("duty/handover_new.html", status_code=status, context={
        "scope": scope, "shift": found["shift"], "items": found["items"], "errors": errors or {},
        "values": values or {}, "entries": await duty.entries_in_shift(scope, found["shift"]["id"]),
        "kind_names": kind_names(),
    })


@get("/e/{estate:str}/duty/handover", name="handover_new", opt=DUTY)
async def handover_new(request: Request) -> Template | Redirect:
    return await handover_form(request)


@get("/e/{estate:str}/duty/handover/items", name="handover_preview_poll", opt=DUTY)
async def handover_preview_poll(request: Request) -> PollTemplate:
    """What the handover would list now: the handover page's live region asks again when
    something it is compiled from changes."""
    scope = request.state.scope
    try:
        items = (await handovers.preview(scope))["items"]
    except Invalid:  # handed over meanwhile, on another device
        items = []
    return PollTemplate("duty/_partials/preview.html", context={"scope": scope, "items": items,
                                                                "kind_names": kind_names()})


@post("/e/{estate:str}/duty/handover", name="handover_create", opt=DUTY)
async def handover_create(request: Request, data: Form) -> Template | Redirect:
    try:
        result = await handovers.hand_over(request.state.scope, text(data, "note"))
    except Invalid as exc:
        return await handover_form(request, errors=exc.errors, values=data, status=422)
    if not result["handed_over"]:
        return done_redirect(request, "duty", "not_on_duty")
    return done_redirect(request, "handover_detail", "handed_over", handover_id=result["id"])


async def handover_page(request: Request, handover_id: UUID, *, done: str = "", errors=None,
                        status: int = 200) -> Template:
    scope = request.state.scope
    return Template("duty/handover.html", status_code=status, context={
        "scope": scope, "h": await handovers.detail(scope, handover_id), "done": done, "errors": errors or {},
        "kind_names": kind_names(),
    })


@get("/e/{estate:str}/handovers/{handover_id:uuid}", name="handover_detail", opt=OVERSIGHT)
async def handover_detail(request: Request, handover_id: FromPath[UUID], done: FromQuery[str] = "") -> Template:
    return await handover_page(request, handover_id, done=done)


@get("/e/{estate:str}/handovers/{handover_id:uuid}/live", name="handover_live", opt=OVERSIGHT)
async def handover_live(request: Request, handover_id: FromPath[UUID]) -> PollTemplate:
    """The handover's state and items: its page's live region asks again when it changes (an
    item acknowledged on another device)."""
    scope = request.state.scope
    return PollTemplate("duty/_partials/handover.html", context={
        "scope": scope, "h": await handovers.detail(scope, handover_id), "errors": {}, "kind_names": kind_names()})


@post("/e/{estate:str}/handovers/{handover_id:uuid}/acknowledge", name="handover_ack", opt=DUTY)
async def handover_ack(request: Request, handover_id: FromPath[UUID], data: Form) -> Template | Response:
    try:
        result = await handovers.acknowledge_all(request.state.scope, guard_action(request, data), handover_id)
    except Invalid as exc:
        return answered(request, await handover_page(request, handover_id, errors=exc.errors, status=422),
                        refused=True, reason="invalid")
    return done_redirect(request, "handover_detail", "acknowledged" if result["acknowledged"] else "already_acknowledged",
                         handover_id=handover_id)


@post("/e/{estate:str}/handovers/{handover_id:uuid}/items/{item_id:uuid}/acknowledge", name="handover_item_ack",
      opt=DUTY)
async def handover_item_ack(request: Request, handover_id: FromPath[UUID], item_id: FromPath[UUID],
                            data: Form) -> Template | Response:
    try:
        result = await handovers.acknowledge_item(request.state.scope, guard_action(request, data), handover_id,
                                                  item_id)
    except Invalid as exc:
        return answered(request, await handover_page(request, handover_id, errors=exc.errors, status=422),
                        refused=True, reason="invalid")
    return done_redirect(request, "handover_detail", "acknowledged" if result["closed"] else "item_acknowledged",
                         handover_id=handover_id, anchor=f"#item-{item_id}" if not result["closed"] else "")


@get("/e/{estate:str}/handovers", name="handover_list", opt=OVERSIGHT)
async def handover_list(request: Request) -> Template:
    scope = request.state.scope
    return Template("duty/handovers.html", context={"scope": scope, "handovers": await handovers.recent(scope),
                                                     "log": await duty.recent_log(scope),
                                                     "quick_texts": duty.QUICK_TEXTS})


HANDLERS: list = [
    duty_home, shift_start, duty_quick, duty_entry_add, duty_entry, duty_entry_edit, duty_entry_note, duty_entry_photo,
    handover_new, handover_preview_poll, handover_create, handover_detail, handover_live, handover_ack,
    handover_item_ack, handover_list,
]
