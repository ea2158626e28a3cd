"""The one place where a refusal or a failure becomes a page, in the person's language.

Full pages for normal requests, a small partial for htmx (retargeted to the flash area),
JSON for the few JSON endpoints (passkey ceremonies), a redirect to sign-in for a
signed-out person asking for a page. Every 429, in each of these forms, says when to try
again (``Retry-After``), so a phone's script or a proxy can wait instead of hammering.
"""

from __future__ import annotations

import logging
from urllib.parse import quote, urlsplit

from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
)
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_429_TOO_MANY_REQUESTS,
    HTTP_500_INTERNAL_SERVER_ERROR,
)

from app import logs
from app.i18n import N_, gettext
from app.services.errors import Forbidden, Invalid, NotFound, RateLimited
from app.services.idempotency import InFlight

log = logging.getLogger("gatepost")

MESSAGES = {
    400: N_("Something in that request was not right. Please go back and try again."),
    401: N_("Please sign in first."),
    403: N_("Your role does not allow this. If you think it should, ask your supervisor or admin."),
    404: N_("There is nothing here. The link may be wrong, or the record is not yours to see."),
    405: N_("That action is not available here."),
    409: N_("This action is still being recorded. It will be answered in a moment."),
    422: N_("Please check what you entered."),
    429: N_("Too many attempts. Please wait a minute and try again."),
    500: N_("Something went wrong on our side. Please try again; if it keeps happening, tell your admin."),
}


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "") or request.headers.get(
        "content-type", ""
    ).startswith("application/json")


# A 429 that does not know its window (an HTTPException from the framework) asks for a minute.
RETRY_AFTER_SECONDS = 60


def _render(request: Request, status: int, message: str | None = None, *,
            retry_after: int = RETRY_AFTER_SECONDS) -> Response:
    text = gettext(message or MESSAGES.get(status, MESSAGES[500]))
    headers = {"Retry-After": str(retry_after)} if status == HTTP_429_TOO_MANY_REQUESTS else {}
    if wants_json(request):
        return Response({"error": text}, status_code=status, media_type=MediaType.JSON, headers=headers)
    if request.headers.get("hx-request"):
        return Template(
            "errors/_partial.html",
            context={"status": status, "message": text},
            status_code=status,
            headers={"HX-Retarget": "#flash", "HX-Reswap": "innerHTML", **headers},
        )
    template = f"errors/{status}.html" if status in (403, 404) else "errors/error.html"
    return Template(template, context={"status": status, "message": text}, status_code=status, headers=headers)


def not_authorized(request: Request, exc: Exception) -> Response:
    if wants_json(request):
        return _render(request, 401)
    if request.headers.get("hx-request"):
        # A region asking for its partial: back to the page it is part of after signing in,
        # not to the bare partial.
        target = "/signin?next=" + quote(_page_path(request), safe="/")
        return Response("", status_code=401, headers={"HX-Redirect": target})
    return Redirect("/signin?next=" + quote(request.url.path, safe="/"), status_code=303)


def _page_path(request: Request) -> str:
    """The path of the page an htmx request came from (HX-Current-URL), when it is this site's."""
    current = urlsplit(request.headers.get("hx-current-url", ""))
    if current.netloc == request.url.netloc and current.path.startswith("/"):
        return current.path
    return "/"


def not_found(request: Request, exc: Exception) -> Response:
    return _render(request, HTTP_404_NOT_FOUND)


def forbidden(request: Request, exc: Exception) -> Response:
    return _render(request, HTTP_403_FORBIDDEN)


def rate_limited(request: Request, exc: RateLimited) -> Response:
    return _render(request, HTTP_429_TOO_MANY_REQUESTS, exc.message, retry_after=exc.retry_after)


def in_flight(request: Request, exc: Exception) -> Response:
    """The first copy of a guard action is still being handled: the phone asks again shortly."""
    response = _render(request, HTTP_409_CONFLICT)
    response.headers["retry-after"] = "1"
    return response


def invalid(request: Request, exc: Invalid) -> Response:
    return _render(request, 422, exc.errors.get("__all__") or next(iter(exc.errors.values()), None))


def http_error(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    if status >= 500:
        log.exception("server error", exc_info=exc)
    return _render(request, status)


def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, logs.redact(request.url.path), exc_info=exc)
    return _render(request, HTTP_500_INTERNAL_SERVER_ERROR)


HANDLERS = {
    NotAuthorizedException: not_authorized,
    NotFoundException: not_found,
    NotFound: not_found,
    PermissionDeniedException: forbidden,
    Forbidden: forbidden,
    RateLimited: rate_limited,
    InFlight: in_flight,
    Invalid: invalid,
    HTTPException: http_error,
    Exception: server_error,
}
