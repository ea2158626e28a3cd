"""Goods release slips: the requester's form (save as draft, submit, amend, cancel), each slip's
page (with the owner's consent and the QR once approved), the desk's check screen with the
supervisor's second approval, the printable slip, and the photos of a slip.

The check screen shows the carrier's full ID number and phone; it and the staff detail are the
only pages that do, and they are sent ``Cache-Control: no-store``. Everywhere else they are
masked (``release_records.masked``).
"""

from __future__ import annotations

from uuid import UUID

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from app.domain import inputs
from app.domain import images
from app.domain import releases as rules
from app.domain.roles import Role
from app.routes._util import Form, MultipartForm, done_redirect, text
from app.routes.invitations import render_qr
from app.services import release_answers, release_slips, release_views
from app.services.errors import Invalid

RESIDENT = {"roles": {Role.RESIDENT}}
REQUESTER = {"roles": {Role.RESIDENT, Role.FRONT_DESK}}
VIEWERS = {"roles": {Role.RESIDENT, Role.FRONT_DESK, Role.SUPERVISOR, Role.MANAGER, Role.GATE_GUARD}}
PRINTERS = {"roles": {Role.RESIDENT, Role.FRONT_DESK, Role.SUPERVISOR, Role.MANAGER}}
CHECKERS = {"roles": {Role.FRONT_DESK, Role.SUPERVISOR, Role.MANAGER}}
DESK = {"roles": {Role.FRONT_DESK}}
APPROVERS = {"roles": {Role.SUPERVISOR, Role.MANAGER}}
NO_STORE = {"cache-control": "no-store"}
# A slip's form with a photo per item and the company's proof: phones' photos are a few MB each.
MAX_FORM_BYTES = (rules.MAX_ITEMS + 2) * images.MAX_BYTES
MAX_ROWS = rules.MAX_ITEMS + 10
BLANK_ROWS = 2


def _common(request: Request) -> dict:
    return {"scope": request.state.scope, "reasons": rules.REASONS, "id_types": rules.ID_TYPES,
            "identity_seen": rules.IDENTITY_SEEN}


async def _file(data: dict, key: str) -> bytes | None:
    upload = data.get(key)
    if isinstance(upload, list):
        upload = upload[-1] if upload else None
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    raw = await upload.read(images.MAX_BYTES + 1)
    return raw or b""


async def slip_form(data: dict) -> release_slips.SlipForm:
    """The posted form as the service takes it: text, item rows ``item-N-...`` and photos."""
    keys = ("reason", "requester_name", "company", "carrier_name", "carrier_id_type", "carrier_id_number",
            "carrier_phone", "vehicle_plate", "notes")
    count = text(data, "rows")
    rows = min(inputs.whole_number(count, 0, 10**9) or 0, MAX_ROWS)
    items = []
    for i in range(rows):
        items.append(release_slips.ItemRow(
            name=text(data, f"item-{i}-name"), quantity=text(data, f"item-{i}-quantity") or "1",
            large=text(data, f"item-{i}-large") == "yes", photo=await _file(data, f"item-{i}-photo"),
            keep_photo=text(data, f"item-{i}-keep_photo"), remove_photo=text(data, f"item-{i}-remove_photo") == "yes",
        ))
    return release_slips.SlipForm(
        text={k: text(data, k) for k in keys}, date=text(data, "date"), start=text(data, "window_start"),
        end=text(data, "window_end"), items=items, contractor=text(data, "contractor") == "yes",
        proof=await _file(data, "company_proof"), unit=text(data, "unit"), member=text(data, "member"),
    )


def form_values(data: dict) -> dict:
    """What was typed, to show again beside the errors (files cannot be shown again)."""
    return {k: v for k, v in data.items() if isinstance(v, str)}


async def form_page(request: Request, *, slip_id: UUID | None = None, values: dict | None = None,
                    errors: dict | None = None, status: int = 200, at_desk: bool = False, extra_rows: int = 0,
                    done: str = "") -> Template:
    scope = request.state.scope
    context = await release_views.form_context(scope, slip_id=slip_id, values=values, at_desk=at_desk,
                                               blank_rows=BLANK_ROWS + extra_rows)
    return Template("releases/form.html", status_code=status, headers=NO_STORE, context={
        **_common(request), **context, "errors": errors or {}, "at_desk": at_desk, "done": done,
    })


