"""Patrol and incidents as one story, through the screens: the supervisor Wu Lei sets up a route
and prints its tags; the patrol guard Zhao Gang starts the round and scans the printed tags with
the phone's camera; at the first checkpoint a "no" answer opens an incident report there,
prefilled with the checkpoint's place, which he sends with a photo; back on the round he checks
the rest and finishes. Wu Lei sees the round done on the board and the incident, with the
checkpoint's name and place, in the list; he sends Zhao Gang, who taps "I'm on it"."""

from __future__ import annotations

import secrets
from pathlib import Path

from playwright.sync_api import Browser, expect

from e2e.conftest import ESTATE
from e2e.gate_support import camera_browser, guard_phone
from e2e.incidents_support import IncidentPage, camera_photo
from e2e.pages import EN, enrol, t
from e2e.patrol_support import BIKES, CARS, PUMP, RoundPage, board_section, film_tags, new_route, printed_tags

CHECKPOINTS = [PUMP, BIKES, CARS]
LIVE_WAIT_MS = 15_000


def test_a_round_with_a_problem_found_becomes_an_incident_that_the_supervisor_dispatches(
        browser: Browser, new_phone, enrol_link, server, base_url, tmp_path: Path):
    supervisor = new_phone("en-US")
    enrol(supervisor.page, enrol_link("Wu Lei"), "Wu Lei").ensure_language(EN)
    route = new_route(supervisor.page, CHECKPOINTS)
    video = film_tags(tmp_path / "tags.y4m", printed_tags(supervisor.page, CHECKPOINTS))
    places = dict(server.sql("SELECT name, place FROM checkpoint WHERE name IN (?, ?, ?)", *CHECKPOINTS))
    said = f"Water on the floor by the pumps ({secrets.token_hex(3)})."

    with camera_browser(browser, video) as camera:
        guard = guard_phone(camera, base_url)
        try:
            page = enrol(guard.page, enrol_link("Zhao Gang"), "Zhao Gang").page
            walk = RoundPage.start_from_home(page, route)
            round_url = page.url
            walk.expect_progress(0, 3)
            found_at = walk.answer_next(no=True)
            walk.expect_progress(1, 3)

            walk.incident_link.click()
            expect(page.get_by_role("heading", level=1, name=t(EN, "Report an incident"))).to_be_visible()
            expect(page.get_by_label(t(EN, "Place"), exact=True)).to_have_value(places[found_at])
            expect(page.get_by_text(t(EN, "Reported from the patrol checkpoint %(name)s.", name=found_at))).to_be_visible()
            page.get_by_label(t(EN, "What happened"), exact=True).select_option(label=t(EN, "Damage to facilities"))
            page.get_by_role("radio", name=t(EN, "High"), exact=True).check()
            page.get_by_label(t(EN, "What you saw")).fill(said)
            photos = page.get_by_label(t(EN, "Photos (optional, up to 4)"))
            photos.set_input_files(str(camera_photo(tmp_path / "IMG_0002.jpg")))
            expect(photos).to_have_attribute("data-photo-ready", "1", timeout=20_000)
            page.get_by_role("button", name=t(EN, "Send report")).click()
            expect(page.get_by_text(t(EN, "Report sent."))).to_be_visible(timeout=20_000)
            expect(page.get_by_role("heading", level=1)).to_contain_text(f"{found_at} · {places[found_at]}")
            incident_path = page.url.removeprefix(base_url.rstrip("/")).split("?")[0]

            page.goto(round_url)  # back to the round, where the camera goes on
            walk.expect_progress(1, 3)
            checked = [found_at]
            for done in (2, 3):
                checked.append(walk.answer_next())
                walk.expect_progress(done, 3)
            assert sorted(checked) == sorted(CHECKPOINTS)
            walk.finish()
            expect(page.get_by_text(t(EN, "Round finished."))).to_be_visible()

            section = board_section(supervisor.page, route)
            done = section.locator('tr[data-slot-state="done"]')
            expect(done).to_have_count(1)
            expect(done).to_contain_text(t(EN, "%(done)s of %(total)s", done="3", total="3"))

            boss = supervisor.page
            boss.goto(f"/e/{ESTATE}/")
            boss.get_by_role("link", name=t(EN, "Incidents")).click()
            row = boss.locator(".incident-row").filter(has=boss.locator(f'a[href="{incident_path}"]'))
            expect(row).to_contain_text(f"{found_at} · {places[found_at]}")
            expect(row).to_contain_text(t(EN, "Open"))
            row.get_by_role("link").click()
            expect(boss.get_by_text(said)).to_be_visible()
            expect(boss.locator("dl.facts")).to_contain_text(t(EN, "patrol checkpoint"))
            expect(boss.get_by_role("img", name=t(EN, "Photo %(n)s of the incident", n="1"))).to_be_visible()
            incident = IncidentPage(boss)
            incident.dispatch("Zhao Gang")

            page.goto(f"/e/{ESTATE}/")
            task = page.locator(".dispatch-task").filter(has_text=found_at)
            expect(task).to_be_visible(timeout=LIVE_WAIT_MS)
            task.get_by_role("button", name=t(EN, "I'm on it")).click()
            expect(page.get_by_text(t(EN, "You are on it. The supervisor can see it."))).to_be_visible()
            assert not guard.problems, guard.problems
        finally:
            guard.context.close()

    boss.reload()
    expect(incident.state).to_have_text(t(EN, "Acknowledged"))
    expect(incident.timeline).to_contain_text(t(EN, "%(name)s is on it", name="Zhao Gang"))
    (stored,) = server.sql("SELECT checkpoint FROM incident WHERE description = ?", said)
    assert stored[0] is not None
