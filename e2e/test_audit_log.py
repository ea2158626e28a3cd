"""An admin reads the estate's audit log: Zhou Min opens it from home, narrows it to the
sign-in links issued, then to those she issued herself, and back to everything."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from e2e.audit_support import AuditLogPage
from e2e.conftest import ESTATE
from e2e.pages import EN, enrol, t


def test_an_admin_opens_the_audit_log_and_filters_it(phone, enrol_link, artifacts):
    page = phone.page
    home = enrol(page, enrol_link("Zhou Min"), "Zhou Min")
    home.ensure_language(EN)
    log = AuditLogPage.open_from_home(home)
    expect(page).to_have_url(re.compile(f"/e/{ESTATE}/audit$"))

    # The newest entry first: her own passkey, made a moment ago with the link she was given.
    expect(log.entries().first).to_contain_text("passkey.enrolled")
    expect(log.entries().first).to_contain_text(t(EN, "by %(name)s", name="Zhou Min"))
    expect(log.entries()).to_have_count(50)  # the demo's history fills the first page

    log.concerning("Sign-in links")
    expect(page).to_have_url(re.compile(r"\?family=enrolment"))  # the list came (htmx sets the address)
    expect(log.entries().first).to_be_visible()
    for text in log.entries().all_inner_texts():
        assert "enrolment.issued" in text

    log.done_by("nobody by this name")
    expect(page.get_by_text(t(EN, "No entries match"))).to_be_visible()
    expect(log.entries()).to_have_count(0)

    log.done_by("")
    log.concerning("Everything")
    expect(page).to_have_url(re.compile(r"/audit\?family=&"))
    expect(log.entries()).to_have_count(50)
    page.screenshot(path=str(artifacts / "audit-log-en.png"), full_page=True)
