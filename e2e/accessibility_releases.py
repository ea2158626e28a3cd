"""The goods-release screens of the accessibility walk (``accessibility_walk.py``): the
resident's slips (the list, the form with its errors, a slip's page, amending, the printed
slip), the owner's consent to a tenant's slip, the front desk's queue, check screen, slip
started at the desk and the day's archive, the supervisor's approvals, the gate's slip and
permit verdicts of each colour (green, blue while the guard checks, red), standing goods
permits, and the admin's goods-release settings. Each screen is checked with one line.

The walk's guard phone films Chromium's test pattern, so the guard types the code the slip's
QR holds, as with a code read out: it is signed here with the estate's own key, as the app
signs the QR (``app.domain.tokens``), read from the server's database.
"""

from __future__ import annotations

import re
from uuid import UUID

from playwright.sync_api import Page, expect

from app.domain import tokens
from app.domain.tokens import Code, Kind
from e2e.accessibility import Audit
from e2e.accessibility_visitors import HOME, Walk
from e2e.conftest import ESTATE
from e2e.gate_support import GatePage
from e2e.pages import ZH, enrol, t
from e2e.release_support import CheckScreen, GateChecklist, SlipForm, SlipPage, window_now


def code(server, kind: Kind, record_id: str) -> str:
    """The token of a slip's (or a permit's) QR, as the app signs it."""
    (key,), = server.sql("SELECT k.private_key FROM estate_key k JOIN estate e ON e.id = k.estate WHERE e.slug = ?",
                         ESTATE)
    return tokens.sign(Code(kind, UUID(record_id)), tokens.private_key_from_bytes(bytes.fromhex(key)))


def releases(walk: Walk, new_phone, server, audit: Audit, lang: str) -> None:
    slip_id = requester(walk, audit, lang)
    desk_and_supervisor(walk, audit, lang, slip_id)
    resident = walk.page("resident")
    resident.goto(f"{HOME}/release-slips/{slip_id}")
    expect(SlipPage(resident).qr).to_be_visible()
    audit.check(resident, "slip: approved, with its QR")
    for paper, label in (("a4", "Print (A4)"), ("half", "Print (half page)")):
        resident.goto(f"{HOME}/release-slips/{slip_id}")
        resident.get_by_role("link", name=t(lang, label)).first.click()
        expect(resident.locator(".slip-paper__qr svg")).to_be_visible()
        audit.check(resident, f"printed slip ({paper})")
    gate(walk, server, audit, lang, slip_id)
    permits(walk, server, audit, lang)
    owner_consent(new_phone, server, audit, lang)
    settings(walk, audit, lang)


def requester(walk: Walk, audit: Audit, lang: str) -> str:
    """The resident's slips, the form with its errors, a draft being completed, and a slip sent
    to the front desk (its id is returned)."""
    page = walk.page("resident")
    page.goto(f"{HOME}/release-slips")
    audit.check(page, "goods release slips")
    page.locator(".slip-list .row-list__item").filter(
        has=page.locator('[data-slip-state="draft"]')).first.get_by_role("link").click()
    page.get_by_role("link", name=t(lang, "Complete and submit")).click()
    expect(page).to_have_url(re.compile(r"/release-slips/[0-9a-f-]{36}/edit$"))
    audit.check(page, "slip form: a draft")

    form = SlipForm(page).goto_new()
    audit.check(page, "slip form")
    form.submit(lang)
    expect(page.locator("[aria-invalid='true']").first).to_be_visible()
    audit.check(page, "slip form: errors")
    day, start, end = window_now()
    form.goto_new().fill(items=(("Boxes", "3"), ("Lamp", "1")), day=day, start=start, end=end, lang=lang)
    form.submit(lang)
    expect(page.locator(".flash--ok")).to_have_text(t(lang, "Sent. You are told when it is approved."))
    audit.check(page, "slip: sent")
    return SlipPage(page).slip_id


def desk_and_supervisor(walk: Walk, audit: Audit, lang: str, slip_id: str) -> None:
    desk = walk.page("front_desk")
    desk.goto(f"{HOME}/desk/slips")
    expect(desk.locator(".queue-slip").first).to_be_visible()
    audit.check(desk, "goods release queue")
    check = CheckScreen(desk).goto(slip_id)
    audit.check(desk, "slip check")
    desk.get_by_role("button", name=t(lang, "Approve for the supervisor")).click()
    expect(desk.locator("[aria-invalid='true']").first).to_be_visible()
    audit.check(desk, "slip check: errors")
    check.approve_as_desk(lang=lang)
    expect(desk.locator(".flash--ok")).to_have_text(t(lang, "Checked. The slip waits for the second approval."))
    audit.check(desk, "slip check: checked")
    desk.goto(f"{HOME}/desk/slips/new")
    audit.check(desk, "slip form at the desk")
    desk.goto(f"{HOME}/desk/archive")
    audit.check(desk, "released goods archive")

    supervisor = walk.page("supervisor")
    supervisor.goto(f"{HOME}/approvals")
    expect(supervisor.locator(".queue-slip").first).to_be_visible()
    audit.check(supervisor, "slips to approve")
    CheckScreen(supervisor).goto(slip_id)
    audit.check(supervisor, "slip check: second approval")
    CheckScreen(supervisor).approve_as_supervisor(lang)
    audit.check(supervisor, "slip check: approved")


