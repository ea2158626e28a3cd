"""Units: the list the front desk and the admin share (with fee status), the unit page, and the
admin's add, relabel, delete and CSV import. Registered through ``admin.HANDLERS``."""

from __future__ import annotations

from uuid import UUID

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from app.domain.roles import Role
from app.domain.units import decode_upload
from app.routes._util import Form, MultipartForm, done_redirect, text
from app.services import units
from app.services.errors import Invalid

ADMIN = {"roles": {Role.ADMIN}}
DESK = {"roles": {Role.ADMIN, Role.FRONT_DESK}}
MAX_UPLOAD = 2 * 1024 * 1024




async def _units_page(request: Request, *, building: UUID | None = None, q: str = "", done: str = "",
                      errors=None, values=None, status: int = 200) -> Template:
    scope = request.state.scope
    rows = await units.listing(scope, building_id=building, q=q)
    context = {
        "scope": scope,
        "units": rows[:units.LIST_LIMIT],
        "more": len(rows) > units.LIST_LIMIT,
        "buildings": await units.buildings(scope),
        "building": building,
        "q": q,
        "done": done,
        "errors": errors or {},
        "values": values or {},
        "is_admin": scope.has(Role.ADMIN),
    }
    if request.htmx and request.htmx.target == "unit-results":
        return Template("admin/_partials/unit_rows.html", context=context)
    return Template("admin/units.html", context=context, status_code=status)


@get("/e/{estate:str}/units", name="units_list", opt=DESK)
async def units_list(request: Request, building: FromQuery[UUID | None] = None, q: FromQuery[str] = "",
                     done: FromQuery[str] = "") -> Template:
    return await _units_page(request, building=building, q=q, done=done)


@post("/e/{estate:str}/units", name="unit_add", opt=ADMIN)
async def unit_add(request: Request, data: Form) -> Template | Redirect:
    try:
        label = await units.add(request.state.scope, text(data, "label"))
    except Invalid as exc:
        return await _units_page(request, errors=exc.errors, values=data, status=422)
    return done_redirect(request, "units_list", "added", query={"q": label})


# The CSV import ------------------------------------------------------------------------------


def _import_page(request: Request, *, errors=None, lines=None, csv: str = "", result=None,
                 status: int = 200) -> Template:
    return Template("admin/units_import.html", status_code=status, context={
        "scope": request.state.scope, "errors": errors or {}, "lines": lines or [], "csv": csv, "result": result,
    })


@get("/e/{estate:str}/units/import", name="units_import_page", opt=ADMIN)
async def units_import_page(request: Request) -> Template:
    return _import_page(request)


@post("/e/{estate:str}/units/import", name="units_import", opt=ADMIN)
async def units_import(request: Request, data: MultipartForm) -> Template:
    upload = data.get("file")
    content = text(data, "csv")
    if isinstance(upload, UploadFile) and upload.filename:
        raw = await upload.read(MAX_UPLOAD + 1)
        if raw:
            content = decode_upload(raw[:MAX_UPLOAD])
    try:
        result = await units.import_csv(request.state.scope, content)
    except units.ImportRefused as exc:
        return _import_page(request, errors=exc.errors, lines=exc.lines, csv=content, status=422)
    except Invalid as exc:
        return _import_page(request, errors=exc.errors, csv=content, status=422)
    return _import_page(request, result=result)


# One unit ------------------------------------------------------------------------------------


async def unit_page(request: Request, unit_id: UUID, *, form: str = "", errors=None, values=None,
                     status: int = 200, done: str = "") -> Template:
    scope = request.state.scope
    return Template("admin/unit.html", status_code=status, context={
        "scope": scope, "unit": await units.detail(scope, unit_id), "form": form,
        "errors": errors or {}, "values": values or {}, "done": done, "is_admin": scope.has(Role.ADMIN),
    })


def unit_redirect(request: Request, unit_id: UUID, done: str) -> Redirect:
    return done_redirect(request, "unit_detail", done, unit_id=unit_id)


@get("/e/{estate:str}/units/{unit_id:uuid}", name="unit_detail", opt=DESK)
async def unit_detail(request: Request, unit_id: FromPath[UUID], done: FromQuery[str] = "") -> Template:
    return await unit_page(request, unit_id, done=done)


@post("/e/{estate:str}/units/{unit_id:uuid}", name="unit_relabel", opt=ADMIN)
async def unit_relabel(request: Request, unit_id: FromPath[UUID], data: Form) -> Template | Redirect:
    try:
        await units.relabel(request.state.scope, unit_id, text(data, "label"))
    except Invalid as exc:
        return await unit_page(request, unit_id, form="label", errors=exc.errors, values=data, status=422)
    return unit_redirect(request, unit_id, "relabelled")


@post("/e/{estate:str}/units/{unit_id:uuid}/delete", name="unit_delete", opt=ADMIN)
async def unit_delete(request: Request, unit_id: FromPath[UUID]) -> Template | Redirect:
    try:
        await units.delete(request.state.scope, unit_id)
    except Invalid as exc:
        return await unit_page(request, unit_id, form="page", errors=exc.errors, status=422)
    return done_redirect(request, "units_list", "deleted")


HANDLERS = [units_list, unit_add, units_import_page, units_import, unit_detail, unit_relabel, unit_delete]
