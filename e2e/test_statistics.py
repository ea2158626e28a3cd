"""Statistics through the screens: the manager Sun Hao opens them from his home, narrows the days
from the last 30 to the last 7 and sees the visits of three weeks ago drop out, then downloads the
visits per day as a CSV that holds what the table shows; a pass the gate turns away (scanned
twice) shows as one more refusal."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from e2e.conftest import ESTATE
from e2e.gate_support import GatePage
from e2e.offline_support import Household
from e2e.pages import EN, enrol, t


def test_a_manager_opens_statistics_changes_the_days_and_downloads_a_csv(new_phone, enrol_link, server):
    [(estate_id,)] = server.sql("SELECT id FROM estate WHERE slug = ?", ESTATE)
    three_weeks_ago = datetime.now(timezone.utc) - timedelta(days=21)
    for n in range(4):  # four deliveries three weeks ago, that the last 7 days leave out
        server.execute("INSERT INTO visit (id, estate, purpose, guest_name, entered_at) VALUES (?, ?, ?, ?, ?)",
                       str(uuid.uuid4()), estate_id, "delivery", "Courier",
                       str((three_weeks_ago + timedelta(minutes=n)).replace(microsecond=0)))
    # Rows written behind the app's back into days it may have tallied already: the tallies go,
    # and the days are counted from the visits until the periodic job tallies them again.
    for table in ("visit_hour_tally", "visit_kind_tally", "statistics_mark"):
        server.execute(f"DELETE FROM {table} WHERE estate = ?", estate_id)
    day = (three_weeks_ago.astimezone(ZoneInfo("Asia/Shanghai"))).date().isoformat()

    page = new_phone("en-US").page
    enrol(page, enrol_link("Sun Hao"), "Sun Hao").ensure_language(EN)
    page.get_by_role("link", name=t(EN, "Statistics")).click()
    expect(page.get_by_role("heading", level=1, name=t(EN, "Statistics"))).to_be_visible()
    total = page.locator('[data-figure="total"]')
    expect(total).to_be_visible()  # the region replaced its "Loading…"
    month = int(total.inner_text())
    assert month >= 4
    days = page.locator('table[data-stats-table="days"]')
    expect(days.locator("tr", has=page.get_by_role("rowheader", name=day, exact=True))).to_contain_text("4")

    page.get_by_label(t(EN, "From")).fill((datetime.now(ZoneInfo("Asia/Shanghai")).date() - timedelta(days=6)).isoformat())
    page.get_by_role("button", name=t(EN, "Show")).click()
    expect(days.get_by_role("rowheader")).to_have_count(7)
    week = int(total.inner_text())
    assert week <= month - 4

    with page.expect_download() as download:
        days.locator("xpath=../following-sibling::p[1]").get_by_role("link", name=t(EN, "Download CSV")).click()
    rows = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read())))
    assert rows[0] == ["day", "visits"] and len(rows) == 8
    assert sum(int(n) for _, n in rows[1:]) == week
    shown = [cell.inner_text() for cell in days.locator("td").all()]
    assert [n for _, n in rows[1:]] == shown


def test_a_pass_turned_away_at_the_gate_counts_once_among_the_refusals(new_phone, enrol_link):
    manager = new_phone("en-US").page
    enrol(manager, enrol_link("Sun Hao"), "Sun Hao").ensure_language(EN)
    manager.goto(f"/e/{ESTATE}/statistics?range=7d")
    revoked = manager.locator('table[data-stats-table="refusals"] tr').filter(
        has=manager.get_by_role("rowheader", name=t(EN, "Pass revoked"), exact=True)).locator("td")
    refused = manager.locator('[data-figure="refused"]')
    expect(revoked).to_be_visible()
    before = (int(refused.inner_text()), int(revoked.inner_text()))

    resident = new_phone("en-US").page
    enrol(resident, enrol_link("Wang Fang"), "Wang Fang")
    household = Household(resident)
    guest = f"Ma Lin {uuid.uuid4().hex[:4]}"
    link = household.invite(guest)
    household.revoke(guest)

    guard = new_phone("en-US").page
    gate = GatePage.open_from_home(enrol(guard, enrol_link("Li Qiang"), "Li Qiang").page)
    for _ in range(2):  # checked twice: one guest turned away
        gate.type_code(link)
        gate.expect_verdict("revoked", "Revoked")
        gate.scan_next()

    manager.reload()
    expect(refused).to_have_text(str(before[0] + 1))
    expect(revoked).to_have_text(str(before[1] + 1))

