"""Walk-in visitors through the screens, with one phone per person: the gate guard Li Qiang
registers a visitor, the household of 5-2-1301 answers in the app, and the guard's waiting
screen changes by itself. When nobody answers, the manager Sun Hao decides and the patrol
guard Zhao Gang escorts the visitor."""

from __future__ import annotations

import random
import re
from uuid import uuid4

from playwright.sync_api import Page, expect

from e2e.conftest import ESTATE
from e2e.pages import EN, HomePage, enrol, t

UNIT = "5-2-1301"
POLL_WAIT_MS = 12_000  # the waiting screen asks every 3 s; the resident's home every 5 s


def visitor_name(prefix: str) -> str:
    return f"{prefix} {uuid4().hex[:6]}"


def phone_number() -> str:
    return "139" + "".join(random.choice("0123456789") for _ in range(8))


def sign_in(new_phone, enrol_link, name: str) -> Page:
    phone = new_phone("en-US")
    home = enrol(phone.page, enrol_link(name), name)
    home.ensure_language(EN)
    return phone.page


class WalkInForm:
    def __init__(self, page: Page):
        self.page = page

    def open_from_home(self) -> "WalkInForm":
        self.page.get_by_role("link", name=t(EN, "Register a walk-in")).click()
        expect(self.page.get_by_role("heading", level=1, name=t(EN, "Register a walk-in visitor"))).to_be_visible()
        # The phone's lookup is htmx's, on "change": a field filled before the page's scripts
        # ran would ask nothing (a busy machine shows the heading well before then).
        self.page.wait_for_load_state("load")
        return self

    def register(self, name: str, phone: str, unit: str = UNIT, screenshot=None) -> "WaitingScreen":
        page = self.page
        with page.expect_response(re.compile(r"/walkins/lookup")):
            page.get_by_label(t(EN, "Visitor's phone")).fill(phone)
            page.get_by_label(t(EN, "Visitor's phone")).press("Tab")
        page.get_by_label(t(EN, "Visitor's name")).fill(name)
        page.get_by_role("radio", name=t(EN, "Female")).check()
        page.get_by_label(t(EN, "ID type")).select_option(label=t(EN, "Resident ID card"))
        page.get_by_label(t(EN, "ID number")).fill("31010119900101" + str(random.randint(1000, 9999)))
        page.get_by_label(t(EN, "Visiting unit")).fill(unit)
        page.get_by_label(t(EN, "Purpose")).select_option(label=t(EN, "Family or friend"))
        if screenshot:
            page.screenshot(path=str(screenshot), full_page=True)
        page.get_by_role("button", name=t(EN, "Ask the household")).click()
        screen = WaitingScreen(page)
        expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()
        return screen


class WaitingScreen:
    def __init__(self, page: Page):
        self.page = page
        self.status = page.locator("#walkin-status")

    def expect_text(self, text: str, timeout: int = POLL_WAIT_MS) -> None:
        expect(self.status).to_contain_text(text, timeout=timeout)


def seconds(shown: str) -> int:
    """A countdown's m:ss as seconds."""
    minutes, secs = shown.split(":")
    return int(minutes) * 60 + int(secs)


def consent_card(page: Page, name: str):
    return page.locator(".consent-card").filter(has_text=name)


