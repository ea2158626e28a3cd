"""Invitations: the resident's invite form, their household's passes and visitor history, and the
guest's public pass page (no account, reached by its link alone)."""

from __future__ import annotations

from functools import lru_cache
from uuid import UUID

import segno
from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from markupsafe import Markup

from app.domain.roles import Role
from app.routes._util import Form, client_ip, done_redirect
from app.routes.access import PUBLIC
from app.services import invitations
from app.services.errors import Invalid

RESIDENT = {"roles": {Role.RESIDENT}}
# The guest's page: never kept by a browser or proxy, and the link never leaks onwards in a
# Referer header (it is the pass itself).
PASS_HEADERS = {"cache-control": "no-store", "referrer-policy": "no-referrer"}
QR_MAX_VERSION = 7


@lru_cache(maxsize=256)
def render_qr(content: str) -> Markup:
    """A QR code as inline SVG (``<svg data-qr>``, black on white, quiet zone of 4), error
    correction M. The pass token keeps it at version 6; a change that grew it past 7 (too dense
    for a cheap phone reading another phone's screen) fails here rather than at the gate.

    Kept for the codes drawn lately: choosing the mask costs a few milliseconds a code, and the
    same codes are drawn again (a pass page opened twice, a sheet of checkpoint tags reprinted;
    the codes are signed deterministically)."""
    qr = segno.make(content, error="m", boost_error=False)
    if qr.version > QR_MAX_VERSION:
        raise ValueError(f"QR version {qr.version} is above {QR_MAX_VERSION}")
    svg = qr.svg_inline(scale=8, dark="#000", light="#fff", border=4, omitsize=True, svgclass="qr")
    return Markup(svg.replace("<svg ", '<svg data-qr aria-hidden="true" ', 1))


@get("/e/{estate:str}/invitations", name="invitation_list", opt=RESIDENT)
async def invitation_list(request: Request, done: FromQuery[str] = "") -> Template:
    scope = request.state.scope
    return Template("invitations/list.html", context={
        "scope": scope, "listing": await invitations.listing(scope), "done": done,
    })


async def _form_page(request: Request, *, values=None, errors=None, status: int = 200) -> Template:
    scope = request.state.scope
    form = await invitations.new_form(scope)
    return Template("invitations/new.html", status_code=status, context={
        "scope": scope, "units": form["units"], "values": values if values is not None else form["values"],
        "errors": errors or {},
    })


@get("/e/{estate:str}/invitations/new", name="invitation_new", opt=RESIDENT)
async def invitation_new(request: Request) -> Template:
    return await _form_page(request)


@post("/e/{estate:str}/invitations", name="invitation_create", opt=RESIDENT)
async def invitation_create(request: Request, data: Form) -> Template | Redirect:
    try:
        pass_id = await invitations.create(request.state.scope, data)
    except Invalid as exc:
        values = dict(data)
        if not isinstance(values.get("weekdays", []), list):
            values["weekdays"] = [values["weekdays"]]
        values.setdefault("weekdays", [])
        return await _form_page(request, values=values, errors=exc.errors, status=422)
    return done_redirect(request, "invitation_detail", "created", pass_id=pass_id)


@get("/e/{estate:str}/invitations/{pass_id:uuid}", name="invitation_detail", opt=RESIDENT)
async def invitation_detail(request: Request, pass_id: FromPath[UUID], done: FromQuery[str] = "") -> Template:
    scope = request.state.scope
    view = await invitations.detail(scope, pass_id)
    return Template("invitations/detail.html", context={
        "scope": scope, "p": view, "done": done, "share_url": invitations.pass_url(view.id),
        "qr": render_qr(await invitations.qr_token(scope.estate_id, view.id)) if view.status.usable else "",
    })


@post("/e/{estate:str}/invitations/{pass_id:uuid}/revoke", name="invitation_revoke", opt=RESIDENT)
async def invitation_revoke(request: Request, pass_id: FromPath[UUID]) -> Redirect:
    await invitations.revoke(request.state.scope, pass_id)
    return done_redirect(request, "invitation_detail", "revoked", pass_id=pass_id)


@get("/e/{estate:str}/history", name="household_history", opt=RESIDENT)
async def household_history(request: Request, since: FromQuery[str] = "", until: FromQuery[str] = "") -> Template:
    scope = request.state.scope
    return Template("invitations/history.html", context={
        "scope": scope, "history": await invitations.history(scope, since=since, until=until),
        "since": since, "until": until,
    })


@get("/p/{token:str}", name="pass_page", opt={"roles": PUBLIC})
async def pass_page(request: Request, token: FromPath[str]) -> Template:
    found = await invitations.public_pass(token, client_ip(request))
    if not found.found:
        return Template("pass/gone.html", context={"revoked": False}, status_code=404, headers=PASS_HEADERS)
    if found.revoked:
        return Template("pass/gone.html", context={"revoked": True}, headers=PASS_HEADERS)
    return Template("pass/pass.html", headers=PASS_HEADERS, context={
        "found": found, "p": found.view, "tz": found.timezone, "qr": render_qr(found.qr_token),
    })


HANDLERS = [invitation_list, invitation_new, invitation_create, invitation_detail, invitation_revoke,
            household_history, pass_page]
