"""Every screen passes axe, in Simplified Chinese and in English: the walk, run by
``test_accessibility_zh.py`` and ``test_accessibility_en.py`` (two files, so that the two
languages walk at once in two of the test workers).

One walk through the app per language, with the demo cast on their own phones: each screen the
other browser tests visit, and each state a screen can be in (verdicts of every colour, the
waiting screen's answers, forms with their errors, open confirm dialogs), is checked with one
line, ``audit.check(page, "name")``. A serious or critical finding fails the language's walk;
the walk goes on first, so the failure lists every screen that has one. The visitor screens
(invitations, the pass page, the gate, walk-ins) are walked in ``accessibility_visitors.py``,
the goods-release screens (slips, the desk, approvals, the gate's slip verdicts, permits) in
``accessibility_releases.py``.

The walk ends by reading the router: a page route that no screen of the walk was on fails it,
so a new page is checked from the day it exists (the fragments htmx polls are checked inside
the screens that hold them).
"""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import expect

from app.asgi import create_app
from app.settings import Settings
from e2e.accessibility import Audit
from e2e.accessibility_desk import duty
from e2e.accessibility_disclosures import disclosures
from e2e.accessibility_releases import releases
from e2e.accessibility_audit import audit_log
from e2e.accessibility_patrol import patrol
from e2e.accessibility_incidents import incidents
from e2e.accessibility_requests import requests_and_lost_found
from e2e.accessibility_statistics import statistics
from e2e.accessibility_visitors import HOME, Walk, offline_gate, passes, walk_ins
from e2e.conftest import VIEWPORT, Phone, open_phone
from e2e.gate_support import camera_browser
from e2e.lobby_support import WatchlistPage
from e2e.pages import EN, ZH, EnrolPage, HomePage, SignInPage, enrol, t

CAST = {  # the phones of the walk: one person per role
    "admin": "Zhou Min", "manager": "Sun Hao", "supervisor": "Wu Lei", "front_desk": "Chen Jing",
    "guard": "Li Qiang", "patrol": "Zhao Gang", "resident": "Wang Fang",
}
# Routes that are not screens: files, redirects, the fragments htmx fetches into a screen (the
# screen is checked with the fragment in it), and the live screens' event streams.
NOT_SCREENS = {
    "static", "manifest", "service_worker", "healthz", "notification_open",
    "onsite_list", "onsite_count", "walkin_lookup", "walkin_watch", "walkin_status", "lobby_list",
    "gate_manifest", "outbox_session",  # what the phone keeps for offline work: JSON, not pages
    "release_photo", "desk_archive_csv",  # a slip's photo (a JPEG) and the day's archive as CSV
    "desk_queue_poll",  # the desk queue's list, checked inside the queue screen that polls it
    "escalation_board", "slip_approvals_poll", "notification_unread", "live_stream", "live_estate_stream",
    "duty_entry_photo",  # a log entry's photo: a file, shown inside the entry's screen
    "patrol_board_poll",
    "incident_photo", "incident_summary_csv",  # an incident's photo (a JPEG) and the summary as CSV
    "request_photo", "lost_found_photo", "desk_requests_poll", "lost_found_board_poll",  # photos; live partials
    "patrol_duty_csv", "patrol_rounds_csv",  # the duty record and the week's rounds as CSV
    # statistics: the regions of figures (checked inside their pages) and the tables as CSV
    "statistics_visitors", "statistics_operations", "statistics_across_figures", "statistics_csv",
    "statistics_across_csv",
    "disclosure_csv", "disclosure_document", "disclosure_kept_photo",  # an extract as CSV; document photos
    "resident_lookup_household",  # the household of the unit typed, checked inside the look-up form
    "handover_preview_poll", "handover_live",  # the handover screens' live partials, checked inside them
}


@pytest.fixture(scope="module")
def walk(browser, server):
    """Every person of the cast enrolled once on a phone of their own, for both walks; the gate
    guard's phone has a camera (filming Chromium's test pattern)."""
    fresh_name = "Liu Yang"
    replaced = server.enrol_link(fresh_name)
    server.reissue_demo_links()  # replaces ``replaced``; the cast's links come from one CLI run
    phones: dict[str, Phone] = {}
    links = {}
    with camera_browser(browser, None) as with_camera:
        try:
            for who, name in CAST.items():
                phones[who] = open_phone(with_camera if who == "guard" else browser, server.base_url)
                links[who] = server.enrol_link(name)
                enrol(phones[who].page, links[who], name)
            yield Walk(phones, used_link=links["supervisor"], replaced_link=replaced,
                       fresh_link=server.enrol_link(fresh_name), fresh_name=fresh_name)
        finally:
            problems = [problem for phone in phones.values() for problem in phone.problems]
            for phone in phones.values():  # the cast is left in English, as the other tests expect
                phone.page.goto(HOME + "/")
                HomePage(phone.page).ensure_language(EN)
                phone.context.close()
    assert not problems, "\n".join(problems)


