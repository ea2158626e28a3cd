"""Small helpers shared by the controllers: client address, safe redirects, session cookie."""

from __future__ import annotations

import hashlib

from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.response.base import ASGIResponse
from litestar.params import MultipartBody, URLEncodedBody
from litestar.response import Redirect, Template

from app.routes.middleware import SESSION_COOKIE
from app.services import idempotency
from app.settings import get_settings

# A posted form: a field sent twice arrives as a list. Declared ``Any`` so that the route gets
# the form as app/routes/input.py cleaned it (a ``CheckedForm``, a dict), not a copy.
Form = URLEncodedBody[Any]
# A posted form with files (photos, a CSV): the same, sent as multipart/form-data.
MultipartForm = MultipartBody[Any]


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


def done_redirect(request: Request, route: str, done: str, *, refused: bool = False, anchor: str = "",
                  query: dict | None = None, **params) -> Response:
    """After a change, back to a page that says what was done (``?done=...``, shown as a flash).

    Estate pages get the current estate without being told (routes ignore unused parameters).
    A guard action sent by the phone's outbox gets where it leads in a header instead, with its
    outcome (``refused`` when the action did not take effect): a redirect the phone followed
    would hide both.
    """
    scope = getattr(request.state, "scope", None)
    if scope is not None:
        params.setdefault("estate", scope.estate.slug)
    url = request.app.route_reverse(route, **params)
    target = f"{url}?{urlencode({'done': done, **(query or {})})}{anchor}"
    if from_outbox(request):
        return answered(request, Response(b"", status_code=200, headers={LOCATION_HEADER: target}),
                        refused=refused, reason=done)
    return Redirect(target, status_code=303)


# The phone's outbox (static/js/outbox.js) sends guard actions with OUTBOX_HEADER: "live" while
# the guard waits for the answer, "replay" for an action kept on the phone and sent later. Its
# answer says in OUTCOME_HEADER whether the action took effect, and in REASON_HEADER the code
# of what happened.
OUTBOX_HEADER = "x-gatepost-outbox"
OUTCOME_HEADER = "x-gatepost-outcome"
REASON_HEADER = "x-gatepost-reason"
LOCATION_HEADER = "x-gatepost-location"


def from_outbox(request: Request) -> bool:
    return request.headers.get(OUTBOX_HEADER) in ("live", "replay")


def answered(request: Request, response: Response, *, refused: bool, reason: str = "") -> Response:
    """A guard action's answer, marked for the outbox with its outcome."""
    if from_outbox(request):
        response.headers[OUTCOME_HEADER] = "refused" if refused else "accepted"
        if reason:
            response.headers[REASON_HEADER] = reason
    return response


# What a guard action's form carries besides the action itself (static/js/outbox.js adds them).
_ENVELOPE = frozenset({"idem_key", "device_time", "sent_at", "offline", "_csrf_token"})


def guard_action(request: Request, data: dict):
    """The idempotency key, the phone's times and the fingerprint of a guard action (Invalid if
    no key). Kept on the request, so a replay the server refuses can be recorded with it."""
    act = idempotency.action(request.user.person_id, text(data, "idem_key"), text(data, "device_time"),
                             sent_at=text(data, "sent_at"), offline=text(data, "offline"),
                             fingerprint=request_fingerprint(request, data))
    request.state.guard_action = act
    return act


def request_fingerprint(request: Request, data: dict) -> str:
    """What a guard action asked for (where, and every field but the envelope): the same key sent
    with another request is then told apart from a replay."""
    digest = hashlib.sha256(f"{request.method} {request.url.path}".encode())
    for name in sorted(data):
        if name in _ENVELOPE:
            continue
        values = data[name] if isinstance(data[name], list) else [data[name]]
        for value in values:
            shown = value if isinstance(value, str) else f"file:{getattr(value, 'filename', '')}"
            digest.update(b"\0" + name.encode() + b"=" + shown.encode())
    return digest.hexdigest()[:32]


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
