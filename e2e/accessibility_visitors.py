"""The visitor screens of the accessibility walk (``accessibility_walk.py``): invitations, the
guest's pass page, the gate's verdicts of every colour, on site now, and walk-ins from the form
to every answer the waiting screen shows. Each part takes the walk's phones, an ``Audit`` and
the language, and checks each screen with one line."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from playwright.sync_api import Page, expect

from e2e.accessibility import Audit
from e2e.conftest import ESTATE, Phone
from e2e.gate_support import GatePage
from e2e.invitations_support import InvitationPage, InvitePage, PassPage
from e2e.pages import ZH, t

HOME = f"/e/{ESTATE}"
UNIT = "5-2-1301"


@dataclass
class Walk:
    """The cast's phones and the links the walk needs, for both languages."""

    phones: dict[str, Phone]
    used_link: str
    replaced_link: str
    fresh_link: str
    fresh_name: str

    def page(self, who: str) -> Page:
        return self.phones[who].page


def invite(page: Page, guest: str, lang: str, *, date: str = "") -> str:
    """The resident invites ``guest`` (today, or on ``date``); returns the pass link."""
    page.goto(f"{HOME}/invitations/new")
    form = InvitePage(page)
    form.guest_name(lang).fill(guest)
    if date:
        page.get_by_label(t(lang, "Date"), exact=True).fill(date)
    form.create(lang)
    return InvitationPage(page).link(lang)


def passes(walk: Walk, new_phone, audit: Audit, lang: str, barred: str) -> None:
    """Invitations, the guest's pass page and the gate's verdicts of every colour."""
    resident = walk.page("resident")
    resident.goto(f"{HOME}/invitations/new")
    audit.check(resident, "invite a guest")
    InvitePage(resident).create(lang)
    expect(resident.locator(".field__error").first).to_be_visible()
    audit.check(resident, "invite a guest: errors")

    run = secrets.token_hex(2)
    first = invite(resident, f"Guest {run}", lang)
    audit.check(resident, "invitation: created")
    tomorrow = resident.evaluate("new Date(Date.now() + 864e5).toISOString().slice(0, 10)")
    later = invite(resident, f"Tomorrow {run}", lang, date=tomorrow)
    barred_pass = invite(resident, barred, lang)
    revoked = invite(resident, f"Revoked {run}", lang)
    resident.get_by_role("button", name=t(lang, "Revoke pass")).click()
    expect(resident.get_by_role("dialog")).to_be_visible()
    audit.check(resident, "invitation: revoke? dialog", within="dialog[open]")
    resident.get_by_role("dialog").get_by_role("button", name=t(lang, "Revoke"), exact=True).click()
    expect(resident.get_by_text(t(lang, "Pass revoked. Its link no longer works."))).to_be_visible()
    audit.check(resident, "invitation: revoked")
    resident.goto(f"{HOME}/invitations")
    audit.check(resident, "invitations")
    resident.goto(f"{HOME}/history")
    audit.check(resident, "visitor history")

    guest = new_phone("zh-CN" if lang == ZH else "en-US", authenticator=False).page
    for link, screen in ((first, "pass: valid now"), (later, "pass: not yet valid"), (revoked, "pass: revoked")):
        PassPage(guest).goto(link)
        audit.check(guest, screen)

    page = walk.page("guard")
    gate = GatePage(page).goto(ESTATE)
    expect(page.locator("[data-scanner-status]")).to_have_text(t(lang, "Point the camera at the QR code."))
    audit.check(page, "gate scanner")
    # The same guard on a phone whose browser has no camera to give.
    no_camera = new_phone("en-US", authenticator=False)
    no_camera.context.add_cookies(page.context.cookies())
    GatePage(no_camera.page).goto(ESTATE)
    expect(no_camera.page.locator("[data-scanner-problem]:visible")).to_have_count(1)
    audit.check(no_camera.page, "gate scanner: no camera")

    def verdict(code: str, headline: str, typed: str | None = None) -> None:
        if typed is not None:
            gate.type_code(typed, lang)
        gate.expect_verdict(code, headline, lang)
        audit.check(page, f"gate verdict: {code}", within="#verdict")
        if code not in ("valid", "already_inside"):
            gate.scan_next(lang)

    verdict("valid", "VALID", first)
    gate.admit(lang)
    verdict("admitted", "Admitted")
    verdict("already_inside", "Already inside", first)
    gate.record_exit(lang)
    verdict("exited", "Exit recorded")
    verdict("used_up", "Used up", first)
    verdict("unknown", "Unknown code", "NOT A PASS")
    verdict("revoked", "Revoked", revoked)
    verdict("not_yet_valid", "Not yet valid", later)
    verdict("watchlist", "On the watchlist", barred_pass)

    # Two guards: one records the exit on the on-site list while the other's screen still
    # offers it; the second tap finds nobody inside.
    second = invite(resident, f"Second {run}", lang)
    verdict("valid", "VALID", second)
    gate.admit(lang)
    gate.scan_next(lang)
    gate.type_code(second, lang)
    gate.expect_verdict("already_inside", "Already inside", lang)
    other = page.context.new_page()
    other.goto(f"{HOME}/onsite")
    audit.check(other, "on site now")
    row = other.locator("[data-visit]").filter(has_text=f"Second {run}")
    row.get_by_text(t(lang, "Lost pass"), exact=True).click()
    audit.check(other, "on site now: lost pass form", within="[data-visit] details[open]")
    row.get_by_role("link", name=f"Second {run}").click()
    audit.check(other, "visit")
    other.goto(f"{HOME}/onsite")
    other.locator("[data-visit]").filter(has_text=f"Second {run}").get_by_role(
        "button", name=t(lang, "Record the exit of %(name)s", name=f"Second {run}")).click()
    expect(other.get_by_text(t(lang, "Exit recorded."))).to_be_visible()
    other.close()
    gate.verdict.get_by_role("button", name=t(lang, "Exit"), exact=True).click()
    verdict("not_inside", "Not inside")

    PassPage(guest).goto(first)
    audit.check(guest, "pass: used up")


