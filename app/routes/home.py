"""Home pages: the estate chooser and each person's home with their roles' main actions."""

from __future__ import annotations

from litestar import Request, Response, get
from litestar.datastructures import CacheControlHeader
from litestar.response import Redirect, Template

from app.routes.access import ANY_ROLE, GUARD_ROLES, PUBLIC, SIGNED_IN
from app.services import home, schema


@get("/", name="root", opt={"roles": SIGNED_IN})
async def root(request: Request) -> Template | Redirect:
    estates = request.user.estates
    if len(estates) == 1:
        return Redirect(request.app.route_reverse("estate_home", estate=estates[0].slug), status_code=303)
    return Template("home/choose_estate.html", context={"estates": estates})


@get("/e/{estate:str}/", name="estate_home", opt={"roles": ANY_ROLE, "offline": GUARD_ROLES})
async def estate_home(request: Request) -> Template:
    scope = request.state.scope
    return Template("home/home.html", context={"home": await home.overview(scope), "scope": scope})


@get("/healthz", name="healthz", opt={"roles": PUBLIC, "exclude_from_csrf": True}, include_in_schema=False,
     cache_control=CacheControlHeader(no_store=True))
async def healthz() -> Response[dict[str, str]]:
    """For the proxy and monitoring: 200 when the database answers and carries every migration,
    503 otherwise, with one word saying which; nothing else. No CSRF cookie: a monitor keeps none."""
    status = await schema.health()
    return Response({"status": status}, status_code=200 if status == "ok" else 503)


HANDLERS = [root, estate_home, healthz]
