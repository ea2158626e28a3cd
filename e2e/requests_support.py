"""Residents' requests and lost and found in the browser: the resident's request form and
lost report on the phone, the desk's request page and lost-and-found pages on the tablet."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

from playwright.sync_api import Locator, Page, expect

from e2e.pages import EN, Screen, t

ESTATE = "harbour-view"
ZONE = ZoneInfo("Asia/Shanghai")
TABLET = {"width": 1024, "height": 768}


def photo() -> dict:
    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (80, 60), (30, 120, 200)).save(out, "JPEG")
    return {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def hours_ago(hours: float) -> str:
    """A datetime-local value in the estate's time."""
    return (datetime.now(ZONE) - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


class RequestForm(Screen):
    def goto_new(self) -> RequestForm:
        self.page.goto(f"/e/{ESTATE}/requests/new")
        return self

    def send(self, kind: str, text: str, *, photos: int = 0, lang: str = EN) -> RequestPage:
        page = self.page
        page.get_by_role("radio", name=t(lang, kind), exact=True).check()
        page.get_by_label(t(lang, "What is it about?")).fill(text)
        if photos:
            page.get_by_label(t(lang, "Photos (up to 3)")).set_input_files([photo() for _ in range(photos)])
        page.get_by_role("button", name=t(lang, "Send to the front desk")).click()
        return RequestPage(page)


class RequestPage(Screen):
    @property
    def state(self) -> Locator:
        return self.page.locator("[data-request-state]").first

    @property
    def request_id(self) -> str:
        return self.page.url.split("/requests/")[1].split("?")[0]

    def assign(self, team: str, lang: str = EN) -> None:
        self.page.get_by_role("radio", name=t(lang, team), exact=True).check()
        self.page.get_by_role("button", name=t(lang, "Assign"), exact=True).click()
        expect(self.state).to_have_attribute("data-request-state", "assigned")

    def start(self, lang: str = EN) -> None:
        self.page.get_by_role("button", name=t(lang, "Mark as started")).click()
        expect(self.state).to_have_attribute("data-request-state", "in_progress")

    def done(self, note: str, lang: str = EN) -> None:
        self.page.get_by_label(t(lang, "What was done")).fill(note)
        self.page.get_by_role("button", name=t(lang, "Mark as done and tell the resident")).click()
        expect(self.state).to_have_attribute("data-request-state", "done")


class LostFoundForm(Screen):
    def goto_new(self, side: str) -> LostFoundForm:
        self.page.goto(f"/e/{ESTATE}/lost-found/new?side={side}")
        return self

    def record(self, *, category: str, description: str, place: str, when: str, lang: str = EN,
               **more: str) -> None:
        page = self.page
        page.get_by_label(t(lang, "What kind of item")).select_option(category)
        page.get_by_label(t(lang, "Description")).fill(description)
        page.get_by_label(t(lang, "Where"), exact=True).fill(place)
        page.get_by_label(t(lang, "When (as near as known)")).fill(when)
        for label, value in more.items():
            if label == "photo":
                page.get_by_label(t(lang, "Photo (optional)")).set_input_files([photo()])
            else:
                page.get_by_label(t(lang, label), exact=True).fill(value)
        page.get_by_role("button", name=t(lang, "Record"), exact=True).click()
        expect(page.locator(".flash--ok")).to_contain_text(t(lang, "Recorded."))


def lf_state(page: Page) -> Locator:
    return page.locator("[data-lf-state]").first