def screen_routes(server) -> dict[str, re.Pattern]:
    """The app's page routes (GET, HTML) by name, each with a pattern of its paths."""
    app = create_app(Settings.from_env(server.env), check_schema=False)
    routes = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if "GET" in handler.http_methods and handler.name and handler.name not in NOT_SCREENS:
                pattern = re.sub(r"\{\w+:uuid\}", "[0-9a-f-]{36}", route.path)
                pattern = re.sub(r"\{\w+:\w+\}", "[^/]+", pattern)
                routes[handler.name] = re.compile(pattern.rstrip("/") + "/?")
    return routes


def walk_every_screen(walk: Walk, new_phone, server, lang: str) -> None:
    audit = Audit()
    for who, phone in walk.phones.items():
        phone.page.goto(HOME + "/")
        HomePage(phone.page).ensure_language(lang)
        audit.check(phone.page, f"home: {who}")

    signed_out(new_phone, walk, audit, lang)
    account(walk, audit, lang)
    people_and_estates(walk, new_phone, audit, lang)
    watchlist_name = watchlist(walk, audit, lang)
    passes(walk, new_phone, audit, lang, watchlist_name)
    lobby(walk, audit)
    duty(walk, audit, lang)
    walk_ins(walk, audit, lang, watchlist_name)
    offline_gate(walk, audit, lang)
    releases(walk, new_phone, server, audit, lang)
    audit_log(walk, audit, lang)
    patrol(walk, audit, lang)
    incidents(walk, audit, lang)
    requests_and_lost_found(walk, audit, lang)
    statistics(walk, audit, lang)
    disclosures(walk, audit, lang)

    audit.assert_clean()
    seen = {path for _, path in audit.paths}
    missed = [name for name, pattern in screen_routes(server).items()
              if not any(pattern.fullmatch(path) for path in seen)]
    assert not missed, (f"pages no screen of the walk was on: {missed}; walk through each (one line per "
                        "screen), or name it in NOT_SCREENS if it is a file, a redirect or a fragment")


# The walk, part by part ----------------------------------------------------------------------


def signed_out(new_phone, walk: Walk, audit: Audit, lang: str) -> None:
    phone = new_phone("zh-CN" if lang == ZH else "en-US")
    page = phone.page
    signin = SignInPage(page).goto()
    audit.check(page, "sign-in")
    signin.sign_in(lang)  # no passkey on this phone: the browser refuses
    expect(signin.error).to_be_visible()
    audit.check(page, "sign-in: cancelled", within="main")
    page.goto("/offline")
    audit.check(page, "offline")

    links = EnrolPage(page)
    links.goto("/enrol/never-issued")
    expect(links.invalid_heading(lang)).to_be_visible()
    audit.check(page, "sign-in link: not valid")
    links.goto(walk.used_link)
    expect(links.used_heading(lang)).to_be_visible()
    audit.check(page, "sign-in link: already used")
    links.goto(walk.replaced_link)
    expect(links.expired_heading(lang)).to_be_visible()
    audit.check(page, "sign-in link: expired")
    links.goto(walk.fresh_link)
    expect(links.welcome(walk.fresh_name, lang)).to_be_visible()
    audit.check(page, "sign-in link: create a passkey")
    cdp, authenticator = phone.authenticator.cdp, phone.authenticator.id
    cdp.send("WebAuthn.setUserVerified", {"authenticatorId": authenticator, "isUserVerified": False})
    links.create_passkey(lang)
    expect(links.error).to_be_visible()
    audit.check(page, "sign-in link: passkey not created", within="main")


def account(walk: Walk, audit: Audit, lang: str) -> None:
    page = walk.page("resident")
    for path, screen in (("/account", "account"), ("/account/notifications", "notification settings"),
                         ("/e/no-such-estate/", "not found (404)"), (f"{HOME}/admin", "not allowed (403)")):
        page.goto(path)
        audit.check(page, screen)


