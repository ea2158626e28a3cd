"""Disclosures of visitor records in the accessibility walk (``test_accessibility.py``): the
manager's list, the form (empty, with its errors, and with a photo kept beside them), a
disclosure to the police as recorded; the front desk's resident look-up (the form, its errors,
what was shown); the admin's list."""

from __future__ import annotations

import io
import tempfile
from datetime import date
from pathlib import Path

from playwright.sync_api import expect

from e2e.accessibility import Audit
from e2e.accessibility_visitors import HOME, Walk
from e2e.pages import t


def document_photo(path: Path) -> Path:
    """A small JPEG, as a phone's camera gives a photo of a paper notice."""
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (320, 240), (245, 245, 240))
    ImageDraw.Draw(picture).rectangle((20, 20, 300, 60), fill=(180, 30, 30))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    path.write_bytes(out.getvalue())
    return path


def disclosures(walk: Walk, audit: Audit, lang: str) -> None:
    today = date.today().isoformat()
    manager = walk.page("manager")
    manager.goto(f"{HOME}/disclosures")
    audit.check(manager, "disclosures")
    manager.get_by_role("link", name=t(lang, "Record a disclosure")).click()
    audit.check(manager, "disclosure: new")
    record = t(lang, "Record and make the extract")
    manager.get_by_role("button", name=record).click()
    expect(manager.locator(".field__error").first).to_be_visible()
    audit.check(manager, "disclosure: new, errors")
    with tempfile.TemporaryDirectory() as folder:
        manager.get_by_label(t(lang, "Photo of the document")).set_input_files(
            str(document_photo(Path(folder) / "notice.jpg")))
        manager.get_by_label(t(lang, "Authority"), exact=True).select_option("police")
        manager.get_by_role("button", name=record).click()
    expect(manager.get_by_role("img", name=t(lang, "The document photo already chosen"))).to_be_visible()
    audit.check(manager, "disclosure: errors, photo kept")
    manager.get_by_label(t(lang, "Officer's name")).fill("Officer Ma")
    manager.get_by_label(t(lang, "Badge (warrant card) number")).fill("044871")
    manager.get_by_label(t(lang, "Case reference")).fill(f"AXE-{lang}")
    manager.get_by_label(t(lang, "Document shown")).fill("Evidence collection notice")
    manager.get_by_label(t(lang, "From (day)")).fill(today)
    manager.get_by_label(t(lang, "To (day, included)")).fill(today)
    manager.get_by_role("button", name=record).click()
    expect(manager.get_by_role("img", name=t(lang, "Photo of the document shown"))).to_be_visible()
    audit.check(manager, "disclosure: recorded")

    desk = walk.page("front_desk")
    desk.goto(f"{HOME}/desk/record-checks/new")
    audit.check(desk, "resident look-up: new")
    show = t(lang, "Show and record")
    desk.get_by_role("button", name=show).click()
    expect(desk.locator(".field__error").first).to_be_visible()
    audit.check(desk, "resident look-up: errors")
    desk.get_by_label(t(lang, "Resident's unit")).fill("5-2-1301")
    desk.get_by_label(t(lang, "Resident who asks")).select_option(index=1)
    desk.get_by_label(t(lang, "How they were identified"), exact=True).fill("Resident card")
    desk.get_by_label(t(lang, "From (day)")).fill(today)
    desk.get_by_label(t(lang, "To (day, included)")).fill(today)
    desk.get_by_role("button", name=show).click()
    expect(desk.get_by_text(t(lang, "Recorded. Show the resident these records."))).to_be_visible()
    audit.check(desk, "resident look-up: shown")

    admin = walk.page("admin")
    admin.goto(f"{HOME}/disclosures")
    audit.check(admin, "disclosures: the admin's")
