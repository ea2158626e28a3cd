"""Disclosure through the screens: the manager Sun Hao records that the police asked for the
visits of Huang Bo to 5-2-1301 yesterday, with a photo of the officer's document, and downloads
the extract; the CSV holds that visit and nothing else, and is what the estate kept (sealed at
rest, its digest recorded)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from e2e.accessibility_disclosures import document_photo
from e2e.conftest import ESTATE
from e2e.pages import EN, enrol, t


def test_a_manager_records_a_disclosure_with_the_document_photo_and_downloads_the_extract(
        new_phone, enrol_link, server, tmp_path: Path):
    yesterday = (datetime.now(ZoneInfo("Asia/Shanghai")) - timedelta(days=1)).date().isoformat()
    page = new_phone("en-US").page
    enrol(page, enrol_link("Sun Hao"), "Sun Hao").ensure_language(EN)
    page.get_by_role("link", name=t(EN, "Disclosures of visitor records")).click()
    page.get_by_role("link", name=t(EN, "Record a disclosure")).click()

    page.get_by_label(t(EN, "Authority"), exact=True).select_option(label=t(EN, "Police (public security)"))
    page.get_by_label(t(EN, "Name of the authority (e.g. the police station)")).fill("Harbour Road Station")
    page.get_by_label(t(EN, "Officer's name")).fill("Officer Ma")
    page.get_by_label(t(EN, "Badge (warrant card) number")).fill("044871")
    page.get_by_label(t(EN, "Case reference")).fill("HR-E2E-1")
    page.get_by_label(t(EN, "Document shown")).fill("Evidence collection notice 2026-301")
    page.get_by_label(t(EN, "Photo of the document")).set_input_files(str(document_photo(tmp_path / "notice.jpg")))
    page.get_by_label(t(EN, "Person's name (optional)")).fill("huang bo")
    page.get_by_label(t(EN, "Unit (optional)")).fill("5-2-1301")
    page.get_by_label(t(EN, "From (day)")).fill(yesterday)
    page.get_by_label(t(EN, "To (day, included)")).fill(yesterday)
    page.get_by_role("button", name=t(EN, "Record and make the extract")).click()

    expect(page.get_by_text(t(EN, "Disclosure recorded. Hand over this extract and nothing else."))).to_be_visible()
    expect(page.get_by_role("img", name=t(EN, "Photo of the document shown"))).to_be_visible()
    extract = page.get_by_role("region", name=t(EN, "What was handed over")).locator("tbody tr")
    expect(extract).to_have_count(1)
    expect(extract).to_contain_text("Huang Bo")

    with page.expect_download() as download_info:
        page.get_by_role("link", name=t(EN, "Download CSV")).click()
    data = Path(download_info.value.path()).read_bytes()
    lines = data.decode("utf-8").lstrip("\ufeff").splitlines()
    assert lines[0].split(",")[:3] == [t(EN, "Record"), t(EN, "How they came"), t(EN, "Visitor")]
    assert len(lines) == 2 and "Huang Bo" in lines[1] and "5-2-1301" in lines[1] and yesterday in lines[1]
    digest = hashlib.sha256(data).hexdigest()
    expect(page.locator(".disclosure-digest")).to_have_text(digest)
    [(stored, stored_digest, photo)] = server.sql(
        "SELECT d.extract_csv, d.extract_sha256, d.document_photo FROM disclosure d JOIN estate e ON e.id = d.estate"
        " WHERE e.slug = ? AND d.case_reference = ?", ESTATE, "HR-E2E-1")
    # kept sealed (app/services/sealed.py): the bytes handed over are those whose digest was recorded
    assert stored.startswith("s1:") and "Huang Bo" not in stored and stored_digest == digest and photo
    assert "s1:" not in data.decode("utf-8")  # the visitor's numbers opened, not their sealed form
