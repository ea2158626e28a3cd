"""The front desk keeps the watchlist: Chen Jing bars a person, then takes them off again."""

from __future__ import annotations

import re
import secrets

from playwright.sync_api import expect

from e2e.conftest import ESTATE
from e2e.lobby_support import WatchlistPage
from e2e.pages import EN, enrol, t


def test_front_desk_adds_a_person_to_the_watchlist_and_removes_them_with_a_confirm(phone, enrol_link, artifacts):
    page = phone.page
    home = enrol(page, enrol_link("Chen Jing"), "Chen Jing")
    home.ensure_language(EN)
    watchlist = WatchlistPage.open_from_home(home)
    expect(page).to_have_url(re.compile(f"/e/{ESTATE}/watchlist$"))
    name = f"张伟{secrets.randbelow(10**6):06d}"

    # A first try without a reason comes back with the typed details kept and the problem named.
    watchlist.fill(name=name, phone="+86 139 1234 5678")
    watchlist.submit()
    expect(page.get_by_text(t(EN, "Say why this person is barred: the guard sees it with the warning."))).to_be_visible()
    expect(watchlist.field("Name")).to_have_value(name)
    expect(watchlist.field("Phone")).to_have_value("+86 139 1234 5678")

    watchlist.fill(reason="Took parcels from the lockers")
    watchlist.submit()
    expect(page.get_by_text(t(EN, "Added to the watchlist. Guards are warned when this person is registered or scanned.")))\
        .to_be_visible()
    entry = watchlist.barred_now().get_by_role("listitem").filter(has_text=name)
    expect(entry).to_contain_text("139****5678")  # shown masked, never in full
    expect(entry).to_contain_text("Took parcels from the lockers")
    expect(entry).to_contain_text(t(EN, "For good"))
    expect(page.get_by_text("13912345678")).to_have_count(0)
    page.screenshot(path=str(artifacts / "watchlist-en.png"), full_page=True)

    # Searching finds the entry by part of the phone, written another way.
    page.get_by_label(t(EN, "Name, phone or ID number")).fill("1234-5678")
    expect(page).to_have_url(re.compile(r"\?q=1234-5678$"))  # the results came (htmx sets the address)
    expect(watchlist.entry(name)).to_be_visible()

    # Keep it first, then remove it for real.
    watchlist.entry(name).get_by_role("button", name=f"{t(EN, 'Remove')} {name}").click()
    page.get_by_role("dialog").get_by_role("button", name=t(EN, "Keep it")).click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(watchlist.entry(name)).to_be_visible()

    watchlist.remove(name)
    expect(page.get_by_text(t(EN, "Removed from the watchlist."))).to_be_visible()
    expect(watchlist.entry(name)).to_have_count(0)
