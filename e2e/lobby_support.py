"""Page objects for the watchlist and the lobby tablet (and the bit of the resident's invite form
their tests use), in the manner of ``e2e/pages.py``: locators by role, label or visible text."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from e2e.pages import EN, HomePage, Screen, t

POLL_WAIT_MS = 15_000  # the lobby list asks every 10 s


class WatchlistPage(Screen):
    def heading(self, lang: str = EN) -> Locator:
        return self.page.get_by_role("heading", level=1, name=t(lang, "Watchlist"))

    @classmethod
    def open_from_home(cls, home: HomePage, lang: str = EN) -> WatchlistPage:
        home.page.get_by_role("link", name=t(lang, "Watchlist")).click()
        watchlist = cls(home.page)
        expect(watchlist.heading(lang)).to_be_visible()
        return watchlist

    def field(self, label: str, lang: str = EN) -> Locator:
        return self.page.get_by_label(t(lang, label), exact=True)

    def fill(self, lang: str = EN, **values: str) -> None:
        labels = {"name": "Name", "id_number": "ID number", "phone": "Phone", "reason": "Reason",
                  "until": "Barred until (optional)"}
        for key, value in values.items():
            self.field(labels[key], lang).fill(value)

    def submit(self, lang: str = EN) -> None:
        self.page.get_by_role("button", name=t(lang, "Add to watchlist")).click()

    def barred_now(self, lang: str = EN) -> Locator:
        return self.page.get_by_role("list", name=t(lang, "Barred now"))

    def entry(self, name: str) -> Locator:
        return self.page.get_by_role("listitem").filter(has_text=name)

    def remove(self, name: str, lang: str = EN) -> None:
        """Tap the entry's Remove, then confirm in the dialog that asks first."""
        self.entry(name).get_by_role("button", name=re.compile(re.escape(t(lang, "Remove")))).click()
        dialog = self.page.get_by_role("dialog")
        expect(dialog).to_contain_text(name)
        dialog.get_by_role("button", name=t(lang, "Remove"), exact=True).click()


class LobbyPage(Screen):
    def heading(self, lang: str = EN) -> Locator:
        return self.page.get_by_role("heading", level=1, name=t(lang, "Expected visitors today"))

    @classmethod
    def open_from_home(cls, home: HomePage, lang: str = EN) -> LobbyPage:
        home.page.get_by_role("link", name=t(lang, "Expected visitors today")).click()
        lobby = cls(home.page)
        expect(lobby.heading(lang)).to_be_visible()
        return lobby

    def visitor(self, guest: str) -> Locator:
        return self.page.get_by_role("list", name=re.compile(".")).get_by_role("listitem").filter(has_text=guest)

    def count(self, key: str) -> Locator:
        return self.page.locator(f'[data-count="{key}"]')


def invite_today(page: Page, estate: str, guest: str, lang: str = EN) -> None:
    """A resident's three-tap invitation: today, from now until midnight, single entry."""
    page.goto(f"/e/{estate}/invitations/new")
    page.get_by_label(t(lang, "Guest's name"), exact=True).fill(guest)
    page.get_by_role("button", name=t(lang, "Create pass")).click()
    expect(page).to_have_url(re.compile(r"/invitations/[0-9a-f-]{36}\?done=created"))
