"""Web Push end to end on the server side: the VAPID key, subscriptions and the allow-list of
push services, and the sender against a local push service that checks the VAPID JWT and
decrypts the payload with the keys the test made for the subscription."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
from datetime import timedelta

import pytest

import app.settings as settings_module
from app.domain.notifications import Kind
from app.domain.roles import Relation, Role
from app.models.notifications import Notification, PushSubscription, ServerKey
from app.models.people import Person
from app.services import notification_texts, notifications, notify, push
from app.services.clock import utcnow
from app.settings import get_settings
from e2e.push_support import PushService

CONSENT_PARAMS = {"name": "Zhang Wei", "unit": "1-1-0101", "gate": "North Gate", "purpose": "delivery"}


@pytest.fixture
async def push_service(monkeypatch):
    """A local push service the server is allowed to call (as PUSH_SERVICE_HOSTS=localhost:PORT does)."""
    service = PushService()
    allowed = get_settings().push_service_hosts + (service.allow_entry,)
    monkeypatch.setattr(settings_module, "_settings", dataclasses.replace(get_settings(), push_service_hosts=allowed))
    service.expected_key = await push.public_key()
    yield service
    service.close()


@pytest.fixture
async def wang(make_estate):
    estate = await make_estate()
    fang = await estate.person("Wang Fang", Role.RESIDENT, unit="1-1-0101", phone="13800138000")
    ming = await estate.person("Wang Xiaoming", Role.RESIDENT, unit="1-1-0101", relation=Relation.FAMILY)
    await Person.update({Person.locale: "en"}).where(Person.id == fang)  # she reads English
    return estate, fang, ming


async def subscribe(client, csrf, subscription: dict):
    return await client.post("/push/subscriptions", json=subscription,
                             headers={"x-csrftoken": await csrf(), "accept": "application/json"})


async def state_of(person, kind: Kind) -> dict:
    return await Notification.select(
        Notification.push_state, Notification.push_attempts, Notification.push_next_at,
    ).where((Notification.person == person) & (Notification.kind == kind.value)).first()


def deliveries_to(service: PushService, name: str):
    return [d for d in service.deliveries if d.path.endswith("/" + name)]


async def test_the_vapid_key_is_made_once_and_kept():
    first = await push.public_key()
    again = await push.public_key()
    assert first == again
    raw = base64.urlsafe_b64decode(first + "=" * (-len(first) % 4))
    assert len(raw) == 65 and raw[0] == 4  # an uncompressed P-256 point, as applicationServerKey wants
    assert await ServerKey.count().where(ServerKey.name == "vapid") == 1


async def test_the_settings_page_offers_the_public_key(client, sign_in_en, wang):
    _, fang, _ = wang
    await sign_in_en(fang)
    page = await client.get("/account/notifications")
    assert page.status_code == 200
    assert f'data-public-key="{await push.public_key()}"' in page.text
    assert "Turn on notifications on this device" in page.text


async def test_a_subscription_is_stored_then_removed(client, csrf, sign_in_en, wang, push_service):
    _, fang, _ = wang
    await sign_in_en(fang)
    subscription = push_service.subscription("fang-phone")
    stored = await subscribe(client, csrf, subscription)
    assert stored.status_code == 201, stored.text
    row = await PushSubscription.select().where(PushSubscription.endpoint == subscription["endpoint"]).first()
    assert row["person"] == fang and row["p256dh"] == subscription["keys"]["p256dh"]

    page = await client.get("/account/notifications")
    assert notifications.endpoint_hash(subscription["endpoint"]) in page.text
    assert subscription["endpoint"] not in page.text

    gone = await client.post("/push/subscriptions/remove", json={"endpoint": subscription["endpoint"]},
                             headers={"x-csrftoken": await csrf()})
    assert gone.status_code == 200 and gone.json()["removed"] == 1
    assert await PushSubscription.count().where(PushSubscription.endpoint == subscription["endpoint"]) == 0


@pytest.mark.parametrize("endpoint", [
    "https://evil.example/push/1",
    "http://127.0.0.1:{port}/push/x",  # our own push service, but not as listed (and plain http)
    "https://localhost:{port}.evil.example/push/x",
    "https://fcm.googleapis.com.evil.example/fcm/send/x",
    "https://user@fcm.googleapis.com@evil.example/x",
    "http://fcm.googleapis.com/fcm/send/x",
    "https://fcm.googleapis.com:8443/fcm/send/x",
    "ftp://fcm.googleapis.com/x",
])
async def test_an_endpoint_outside_the_allow_list_is_refused_with_a_message(client, csrf, sign_in_en, wang,
                                                                              push_service, endpoint):
    _, fang, _ = wang
    await sign_in_en(fang)
    subscription = push_service.subscription("refused")
    subscription["endpoint"] = endpoint.format(port=push_service.port)
    refused = await subscribe(client, csrf, subscription)
    assert refused.status_code == 422
    assert "push service is not one this server may call" in refused.json()["error"]
    assert await PushSubscription.count().where(PushSubscription.endpoint == subscription["endpoint"]) == 0


async def test_real_push_services_are_accepted(client, csrf, sign_in_en, wang, push_service):
    _, fang, _ = wang
    await sign_in_en(fang)
    for endpoint in ("https://fcm.googleapis.com/fcm/send/abc", "https://updates.push.services.mozilla.com/wpush/v2/x",
                     "https://web.push.apple.com/QO9v", "https://wns2-bl2p.notify.windows.com/w/?token=x"):
        subscription = push_service.subscription("real")
        subscription["endpoint"] = endpoint
        assert (await subscribe(client, csrf, subscription)).status_code == 201, endpoint
    await PushSubscription.delete().where(PushSubscription.person == fang)


async def test_malformed_keys_are_refused(client, csrf, sign_in_en, wang, push_service):
    _, fang, _ = wang
    await sign_in_en(fang)
    subscription = push_service.subscription("bad-keys")
    subscription["keys"]["p256dh"] = "AAAA"
    assert (await subscribe(client, csrf, subscription)).status_code == 422
    subscription = push_service.subscription("bad-keys")
    del subscription["keys"]["auth"]
    assert (await subscribe(client, csrf, subscription)).status_code == 422
    assert await PushSubscription.count().where(PushSubscription.person == fang) == 0


async def older_devices(person, push_service, count: int) -> list[str]:
    """``count`` devices the person turned push on for over the past days, oldest first."""
    endpoints = []
    for n in range(count):
        subscription = push_service.subscription(f"older-{person}-{n}")
        await PushSubscription(
            person=person, endpoint=subscription["endpoint"], p256dh=subscription["keys"]["p256dh"],
            auth=subscription["keys"]["auth"], device=f"Phone {n}", created_at=utcnow() - timedelta(days=count - n),
        ).save()
        endpoints.append(subscription["endpoint"])
    return endpoints


async def test_a_device_beyond_the_tenth_replaces_the_one_added_longest_ago(client, csrf, sign_in_en, wang, push_service):
    _, fang, _ = wang
    await sign_in_en(fang)
    older = await older_devices(fang, push_service, notifications.MAX_DEVICES)
    newest = push_service.subscription("eleventh")

    assert (await subscribe(client, csrf, newest)).status_code == 201

    kept = {r["endpoint"] for r in await PushSubscription.select(PushSubscription.endpoint).where(
        PushSubscription.person == fang)}
    assert kept == {*older[1:], newest["endpoint"]}
    page = await client.get("/account/notifications")
    assert page.text.count('class="device-list__item"') == 10 and "Phone 0<" not in page.text
    assert "Up to 10 devices get notifications." in page.text


async def test_more_than_a_few_new_devices_a_minute_are_refused_with_a_message(
        client, csrf, sign_in_en, wang, push_service, rate_clock):
    _, fang, ming = wang
    await sign_in_en(fang)
    for n in range(notifications.NEW_DEVICES_PER_MINUTE):
        assert (await subscribe(client, csrf, push_service.subscription(f"quick-{n}"))).status_code == 201

    refused = await subscribe(client, csrf, push_service.subscription("one-too-many"))
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "59"
    assert refused.json() == {"error": "Notifications were turned on too many times in the last minute. "
                                       "Please wait a minute and try again."}
    assert await PushSubscription.count().where(PushSubscription.person == fang) == notifications.NEW_DEVICES_PER_MINUTE

    await sign_in_en(ming)  # the limit is Wang Fang's own: her family is not slowed
    assert (await subscribe(client, csrf, push_service.subscription("ming"))).status_code == 201
    rate_clock.advance(minutes=1)
    await sign_in_en(fang)
    assert (await subscribe(client, csrf, push_service.subscription("one-too-many"))).status_code == 201


async def test_a_person_sees_their_devices_and_removes_one_but_not_someone_elses(
        client, csrf, sign_in_en, wang, push_service):
    _, fang, ming = wang
    phone, tablet = await older_devices(fang, push_service, 2)
    await PushSubscription.update({PushSubscription.last_sent_at: utcnow()}).where(PushSubscription.endpoint == tablet)
    [mings] = await older_devices(ming, push_service, 1)
    rows = {r["endpoint"]: r["id"] for r in await PushSubscription.select(PushSubscription.id, PushSubscription.endpoint)}
    await sign_in_en(fang)

    page = await client.get("/account/notifications")
    assert "Phone 0" in page.text and "Phone 1" in page.text and page.text.count("last notified") == 1
    assert page.text.count("Added ") == 2

    removed = await client.post(f"/account/notifications/devices/{rows[phone]}/remove",
                                data={"_csrf_token": await csrf()}, follow_redirects=False)
    assert removed.status_code == 303 and "done=removed" in removed.headers["location"]
    gone = await client.post(f"/account/notifications/devices/{rows[mings]}/remove",
                             data={"_csrf_token": await csrf()}, follow_redirects=False)
    assert gone.status_code == 404
    left = {r["endpoint"] for r in await PushSubscription.select(PushSubscription.endpoint).where(
        PushSubscription.endpoint.is_in([phone, tablet, mings]))}
    assert left == {tablet, mings}


async def test_a_consent_request_is_pushed_signed_and_encrypted_without_personal_numbers(wang, push_service):
    estate, fang, ming = wang
    await notifications.subscribe(fang, push_service.subscription("fang"), "Chrome · Android")
    await Person.update({Person.locale: "en"}).where(Person.id == fang)
    await notify.queue(estate.id, [fang, ming], Kind.CONSENT_REQUEST, params=CONSENT_PARAMS,
                       url=f"/e/{estate.slug}/consents/x", subject="00000000-0000-4000-8000-00000000000a")
    await push.send_now()

    [delivery] = deliveries_to(push_service, "fang")
    assert delivery.problem is None
    assert delivery.claims["aud"] == push_service.origin
    assert delivery.claims["sub"] == get_settings().vapid_subject
    assert int(delivery.headers["ttl"]) > 0
    assert delivery.headers["urgency"] == "high"
    message = delivery.payload
    assert message["title"] == "Visitor at North Gate"
    assert message["body"] == "Zhang Wei (Delivery) for 1-1-0101. Let them in?"
    assert [a["action"] for a in message["actions"]] == ["approve", "refuse"]
    assert [a["title"] for a in message["actions"]] == ["Approve", "Refuse"]
    row = await Notification.select(Notification.id).where(
        (Notification.person == fang) & (Notification.kind == "consent_request")).first()
    assert message["url"] == f"/notifications/{row['id']}"
    assert message["action_url"] == f"/notifications/{row['id']}/act"
    assert message["token"] == notification_texts.action_token(row["id"], fang)
    assert "13800138000" not in str(message)
    assert set(message) <= {"title", "body", "url", "tag", "notification_id", "actions", "action_url", "token", "answered"}
    assert (await state_of(fang, Kind.CONSENT_REQUEST))["push_state"] == "sent"
    assert (await state_of(ming, Kind.CONSENT_REQUEST))["push_state"] == "none"  # no device: the in-app list only


async def test_the_push_is_in_the_recipients_language(wang, push_service):
    estate, fang, _ = wang
    await notifications.subscribe(fang, push_service.subscription("fang-zh"))
    await Person.update({Person.locale: "zh-Hans"}).where(Person.id == fang)
    await notify.queue(estate.id, [fang], Kind.VISITOR_ARRIVED, params={"guest": "Chen Jie", "gate": "北门"})
    await push.send_now()
    [delivery] = deliveries_to(push_service, "fang-zh")
    expected_title, expected_body = notification_texts.render(Kind.VISITOR_ARRIVED, {"guest": "Chen Jie", "gate": "北门"}, "zh-Hans")
    assert delivery.payload["title"] == expected_title
    assert delivery.payload["body"] == expected_body
    assert "Chen Jie" in delivery.payload["body"] and "北门" in delivery.payload["body"]
    assert delivery.payload["actions"] == [] and "token" not in delivery.payload


async def test_a_gone_subscription_is_deleted(wang, push_service):
    estate, fang, _ = wang
    await notifications.subscribe(fang, push_service.subscription("gone"))
    push_service.respond("gone", 410)
    await notify.queue(estate.id, [fang], Kind.VISITOR_ARRIVED, params={"guest": "A", "gate": "North Gate"})
    await push.send_now()
    assert len(deliveries_to(push_service, "gone")) == 1
    assert await PushSubscription.count().where(PushSubscription.person == fang) == 0
    assert (await state_of(fang, Kind.VISITOR_ARRIVED))["push_state"] == "none"


async def test_a_server_error_is_tried_again_later_then_sent(wang, push_service):
    estate, fang, _ = wang
    await notifications.subscribe(fang, push_service.subscription("flaky"))
    push_service.respond("flaky", 500, 503)
    await notify.queue(estate.id, [fang], Kind.VISITOR_ARRIVED, params={"guest": "A", "gate": "North Gate"})
    await push.send_now()
    first = await state_of(fang, Kind.VISITOR_ARRIVED)
    assert first["push_state"] == "pending" and first["push_attempts"] == 1
    assert first["push_next_at"] > utcnow()

    await push.send_now()  # not due yet: nothing sent
    assert len(deliveries_to(push_service, "flaky")) == 1

    await push.deliver_due(now=utcnow() + timedelta(minutes=1))
    assert (await state_of(fang, Kind.VISITOR_ARRIVED))["push_attempts"] == 2
    await push.deliver_due(now=utcnow() + timedelta(hours=1))
    assert len(deliveries_to(push_service, "flaky")) == 3
    assert (await state_of(fang, Kind.VISITOR_ARRIVED))["push_state"] == "sent"
    assert await PushSubscription.count().where(PushSubscription.person == fang) == 1


async def test_a_push_service_that_keeps_failing_is_given_up(wang, push_service):
    estate, fang, _ = wang
    await notifications.subscribe(fang, push_service.subscription("down"))
    push_service.respond("down", *[502] * 10)
    await notify.queue(estate.id, [fang], Kind.VISITOR_ARRIVED, params={"guest": "A", "gate": "North Gate"})
    later = utcnow()
    for _ in range(8):
        later += timedelta(days=1)
        await push.deliver_due(now=later)
    assert len(deliveries_to(push_service, "down")) == 5
    assert (await state_of(fang, Kind.VISITOR_ARRIVED))["push_state"] == "failed"


async def test_a_device_gets_only_the_kinds_chosen_but_always_the_decisions(client, csrf, sign_in_en, wang, push_service):
    estate, fang, _ = wang
    device = await notifications.subscribe(fang, push_service.subscription("choosy"))
    await sign_in_en(fang)
    saved = await client.post(f"/account/notifications/devices/{device}/kinds",
                              data={"_csrf_token": await csrf(), "kinds": ["visitor_left"]}, follow_redirects=False)
    assert saved.status_code == 303
    page = await client.get(saved.headers["location"])
    assert "Saved." in page.text
    stored = (await PushSubscription.select(PushSubscription.kinds).where(PushSubscription.id == device).first())["kinds"]
    assert "visitor_arrived" not in stored and "visitor_left" in stored
    assert "escort_task" in stored  # not offered to a resident, so not switched off either
    assert "My guests arrive" in page.text and "Escort tasks" not in page.text

    await notify.queue(estate.id, [fang], Kind.VISITOR_ARRIVED, params={"guest": "A", "gate": "North Gate"})
    await notify.queue(estate.id, [fang], Kind.VISITOR_LEFT, params={"guest": "A", "gate": "North Gate"})
    await notify.queue(estate.id, [fang], Kind.CONSENT_REQUEST, params=CONSENT_PARAMS, subject="x")
    await push.send_now()
    titles = sorted(d.payload["title"] for d in deliveries_to(push_service, "choosy"))
    assert titles == ["Visitor at North Gate", "Visitor left"]
    assert (await state_of(fang, Kind.VISITOR_ARRIVED))["push_state"] == "none"
    # ... and the in-app list has all three.
    assert await Notification.count().where((Notification.person == fang) & Notification.read_at.is_null()) == 3


async def test_an_endpoint_taken_off_the_allow_list_is_not_called(wang, push_service, monkeypatch):
    estate, fang, _ = wang
    await notifications.subscribe(fang, push_service.subscription("delisted"))
    monkeypatch.setattr(settings_module, "_settings", dataclasses.replace(
        get_settings(), push_service_hosts=tuple(h for h in get_settings().push_service_hosts if h != push_service.allow_entry)))
    await notify.queue(estate.id, [fang], Kind.VISITOR_ARRIVED, params={"guest": "A", "gate": "North Gate"})
    await push.send_now()
    assert deliveries_to(push_service, "delisted") == []
    assert (await state_of(fang, Kind.VISITOR_ARRIVED))["push_state"] == "none"


async def test_two_senders_at_once_send_each_notification_once(wang, push_service):
    estate, fang, _ = wang
    await notifications.subscribe(fang, push_service.subscription("once"))
    await notify.queue(estate.id, [fang], Kind.VISITOR_ARRIVED, params={"guest": "A", "gate": "North Gate"})
    await notify.queue(estate.id, [fang], Kind.VISITOR_LEFT, params={"guest": "A", "gate": "North Gate"})
    await asyncio.gather(push.send_now(), push.send_now(), push.send_now())
    assert len(deliveries_to(push_service, "once")) == 2


async def test_the_sender_task_sends_soon_after_a_wake(wang, push_service):
    """The background task, as the app's lifespan starts it: queueing wakes it, nobody waits."""
    estate, fang, _ = wang
    await notifications.subscribe(fang, push_service.subscription("woken"))
    task = asyncio.create_task(push.run_forever(poll_seconds=60))
    try:
        await asyncio.sleep(0.1)  # the task is asleep, waiting for work
        await notify.queue(estate.id, [fang], Kind.VISITOR_ARRIVED, params={"guest": "A", "gate": "North Gate"})
        for _ in range(100):
            if deliveries_to(push_service, "woken"):
                break
            await asyncio.sleep(0.05)
        assert len(deliveries_to(push_service, "woken")) == 1
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_the_sender_task_stops_when_cancelled_just_as_it_is_woken(wang):
    """The app's shutdown right after a request woke the sender: the cancel must not be lost
    with the wake (the lifespan waits for the task and would wait for ever)."""
    for turns in range(6):  # the cancel lands a different number of loop turns after the wake
        task = asyncio.create_task(push.run_forever(poll_seconds=60))
        await asyncio.sleep(0.05)  # asleep, waiting for work
        push.wake()
        for _ in range(turns):
            await asyncio.sleep(0)
        task.cancel()
        done, _ = await asyncio.wait([task], timeout=2)
        assert task in done, f"the sender ran on after a cancel {turns} loop turns after a wake"


