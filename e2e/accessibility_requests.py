"""The front desk's residents' side in the accessibility walk (``accessibility_walk.py``):
requests (the resident's list, form with its errors, a done request asking to be followed up;
the desk's queue, a request's next steps, the form for a resident) and lost and found (the
board, both forms, a found item with its likely match, one due for disposal, the resident's
reports). Nothing is answered or moved, so both languages walk the same screens."""

from __future__ import annotations

from playwright.sync_api import expect

from e2e.accessibility import Audit
from e2e.accessibility_visitors import HOME, Walk
from e2e.conftest import VIEWPORT
from e2e.pages import t

TABLET = {"width": 1024, "height": 768}


def requests_and_lost_found(walk: Walk, audit: Audit, lang: str) -> None:
    resident = walk.page("resident")
    resident.goto(f"{HOME}/requests")
    audit.check(resident, "requests: the household's")
    resident.goto(f"{HOME}/requests/new")
    audit.check(resident, "request: new")
    resident.get_by_role("button", name=t(lang, "Send to the front desk")).click()
    expect(resident.locator(".field__error").first).to_be_visible()
    audit.check(resident, "request: new, errors")
    resident.goto(f"{HOME}/requests")
    resident.locator(".request-row").filter(has=resident.locator('[data-request-state="done"]')).first \
        .get_by_role("link").click()
    expect(resident.get_by_role("heading", name=t(lang, "Is it resolved?"))).to_be_visible()
    audit.check(resident, "request: is it resolved?")
    resident.goto(f"{HOME}/lost-reports")
    audit.check(resident, "lost reports: the household's")
    resident.goto(f"{HOME}/lost-found/new?side=lost")
    audit.check(resident, "lost report: new")

    desk = walk.page("front_desk")
    desk.set_viewport_size(TABLET)
    try:
        desk.goto(f"{HOME}/desk/requests")
        expect(desk.locator(".queue--overdue")).to_be_visible()
        audit.check(desk, "requests: the desk's queue")
        desk.locator(".queue--new [data-request] a").first.click()
        expect(desk.get_by_role("heading", name=t(lang, "The desk's next step"))).to_be_visible()
        audit.check(desk, "request: the desk's next step")
        desk.goto(f"{HOME}/desk/requests")
        desk.locator(".queue--overdue [data-request] a").first.click()
        expect(desk.get_by_role("heading", name=t(lang, "Record the follow-up call"))).to_be_visible()
        audit.check(desk, "request: follow-up call")
        desk.goto(f"{HOME}/desk/requests/new")
        audit.check(desk, "request: recorded for a resident")
        desk.goto(f"{HOME}/lost-found")
        audit.check(desk, "lost and found")
        desk.locator(".queue--found [data-lf-record] a").first.click()
        expect(desk.locator(".lf-suggestion").first).to_be_visible()
        audit.check(desk, "found item: likely matches")
        desk.goto(f"{HOME}/lost-found")
        desk.locator(".queue--due [data-lf-record] a").first.click()
        expect(desk.get_by_role("heading", name=t(lang, "Unclaimed: decide what to do"))).to_be_visible()
        audit.check(desk, "found item: unclaimed")
        desk.goto(f"{HOME}/lost-found/new?side=found")
        audit.check(desk, "found item: new")
        desk.goto(f"{HOME}/lost-found/new?side=lost")
        desk.get_by_role("button", name=t(lang, "Record"), exact=True).click()
        expect(desk.locator(".field__error").first).to_be_visible()
        audit.check(desk, "lost item at the desk: errors")
    finally:
        desk.set_viewport_size(VIEWPORT)

    supervisor = walk.page("supervisor")
    supervisor.goto(f"{HOME}/lost-found")
    expect(supervisor.get_by_role("heading", name=t(lang, "Unclaimed items"))).to_be_visible()
    audit.check(supervisor, "lost and found: the unclaimed period")
