"""Walk-in consent by push, as the household member's phone gets it: Wang Xiaoming turns on
notifications in the app, the gate guard asks the household about a walk-in, the server sends
the request through pywebpush to the tests' push service (which checks the VAPID JWT and
decrypts the payload), the plaintext goes to the phone's service worker, which shows a
notification with Approve / Refuse, and his answer reaches the guard's screen.

Headless Chromium cannot subscribe with a vendor's push service, so ``PushManager.subscribe``
is stubbed (an init script) to return a subscription whose keys the test made. The phone's
notification shade is the test's own D-Bus notification server: it sees what the phone shows,
and its taps are real, trusted ``notificationclick`` events in the service worker, made with
the app closed, as from a lock screen.
"""

from __future__ import annotations

import json
import re
import secrets
import time

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import parse_link
from e2e.pages import EN, ZH, Screen, enrol, t
from e2e.push_support import shared_push_service

ESTATE = "harbour-view"

# Stands in for the browser's push service subscription: the page gets ``SUBSCRIPTION``
# (kept in localStorage across page loads, as a real subscription persists), and the key the
# page subscribed with is kept for the test to compare with the server's.
STUB = """
(() => {
  const SUBSCRIPTION = %s;
  const KEY = "gatepost-test-push-subscription";
  function bytesToB64url(bytes) {
    let s = ""; new Uint8Array(bytes).forEach((b) => { s += String.fromCharCode(b); });
    return btoa(s).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
  }
  function made() {
    return {
      endpoint: SUBSCRIPTION.endpoint,
      expirationTime: null,
      options: { userVisibleOnly: true },
      getKey: () => null,
      toJSON: () => JSON.parse(JSON.stringify(SUBSCRIPTION)),
      unsubscribe: () => { localStorage.removeItem(KEY); return Promise.resolve(true); },
    };
  }
  PushManager.prototype.subscribe = function (options) {
    localStorage.setItem(KEY, JSON.stringify({
      userVisibleOnly: options.userVisibleOnly, key: bytesToB64url(options.applicationServerKey),
    }));
    return Promise.resolve(made());
  };
  PushManager.prototype.getSubscription = function () {
    return Promise.resolve(localStorage.getItem(KEY) ? made() : null);
  };
})();
"""


def stub_push(phone, subscription: dict, base_url: str) -> None:
    phone.context.grant_permissions(["notifications"], origin=base_url)
    phone.context.add_init_script(STUB % json.dumps(subscription))


class NotificationSettingsPage(Screen):
    def open_from_account(self, lang: str = EN) -> NotificationSettingsPage:
        self.open_account(lang)
        self.page.get_by_role("link", name=t(lang, "Notification settings")).click()
        expect(self.page.get_by_role("heading", level=1)).to_have_text(t(lang, "Notification settings"))
        return self

    def turn_on_button(self, lang: str = EN):
        return self.page.get_by_role("button", name=t(lang, "Turn on notifications on this device"))

    def turn_on(self, lang: str = EN) -> None:
        expect(self.turn_on_button(lang)).to_be_visible()
        self.turn_on_button(lang).click()

    def devices(self, lang: str = EN):
        """The items of "Devices that get notifications"."""
        return self.page.locator("section").filter(
            has=self.page.get_by_role("heading", name=t(lang, "Devices that get notifications"))
        ).get_by_role("listitem")

    def stop(self, device: str, lang: str = EN) -> None:
        """Tap a device's "Stop notifications", then confirm in the dialog that asks first."""
        self.devices(lang).filter(has_text=device).get_by_role("button", name=t(lang, "Stop notifications")).click()
        dialog = self.page.get_by_role("dialog")
        expect(dialog).to_contain_text(device)
        dialog.get_by_role("button", name=t(lang, "Stop"), exact=True).click()

    def subscribe_elsewhere(self, subscription: dict, user_agent: str) -> None:
        """Push turned on for the same person from another of their browsers, as that browser's
        script posts it (the server names the device from its user agent)."""
        csrf = self.page.locator('meta[name="csrf-token"]').get_attribute("content")
        response = self.page.request.post("/push/subscriptions", data=json.dumps(subscription), headers={
            "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf,
            "User-Agent": user_agent,
        })
        assert response.status == 201, response.text()

    @property
    def public_key(self) -> str:
        return self.page.locator("[data-push]").get_attribute("data-public-key")

    @property
    def error(self):
        return self.page.locator("[data-push-error]")

    @property
    def this_device(self):
        return self.page.locator("[data-this-device]")


