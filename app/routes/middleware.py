"""Per-request set-up: who is signed in, which language, and the security headers.

The session cookie is looked up once here; the access guard then only reads ``scope["user"]``.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app import i18n
from app.services import sessions

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


def _cookies(scope: Scope) -> dict[str, str]:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            jar = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header is treated as no cookies
                return {}
            return {k: m.value for k, m in jar.items()}
    return {}


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return value.decode("latin-1")
    return None


def session_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        cookies = _cookies(scope)
        path = scope.get("path", "")
        viewer = None
        if not path.startswith("/static/"):
            viewer = await sessions.resolve(cookies.get(SESSION_COOKIE))
        scope["user"] = viewer  # type: ignore[typeddict-unknown-key]
        language = i18n.pick_language(
            viewer.locale if viewer else None,
            cookies.get(LANGUAGE_COOKIE),
            _header(scope, b"accept-language"),
        )
        i18n.set_language(language)
        scope.setdefault("state", {})["language"] = language  # type: ignore[typeddict-item]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                headers.setdefault("content-security-policy", CSP)
                headers.setdefault("x-content-type-options", "nosniff")
                headers.setdefault("referrer-policy", "same-origin")
                headers.setdefault("permissions-policy", "camera=(self), geolocation=(), microphone=()")
                headers.setdefault("x-frame-options", "DENY")
                content_type = headers.get("content-type") or ""
                if content_type.startswith("text/html"):
                    headers.setdefault("cache-control", "no-cache, private")
                    headers.setdefault("content-language", language)
                    headers.extend_header_value("vary", "Cookie, Accept-Language, HX-Request")  # after Accept-Encoding
            await send(message)

        await app(scope, receive, send_with_headers)

    return middleware