def test_the_resident_approves_in_the_app_and_the_guard_admits(new_phone, enrol_link, artifacts):
    guard = sign_in(new_phone, enrol_link, "Li Qiang")
    resident = sign_in(new_phone, enrol_link, "Wang Xiaoming")
    name = visitor_name("Approve Zhang")

    screen = WalkInForm(guard).open_from_home().register(name, phone_number(),
                                                         screenshot=artifacts / "walkin-form.png")
    screen.expect_text(t(EN, "Asking the household of %(unit)s…", unit=UNIT), timeout=5_000)
    guard.screenshot(path=str(artifacts / "walkin-waiting.png"), full_page=True)
    # The time left counts down on the phone, from the estate's 3 minutes, across polls.
    countdown = screen.status.locator("[data-countdown]")
    expect(countdown).to_have_text(re.compile(r"^[0-3]:[0-5]\d$"))
    first = seconds(countdown.text_content())
    assert 150 < first <= 180
    guard.wait_for_timeout(3_500)  # past a poll
    assert first - 6 <= seconds(countdown.text_content()) <= first - 2

    # The resident's home was open before the visitor came: the request appears by itself.
    card = consent_card(resident, name)
    expect(card).to_be_visible(timeout=POLL_WAIT_MS)
    resident.screenshot(path=str(artifacts / "walkin-resident-request.png"), full_page=True)
    card.get_by_role("button", name=re.compile("^" + t(EN, "Approve"))).click()
    expect(resident.get_by_text(re.compile(t(EN, "Approved by %(name)s at %(time)s", name="Wang Xiaoming",
                                               time="") + r"\d\d:\d\d"))).to_be_visible()

    # Nobody touches the guard's phone: its screen changes by itself.
    screen.expect_text(t(EN, "Approved by %(name)s at %(time)s.", name="Wang Xiaoming", time="")[:-1])
    guard.screenshot(path=str(artifacts / "walkin-approved.png"), full_page=True)
    guard.get_by_role("button", name=t(EN, "Admit"), exact=True).click()
    expect(guard.get_by_text(t(EN, "Admitted. Entry recorded."))).to_be_visible()
    screen.expect_text(t(EN, "Admitted"))


def ask_household(new_phone, enrol_link, resident_name: str, prefix: str):
    """Li Qiang registers a visitor for the unit; the resident's home, opened after, shows the
    request. Returns (guard's page, resident's page, visitor's name, waiting screen, request card)."""
    guard = sign_in(new_phone, enrol_link, "Li Qiang")
    resident = sign_in(new_phone, enrol_link, resident_name)
    name = visitor_name(prefix)
    screen = WalkInForm(guard).open_from_home().register(name, phone_number())
    resident.reload()
    card = consent_card(resident, name)
    expect(card).to_be_visible(timeout=POLL_WAIT_MS)
    return guard, resident, name, screen, card


def test_an_approved_visitor_goes_away_and_the_guard_closes_the_registration(new_phone, enrol_link, artifacts):
    guard, resident, name, screen, card = ask_household(new_phone, enrol_link, "Wang Fang", "Gone Qian")
    card.get_by_role("button", name=re.compile("^" + t(EN, "Approve"))).click()
    screen.expect_text(t(EN, "Approved by %(name)s at %(time)s.", name="Wang Fang", time="")[:-1])

    # The visitor walked off before the guard let them in. A tap asks first; "still here" keeps it.
    gone = guard.get_by_role("button", name=t(EN, "Visitor left without coming in"))
    gone.click()
    dialog = guard.get_by_role("dialog")
    expect(dialog).to_contain_text(t(EN, "Close this registration: the visitor left without coming in?"))
    guard.screenshot(path=str(artifacts / "walkin-left-confirm.png"), full_page=True)
    dialog.get_by_role("button", name=t(EN, "They are still here")).click()
    expect(guard.get_by_role("button", name=t(EN, "Admit"), exact=True)).to_be_visible()
    gone.click()
    guard.get_by_role("dialog").get_by_role("button", name=t(EN, "Yes, they left")).click()
    expect(guard.get_by_text(t(EN, "Closed: the visitor left without coming in."))).to_be_visible()
    screen.expect_text(t(EN, "Closed at %(time)s: nobody was admitted.", time="")[:10])
    expect(guard.get_by_role("button", name=t(EN, "Admit"), exact=True)).to_have_count(0)

    # It has left the guard's open list; it shows among today's settled ones.
    guard.goto(f"/e/{ESTATE}/walkins")
    expect(guard.locator("#open-walkins")).not_to_contain_text(name)
    recent = guard.get_by_role("region", name=t(EN, "Earlier today"))
    expect(recent.locator("li, tr").filter(has_text=name)).to_contain_text(t(EN, "Left without coming in"))

    # The household, opening the request from their notifications, sees nobody came in on it.
    resident.goto("/notifications")
    resident.locator(".notice").filter(has_text=name).first.locator("a.notice__main").click()
    expect(resident.get_by_text(t(EN, "The visitor left without coming in."))).to_be_visible()


