"""The front desk's day: a morning shift on the lobby tablet (1024x768) starts in one tap from
home, logs a common entry in two taps and a complaint for the next shift, and hands over; the
handover lists a held goods slip and an overdue visitor, compiled from what is open. The
evening shift, on a phone, starts in one tap, lands on the handover and acknowledges it (the
morning's tablet, still on the handover, shows each acknowledgement as it is made); the
morning's entries can then only be annotated."""

from __future__ import annotations

import re
import secrets

from playwright.sync_api import expect

from e2e.conftest import ESTATE, VIEWPORT, parse_link
from e2e.duty_support import TABLET, DutyHome, HandoverPage, ShiftPage, overdue_visit
from e2e.pages import EN, enrol, t

HOME = f"/e/{ESTATE}/"


def front_desk(server, new_phone, name: str, size: dict):
    phone = new_phone("en-US")
    phone.page.set_viewport_size(size)
    link = parse_link(server.run_cli("add-person", "--estate", ESTATE, "--role", "front_desk", "--name", name))
    enrol(phone.page, link, name).ensure_language(EN)
    return phone


def test_a_front_desk_shift_logs_hands_over_and_the_next_shift_acknowledges(server, new_phone, artifacts):
    run = secrets.token_hex(3)
    morning_name, evening_name, guest = f"Desk Morning {run}", f"Desk Evening {run}", f"Overdue Guest {run}"
    complaint = f"Residents of 5-2-1301 complain about the lift noise {run}"
    taps = {}

    morning = front_desk(server, new_phone, morning_name, TABLET)
    tablet = morning.page
    DutyHome(tablet).start_shift()  # one tap at the post the home offers: the lobby for the front desk
    taps["start a shift"] = 1
    if "/handovers/" in tablet.url:  # an earlier lobby shift's handover waits: read later, by the test's own shift
        DutyHome(tablet).my_shift()
    shift = ShiftPage(tablet)
    expect(shift.heading()).to_be_visible()
    expect(tablet.get_by_role("heading", name=t(EN, "Quick entries"))).to_be_visible()

    tablet.goto(HOME)
    DutyHome(tablet).my_shift()
    shift.quick("Parcel received for a resident")
    taps["add a common log entry"] = 2
    expect(shift.flash()).to_have_text(t(EN, "Added to the log."))
    expect(shift.entry(t(EN, "Parcel received for a resident"))).to_contain_text(t(EN, "Delivery"))

    shift.write("Complaint", complaint, unit="5-2-1301", next_shift=True)
    expect(shift.entry(complaint)).to_contain_text(t(EN, "For the next shift"))
    tablet.screenshot(path=str(artifacts / "duty-shift-tablet-en.png"), full_page=True)

    overdue_visit(server, guest)
    shift.hand_over()
    handover = HandoverPage(tablet)
    expect(handover.item("slip_held").first).to_be_visible()
    expect(handover.item("visitor_overdue").filter(has_text=guest)).to_be_visible()
    expect(handover.item("log_next_shift").filter(has_text=complaint)).to_be_visible()
    handover.hand_over("Lift noise: maintenance called. Held slip waits for the resident.")
    expect(tablet.locator(".flash--ok")).to_have_text(t(EN, "Handed over. The next shift acknowledges it here."))
    expect(handover.acknowledge_all()).to_have_count(0)  # the outgoing person does not acknowledge their own
    handover_url = re.sub(r"\?.*$", "", tablet.url)

    evening = front_desk(server, new_phone, evening_name, VIEWPORT)
    phone = evening.page
    DutyHome(phone).start_shift()
    expect(phone).to_have_url(re.compile(r"/handovers/[0-9a-f-]{36}\?done=shift_started"))
    if not phone.url.startswith(handover_url):  # another lobby shift handed over meanwhile (tests run in parallel)
        phone.goto(handover_url)
    handover = HandoverPage(phone)
    expect(handover.state()).to_have_attribute("data-handover-state", "waiting")
    expect(phone.get_by_text("Lift noise: maintenance called.")).to_be_visible()
    overdue = handover.item("visitor_overdue").filter(has_text=guest)
    handover.seen(overdue)
    expect(overdue.locator(".handover-item__ack")).to_contain_text(evening_name)
    # The morning's tablet, still on the handover it made, shows the acknowledgement without a reload.
    on_tablet = HandoverPage(tablet).item("visitor_overdue").filter(has_text=guest)
    expect(on_tablet.locator(".handover-item__ack")).to_contain_text(evening_name)
    phone.screenshot(path=str(artifacts / "duty-handover-phone-en.png"), full_page=True)
    handover.acknowledge_all().click()
    taps["acknowledge a handover"] = 1
    expect(phone.locator(".flash--ok")).to_have_text(t(EN, "Handover acknowledged."))
    expect(handover.state()).to_have_attribute("data-handover-state", "acknowledged")
    expect(handover.acknowledge_all()).to_have_count(0)

    tablet.goto(handover_url)
    expect(tablet.get_by_text(re.compile(re.escape(t(EN, "Acknowledged by %(name)s at %(time)s",
                                                        name=evening_name, time="")))).first).to_be_visible()
    tablet.goto(f"/e/{ESTATE}/duty")
    expect(tablet.get_by_role("button", name=t(EN, "Start shift"), exact=True)).to_be_visible()
    tablet.goto(f"/e/{ESTATE}/handovers")
    tablet.get_by_role("link", name=re.compile(re.escape(complaint))).click()
    expect(tablet.get_by_text(t(EN, "The shift was handed over: this entry can no longer be changed, only annotated."))).to_be_visible()
    expect(tablet.get_by_label(t(EN, "Change the text"))).to_have_count(0)
    tablet.get_by_label(t(EN, "Add a note")).fill("Maintenance came at 15:00")
    tablet.get_by_role("button", name=t(EN, "Add note"), exact=True).click()
    expect(tablet.locator(".duty-notes")).to_contain_text("Maintenance came at 15:00")
    expect(tablet.locator(".duty-notes")).to_contain_text(morning_name)

    stored = server.sql("SELECT COUNT(*) FROM handover WHERE acknowledged_at IS NOT NULL AND id = ?",
                        handover_url.rsplit("/", 1)[1])
    assert stored == [(1,)]
    print("\ntaps:", taps)  # each counted where the test taps, and the next step waits on its result
