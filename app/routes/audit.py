"""The audit log page: an estate's admins and managers read who did what, filtered and a page
at a time. The log is only read here; entries are written by the services that act."""

from __future__ import annotations

from litestar import Request, get
from litestar.params import FromQuery
from litestar.response import Template

from app.domain.roles import Role
from app.services import audit_log

READERS = {"roles": {Role.ADMIN, Role.MANAGER}}


@get("/e/{estate:str}/audit", name="audit_log", opt=READERS)
async def audit_page(request: Request, family: FromQuery[str] = "", person: FromQuery[str] = "",
                     since: FromQuery[str] = "", until: FromQuery[str] = "",
                     before: FromQuery[int | None] = None) -> Template:
    scope = request.state.scope
    filters = audit_log.Filters(family=family, person=person, since=since, until=until, before=before)
    context = {"scope": scope, "page": await audit_log.listing(scope, filters)}
    if request.htmx and request.htmx.target == "audit-results":
        return Template("audit/_partials/rows.html", context=context)
    return Template("audit/log.html", context=context)


HANDLERS: list = [audit_page]