def test_the_resident_refuses_and_the_guard_sees_it(new_phone, enrol_link):
    guard, resident, name, screen, card = ask_household(new_phone, enrol_link, "Wang Fang", "Refuse Li")
    card.get_by_role("link", name=t(EN, "Details")).click()
    expect(resident.get_by_role("heading", level=2, name=name)).to_be_visible()
    resident.get_by_role("button", name=t(EN, "Refuse"), exact=True).click()
    expect(resident.get_by_text(re.compile(t(EN, "Refused by %(name)s at %(time)s", name="Wang Fang", time=""))))\
        .to_be_visible()

    screen.expect_text(t(EN, "Refused by %(name)s at %(time)s.", name="Wang Fang", time="")[:-1])
    screen.expect_text(t(EN, "Tell the visitor the household does not agree: they cannot enter."))
    expect(guard.get_by_role("button", name=t(EN, "Admit"), exact=True)).to_have_count(0)


def test_nobody_answers_the_manager_admits_and_patrol_escorts(new_phone, enrol_link, short_consent_timeout,
                                                                artifacts):
    admin = sign_in(new_phone, enrol_link, "Zhou Min")
    HomePage(admin).nav_link(EN, "Estate").click()
    timeout_field = admin.get_by_label(t(EN, "Consent timeout (seconds)"))
    timeout_field.fill("5")
    # How old a guard's offline list may grow: three days is refused with the range, a day is kept.
    offline_age = admin.get_by_label(t(EN, "Offline list valid for (hours)"))
    expect(offline_age).to_have_value("12")
    offline_age.fill("72")
    admin.get_by_role("button", name=t(EN, "Save details")).click()
    offline_age = admin.get_by_label(t(EN, "Offline list valid for (hours)"))
    expect(offline_age).to_have_attribute("aria-invalid", "true")
    expect(admin.locator("#e-offline_max_age")).to_have_text(t(EN, "Enter a whole number of hours from 1 to 48."))
    offline_age.fill("24")
    admin.get_by_role("button", name=t(EN, "Save details")).click()
    expect(admin.get_by_text(t(EN, "Estate details saved."))).to_be_visible()
    expect(admin.get_by_label(t(EN, "Consent timeout (seconds)"))).to_have_value("5")
    expect(admin.get_by_label(t(EN, "Offline list valid for (hours)"))).to_have_value("24")

    guard = sign_in(new_phone, enrol_link, "Li Qiang")
    manager = sign_in(new_phone, enrol_link, "Sun Hao")
    patrol = sign_in(new_phone, enrol_link, "Zhao Gang")
    name = visitor_name("Urgent Chen")

    screen = WalkInForm(guard).open_from_home().register(name, phone_number())
    screen.expect_text(t(EN, "No answer from the household"))
    screen.expect_text(t(EN, "The visitor cannot enter without the household's consent."))
    guard.get_by_label(t(EN, "Relation they claim")).fill("sister of the owner")
    guard.get_by_label(t(EN, "Evidence shown")).fill("Showed a family photo and WeChat messages with Wang Fang")
    guard.get_by_role("button", name=t(EN, "Ask the manager")).click()
    expect(guard.get_by_text(t(EN, "Sent to the manager."))).to_be_visible()
    screen.expect_text(t(EN, "Waiting for the manager's decision…"))

    manager.reload()  # the manager's home lists what waits for a decision
    link = manager.locator(".walkin-summary").get_by_role("link", name=re.compile(re.escape(name)))
    expect(link).to_be_visible(timeout=POLL_WAIT_MS)
    link.click()
    expect(manager.locator(".walkin-decide").get_by_text("Showed a family photo and WeChat messages with Wang Fang"))\
        .to_be_visible()
    manager.get_by_label(t(EN, "Note for the guard (optional)")).fill("Sister, known to the front desk")
    manager.screenshot(path=str(artifacts / "walkin-manager-decision.png"), full_page=True)
    manager.get_by_role("button", name=t(EN, "Admit with escort")).click()
    expect(manager.get_by_text(t(EN, "Decision recorded. The gate guard sees it now."))).to_be_visible()

    screen.expect_text(t(EN, "The manager admitted the visitor"))
    screen.expect_text("Sister, known to the front desk")
    screen.expect_text(t(EN, "A patrol guard will escort the visitor to the door."))
    guard.screenshot(path=str(artifacts / "walkin-manager-admitted.png"), full_page=True)

    patrol.reload()
    task = patrol.locator(".escort-task").filter(
        has_text=t(EN, "Escort %(name)s to %(unit)s", name=name, unit=UNIT))
    expect(task).to_be_visible(timeout=POLL_WAIT_MS)
    patrol.screenshot(path=str(artifacts / "walkin-patrol-home.png"), full_page=True)
    task.get_by_role("button", name=re.compile("^" + re.escape(t(EN, "I'm on it")))).click()
    expect(patrol.get_by_text(t(EN, "You have the task. Meet the visitor at the gate."))).to_be_visible()
    task = patrol.locator(".escort-task").filter(has_text=name)
    expect(task).to_contain_text(t(EN, "On the way: %(name)s", name="Zhao Gang"))
    task.get_by_role("button", name=re.compile("^" + re.escape(t(EN, "Resident opened: done")))).click()
    expect(patrol.get_by_text(t(EN, "Task done."))).to_be_visible()
    expect(patrol.locator(".escort-task").filter(has_text=name)).to_have_count(0)

    guard.reload()
    screen.expect_text(t(EN, "Completed"), timeout=5_000)


