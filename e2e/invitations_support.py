"""Page objects for the resident's invitations and the guest's pass page.

Other flows (the gate's scanner) use them to make a pass and open its page:

    detail = InvitePage.open_from_home(page).invite("Guest 42a")
    PassPage(guest_page).goto(detail.link()).qr   # the <svg data-qr> the guard scans
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from e2e.pages import EN, Screen, t


class InvitePage(Screen):
    """The invite form: everything but the guest's name is filled in."""

    @classmethod
    def open_from_home(cls, page: Page, lang: str = EN) -> InvitePage:
        page.get_by_role("link", name=t(lang, "Invite a guest")).first.click()
        form = cls(page)
        expect(form.heading(lang)).to_be_visible()
        return form

    def heading(self, lang: str = EN) -> Locator:
        return self.page.get_by_role("heading", level=1, name=t(lang, "Invite a guest"))

    def guest_name(self, lang: str = EN) -> Locator:
        return self.page.get_by_label(t(lang, "Guest's name"), exact=True)

    def create(self, lang: str = EN) -> None:
        self.page.get_by_role("button", name=t(lang, "Create pass")).click()

    def invite(self, name: str, lang: str = EN) -> InvitationPage:
        self.guest_name(lang).fill(name)
        self.create(lang)
        detail = InvitationPage(self.page)
        expect(detail.heading(name)).to_be_visible()
        return detail


class InvitationPage(Screen):
    """One pass as the household sees it: share, code, arrivals, revoke."""

    def heading(self, name: str) -> Locator:
        return self.page.get_by_role("heading", level=1, name=name)

    def link_box(self, lang: str = EN) -> Locator:
        return self.page.get_by_label(t(lang, "Link to the guest's pass"))

    def link(self, lang: str = EN) -> str:
        box = self.link_box(lang)
        expect(box).to_have_value(re.compile(r"^https?://.+/p/[a-z2-7]{32}$"))
        return box.input_value()

    def share_button(self, lang: str = EN) -> Locator:
        return self.page.get_by_role("button", name=t(lang, "Share…"))

    def copy_button(self, lang: str = EN) -> Locator:
        return self.page.get_by_role("button", name=t(lang, "Copy link"))

    def state(self, lang: str, state: str) -> Locator:
        return self.page.locator(".pass-state").filter(has_text=t(lang, state))

    def revoke(self, lang: str = EN) -> None:
        self.page.get_by_role("button", name=t(lang, "Revoke pass")).click()
        self.page.get_by_role("dialog").get_by_role("button", name=t(lang, "Revoke"), exact=True).click()
        expect(self.page.get_by_text(t(lang, "Pass revoked. Its link no longer works."))).to_be_visible()


class PassPage(Screen):
    """The guest's public pass page."""

    def goto(self, url: str) -> PassPage:
        self.page.goto(url)
        return self

    @property
    def qr(self) -> Locator:
        return self.page.locator("svg[data-qr]")

    @property
    def guest(self) -> Locator:
        return self.page.locator(".pass__guest")

    @property
    def state(self) -> Locator:
        return self.page.locator("[data-state]")

    def revoked_heading(self, lang: str = EN) -> Locator:
        return self.page.get_by_role("heading", name=t(lang, "This pass has been revoked"))
