"""Disclosure of visitor records: a manager records a hand-over to an authority (with a photo of
the document shown) and downloads the extract; managers and admins list past disclosures, each
with exactly what was handed over (a printable page and the stored CSV); the front desk records
a resident's look-up of their own household's visitors."""

from __future__ import annotations

from uuid import UUID

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from app import i18n
from app.domain import disclosure as rules
from app.domain import images
from app.domain.roles import Role
from app.routes._util import Form, MultipartForm, done_redirect, text
from app.routes.releases import _file
from app.services import disclosures as service
from app.services.errors import Invalid

MANAGER = {"roles": {Role.MANAGER}}
VIEWERS = {"roles": {Role.MANAGER, Role.ADMIN}}
READERS = {"roles": {Role.MANAGER, Role.ADMIN, Role.FRONT_DESK}}
DESK = {"roles": {Role.FRONT_DESK}}
MAX_FORM_BYTES = 2 * images.MAX_BYTES
NO_STORE = {"cache-control": "no-store"}
FIELDS = ("authority", "authority_name", "officer_name", "officer_badge", "case_reference", "document",
          "asked_name", "asked_phone", "asked_id_number", "unit", "since", "until", "handed_over", "resident")


def _request(data: dict) -> rules.Request:
    return rules.Request(**{k: text(data, k) for k in FIELDS})


def _typed(data: dict) -> dict:
    return {k: text(data, k) for k in (*FIELDS, "kept_photo")}


@get("/e/{estate:str}/disclosures", name="disclosure_list", opt=VIEWERS)
async def disclosure_list(request: Request) -> Template:
    scope = request.state.scope
    return Template("disclosures/list.html", headers=NO_STORE, context={
        "scope": scope, "past": await service.past(scope), "can_record": scope.has(Role.MANAGER),
        "authorities": rules.AUTHORITY_NAMES, "kinds": rules.KIND_NAMES,
    })


def _form(request: Request, *, values=None, errors=None, status: int = 200) -> Template:
    return Template("disclosures/new.html", status_code=status, headers=NO_STORE, context={
        "scope": request.state.scope, "values": values or {}, "errors": errors or {},
        "authorities": rules.AUTHORITY_NAMES,
    })


@get("/e/{estate:str}/disclosures/new", name="disclosure_new", opt=MANAGER)
async def disclosure_new(request: Request) -> Template:
    return _form(request)


@post("/e/{estate:str}/disclosures", name="disclosure_create", opt=MANAGER, request_max_body_size=MAX_FORM_BYTES)
async def disclosure_create(request: Request, data: MultipartForm) -> Template | Redirect:
    try:
        disclosure_id = await service.record_authority(
            request.state.scope, _request(data), photo=await _file(data, "document_photo"),
            kept_photo=text(data, "kept_photo"), language=i18n.current_language())
    except service.InvalidKept as exc:
        values = _typed(data)
        values["kept_photo"] = str(exc.kept) if exc.kept else ""
        return _form(request, values=values, errors=exc.errors, status=422)
    return done_redirect(request, "disclosure_detail", "recorded", disclosure_id=disclosure_id)


@get("/e/{estate:str}/disclosures/kept/{upload_id:uuid}", name="disclosure_kept_photo", opt=MANAGER)
async def disclosure_kept_photo(request: Request, upload_id: FromPath[UUID]) -> Response:
    data = await service.kept_photo(request.state.scope, upload_id)
    return Response(data, media_type="image/jpeg", headers={"cache-control": "private, no-store"})


@get("/e/{estate:str}/disclosures/{disclosure_id:uuid}", name="disclosure_detail", opt=READERS)
async def disclosure_detail(request: Request, disclosure_id: FromPath[UUID], done: FromQuery[str] = "") -> Template:
    scope = request.state.scope
    shown = await service.detail(scope, disclosure_id)
    return Template("disclosures/detail.html", headers=NO_STORE, context={
        "scope": scope, "d": shown.row, "lines": shown.lines, "done": done,
        "authorities": rules.AUTHORITY_NAMES, "kinds": rules.KIND_NAMES,
        "can_see_photo": scope.has(Role.MANAGER, Role.ADMIN),
    })


@get("/e/{estate:str}/disclosures/{disclosure_id:uuid}/extract.csv", name="disclosure_csv", opt=READERS)
async def disclosure_csv(request: Request, disclosure_id: FromPath[UUID]) -> Response:
    data, row = await service.extract(request.state.scope, disclosure_id)
    name = f"disclosure-{row['created_at']:%Y%m%d}-{str(row['id'])[:8]}.csv"
    return Response(data, media_type="text/csv; charset=utf-8", headers={
        "content-disposition": f'attachment; filename="{name}"', "cache-control": "no-store",
        "x-content-sha256": row["extract_sha256"],
    })


@get("/e/{estate:str}/disclosures/{disclosure_id:uuid}/document", name="disclosure_document", opt=VIEWERS)
async def disclosure_document(request: Request, disclosure_id: FromPath[UUID]) -> Response:
    data = await service.document_photo(request.state.scope, disclosure_id)
    return Response(data, media_type="image/jpeg", headers={"cache-control": "private, no-store"})


async def _lookup_form(request: Request, *, values=None, errors=None, status: int = 200) -> Template:
    scope, values = request.state.scope, values or {}
    return Template("disclosures/lookup.html", status_code=status, headers=NO_STORE, context={
        "scope": scope, "values": values, "errors": errors or {},
        "home": await service.household(scope, values.get("unit", "")),
    })


@get("/e/{estate:str}/desk/record-checks/household", name="resident_lookup_household", opt=DESK)
async def resident_lookup_household(request: Request, unit: FromQuery[str] = "",
                                    resident: FromQuery[str] = "") -> Template:
    """The household of the unit the desk is typing: the residents to choose from (the one
    chosen stays chosen)."""
    scope = request.state.scope
    return Template("disclosures/_partials/household.html", headers=NO_STORE, context={
        "scope": scope, "values": {"unit": unit, "resident": resident}, "errors": {},
        "home": await service.household(scope, unit),
    })


@get("/e/{estate:str}/desk/record-checks/new", name="resident_lookup_new", opt=DESK)
async def resident_lookup_new(request: Request) -> Template:
    return await _lookup_form(request)


@post("/e/{estate:str}/desk/record-checks", name="resident_lookup_create", opt=DESK)
async def resident_lookup_create(request: Request, data: Form) -> Template | Redirect:
    try:
        disclosure_id = await service.record_resident_lookup(request.state.scope, _request(data),
                                                             language=i18n.current_language())
    except Invalid as exc:
        return await _lookup_form(request, values=_typed(data), errors=exc.errors, status=422)
    return done_redirect(request, "disclosure_detail", "shown", disclosure_id=disclosure_id)


HANDLERS: list = [disclosure_list, disclosure_new, disclosure_create, disclosure_kept_photo, disclosure_detail,
                  disclosure_csv, disclosure_document, resident_lookup_new, resident_lookup_household,
                  resident_lookup_create]