def test_emergency_entry_is_admitted_at_once_patrol_goes_and_the_guard_completes_it(new_phone, enrol_link,
                                                                                    artifacts):
    guard = sign_in(new_phone, enrol_link, "Li Qiang")
    manager = sign_in(new_phone, enrol_link, "Sun Hao")
    patrol = sign_in(new_phone, enrol_link, "Zhao Gang")
    resident = sign_in(new_phone, enrol_link, "Wang Fang")
    name = visitor_name("Emergency Wu")

    WalkInForm(guard).open_from_home()
    guard.get_by_role("link", name=t(EN, "Emergency entry")).click()
    guard.get_by_label(t(EN, "Visitor's name")).fill(name)
    guard.get_by_label(t(EN, "Relation to the household")).fill("daughter")
    guard.get_by_label(t(EN, "Unit")).fill(UNIT)
    guard.get_by_role("button", name=t(EN, "Admit now and send patrol")).click()
    screen = WaitingScreen(guard)
    screen.expect_text(t(EN, "Emergency entry: admitted"), timeout=5_000)
    guard.screenshot(path=str(artifacts / "walkin-emergency.png"), full_page=True)

    resident.reload()
    expect(resident.locator(".consent-card").filter(has_text=name)).to_contain_text(
        t(EN, "Emergency entry for %(unit)s", unit=UNIT), timeout=POLL_WAIT_MS)

    manager.reload()
    expect(manager.locator(".walkin-summary").get_by_role("link", name=re.compile(re.escape(name))))\
        .to_be_visible(timeout=POLL_WAIT_MS)

    patrol.reload()
    task = patrol.locator(".escort-task").filter(has_text=t(EN, "Emergency at %(unit)s", unit=UNIT)).filter(
        has_text=name)
    expect(task).to_be_visible(timeout=POLL_WAIT_MS)
    task.get_by_role("button", name=re.compile("^" + re.escape(t(EN, "I'm on it")))).click()
    task = patrol.locator(".escort-task").filter(has_text=name)
    task.get_by_role("button", name=re.compile("^" + re.escape(t(EN, "Done")))).click()
    expect(patrol.get_by_text(t(EN, "Task done."))).to_be_visible()

    # Afterwards the guard completes the registration with the details there was no time for.
    guard.get_by_label(t(EN, "Visitor's phone")).fill(phone_number())
    guard.get_by_role("radio", name=t(EN, "Female")).check()
    guard.get_by_label(t(EN, "ID type")).select_option(label=t(EN, "Passport"))
    guard.get_by_label(t(EN, "ID number")).fill("E" + str(random.randint(10_000_000, 99_999_999)))
    guard.get_by_role("button", name=t(EN, "Complete the registration")).click()
    expect(guard.get_by_text(t(EN, "Registration completed."))).to_be_visible()
    screen.expect_text(t(EN, "Emergency entry: completed"), timeout=5_000)
    guard.get_by_role("link", name=re.compile(t(EN, "Walk-in visitors"))).click()
    open_section = guard.locator("section").filter(has=guard.get_by_role("heading", name=t(EN, "Open"), exact=True))
    expect(open_section.get_by_text(name)).to_have_count(0)
    expect(guard.get_by_text(name)).to_be_visible()  # under "Earlier today"
    guard.screenshot(path=str(artifacts / "walkin-list.png"), full_page=True)


