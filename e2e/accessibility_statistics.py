"""The statistics screens of the accessibility walk (``test_accessibility.py``): the estate's
statistics with both regions of figures loaded, with a day that cannot be read, and the page
across the manager's estates."""

from __future__ import annotations

from playwright.sync_api import expect

from e2e.accessibility import Audit
from e2e.accessibility_visitors import HOME, Walk


def statistics(walk: Walk, audit: Audit, lang: str) -> None:
    manager = walk.page("manager")
    manager.goto(f"{HOME}/statistics?range=year")
    expect(manager.locator('[data-figure="total"]')).to_be_visible()
    expect(manager.locator('[data-figure="refused"]')).to_be_visible()
    audit.check(manager, "statistics")
    manager.goto(f"{HOME}/statistics?from=2026-02-30&to=")  # a date field sends no such day: typed elsewhere
    expect(manager.locator(".field__error")).to_be_visible()
    expect(manager.locator('[data-figure="total"]')).to_be_visible()
    audit.check(manager, "statistics: a day that cannot be read")
    manager.goto("/statistics")
    expect(manager.locator('table[data-stats-table="estates"]')).to_be_visible()
    audit.check(manager, "statistics across estates")