class ServiceWorkerPush:
    """The phone's service worker through CDP: its registration id, and pushes handed to it."""

    def __init__(self, page: Page, origin: str):
        self.page = page
        self.origin = origin
        self.cdp = page.context.new_cdp_session(page)
        self.registrations: dict[str, dict] = {}
        self.versions: dict[str, dict] = {}
        self.cdp.on("ServiceWorker.workerRegistrationUpdated",
                    lambda e: self.registrations.update({r["registrationId"]: r for r in e["registrations"]}))
        self.cdp.on("ServiceWorker.workerVersionUpdated",
                    lambda e: self.versions.update({v["versionId"]: v for v in e["versions"]}))
        self.cdp.send("ServiceWorker.enable")

    def registration_id(self, timeout: float = 10.0) -> str:
        scope = self.page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for reg in self.registrations.values():
                activated = any(v["registrationId"] == reg["registrationId"] and v["status"] == "activated"
                                for v in self.versions.values())
                if reg["scopeURL"] == scope and not reg["isDeleted"] and activated:
                    return reg["registrationId"]
            self.page.evaluate("navigator.serviceWorker.ready.then(() => true)")  # lets CDP events arrive
        raise AssertionError(f"no active service worker registration for {scope}: {self.registrations}")

    def deliver(self, payload: dict) -> None:
        """Hand the decrypted push to the worker, as the browser does when its push service delivers."""
        self.cdp.send("ServiceWorker.deliverPushMessage", {
            "origin": self.origin, "registrationId": self.registration_id(), "data": json.dumps(payload),
        })


def register_walk_in(page: Page, *, phone: str, name: str, unit: str) -> None:
    """The gate guard's walk-in form, filled as at the gate, then "Ask the household"."""
    page.goto(f"/e/{ESTATE}/walkins/new")
    page.get_by_label(t(EN, "Visitor's phone")).fill(phone)
    page.get_by_label(t(EN, "Visitor's name")).fill(name)
    page.get_by_label(t(EN, "Male"), exact=True).check()
    page.get_by_label(t(EN, "ID type")).select_option("resident_id")
    page.get_by_label(t(EN, "ID number")).fill("110101199003071234")
    page.get_by_label(t(EN, "Visiting unit")).fill(unit)
    page.get_by_label(t(EN, "Purpose")).select_option("delivery")
    page.get_by_role("button", name=t(EN, "Ask the household")).click()
    expect(page.locator("#walkin-status")).to_contain_text(t(EN, "This screen changes by itself when someone answers."))


