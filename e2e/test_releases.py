"""Goods release as people do it: a resident's slip from the phone through the front desk and
the supervisor to the gate, where the guard scans its QR with the camera and releases it (or
holds it, and it comes back amended); a tenant's slip waiting for the owner's consent; arrears
that block the desk until settled; a move-out refused for too little notice; the printed slip
and the day's archive; the desk's queue on a tablet in both languages."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from playwright.sync_api import Browser, expect

from app.domain.calendar import Calendar
from e2e.conftest import NO_PASSKEY_AUTOFILL, TIMEOUT_MS, VIEWPORT, Authenticator, Phone
from e2e.gate_support import camera_browser, qr_video
from e2e.pages import EN, ZH, enrol, t
from e2e.release_support import ESTATE, CheckScreen, GateChecklist, SlipForm, SlipPage, today, window_now

TABLETS = {"landscape": {"width": 1024, "height": 768}, "portrait": {"width": 768, "height": 1024}}


def guard_phone(browser: Browser, base_url: str) -> Phone:
    context = browser.new_context(base_url=base_url, viewport=VIEWPORT, locale="en-US",
                                  extra_http_headers={"Accept-Language": "en-US"})
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(NO_PASSKEY_AUTOFILL)
    page = context.new_page()
    phone = Phone(context, page, Authenticator(page))
    phone.watch()
    return phone


def signed_in(new_phone, enrol_link, name: str, **options) -> Phone:
    phone = new_phone("en-US", **options)
    enrol(phone.page, enrol_link(name), name).ensure_language(EN)
    return phone


def submit_slip(page, items=(("Boxes", "3"), ("Lamp", "1")), **fields) -> SlipPage:
    day, start, end = window_now()
    form = SlipForm(page).goto_new()
    form.fill(items=items, day=fields.pop("day", day), start=fields.pop("start", start), end=fields.pop("end", end),
              **fields)
    form.submit()
    expect(page.locator(".flash--ok")).to_have_text(t(EN, "Sent. You are told when it is approved."))
    return SlipPage(page)


def approve_at_desk_and_supervisor(desk, supervisor, slip_id: str) -> None:
    CheckScreen(desk.page).goto(slip_id).approve_as_desk()
    expect(desk.page.locator(".flash--ok")).to_have_text(t(EN, "Checked. The slip waits for the second approval."))
    CheckScreen(supervisor.page).goto(slip_id).approve_as_supervisor()


def scan_at_gate(browser: Browser, base_url: str, enrol_link, qr_png: bytes, tmp_path: Path):
    video = qr_video(tmp_path / "slip.y4m", qr_png)
    return camera_browser(browser, video)


def test_an_owners_slip_goes_from_the_phone_through_desk_and_supervisor_to_release_at_the_gate(
        browser: Browser, new_phone, enrol_link, base_url, tmp_path: Path):
    resident = signed_in(new_phone, enrol_link, "Wang Fang")
    slip = submit_slip(resident.page)
    expect(slip.state).to_have_attribute("data-slip-state", "desk_review")
    slip_id = slip.slip_id

    desk = signed_in(new_phone, enrol_link, "Chen Jing")
    desk.page.goto(f"/e/{ESTATE}/desk/slips")
    row = desk.page.locator(f'[data-queue-slip="{slip.number}"]')
    expect(row).to_contain_text(t(EN, "Identity check"))
    row.get_by_role("link").click()
    expect(desk.page.locator("[data-carrier-id]")).to_have_text("110105199003071234")  # in full, on the check screen
    supervisor = signed_in(new_phone, enrol_link, "Wu Lei")
    approve_at_desk_and_supervisor(desk, supervisor, slip_id)

    resident.page.reload()
    expect(slip.state).to_have_attribute("data-slip-state", "approved")
    expect(resident.page.locator("[data-carrier-id]")).to_have_text("110***********1234")
    qr = slip.qr.screenshot()

    with scan_at_gate(browser, base_url, enrol_link, qr, tmp_path) as camera:
        guard = guard_phone(camera, base_url)
        try:
            enrol(guard.page, enrol_link("Li Qiang"), "Li Qiang").ensure_language(EN)
            guard.page.goto(f"/e/{ESTATE}/gate")
            gate = GateChecklist(guard.page)
            gate.expect("slip_valid")
            expect(gate.verdict.locator("[data-carrier]")).to_have_text("Zhao Lei")
            expect(gate.verdict.locator("[data-carrier-id]")).to_have_text("110***********1234")
            gate.verdict.get_by_role("button", name=t(EN, "Release"), exact=True).click()
            gate.expect("items_unchecked")  # nothing ticked yet: not released
            gate.tick_all()
            gate.release()
            assert not guard.problems, guard.problems
        finally:
            guard.context.close()

    resident.page.reload()
    expect(slip.state).to_have_attribute("data-slip-state", "released")
    expect(resident.page.locator(".slip-history")).to_contain_text(t(EN, "Released at the gate"))


def test_a_mismatch_is_held_at_the_gate_amended_and_then_released(
        browser: Browser, new_phone, enrol_link, base_url, tmp_path: Path):
    resident = signed_in(new_phone, enrol_link, "Wang Fang")
    slip = submit_slip(resident.page, items=(("Bicycle", "1"),))
    slip_id = slip.slip_id
    desk = signed_in(new_phone, enrol_link, "Chen Jing")
    supervisor = signed_in(new_phone, enrol_link, "Wu Lei")
    approve_at_desk_and_supervisor(desk, supervisor, slip_id)
    resident.page.reload()
    qr = slip.qr.screenshot()

    with scan_at_gate(browser, base_url, enrol_link, qr, tmp_path) as camera:
        guard = guard_phone(camera, base_url)
        try:
            enrol(guard.page, enrol_link("Li Qiang"), "Li Qiang").ensure_language(EN)
            guard.page.goto(f"/e/{ESTATE}/gate")
            gate = GateChecklist(guard.page)
            gate.expect("slip_valid")
            gate.hold("Two bicycles, not one")
            expect(gate.verdict).to_contain_text("Two bicycles, not one")

            # The resident amends the slip; the desk and the supervisor approve it again.
            resident.page.reload()
            expect(slip.state).to_have_attribute("data-slip-state", "held")
            resident.page.get_by_role("link", name=t(EN, "Amend the slip")).click()
            resident.page.locator("#f-item-0-quantity").fill("2")
            resident.page.get_by_role("button", name=t(EN, "Send to the front desk again")).click()
            expect(resident.page.locator(".flash--ok")).to_have_text(t(EN, "Sent. You are told when it is approved."))
            approve_at_desk_and_supervisor(desk, supervisor, slip_id)

            guard.page.get_by_role("link", name=t(EN, "Scan next")).click()
            gate.expect("slip_valid")
            gate.tick_all()
            gate.release()
            assert not guard.problems, guard.problems
        finally:
            guard.context.close()
    resident.page.reload()
    expect(slip.state).to_have_attribute("data-slip-state", "released")


def test_a_tenants_slip_waits_for_the_owner_who_answers_from_the_notification(new_phone, enrol_link):
    tenant = signed_in(new_phone, enrol_link, "Liu Yang")
    slip = submit_slip(tenant.page, items=(("Desk", "1"),))
    expect(slip.state).to_have_attribute("data-slip-state", "awaiting_consent")

    owner = signed_in(new_phone, enrol_link, "Tang Wei")
    owner.page.get_by_role("navigation").get_by_role("link", name=re.compile(t(EN, "Notifications"))).click()
    request = owner.page.locator(".notice").filter(has_text=t(EN, "Goods release for %(unit)s", unit="3-1-0902")).first
    expect(request).to_contain_text("Desk ×1")
    request.get_by_role("button", name=t(EN, "Approve")).click()
    expect(owner.page.locator(".flash--ok")).to_have_text(t(EN, "Your answer was sent."))

    tenant.page.reload()
    expect(slip.state).to_have_attribute("data-slip-state", "desk_review")
    expect(tenant.page.locator(".slip-facts")).to_contain_text("Tang Wei")


def test_arrears_block_the_desk_until_the_fees_are_settled(new_phone, enrol_link):
    desk = signed_in(new_phone, enrol_link, "Chen Jing")
    desk.page.goto(f"/e/{ESTATE}/desk/slips")
    row = desk.page.locator(".queue-slip").filter(has_text=t(EN, "Fees in arrears")).first
    expect(row).to_be_visible()
    row.get_by_role("link").click()
    check = CheckScreen(desk.page)
    check.approve_as_desk()
    expect(desk.page.get_by_role("alert").filter(has_text="arrears")).to_be_visible()
    desk.page.get_by_label(t(EN, "Receipt number")).fill("FP-2026-0042")
    desk.page.get_by_role("button", name=t(EN, "Record the fees settled")).click()
    expect(desk.page.locator(".flash--ok")).to_have_text(t(EN, "Fees recorded settled."))
    expect(desk.page.locator('[data-fees="paid"]')).to_be_visible()
    check.approve_as_desk()
    expect(desk.page.locator(".flash--ok")).to_have_text(t(EN, "Checked. The slip waits for the second approval."))


def test_moving_out_with_too_little_notice_is_refused_with_the_reason_beside_the_day(new_phone, enrol_link):
    # The next working day: inside the estate's 3 working days' notice, and not over at any hour.
    day = Calendar().add_working_days(today(), 1)
    resident = signed_in(new_phone, enrol_link, "Wang Xiaoming")
    form = SlipForm(resident.page).goto_new()
    form.fill(reason="moving_out", items=(("Boxes", "10"),), day=day.isoformat(), start="10:00", end="11:00")
    form.submit()
    expect(form.error("date")).to_contain_text("working days' notice: the earliest day is")
    expect(resident.page.get_by_label(t(EN, "Item 1"), exact=True)).to_have_value("Boxes")


def pdf_pages(page, path: Path) -> list[Path]:
    """The page printed to PDF (its own @page size), then each sheet as a PNG to look at."""
    page.emulate_media(media="print")
    page.pdf(path=str(path), prefer_css_page_size=True, print_background=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(path.with_suffix(""))], check=True)
    return sorted(path.parent.glob(path.stem + "*.png"))


def test_the_printed_slip_and_the_days_archive_render_on_paper(new_phone, enrol_link, artifacts: Path):
    desk = signed_in(new_phone, enrol_link, "Chen Jing")
    desk.page.goto(f"/e/{ESTATE}/desk/archive")
    expect(desk.page.locator(".archive-table tbody tr")).not_to_have_count(0)
    out = artifacts / "releases"
    out.mkdir(exist_ok=True)
    sheets = pdf_pages(desk.page, out / "archive.pdf")
    assert sheets and sheets[0].stat().st_size > 5000

    resident = signed_in(new_phone, enrol_link, "Wang Fang")
    resident.page.goto(f"/e/{ESTATE}/release-slips")
    resident.page.locator(".slip-list .row-list__item").filter(has=resident.page.locator('[data-slip-state="approved"]')).first.get_by_role("link").click()
    for paper, label in (("a4", "Print (A4)"), ("half", "Print (half page)")):
        resident.page.get_by_role("link", name=t(EN, label)).first.click()
        expect(resident.page.locator(".slip-paper__qr svg")).to_be_visible()
        expect(resident.page.locator(".slip-paper")).to_contain_text("5-2-1301")
        sheets = pdf_pages(resident.page, out / f"slip-{paper}.pdf")
        assert len(sheets) == 1, f"the {paper} slip should fit one sheet"
        resident.page.emulate_media(media="screen")
        resident.page.go_back()


def test_the_desk_queue_fits_a_tablet_either_way_in_both_languages(new_phone, enrol_link, artifacts: Path):
    desk = signed_in(new_phone, enrol_link, "Chen Jing")
    out = artifacts / "releases"
    out.mkdir(exist_ok=True)
    for lang in (EN, ZH):
        desk.page.goto(f"/e/{ESTATE}/desk/slips")
        from e2e.pages import Screen
        Screen(desk.page).ensure_language(lang)
        for name, size in TABLETS.items():
            desk.page.set_viewport_size(size)
            expect(desk.page.get_by_role("heading", level=1)).to_have_text(t(lang, "Goods release queue"))
            expect(desk.page.locator(".queue-slip").first).to_be_visible()
            width = desk.page.evaluate("document.documentElement.scrollWidth")
            assert width <= size["width"], f"{name} {lang}: the queue is {width}px wide"
            desk.page.screenshot(path=str(out / f"queue-{name}-{lang}.png"), full_page=True)
    Screen(desk.page).ensure_language(EN)
