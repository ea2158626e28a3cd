"""The front desk's residents' side as people do it: a repair request from a resident's phone
through the desk's tablet (assigned, started, done) to the resident's one-tap follow-up from the
notification; a lost item reported on the phone, matched on the tablet to an item found, the
owner told, and the return recorded."""

from __future__ import annotations

import re
import secrets

from playwright.sync_api import expect

from e2e.pages import EN, enrol, t
from e2e.requests_support import ESTATE, TABLET, LostFoundForm, RequestForm, RequestPage, hours_ago, lf_state


def signed_in(new_phone, enrol_link, name: str, **options):
    phone = new_phone("en-US", **options)
    enrol(phone.page, enrol_link(name), name).ensure_language(EN)
    return phone


def notifications(page):
    page.get_by_role("navigation").get_by_role("link", name=re.compile(t(EN, "Notifications"))).click()


def test_a_repair_request_goes_from_the_phone_to_done_and_is_followed_up_from_the_notification(new_phone,
                                                                                            enrol_link):
    run = secrets.token_hex(3)
    resident = signed_in(new_phone, enrol_link, "Wang Fang")
    resident.page.get_by_role("link", name=t(EN, "Requests and complaints")).click()
    resident.page.get_by_role("link", name=t(EN, "Ask, complain or report a repair")).click()
    request = RequestForm(resident.page).send("Repair", f"Balcony drain blocked {run}", photos=2)
    expect(resident.page.locator(".flash--ok")).to_have_text(t(EN, "Sent to the front desk. You see here how it goes."))
    expect(request.state).to_have_attribute("data-request-state", "new")
    expect(resident.page.locator(".photo-list img")).to_have_count(2)
    request_id = request.request_id

    desk = signed_in(new_phone, enrol_link, "Chen Jing")
    desk.page.set_viewport_size(TABLET)
    desk.page.get_by_role("link", name=t(EN, "Residents' requests")).click()
    card = desk.page.locator(f'[data-request="{request_id}"]')
    expect(desk.page.locator(".queue--new").locator(f'[data-request="{request_id}"]')).to_contain_text("5-2-1301")
    card.get_by_role("link").click()
    at_desk = RequestPage(desk.page)
    at_desk.assign("Maintenance")
    expect(desk.page.locator(".queue--assigned, .request-facts")).to_contain_text(t(EN, "Maintenance"))
    resident.page.reload()
    expect(request.state).to_have_attribute("data-request-state", "assigned")  # the resident sees each move
    at_desk.start()
    at_desk.done(f"Drain cleared {run}")

    notifications(resident.page)
    notice = resident.page.locator(".notice").filter(
        has_text=t(EN, "Your %(kind)s is done", kind=t(EN, "repair request"))).first
    expect(notice).to_contain_text(f"Drain cleared {run}")
    notice.get_by_role("button", name=t(EN, "Resolved, satisfied")).click()
    expect(resident.page.locator(".flash--ok")).to_have_text(t(EN, "Your answer was sent."))

    resident.page.goto(f"/e/{ESTATE}/requests/{request_id}")
    expect(request.state).to_have_attribute("data-request-state", "followed_up")
    expect(resident.page.locator(".request-follow-up")).to_contain_text(t(EN, "Satisfied"))
    desk.page.goto(f"/e/{ESTATE}/desk/requests")
    expect(desk.page.locator(".queue--followed_up").locator(f'[data-request="{request_id}"]')).to_be_visible()
    for phone in (resident, desk):
        assert not phone.problems, phone.problems


def test_a_lost_item_is_matched_to_a_found_one_the_owner_told_and_the_return_recorded(new_phone, enrol_link):
    run = secrets.token_hex(3)
    place = f"Clubhouse reading room {run}"
    owner = signed_in(new_phone, enrol_link, "Wang Xiaoming")
    owner.page.goto(f"/e/{ESTATE}/requests")
    owner.page.get_by_role("link", name=t(EN, "Lost something?")).click()
    owner.page.get_by_role("link", name=t(EN, "Report a lost item")).click()
    LostFoundForm(owner.page).record(category="toy", description=f"Green toy dinosaur {run}", place=place,
                                     when=hours_ago(5))
    expect(lf_state(owner.page)).to_have_attribute("data-lf-state", "open")
    lost_url = owner.page.url.split("?")[0]

    desk = signed_in(new_phone, enrol_link, "Chen Jing")
    desk.page.set_viewport_size(TABLET)
    desk.page.goto(f"/e/{ESTATE}/")
    desk.page.get_by_role("link", name=t(EN, "Lost and found")).click()
    expect(desk.page.locator(".queue--lost")).to_contain_text(f"Green toy dinosaur {run}")
    desk.page.get_by_role("link", name=t(EN, "Record a found item")).click()
    LostFoundForm(desk.page).record(category="toy", description=f"Small green dinosaur toy {run}", place=place,
                                    when=hours_ago(1), photo="yes", **{"Who found it": "Cleaner Xu",
                                                                      "Where it is kept": "Lobby cabinet, shelf 3"})
    suggestion = desk.page.locator(".lf-suggestion").filter(has_text=f"Green toy dinosaur {run}")
    expect(suggestion).to_contain_text("5-2-1301")
    suggestion.get_by_role("button", name=re.compile(t(EN, "Confirm this match"))).click()
    expect(desk.page.locator(".flash--ok")).to_have_text(
        t(EN, "Matched. A resident who reported it is told to collect it."))
    expect(lf_state(desk.page)).to_have_attribute("data-lf-state", "matched")

    notifications(owner.page)
    expect(owner.page.locator(".notice").filter(has_text=t(EN, "An item like yours was found")).first).to_contain_text(place)

    desk.page.get_by_label(t(EN, "Collected by")).fill("Wang Xiaoming")
    desk.page.get_by_role("button", name=t(EN, "Record the return")).click()
    expect(desk.page.get_by_text(t(EN, "Write what they showed to prove it is theirs."))).to_be_visible()
    desk.page.get_by_label(t(EN, "What they showed")).fill("Resident card, described the toy")
    desk.page.get_by_role("button", name=t(EN, "Record the return")).click()
    expect(desk.page.locator(".flash--ok")).to_have_text(t(EN, "Return recorded."))
    expect(lf_state(desk.page)).to_have_attribute("data-lf-state", "returned")
    expect(desk.page.locator(".lf-returned")).to_contain_text("Wang Xiaoming")

    owner.page.goto(lost_url)
    expect(lf_state(owner.page)).to_have_attribute("data-lf-state", "returned")
    for phone in (owner, desk):
        assert not phone.problems, phone.problems
