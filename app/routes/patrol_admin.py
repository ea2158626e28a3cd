"""Checkpoints, their printed tags, and routes with their schedules: kept by the estate's admin
and supervisors (managers too)."""

from __future__ import annotations

from uuid import UUID

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from app.domain import inputs
from app.domain.patrol import KIND_LABELS, CheckpointKind
from app.domain.roles import Role
from app.i18n import gettext
from app.routes._util import Form, done_redirect, text
from app.routes.invitations import render_qr
from app.services import patrol_setup as setup
from app.services.errors import Invalid

KEEPERS = {"roles": {Role.ADMIN, Role.SUPERVISOR, Role.MANAGER}}
NO_STORE = {"cache-control": "private, no-store"}


def _kinds() -> list[tuple[str, str]]:
    return [(k.value, KIND_LABELS[k]) for k in CheckpointKind]


def _checkpoint_form(data: dict) -> setup.CheckpointForm:
    kind = text(data, "kind")
    checklist = text(data, "checklist")
    if not checklist.strip():  # blank: the usual questions for the kind, in the keeper's language
        checklist = "\n".join(gettext(q) for q in setup.default_checklist(kind))
    return setup.CheckpointForm(name=text(data, "name"), place=text(data, "place"), kind=kind, checklist=checklist)


async def _checkpoints_page(request: Request, *, errors=None, values=None, done: str = "", status: int = 200) -> Template:
    scope = request.state.scope
    return Template("patrol/checkpoints.html", status_code=status, context={
        "scope": scope, "checkpoints": await setup.checkpoints(scope), "kinds": _kinds(),
        "defaults": {k.value: [gettext(q) for q in setup.default_checklist(k.value)] for k in CheckpointKind},
        "errors": errors or {}, "values": values or {}, "done": done,
    })


@get("/e/{estate:str}/patrol/checkpoints", name="patrol_checkpoints", opt=KEEPERS)
async def patrol_checkpoints(request: Request, done: FromQuery[str] = "") -> Template:
    return await _checkpoints_page(request, done=done)


@post("/e/{estate:str}/patrol/checkpoints", name="patrol_checkpoint_add", opt=KEEPERS)
async def patrol_checkpoint_add(request: Request, data: Form) -> Template | Redirect:
    try:
        await setup.add_checkpoint(request.state.scope, _checkpoint_form(data))
    except Invalid as exc:
        return await _checkpoints_page(request, errors=exc.errors, values=data, status=422)
    return done_redirect(request, "patrol_checkpoints", "added")


async def _checkpoint_page(request: Request, checkpoint_id: UUID, *, errors=None, values=None, status: int = 200) -> Template:
    scope = request.state.scope
    row = await setup.checkpoint(scope, checkpoint_id)
    return Template("patrol/checkpoint.html", status_code=status, context={
        "scope": scope, "c": row, "kinds": _kinds(), "errors": errors or {},
        "values": values if values is not None else {
            "name": row["name"], "place": row["place"], "kind": row["kind"], "checklist": row["checklist"],
            "active": "yes" if row["active"] else "",
        },
    })


@get("/e/{estate:str}/patrol/checkpoints/{checkpoint_id:uuid}", name="patrol_checkpoint", opt=KEEPERS)
async def patrol_checkpoint(request: Request, checkpoint_id: FromPath[UUID]) -> Template:
    return await _checkpoint_page(request, checkpoint_id)


@post("/e/{estate:str}/patrol/checkpoints/{checkpoint_id:uuid}", name="patrol_checkpoint_save", opt=KEEPERS)
async def patrol_checkpoint_save(request: Request, checkpoint_id: FromPath[UUID], data: Form) -> Template | Redirect:
    try:
        await setup.update_checkpoint(request.state.scope, checkpoint_id, _checkpoint_form(data),
                                      active=text(data, "active") == "yes")
    except Invalid as exc:
        return await _checkpoint_page(request, checkpoint_id, errors=exc.errors, values=data, status=422)
    return done_redirect(request, "patrol_checkpoints", "saved")


