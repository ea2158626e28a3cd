"""The lobby tablet: today's expected visitors, refreshing by itself.

The page holds the list as a partial that polls ``lobby_list`` every 10 s; an unchanged list
answers 304 (``PollTemplate``), so a tablet left on the desk all day costs almost nothing.
"""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template

from app.domain.roles import Role
from app.routes._util import PollTemplate
from app.services import lobby

DESK = {"roles": {Role.FRONT_DESK, Role.MANAGER, Role.SUPERVISOR}}


async def _context(request: Request) -> dict:
    scope = request.state.scope
    return {"scope": scope, "day": await lobby.today(scope)}


@get("/e/{estate:str}/lobby", name="lobby", opt=DESK)
async def lobby_page(request: Request) -> Template:
    return Template("lobby/lobby.html", context=await _context(request))


@get("/e/{estate:str}/lobby/list", name="lobby_list", opt=DESK)
async def lobby_list(request: Request) -> PollTemplate:
    return PollTemplate("lobby/_partials/list.html", context=await _context(request))


HANDLERS: list = [lobby_page, lobby_list]