def gate(walk: Walk, server, audit: Audit, lang: str, slip_id: str) -> None:
    """The slip's verdicts as the guard checks it and releases the goods, then scans it again."""
    page = walk.page("guard")
    GatePage(page).goto(ESTATE)
    checklist = GateChecklist(page)
    token = code(server, Kind.RELEASE_SLIP, slip_id)

    def verdict(reason: str, screen: str) -> None:
        checklist.expect(reason)
        audit.check(page, f"gate verdict: {screen}", within="#verdict")

    checklist.type_code(token, lang)
    verdict("slip_valid", "slip approved (green)")
    checklist.verdict.get_by_role("button", name=t(lang, "Release"), exact=True).click()
    verdict("items_unchecked", "tick every item (blue)")
    checklist.verdict.get_by_text(t(lang, "Something does not match: hold")).click()
    checklist.verdict.get_by_role("button", name=t(lang, "Hold the slip")).click()
    verdict("hold_note_required", "write why you hold it (blue)")
    checklist.tick_all(lang)
    checklist.release(lang)
    verdict("released", "released (green)")
    page.get_by_role("link", name=t(lang, "Scan next")).click()
    checklist.type_code(token, lang)
    verdict("slip_released", "already released (red)")
    page.get_by_role("link", name=t(lang, "Scan next")).click()


def permits(walk: Walk, server, audit: Audit, lang: str) -> None:
    """The resident's standing permit with its QR, the form's errors, the front desk's permits
    to decide, and the permit's verdict at the gate."""
    resident = walk.page("resident")
    resident.goto(f"{HOME}/permits")
    audit.check(resident, "standing goods permits")
    resident.get_by_role("button", name=t(lang, "Apply"), exact=True).click()
    expect(resident.locator("[aria-invalid='true']").first).to_be_visible()
    audit.check(resident, "standing goods permits: errors")
    resident.goto(f"{HOME}/permits")
    resident.locator("a[href*='/permits/']").first.click()
    expect(resident.locator(".qr-box")).to_be_visible()
    audit.check(resident, "standing goods permit")
    permit_id = re.search(r"/permits/([0-9a-f-]{36})", resident.url).group(1)

    desk = walk.page("front_desk")
    desk.goto(f"{HOME}/permits")
    expect(desk.get_by_role("button", name=re.compile("^" + re.escape(t(lang, "Grant for a year")))).first).to_be_visible()
    audit.check(desk, "standing goods permits to decide")

    page = walk.page("guard")
    GatePage(page).goto(ESTATE)
    checklist = GateChecklist(page)
    checklist.type_code(code(server, Kind.GOODS_PERMIT, permit_id), lang)
    checklist.expect("permit_valid")
    audit.check(page, "gate verdict: standing permit valid (green)", within="#verdict")
    page.get_by_role("link", name=t(lang, "Scan next")).click()


def owner_consent(new_phone, server, audit: Audit, lang: str) -> None:
    """The owner of a let flat, asked about the tenant's slip (left unanswered: the demo's
    slip waits for both languages)."""
    page = new_phone("zh-CN" if lang == ZH else "en-US").page
    enrol(page, server.enrol_link("Tang Wei"), "Tang Wei", lang).ensure_language(lang)
    page.goto(f"{HOME}/release-slips")
    page.locator(".slip-list .row-list__item").filter(
        has=page.locator('[data-slip-state="awaiting_consent"]')).first.get_by_role("link").click()
    expect(page.get_by_role("button", name=t(lang, "Approve"), exact=True)).to_be_visible()
    audit.check(page, "slip: the owner's consent")


def settings(walk: Walk, audit: Audit, lang: str) -> None:
    page = walk.page("admin")
    page.goto(f"{HOME}/admin/goods-release")
    audit.check(page, "goods release settings")
    page.get_by_label(t(lang, "Notice for moving out (working days)")).fill("many")
    page.get_by_role("button", name=t(lang, "Save the rules")).click()
    expect(page.locator("[aria-invalid='true']").first).to_be_visible()
    audit.check(page, "goods release settings: errors")
