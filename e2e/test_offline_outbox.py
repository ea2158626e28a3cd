"""Nothing a guard did with no signal is lost, and nothing lands twice: tapping Admit as the
signal goes, the server stopping half-way through the replay, the page reloaded and the phone's
browser closed and reopened, the session expiring meanwhile, another guard signing in on the
same phone, and a new version of the app arriving while actions wait.

These tests stop and restart their server, so they have one of their own; a phone here is a
persistent browser profile, as a phone's browser keeps its storage when closed."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from e2e.conftest import (CHROMIUM, CHROMIUM_ARGS, ESTATE, NO_PASSKEY_AUTOFILL, TIMEOUT_MS, VIEWPORT, Authenticator,
                          parse_link, serving)
from e2e.gate_support import GatePage
from e2e.offline_support import Household, OutboxStrip
from e2e.pages import EN, enrol, t
from e2e.test_pwa import CONTROLLED

RELEASE = "1"


@pytest.fixture(scope="module")
def own_server(tmp_path_factory):
    with serving(tmp_path_factory.mktemp("server"), {"RELEASE": RELEASE}) as server:
        yield server


class GuardPhone:
    """A guard's phone: a browser profile that outlives closing the browser."""

    def __init__(self, browser: Browser, server, profile: Path):
        self.browser, self.server, self.profile = browser, server, profile
        self.context: BrowserContext | None = None
        self.page: Page | None = None
        self.problems: list[str] = []

    def open(self) -> Page:
        self.context = self.browser.browser_type.launch_persistent_context(
            self.profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, base_url=self.server.base_url,
            viewport=VIEWPORT, locale="en-US", extra_http_headers={"Accept-Language": "en-US"},
        )
        self.context.set_default_timeout(TIMEOUT_MS)
        self.context.add_init_script(NO_PASSKEY_AUTOFILL)
        self.page = self.context.pages[0] if self.context.pages else self.context.new_page()
        self.page.on("pageerror", lambda error: self.problems.append(f"uncaught: {error}"))
        self.authenticator = None
        return self.page

    def sign_in(self, name: str) -> None:
        """Signs in with a fresh link and a passkey made for it (the virtual authenticator lives
        only as long as its page, and Chromium keeps one at a time)."""
        if self.authenticator is not None:
            self.authenticator.remove()
        self.authenticator = Authenticator(self.page)
        link = parse_link(self.server.run_cli("enrol-link", "--estate", ESTATE, "--person", name))
        enrol(self.page, link, name)
        self.page.evaluate(CONTROLLED)

    def offline(self, value: bool = True) -> None:
        self.context.set_offline(value)

    def close(self) -> None:
        if self.context is not None:
            self.context.close()
            self.context = None


@pytest.fixture
def guard(browser: Browser, own_server, tmp_path: Path):
    phone = GuardPhone(browser, own_server, tmp_path / "profile")
    phone.open()
    yield phone
    phone.close()
    assert not phone.problems, phone.problems


@pytest.fixture
def household(browser: Browser, own_server):
    context = browser.new_context(base_url=own_server.base_url, viewport=VIEWPORT, locale="en-US")
    context.add_init_script(NO_PASSKEY_AUTOFILL)
    page = context.new_page()
    Authenticator(page)
    enrol(page, parse_link(own_server.run_cli("enrol-link", "--estate", ESTATE, "--person", "Wang Fang")), "Wang Fang")
    yield Household(page)
    context.close()


def guest() -> str:
    return f"Guest {secrets.token_hex(3)}"


def admit_as_signal_goes(guard: GuardPhone, link: str, *, go_offline: bool = True) -> None:
    """An online verdict for a typed pass link; the signal goes just before the tap on Admit
    (or, ``go_offline=False``, the test keeps the admission from getting through itself)."""
    page = guard.page
    page.goto(f"/e/{ESTATE}/gate")
    gate = GatePage(page)
    gate.type_code(link)
    gate.expect_verdict("valid", "VALID")
    if go_offline:
        guard.offline()
    gate.verdict.get_by_role("button", name=t(EN, "Admit")).click()
    expect(gate.verdict).to_have_attribute("data-verdict", "saved")


def admissions(server, name: str) -> list[tuple]:
    return server.sql("SELECT p.name FROM visit v JOIN person p ON p.id = v.admitted_by WHERE v.guest_name = ?", name)


def test_admit_tapped_as_the_signal_goes_survives_a_reload_and_a_closed_browser(guard, household, own_server):
    name = guest()
    link = household.invite(name)
    guard.sign_in("Li Qiang")
    admit_as_signal_goes(guard, link)
    strip = OutboxStrip(guard.page)
    strip.expect_waiting_offline(1)

    guard.page.reload()  # no signal: the page comes from the phone
    strip.expect_waiting_offline(1)
    guard.close()

    # The browser opens again where the server cannot be reached (a browser cannot start with
    # no signal here: its service worker would send at once): the page comes from the phone.
    own_server.stop()
    page = guard.open()
    page.goto(f"/e/{ESTATE}/gate")
    OutboxStrip(page).expect_waiting_offline(1)
    assert admissions(own_server, name) == []
    own_server.start()
    own_server.wait_healthy()
    OutboxStrip(page).expect_state("sent", timeout=30_000)
    assert admissions(own_server, name) == [("Li Qiang",)]


