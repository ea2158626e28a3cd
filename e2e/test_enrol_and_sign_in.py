"""A guard opens the one-time link, creates a passkey, and from then on signs in with it alone."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from e2e.pages import EN, AccountPage, SignInPage, enrol


def test_guard_enrols_from_a_link_and_signs_in_again_with_the_passkey(phone, enrol_link):
    page = phone.page
    home = enrol(page, enrol_link("Li Qiang"), "Li Qiang")
    home.ensure_language(EN)
    home.expect_home_of("Li Qiang", "gate_guard")
    expect(home.gates.filter(has_text="North Gate 北门")).to_be_visible()
    [credential] = phone.authenticator.credentials()
    assert credential["rpId"] == "localhost" and credential["isResidentCredential"]

    signin = home.open_account().sign_out()
    signin.expect_shown()
    page.goto("/")  # signed out, home is not reachable
    signin.expect_shown()

    signin.sign_in()
    home.expect_home_of("Li Qiang", "gate_guard")
    expect(home.gates.filter(has_text="North Gate 北门")).to_be_visible()


def test_sign_in_returns_to_the_page_that_asked_for_it(phone, enrol_link):
    page = phone.page
    home = enrol(page, enrol_link("Chen Jing"), "Chen Jing")
    home.ensure_language(EN)
    home.open_account().sign_out()

    page.goto("/account")
    expect(page).to_have_url(re.compile(r"/signin\?next=/account$"))
    SignInPage(page).sign_in()
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(AccountPage(page).sign_out_button()).to_be_visible()


def test_passkey_autofill_signs_in_without_a_tap(new_phone, enrol_link):
    """Where the browser offers passkey autofill, the sign-in page asks for it on load: the
    virtual authenticator, like a person picking the one suggestion, completes it."""
    phone = new_phone("en-US", autofill=True)
    page = phone.page
    home = enrol(page, enrol_link("Zhao Gang"), "Zhao Gang")
    home.ensure_language(EN)
    visited = []
    page.on("framenavigated", lambda frame: frame == page.main_frame and visited.append(frame.url))

    home.open_account().sign_out_button().click()
    home.expect_home_of("Zhao Gang", "patrol_guard")
    assert any(re.search(r"/signin$", url) for url in visited), visited
    expect(SignInPage(page).button()).to_have_count(0)