# Walk-ins -----------------------------------------------------------------------------------


def phone_number() -> str:
    return "139" + str(secrets.randbelow(10**8)).zfill(8)


def register(page: Page, name: str, lang: str, phone: str | None = None) -> str:
    """The guard registers a walk-in for the unit and asks the household; returns its id."""
    page.goto(f"{HOME}/walkins/new")
    page.get_by_label(t(lang, "Visitor's phone")).fill(phone or phone_number())
    page.get_by_label(t(lang, "Visitor's name")).fill(name)
    page.get_by_role("radio", name=t(lang, "Female")).check()
    page.get_by_label(t(lang, "ID type")).select_option("resident_id")
    page.get_by_label(t(lang, "ID number")).fill("310101199001011234")
    page.get_by_label(t(lang, "Visiting unit")).fill(UNIT)
    page.get_by_label(t(lang, "Purpose")).select_option("family_friend")
    page.get_by_role("button", name=t(lang, "Ask the household")).click()
    expect(page.locator("#walkin-status")).to_be_visible()
    return re.search(r"/walkins/([0-9a-f-]{36})", page.url).group(1)


def status(page: Page, registration: str, state: str) -> None:
    page.goto(f"{HOME}/walkins/{registration}")
    expect(page.locator(f"#walkin-status.walkin-status--{state}")).to_be_visible()