def test_a_server_stopped_half_way_through_the_replay_loses_nothing_and_doubles_nothing(guard, household, own_server):
    names = [guest() for _ in range(3)]
    links = [household.invite(n) for n in names]
    guard.sign_in("Li Qiang")
    # Verdicts get through, admissions do not (a signal that comes and goes).
    guard.context.route("**/gate/admit", lambda route: route.abort("internetdisconnected"))
    for link in links:
        admit_as_signal_goes(guard, link, go_offline=False)
    page = guard.page
    strip = OutboxStrip(page)
    strip.expect_waiting_offline(3)
    guard.context.unroute("**/gate/admit")
    guard.offline()

    sent, held = [], []

    def second_one_finds_the_server_gone(route):  # held until the server is down (stopping it
        sent.append(route.request.url)            # here, inside the handler, could hang the run)
        if len(sent) == 2:
            held.append(route)
        else:
            route.continue_()

    guard.context.route("**/gate/admit", second_one_finds_the_server_gone)
    guard.offline(False)
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while not held and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert held, f"the replay did not reach its second action: {sent}"
    own_server.stop()
    held[0].continue_()  # to a server that is gone
    strip.expect_state("offline")  # the server does not answer: nothing gets through
    own_server.start()
    own_server.wait_healthy()
    strip.expect_state("sent", timeout=30_000)
    guard.context.unroute("**/gate/admit")
    assert [admissions(own_server, n) for n in names] == [[("Li Qiang",)]] * 3


def test_actions_wait_through_an_expired_session_and_go_as_the_guard_who_took_them(guard, household, own_server):
    name = guest()
    link = household.invite(name)
    guard.sign_in("Li Qiang")
    admit_as_signal_goes(guard, link)
    expire_sessions_of(own_server, "Li Qiang")
    guard.offline(False)
    page = guard.page
    page.goto("/signin")
    strip = OutboxStrip(page)
    expect(strip.status).to_have_text(t(EN, "1 action waits on this phone: sign in to send it"))
    assert admissions(own_server, name) == []

    guard.sign_in("Li Qiang")
    OutboxStrip(guard.page).expect_all_sent()
    assert admissions(own_server, name) == [("Li Qiang",)]


def expire_sessions_of(server, name: str) -> None:
    server.execute("UPDATE session SET expires_at = '2000-01-01T00:00:00+00:00'"
                   " WHERE person = (SELECT id FROM person WHERE name = ?)", name)


def test_another_guard_signing_in_on_the_phone_does_not_send_the_first_ones_actions(guard, household, own_server):
    name = guest()
    link = household.invite(name)
    other = f"Sun Tao {secrets.token_hex(2)}"
    own_server.run_cli("add-person", "--estate", ESTATE, "--role", "gate_guard", "--name", other)
    guard.sign_in("Li Qiang")
    admit_as_signal_goes(guard, link)
    expire_sessions_of(own_server, "Li Qiang")  # while the phone had no signal
    guard.offline(False)

    guard.sign_in(other)  # the next shift, on the same phone
    page = guard.page
    page.goto(f"/e/{ESTATE}/gate")
    strip = OutboxStrip(page)
    expect(strip.root.locator("[data-outbox-others]")).to_have_text(
        t(EN, "1 action of %(name)s waits for them to sign in", name="Li Qiang"))
    strip.expect_state("online")
    page.reload()  # a page load sends what waits: not this
    expect(strip.root.locator("[data-outbox-others]")).to_be_visible()
    assert admissions(own_server, name) == []

    guard.sign_in("Li Qiang")
    OutboxStrip(guard.page).expect_all_sent()
    assert admissions(own_server, name) == [("Li Qiang",)]


def test_a_new_version_of_the_app_takes_over_while_actions_wait_and_sends_them_once(guard, household, own_server):
    name = guest()
    link = household.invite(name)
    guard.sign_in("Li Qiang")
    page = guard.page
    old = page.evaluate("() => caches.keys()")
    admit_as_signal_goes(guard, link)
    own_server.restart(RELEASE="2")
    guard.offline(False)
    page.goto(f"/e/{ESTATE}/gate")  # the browser finds the new worker; it waits for a quiet moment
    OutboxStrip(page).expect_all_sent()
    assert admissions(own_server, name) == [("Li Qiang",)]
    # The new worker took over (its cache is there) and the old one's cache is gone. (The page
    # reloads itself once the new worker controls it: the caches are read from a page of their own.)
    probe = guard.context.new_page()
    probe.goto("/offline")
    new = probe.evaluate("""async (old) => {
      for (let i = 0; i < 600; i++) {  // up to 2 minutes: installing precaches every file, slow on a busy machine
        if (i % 25 === 0) await navigator.serviceWorker.getRegistration().then((r) => r && r.update()).catch(() => null);
        const keys = await caches.keys();
        if (keys.some((k) => k.endsWith("-2")) && !keys.some((k) => old.includes(k) && k !== "gatepost-pages")) return keys;
        await new Promise((r) => setTimeout(r, 200));
      }
      return caches.keys();
    }""", old)
    assert any(k.endswith("-2") for k in new), new
    assert not [k for k in old if k != "gatepost-pages" and k in new], (old, new)
