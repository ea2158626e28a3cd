"""The lobby tablet: Chen Jing at the front desk sees today's expected visitors, and a guest a
resident invites from her phone appears on the tablet by itself, without a reload."""

from __future__ import annotations

import secrets

from playwright.sync_api import expect

from e2e.conftest import ESTATE
from e2e.lobby_support import POLL_WAIT_MS, LobbyPage, invite_today
from e2e.pages import EN, enrol, t


def test_the_lobby_tablet_lists_todays_guests_and_shows_a_new_one_by_itself(new_phone, enrol_link, artifacts):
    run = secrets.token_hex(3)
    first_guest, second_guest = f"Guest One {run}", f"Guest Two {run}"

    resident = new_phone("en-US")
    enrol(resident.page, enrol_link("Wang Fang"), "Wang Fang").ensure_language(EN)
    invite_today(resident.page, ESTATE, first_guest)

    tablet = new_phone("en-US")
    tablet.page.set_viewport_size({"width": 1024, "height": 768})
    home = enrol(tablet.page, enrol_link("Chen Jing"), "Chen Jing")
    home.ensure_language(EN)
    lobby = LobbyPage.open_from_home(home)
    row = lobby.visitor(first_guest)
    expect(row).to_contain_text("5-2-1301")
    expect(row).to_contain_text(t(EN, "Expected"))
    expect(lobby.visitor(second_guest)).to_have_count(0)
    total = int(lobby.count("total").inner_text())
    loaded_at = tablet.page.evaluate("performance.timeOrigin")

    invite_today(resident.page, ESTATE, second_guest)

    expect(lobby.visitor(second_guest)).to_contain_text("5-2-1301", timeout=POLL_WAIT_MS)
    expect(lobby.count("total")).to_have_text(str(total + 1))
    assert tablet.page.evaluate("performance.timeOrigin") == loaded_at, "the tablet reloaded instead of polling"
    tablet.page.screenshot(path=str(artifacts / "lobby-tablet-en.png"), full_page=True)