def walk_ins(walk: Walk, audit: Audit, lang: str, barred: str) -> None:
    guard, resident, manager = walk.page("guard"), walk.page("resident"), walk.page("manager")
    admin, patrol = walk.page("admin"), walk.page("patrol")
    run = secrets.token_hex(2)

    # Two visitors nobody answers for: the estate waits 5 s for them, then 180 s again.
    admin.goto(f"{HOME}/admin")
    admin.get_by_label(t(lang, "Consent timeout (seconds)")).fill("5")
    admin.get_by_role("button", name=t(lang, "Save details")).click()
    expect(admin.get_by_text(t(lang, "Estate details saved."))).to_be_visible()
    audit.check(admin, "estate set-up: saved")
    unanswered = [register(guard, f"Urgent {n} {run}", lang) for n in (1, 2)]
    admin.get_by_label(t(lang, "Consent timeout (seconds)")).fill("180")
    admin.get_by_role("button", name=t(lang, "Save details")).click()
    expect(admin.get_by_text(t(lang, "Estate details saved."))).to_be_visible()

    guard.goto(f"{HOME}/walkins/new")
    audit.check(guard, "walk-in form")
    guard.get_by_role("button", name=t(lang, "Ask the household")).click()
    expect(guard.locator(".field__error").first).to_be_visible()
    audit.check(guard, "walk-in form: errors")
    guard.get_by_label(t(lang, "Visitor's name")).fill(barred)
    guard.get_by_label(t(lang, "Visitor's name")).press("Tab")
    expect(guard.locator("#watchlist-warning")).not_to_be_empty()
    audit.check(guard, "walk-in form: watchlist warning", within="#watchlist-warning")

    phone = phone_number()
    approved = register(guard, f"Approve {run}", lang, phone)
    audit.check(guard, "walk-in: asking the household")
    refused = register(guard, f"Refuse {run}", lang)
    admitted = register(guard, f"Admit {run}", lang)

    resident.goto(HOME + "/")
    expect(resident.locator(".consent-card").first).to_be_visible()
    audit.check(resident, "home: resident asked about a visitor")
    resident.goto(f"{HOME}/consents")
    audit.check(resident, "consent requests")
    for registration, answer in ((approved, "Approve"), (admitted, "Approve"), (refused, "Refuse")):
        resident.goto(f"{HOME}/consents/{registration}")
        if registration == approved:
            audit.check(resident, "consent request")
        resident.get_by_role("button", name=re.compile("^" + re.escape(t(lang, answer)))).first.click()
        expect(resident.locator(".flash--ok")).to_be_visible()
    audit.check(resident, "consent request: answered")
    resident.goto("/notifications")
    audit.check(resident, "notifications")

    status(guard, approved, "approved")
    audit.check(guard, "walk-in: approved")
    guard.get_by_role("button", name=t(lang, "Visitor left without coming in")).click()
    expect(guard.get_by_role("dialog")).to_be_visible()
    audit.check(guard, "walk-in: left? dialog", within="dialog[open]")
    guard.get_by_role("dialog").get_by_role("button", name=t(lang, "Yes, they left")).click()
    expect(guard.locator("#walkin-status.walkin-status--left")).to_be_visible()
    audit.check(guard, "walk-in: left without coming in")
    status(guard, refused, "refused")
    audit.check(guard, "walk-in: refused")
    status(guard, admitted, "approved")
    guard.get_by_role("button", name=t(lang, "Admit"), exact=True).click()
    expect(guard.locator("#walkin-status.walkin-status--admitted")).to_be_visible()
    audit.check(guard, "walk-in: admitted")

    guard.goto(f"{HOME}/walkins/new")
    with guard.expect_response(re.compile(r"/walkins/lookup")):
        guard.get_by_label(t(lang, "Visitor's phone")).fill(phone)
        guard.get_by_label(t(lang, "Visitor's phone")).press("Tab")
    expect(guard.locator(".walkin-returning")).to_be_visible()
    audit.check(guard, "walk-in form: returning visitor", within="#walkin-form")

    other_cases(guard, audit, lang, run)

    # By now the 5 s have passed: nobody answered, the guard asks the manager.
    status(guard, unanswered[0], "unreachable")
    audit.check(guard, "walk-in: no answer")
    guard.get_by_role("button", name=t(lang, "Ask the manager")).click()
    expect(guard.locator(".field__error").first).to_be_visible()
    audit.check(guard, "walk-in: no answer, errors")
    for registration in unanswered:
        status(guard, registration, "unreachable")
        guard.get_by_label(t(lang, "Relation they claim")).fill("sister of the owner")
        guard.get_by_label(t(lang, "Evidence shown")).fill("Family photos")
        guard.get_by_role("button", name=t(lang, "Ask the manager")).click()
        expect(guard.locator("#walkin-status.walkin-status--escalated")).to_be_visible()
    audit.check(guard, "walk-in: waiting for the manager")

    manager.goto(f"{HOME}/escalations")
    audit.check(manager, "walk-in decisions")
    manager.goto(HOME + "/")
    audit.check(manager, "home: manager with a decision")
    for registration, decision in ((unanswered[0], "Admit with escort"), (unanswered[1], "Turn away")):
        manager.goto(f"{HOME}/walkins/{registration}")
        if decision == "Turn away":
            audit.check(manager, "walk-in decision")
        manager.get_by_role("button", name=t(lang, decision)).click()
        expect(manager.get_by_text(t(lang, "Decision recorded. The gate guard sees it now."))).to_be_visible()
    audit.check(manager, "walk-in decision: recorded")
    status(guard, unanswered[0], "admitted")
    audit.check(guard, "walk-in: the manager admitted")
    status(guard, unanswered[1], "turned_away")
    audit.check(guard, "walk-in: the manager turned away")

    patrol.goto(HOME + "/")
    task = patrol.locator(".escort-task").filter(has_text=f"Urgent 1 {run}")
    expect(task).to_be_visible()
    audit.check(patrol, "home: patrol guard with a task")
    patrol.goto(f"{HOME}/escorts")
    audit.check(patrol, "escort tasks")
    task = patrol.locator(".escort-task").filter(has_text=f"Urgent 1 {run}")
    task.get_by_role("button", name=re.compile("^" + re.escape(t(lang, "I'm on it")))).click()
    task = patrol.locator(".escort-task").filter(has_text=f"Urgent 1 {run}")
    task.get_by_role("button", name=re.compile("^" + re.escape(t(lang, "Resident opened: done")))).click()
    expect(patrol.get_by_text(t(lang, "Task done."))).to_be_visible()
    status(guard, unanswered[0], "completed")
    audit.check(guard, "walk-in: completed")

    guard.goto(f"{HOME}/walkins")
    audit.check(guard, "walk-in visitors")


