"""The patrol screens of the accessibility walk (``accessibility_walk.py``): the supervisor's
checkpoints (with a form's errors), a checkpoint, the tag sheet, routes, a route and the board;
the patrol guard's rounds, a round with a checklist shown, and a code that is not a tag."""

from __future__ import annotations

import secrets

from playwright.sync_api import expect

from e2e.accessibility import Audit
from e2e.accessibility_visitors import HOME, Walk
from e2e.pages import t

CHECKPOINTS = ("Pump room", "Bike shed")  # of the demo estate


def patrol(walk: Walk, audit: Audit, lang: str) -> None:
    boss = walk.page("supervisor")
    boss.goto(f"{HOME}/patrol/checkpoints")
    audit.check(boss, "patrol checkpoints")
    form = boss.locator("form[action$='/patrol/checkpoints']")
    form.get_by_role("button", name=t(lang, "Add the checkpoint")).click()
    expect(boss.locator(".field__error").first).to_be_visible()
    audit.check(boss, "patrol checkpoints: errors")
    boss.locator("[data-checkpoint-list] a").first.click()
    expect(boss.locator("form[action*='/patrol/checkpoints/']")).to_be_visible()
    audit.check(boss, "patrol checkpoint")
    boss.goto(f"{HOME}/patrol/tags")
    audit.check(boss, "patrol tag sheet")

    boss.goto(f"{HOME}/patrol/routes")
    route = f"Axe round {secrets.token_hex(2)}"
    form = boss.locator("form[action$='/patrol/routes']")
    form.get_by_label(t(lang, "Name"), exact=True).fill(route)
    for number, name in enumerate(CHECKPOINTS, start=1):
        form.locator("div.field--inline", has_text=name).get_by_role("textbox").fill(str(number))
    form.get_by_role("button", name=t(lang, "Add the route")).click()
    expect(boss.get_by_text(t(lang, "Route added."))).to_be_visible()
    audit.check(boss, "patrol routes")
    boss.locator("[data-route-list] a", has_text=route).click()
    audit.check(boss, "patrol route")
    boss.goto(f"{HOME}/patrol/board")
    audit.check(boss, "patrol board")
    boss.get_by_role("link", name=t(lang, "Monthly duty record")).click()
    expect(boss.get_by_role("heading", level=1, name=t(lang, "Monthly duty record"))).to_be_visible()
    audit.check(boss, "patrol monthly duty record")

    guard = walk.page("patrol")
    guard.goto(f"{HOME}/patrol")
    audit.check(guard, "patrol rounds")
    guard.locator("[data-next-rounds] li", has_text=route).get_by_role("button", name=t(lang, "Start round")).click()
    expect(guard.locator("[data-patrol-round]")).to_be_visible()
    audit.check(guard, "patrol round")
    token = guard.locator("[data-stop]").first.get_attribute("data-token")
    scan = guard.locator("#scan-form")
    scan.locator("input[name=token]").evaluate("(el, v) => { el.value = v; el.form.requestSubmit(); }", token)
    expect(guard.locator("#scan-result form.checklist")).to_be_visible()
    audit.check(guard, "patrol round: checklist", within="#scan-result")
    scan.locator("input[name=token]").evaluate("(el) => { el.value = 'NOT A TAG'; el.form.requestSubmit(); }")
    expect(guard.locator('#scan-result [data-scan-outcome="unknown"]')).to_be_visible()
    audit.check(guard, "patrol round: not a tag", within="#scan-result")