async def save_and_answer(request: Request, data: dict, *, slip_id: UUID | None, at_desk: bool) -> Template | Redirect:
    """Save (and submit, if asked): the slip's page on success; the form again, with the
    reasons beside the fields (422), when the submission is refused or the input is wrong."""
    action = text(data, "action")
    form = await slip_form(data)
    try:
        result = await release_slips.save(request.state.scope, form, slip_id=slip_id, submit=action == "submit",
                                          at_desk=at_desk)
    except Invalid as exc:
        return await form_page(request, slip_id=slip_id, values=form_values(data), errors=exc.errors, status=422,
                               at_desk=at_desk)
    saved = UUID(result["slip_id"])
    if result["problems"]:
        return await form_page(request, slip_id=saved, errors=result["problems"], status=422, at_desk=at_desk)
    if action == "more":
        return await form_page(request, slip_id=saved, at_desk=at_desk, extra_rows=3, done="saved")
    return done_redirect(request, "release_detail", "submitted" if result["submitted"] else "saved", slip_id=saved)


# The requester -------------------------------------------------------------------------------


@get("/e/{estate:str}/release-slips", name="release_list", opt=RESIDENT)
async def release_list(request: Request, done: FromQuery[str] = "") -> Template:
    scope = request.state.scope
    return Template("releases/list.html", context={
        **_common(request), "slips": await release_slips.household_list(scope), "done": done,
    })


@get("/e/{estate:str}/release-slips/new", name="release_new", opt=RESIDENT)
async def release_new(request: Request) -> Template:
    return await form_page(request)


@post("/e/{estate:str}/release-slips", name="release_create", opt=RESIDENT, request_max_body_size=MAX_FORM_BYTES)
async def release_create(request: Request, data: MultipartForm) -> Template | Redirect:
    return await save_and_answer(request, data, slip_id=None, at_desk=False)


@get("/e/{estate:str}/release-slips/{slip_id:uuid}/edit", name="release_edit", opt=REQUESTER)
async def release_edit(request: Request, slip_id: FromPath[UUID]) -> Template:
    return await form_page(request, slip_id=slip_id)


@post("/e/{estate:str}/release-slips/{slip_id:uuid}/edit", name="release_update", opt=REQUESTER,
      request_max_body_size=MAX_FORM_BYTES)
async def release_update(request: Request, slip_id: FromPath[UUID], data: MultipartForm) -> Template | Redirect:
    return await save_and_answer(request, data, slip_id=slip_id, at_desk=False)


async def detail_page(request: Request, slip_id: UUID, *, done: str = "", status: int = 200) -> Template:
    scope = request.state.scope
    view = await release_views.detail(scope, slip_id, full=False)
    qr = render_qr(view["qr_token"]) if view.get("qr_token") else ""
    return Template("releases/detail.html", status_code=status, headers=NO_STORE, context={
        **_common(request), **view, "qr": qr, "done": done,
    })


@get("/e/{estate:str}/release-slips/{slip_id:uuid}", name="release_detail", opt=VIEWERS)
async def release_detail(request: Request, slip_id: FromPath[UUID], done: FromQuery[str] = "") -> Template:
    return await detail_page(request, slip_id, done=done)


@post("/e/{estate:str}/release-slips/{slip_id:uuid}/cancel", name="release_cancel", opt=REQUESTER)
async def release_cancel(request: Request, slip_id: FromPath[UUID]) -> Redirect:
    result = await release_slips.cancel(request.state.scope, slip_id)
    return done_redirect(request, "release_detail", "cancelled" if result["cancelled"] else "moved_on",
                         slip_id=slip_id)


@post("/e/{estate:str}/release-slips/{slip_id:uuid}/consent", name="release_consent", opt=RESIDENT)
async def release_consent(request: Request, slip_id: FromPath[UUID], data: Form) -> Redirect:
    result = await release_answers.answer_consent(request.state.scope, slip_id, text(data, "answer") == "approve")
    return done_redirect(request, "release_detail", "answered" if result["decided"] else "too_late", slip_id=slip_id)


@get("/e/{estate:str}/release-slips/{slip_id:uuid}/print", name="release_print", opt=PRINTERS)
async def release_print(request: Request, slip_id: FromPath[UUID], format: FromQuery[str] = "a4") -> Template:
    scope = request.state.scope
    view = await release_views.detail(scope, slip_id, full=False)
    qr = render_qr(view["qr_token"]) if view.get("qr_token") else ""
    return Template("releases/print.html", headers=NO_STORE, context={
        **_common(request), **view, "qr": qr, "paper": "half" if format == "half" else "a4",
    })


