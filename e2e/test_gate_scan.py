"""The gate guard scans a guest's pass with the phone's camera, admits them, the household sees
the arrival, the guest leaves, and the same pass is then refused as used up. When the camera
is refused, the guard types the code instead."""

from __future__ import annotations

import secrets
from pathlib import Path

from playwright.sync_api import Browser, expect

from e2e.conftest import NO_PASSKEY_AUTOFILL, TIMEOUT_MS, VIEWPORT, Authenticator, Phone
from e2e.gate_support import GatePage, camera_browser, qr_video
from e2e.invitations_support import InvitationPage, InvitePage, PassPage
from e2e.pages import EN, enrol, t

ESTATE = "harbour-view"


def guard_phone(browser: Browser, base_url: str) -> Phone:
    context = browser.new_context(base_url=base_url, viewport=VIEWPORT, locale="en-US",
                                  extra_http_headers={"Accept-Language": "en-US"})
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    context.add_init_script(NO_PASSKEY_AUTOFILL)
    page = context.new_page()
    phone = Phone(context, page, Authenticator(page))
    phone.watch()
    return phone


def invite(new_phone, enrol_link, guest: str) -> tuple[Phone, InvitationPage, bytes, str]:
    """Wang Fang invites a guest; the guest's pass page shows the QR (returned as a PNG, with
    the link the guest was sent)."""
    resident = new_phone("en-US")
    enrol(resident.page, enrol_link("Wang Fang"), "Wang Fang")
    detail = InvitePage.open_from_home(resident.page).invite(guest)
    guest_phone = new_phone("en-US", authenticator=False)
    link = detail.link()
    pass_page = PassPage(guest_phone.page).goto(link)
    expect(pass_page.qr).to_be_visible()
    return resident, detail, pass_page.qr.screenshot(), link


def test_guard_scans_admits_and_lets_out_a_guest_then_the_pass_is_used_up(browser: Browser, new_phone, enrol_link, base_url, tmp_path: Path):
    guest = f"Zhang Wei {secrets.token_hex(2)}"
    resident, detail, qr, _ = invite(new_phone, enrol_link, guest)
    video = qr_video(tmp_path / "pass.y4m", qr)

    shared = browser
    with camera_browser(shared, video) as browser:
        guard = guard_phone(browser, base_url)
        try:
            home = enrol(guard.page, enrol_link("Li Qiang"), "Li Qiang")
            gate = GatePage.open_from_home(home.page)
            gate.expect_verdict("valid", "VALID")
            expect(gate.verdict).to_contain_text(guest)
            expect(gate.verdict).to_contain_text("5-2-1301")
            gate.admit()

            # The household sees the arrival on the invitation.
            resident.page.reload()
            expect(resident.page.get_by_text(t(EN, "Still inside"))).to_be_visible()
            expect(resident.page.locator(".visit-list")).to_contain_text("North Gate")

            # The guest leaves: the guard scans the pass again and records the exit.
            gate.scan_next()
            gate.expect_verdict("already_inside", "Already inside")
            gate.record_exit()
            gate.scan_next()
            gate.expect_verdict("used_up", "Used up")
            assert not guard.problems, guard.problems
        finally:
            guard.context.close()

    resident.page.reload()
    expect(resident.page.locator(".visit-list")).to_contain_text("Left")


def test_a_refused_camera_leaves_the_code_to_be_typed(browser: Browser, new_phone, enrol_link, base_url):
    guest = f"Li Na {secrets.token_hex(2)}"
    _, _, _, link = invite(new_phone, enrol_link, guest)

    shared = browser
    with camera_browser(shared, None, allow=False) as browser:
        guard = guard_phone(browser, base_url)
        try:
            home = enrol(guard.page, enrol_link("Li Qiang"), "Li Qiang")
            gate = GatePage.open_from_home(home.page)
            expect(gate.problem("denied")).to_be_visible()
            expect(gate.problem("denied")).to_contain_text(t(EN, "The camera is not allowed."))
            expect(gate.manual_field()).to_be_focused()

            gate.type_code(link)  # read out by the guest from the message they were sent
            gate.expect_verdict("valid", "VALID")
            expect(gate.verdict).to_contain_text(guest)
            gate.admit()

            gate.scan_next()
            gate.type_code("NOT A PASS")
            gate.expect_verdict("unknown", "Unknown code")
            assert not guard.problems, guard.problems
        finally:
            guard.context.close()
