"""Simplified Chinese or English: chosen from the top bar or the account page, kept on the
person's account (so it follows them to a new sign-in), and by cookie before signing in."""

from __future__ import annotations

from playwright.sync_api import expect

from e2e.pages import EN, ZH, SignInPage, enrol


def test_language_chosen_in_the_top_bar_is_kept_on_the_account(phone, enrol_link):
    page = phone.page
    home = enrol(page, enrol_link("Wang Xiaoming"), "Wang Xiaoming")
    home.ensure_language(EN)
    home.expect_home_of("Wang Xiaoming", "resident")

    home.switch_language(ZH)
    home.expect_home_of("Wang Xiaoming", "resident", ZH)
    expect(home.language_switch(EN)).to_be_visible()
    expect(home.language_switch(ZH)).to_have_count(0)

    home.open_account(ZH).sign_out(ZH)
    # Forget the language cookie too: only the account can bring Chinese back now.
    phone.context.clear_cookies()
    signin = SignInPage(page).goto()
    signin.expect_language(EN)
    signin.sign_in(EN)
    home.expect_home_of("Wang Xiaoming", "resident", ZH)


def test_account_page_language_buttons(phone, enrol_link):
    page = phone.page
    home = enrol(page, enrol_link("Sun Hao"), "Sun Hao")
    home.ensure_language(EN)
    account = home.open_account(EN)
    expect(account.language_button(EN, EN)).to_have_attribute("aria-pressed", "true")
    expect(account.language_button(ZH, EN)).to_have_attribute("aria-pressed", "false")

    account.choose_language(ZH, EN)
    expect(account.sign_out_button(ZH)).to_be_visible()
    expect(account.language_button(EN, ZH)).to_have_attribute("aria-pressed", "false")

    account.choose_language(EN, ZH)
    expect(account.sign_out_button(EN)).to_be_visible()
    page.goto("/")
    home.expect_home_of("Sun Hao", "manager", EN)


def test_signed_out_visitor_switches_the_sign_in_page(new_phone):
    page = new_phone("zh-CN").page
    signin = SignInPage(page).goto()
    signin.expect_language(ZH)
    expect(signin.heading(ZH)).to_be_visible()

    signin.switch_language(EN)
    expect(signin.heading(EN)).to_be_visible()
    page.reload()
    signin.expect_language(EN)  # kept in a cookie until the person signs in
