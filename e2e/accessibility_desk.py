"""The front desk's day in the accessibility walk (``accessibility_walk.py``): the shift's page
off duty and on duty (with a form's errors), a log entry, the handover before and after it is
made, acknowledged by the supervisor, and the week's handovers. Chen Jing is the front desk,
Wu Lei the supervisor; each screen is checked with one line."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from e2e.accessibility import Audit
from e2e.accessibility_visitors import HOME, Walk
from e2e.conftest import VIEWPORT
from e2e.duty_support import TABLET, HandoverPage, ShiftPage
from e2e.pages import t


def duty(walk: Walk, audit: Audit, lang: str) -> None:
    desk, supervisor = walk.page("front_desk"), walk.page("supervisor")
    desk.set_viewport_size(TABLET)
    desk.goto(f"{HOME}/duty")
    start = desk.get_by_role("button", name=t(lang, "Start shift"), exact=True)
    if start.count():  # off duty (the demo starts her shift; the walk in the other language ended it)
        audit.check(desk, "my shift: off duty")
        start.click()
        if "/handovers/" in desk.url:
            desk.goto(f"{HOME}/duty")
    shift = ShiftPage(desk)
    expect(shift.heading(lang)).to_be_visible()
    audit.check(desk, "my shift: on duty")
    desk.get_by_role("button", name=t(lang, "Add to the log"), exact=True).click()
    expect(desk.locator(".field__error").first).to_be_visible()
    audit.check(desk, "my shift: entry errors")
    shift.quick("Lobby checked and clean", lang)
    expect(desk.locator(".flash--ok")).to_be_visible()
    audit.check(desk, "my shift: logged")
    shift.log(lang).get_by_role("link").first.click()
    expect(desk.get_by_role("heading", level=1, name=t(lang, "Log entry"))).to_be_visible()
    audit.check(desk, "log entry")

    desk.goto(f"{HOME}/duty/handover")
    handover = HandoverPage(desk)
    audit.check(desk, "hand over: what it lists")
    handover.hand_over("", lang)
    expect(handover.state()).to_have_attribute("data-handover-state", "waiting")
    audit.check(desk, "handover: handed over")
    url = re.sub(r"\?.*$", "", desk.url)
    desk.set_viewport_size(VIEWPORT)

    supervisor.goto(url)
    audit.check(supervisor, "handover: to acknowledge")
    handover = HandoverPage(supervisor)
    handover.acknowledge_all(lang).click()
    # The page the answer leads to (the live region may show "acknowledged" before it loads).
    expect(supervisor.locator(".flash--ok")).to_have_text(t(lang, "Handover acknowledged."))
    expect(handover.state()).to_have_attribute("data-handover-state", "acknowledged")
    audit.check(supervisor, "handover: acknowledged")
    supervisor.goto(f"{HOME}/handovers")
    audit.check(supervisor, "handovers and the duty log")
