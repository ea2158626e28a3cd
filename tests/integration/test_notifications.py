"""The in-app notification list, its unread count, and answering a decision from it or from a
push notification's action (own notifications only; the action token stands in for the CSRF
token the service worker cannot read)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.domain.notifications import Kind
from app.domain.roles import Relation, Role
from app.models.estates import Gate
from app.models.notifications import Notification
from app.models.visitors import Registration
from app.services import notification_texts, notify, sealed
from app.services.clock import utcnow
from tests.integration.forms import post_form


@pytest.fixture
async def household(make_estate):
    """Estate with the Wang household of 1-1-0101 (two members), a neighbour and a gate guard."""
    estate = await make_estate()
    fang = await estate.person("Wang Fang", Role.RESIDENT, unit="1-1-0101")
    ming = await estate.person("Wang Xiaoming", Role.RESIDENT, unit="1-1-0101", relation=Relation.FAMILY)
    neighbour = await estate.person("Liu Yang", Role.RESIDENT, unit="1-1-0102", relation=Relation.TENANT)
    guard = await estate.person("Li Qiang", Role.GATE_GUARD)
    return estate, fang, ming, neighbour, guard


async def walk_in(estate, guard, unit="1-1-0101", *, deadline_in=timedelta(minutes=3)) -> Registration:
    gate = await Gate.select(Gate.id).where(Gate.estate == estate.id).first()
    reg = Registration(**sealed.seal(Registration, dict(
        estate=estate.id, gate=gate["id"], guard=guard, kind="walk_in", state="waiting", name="Zhang Wei",
        phone="13912345678", id_number="110101199001011234", unit=estate.units[unit].id, purpose="delivery",
        consent_deadline=utcnow() + deadline_in,
    )))
    await reg.save()
    return reg


async def ask_household(estate, reg, members) -> None:
    await notify.queue(
        estate.id, members, Kind.CONSENT_REQUEST,
        params={"name": "Zhang Wei", "unit": "1-1-0101", "gate": "North Gate", "purpose": "delivery"},
        url=f"/e/{estate.slug}/consents/{reg.id}", subject=reg.id,
    )


async def own(person, kind: Kind) -> dict:
    return await Notification.select().where((Notification.person == person) & (Notification.kind == kind.value)).first()


def unread_badge(html: str) -> int:
    match = re.search(r'data-unread="(\d+)"', html)
    return int(match.group(1)) if match else 0


async def test_the_list_shows_only_my_notifications_newest_first_with_the_unread_count(client, sign_in_en, household):
    estate, fang, ming, neighbour, guard = household
    await notify.queue(estate.id, [fang], Kind.VISITOR_ARRIVED, params={"guest": "Chen Jie", "gate": "North Gate"},
                       url=f"/e/{estate.slug}/")
    await notify.queue(estate.id, [fang], Kind.VISITOR_LEFT, params={"guest": "Chen Jie", "gate": "South Gate"})
    await notify.queue(estate.id, [neighbour], Kind.VISITOR_ARRIVED, params={"guest": "Secret Guest", "gate": "North Gate"})

    await sign_in_en(fang)
    page = await client.get("/notifications")
    assert page.status_code == 200
    assert "Your guest Chen Jie left through South Gate." in page.text
    assert page.text.index("left through South Gate") < page.text.index("arrived at North Gate")
    assert "Secret Guest" not in page.text
    assert unread_badge(page.text) == 2


async def test_opening_a_notification_marks_it_read_and_goes_to_its_page(client, sign_in_en, household):
    estate, fang, *_ = household
    await notify.queue(estate.id, [fang], Kind.VISITOR_ARRIVED, params={"guest": "Chen Jie", "gate": "North Gate"},
                       url=f"/e/{estate.slug}/")
    row = await own(fang, Kind.VISITOR_ARRIVED)
    await sign_in_en(fang)

    opened = await client.get(f"/notifications/{row['id']}", follow_redirects=False)
    assert opened.status_code == 303
    assert opened.headers["location"] == f"/e/{estate.slug}/"
    assert (await own(fang, Kind.VISITOR_ARRIVED))["read_at"] is not None
    assert unread_badge((await client.get("/notifications")).text) == 0


async def test_someone_elses_notification_is_not_found(client, sign_in_en, household):
    estate, fang, ming, neighbour, _ = household
    await notify.queue(estate.id, [neighbour], Kind.VISITOR_ARRIVED, params={"guest": "X", "gate": "North Gate"})
    row = await own(neighbour, Kind.VISITOR_ARRIVED)
    await sign_in_en(fang)
    assert (await client.get(f"/notifications/{row['id']}", follow_redirects=False)).status_code == 404
    assert (await own(neighbour, Kind.VISITOR_ARRIVED))["read_at"] is None


async def test_mark_all_read_clears_the_badge(client, csrf, sign_in_en, household):
    estate, fang, ming, *_ = household
    for guest in ("A", "B", "C"):
        await notify.queue(estate.id, [fang, ming], Kind.VISITOR_ARRIVED, params={"guest": guest, "gate": "North Gate"})
    await sign_in_en(fang)
    assert unread_badge((await client.get("/notifications")).text) == 3

    done = await post_form(client, csrf, "/notifications/read", {})
    assert done.status_code == 303
    page = await client.get(done.headers["location"])
    assert unread_badge(page.text) == 0
    assert "All notifications marked as read." in page.text
    assert await Notification.count().where((Notification.person == ming) & Notification.read_at.is_null()) == 3  # his are his own


async def test_an_open_consent_request_offers_approve_and_refuse_in_the_list(client, csrf, sign_in_en, household):
    estate, fang, ming, neighbour, guard = household
    reg = await walk_in(estate, guard)
    await ask_household(estate, reg, [fang, ming])
    await sign_in_en(fang)
    page = await client.get("/notifications")
    assert "Visitor at North Gate" in page.text
    assert "Zhang Wei (Delivery) for 1-1-0101" in page.text
    assert 'value="approve"' in page.text and 'value="refuse"' in page.text
    assert "13912345678" not in page.text and "110101199001011234" not in page.text

    row = await own(fang, Kind.CONSENT_REQUEST)
    answered = await post_form(client, csrf, f"/notifications/{row['id']}/act", {"action": "approve"})
    assert answered.status_code == 303
    assert (await Registration.select(Registration.state).where(Registration.id == reg.id).first())["state"] == "approved"

    # Xiaoming's copy no longer offers the buttons: it says who decided.
    await sign_in_en(ming)
    page = await client.get("/notifications")
    assert 'value="approve"' not in page.text
    assert "approved by Wang Fang" in page.text


async def test_a_second_answer_is_refused_plainly(client, csrf, sign_in_en, household):
    estate, fang, ming, neighbour, guard = household
    reg = await walk_in(estate, guard)
    await ask_household(estate, reg, [fang, ming])
    await sign_in_en(fang)
    first = await own(fang, Kind.CONSENT_REQUEST)
    assert (await post_form(client, csrf, f"/notifications/{first['id']}/act", {"action": "refuse"})).status_code == 303

    await sign_in_en(ming)
    second = await own(ming, Kind.CONSENT_REQUEST)
    late = await post_form(client, csrf, f"/notifications/{second['id']}/act", {"action": "approve"})
    assert late.status_code == 422
    assert "already decided" in late.text
    state = await Registration.select(Registration.state).where(Registration.id == reg.id).first()
    assert state["state"] == "refused"


async def test_the_action_needs_the_token_or_the_csrf_token(client, csrf, sign_in_en, household):
    """The service worker has the session cookie and the notification's token, never the CSRF
    token; a post with neither (a forged cross-site form, say) changes nothing."""
    estate, fang, ming, neighbour, guard = household
    reg = await walk_in(estate, guard)
    await ask_household(estate, reg, [fang])
    row = await own(fang, Kind.CONSENT_REQUEST)
    await sign_in_en(fang)
    url = f"/notifications/{row['id']}/act"
    json_headers = {"accept": "application/json"}

    bare = await client.post(url, data={"action": "approve"}, headers=json_headers)
    assert bare.status_code == 403
    forged = await client.post(url, data={"action": "approve", "token": "x" * 43}, headers=json_headers)
    assert forged.status_code == 403
    someone_elses = notification_texts.action_token(row["id"], ming)
    assert (await client.post(url, data={"action": "approve", "token": someone_elses}, headers=json_headers)).status_code == 403
    assert (await Registration.select(Registration.state).where(Registration.id == reg.id).first())["state"] == "waiting"

    token = notification_texts.action_token(row["id"], fang)
    answered = await client.post(url, data={"action": "approve", "token": token}, headers=json_headers)
    assert answered.status_code == 200
    assert answered.json() == {"ok": True, "action": "approve"}
    decided = await Registration.select(Registration.state, Registration.decided_by).where(Registration.id == reg.id).first()
    assert decided["state"] == "approved" and decided["decided_by"] == fang


async def test_only_the_recipient_can_answer(client, csrf, sign_in_en, household):
    estate, fang, ming, neighbour, guard = household
    reg = await walk_in(estate, guard)
    await ask_household(estate, reg, [fang])
    row = await own(fang, Kind.CONSENT_REQUEST)
    await sign_in_en(neighbour)
    token = notification_texts.action_token(row["id"], fang)  # even with the right token
    stolen = await client.post(f"/notifications/{row['id']}/act", data={"action": "approve", "token": token},
                               headers={"accept": "application/json"})
    assert stolen.status_code == 404
    assert (await post_form(client, csrf, f"/notifications/{row['id']}/act", {"action": "approve"})).status_code == 404
    assert (await Registration.select(Registration.state).where(Registration.id == reg.id).first())["state"] == "waiting"


async def test_an_answer_the_notification_does_not_offer_is_refused(client, csrf, sign_in_en, household):
    estate, fang, ming, neighbour, guard = household
    reg = await walk_in(estate, guard)
    await ask_household(estate, reg, [fang])
    await notify.queue(estate.id, [fang], Kind.VISITOR_ARRIVED, params={"guest": "X", "gate": "North Gate"})
    await sign_in_en(fang)
    consent = await own(fang, Kind.CONSENT_REQUEST)
    news = await own(fang, Kind.VISITOR_ARRIVED)
    assert (await post_form(client, csrf, f"/notifications/{consent['id']}/act", {"action": "admit"})).status_code == 422
    assert (await post_form(client, csrf, f"/notifications/{news['id']}/act", {"action": "approve"})).status_code == 422
    assert (await Registration.select(Registration.state).where(Registration.id == reg.id).first())["state"] == "waiting"


async def test_a_request_past_its_deadline_offers_no_buttons(client, sign_in_en, household):
    estate, fang, ming, neighbour, guard = household
    reg = await walk_in(estate, guard, deadline_in=timedelta(seconds=-1))
    await ask_household(estate, reg, [fang])
    await sign_in_en(fang)
    page = await client.get("/notifications")
    assert "Visitor at North Gate" in page.text
    assert 'value="approve"' not in page.text
    assert "not answered in time" in page.text


async def test_the_bottom_bar_links_to_notifications_with_the_count(client, sign_in_en, household):
    estate, fang, *_ = household
    await notify.queue(estate.id, [fang], Kind.VISITOR_ARRIVED, params={"guest": "A", "gate": "North Gate"})
    await sign_in_en(fang)
    home = await client.get(f"/e/{estate.slug}/")
    assert 'href="/notifications"' in home.text
    assert unread_badge(home.text) == 1


def test_every_kind_that_asks_a_decision_has_a_capability_answering_it(app):
    """The registry is filled as the app's modules load: a kind with actions and nobody to read
    and answer it would leave its notifications' buttons dead."""
    from app.domain.notifications import ACTIONS
    from app.services import decisions

    assert decisions.registered() == frozenset(ACTIONS)
