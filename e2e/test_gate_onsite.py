"""On site now: the guard sees who is inside, lets one out with a tap, and closes the visit of
a guest who lost their pass with a note of what happened and the replacement fee."""

from __future__ import annotations

import re
import secrets

from playwright.sync_api import expect

from e2e.gate_support import GatePage, OnSitePage
from e2e.invitations_support import InvitePage
from e2e.pages import enrol


def test_guard_lets_visitors_out_from_the_on_site_list(new_phone, enrol_link):
    resident = new_phone("en-US")
    enrol(resident.page, enrol_link("Wang Fang"), "Wang Fang")
    guests = [f"Chen Bo {secrets.token_hex(2)}", f"Lin Yu {secrets.token_hex(2)}"]
    links = []
    for guest in guests:
        resident.page.goto("/e/harbour-view")
        links.append(InvitePage.open_from_home(resident.page).invite(guest).link())

    guard = new_phone("en-US")
    home = enrol(guard.page, enrol_link("Li Qiang"), "Li Qiang")
    gate = GatePage.open_from_home(home.page)
    for guest, link in zip(guests, links):  # this phone has no camera: the guard types the links
        gate.type_code(link)
        gate.expect_verdict("valid", "VALID")
        gate.admit()
        gate.scan_next()

    guard.page.goto("/e/harbour-view")
    expect(guard.page.locator("#onsite-count")).to_have_text(re.compile(r"^([2-9]|[1-9]\d+) inside$"))  # the home's count
    onsite = OnSitePage.open_from_home(guard.page)
    for guest in guests:
        expect(onsite.visitor(guest)).to_be_visible()

    onsite.record_exit(guests[0])
    expect(onsite.visitor(guests[0])).to_have_count(0)

    onsite.report_lost_pass(guests[1], "Left the phone with the pass in a taxi; ID card checked", fee="20")
    expect(onsite.visitor(guests[1])).to_have_count(0)