def test_refusals_are_recorded(new_phone, enrol_link):
    guard = sign_in(new_phone, enrol_link, "Li Qiang")
    WalkInForm(guard).open_from_home()
    guard.get_by_role("link", name=t(EN, "Refused to register")).click()
    guard.get_by_label(t(EN, "What happened (optional)")).fill("Would not show any ID and left")
    guard.get_by_role("button", name=t(EN, "Record the refusal")).click()
    WaitingScreen(guard).expect_text(t(EN, "Refusal to register recorded"), timeout=5_000)
    expect(guard.get_by_text("Would not show any ID and left")).to_be_visible()

    guard.get_by_role("link", name=t(EN, "Walk-in visitors")).click()
    guard.get_by_role("link", name=t(EN, "Register a walk-in visitor")).click()
    guard.get_by_role("link", name=t(EN, "Prohibited items")).click()
    guard.get_by_role("button", name=t(EN, "Refuse entry and record")).click()
    expect(guard.get_by_text(t(EN, "List the prohibited items."))).to_be_visible()  # nothing listed yet
    items = f"Two cans of petrol {uuid4().hex[:4]}"
    guard.get_by_label(t(EN, "Prohibited items")).fill(items)
    guard.get_by_role("button", name=t(EN, "Refuse entry and record")).click()
    WaitingScreen(guard).expect_text(t(EN, "Prohibited items: entry refused"), timeout=5_000)
    expect(guard.get_by_text(items)).to_be_visible()


def test_a_returning_visitor_is_filled_in_from_their_phone(new_phone, enrol_link):
    guard = sign_in(new_phone, enrol_link, "Li Qiang")
    name, phone = visitor_name("Again Guo"), phone_number()
    WalkInForm(guard).open_from_home().register(name, phone)

    guard.goto("/")
    WalkInForm(guard).open_from_home()
    with guard.expect_response(re.compile(r"/walkins/lookup")):
        guard.get_by_label(t(EN, "Visitor's phone")).fill(phone)
        guard.get_by_label(t(EN, "Visitor's phone")).press("Tab")
    expect(guard.get_by_label(t(EN, "Visitor's name"))).to_have_value(name)
    expect(guard.get_by_label(t(EN, "Visiting unit"))).to_have_value(UNIT)
    expect(guard.get_by_role("radio", name=t(EN, "Female"))).to_be_checked()
    expect(guard.locator(".walkin-returning")).to_be_visible()


def test_what_the_guard_types_while_the_lookup_is_on_its_way_is_kept(new_phone, enrol_link):
    guard = sign_in(new_phone, enrol_link, "Li Qiang")
    name, phone = visitor_name("Slow Net"), phone_number()
    WalkInForm(guard).open_from_home().register(name, phone)

    held = []
    guard.route(re.compile(r"/walkins/lookup"), lambda route: held.append(route))
    guard.goto("/")
    WalkInForm(guard).open_from_home()
    guard.get_by_label(t(EN, "Visitor's phone")).fill(phone)
    guard.get_by_label(t(EN, "Visitor's phone")).press("Tab")
    guard.get_by_label(t(EN, "Visitor's name")).fill("Typed While Waiting")
    assert len(held) == 1
    with guard.expect_response(re.compile(r"/walkins/lookup")):
        held[0].continue_()
    expect(guard.locator(".walkin-returning")).to_be_visible()
    expect(guard.get_by_label(t(EN, "Visitor's name"))).to_have_value("Typed While Waiting")
    expect(guard.get_by_label(t(EN, "Visiting unit"))).to_have_value(UNIT)  # the rest filled in
