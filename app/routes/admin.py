"""Admin: estates, buildings, units (with CSV import), gates and lobby desks."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template

from app.domain.roles import Role
from app.routes.access import ANY_ROLE


@get("/admin/estates", name="admin_estates", opt={"roles": {Role.ADMIN}})
async def estates(request: Request) -> Template:
    return Template("admin/estates.html", context={"estates": request.user.estates})


@get("/e/{estate:str}/admin", name="admin_estate", opt={"roles": {Role.ADMIN}})
async def estate(request: Request) -> Template:
    return Template("admin/estate.html", context={"scope": request.state.scope})


@get("/e/{estate:str}/units", name="units_list", opt={"roles": {Role.ADMIN, Role.FRONT_DESK}})
async def units(request: Request) -> Template:
    return Template("admin/estate.html", context={"scope": request.state.scope})


HANDLERS = [estates, estate, units]