def people_and_estates(walk: Walk, new_phone, audit: Audit, lang: str) -> None:
    """The admin's pages; a new admin, enrolled from the link they were given, creates an estate
    and then chooses between two."""
    page = walk.page("admin")
    page.goto(f"{HOME}/people")
    audit.check(page, "people")
    page.goto(f"{HOME}/people/new")
    audit.check(page, "add a person")
    page.get_by_role("button", name=t(lang, "Add"), exact=True).click()
    expect(page.locator(".field__error").first).to_be_visible()
    audit.check(page, "add a person: errors")
    name = f"Axe Admin {secrets.token_hex(2)}"
    page.get_by_label(t(lang, "Full name"), exact=True).fill(name)
    page.get_by_role("checkbox", name=t(lang, "Admin"), exact=True).check()
    page.get_by_role("button", name=t(lang, "Add"), exact=True).click()
    expect(page.get_by_text(t(lang, "Added. Give them a sign-in link below."))).to_be_visible()
    audit.check(page, "person: added")
    page.get_by_role("button", name=t(lang, "Issue sign-in link")).click()
    link = page.get_by_label(t(lang, "Copy this link and send it to them"))
    expect(link).to_have_value(re.compile("/enrol/"))
    audit.check(page, "person: sign-in link")
    new_admin = new_phone("zh-CN" if lang == ZH else "en-US").page
    enrol(new_admin, link.input_value(), name, lang)
    new_admin.goto("/admin/estates")
    audit.check(new_admin, "estates")
    new_admin.get_by_role("button", name=t(lang, "Create estate")).click()
    expect(new_admin.locator(".field__error").first).to_be_visible()
    audit.check(new_admin, "estates: errors")
    new_admin.get_by_label(t(lang, "Name"), exact=True).fill(name)
    new_admin.get_by_label(t(lang, "Short name for addresses")).fill(f"axe-{secrets.token_hex(3)}")
    new_admin.get_by_role("button", name=t(lang, "Create estate")).click()
    expect(new_admin.get_by_text(t(lang, "Estate created. You are its admin."))).to_be_visible()
    audit.check(new_admin, "estate set-up: created")
    new_admin.goto("/")
    expect(new_admin.get_by_role("heading", level=1, name=t(lang, "Choose an estate"))).to_be_visible()
    audit.check(new_admin, "choose an estate")

    page.goto(f"{HOME}/admin")
    audit.check(page, "estate set-up")
    timeout = page.get_by_label(t(lang, "Consent timeout (seconds)"))
    timeout.fill("1")
    page.get_by_role("button", name=t(lang, "Save details")).click()
    expect(page.locator(".field__error").first).to_be_visible()
    audit.check(page, "estate set-up: errors")
    page.goto(f"{HOME}/admin")
    page.locator("a.row-list__main[href*='/admin/buildings/']").first.click()
    audit.check(page, "building")
    page.goto(f"{HOME}/units")
    audit.check(page, "units")
    page.locator("a[href*='/units/']:not([href$='/import'])").first.click()
    audit.check(page, "unit")
    page.goto(f"{HOME}/units/import")
    audit.check(page, "import units")


def watchlist(walk: Walk, audit: Audit, lang: str) -> str:
    """The front desk's watchlist, with a person the gate and walk-in checks then meet (their
    name is returned)."""
    page = walk.page("front_desk")
    page.goto(f"{HOME}/watchlist")
    barred = WatchlistPage(page)
    audit.check(page, "watchlist")
    name = f"Barred {secrets.token_hex(3)}"
    barred.fill(lang, name=name)
    barred.submit(lang)
    expect(page.locator(".field__error").first).to_be_visible()
    audit.check(page, "watchlist: errors")
    barred.fill(lang, reason="Took parcels from the lockers")
    barred.submit(lang)
    expect(barred.entry(name)).to_be_visible()
    audit.check(page, "watchlist: added")
    barred.entry(name).get_by_role("button", name=re.compile(re.escape(t(lang, "Remove")))).click()
    expect(page.get_by_role("dialog")).to_be_visible()
    audit.check(page, "watchlist: remove? dialog", within="dialog[open]")
    page.get_by_role("dialog").get_by_role("button", name=t(lang, "Keep it")).click()
    return name


def lobby(walk: Walk, audit: Audit) -> None:
    """The front desk's tablet, once today's guests have come and gone."""
    page = walk.page("front_desk")
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(f"{HOME}/lobby")
    expect(page.locator(".lobby-visitor--left").first).to_be_visible()
    audit.check(page, "lobby tablet")
    page.set_viewport_size(VIEWPORT)
