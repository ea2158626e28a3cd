"""Home pages: the estate chooser and each person's home with their roles' main actions."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Redirect, Template

from app.routes.access import ANY_ROLE, PUBLIC, SIGNED_IN
from app.services import home


@get("/", name="root", opt={"roles": SIGNED_IN})
async def root(request: Request) -> Template | Redirect:
    estates = request.user.estates
    if len(estates) == 1:
        return Redirect(request.app.route_reverse("estate_home", estate=estates[0].slug), status_code=303)
    return Template("home/choose_estate.html", context={"estates": estates})


@get("/e/{estate:str}/", name="estate_home", opt={"roles": ANY_ROLE})
async def estate_home(request: Request) -> Template:
    scope = request.state.scope
    return Template("home/home.html", context={"home": await home.overview(scope), "scope": scope})


@get("/healthz", name="healthz", opt={"roles": PUBLIC}, include_in_schema=False)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


HANDLERS = [root, estate_home, healthz]