def test_a_walk_in_consent_request_arrives_by_push_and_is_approved_from_the_notification(
        notification_centre, new_phone, enrol_link, server):
    service = shared_push_service()
    device = f"xiaoming-{secrets.token_hex(4)}"
    subscription = service.subscription(device)

    resident = new_phone("en-US", notifications=notification_centre)
    stub_push(resident, subscription, server.base_url)
    home = enrol(resident.page, enrol_link("Wang Xiaoming"), "Wang Xiaoming")
    home.ensure_language(EN)
    settings = NotificationSettingsPage(resident.page).open_from_account()
    settings.turn_on()
    expect(resident.page.locator(".flash--ok")).to_have_text(t(EN, "Notifications are on for this device."))
    expect(settings.this_device).to_be_visible()
    subscribed_with = json.loads(resident.page.evaluate("localStorage.getItem('gatepost-test-push-subscription')"))
    assert subscribed_with == {"userVisibleOnly": True, "key": settings.public_key}
    service.expected_key = settings.public_key  # the JWT must be signed with the key browsers were given
    worker = ServiceWorkerPush(resident.page, server.base_url)

    # At the gate: a courier for 5-2-1301. Going through the guard's own form.
    guard = new_phone("en-US")
    enrol(guard.page, enrol_link("Li Qiang"), "Li Qiang").ensure_language(EN)
    visitor_phone = "139" + str(secrets.randbelow(10**8)).zfill(8)
    register_walk_in(guard.page, phone=visitor_phone, name="Zhang Wei", unit="5-2-1301")

    # The server sent it through pywebpush; our push service checked the JWT and decrypted it.
    [delivery] = service.wait_for_endpoint(device)
    assert delivery.problem is None, delivery.problem
    assert delivery.claims["aud"] == service.origin
    message = delivery.payload
    assert message["title"].startswith("Visitor at North Gate")
    assert "Zhang Wei" in message["body"] and "5-2-1301" in message["body"]
    assert [a["action"] for a in message["actions"]] == ["approve", "refuse"]
    plaintext = json.dumps(message, ensure_ascii=False)
    assert visitor_phone not in plaintext and "110101199003071234" not in plaintext
    words = " ".join(str(message.get(k, "")) for k in ("title", "body", "answered"))  # not ids and tokens
    assert not re.search(r"\d{11}", words)

    # The phone shows it with the two answers.
    worker.deliver(message)
    shown = notification_centre.wait_for(message["title"])
    assert shown.summary == message["title"] and shown.body.endswith(message["body"])
    assert shown.button_labels == ["Approve", "Refuse"]

    # His phone is locked, the app closed. He taps Approve on the notification: the worker posts
    # the answer with his session and the notification's token, and says it went through.
    resident.page.close()
    seen = notification_centre.count
    notification_centre.tap(shown, "Approve")
    answered = notification_centre.wait_for(message["answered"], after=seen)
    assert answered.button_labels == []

    # The guard's screen updates by itself.
    expect(guard.page.locator("#walkin-status")).to_contain_text(
        t(EN, "Approved by %(name)s at %(time)s.", name="Wang Xiaoming", time="")[:-2])

    # A tap on that last notification opens the app, at his notifications: the request says
    # who decided and offers no answer any more.
    with resident.context.expect_page() as opened:
        notification_centre.tap(answered)
    app = opened.value
    expect(app).to_have_url(re.compile(r"/notifications$"))
    item = app.locator(f'[data-notification="{message["notification_id"]}"]')
    expect(item).to_contain_text("approved by Wang Xiaoming")
    expect(item.get_by_role("button", name="Approve")).to_have_count(0)


def test_a_push_service_outside_the_allow_list_is_refused_in_the_app(new_phone, enrol_link, server):
    resident = new_phone("en-US")
    stub_push(resident, {"endpoint": "https://push.evil.example/send/abc", "expirationTime": None,
                         "keys": shared_push_service().subscription("unused")["keys"]}, server.base_url)
    home = enrol(resident.page, enrol_link("Liu Yang"), "Liu Yang")
    home.ensure_language(EN)
    settings = NotificationSettingsPage(resident.page).open_from_account()
    settings.turn_on()
    expect(settings.error).to_contain_text("push service is not one this server may call")
    expect(settings.turn_on_button()).to_be_visible()
    expect(resident.page.get_by_text(t(EN, "No devices yet"))).to_be_visible()
    # Nothing was left subscribed in the browser either.
    assert resident.page.evaluate("localStorage.getItem('gatepost-test-push-subscription')") is None


def test_the_request_is_also_answered_from_the_in_app_list(new_phone, enrol_link, server):
    """Nothing depends on push: the bottom bar counts what is unread, and the list offers the
    same two answers."""
    resident = new_phone("en-US")
    home = enrol(resident.page, enrol_link("Wang Fang"), "Wang Fang")
    home.ensure_language(EN)

    guard = new_phone("en-US")
    enrol(guard.page, enrol_link("Li Qiang"), "Li Qiang").ensure_language(EN)
    register_walk_in(guard.page, phone="13" + str(secrets.randbelow(10**9)).zfill(9), name="Zhou Yu", unit="5-2-1301")
    register_walk_in(guard.page, phone="13" + str(secrets.randbelow(10**9)).zfill(9), name="Sun Li", unit="5-2-1301")

    resident.page.reload()
    badge = resident.page.locator(".bottom-nav__badge")
    expect(badge).to_be_visible()
    resident.page.get_by_role("navigation").get_by_role("link", name=re.compile(t(EN, "Notifications"))).click()
    newest = resident.page.locator(".notice").first
    expect(newest).to_contain_text("Sun Li")
    newest.get_by_role("button", name=t(EN, "Refuse")).click()
    expect(resident.page.locator(".flash--ok")).to_have_text(t(EN, "Your answer was sent."))
    newest = resident.page.locator(".notice").first
    expect(newest).to_contain_text("refused by Wang Fang")
    expect(newest.get_by_role("button")).to_have_count(0)

    expect(guard.page.locator("#walkin-status")).to_contain_text(t(EN, "Refused"))

    # Zhou Yu's request is still unread (and still open): "mark all as read" clears the count.
    expect(resident.page.locator(".bottom-nav__badge")).to_be_visible()
    resident.page.get_by_role("button", name=t(EN, "Mark all as read")).click()
    expect(resident.page.locator(".flash--ok")).to_have_text(t(EN, "All notifications marked as read."))
    expect(resident.page.locator(".bottom-nav__badge")).to_have_count(0)
    expect(resident.page.locator(".notice--unread")).to_have_count(0)


