"""The supervisor's review of guard actions: conflicts found when actions taken with no signal
arrived, kept actions the server refused, and phones whose clocks are off."""

from __future__ import annotations

from uuid import UUID

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from app.domain.roles import Role
from app.routes._util import Form, done_redirect, text
from app.services import reviews

REVIEWERS = {"roles": {Role.SUPERVISOR, Role.MANAGER}}


@get("/e/{estate:str}/reviews", name="review_list", opt=REVIEWERS)
async def review_list(request: Request, done: FromQuery[str] = "") -> Template:
    scope = request.state.scope
    return Template("reviews/list.html", context={
        "scope": scope, "items": await reviews.open_items(scope), "clocks": await reviews.wrong_clocks(scope),
        "done": done,
    })


@post("/e/{estate:str}/reviews/{item_id:uuid}/resolve", name="review_resolve", opt=REVIEWERS)
async def review_resolve(request: Request, item_id: FromPath[UUID], data: Form) -> Response:
    resolved = await reviews.resolve(request.state.scope, item_id, text(data, "note"))
    return done_redirect(request, "review_list", "resolved" if resolved else "already_resolved")


HANDLERS = [review_list, review_resolve]
