"""Incidents through the screens: the patrol guard Zhao Gang reports a theft with a camera photo
(made smaller on the phone), the supervisor Wu Lei finds it in the list and sends him to it, and
his home shows the dispatch until he taps "I'm on it". With no signal, a report with its photo
waits on the phone and lands once when the signal is back."""

from __future__ import annotations

import secrets
from pathlib import Path

from playwright.sync_api import expect

from e2e.conftest import ESTATE
from e2e.incidents_support import HOME, IncidentPage, ReportForm, camera_photo
from e2e.offline_support import OutboxStrip
from e2e.pages import EN, HomePage, enrol, t
from e2e.test_pwa import CONTROLLED

LIVE_WAIT_MS = 15_000


def test_a_guard_reports_with_a_photo_the_supervisor_dispatches_and_the_guard_acknowledges(
        new_phone, enrol_link, server, tmp_path: Path, artifacts):
    tag = secrets.token_hex(3)
    place = f"Bike shed {tag}"
    guard = new_phone("en-US").page
    enrol(guard, enrol_link("Zhao Gang"), "Zhao Gang").ensure_language(EN)
    guard.get_by_role("link", name=t(EN, "Report an incident")).first.click()
    form = ReportForm(guard)
    expect(form.heading()).to_be_visible()
    form.fill(kind="Theft", severity="High", place=place, description="The lock of a blue bike was cut.",
              people="A man in a red jacket, about 30", calls=("110 police",))
    chosen, sent = form.attach(camera_photo(tmp_path / "IMG_0001.jpg"))
    print(f"\nphoto of 12 megapixels: {chosen / 1e6:.2f} MB chosen, {sent / 1e3:.0f} KB sent after resizing on the phone")
    assert sent < chosen / 5
    (artifacts / "incident_photo_sizes.txt").write_text(f"chosen {chosen} bytes, sent {sent} bytes\n")
    form.send()
    expect(guard.get_by_text(t(EN, "Report sent."))).to_be_visible(timeout=20_000)
    expect(guard.get_by_role("heading", level=1)).to_contain_text(place)
    photo = guard.get_by_role("img", name=t(EN, "Photo %(n)s of the incident", n="1"))
    expect(photo).to_be_visible()
    assert guard.evaluate("(img) => img.naturalWidth", photo.element_handle()) == 1600
    [(width, height, size)] = server.sql(
        "SELECT u.width, u.height, u.size FROM upload u JOIN incident_photo p ON p.upload = u.id"
        " JOIN incident i ON i.id = p.incident WHERE i.place = ?", place)
    assert (width, height) == (1600, 1200) and size <= sent
    print(f"stored: {width}x{height}, {size / 1e3:.0f} KB")

    supervisor = new_phone("en-US").page
    enrol(supervisor, enrol_link("Wu Lei"), "Wu Lei").ensure_language(EN)
    supervisor.get_by_role("link", name=t(EN, "Incidents")).click()
    supervisor.get_by_label(t(EN, "Kind"), exact=True).select_option(label=t(EN, "Theft"))
    supervisor.get_by_role("button", name=t(EN, "Show")).click()
    row = supervisor.locator(".incident-row").filter(has_text=place)
    expect(row).to_contain_text(t(EN, "Open"))
    row.get_by_role("link").click()
    incident = IncidentPage(supervisor)
    expect(supervisor.get_by_role("img", name=t(EN, "Photo %(n)s of the incident", n="1"))).to_be_visible()
    incident.dispatch("Zhao Gang")
    expect(incident.timeline).to_contain_text(t(EN, "%(by)s sent %(guard)s", by="Wu Lei", guard="Zhao Gang"))

    guard.goto(f"{HOME}/")
    task = guard.locator(".dispatch-task").filter(has_text=place)
    expect(task).to_be_visible(timeout=LIVE_WAIT_MS)
    task.get_by_role("button", name=t(EN, "I'm on it")).click()
    expect(guard.get_by_text(t(EN, "You are on it. The supervisor can see it."))).to_be_visible()

    supervisor.reload()
    expect(incident.state).to_have_text(t(EN, "Acknowledged"))
    expect(incident.timeline).to_contain_text(t(EN, "%(name)s is on it", name="Zhao Gang"))
    supervisor.get_by_label(t(EN, "Outcome")).fill("Bike found behind building 3, returned to its owner.")
    supervisor.get_by_role("button", name=t(EN, "Resolve"), exact=True).click()
    expect(incident.state).to_have_text(t(EN, "Resolved"))
    guard.goto(f"{HOME}/")
    expect(guard.locator(".dispatch-task").filter(has_text=place)).to_have_count(0, timeout=LIVE_WAIT_MS)


def test_an_incident_reported_with_no_signal_lands_once_with_its_photo_when_the_signal_is_back(
        new_phone, enrol_link, server, tmp_path: Path):
    tag = secrets.token_hex(3)
    place = f"Car park B2 {tag}"
    phone = new_phone("en-US")
    page = phone.page
    enrol(page, enrol_link("Zhao Gang"), "Zhao Gang").ensure_language(EN)
    page.evaluate(CONTROLLED)
    page.goto(f"{HOME}/incidents/new?place={place.replace(' ', '%20')}")  # opened online: kept for offline
    strip = OutboxStrip(page)
    strip.expect_state("online")

    phone.context.set_offline(True)
    strip.expect_state("offline")
    page.reload()  # the kept form, from the phone
    form = ReportForm(page)
    expect(form.heading()).to_be_visible()
    expect(page.get_by_label(t(EN, "Place"), exact=True)).to_have_value(place)
    form.fill(kind="Damage to facilities", severity="Medium", place=place,
              description=f"Ceiling light hanging by its wire {tag}")
    form.attach(camera_photo(tmp_path / "IMG_0002.jpg"))
    form.send()
    expect(page.locator("#flash")).to_contain_text(
        t(EN, "Saved on this phone with its photos. It will be sent when there is signal."))
    strip.expect_waiting_offline(1)
    assert server.sql("SELECT COUNT(*) FROM incident WHERE place = ?", place) == [(0,)]

    phone.context.set_offline(False)
    strip.expect_all_sent()
    page.reload()
    strip.expect_state("online")
    rows = server.sql("SELECT id, happened_at, created_at FROM incident WHERE place = ?", place)
    assert len(rows) == 1
    assert rows[0][1] < rows[0][2], "kept the time the guard reported it, before it reached the server"
    assert server.sql("SELECT COUNT(*) FROM incident_photo WHERE incident = ?", rows[0][0]) == [(1,)]
    assert not phone.problems, phone.problems
