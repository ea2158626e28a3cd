"""The audit log's screens in the accessibility walk (``accessibility_walk.py``): the admin's
list, narrowed to one kind of entry, and with nothing matching."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from e2e.accessibility import Audit
from e2e.accessibility_visitors import HOME, Walk
from e2e.audit_support import AuditLogPage
from e2e.pages import t


def audit_log(walk: Walk, audit: Audit, lang: str) -> None:
    page = walk.page("admin")
    page.goto(f"{HOME}/audit")
    log = AuditLogPage(page)
    expect(log.heading(lang)).to_be_visible()
    audit.check(page, "audit log")
    log.concerning("Watchlist", lang)
    expect(page).to_have_url(re.compile(r"\?family=watchlist"))  # the list came (htmx sets the address)
    expect(log.entries(lang).first).to_be_visible()
    audit.check(page, "audit log: filtered")
    log.done_by("nobody by this name", lang)
    expect(page.get_by_text(t(lang, "No entries match"))).to_be_visible()
    audit.check(page, "audit log: nothing matches")
