"""Page objects for the duty log and the handover, in the manner of ``e2e/pages.py``: locators
by role, label or visible text, texts from the app's catalogues."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from uuid import uuid4

from playwright.sync_api import Locator, Page, expect

from e2e.pages import EN, Screen, t

TABLET = {"width": 1024, "height": 768}


class DutyHome(Screen):
    """The duty section of a person's home."""

    def start_shift(self, post: str = "Lobby", lang: str = EN) -> None:
        self.page.get_by_role("button", name=t(lang, "Start shift: %(post)s", post=t(lang, post))).click()

    def my_shift(self, lang: str = EN) -> None:
        self.page.get_by_role("link", name=re.compile(re.escape(t(lang, "My shift")))).click()


class ShiftPage(Screen):
    def heading(self, lang: str = EN) -> Locator:
        return self.page.get_by_role("heading", level=1, name=t(lang, "My shift"))

    def flash(self) -> Locator:
        return self.page.locator(".flash")

    def quick(self, text: str, lang: str = EN) -> None:
        self.page.get_by_role("button", name=t(lang, text), exact=True).click()

    def log(self, lang: str = EN) -> Locator:
        return self.page.get_by_role("list", name=t(lang, "This shift's log"))

    def entry(self, text: str) -> Locator:
        return self.log().get_by_role("listitem").filter(has_text=text)

    def write(self, kind: str, text: str, *, unit: str = "", next_shift: bool = False, lang: str = EN) -> None:
        self.page.get_by_role("radio", name=t(lang, kind), exact=True).check()
        self.page.get_by_label(t(lang, "What happened"), exact=True).fill(text)
        if unit:
            self.page.get_by_label(t(lang, "Unit (optional)"), exact=True).fill(unit)
        if next_shift:
            self.page.get_by_role("checkbox", name=t(lang, "For the next shift")).check()
        self.page.get_by_role("button", name=t(lang, "Add to the log"), exact=True).click()

    def hand_over(self, lang: str = EN) -> None:
        self.page.get_by_role("link", name=t(lang, "Hand over the shift")).click()


class HandoverPage(Screen):
    """The handover: before it is made (what it will list, the note) and after (acknowledged)."""

    def items(self, lang: str = EN) -> Locator:
        return self.page.get_by_role("list", name=t(lang, "What the next shift must know")).get_by_role("listitem")

    def item(self, kind: str) -> Locator:
        return self.page.locator(f'[data-item-kind="{kind}"]')

    def hand_over(self, note: str, lang: str = EN) -> None:
        self.page.get_by_label(t(lang, "Note for the next shift (optional)")).fill(note)
        self.page.get_by_role("button", name=t(lang, "Hand over"), exact=True).click()

    def state(self) -> Locator:
        return self.page.locator("[data-handover-state]")

    def acknowledge_all(self, lang: str = EN) -> Locator:
        return self.page.get_by_role("button", name=t(lang, "Acknowledge all"))

    def seen(self, item: Locator, lang: str = EN) -> None:
        item.get_by_role("button", name=re.compile("^" + re.escape(t(lang, "Seen")))).click()


def overdue_visit(server, guest: str, unit: str = "5-2-1301", estate: str = "harbour-view") -> None:
    """A visitor let in three hours ago and due out an hour ago (written as the gate would)."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    server.execute(
        "INSERT INTO visit (id, estate, unit, guest_name, party_size, purpose, entered_at, expected_until)"
        " SELECT ?, e.id, u.id, ?, 1, 'family_friend', ?, ? FROM estate e JOIN unit u ON u.estate = e.id"
        " WHERE e.slug = ? AND u.label = ?",
        str(uuid4()), guest, str(now - timedelta(hours=3)), str(now - timedelta(hours=1)), estate, unit,
    )
