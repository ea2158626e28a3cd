"""Page objects: one class per screen, locators by role, label or visible text.

Expected texts come from the app's own catalogues (``t(lang, msgid)``), so the same test reads
the English and the Chinese screen, and a test never restates a translation by hand.
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, Response, expect

from app.i18n import LANGUAGE_NAMES, gettext_in

EN = "en"
ZH = "zh-Hans"

ROLE_NAMES = {
    "admin": "Admin",
    "manager": "Manager",
    "supervisor": "Supervisor",
    "front_desk": "Front desk",
    "gate_guard": "Gate guard",
    "patrol_guard": "Patrol guard",
    "resident": "Resident",
}


def t(lang: str, message: str, **variables: str) -> str:
    """The app's text for ``message`` in ``lang``, as its templates render it."""
    text = gettext_in(lang, message)
    return text % variables if variables else text


def role_name(role: str, lang: str) -> str:
    return t(lang, ROLE_NAMES[role])


class Screen:
    """What every page of the app has: the top bar's language switch and the bottom bar."""

    def __init__(self, page: Page):
        self.page = page

    @property
    def language(self) -> str | None:
        return self.page.locator("html").get_attribute("lang")

    def expect_language(self, lang: str) -> None:
        expect(self.page.locator("html")).to_have_attribute("lang", lang)

    def language_switch(self, lang: str) -> Locator:
        """The top-bar button that switches to ``lang``; it shows the language's own name."""
        return self.page.locator("header").get_by_role("button", name=LANGUAGE_NAMES[lang])

    def switch_language(self, lang: str) -> None:
        self.language_switch(lang).click()
        self.expect_language(lang)

    def ensure_language(self, lang: str) -> None:
        """Switch only if the page is in another language (a person's choice outlives a test)."""
        if self.language != lang:
            self.switch_language(lang)

    def nav_link(self, lang: str, label: str) -> Locator:
        return self.page.get_by_role("navigation").get_by_role("link", name=t(lang, label), exact=True)

    def open_account(self, lang: str = EN) -> AccountPage:
        self.nav_link(lang, "Account").click()
        account = AccountPage(self.page)
        expect(account.sign_out_button(lang)).to_be_visible()
        return account


class SignInPage(Screen):
    def goto(self) -> SignInPage:
        self.page.goto("/signin")
        return self

    def heading(self, lang: str = EN) -> Locator:
        return self.page.get_by_role("heading", name=t(lang, "Sign in to Gatepost"))

    def button(self, lang: str = EN) -> Locator:
        return self.page.get_by_role("button", name=t(lang, "Sign in with passkey"))

    @property
    def error(self) -> Locator:
        return self.page.get_by_role("alert")

    def sign_in(self, lang: str = EN) -> None:
        """Tap the button; the virtual authenticator answers with the page's own passkey."""
        self.button(lang).click()

    def expect_shown(self, lang: str = EN) -> None:
        expect(self.page).to_have_url(re.compile(r"/signin(\?|$)"))
        expect(self.heading(lang)).to_be_visible()


class EnrolPage(Screen):
    def goto(self, link: str) -> Response | None:
        return self.page.goto(link)

    def welcome(self, name: str, lang: str = EN) -> Locator:
        return self.page.get_by_role("heading", name=t(lang, "Welcome, %(name)s", name=name))

    def button(self, lang: str = EN) -> Locator:
        return self.page.get_by_role("button", name=t(lang, "Create passkey"))

    @property
    def error(self) -> Locator:
        return self.page.get_by_role("alert")

    def create_passkey(self, lang: str = EN) -> None:
        self.button(lang).click()

    def used_heading(self, lang: str = EN) -> Locator:
        return self.page.get_by_role("heading", name=t(lang, "This link has already been used"))

    def expired_heading(self, lang: str = EN) -> Locator:
        return self.page.get_by_role("heading", name=t(lang, "This link has expired"))

    def invalid_heading(self, lang: str = EN) -> Locator:
        return self.page.get_by_role("heading", name=t(lang, "This link is not valid"))


class HomePage(Screen):
    def greeting(self, name: str, lang: str = EN) -> Locator:
        return self.page.get_by_role("heading", level=1, name=t(lang, "Hello, %(name)s", name=name))

    def section(self, role: str, lang: str = EN) -> Locator:
        return self.page.get_by_role("heading", level=2, name=role_name(role, lang), exact=True)

    @property
    def gates(self) -> Locator:
        return self.page.locator(".chips").get_by_role("listitem")

    def expect_home_of(self, name: str, role: str, lang: str = EN) -> None:
        expect(self.page).to_have_url(re.compile(r"/e/[^/]+/?$"))
        expect(self.greeting(name, lang)).to_be_visible()
        expect(self.section(role, lang)).to_be_visible()

    def wait_loaded(self) -> None:
        """The home has loaded, whatever its language (a person's choice may outlive a test)."""
        expect(self.page).to_have_url(re.compile(r"/e/[^/]+/?$"))
        expect(self.page.get_by_role("heading", level=1)).to_be_visible()