@get("/e/{estate:str}/release-slips/{slip_id:uuid}/photos/{upload_id:uuid}", name="release_photo", opt=VIEWERS)
async def release_photo(request: Request, slip_id: FromPath[UUID], upload_id: FromPath[UUID]) -> Response:
    """A photo of this slip (an item's, or the company's proof), to those who may see the slip."""
    data = await release_views.photo(request.state.scope, slip_id, upload_id)
    return Response(data, media_type="image/jpeg",
                    headers={"cache-control": "private, no-store", "content-disposition": "inline"})


# The front desk's check and the supervisor's approval -----------------------------------------


async def check_page(request: Request, slip_id: UUID, *, form: str = "", errors=None, values=None,
                     done: str = "", status: int = 200) -> Template:
    scope = request.state.scope
    view = await release_views.detail(scope, slip_id, full=True)
    return Template("releases/check.html", status_code=status, headers=NO_STORE, context={
        **_common(request), **view, "form": form, "errors": errors or {}, "values": values or {}, "done": done,
    })


@get("/e/{estate:str}/release-slips/{slip_id:uuid}/check", name="release_check", opt=CHECKERS)
async def release_check(request: Request, slip_id: FromPath[UUID], done: FromQuery[str] = "") -> Template:
    return await check_page(request, slip_id, done=done)


@post("/e/{estate:str}/release-slips/{slip_id:uuid}/check/approve", name="release_desk_approve", opt=DESK)
async def release_desk_approve(request: Request, slip_id: FromPath[UUID], data: Form) -> Template | Redirect:
    check = release_answers.DeskCheck(identity_seen=text(data, "identity_seen"),
                                      identity_note=text(data, "identity_note"),
                                      items_confirmed=text(data, "items_confirmed") == "yes")
    try:
        result = await release_answers.desk_approve(request.state.scope, slip_id, check)
    except Invalid as exc:
        return await check_page(request, slip_id, form="approve", errors=exc.errors, values=data, status=422)
    return done_redirect(request, "release_check", "desk_approved" if result["decided"] else "moved_on",
                         slip_id=slip_id)


@post("/e/{estate:str}/release-slips/{slip_id:uuid}/check/return", name="release_desk_return", opt=DESK)
async def release_desk_return(request: Request, slip_id: FromPath[UUID], data: Form) -> Template | Redirect:
    try:
        result = await release_answers.desk_return(request.state.scope, slip_id, text(data, "note"))
    except Invalid as exc:
        return await check_page(request, slip_id, form="return", errors=exc.errors, values=data, status=422)
    return done_redirect(request, "release_check", "returned" if result["decided"] else "moved_on", slip_id=slip_id)


@post("/e/{estate:str}/release-slips/{slip_id:uuid}/check/fees", name="release_fees", opt=DESK)
async def release_fees(request: Request, slip_id: FromPath[UUID], data: Form) -> Template | Redirect:
    try:
        await release_answers.settle_fees(request.state.scope, slip_id, text(data, "receipt"))
    except Invalid as exc:
        return await check_page(request, slip_id, form="fees", errors=exc.errors, values=data, status=422)
    return done_redirect(request, "release_check", "fees_settled", slip_id=slip_id)


@post("/e/{estate:str}/release-slips/{slip_id:uuid}/approval", name="release_approve", opt=APPROVERS)
async def release_approve(request: Request, slip_id: FromPath[UUID], data: Form) -> Template | Redirect:
    scope = request.state.scope
    try:
        if text(data, "decision") == "approve":
            result = await release_answers.supervisor_approve(scope, slip_id)
            done = "approved"
        else:
            result = await release_answers.supervisor_refuse(scope, slip_id, text(data, "note"))
            done = "refused"
    except Invalid as exc:
        return await check_page(request, slip_id, form="approval", errors=exc.errors, values=data, status=422)
    return done_redirect(request, "release_check", done if result["decided"] else "moved_on", slip_id=slip_id)


HANDLERS: list = [
    release_list, release_new, release_create, release_edit, release_update, release_detail, release_cancel,
    release_consent, release_print, release_photo, release_check, release_desk_approve, release_desk_return,
    release_fees, release_approve,
]
