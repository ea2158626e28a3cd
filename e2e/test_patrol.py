"""Patrol rounds in the browser: the supervisor sets up a route and prints its tags; the guard
starts a round from home and scans each printed tag with the phone's camera, answering its
checklist (one "no" offers an incident report there); the supervisor's board shows the round
done. A round walked with no signal lands once when the phone is back online. A round not
started in time is on the board as missed, and the supervisor was alerted."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, expect

from e2e.conftest import ESTATE
from e2e.gate_support import camera_browser, guard_phone
from e2e.offline_support import OutboxStrip
from e2e.patrol_support import (BIKES, CARS, PUMP, RoundPage, board_section, film_tags, new_route, printed_tags,
                                stored_check_ins)
from e2e.pages import EN, enrol, t
from e2e.test_pwa import CONTROLLED

CHECKPOINTS = [PUMP, BIKES, CARS]


def test_a_guard_walks_a_round_scanning_the_printed_tags_and_the_board_shows_it_done(
        browser: Browser, new_phone, enrol_link, server, base_url, tmp_path: Path):
    supervisor = new_phone("en-US")
    enrol(supervisor.page, enrol_link("Wu Lei"), "Wu Lei")
    route = new_route(supervisor.page, CHECKPOINTS)
    video = film_tags(tmp_path / "tags.y4m", printed_tags(supervisor.page, CHECKPOINTS))

    with camera_browser(browser, video) as camera:
        guard = guard_phone(camera, base_url)
        try:
            enrol(guard.page, enrol_link("Zhao Gang"), "Zhao Gang")
            walk = RoundPage.start_from_home(guard.page, route)
            walk.expect_progress(0, 3)
            checked = [walk.answer_next(no=True)]
            walk.expect_progress(1, 3)
            expect(walk.incident_link).to_have_attribute("href", f"/e/{ESTATE}/incidents/new?checkpoint="
                                                         + _id_of(server, checked[0]) + "&place=" + _place(server, checked[0]))
            walk.scan_next()
            for done in (2, 3):
                checked.append(walk.answer_next())
                walk.expect_progress(done, 3)
            assert sorted(checked) == sorted(CHECKPOINTS)
            expect(guard.page.locator("[data-next-name]")).to_have_text(t(EN, "All checkpoints checked: finish the round."))
            walk.finish()
            expect(guard.page.get_by_text(t(EN, "Round finished."))).to_be_visible()
            assert not guard.problems, guard.problems
        finally:
            guard.context.close()

    section = board_section(supervisor.page, route)
    done = section.locator('tr[data-slot-state="done"]')
    expect(done).to_have_count(1)
    expect(done).to_contain_text(t(EN, "%(done)s of %(total)s", done="3", total="3"))
    assert len(stored_check_ins(server, route)) == 3


def test_a_round_walked_with_no_signal_lands_once_when_the_signal_is_back(
        browser: Browser, new_phone, enrol_link, server, base_url, tmp_path: Path):
    supervisor = new_phone("en-US")
    enrol(supervisor.page, enrol_link("Wu Lei"), "Wu Lei")
    route = new_route(supervisor.page, CHECKPOINTS)
    video = film_tags(tmp_path / "tags.y4m", printed_tags(supervisor.page, CHECKPOINTS))

    with camera_browser(browser, video) as camera:
        guard = guard_phone(camera, base_url)
        try:
            page = guard.page
            enrol(page, enrol_link("Zhao Gang"), "Zhao Gang")
            page.evaluate(CONTROLLED)
            walk = RoundPage.start_from_home(page, route)
            strip = OutboxStrip(page)
            strip.expect_state("online")
            guard.context.set_offline(True)  # down the stairs to the basement
            for done in (1, 2, 3):
                walk.answer_next()
                walk.expect_progress(done, 3)
            strip.expect_waiting_offline(3)
            walk.finish()
            strip.expect_waiting_offline(4)
            assert stored_check_ins(server, route) == []

            guard.context.set_offline(False)
            strip.expect_all_sent()
            assert not guard.problems, guard.problems
        finally:
            guard.context.close()

    stored = stored_check_ins(server, route)
    assert len(stored) == 3 and len({c for c, _, _ in stored}) == 3
    assert all(state == "done" and not flagged for _, state, flagged in stored)
    expect(board_section(supervisor.page, route).locator('tr[data-slot-state="done"]')).to_have_count(1)


def test_a_missed_round_is_on_the_board_and_the_supervisor_was_alerted(new_phone, enrol_link):
    supervisor = new_phone("en-US")
    enrol(supervisor.page, enrol_link("Wu Lei"), "Wu Lei")
    section = board_section(supervisor.page, "Basements and plant rooms")  # the demo's hourly route
    expect(section.locator('tr[data-slot-state="missed"]').first).to_be_visible()
    expect(section.locator('[data-tally="missed"]')).not_to_have_text(t(EN, "Missed: %(n)s", n="0"))

    supervisor.page.goto("/notifications")
    expect(supervisor.page.get_by_text(t(EN, "Patrol round not started")).first).to_be_visible(timeout=45_000)


def _id_of(server, name: str) -> str:
    (row,) = server.sql("SELECT id FROM checkpoint WHERE name = ?", name)
    return str(row[0]).replace("-", "") if "-" not in str(row[0]) else str(row[0])


def _place(server, name: str) -> str:
    from urllib.parse import quote_plus

    (row,) = server.sql("SELECT place FROM checkpoint WHERE name = ?", name)
    return quote_plus(row[0])
