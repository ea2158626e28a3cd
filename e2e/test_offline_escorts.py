"""A patrol guard with no signal takes an escort task and marks it done: both taps are kept on
the phone (the phone shows "Done" once "I'm on it" is kept), the strip counts them, and on
reconnecting each lands once, in order, as the guard who tapped."""

from __future__ import annotations

import re
import secrets

from playwright.sync_api import expect

from e2e.conftest import ESTATE
from e2e.offline_support import OutboxStrip
from e2e.pages import EN, t
from e2e.test_walkins import UNIT, sign_in


def test_a_patrol_guard_with_no_signal_takes_an_emergency_and_marks_it_done_then_both_land_once(
        new_phone, enrol_link, server):
    name = f"Emergency Qian {secrets.token_hex(2)}"
    patrol = sign_in(new_phone, enrol_link, "Zhao Gang")
    guard = sign_in(new_phone, enrol_link, "Li Qiang")

    # At the gate, online: an emergency entry sends patrol to the unit.
    guard.goto(f"/e/{ESTATE}/walkins/new?kind=emergency")
    guard.get_by_label(t(EN, "Visitor's name")).fill(name)
    guard.get_by_label(t(EN, "Relation to the household")).fill("son")
    guard.get_by_label(t(EN, "Unit")).fill(UNIT)
    guard.get_by_role("button", name=t(EN, "Admit now and send patrol")).click()
    expect(guard.get_by_text(t(EN, "Emergency entry: admitted"))).to_be_visible()

    # Patrol has the task list open, and walks into a stairwell with no signal.
    patrol.goto(f"/e/{ESTATE}/escorts")
    task = patrol.locator(".escort-task").filter(has_text=name)
    expect(task).to_contain_text(t(EN, "Emergency at %(unit)s", unit=UNIT))
    strip = OutboxStrip(patrol)
    strip.expect_state("online")
    patrol.context.set_offline(True)
    strip.expect_state("offline")

    task.get_by_role("button", name=re.compile("^" + re.escape(t(EN, "I'm on it")))).click()
    expect(patrol.locator("#flash")).to_contain_text(t(EN, "Saved on this phone. It will be sent when there is signal."))
    strip.expect_waiting_offline(1)
    # The phone takes the task as taken: "Done" shows in place of "I'm on it", ready for the
    # guard's next tap.
    expect(task.get_by_role("button", name=re.compile("^" + re.escape(t(EN, "I'm on it"))))).to_have_count(0)
    done_button = task.get_by_role("button", name=re.compile("^" + re.escape(t(EN, "Done"))))
    expect(done_button).to_be_focused()
    done_button.click()
    strip.expect_waiting_offline(2)
    # Nothing has reached the server yet.
    assert server.sql("SELECT e.state FROM escort_task e JOIN registration r ON r.id = e.registration "
                      "WHERE r.name = ?", name) == [("open",)]

    patrol.context.set_offline(False)
    strip.expect_all_sent()

    # Each tap landed once, in the order taken, as the patrol guard who tapped.
    rows = server.sql("SELECT e.state, a.name, c.name FROM escort_task e JOIN registration r ON r.id = e.registration "
                      "JOIN person a ON a.id = e.acknowledged_by JOIN person c ON c.id = e.completed_by "
                      "WHERE r.name = ?", name)
    assert rows == [("done", "Zhao Gang", "Zhao Gang")]
    events = server.sql("SELECT action, count(*) FROM audit_event WHERE subject = (SELECT e.id FROM escort_task e "
                        "JOIN registration r ON r.id = e.registration WHERE r.name = ?) GROUP BY action "
                        "ORDER BY action", name)
    assert events == [("escort.acknowledged", 1), ("escort.completed", 1)]
    patrol.reload()
    done = patrol.get_by_role("region", name=t(EN, "Done lately"))
    expect(done.get_by_text(name)).to_be_visible()
    expect(patrol.get_by_role("region", name=t(EN, "To do")).get_by_text(name)).to_have_count(0)
