"""People of an estate: the admin manages staff and residents, their roles and households;
the front desk adds residents and gives them sign-in links. Lost phones are handled here."""

from __future__ import annotations

from uuid import UUID

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from app.domain.roles import Relation, Role
from app.routes._util import Form, done_redirect, many, text
from app.services import enrolment, people, people_directory
from app.services.errors import Invalid

ADMIN = {"roles": {Role.ADMIN}}
DESK = {"roles": {Role.ADMIN, Role.FRONT_DESK}}






def _common(request: Request) -> dict:
    scope = request.state.scope
    return {"scope": scope, "is_admin": scope.has(Role.ADMIN), "all_roles": list(Role), "relations": list(Relation)}


# The list and a new person -------------------------------------------------------------------


@get("/e/{estate:str}/people", name="people_list", opt=DESK)
async def people_list(request: Request, role: FromQuery[str] = "", q: FromQuery[str] = "",
                      done: FromQuery[str] = "") -> Template:
    scope = request.state.scope
    rows = await people_directory.listing(scope, role=role, q=q)
    context = {**_common(request), "people": rows[:people_directory.LIST_LIMIT],
               "more": len(rows) > people_directory.LIST_LIMIT, "role": role, "q": q, "done": done}
    if request.htmx and request.htmx.target == "people-results":
        return Template("people/_partials/rows.html", context=context)
    return Template("people/list.html", context=context)


def _new_page(request: Request, *, errors=None, values=None, status: int = 200) -> Template:
    return Template("people/new.html", status_code=status, context={
        **_common(request), "errors": errors or {}, "values": values or {},
        "chosen_roles": set(many(values or {}, "roles")),
    })


@get("/e/{estate:str}/people/new", name="person_new", opt=DESK)
async def person_new(request: Request, unit: FromQuery[str] = "") -> Template:
    return _new_page(request, values={"unit": unit, "relation": Relation.OWNER.value} if unit else {})


@post("/e/{estate:str}/people", name="person_create", opt=DESK)
async def person_create(request: Request, data: Form) -> Template | Redirect:
    form = people.PersonForm(
        name=text(data, "name"), phone=text(data, "phone"), roles=tuple(many(data, "roles")),
        unit=text(data, "unit"), relation=text(data, "relation"),
    )
    try:
        person_id = await people.create_in(request.state.scope, form)
    except Invalid as exc:
        return _new_page(request, errors=exc.errors, values=data, status=422)
    return _to_person(request, person_id, "created")


# One person ----------------------------------------------------------------------------------


async def _person_page(request: Request, person_id: UUID, *, form: str = "", errors=None, values=None,
                       status: int = 200, done: str = "", issued=None) -> Template:
    return Template("people/detail.html", status_code=status, context={
        **_common(request), "person": await people_directory.detail(request.state.scope, person_id),
        "form": form, "errors": errors or {}, "values": values or {}, "done": done, "issued": issued,
    })


def _to_person(request: Request, person_id: UUID, done: str) -> Redirect:
    return done_redirect(request, "person_detail", done, person_id=person_id)


@get("/e/{estate:str}/people/{person_id:uuid}", name="person_detail", opt=DESK)
async def person_detail(request: Request, person_id: FromPath[UUID], done: FromQuery[str] = "") -> Template:
    return await _person_page(request, person_id, done=done)


@post("/e/{estate:str}/people/{person_id:uuid}/details", name="person_update", opt=DESK)
async def person_update(request: Request, person_id: FromPath[UUID], data: Form) -> Template | Redirect:
    try:
        await people.update_details(request.state.scope, person_id, text(data, "name"), text(data, "phone"))
    except Invalid as exc:
        return await _person_page(request, person_id, form="details", errors=exc.errors, values=data, status=422)
    return _to_person(request, person_id, "saved")


@post("/e/{estate:str}/people/{person_id:uuid}/roles", name="person_roles", opt=ADMIN)
async def person_roles(request: Request, person_id: FromPath[UUID], data: Form) -> Template | Redirect:
    try:
        await people.set_roles(request.state.scope, person_id, many(data, "roles"))
    except Invalid as exc:
        values = {"roles": set(many(data, "roles"))}
        return await _person_page(request, person_id, form="roles", errors=exc.errors, values=values, status=422)
    return _to_person(request, person_id, "roles")


@post("/e/{estate:str}/people/{person_id:uuid}/households", name="household_add", opt=DESK)
async def household_add(request: Request, person_id: FromPath[UUID], data: Form) -> Template | Redirect:
    try:
        await people.add_household(request.state.scope, person_id, text(data, "unit"), text(data, "relation"))
    except Invalid as exc:
        return await _person_page(request, person_id, form="household", errors=exc.errors, values=data, status=422)
    return _to_person(request, person_id, "household_added")


@post("/e/{estate:str}/people/{person_id:uuid}/households/{unit_id:uuid}/remove", name="household_remove", opt=DESK)
async def household_remove(request: Request, person_id: FromPath[UUID], unit_id: FromPath[UUID]) -> Redirect:
    await people.remove_household(request.state.scope, person_id, unit_id)
    return _to_person(request, person_id, "household_removed")


# Sign-in: links, lost phones, deactivation ---------------------------------------------------


@post("/e/{estate:str}/people/{person_id:uuid}/link", name="person_link", opt=DESK)
async def person_link(request: Request, person_id: FromPath[UUID], data: Form) -> Template:
    issued = await enrolment.issue(request.state.scope, person_id, revoke_old=text(data, "revoke_old") == "yes")
    return await _person_page(request, person_id, issued=issued)


@post("/e/{estate:str}/people/{person_id:uuid}/passkeys/{passkey_id:uuid}/revoke",
      name="person_passkey_revoke", opt=ADMIN)
async def person_passkey_revoke(request: Request, person_id: FromPath[UUID], passkey_id: FromPath[UUID]) -> Redirect:
    await people.revoke_passkey(request.state.scope, person_id, passkey_id)
    return _to_person(request, person_id, "passkey_revoked")


@post("/e/{estate:str}/people/{person_id:uuid}/revoke-all", name="person_revoke_all", opt=ADMIN)
async def person_revoke_all(request: Request, person_id: FromPath[UUID]) -> Template | Redirect:
    try:
        await people.revoke_all(request.state.scope, person_id)
    except Invalid as exc:
        return await _person_page(request, person_id, form="page", errors=exc.errors, status=422)
    return _to_person(request, person_id, "signed_out")


async def _set_active(request: Request, person_id: UUID, active: bool) -> Template | Redirect:
    try:
        await people.set_active(request.state.scope, person_id, active)
    except Invalid as exc:
        return await _person_page(request, person_id, form="page", errors=exc.errors, status=422)
    return _to_person(request, person_id, "reactivated" if active else "deactivated")


@post("/e/{estate:str}/people/{person_id:uuid}/deactivate", name="person_deactivate", opt=ADMIN)
async def person_deactivate(request: Request, person_id: FromPath[UUID]) -> Template | Redirect:
    return await _set_active(request, person_id, False)


@post("/e/{estate:str}/people/{person_id:uuid}/reactivate", name="person_reactivate", opt=ADMIN)
async def person_reactivate(request: Request, person_id: FromPath[UUID]) -> Template | Redirect:
    return await _set_active(request, person_id, True)


HANDLERS = [
    people_list, person_new, person_create, person_detail, person_update, person_roles,
    household_add, household_remove, person_link, person_passkey_revoke, person_revoke_all,
    person_deactivate, person_reactivate,
]
