"""Notifications: the in-app list, opening one, answering a decision from the list or from a
push notification's action button, and the devices that receive push.

The action endpoint is the one route outside the CSRF middleware: the service worker posts
it with the person's session cookie but cannot read the CSRF cookie, so it sends the
notification's action token instead (an HMAC only the recipient's push payload carries).
The page's own forms still send the CSRF token, checked here by hand. Either proof, never
neither; and a notification that is not the person's own is 404 before any of that.
"""

from __future__ import annotations

import hmac
from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.middleware.csrf import CSRF_SECRET_LENGTH, generate_csrf_hash
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Redirect, Template

from app import i18n
from app.domain.devices import device_label
from app.routes._util import Form, PollTemplate, done_redirect, many, safe_next, text, user_agent
from app.routes.access import SIGNED_IN
from app.routes.errors import wants_json
from app.services import notifications, push
from app.services.errors import Invalid

FLASHES = {k: k for k in ("read", "answered", "saved", "removed", "on", "off")}


async def _list_page(request: Request, *, flash: str | None = None, error: str | None = None,
                     status: int = 200) -> Template:
    return Template(
        "notifications/list.html",
        context={
            "items": await notifications.list_for(request.user),
            "flash": flash,
            "error": error,
        },
        status_code=status,
    )


@get("/notifications", name="notification_list", opt={"roles": SIGNED_IN})
async def notification_list(request: Request, done: FromQuery[str | None] = None) -> Template:
    return await _list_page(request, flash=FLASHES.get(done or ""))


@get("/notifications/unread", name="notification_unread", opt={"roles": SIGNED_IN})
async def notification_unread(request: Request) -> PollTemplate:
    """The bottom bar's unread count (counted with the session), asked for again when the
    person's notifications change."""
    return PollTemplate("_partials/unread_badge.html", context={"unread": request.user.unread})


@get("/notifications/{notification_id:uuid}", name="notification_open", opt={"roles": SIGNED_IN})
async def notification_open(request: Request, notification_id: FromPath[UUID]) -> Redirect:
    url = await notifications.open_one(request.user.person_id, notification_id)
    return Redirect(safe_next(url, request.app.route_reverse("notification_list")), status_code=303)


@post("/notifications/read", name="notifications_read_all", opt={"roles": SIGNED_IN})
async def notifications_read_all(request: Request) -> Redirect:
    await notifications.mark_all_read(request.user.person_id)
    return done_redirect(request, "notification_list", "read")


def _csrf_ok(request: Request, data: dict) -> bool:
    """The check the CSRF middleware would make (this route is excluded from it)."""
    config = request.app.csrf_config
    cookie = request.cookies.get(config.cookie_name) if config else None
    submitted = request.headers.get(config.header_name) if config else None
    submitted = submitted or text(data, "_csrf_token")
    if not (config and cookie and submitted):
        return False

    def secret_of(token: str) -> str | None:
        if len(token) <= CSRF_SECRET_LENGTH:
            return None
        secret, digest = token[:CSRF_SECRET_LENGTH], token[CSRF_SECRET_LENGTH:]
        return secret if hmac.compare_digest(digest, generate_csrf_hash(secret, config.secret)) else None

    mine, theirs = secret_of(submitted), secret_of(cookie)
    return mine is not None and theirs is not None and hmac.compare_digest(mine, theirs)


@post(
    "/notifications/{notification_id:uuid}/act", name="notification_act",
    opt={"roles": SIGNED_IN, "exclude_from_csrf": True},
)
async def notification_act(request: Request, notification_id: FromPath[UUID], data: Form) -> Response:
    action = text(data, "action")
    try:
        answer = await notifications.act(
            request.user, notification_id, action, token=text(data, "token"), csrf_checked=_csrf_ok(request, data),
        )
    except Invalid as exc:
        if wants_json(request):
            raise
        return await _list_page(request, error=next(iter(exc.errors.values())), status=422)
    if wants_json(request):
        return Response({"ok": True, "action": answer.action}, status_code=200)
    return done_redirect(request, "notification_list", "answered")


# -- push: this device, and the devices that receive notifications ---------------------------

async def _settings_page(request: Request, *, flash: str | None = None, status: int = 200) -> Template:
    return Template(
        "notifications/settings.html",
        context={
            "devices": await notifications.devices(request.user.person_id),
            "kinds": notifications.kind_choices(request.user),
            "public_key": await push.public_key(),
            "max_devices": notifications.MAX_DEVICES,
            "flash": flash,
        },
        status_code=status,
    )


@get("/account/notifications", name="notification_settings", opt={"roles": SIGNED_IN})
async def notification_settings(request: Request, done: FromQuery[str | None] = None) -> Template:
    return await _settings_page(request, flash=FLASHES.get(done or ""))


@post("/push/subscriptions", name="push_subscribe", opt={"roles": SIGNED_IN})
async def push_subscribe(request: Request, data: JSONBody[dict[str, Any]]) -> Response:
    """The browser's subscription JSON (``PushSubscription.toJSON()``), sent by static/js/push.js."""
    await notifications.subscribe(request.user.person_id, data, device_label(user_agent(request)),
                                  i18n.current_language())
    return Response({"ok": True}, status_code=201)


@post("/push/subscriptions/remove", name="push_unsubscribe", opt={"roles": SIGNED_IN})
async def push_unsubscribe(request: Request, data: JSONBody[dict[str, Any]]) -> Response:
    endpoint = data.get("endpoint")
    removed = await notifications.unsubscribe(request.user.person_id, endpoint if isinstance(endpoint, str) else "")
    return Response({"ok": True, "removed": removed}, status_code=200)


@post("/account/notifications/devices/{device_id:uuid}/kinds", name="push_device_kinds", opt={"roles": SIGNED_IN})
async def push_device_kinds(request: Request, device_id: FromPath[UUID], data: Form) -> Redirect:
    await notifications.set_kinds(request.user, device_id, many(data, "kinds"))
    return done_redirect(request, "notification_settings", "saved")


@post("/account/notifications/devices/{device_id:uuid}/remove", name="push_device_remove", opt={"roles": SIGNED_IN})
async def push_device_remove(request: Request, device_id: FromPath[UUID]) -> Redirect:
    await notifications.remove_device(request.user.person_id, device_id)
    return done_redirect(request, "notification_settings", "removed")


HANDLERS = [
    notification_list, notification_unread, notification_open, notifications_read_all, notification_act,
    notification_settings, push_subscribe, push_unsubscribe, push_device_kinds, push_device_remove,
]
