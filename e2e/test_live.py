"""Live screens in the browser: the guard Li Qiang waits at the gate with a visitor while Wang
Xiaoming answers from the notification on his locked phone. The guard's waiting screen shows
the answer without a reload, through its event stream (while the stream works the screen does
not poll, so nothing else could bring it in time); and again with the stream blocked, through
polling at the screen's 3 seconds.

The resident's side is the push flow of ``test_push.py``: a stubbed subscription, the server's
push decrypted by the tests' push service, handed to the service worker, and tapped in the
phone's notification shade."""

from __future__ import annotations

import re
import secrets

from playwright.sync_api import Route, expect

from e2e.pages import EN, enrol, t
from e2e.push_support import shared_push_service
from e2e.test_push import NotificationSettingsPage, ServiceWorkerPush, register_walk_in, stub_push

STREAM = re.compile(r"/live$")
POLL_WAIT_MS = 12_000  # the waiting screen's 3 s, and some


def resident_with_push(new_phone, enrol_link, server, notification_centre):
    """Wang Xiaoming's phone, notifications on; returns (phone, its push device, its service worker)."""
    service = shared_push_service()
    device = f"xiaoming-live-{secrets.token_hex(4)}"
    phone = new_phone("en-US", notifications=notification_centre)
    stub_push(phone, service.subscription(device), server.base_url)
    enrol(phone.page, enrol_link("Wang Xiaoming"), "Wang Xiaoming").ensure_language(EN)
    settings = NotificationSettingsPage(phone.page).open_from_account()
    settings.turn_on()
    expect(phone.page.locator(".flash--ok")).to_have_text(t(EN, "Notifications are on for this device."))
    service.expected_key = settings.public_key
    return phone, device, ServiceWorkerPush(phone.page, server.base_url)


def approve_from_the_notification(phone, device, worker, notification_centre, visitor: str) -> None:
    """The consent request for ``visitor`` arrives by push; his app closed, he taps Approve."""
    [delivery] = [d for d in shared_push_service().wait_for_endpoint(device) if visitor in d.payload["body"]]
    worker.deliver(delivery.payload)
    shown = notification_centre.wait_for(delivery.payload["title"])
    phone.page.close()
    seen = notification_centre.count
    notification_centre.tap(shown, "Approve")
    notification_centre.wait_for(delivery.payload["answered"], after=seen)


def guard_at_the_gate(new_phone, enrol_link, *, block_stream: bool):
    """Li Qiang's phone (its stream refused if ``block_stream``), waiting for the household of
    5-2-1301 to answer about a visitor; returns (phone, the stream's refused URLs, the visitor)."""
    guard = new_phone("en-US")
    tried: list[str] = []
    if block_stream:
        def refuse(route: Route) -> None:
            tried.append(route.request.url)
            route.abort()

        guard.context.route(STREAM, refuse)
    enrol(guard.page, enrol_link("Li Qiang"), "Li Qiang").ensure_language(EN)
    visitor = f"Zhang {secrets.token_hex(3)}"
    register_walk_in(guard.page, phone="139" + str(secrets.randbelow(10**8)).zfill(8), name=visitor,
                     unit="5-2-1301")
    return guard, tried, visitor


def test_the_answer_from_the_notification_reaches_the_waiting_screen_through_its_stream(
        notification_centre, new_phone, enrol_link, server):
    resident, device, worker = resident_with_push(new_phone, enrol_link, server, notification_centre)
    guard, _, visitor = guard_at_the_gate(new_phone, enrol_link, block_stream=False)
    body = guard.page.locator("body")
    expect(body).to_have_attribute("data-live-state", "live")
    asked: list[str] = []
    guard.page.on("request", lambda request: asked.append(request.url) if "/status" in request.url else None)

    approve_from_the_notification(resident, device, worker, notification_centre, visitor)

    # Nobody touches the guard's phone. While the stream works the screen does not poll (once a
    # minute at most), so the answer can only have come through the stream, well within this wait.
    expect(guard.page.locator("#walkin-status")).to_contain_text(
        t(EN, "Approved by %(name)s at %(time)s.", name="Wang Xiaoming", time="")[:-2])
    expect(body).to_have_attribute("data-live-state", "live")
    assert 1 <= len(asked) <= 2, asked  # asked when told, not every 3 s


def test_with_the_stream_blocked_the_waiting_screen_polls_and_still_shows_the_answer(
        notification_centre, new_phone, enrol_link, server):
    resident, device, worker = resident_with_push(new_phone, enrol_link, server, notification_centre)
    guard, tried, visitor = guard_at_the_gate(new_phone, enrol_link, block_stream=True)
    expect(guard.page.locator("body")).to_have_attribute("data-live-state", "polling")

    approve_from_the_notification(resident, device, worker, notification_centre, visitor)

    expect(guard.page.locator("#walkin-status")).to_contain_text(
        t(EN, "Approved by %(name)s at %(time)s.", name="Wang Xiaoming", time="")[:-2], timeout=POLL_WAIT_MS)
    assert tried, "the page never tried its stream"
    expect(guard.page.locator("body")).to_have_attribute("data-live-state", "polling")
