"""Admin: the estate's goods-release rules and its working-day calendar (holidays, and weekend
days worked in their place). Registered through ``admin.HANDLERS``."""

from __future__ import annotations

from uuid import UUID

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from app.domain.roles import Role
from app.routes._util import Form, done_redirect, text
from app.services import release_settings
from app.services.errors import Invalid

ADMIN = {"roles": {Role.ADMIN}}


async def _page(request: Request, *, form: str = "", errors=None, values=None, done: str = "",
                status: int = 200) -> Template:
    scope = request.state.scope
    return Template("admin/goods_release.html", status_code=status, context={
        "scope": scope, **(await release_settings.settings(scope)), "form": form, "errors": errors or {},
        "values": values or {}, "done": done,
    })


@get("/e/{estate:str}/admin/goods-release", name="admin_goods_release", opt=ADMIN)
async def admin_goods_release(request: Request, done: FromQuery[str] = "") -> Template:
    return await _page(request, done=done)


@post("/e/{estate:str}/admin/goods-release", name="admin_goods_release_rules", opt=ADMIN)
async def admin_goods_release_rules(request: Request, data: Form) -> Template | Redirect:
    form = release_settings.RulesForm(
        consent_required=text(data, "consent_required") == "yes", arrears_block=text(data, "arrears_block") == "yes",
        notice_days=text(data, "notice_days"), large_from=text(data, "large_from"),
        large_until=text(data, "large_until"), large_working_days=text(data, "large_working_days") == "yes",
    )
    try:
        await release_settings.update_rules(request.state.scope, form)
    except Invalid as exc:
        return await _page(request, form="rules", errors=exc.errors, values=data, status=422)
    return done_redirect(request, "admin_goods_release", "saved")


@post("/e/{estate:str}/admin/calendar", name="calendar_day_add", opt=ADMIN)
async def calendar_day_add(request: Request, data: Form) -> Template | Redirect:
    try:
        await release_settings.add_day(request.state.scope, text(data, "day"), text(data, "working") == "yes",
                                       text(data, "day_name"))
    except Invalid as exc:
        return await _page(request, form="day", errors=exc.errors, values=data, status=422)
    return done_redirect(request, "admin_goods_release", "day_added", anchor="#calendar")


@post("/e/{estate:str}/admin/calendar/{day_id:uuid}/delete", name="calendar_day_remove", opt=ADMIN)
async def calendar_day_remove(request: Request, day_id: FromPath[UUID]) -> Redirect:
    await release_settings.remove_day(request.state.scope, day_id)
    return done_redirect(request, "admin_goods_release", "day_removed", anchor="#calendar")


HANDLERS = [admin_goods_release, admin_goods_release_rules, calendar_day_add, calendar_day_remove]
