"""Incident screens in the browser: the report form, the supervisor's list and an incident's
page, and a 12-megapixel camera photo to attach."""

from __future__ import annotations

import io
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from e2e.conftest import ESTATE
from e2e.pages import EN, t

HOME = f"/e/{ESTATE}"


def camera_photo(path: Path, width: int = 4000, height: int = 3000) -> Path:
    """A JPEG the size a 12-megapixel phone camera makes (about 5 MB: detail, grain)."""
    from PIL import Image

    base = Image.linear_gradient("L").resize((width, height))
    grain = Image.effect_noise((width, height), 22)
    picture = Image.merge("RGB", (base, grain, Image.blend(base, grain, 0.5)))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90)
    path.write_bytes(out.getvalue())
    return path


class ReportForm:
    def __init__(self, page: Page, lang: str = EN):
        self.page = page
        self.lang = lang

    def heading(self) -> Locator:
        return self.page.get_by_role("heading", level=1, name=t(self.lang, "Report an incident"))

    def fill(self, *, kind: str, severity: str, place: str, description: str, people: str = "",
             calls: tuple[str, ...] = ()) -> "ReportForm":
        page, lang = self.page, self.lang
        page.get_by_label(t(lang, "What happened"), exact=True).select_option(label=t(lang, kind))
        page.get_by_role("radio", name=t(lang, severity), exact=True).check()
        page.get_by_label(t(lang, "Place"), exact=True).fill(place)
        page.get_by_label(t(lang, "What you saw")).fill(description)
        if people:
            page.get_by_label(t(lang, "People involved (optional)")).fill(people)
        for call in calls:
            page.get_by_role("checkbox", name=t(lang, call)).check()
        return self

    @property
    def photos(self) -> Locator:
        return self.page.get_by_label(t(self.lang, "Photos (optional, up to 4)"))

    def attach(self, *paths: Path) -> tuple[int, int]:
        """Attach photos as the camera gives them; (bytes chosen, bytes the phone will send)."""
        self.photos.set_input_files([str(p) for p in paths])
        expect(self.photos).to_have_attribute("data-photo-ready", "1", timeout=20_000)
        return int(self.photos.get_attribute("data-bytes-before")), int(self.photos.get_attribute("data-bytes-after"))

    def send(self) -> None:
        self.page.get_by_role("button", name=t(self.lang, "Send report")).click()


class IncidentPage:
    def __init__(self, page: Page, lang: str = EN):
        self.page = page
        self.lang = lang

    @property
    def state(self) -> Locator:
        return self.page.locator(".incident-state")

    @property
    def timeline(self) -> Locator:
        return self.page.locator(".incident-timeline")

    def dispatch(self, guard: str) -> None:
        self.page.get_by_label(t(self.lang, "Patrol guard"), exact=True).select_option(label=guard)
        self.page.get_by_role("button", name=t(self.lang, "Send"), exact=True).click()
        expect(self.page.get_by_text(t(self.lang, "Guard sent. They get a notification."))).to_be_visible()
