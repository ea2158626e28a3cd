"""The incident screens of the accessibility walk (``accessibility_walk.py``): the report form
(blank, with its errors, filled in from a patrol checkpoint), an incident's page for the guard
and for the supervisor, the supervisor's list with its filters, and a patrol guard's dispatch
tasks. Each screen is checked with one line."""

from __future__ import annotations

import secrets

from playwright.sync_api import expect

from e2e.accessibility import Audit
from e2e.accessibility_visitors import HOME, Walk
from e2e.pages import t


def incidents(walk: Walk, audit: Audit, lang: str) -> None:
    patrol, supervisor, guard = walk.page("patrol"), walk.page("supervisor"), walk.page("guard")
    place = f"Pump room {secrets.token_hex(2)}"

    guard.goto(f"{HOME}/incidents/new")
    audit.check(guard, "incident report: gate guard")
    patrol.goto(f"{HOME}/incidents/new?place={place.replace(' ', '%20')}")
    audit.check(patrol, "incident report: from a checkpoint")
    patrol.get_by_role("button", name=t(lang, "Send report")).click()
    expect(patrol.locator(".field__error").first).to_be_visible()
    audit.check(patrol, "incident report: errors")
    patrol.get_by_label(t(lang, "What happened"), exact=True).select_option("noise")
    patrol.get_by_label(t(lang, "What you saw")).fill("Drilling")
    patrol.get_by_role("button", name=t(lang, "Send report")).click()
    expect(patrol.get_by_text(t(lang, "Report sent."))).to_be_visible()
    audit.check(patrol, "incident: reported")
    incident = patrol.url.split("?")[0]

    supervisor.goto(f"{HOME}/incidents")
    audit.check(supervisor, "incidents")
    supervisor.goto(f"{HOME}/incidents?kind=fire&state=resolved")
    audit.check(supervisor, "incidents: nothing matches")
    supervisor.goto(incident)
    audit.check(supervisor, "incident: supervisor")
    supervisor.get_by_label(t(lang, "Patrol guard"), exact=True).select_option(label="Zhao Gang")
    supervisor.get_by_role("button", name=t(lang, "Send"), exact=True).click()
    expect(supervisor.get_by_text(t(lang, "Guard sent. They get a notification."))).to_be_visible()
    audit.check(supervisor, "incident: dispatched")

    patrol.goto(f"{HOME}/incidents/tasks")
    expect(patrol.locator(".dispatch-task").filter(has_text=place)).to_be_visible()
    audit.check(patrol, "dispatch tasks")
    patrol.locator(".dispatch-task").filter(has_text=place).get_by_role("button").click()
    expect(patrol.get_by_text(t(lang, "You are on it. The supervisor can see it."))).to_be_visible()
    audit.check(patrol, "incident: acknowledged")

    supervisor.goto(incident)
    supervisor.get_by_role("button", name=t(lang, "Resolve"), exact=True).click()
    expect(supervisor.locator(".field__error").first).to_be_visible()
    audit.check(supervisor, "incident: resolve errors")
    supervisor.get_by_label(t(lang, "Outcome")).fill("Workers told to stop until 08:00")
    supervisor.get_by_role("button", name=t(lang, "Resolve"), exact=True).click()
    expect(supervisor.get_by_text(t(lang, "Incident resolved."))).to_be_visible()
    audit.check(supervisor, "incident: resolved")
    supervisor.goto(f"{HOME}/incidents/summary")
    audit.check(supervisor, "weekly security summary")