async def test_the_pushed_token_answers_the_request_without_a_csrf_token(client, sign_in_en, wang, push_service):
    """What the service worker does on a tap of Approve: POST with the session cookie and the token."""
    from tests.integration.test_notifications import walk_in

    estate, fang, _ = wang
    guard = await estate.person("Li Qiang", Role.GATE_GUARD)
    reg = await walk_in(estate, guard)
    await notifications.subscribe(fang, push_service.subscription("answer"))
    await notify.queue(estate.id, [fang], Kind.CONSENT_REQUEST, params=CONSENT_PARAMS, subject=reg.id)
    await push.send_now()
    [delivery] = deliveries_to(push_service, "answer")
    message = delivery.payload
    await sign_in_en(fang)
    client.cookies.delete("gp_csrf")
    answered = await client.post(message["action_url"], data={"action": "refuse", "token": message["token"]},
                                 headers={"accept": "application/json"})
    assert answered.status_code == 200, answered.text
    from app.models.visitors import Registration
    assert (await Registration.select(Registration.state).where(Registration.id == reg.id).first())["state"] == "refused"


async def test_turning_push_on_keeps_the_language_being_read_unless_one_was_chosen(client, csrf, sign_in_en, wang, push_service):
    _, fang, ming = wang
    await Person.update({Person.locale: ""}).where(Person.id == fang)
    await Person.update({Person.locale: "zh-Hans"}).where(Person.id == ming)
    for person, name in ((fang, "fang-lang"), (ming, "ming-lang")):
        await sign_in_en(person)  # reading English (no choice made: the cookie and browser say so)
        assert (await subscribe(client, csrf, push_service.subscription(name))).status_code == 201
    locales = {r["id"]: r["locale"] for r in await Person.select(Person.id, Person.locale).where(Person.id.is_in([fang, ming]))}
    assert locales == {fang: "en", ming: "zh-Hans"}
