"""Patrol in the browser: the supervisor sets up a route and prints its tags, the guard's round
page (scanning tags with the phone's camera, answering each checklist), and the board."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from e2e.conftest import ESTATE
from e2e.offline_support import film_passes
from e2e.pages import EN, Screen, t

HOME = f"/e/{ESTATE}"
# Checkpoints of the demo estate (app/services/demo_patrol.py).
PUMP, BIKES, CARS = "Pump room", "Bike shed", "Car park B1"


class RoutesPage(Screen):
    """The supervisor's routes: a new one numbered from the estate's checkpoints."""

    def goto(self) -> RoutesPage:
        self.page.goto(f"{HOME}/patrol/routes")
        return self

    def add(self, name: str, checkpoints: list[str], lang: str = EN) -> None:
        form = self.page.locator("form[action$='/patrol/routes']")
        form.get_by_label(t(lang, "Name"), exact=True).fill(name)
        for number, checkpoint in enumerate(checkpoints, start=1):
            form.get_by_label(re.compile("^" + re.escape(checkpoint))).fill(str(number))
        form.get_by_role("button", name=t(lang, "Add the route")).click()
        expect(self.page.get_by_text(t(lang, "Route added."))).to_be_visible()


def new_route(page: Page, checkpoints: list[str]) -> str:
    name = f"Round {secrets.token_hex(3)}"
    RoutesPage(page).goto().add(name, checkpoints)
    return name


def printed_tags(page: Page, names: list[str]) -> list[bytes]:
    """The tag sheet as printed: a picture of each named checkpoint's tag."""
    page.goto(f"{HOME}/patrol/tags")
    shots = []
    for name in names:
        tag = page.locator(f'figure[data-checkpoint-name="{name}"] .tag__qr')
        expect(tag).to_be_visible()
        shots.append(tag.screenshot())
    return shots


def film_tags(path: Path, tags: list[bytes]) -> Path:
    """The guard walks past each tag in turn, over and over."""
    return film_passes(path, tags, seconds_each=1.0, fps=10)


class RoundPage(Screen):
    """A round in progress: the camera, the progress, the checklist a scan shows."""

    @classmethod
    def start_from_home(cls, page: Page, route: str, lang: str = EN) -> RoundPage:
        page.goto(f"{HOME}/")
        item = page.locator("[data-next-rounds] li", has_text=route)
        item.get_by_role("button", name=t(lang, "Start round")).click()
        expect(page.locator("[data-patrol-round]")).to_be_visible()
        # The camera and its reader are up before the guard walks off: the reader's files are
        # kept on the phone when first loaded, not before (app/routes/pwa.py).
        expect(page.locator("[data-scanner]")).to_have_attribute("data-scanner-state", "running", timeout=30_000)
        return cls(page)

    @property
    def progress(self) -> Locator:
        return self.page.locator("[data-progress]")

    def expect_progress(self, done: int, total: int, lang: str = EN) -> None:
        expect(self.progress).to_have_text(t(lang, "%(done)s of %(total)s", done=str(done), total=str(total)))

    @property
    def result(self) -> Locator:
        return self.page.locator("#scan-result")

    @property
    def checklist(self) -> Locator:
        return self.result.locator("form.checklist")

    def answer_next(self, *, no: bool = False, lang: str = EN) -> str:
        """Wait for the camera to read a tag not yet checked; answer its checklist (all yes, or
        the first question no) and check in. Returns the checkpoint's name."""
        expect(self.checklist).to_be_visible(timeout=60_000)
        name = self.checklist.get_by_role("heading", level=2).inner_text()
        questions = self.checklist.locator("fieldset[data-question]")
        for i in range(questions.count()):
            answer = t(lang, "No") if (no and i == 0) else t(lang, "Yes")
            questions.nth(i).get_by_label(answer, exact=True).check()
        self.checklist.get_by_role("button", name=t(lang, "Check in")).click()
        return name

    @property
    def incident_link(self) -> Locator:
        return self.result.get_by_role("link", name=t(EN, "Report an incident here"))

    def scan_next(self, lang: str = EN) -> None:
        self.result.get_by_role("button", name=t(lang, "Scan the next checkpoint")).click()

    def finish(self, lang: str = EN) -> None:
        self.page.get_by_role("button", name=t(lang, "Finish the round")).click()


def board_section(page: Page, route: str) -> Locator:
    page.goto(f"{HOME}/patrol/board")
    return page.locator(f'section[data-board-route="{route}"]')


def stored_check_ins(server, route: str) -> list[tuple]:
    """Each check-in the server stored on the route's rounds, with its round's state."""
    return server.sql(
        "SELECT c.checkpoint, r.state, c.time_flagged FROM check_in c JOIN patrol_round r ON r.id = c.round"
        " JOIN patrol_route p ON p.id = r.route WHERE p.name = ?", route)
