"""A gate guard loses signal: the app still opens, scans give verdicts from the phone's own list,
admissions, an exit and a walk-in are kept on the phone, and on reconnecting every action lands
exactly once, with the conflicts the phone could not see flagged for the supervisor."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from playwright.sync_api import Browser, expect

from e2e.conftest import ESTATE, parse_link
from e2e.gate_support import GatePage, camera_browser, guard_phone
from e2e.offline_support import Household, OutboxStrip, film_passes, open_gate_with_list, qr_of
from e2e.pages import EN, enrol, t
from e2e.test_pwa import CONTROLLED


def add_guard(run_cli, name: str) -> str:
    return parse_link(run_cli("add-person", "--estate", ESTATE, "--role", "gate_guard", "--name", name))


def visits_of(server, guest: str) -> list[tuple]:
    return server.sql("SELECT entry_number, exited_at IS NOT NULL, conflict FROM visit WHERE guest_name = ?"
                      " ORDER BY entry_number", guest)


def test_a_guard_with_no_signal_scans_admits_lets_out_and_registers_then_everything_lands_once(
        browser: Browser, new_phone, enrol_link, run_cli, server, base_url, tmp_path: Path):
    tag = secrets.token_hex(2)
    valid, revoked, taken = f"Zhang Wei {tag}", f"Li Na {tag}", f"Chen Jie {tag}"
    resident = new_phone("en-US")
    enrol(resident.page, enrol_link("Wang Fang"), "Wang Fang")
    household = Household(resident.page)
    links = {guest: household.invite(guest) for guest in (valid, revoked, taken)}
    video = film_passes(tmp_path / "passes.y4m", [qr_of(resident.page, links[g]) for g in (valid, revoked, taken)])

    # A second guard, online at the other gate.
    other = new_phone("en-US")
    enrol(other.page, add_guard(run_cli, f"Sun Tao {tag}"), f"Sun Tao {tag}")

    with camera_browser(browser, video) as camera:
        guard = guard_phone(camera, base_url)
        try:
            page = guard.page
            enrol(page, enrol_link("Li Qiang"), "Li Qiang")
            page.evaluate(CONTROLLED)
            page.goto(f"/e/{ESTATE}/walkins/new")  # opened once online: kept for use offline
            open_gate_with_list(page, ESTATE)
            gate, strip = GatePage(page), OutboxStrip(page)
            strip.expect_state("online")

            # After the phone has its list: the resident revokes one pass, the other guard
            # admits another at his gate. This phone knows neither.
            household.revoke(revoked)
            other.page.goto(f"/e/{ESTATE}/gate")
            GatePage(other.page).type_code(links[taken])
            GatePage(other.page).expect_verdict("valid", "VALID")
            GatePage(other.page).admit()

            guard.context.set_offline(True)
            strip.expect_state("offline")
            expect(gate.verdict).to_have_count(1, timeout=10_000)  # read while still online
            gate.next_verdict()
            admitted: list[str] = []
            while True:
                gate.expect_verdict("valid", "VALID")
                expect(gate.verdict).to_contain_text(t(EN, "Checked offline with this phone's list from %(time)s", time=""))
                guest = next(g for g in (valid, revoked, taken) if g in gate.verdict.inner_text())
                if guest not in admitted:
                    gate.verdict.get_by_role("button", name=t(EN, "Admit")).click()
                    expect(gate.verdict).to_have_attribute("data-verdict", "saved")
                    expect(gate.verdict).to_contain_text(t(EN, "Saved on this phone. It will be sent when there is signal."))
                    admitted.append(guest)
                    strip.expect_waiting_offline(len(admitted))
                if len(admitted) == 3:
                    break
                gate.next_verdict()

            # The first guest leaves: this phone knows it admitted them, and records the exit.
            gate.next_verdict()
            while valid not in gate.verdict.inner_text():
                gate.next_verdict()
            gate.expect_verdict("already_inside", "Already inside")
            gate.verdict.get_by_role("button", name=t(EN, "Exit"), exact=True).click()
            expect(gate.verdict).to_have_attribute("data-verdict", "saved")
            strip.expect_waiting_offline(4)

            # A walk-in, registered with no signal: the household is asked once the phone is back.
            walker = f"Zhou Ming {tag}"
            page.goto(f"/e/{ESTATE}/walkins/new")
            page.get_by_label(t(EN, "Visitor's phone")).fill("13912340000")
            page.get_by_label(t(EN, "Visitor's name")).fill(walker)
            page.get_by_role("radio", name=t(EN, "Male"), exact=True).check()
            page.get_by_label(t(EN, "ID type")).select_option(label=t(EN, "Resident ID card"))
            page.get_by_label(t(EN, "ID number")).fill("310101199001011234")
            page.get_by_label(t(EN, "Visiting unit")).fill("5-2-1301")
            page.get_by_label(t(EN, "Purpose")).select_option(label=t(EN, "Delivery"))
            page.get_by_role("button", name=t(EN, "Ask the household")).click()
            expect(page.locator("#flash")).to_contain_text(
                t(EN, "Saved on this phone: the household will be asked when the phone has signal again."))
            strip.expect_waiting_offline(5)

            guard.context.set_offline(False)
            strip.expect_all_sent()
            assert not guard.problems, guard.problems
        finally:
            guard.context.close()

    # Every action landed once: two admissions and an exit of the first guest ...
    assert visits_of(server, valid) == [(1, 1, "")]
    # ... the revoked pass and the pass admitted at the other gate recorded, and flagged.
    assert visits_of(server, revoked) == [(1, 0, "admitted_after_revocation")]
    assert visits_of(server, taken) == [(1, 0, ""), (2, 0, "double_admission")]
    assert server.sql("SELECT state FROM registration WHERE name = ?", walker) == [("waiting",)]

    supervisor = new_phone("en-US")
    enrol(supervisor.page, enrol_link("Wu Lei"), "Wu Lei")
    supervisor.page.goto(f"/e/{ESTATE}/reviews")
    flagged = supervisor.page.locator("[data-review]")
    expect(flagged.filter(has_text=revoked)).to_have_attribute("data-review", "admitted_after_revocation")
    expect(flagged.filter(has_text=taken)).to_have_attribute("data-review", "double_admission")
    expect(flagged.filter(has_text=re.compile(f"{valid}|{walker}"))).to_have_count(0)
