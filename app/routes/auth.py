"""Sign-in with a passkey, enrolment from a one-time link, sign-out."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Redirect, Template

from app.domain.links import LinkState
from app.routes._util import (
    clear_session_cookie,
    client_ip,
    safe_next,
    set_session_cookie,
    user_agent,
)
from app.routes.access import PUBLIC, SIGNED_IN
from app.services import enrolment, passkeys, ratelimit, sessions
from app.services.errors import Invalid


@get("/signin", name="signin", opt={"roles": PUBLIC})
async def signin_page(request: Request, next: FromQuery[str | None] = None) -> Template | Redirect:
    if request.user is not None:
        return Redirect(safe_next(next), status_code=303)
    return Template("auth/signin.html", context={"next": safe_next(next)})


@post("/signin/options", name="signin_options", opt={"roles": PUBLIC})
async def signin_options(request: Request) -> dict[str, Any]:
    await ratelimit.attempt(f"sign_in:ip:{client_ip(request)}")
    return await passkeys.sign_in_options()


@post("/signin/verify", name="signin_verify", opt={"roles": PUBLIC})
async def signin_verify(request: Request, data: JSONBody[dict[str, Any]]) -> Response:
    credential = data.get("credential")
    if not isinstance(credential, dict):
        raise Invalid({"__all__": passkeys.FAILED})
    # Counted per account *and* address: someone hammering a person's passkey from elsewhere
    # slows only themselves, and the owner still signs in from their own phone.
    address = client_ip(request)
    owner = await passkeys.credential_owner(credential)
    await ratelimit.attempt(
        f"sign_in_verify:ip:{address}", *([f"sign_in:person:{owner}:ip:{address}"] if owner else [])
    )
    token = await passkeys.complete_sign_in(str(data.get("challengeId", "")), credential, user_agent(request))
    return set_session_cookie(Response({"redirect": safe_next(data.get("next"))}), token)


@get("/enrol/{token:str}", name="enrol", opt={"roles": PUBLIC})
async def enrol_page(request: Request, token: FromPath[str]) -> Template:
    link = await enrolment.check(token, client_ip(request))
    if link.state is not LinkState.USABLE:
        status = 404 if link.state is LinkState.UNKNOWN else 410
        return Template("auth/enrol_invalid.html", context={"state": link.state.value}, status_code=status)
    return Template("auth/enrol.html", context={"link": link, "token": token})


@post("/enrol/{token:str}/options", name="enrol_options", opt={"roles": PUBLIC})
async def enrol_options(request: Request, token: FromPath[str]) -> dict[str, Any]:
    address = client_ip(request)
    await ratelimit.attempt(f"enrol:ip:{address}", f"enrol:link:{token[:16]}")
    return await passkeys.enrolment_options(token, address)


@post("/enrol/{token:str}/verify", name="enrol_verify", opt={"roles": PUBLIC})
async def enrol_verify(request: Request, token: FromPath[str], data: JSONBody[dict[str, Any]]) -> Response:
    address = client_ip(request)
    await ratelimit.attempt(f"enrol:ip:{address}", f"enrol:link:{token[:16]}")
    credential = data.get("credential")
    if not isinstance(credential, dict):
        raise Invalid({"__all__": passkeys.FAILED})
    session_token = await passkeys.complete_enrolment(
        token, str(data.get("challengeId", "")), credential, user_agent(request), address
    )
    return set_session_cookie(Response({"redirect": "/"}), session_token)


@post("/signout", name="signout", opt={"roles": SIGNED_IN})
async def signout(request: Request) -> Redirect:
    await sessions.end(request.user.session_id)
    return clear_session_cookie(Redirect("/signin", status_code=303))  # type: ignore[return-value]


HANDLERS = [signin_page, signin_options, signin_verify, enrol_page, enrol_options, enrol_verify, signout]
