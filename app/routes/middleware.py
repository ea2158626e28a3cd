"""Per-request set-up: who is signed in, which language, and the security headers.

The session cookie is looked up once here; the access guard then only reads ``scope["user"]``.
"""

from __future__ import annotations

import functools
from types import MappingProxyType
from typing import Mapping

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app import db, i18n
from app.services import sessions
from app.routes.access import kept_offline
from app.services.scope import Viewer

SESSION_COOKIE = "gp_session"
LANGUAGE_COOKIE = "gp_lang"

# No inline scripts anywhere; 'wasm-unsafe-eval' lets the QR decoder's WebAssembly run.
CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


# Added to every response that does not set them itself.
_SECURITY_HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(self), geolocation=(), microphone=()"),
    (b"x-frame-options", b"DENY"),
)
# Pages differ by who asks, in which language, and whether htmx wants a partial.
_VARY = "Cookie, Accept-Language, HX-Request"

# Set in the request's state by a template that shows an ID number or a phone in full
# (``unmasked`` in routes/templating.py): that response is never stored, by the browser, a
# proxy or the service worker. Other pages may be kept, but are revalidated each time.
UNMASKED = "shows_unmasked"
_NO_STORE = b"no-store"
_REVALIDATE = b"no-cache, private"


def mark_unmasked(scope: Scope) -> None:
    scope.setdefault("state", {})[UNMASKED] = True  # type: ignore[typeddict-item]


@functools.lru_cache(maxsize=1024)
def _parse_cookies(header: str) -> MappingProxyType:
    """A Cookie header's pairs, the first of each name; parts without a name and value are
    skipped. Kept per header: a phone sends the same one request after request."""
    cookies: dict[str, str] = {}
    for part in header.split(";"):
        name, sep, value = part.partition("=")
        name = name.strip()
        if sep and name and name not in cookies:
            value = value.strip()
            if len(value) > 1 and value[0] == value[-1] == '"':
                value = value[1:-1]
            cookies[name] = value
    return MappingProxyType(cookies)


def _cookies(scope: Scope) -> Mapping[str, str]:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            return _parse_cookies(value.decode("latin-1"))
    return {}


# Pages a guard needs with no signal (routes declare ``opt={"offline": True}``): the service
# worker keeps a copy of each one the guard opens (app/templates/pwa/sw.js).
OFFLINE_HEADER = (b"x-gatepost-offline", b"keep")


def _with_headers(headers: list, language: str, unmasked: bool = False, keep_for: str = "") -> list:
    """The response's headers with the security headers it lacks and, on a page, its caching
    and language, and ``Vary`` extended (compression has put Accept-Encoding there).
    A response that shows personal data unmasked is ``no-store``, whatever it said before."""
    if unmasked:
        headers = [h for h in headers if h[0].lower() != b"cache-control"] + [(b"cache-control", _NO_STORE)]
    present = {name.lower(): i for i, (name, _) in enumerate(headers)}
    out = list(headers)
    out.extend(header for header in _SECURITY_HEADERS if header[0] not in present)
    content_type = headers[present[b"content-type"]][1] if b"content-type" in present else b""
    if content_type.startswith(b"text/html"):
        if keep_for:  # whose page it is: another person signing in on the phone drops it
            out.extend((OFFLINE_HEADER, (b"x-gatepost-person", keep_for.encode())))
        if b"cache-control" not in present:
            out.append((b"cache-control", _REVALIDATE))
        if b"content-language" not in present:
            out.append((b"content-language", language.encode()))
        if b"vary" in present:
            i = present[b"vary"]
            out[i] = (b"vary", out[i][1] + b", " + _VARY.encode())
        else:
            out.append((b"vary", _VARY.encode()))
    return out


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return value.decode("latin-1")
    return None


async def _serve(app: ASGIApp, scope: Scope, receive: Receive, send: Send, cookies: Mapping[str, str],
                 viewer: Viewer | None) -> None:
    scope["user"] = viewer  # type: ignore[typeddict-unknown-key]
    language = i18n.pick_language(
        viewer.locale if viewer else None,
        cookies.get(LANGUAGE_COOKIE),
        _header(scope, b"accept-language"),
    )
    i18n.set_language(language)
    state = scope.setdefault("state", {})  # type: ignore[typeddict-item]
    state["language"] = language

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            keep = (viewer is not None and message["status"] == 200
                    and kept_offline(scope.get("route_handler"), state))
            message["headers"] = _with_headers(list(message.get("headers", ())), language, state.get(UNMASKED, False),
                                               str(viewer.person_id) if keep else "")
        await send(message)

    await app(scope, receive, send_with_headers)


def session_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        cookies = _cookies(scope)
        path = scope.get("path", "")
        # Static files need no one signed in; the health check must answer even when no
        # connection to the database can be had, so it borrows none here.
        if path.startswith("/static/") or path == "/healthz":
            await _serve(app, scope, receive, send, cookies, None)
            return
        handler = scope.get("route_handler")
        if handler is not None and handler.opt.get("stream"):
            # An event stream stays open for minutes: it borrows a connection for each of its
            # few statements instead of keeping one from the pool all that time.
            await _serve(app, scope, receive, send, cookies, await sessions.resolve(cookies.get(SESSION_COOKIE)))
            return
        async with db.one_connection():  # on PostgreSQL, the request's statements share one connection
            await _serve(app, scope, receive, send, cookies, await sessions.resolve(cookies.get(SESSION_COOKIE)))

    return middleware