def test_a_device_chooses_its_kinds_and_turns_push_off(new_phone, enrol_link, server):
    service = shared_push_service()
    device = f"yang-{secrets.token_hex(4)}"
    resident = new_phone("en-US")
    stub_push(resident, service.subscription(device), server.base_url)
    enrol(resident.page, enrol_link("Liu Yang"), "Liu Yang").ensure_language(EN)
    settings = NotificationSettingsPage(resident.page).open_from_account()
    settings.turn_on()
    expect(settings.this_device).to_be_visible()

    always = resident.page.get_by_label(re.compile(t(EN, "A visitor asks to come in")))
    expect(always).to_be_checked()
    expect(always).to_be_disabled()
    leaving = resident.page.get_by_label(t(EN, "My guests leave"))
    leaving.uncheck()
    resident.page.get_by_role("button", name=re.compile(t(EN, "Save"))).click()
    expect(resident.page.locator(".flash--ok")).to_have_text(t(EN, "Saved."))
    expect(resident.page.get_by_label(t(EN, "My guests leave"))).not_to_be_checked()
    expect(resident.page.get_by_label(t(EN, "My guests arrive"))).to_be_checked()

    resident.page.get_by_role("button", name=t(EN, "Turn off notifications on this device")).click()
    expect(resident.page.locator(".flash--ok")).to_have_text(t(EN, "Notifications are off for this device."))
    expect(resident.page.get_by_text(t(EN, "No devices yet"))).to_be_visible()
    expect(settings.turn_on_button()).to_be_visible()


# The person's other devices, which turned notifications on before this phone did.
OTHER_DEVICES = {
    "Safari · iPhone": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
                       "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Firefox · Windows": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0",
}


@pytest.mark.parametrize("lang", [EN, ZH])
def test_a_person_with_several_devices_sees_them_and_stops_one(new_phone, run_cli, server, lang):
    service = shared_push_service()
    name = f"Gao Min {secrets.token_hex(2)}"
    link = parse_link(run_cli("add-person", "--estate", ESTATE, "--role", "front_desk", "--name", name))
    desk = new_phone("zh-CN" if lang == ZH else "en-US")
    stub_push(desk, service.subscription(f"desk-{secrets.token_hex(4)}"), server.base_url)
    enrol(desk.page, link, name, lang).ensure_language(lang)
    settings = NotificationSettingsPage(desk.page).open_from_account(lang)
    for n, user_agent in enumerate(OTHER_DEVICES.values()):
        settings.subscribe_elsewhere(service.subscription(f"elsewhere-{secrets.token_hex(4)}-{n}"), user_agent)

    settings.turn_on(lang)
    expect(desk.page.locator(".flash--ok")).to_have_text(t(lang, "Notifications are on for this device."))
    devices = settings.devices(lang)
    expect(devices).to_have_count(3)
    for device in OTHER_DEVICES:
        expect(devices.filter(has_text=device)).to_contain_text(t(lang, "Added %(when)s", when="").strip())
    this_phone = devices.filter(has=desk.page.locator("[data-this-device]:visible"))
    expect(this_phone).to_have_count(1)
    expect(this_phone).to_contain_text("Chrome")
    for device in OTHER_DEVICES:
        expect(devices.filter(has_text=device).locator("[data-this-device]")).to_be_hidden()

    settings.stop("Firefox · Windows", lang)
    expect(desk.page.locator(".flash--ok")).to_have_text(t(lang, "That device no longer gets notifications."))
    expect(devices).to_have_count(2)
    expect(devices.filter(has_text="Firefox · Windows")).to_have_count(0)
    expect(devices.filter(has_text="Safari · iPhone")).to_have_count(1)
    expect(this_phone).to_have_count(1)
