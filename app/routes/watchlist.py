"""The watchlist pages: front desk, managers and supervisors browse, add and remove entries.

Guards never browse the list: they meet an entry only as a warning when a match comes up at
registration or scanning (``services.watchlist.matches``).
"""

from __future__ import annotations

from uuid import UUID

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from app.domain.roles import Role
from app.routes._util import Form, done_redirect, text
from app.services import watchlist
from app.services.errors import Invalid

KEEPERS = {"roles": {Role.FRONT_DESK, Role.MANAGER, Role.SUPERVISOR}}
FIELDS = ("name", "id_number", "phone", "reason", "until")


async def _page(request: Request, *, q: str = "", done: str = "", errors=None, values=None,
                status: int = 200) -> Template:
    scope = request.state.scope
    context = {
        "scope": scope, "q": q, "done": done, "errors": errors or {}, "values": values or {},
        "entries": await watchlist.listing(scope, q),
    }
    if request.htmx and request.htmx.target == "watchlist-results":
        return Template("watchlist/_partials/rows.html", context=context)
    return Template("watchlist/list.html", context=context, status_code=status)


@get("/e/{estate:str}/watchlist", name="watchlist", opt=KEEPERS)
async def watchlist_page(request: Request, q: FromQuery[str] = "", done: FromQuery[str] = "") -> Template:
    return await _page(request, q=q, done=done)


@post("/e/{estate:str}/watchlist", name="watchlist_add", opt=KEEPERS)
async def watchlist_add(request: Request, data: Form) -> Template | Redirect:
    values = {key: text(data, key) for key in FIELDS}
    try:
        await watchlist.add(request.state.scope, **values)
    except Invalid as exc:
        return await _page(request, errors=exc.errors, values=values, status=422)
    return done_redirect(request, "watchlist", "added")


@post("/e/{estate:str}/watchlist/{entry_id:uuid}/remove", name="watchlist_remove", opt=KEEPERS)
async def watchlist_remove(request: Request, entry_id: FromPath[UUID]) -> Redirect:
    await watchlist.remove(request.state.scope, entry_id)
    return done_redirect(request, "watchlist", "removed")


HANDLERS: list = [watchlist_page, watchlist_add, watchlist_remove]
