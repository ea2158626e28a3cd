"""The duty log on a tablet that loses its Wi-Fi: a quick entry tapped twice is logged once, and
one tapped with no signal waits on the tablet (the strip counts it) and lands once, as the
person who tapped, when the signal is back."""

from __future__ import annotations

import secrets

from playwright.sync_api import expect

from e2e.conftest import ESTATE
from e2e.duty_support import TABLET, DutyHome, ShiftPage
from e2e.offline_support import OutboxStrip
from e2e.pages import EN, t
from e2e.test_duty import front_desk

ENTRIES = ("SELECT d.quick, count(*) FROM duty_entry d JOIN person p ON p.id = d.author WHERE p.name = ?"
           " GROUP BY d.quick ORDER BY d.quick")


def test_a_double_tapped_quick_entry_is_logged_once_and_one_made_offline_lands_once(server, new_phone):
    name = f"Desk Offline {secrets.token_hex(3)}"
    tablet = front_desk(server, new_phone, name, TABLET).page
    DutyHome(tablet).start_shift()
    tablet.goto(f"/e/{ESTATE}/duty")
    shift = ShiftPage(tablet)

    tablet.get_by_role("button", name=t(EN, "Noise complaint received"), exact=True).dblclick()
    expect(shift.flash()).to_have_text(t(EN, "Added to the log."))
    expect(shift.entry(t(EN, "Noise complaint received"))).to_have_count(1)
    assert server.sql(ENTRIES, name) == [("noise", 1)]

    strip = OutboxStrip(tablet)
    strip.expect_state("online")
    tablet.context.set_offline(True)
    strip.expect_state("offline")
    shift.quick("Light out in the lobby")
    expect(tablet.locator("#flash")).to_contain_text(t(EN, "Saved on this phone. It will be sent when there is signal."))
    strip.expect_waiting_offline(1)
    assert server.sql(ENTRIES, name) == [("noise", 1)]  # nothing reached the server yet

    tablet.context.set_offline(False)
    strip.expect_all_sent()
    assert server.sql(ENTRIES, name) == [("light_out", 1), ("noise", 1)]
    tablet.reload()
    expect(shift.entry(t(EN, "Light out in the lobby"))).to_have_count(1)

    # With no signal, the page comes from the tablet's copy: the strip says offline although
    # nothing waits (Chromium calls such a page online), and says online again once the server
    # answers, with nothing tapped.
    tablet.context.set_offline(True)
    tablet.reload()
    expect(shift.entry(t(EN, "Light out in the lobby"))).to_have_count(1)
    strip.expect_state("offline")
    expect(strip.status).to_have_text(t(EN, "Offline: actions are saved on this phone"))
    tablet.context.set_offline(False)
    strip.expect_state("online")
