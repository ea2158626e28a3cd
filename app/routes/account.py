"""A person's own account: passkeys (list, add, rename, revoke), language, sign-out."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from app import i18n
from app.routes._util import Form, done_redirect, safe_next, user_agent
from app.routes.access import PUBLIC, SIGNED_IN
from app.routes.middleware import LANGUAGE_COOKIE
from app.services import passkeys, people
from app.services.errors import Invalid


async def _account_page(request: Request, *, errors: dict | None = None, values: dict | None = None,
                        status: int = 200, flash: str | None = None) -> Template:
    return Template(
        "account/account.html",
        context={
            "passkeys": await passkeys.list_for(request.user.person_id),
            "errors": errors or {},
            "values": values or {},
            "flash": flash,
        },
        status_code=status,
    )


@get("/account", name="account", opt={"roles": SIGNED_IN})
async def account_page(request: Request, done: FromQuery[str | None] = None) -> Template:
    flash = {"added": "added", "renamed": "renamed", "revoked": "revoked"}.get(done or "")
    return await _account_page(request, flash=flash)


@post("/account/passkeys/{passkey_id:uuid}/name", name="passkey_rename", opt={"roles": SIGNED_IN})
async def passkey_rename(request: Request, passkey_id: FromPath[UUID], data: Form) -> Template | Redirect:
    try:
        await passkeys.rename(request.user.person_id, passkey_id, data.get("name", ""))
    except Invalid as exc:
        return await _account_page(
            request, errors={str(passkey_id): exc.errors["name"]},
            values={str(passkey_id): data.get("name", "")}, status=422,
        )
    return done_redirect(request, "account", "renamed")


@post("/account/passkeys/{passkey_id:uuid}/revoke", name="passkey_revoke", opt={"roles": SIGNED_IN})
async def passkey_revoke(request: Request, passkey_id: FromPath[UUID]) -> Redirect:
    await passkeys.revoke(request.user.person_id, request.user.person_id, passkey_id)
    return done_redirect(request, "account", "revoked")


@post("/account/passkeys/options", name="passkey_add_options", opt={"roles": SIGNED_IN})
async def passkey_add_options(request: Request) -> dict[str, Any]:
    return await passkeys.add_options(request.user.person_id)


@post("/account/passkeys/verify", name="passkey_add_verify", opt={"roles": SIGNED_IN})
async def passkey_add_verify(request: Request, data: JSONBody[dict[str, Any]]) -> dict[str, str]:
    credential = data.get("credential")
    if not isinstance(credential, dict):
        raise Invalid({"__all__": passkeys.FAILED})
    await passkeys.complete_add(
        request.user.person_id, str(data.get("challengeId", "")), credential, user_agent(request)
    )
    return {"redirect": request.app.route_reverse("account") + "?done=added"}


@post("/language", name="set_language", opt={"roles": PUBLIC})
async def set_language(request: Request, data: Form) -> Response:
    language = data.get("language", "")
    if request.user is not None:
        await people.set_locale(request.user.person_id, language)  # refuses an unoffered one
    target = safe_next(data.get("next"))
    response: Response = ClientRedirect(target) if request.htmx else Redirect(target, status_code=303)
    if language in i18n.LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 86400, samesite="lax", httponly=True)
    return response


HANDLERS = [
    account_page, passkey_rename, passkey_revoke, passkey_add_options, passkey_add_verify, set_language,
]
