"""Goods release in the browser: the slip form as a resident fills it, the desk's check screen,
the supervisor's approval, and the gate's checklist over the verdict."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from time import sleep
from zoneinfo import ZoneInfo

from playwright.sync_api import Locator, Page, expect

from e2e.pages import EN, Screen, t

ESTATE = "harbour-view"
ZONE = ZoneInfo("Asia/Shanghai")
LAST_MINUTES = timedelta(minutes=5)  # a slip made now must still be in its window at the gate


def today() -> date:
    return datetime.now(ZONE).date()


def window_now() -> tuple[str, str, str]:
    """Today (the estate's), from an hour ago to two hours on, kept within the day."""
    now = datetime.now(ZONE)
    left = datetime.combine(now.date() + timedelta(days=1), time(0, 0), tzinfo=ZONE) - now
    if left < LAST_MINUTES:  # the window would end before the guard scans: wait for the new day
        sleep(left.total_seconds() + 1)
        now = datetime.now(ZONE)
    start = max(now - timedelta(hours=1), now.replace(hour=0, minute=0))
    end = min(now + timedelta(hours=2), now.replace(hour=23, minute=59))
    return now.date().isoformat(), start.strftime("%H:%M"), end.strftime("%H:%M")


class SlipForm(Screen):
    def goto_new(self) -> SlipForm:
        self.page.goto(f"/e/{ESTATE}/release-slips/new")
        return self

    def fill(self, *, reason: str = "repair", items=(("Boxes", "3"),), day: str, start: str, end: str,
             carrier: str = "Zhao Lei", id_number: str = "110105199003071234", phone: str = "13912345678",
             lang: str = EN) -> SlipForm:
        page = self.page
        page.get_by_label(t(lang, "Reason"), exact=True).select_option(reason)
        for i, (name, quantity) in enumerate(items):
            page.get_by_label(t(lang, "Item %(n)s", n=str(i + 1)), exact=True).fill(name)
            page.locator(f"#f-item-{i}-quantity").fill(quantity)
        page.get_by_label(t(lang, "Carrier's name"), exact=True).fill(carrier)
        page.get_by_label(t(lang, "ID type"), exact=True).select_option("resident_id")
        page.get_by_label(t(lang, "ID number"), exact=True).fill(id_number)
        page.get_by_label(t(lang, "Carrier's phone"), exact=True).fill(phone)
        page.get_by_label(t(lang, "Day"), exact=True).fill(day)
        page.get_by_label(t(lang, "From"), exact=True).fill(start)
        page.get_by_label(t(lang, "Until"), exact=True).fill(end)
        return self

    def submit(self, lang: str = EN) -> None:
        self.page.get_by_role("button", name=t(lang, "Submit"), exact=True).click()

    def error(self, field: str) -> Locator:
        return self.page.locator(f"#e-{field}")


class SlipPage(Screen):
    """A slip's page: its number, state, QR once approved."""

    @property
    def number(self) -> str:
        heading = self.page.get_by_role("heading", level=1).inner_text()
        return heading.split()[-1]

    @property
    def state(self) -> Locator:
        return self.page.locator(".slip-head [data-slip-state]")

    @property
    def qr(self) -> Locator:
        return self.page.locator(".slip-qr .qr-box")

    @property
    def slip_id(self) -> str:
        return re.search(r"/release-slips/([0-9a-f-]{36})", self.page.url).group(1)


class CheckScreen(Screen):
    """The desk's check screen (and the supervisor's second approval on the same page)."""

    def goto(self, slip_id: str) -> CheckScreen:
        self.page.goto(f"/e/{ESTATE}/release-slips/{slip_id}/check")
        return self

    def approve_as_desk(self, identity: str = "resident_id", lang: str = EN) -> None:
        self.page.get_by_label(t(lang, "Requester's identity: what you saw")).select_option(identity)
        self.page.get_by_label(t(lang, "Items confirmed with the requester")).check()
        self.page.get_by_role("button", name=t(lang, "Approve for the supervisor")).click()

    def approve_as_supervisor(self, lang: str = EN) -> None:
        self.page.get_by_role("button", name=t(lang, "Approve: issue the QR code")).click()
        expect(self.page.locator(".flash--ok")).to_have_text(
            t(lang, "Approved. The slip has its QR code and the requester is told."))


class GateChecklist:
    def __init__(self, page: Page):
        self.page = page
        self.verdict = page.locator("#verdict [data-verdict]")

    def type_code(self, token: str, lang: str = EN) -> None:
        self.page.get_by_label(t(lang, "Or type the pass link")).fill(token)
        self.page.get_by_role("button", name=t(lang, "Check code")).click()

    def expect(self, code: str) -> None:
        expect(self.verdict).to_have_attribute("data-verdict", code, timeout=10_000)

    def tick_all(self, lang: str = EN) -> None:
        for box in self.verdict.locator('input[name="item"]').all():
            box.check()
        self.verdict.locator('input[name="carrier_confirmed"]').check()

    def release(self, lang: str = EN) -> None:
        self.verdict.get_by_role("button", name=t(lang, "Release"), exact=True).click()
        self.expect("released")

    def hold(self, note: str, lang: str = EN) -> None:
        self.verdict.get_by_text(t(lang, "Something does not match: hold")).click()
        self.verdict.get_by_label(t(lang, "What does not match")).fill(note)
        self.verdict.get_by_role("button", name=t(lang, "Hold the slip")).click()
        self.expect("held")
