"""Small helpers shared by the controllers: client address, safe redirects, session cookie."""

from __future__ import annotations

from litestar import Request, Response

from app.routes.middleware import SESSION_COOKIE
from app.settings import get_settings


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
