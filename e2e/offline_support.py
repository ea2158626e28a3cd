"""Guard work with no signal, in the browser: the outbox's strip, passes made by a resident for
the guard's camera to film, and what the server stored (read from its database, for what no
page shows: that each action was stored exactly once)."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from e2e.gate_support import qr_frame, write_y4m
from e2e.invitations_support import InvitationPage, InvitePage, PassPage
from e2e.pages import EN, HomePage, Screen, t

SENT_WAIT_MS = 20_000  # a reconnect sends at once; a missed trigger is caught by the next (30 s)


class OutboxStrip(Screen):
    """The strip at the top of a guard's pages: where the phone's kept actions stand."""

    @property
    def root(self) -> Locator:
        return self.page.locator("[data-outbox-strip]")

    @property
    def status(self) -> Locator:
        return self.root.locator("[data-outbox-status]")

    def expect_state(self, state: str, timeout: int = SENT_WAIT_MS) -> None:
        expect(self.root).to_have_attribute("data-outbox-state", state, timeout=timeout)

    def expect_waiting_offline(self, count: int, lang: str = EN) -> None:
        self.expect_state("offline")
        if count == 1:
            expect(self.status).to_have_text(t(lang, "Offline: 1 action waiting on this phone"))
        else:
            expect(self.status).to_have_text(t(lang, "Offline: %(n)s actions waiting on this phone", n=str(count)))

    def expect_all_sent(self, lang: str = EN) -> None:
        self.expect_state("sent")
        expect(self.status).to_have_text(t(lang, "All sent"))

    @property
    def refused_button(self) -> Locator:
        return self.root.locator("[data-outbox-refused]")


def film_passes(path: Path, qrs: list[bytes], seconds_each: float = 1.2, fps: int = 30) -> Path:
    """A video that shows each QR in turn, over and over: after "Scan next" the camera reads the
    next one in view (the scanner ignores the code it just read for a moment)."""
    frames: list[bytes] = []
    for qr in qrs:
        frames += [qr_frame(qr)] * int(seconds_each * fps)
    return write_y4m(path, frames, fps=fps)


class Household:
    """A resident's phone inviting guests and keeping each invitation's page at hand."""

    def __init__(self, page: Page):
        self.page = page
        self.home = page.url
        self.invitations: dict[str, str] = {}

    def invite(self, guest: str) -> str:
        """Invites ``guest``; returns the link the guest was sent."""
        self.page.goto(self.home)
        detail = InvitePage.open_from_home(self.page).invite(guest)
        self.invitations[guest] = self.page.url
        return detail.link()

    def revoke(self, guest: str) -> None:
        self.page.goto(self.invitations[guest])
        InvitationPage(self.page).revoke()


def qr_of(page: Page, link: str) -> bytes:
    """The QR a guest holds up, as the pass page shows it (a screenshot)."""
    pass_page = PassPage(page).goto(link)
    expect(pass_page.qr).to_be_visible()
    return pass_page.qr.screenshot()


def open_gate_with_list(page: Page, estate: str, lang: str = EN) -> None:
    """The scanner page, once its list of passes for offline verdicts is on the phone."""
    page.goto(f"/e/{estate}/gate")
    expect(page.locator("[data-offline-list-age]")).to_have_text(
        re.compile(re.escape(t(lang, "Offline list of passes from %(time)s", time="")) + r"\d\d:\d\d"))


def home_of(page: Page) -> HomePage:
    return HomePage(page)
