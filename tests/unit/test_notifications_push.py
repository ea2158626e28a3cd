"""Push rules without a network: the allow-list of push services, the retry schedule, the
payload size limit, and what each kind of notification says in either language."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from app.domain import push as rules
from app.domain.notifications import ACTIONS, Kind
from app.domain.push import DEFAULT_PUSH_SERVICE_HOSTS, endpoint_allowed, parse_hosts
from app.services import notification_texts as texts
from app.services import notify

HOSTS = DEFAULT_PUSH_SERVICE_HOSTS + ("localhost:8123",)


@pytest.mark.parametrize("endpoint", [
    "https://fcm.googleapis.com/fcm/send/abc:def",
    "https://updates.push.services.mozilla.com/wpush/v2/gAAAA",
    "https://autopush.prod.push.services.mozilla.com/x",
    "https://wns2-par02p.notify.windows.com/w/?token=BQY",
    "https://web.push.apple.com/QGh",
    "https://api.push.apple.com/3/device/x",
    "https://FCM.googleapis.com/fcm/send/x",
    "https://fcm.googleapis.com:443/fcm/send/x",
    "http://localhost:8123/push/test",  # a test's endpoint, listed with its port
    "https://localhost:8123/push/test",
])
def test_endpoints_of_listed_push_services_are_allowed(endpoint):
    assert endpoint_allowed(endpoint, HOSTS)


@pytest.mark.parametrize("endpoint", [
    "https://evil.example/push",
    "http://fcm.googleapis.com/fcm/send/x",           # push services are https only
    "https://fcm.googleapis.com:8443/fcm/send/x",     # another port is another service
    "https://fcm.googleapis.com.evil.example/x",
    "https://evilfcm.googleapis.com/x",
    "https://push.services.mozilla.com/x",            # the wildcard needs a subdomain
    "https://notify.windows.com/x",
    "https://x@fcm.googleapis.com/x",                 # credentials in the URL
    "https://fcm.googleapis.com/x#frag",
    "http://127.0.0.1:8123/push/test",                # listed as localhost, not as an address
    "http://localhost:8124/push/test",                # another port
    "http://localhost/push/test",
    "http://169.254.169.254/latest/meta-data",
    "ftp://fcm.googleapis.com/x",
    "fcm.googleapis.com/fcm/send/x",
    "https://fcm.googleapis.com/" + "a" * 1000,
    "https://fcm.googleapis.com/a b",
    "",
    None,
])
def test_anything_else_is_refused(endpoint):
    assert not endpoint_allowed(endpoint, HOSTS)


def test_plain_http_is_for_a_listed_loopback_port_only():
    assert not endpoint_allowed("http://push.example:8080/x", ("push.example:8080",))
    assert endpoint_allowed("https://push.example:8080/x", ("push.example:8080",))
    assert not endpoint_allowed("http://localhost:8123/x", ("localhost",))


def test_the_setting_is_a_comma_separated_list_of_hosts():
    assert parse_hosts(" localhost:8123, Push.Example.com ,,*.push.example ") == (
        "localhost:8123", "push.example.com", "*.push.example")
    assert parse_hosts("") == ()


@pytest.mark.parametrize("bad", ["http://localhost:8123", "localhost:port", "a/b", "*", "*.", "x@y", "a*.b", "a b"])
def test_an_entry_that_is_not_a_host_is_refused(bad):
    with pytest.raises(ValueError):
        parse_hosts(bad)


def test_retries_back_off_and_then_give_up():
    now = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
    delays = [rules.next_try(n, now) - now for n in range(1, rules.MAX_ATTEMPTS)]
    assert delays == sorted(delays) and delays[0] == timedelta(seconds=15)
    assert rules.next_try(rules.MAX_ATTEMPTS, now) is None


def test_gone_and_temporary_answers():
    assert rules.is_gone(404) and rules.is_gone(410) and not rules.is_gone(400)
    assert rules.is_temporary(500) and rules.is_temporary(503) and rules.is_temporary(429)
    assert not rules.is_temporary(400) and not rules.is_temporary(413)


def test_a_long_payload_is_cut_to_fit_keeping_the_rest_whole():
    message = {"title": "访客" * 400, "body": "很长的说明" * 800, "url": "/notifications/x", "tag": "gp-x",
               "actions": [{"action": "approve", "title": "同意"}]}
    text = rules.payload(message)
    assert len(text.encode()) <= rules.MAX_PAYLOAD_BYTES
    data = json.loads(text)
    assert data["url"] == "/notifications/x" and data["actions"] == message["actions"]
    assert data["title"].startswith("访客")
    short = {"title": "Visitor", "body": "Hello", "url": "/"}
    assert json.loads(rules.payload(short)) == short


@pytest.mark.parametrize("language", ["en", "zh-Hans"])
@pytest.mark.parametrize("kind", list(Kind))
def test_every_kind_reads_as_a_sentence_made_of_its_params(kind, language):
    params = {"guest": "Chen Jie", "name": "Zhang Wei", "visitor": "Zhang Wei", "unit": "5-2-1301",
              "gate": "North Gate", "purpose": "delivery", "decision": "approved", "by": "Wang Fang",
              "relation": "son", "items": "petrol", "guard": "Li Qiang", "problem": "double_admission",
              "route": "Night round", "time": "21:00", "incident": "fire", "place": "5-2-1301",
              "kind": "repair", "text": "Tap leaks", "note": "Washer replaced.", "item": "keys"}
    title, body = texts.render(kind, params, language)
    assert title and body
    assert "%(" not in title + body and "None" not in title + body
    shown = title + body
    assert any(value in shown for value in ("Chen Jie", "Zhang Wei", "5-2-1301", "North Gate", "Li Qiang", "Night round"))


def test_missing_params_leave_a_gap_not_an_error():
    title, body = texts.render(Kind.CONSENT_REQUEST, {}, "en")
    assert title == "Visitor at " and "%(" not in body


def test_codes_in_params_are_shown_as_words():
    _, body = texts.render(Kind.CONSENT_REQUEST, {"name": "Zhang Wei", "purpose": "domestic_help", "unit": "5-2-1301"}, "en")
    assert body == "Zhang Wei (Domestic help) for 5-2-1301. Let them in?"
    _, body = texts.render(Kind.CONSENT_DECIDED, {"name": "Zhang Wei", "unit": "5-2-1301", "decision": "refused", "by": "Wang Fang"}, "en")
    assert body == "Zhang Wei for 5-2-1301: refused by Wang Fang."


def test_an_unknown_kind_reads_as_a_plain_notice():
    assert texts.render("something_new", {"x": 1}, "en") == ("Notification", "")


def test_only_decisions_carry_actions_in_the_readers_language():
    for kind in Kind:
        assert [a["action"] for a in texts.actions(kind, "en")] == list(ACTIONS.get(kind, ()))
    assert [a["title"] for a in texts.actions(Kind.ESCALATION, "en")] == ["Admit", "Turn away"]


def test_a_push_message_carries_the_token_only_for_decisions(monkeypatch):
    # The router's path maker, as create_app hands it over: here one that names the route.
    monkeypatch.setattr(notify, "_route_path", lambda route, notification_id: f"{route}:{notification_id}")
    row = {"id": "11111111-1111-4111-8111-111111111111", "person": "22222222-2222-4222-8222-222222222222",
           "kind": "consent_request", "params": json.dumps({"name": "Zhang Wei", "unit": "5-2-1301", "gate": "North Gate"}),
           "url": "/e/x/consents/y"}
    message = texts.push_message(row, "en")
    assert message["url"] == f"notification_open:{row['id']}"
    assert message["action_url"] == f"notification_act:{row['id']}"
    assert message["token"] == texts.action_token(row["id"], row["person"])
    assert texts.token_ok(row["id"], row["person"], message["token"])
    assert not texts.token_ok(row["id"], "33333333-3333-4333-8333-333333333333", message["token"])
    assert not texts.token_ok(row["id"], row["person"], "")
    news = texts.push_message({**row, "kind": "visitor_arrived"}, "en")
    assert news["actions"] == [] and "token" not in news and "action_url" not in news


def test_the_settings_offer_the_kinds_a_persons_roles_receive():
    from app.domain.roles import Role

    assert rules.kinds_for([Role.RESIDENT]) == [
        Kind.VISITOR_ARRIVED, Kind.VISITOR_LEFT, Kind.CONSENT_REQUEST, Kind.CONSENT_DECIDED, Kind.EMERGENCY,
        Kind.SLIP_CONSENT_REQUEST, Kind.SLIP_CONSENT_DECIDED, Kind.SLIP_APPROVED, Kind.SLIP_RETURNED, Kind.SLIP_REFUSED,
        Kind.SLIP_RELEASED, Kind.SLIP_HELD, Kind.PERMIT_DECIDED, Kind.REQUEST_DONE, Kind.LOST_ITEM_FOUND]
    assert rules.kinds_for([Role.FRONT_DESK]) == [Kind.REFUSED_TO_REGISTER, Kind.SLIP_DESK_REVIEW, Kind.SLIP_HELD,
                                                  Kind.REQUEST_NEW, Kind.REQUEST_ASSIGNED]
    assert Kind.ESCALATION in rules.kinds_for([Role.MANAGER]) and Kind.VISITOR_ARRIVED not in rules.kinds_for([Role.MANAGER])
    assert Kind.ESCORT_TASK in rules.kinds_for(["patrol_guard", "resident"])
    assert rules.kinds_for([Role.ADMIN]) == [Kind.RECORDS_DISCLOSED]  # an estate's records handed to an authority
    every_role = rules.kinds_for(list(Role))
    assert every_role == list(Kind)  # every kind reaches someone
