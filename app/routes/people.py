"""People of an estate: admin manages staff and residents; front desk enrols residents."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template

from app.domain.roles import Role


@get("/e/{estate:str}/people", name="people_list", opt={"roles": {Role.ADMIN, Role.FRONT_DESK}})
async def people_list(request: Request) -> Template:
    return Template("admin/estate.html", context={"scope": request.state.scope})


HANDLERS = [people_list]