@get("/e/{estate:str}/patrol/tags", name="patrol_tags", opt=KEEPERS)
async def patrol_tags(request: Request, checkpoint: FromQuery[list[str] | None] = None) -> Template:
    """The printable A4 sheet of tags: every active checkpoint (or those asked for), six a page."""
    scope = request.state.scope
    tags = await setup.tags(scope, checkpoint)
    for tag in tags:
        tag["qr"] = render_qr(tag["token"])
    return Template("patrol/tags.html", headers=NO_STORE, context={"scope": scope, "tags": tags,
                                                                  "kind_labels": dict(_kinds())})


# Routes --------------------------------------------------------------------------------------


def _route_form(data: dict, checkpoint_ids: list[str]) -> setup.RouteForm:
    """The chosen checkpoints, ordered by the number typed beside each (blank: not on the route)."""
    chosen = []
    for cid in checkpoint_ids:
        position = inputs.whole_number(text(data, f"pos_{cid}"), 0, 9999)
        if position is not None:
            chosen.append((position, cid))
    return setup.RouteForm(
        name=text(data, "name"), ordered=text(data, "ordered") == "yes", every_minutes=text(data, "every_minutes"),
        shift_from=text(data, "shift_from"), shift_until=text(data, "shift_until"),
        checkpoints=[cid for _, cid in sorted(chosen)],
    )


async def _routes_page(request: Request, *, errors=None, values=None, done: str = "", status: int = 200) -> Template:
    scope = request.state.scope
    return Template("patrol/routes.html", status_code=status, context={
        "scope": scope, "routes": await setup.routes(scope), "checkpoints": await setup.checkpoints(scope, active_only=True),
        "errors": errors or {}, "values": values if values is not None else {
            "every_minutes": "60", "shift_from": "00:00", "shift_until": "00:00"},
        "done": done,
    })


@get("/e/{estate:str}/patrol/routes", name="patrol_routes", opt=KEEPERS)
async def patrol_routes(request: Request, done: FromQuery[str] = "") -> Template:
    return await _routes_page(request, done=done)


@post("/e/{estate:str}/patrol/routes", name="patrol_route_add", opt=KEEPERS)
async def patrol_route_add(request: Request, data: Form) -> Template | Redirect:
    scope = request.state.scope
    ids = [str(c["id"]) for c in await setup.checkpoints(scope)]
    try:
        await setup.add_route(scope, _route_form(data, ids))
    except Invalid as exc:
        return await _routes_page(request, errors=exc.errors, values=data, status=422)
    return done_redirect(request, "patrol_routes", "added")


async def _route_page(request: Request, route_id: UUID, *, errors=None, values=None, status: int = 200) -> Template:
    scope = request.state.scope
    row = await setup.route(scope, route_id)
    if values is None:
        values = {"name": row["name"], "ordered": "yes" if row["ordered"] else "",
                  "every_minutes": str(row["every_minutes"]), "shift_from": row["shift_from"],
                  "shift_until": row["shift_until"], "active": "yes" if row["active"] else ""}
        values.update({f"pos_{s['id']}": str(i + 1) for i, s in enumerate(row["stops"])})
    return Template("patrol/route.html", status_code=status, context={
        "scope": scope, "r": row, "checkpoints": await setup.checkpoints(scope, active_only=True),
        "errors": errors or {}, "values": values,
    })


@get("/e/{estate:str}/patrol/routes/{route_id:uuid}", name="patrol_route", opt=KEEPERS)
async def patrol_route(request: Request, route_id: FromPath[UUID]) -> Template:
    return await _route_page(request, route_id)


@post("/e/{estate:str}/patrol/routes/{route_id:uuid}", name="patrol_route_save", opt=KEEPERS)
async def patrol_route_save(request: Request, route_id: FromPath[UUID], data: Form) -> Template | Redirect:
    scope = request.state.scope
    ids = [str(c["id"]) for c in await setup.checkpoints(scope)]
    try:
        await setup.update_route(scope, route_id, _route_form(data, ids), active=text(data, "active") == "yes")
    except Invalid as exc:
        return await _route_page(request, route_id, errors=exc.errors, values=data, status=422)
    return done_redirect(request, "patrol_routes", "saved")


HANDLERS = [patrol_checkpoints, patrol_checkpoint_add, patrol_checkpoint, patrol_checkpoint_save, patrol_tags,
            patrol_routes, patrol_route_add, patrol_route, patrol_route_save]
