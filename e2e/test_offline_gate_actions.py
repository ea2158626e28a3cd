"""The gate's other actions as the signal goes: a goods release slip released, another held with
its note, and the visit of a guest who lost their pass closed from the on-site list. Each is
tapped with no signal, waits on the guard's phone (the strip counts it), and lands once, as the
guard who tapped, when the signal is back."""

from __future__ import annotations

import secrets

from playwright.sync_api import expect

from app.domain.tokens import Kind
from e2e.accessibility_releases import code
from e2e.conftest import ESTATE
from e2e.gate_support import GatePage, OnSitePage
from e2e.offline_support import Household, OutboxStrip
from e2e.pages import EN, enrol, t
from e2e.release_support import GateChecklist
from e2e.test_releases import approve_at_desk_and_supervisor, signed_in, submit_slip

SAVED = "Saved on this phone. It will be sent when there is signal."


def audit_entries(server, action: str, subject: str) -> list[tuple]:
    return server.sql("SELECT p.name FROM audit_event a JOIN person p ON p.id = a.actor"
                      " WHERE a.action = ? AND a.subject = ?", action, subject)


def test_release_and_hold_tapped_with_no_signal_land_once_when_it_is_back(new_phone, enrol_link, server):
    resident = signed_in(new_phone, enrol_link, "Wang Fang")
    desk = signed_in(new_phone, enrol_link, "Chen Jing")
    supervisor = signed_in(new_phone, enrol_link, "Wu Lei")
    slips = []
    for items in ((("Boxes", "3"),), (("Bicycle", "1"),)):
        slip_id = submit_slip(resident.page, items=items).slip_id
        approve_at_desk_and_supervisor(desk, supervisor, slip_id)
        slips.append(slip_id)
    released, held = slips

    guard = signed_in(new_phone, enrol_link, "Li Qiang")
    page = guard.page
    GatePage(page).goto(ESTATE)
    checklist, strip = GateChecklist(page), OutboxStrip(page)
    strip.expect_state("online")

    # The slip is checked with signal; the signal goes as the guard taps Release.
    checklist.type_code(code(server, Kind.RELEASE_SLIP, released))
    checklist.expect("slip_valid")
    checklist.tick_all()
    guard.context.set_offline(True)
    checklist.verdict.get_by_role("button", name=t(EN, "Release"), exact=True).click()
    checklist.expect("saved")
    expect(checklist.verdict).to_contain_text(t(EN, SAVED))
    strip.expect_waiting_offline(1)
    assert server.sql("SELECT state FROM release_slip WHERE id = ?", released) == [("approved",)]

    guard.context.set_offline(False)
    strip.expect_all_sent()
    assert server.sql("SELECT state FROM release_slip WHERE id = ?", released) == [("released",)]
    assert audit_entries(server, "slip.released", released) == [("Li Qiang",)]

    # The next slip does not match what is carried: held with no signal, the note kept with it.
    checklist.verdict.get_by_role("link", name=t(EN, "Scan next")).click()
    checklist.type_code(code(server, Kind.RELEASE_SLIP, held))
    checklist.expect("slip_valid")
    guard.context.set_offline(True)
    checklist.verdict.get_by_text(t(EN, "Something does not match: hold")).click()
    checklist.verdict.get_by_label(t(EN, "What does not match")).fill("Two bicycles, not one")
    checklist.verdict.get_by_role("button", name=t(EN, "Hold the slip")).click()
    checklist.expect("saved")
    strip.expect_waiting_offline(1)

    guard.context.set_offline(False)
    strip.expect_all_sent()
    assert server.sql("SELECT state, hold_note FROM release_slip WHERE id = ?", held) == [
        ("held", "Two bicycles, not one")]
    assert audit_entries(server, "slip.held", held) == [("Li Qiang",)]
    assert not guard.problems, guard.problems


def test_a_lost_pass_recorded_with_no_signal_closes_the_visit_once_when_it_is_back(new_phone, enrol_link, server):
    resident = signed_in(new_phone, enrol_link, "Wang Fang")
    name = f"Gao Min {secrets.token_hex(2)}"
    link = Household(resident.page).invite(name)

    guard = signed_in(new_phone, enrol_link, "Li Qiang")
    page = guard.page
    gate = GatePage(page).goto(ESTATE)
    gate.type_code(link)
    gate.expect_verdict("valid", "VALID")
    gate.admit()

    page.goto(f"/e/{ESTATE}")
    onsite = OnSitePage.open_from_home(page)
    strip = OutboxStrip(page)
    strip.expect_state("online")
    row = onsite.visitor(name)
    row.get_by_text(t(EN, "Lost pass"), exact=True).click()
    row.get_by_label(t(EN, "What happened")).fill("Pass lost with the phone; ID card checked")
    row.get_by_label(t(EN, "Replacement fee (optional)")).fill("20")
    guard.context.set_offline(True)
    row.get_by_role("button", name=t(EN, "Close the visit")).click()
    expect(page.locator("#flash")).to_contain_text(t(EN, SAVED))
    strip.expect_waiting_offline(1)
    visit = "SELECT v.exited_at IS NOT NULL, v.exit_note, v.replacement_fee FROM visit v WHERE v.guest_name = ?"
    assert server.sql(visit, name) == [(0, "", "")]

    guard.context.set_offline(False)
    strip.expect_all_sent()
    assert server.sql(visit, name) == [(1, "Pass lost with the phone; ID card checked", "20")]
    (visit_id,), = server.sql("SELECT id FROM visit WHERE guest_name = ?", name)
    assert audit_entries(server, "visit.lost_pass", visit_id) == [("Li Qiang",)]
    expect(onsite.visitor(name)).to_have_count(0)  # the list asks again as the action lands
    assert not guard.problems, guard.problems