def other_cases(guard: Page, audit: Audit, lang: str, run: str) -> None:
    """Emergencies, refusals to register and prohibited items."""
    guard.goto(f"{HOME}/walkins/new?kind=emergency")
    audit.check(guard, "emergency entry form")
    guard.get_by_label(t(lang, "Visitor's name")).fill(f"Emergency {run}")
    guard.get_by_label(t(lang, "Relation to the household")).fill("daughter")
    guard.get_by_label(t(lang, "Unit"), exact=True).fill(UNIT)
    guard.get_by_role("button", name=t(lang, "Admit now and send patrol")).click()
    expect(guard.locator("#walkin-status.walkin-status--open")).to_be_visible()
    audit.check(guard, "walk-in: emergency admitted")
    guard.get_by_label(t(lang, "Visitor's phone")).fill(phone_number())
    guard.get_by_role("radio", name=t(lang, "Female")).check()
    guard.get_by_label(t(lang, "ID type")).select_option("passport")
    guard.get_by_label(t(lang, "ID number")).fill("E12345678")
    guard.get_by_role("button", name=t(lang, "Complete the registration")).click()
    expect(guard.locator("#walkin-status.walkin-status--completed")).to_be_visible()
    audit.check(guard, "walk-in: emergency completed")

    guard.goto(f"{HOME}/walkins/new?kind=refused_to_register")
    audit.check(guard, "refusal to register form")
    guard.get_by_role("button", name=t(lang, "Record the refusal")).click()
    expect(guard.locator("#walkin-status")).to_be_visible()
    audit.check(guard, "walk-in: refusal recorded")

    guard.goto(f"{HOME}/walkins/new?kind=prohibited_items")
    audit.check(guard, "prohibited items form")
    guard.get_by_role("button", name=t(lang, "Refuse entry and record")).click()
    expect(guard.locator(".field__error").first).to_be_visible()
    audit.check(guard, "prohibited items form: errors")
    guard.get_by_label(t(lang, "Prohibited items")).fill("Two cans of petrol")
    guard.get_by_role("button", name=t(lang, "Refuse entry and record")).click()
    expect(guard.locator("#walkin-status")).to_be_visible()
    audit.check(guard, "walk-in: prohibited items recorded")


