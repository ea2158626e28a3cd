"""Small helpers shared by the controllers: client address, safe redirects, session cookie."""

from __future__ import annotations

import hashlib

from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.response.base import ASGIResponse
from litestar.params import URLEncodedBody
from litestar.response import Redirect, Template

from app.routes.middleware import SESSION_COOKIE
from app.services import idempotency
from app.settings import get_settings

# A posted form: a field sent twice arrives as a list.
Form = URLEncodedBody[dict[str, Any]]


def text(data: dict, key: str) -> str:
    """One text field of a posted form ('' when absent; the last value when sent twice)."""
    value = data.get(key, "")
    if isinstance(value, list):
        value = value[-1] if value else ""
    return value if isinstance(value, str) else ""


def many(data: dict, key: str) -> list[str]:
    """Every value of a field sent once per ticked box."""
    value = data.get(key, [])
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, str) and v]


def client_ip(request: Request) -> str:
    peer = request.client.host if request.client else "unknown"
    if peer in get_settings().trusted_proxies:
        forwarded = request.headers.get("x-forwarded-for", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return peer


def safe_next(target: str | None, default: str = "/") -> str:
    """Only paths on this site: never an absolute URL or a protocol-relative one."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def user_agent(request: Request) -> str:
    return request.headers.get("user-agent", "")


def set_session_cookie(response: Response, token: str) -> Response:
    settings = get_settings()
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_days * 86400,
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
        path="/",
    )
    return response


def clear_session_cookie(response: Response) -> Response:
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def done_redirect(request: Request, route: str, done: str, *, anchor: str = "", query: dict | None = None,
                  **params) -> Redirect:
    """After a change, back to a page that says what was done (``?done=...``, shown as a flash).

    Estate pages get the current estate without being told (routes ignore unused parameters).
    """
    scope = getattr(request.state, "scope", None)
    if scope is not None:
        params.setdefault("estate", scope.estate.slug)
    url = request.app.route_reverse(route, **params)
    return Redirect(f"{url}?{urlencode({'done': done, **(query or {})})}{anchor}", status_code=303)


def guard_action(request: Request, data: dict):
    """The idempotency key and phone time a guard action's form carries (Invalid if no key)."""
    return idempotency.action(request.user.person_id, text(data, "idem_key"), text(data, "device_time"))


class PollTemplate(Template):
    """A partial that a waiting screen polls (htmx ``hx-trigger="every 3s"``): sent with an ETag
    of its rendered body and ``Cache-Control: no-cache``, so the browser revalidates each time
    and an unchanged answer costs a bodiless 304 instead of the partial again."""

    def to_asgi_response(self, app, request: Request, **kwargs):  # type: ignore[override]
        response = super().to_asgi_response(app, request, **kwargs)
        etag = '"' + hashlib.sha256(response.body).hexdigest()[:32] + '"'
        headers = {"etag": etag, "cache-control": "private, no-cache"}
        if request.headers.get("if-none-match") == etag:
            return ASGIResponse(status_code=304, headers=headers)
        for name, value in headers.items():
            response.headers[name] = value
        return response
