"""Admin: estates, and each estate's set-up page with its buildings, gates and lobby desks.

Units (with the CSV import) are in ``admin_units``; their handlers are listed here too, so
the app registers one list for the admin area.
"""

from __future__ import annotations

from uuid import UUID

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from app.domain.roles import Role
from app.routes import admin_releases, admin_units
from app.routes._util import Form, done_redirect, text
from app.services import estates
from app.services.errors import Invalid

ADMIN = {"roles": {Role.ADMIN}}




def estate_form(data: dict) -> estates.EstateForm:
    return estates.EstateForm(
        name=text(data, "name"), slug=text(data, "slug"),
        timezone=text(data, "timezone") or estates.DEFAULT_TIMEZONE, visitor_rules=text(data, "visitor_rules"),
        consent_timeout=text(data, "consent_timeout"), offline_max_age=text(data, "offline_max_age"),
        retention_years=text(data, "retention_years"),
    )


# All the estates an admin runs, and a new one ------------------------------------------------


async def _estates_page(request: Request, *, errors=None, values=None, status: int = 200) -> Template:
    return Template("admin/estates.html", status_code=status, context={
        "estates": await estates.administered(request.user),
        "default_timezone": estates.DEFAULT_TIMEZONE,
        "errors": errors or {},
        "values": values or {},
    })


@get("/admin/estates", name="admin_estates", opt=ADMIN)
async def estates_page(request: Request) -> Template:
    return await _estates_page(request)


@post("/admin/estates", name="admin_estate_create", opt=ADMIN)
async def estate_create(request: Request, data: Form) -> Template | Redirect:
    try:
        slug = await estates.create(request.user, estate_form(data))
    except Invalid as exc:
        return await _estates_page(request, errors=exc.errors, values=data, status=422)
    return done_redirect(request, "admin_estate", "created", estate=slug)


# One estate's set-up -------------------------------------------------------------------------


async def _estate_page(request: Request, *, form: str = "", errors=None, values=None, status: int = 200,
                       done: str = "") -> Template:
    scope = request.state.scope
    return Template("admin/estate.html", status_code=status, context={
        "scope": scope,
        "estate": scope.estate,
        "settings": await estates.settings(scope),
        "places": await estates.places(scope),
        "form": form,
        "errors": errors or {},
        "values": values or {},
        "done": done,
    })


def _back(request: Request, done: str, anchor: str = "") -> Redirect:
    return done_redirect(request, "admin_estate", done, anchor=anchor)


@get("/e/{estate:str}/admin", name="admin_estate", opt=ADMIN)
async def estate_page(request: Request, done: FromQuery[str] = "") -> Template:
    return await _estate_page(request, done=done)


@post("/e/{estate:str}/admin", name="admin_estate_update", opt=ADMIN)
async def estate_update(request: Request, data: Form) -> Template | Redirect:
    try:
        await estates.update(request.state.scope, estate_form(data))
    except Invalid as exc:
        return await _estate_page(request, form="estate", errors=exc.errors, values=data, status=422)
    return _back(request, "saved")


@post("/e/{estate:str}/admin/buildings", name="building_add", opt=ADMIN)
async def building_add(request: Request, data: Form) -> Template | Redirect:
    try:
        await estates.add_building(request.state.scope, text(data, "code"), text(data, "name"))
    except Invalid as exc:
        return await _estate_page(request, form="building", errors=exc.errors, values=data, status=422)
    return _back(request, "building_added", "#buildings")


async def _building_page(request: Request, building_id: UUID, *, errors=None, values=None,
                         status: int = 200, done: str = "") -> Template:
    scope = request.state.scope
    return Template("admin/building.html", status_code=status, context={
        "scope": scope, "building": await estates.building(scope, building_id),
        "errors": errors or {}, "values": values or {}, "done": done,
    })


@get("/e/{estate:str}/admin/buildings/{building_id:uuid}", name="building_detail", opt=ADMIN)
async def building_detail(request: Request, building_id: FromPath[UUID], done: FromQuery[str] = "") -> Template:
    return await _building_page(request, building_id, done=done)