# The gate with no signal --------------------------------------------------------------------


def offline_gate(walk: Walk, audit: Audit, lang: str) -> None:
    """The outbox's strip in each state, an admission saved on the phone, an offline verdict,
    the phone's list of actions not accepted, and the supervisor's review of them."""
    resident = walk.page("resident")
    guest = f"Offline {secrets.token_hex(2)}"
    link = invite(resident, guest, lang)
    page = walk.page("guard")
    page.goto(f"{HOME}/walkins/new")  # the blank form, kept by the phone for use with no signal
    gate = GatePage(page).goto(ESTATE)
    expect(page.locator("[data-offline-list-age]")).to_contain_text(re.compile(r"\d\d:\d\d"))
    strip = page.locator("[data-outbox-strip]")
    gate.type_code(link, lang)
    gate.expect_verdict("valid", "VALID", lang)
    page.context.set_offline(True)
    try:
        expect(strip).to_have_attribute("data-outbox-state", "offline")
        gate.verdict.get_by_role("button", name=t(lang, "Admit")).click()
        expect(gate.verdict).to_have_attribute("data-verdict", "saved")
        audit.check(page, "gate: admission saved on the phone", within="#verdict")
        audit.check(page, "outbox strip: offline, waiting", within="[data-outbox-strip]")
        gate.scan_next(lang)
        gate.type_code(link, lang)  # a typed link cannot be judged with no signal
        gate.expect_verdict("unknown", "Unknown code", lang)
        expect(gate.verdict).to_contain_text(t(lang, "A typed link cannot be checked with no signal: scan the QR code, or call the household."))
        audit.check(page, "gate verdict offline", within="#verdict")
        gate.scan_next(lang)
        # A walk-in registered without the visitor's phone: refused when the phone sends it.
        page.goto(f"{HOME}/walkins/new")
        page.get_by_label(t(lang, "Visitor's name")).fill(f"No Phone {guest}")
        page.get_by_label(t(lang, "Visiting unit")).fill(UNIT)
        page.get_by_role("button", name=t(lang, "Ask the household")).click()
        expect(page.locator("#flash")).to_contain_text(
            t(lang, "Saved on this phone: the household will be asked when the phone has signal again."))
    finally:
        page.context.set_offline(False)
    page.reload()
    refused = strip.locator("[data-outbox-refused]")
    expect(refused).to_be_visible(timeout=20_000)
    audit.check(page, "outbox strip: not accepted", within="[data-outbox-strip]")
    refused.click()
    expect(page.locator("#outbox-panel")).to_be_visible()
    audit.check(page, "outbox: actions on this phone", within="#outbox-panel")
    page.locator("#outbox-panel").get_by_role("button", name=t(lang, "Close")).click()

    supervisor = walk.page("supervisor")
    supervisor.goto(f"{HOME}/reviews")
    expect(supervisor.locator("[data-review]").first).to_be_visible()
    audit.check(supervisor, "guard actions to check")