class PeoplePage(Screen):
    """The estate's people (admin) or residents (front desk)."""

    def heading(self, lang: str = EN) -> Locator:
        return self.page.get_by_role("heading", level=1, name=t(lang, "People and roles"))

    def add_person(self, lang: str = EN) -> NewPersonPage:
        self.page.get_by_role("link", name=t(lang, "Add a person")).click()
        form = NewPersonPage(self.page)
        expect(form.heading(lang)).to_be_visible()
        return form


class NewPersonPage(Screen):
    def heading(self, lang: str = EN) -> Locator:
        return self.page.get_by_role("heading", level=1, name=t(lang, "Add a person"))

    def create(self, name: str, roles: list[str], lang: str = EN, unit: str = "") -> PersonPage:
        self.page.get_by_label(t(lang, "Full name"), exact=True).fill(name)
        for role in roles:
            self.page.get_by_role("checkbox", name=role_name(role, lang), exact=True).check()
        if unit:
            self.page.get_by_label(t(lang, "Unit"), exact=True).fill(unit)
        self.page.get_by_role("button", name=t(lang, "Add"), exact=True).click()
        expect(self.page.get_by_role("heading", level=1, name=name)).to_be_visible()
        return PersonPage(self.page)


class PersonPage(Screen):
    def __init__(self, page: Page):
        super().__init__(page)
        self.url = page.url.split("?")[0]

    def goto(self) -> PersonPage:
        self.page.goto(self.url)
        return self

    def heading(self, name: str) -> Locator:
        return self.page.get_by_role("heading", level=1, name=name)

    def issue_link(self, lang: str = EN) -> str:
        """Issue a one-time sign-in link and read it from the box the admin copies it from."""
        self.page.get_by_role("button", name=t(lang, "Issue sign-in link")).click()
        box = self.page.get_by_label(t(lang, "Copy this link and send it to them"))
        expect(box).to_have_value(re.compile(r"^https?://.+/enrol/.+"))
        return box.input_value()

    def passkeys_section(self, lang: str = EN) -> Locator:
        return self.page.locator("section").filter(
            has=self.page.get_by_role("heading", name=t(lang, "Sign-in"), exact=True)
        )


class AccountPage(Screen):
    def goto(self) -> AccountPage:
        self.page.goto("/account")
        return self

    def sign_out_button(self, lang: str = EN) -> Locator:
        return self.page.get_by_role("button", name=t(lang, "Sign out"))

    def sign_out(self, lang: str = EN) -> SignInPage:
        self.sign_out_button(lang).click()
        signin = SignInPage(self.page)
        expect(self.page).to_have_url(re.compile(r"/signin$"))
        return signin

    def language_section(self, lang: str) -> Locator:
        return self.page.locator("section").filter(
            has=self.page.get_by_role("heading", name=t(lang, "Language"), exact=True)
        )

    def language_button(self, choice: str, lang: str) -> Locator:
        """A button of the account's language section: ``choice`` while the page is in ``lang``."""
        return self.language_section(lang).get_by_role("button", name=LANGUAGE_NAMES[choice], exact=True)

    def choose_language(self, choice: str, lang: str) -> None:
        self.language_button(choice, lang).click()
        self.expect_language(choice)
        expect(self.language_button(choice, choice)).to_have_attribute("aria-pressed", "true")


class ErrorPage(Screen):
    def heading(self, status: int, lang: str = EN) -> Locator:
        return self.page.get_by_role("heading", name=t(lang, "Not allowed" if status == 403 else "Not found"))

    def home_link(self, lang: str = EN) -> Locator:
        return self.page.get_by_role("link", name=t(lang, "Go to my home"))


class OfflinePage(Screen):
    """Shown by the service worker in place of any page it cannot fetch; it speaks both languages."""

    def heading(self, lang: str = EN) -> Locator:
        return self.page.locator(f'main [lang="{lang}"]').get_by_role("heading", name=t(lang, "You are offline"))


def enrol(page: Page, link: str, name: str, lang: str = EN) -> HomePage:
    """Open a one-time link, create the passkey and arrive home (in whatever language)."""
    enrol_page = EnrolPage(page)
    enrol_page.goto(link)
    expect(enrol_page.welcome(name, enrol_page.language or lang)).to_be_visible()
    enrol_page.create_passkey(enrol_page.language or lang)
    home = HomePage(page)
    home.wait_loaded()
    return home
