"""The server's side of the phone's outbox (``static/js/outbox.js``): who is signed in on this
phone (so kept actions are sent as the person who took them, with a fresh CSRF token), and a
record of every kept action the server refused, so a supervisor sees it even if the guard never
opens their phone again.
"""

from __future__ import annotations

from litestar import Request, get
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils.empty import value_or_default
from litestar.utils.scope.state import ScopeState

from app.routes._util import OUTBOX_HEADER, OUTCOME_HEADER, REASON_HEADER
from app.routes.access import PUBLIC
from app.services import reviews

# Answers that say the server will never take the action as sent. Not 401 (sign in, then it is
# sent), 408/409/429 (later) or 5xx (the server's trouble, not the action's).
REFUSED_STATUSES = frozenset({400, 403, 404, 405, 410, 413, 422})


@get("/outbox/session", name="outbox_session", opt={"roles": PUBLIC}, include_in_schema=False)
async def outbox_session(request: Request) -> dict:
    """Who this phone's cookie signs in, and the CSRF token to send their kept actions with."""
    viewer = request.user if "user" in request.scope else None
    return {
        "person": str(viewer.person_id) if viewer else None,
        "name": viewer.name if viewer else "",
        "csrf": value_or_default(ScopeState.from_scope(request.scope).csrf_token, ""),
    }


def _refusal(status: int, headers: dict[bytes, bytes]) -> str | None:
    """The reason a kept action was refused, or None when it was not."""
    if status in REFUSED_STATUSES:
        return headers.get(REASON_HEADER.encode(), b"").decode("latin-1") or str(status)
    if headers.get(OUTCOME_HEADER.encode()) == b"refused":
        return headers.get(REASON_HEADER.encode(), b"refused").decode("latin-1")
    return None


def replay_refusals(app: ASGIApp) -> ASGIApp:
    """Records a kept action (``x-gatepost-outbox: replay``) the server refused, after answering."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        replay = scope["type"] == "http" and (OUTBOX_HEADER.encode(), b"replay") in scope.get("headers", ())
        if not replay:
            await app(scope, receive, send)
            return
        answer: dict = {}

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                answer["headers"] = {name.lower(): value for name, value in message.get("headers", ())}
            await send(message)

        await app(scope, receive, watch)
        state = scope.get("state", {})
        act, estate_scope = state.get("guard_action"), state.get("scope")
        reason = _refusal(answer.get("status", 500), answer.get("headers", {}))
        if reason is not None and act is not None and estate_scope is not None:
            handler = scope.get("route_handler")
            await reviews.refused(estate_scope, act, action=getattr(handler, "name", "") or "", status=answer["status"],
                                  reason=reason)

    return middleware


HANDLERS = [outbox_session]