@post("/e/{estate:str}/admin/buildings/{building_id:uuid}/name", name="building_rename", opt=ADMIN)
async def building_rename(request: Request, building_id: FromPath[UUID], data: Form) -> Template | Redirect:
    try:
        await estates.rename_building(request.state.scope, building_id, text(data, "name"))
    except Invalid as exc:
        return await _building_page(request, building_id, errors=exc.errors, values=data, status=422)
    return _back(request, "renamed", "#buildings")


@post("/e/{estate:str}/admin/buildings/{building_id:uuid}/delete", name="building_delete", opt=ADMIN)
async def building_delete(request: Request, building_id: FromPath[UUID]) -> Template | Redirect:
    try:
        await estates.delete_building(request.state.scope, building_id)
    except Invalid as exc:
        return await _building_page(request, building_id, errors=exc.errors, status=422)
    return _back(request, "deleted", "#buildings")


async def _rename_failed(request: Request, row_id: UUID, exc: Invalid, data: dict) -> Template:
    return await _estate_page(
        request, form="rename", errors={str(row_id): exc.errors.get("name") or next(iter(exc.errors.values()))},
        values={str(row_id): text(data, "name")}, status=422,
    )


# Gates and lobby desks: the same three actions on a name ------------------------------------


async def _add(request: Request, kind: str, data: dict) -> Template | Redirect:
    try:
        await estates.add_named(request.state.scope, kind, text(data, "name"))
    except Invalid as exc:
        return await _estate_page(request, form=kind, errors=exc.errors, values=data, status=422)
    return _back(request, f"{kind}_added", f"#{kind}s")


async def _rename(request: Request, kind: str, row_id: UUID, data: dict) -> Template | Redirect:
    try:
        await estates.rename_named(request.state.scope, kind, row_id, text(data, "name"))
    except Invalid as exc:
        return await _rename_failed(request, row_id, exc, data)
    return _back(request, "renamed", f"#{kind}s")


async def _delete(request: Request, kind: str, row_id: UUID) -> Template | Redirect:
    try:
        await estates.delete_named(request.state.scope, kind, row_id)
    except Invalid as exc:
        return await _estate_page(request, form="page", errors=exc.errors, status=422)
    return _back(request, "deleted", f"#{kind}s")


@post("/e/{estate:str}/admin/gates", name="gate_add", opt=ADMIN)
async def gate_add(request: Request, data: Form) -> Template | Redirect:
    return await _add(request, "gate", data)


@post("/e/{estate:str}/admin/gates/{gate_id:uuid}/name", name="gate_rename", opt=ADMIN)
async def gate_rename(request: Request, gate_id: FromPath[UUID], data: Form) -> Template | Redirect:
    return await _rename(request, "gate", gate_id, data)


@post("/e/{estate:str}/admin/gates/{gate_id:uuid}/delete", name="gate_delete", opt=ADMIN)
async def gate_delete(request: Request, gate_id: FromPath[UUID]) -> Template | Redirect:
    return await _delete(request, "gate", gate_id)


@post("/e/{estate:str}/admin/desks", name="desk_add", opt=ADMIN)
async def desk_add(request: Request, data: Form) -> Template | Redirect:
    return await _add(request, "desk", data)


@post("/e/{estate:str}/admin/desks/{desk_id:uuid}/name", name="desk_rename", opt=ADMIN)
async def desk_rename(request: Request, desk_id: FromPath[UUID], data: Form) -> Template | Redirect:
    return await _rename(request, "desk", desk_id, data)


@post("/e/{estate:str}/admin/desks/{desk_id:uuid}/delete", name="desk_delete", opt=ADMIN)
async def desk_delete(request: Request, desk_id: FromPath[UUID]) -> Template | Redirect:
    return await _delete(request, "desk", desk_id)


HANDLERS = [
    estates_page, estate_create, estate_page, estate_update,
    building_add, building_detail, building_rename, building_delete,
    gate_add, gate_rename, gate_delete, desk_add, desk_rename, desk_delete,
    *admin_units.HANDLERS,
    *admin_releases.HANDLERS,
]
