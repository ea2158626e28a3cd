"""A passkey prompt that is cancelled or finds no passkey ends in a sentence and a button to try
again, never a stack trace."""

from __future__ import annotations

from playwright.sync_api import expect

from e2e.pages import EN, EnrolPage, HomePage, SignInPage, t


def test_sign_in_without_a_passkey_on_this_phone_says_so_and_can_retry(phone):
    """This phone's authenticator holds no passkey for the site: Chromium rejects with
    NotAllowedError, as it does when a person cancels the prompt."""
    signin = SignInPage(phone.page).goto()
    for _ in range(2):  # the retry meets the same polite refusal
        signin.sign_in()
        expect(signin.error).to_have_text(t(EN, "Sign-in was cancelled. Tap the button to try again."))
        expect(signin.button()).to_be_enabled()
    expect(phone.page.locator("body")).not_to_contain_text("Error")
    signin.expect_shown()


def test_cancelled_passkey_creation_can_be_retried_with_the_same_link(phone, enrol_link):
    page = phone.page
    cdp, authenticator = phone.authenticator.cdp, phone.authenticator.id
    enrolment = EnrolPage(page)
    enrolment.goto(enrol_link("Wu Lei"))
    enrolment.ensure_language(EN)

    # The person fails the fingerprint check (or cancels): the browser rejects the prompt.
    cdp.send("WebAuthn.setUserVerified", {"authenticatorId": authenticator, "isUserVerified": False})
    enrolment.create_passkey()
    expect(enrolment.error).to_have_text(t(EN, "The passkey was not created. Tap the button to try again."))
    expect(enrolment.button()).to_be_enabled()
    assert phone.authenticator.credentials() == []

    cdp.send("WebAuthn.setUserVerified", {"authenticatorId": authenticator, "isUserVerified": True})
    enrolment.create_passkey()
    HomePage(page).expect_home_of("Wu Lei", "supervisor", enrolment.language)
