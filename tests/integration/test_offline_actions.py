"""Guard actions kept on a phone with no signal and sent later: recorded once at the time they
happened, conflicts flagged for the supervisor, refusals recorded, keys bound to their request,
wrong phone clocks noticed; and the gate manifest the phone judges passes by."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, time, timedelta
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest

from app.domain.notifications import Kind
from app.domain.roles import Role
from app.domain.watchlist import norm_name
from app.models.estates import Estate
from app.models.notifications import Notification
from app.models.reviews import ReviewItem
from app.models.visitors import GuardAction, Visit, VisitorPass, WatchlistEntry
from app.services.clock import utcnow
from tests.integration.forms import post_form
from tests.integration.gate_helpers import GateClient, gate_id, make_pass, verdict


class OfflineGate(GateClient):
    """The phone's outbox: actions posted with their key, their times, and the outbox's header."""

    async def send(self, path: str, fields: dict, *, mode: str = "replay", taken=None, sent=None):
        taken = taken or utcnow()
        data = {"idem_key": uuid.uuid4().hex, "device_time": taken.isoformat(),
                "sent_at": (sent or utcnow()).isoformat(), **fields}
        async with self._fetching:
            if not self._token or "gp_csrf" not in self.client.cookies:
                self._token = await self.csrf()
        headers = {"hx-request": "true", "x-csrftoken": self._token, "x-gatepost-outbox": mode}
        return await self.client.post(f"/e/{self.estate.slug}{path}", data=data, headers=headers,
                                      follow_redirects=False)

    async def admit_offline(self, token: str, **kw):
        return await self.send("/gate/admit", {"token": token, "gate": await gate_id(self.estate), "offline": "valid"},
                               **kw)

    async def exit_offline(self, token: str, **kw):
        return await self.send("/gate/exit", {"token": token, "gate": await gate_id(self.estate),
                                              "offline": "already_inside"}, **kw)


@pytest.fixture
async def at_gate(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    guard = await estate.person("Li Qiang", Role.GATE_GUARD)
    supervisor = await estate.person("Zhao Lei", Role.SUPERVISOR)
    await estate.person("Wang Fang", Role.RESIDENT, unit="1-1-0101")
    await sign_in_en(guard)
    gate = OfflineGate(client, csrf, estate)
    gate.guard, gate.supervisor = guard, supervisor
    return gate


async def reviews_of(estate) -> list[dict]:
    return await ReviewItem.select().where(ReviewItem.estate == estate.id).output(load_json=True)


async def told_supervisor(gate) -> int:
    return await Notification.count().where(
        (Notification.person == gate.supervisor) & (Notification.kind == Kind.ACTION_REVIEW.value))


# Conflicts ------------------------------------------------------------------------------------


async def test_a_pass_revoked_after_the_phone_lost_signal_is_still_recorded_and_flagged(at_gate):
    row, token = await make_pass(at_gate.estate, name="Zhang Wei")
    await VisitorPass.update({VisitorPass.revoked_at: utcnow()}).where(VisitorPass.id == row.id)
    response = await at_gate.admit_offline(token, taken=utcnow() - timedelta(minutes=20))
    assert verdict(response) == "admitted"
    assert response.headers["x-gatepost-outcome"] == "accepted"
    assert response.headers["x-gatepost-reason"] == "admitted_after_revocation"
    visits = await Visit.select().where(Visit.visitor_pass == row.id)
    assert len(visits) == 1
    assert abs(visits[0]["entered_at"] - (utcnow() - timedelta(minutes=20))) < timedelta(seconds=30)
    [item] = await reviews_of(at_gate.estate)
    assert item["kind"] == "admitted_after_revocation"
    assert item["detail"]["guest"] == "Zhang Wei" and item["detail"]["phone_verdict"] == "valid"
    assert await told_supervisor(at_gate) == 1


async def test_one_pass_admitted_at_two_gates_keeps_both_entries_and_flags_the_second(at_gate, client, csrf,
                                                                                       sign_in_en):
    row, token = await make_pass(at_gate.estate, max_entries=1)
    other = await at_gate.estate.person("Sun Tao", Role.GATE_GUARD)
    await sign_in_en(other)
    assert verdict(await GateClient(client, csrf, at_gate.estate).admit(token)) == "admitted"  # online, meanwhile
    await sign_in_en(at_gate.guard)
    at_gate._token = ""
    response = await at_gate.admit_offline(token, taken=utcnow() - timedelta(minutes=3))
    assert response.headers["x-gatepost-reason"] == "double_admission"
    assert [v["entry_number"] for v in await Visit.select().where(Visit.visitor_pass == row.id).order_by(
        Visit.entry_number)] == [1, 2]
    assert [i["kind"] for i in await reviews_of(at_gate.estate)] == ["double_admission"]


async def test_an_admission_is_judged_at_the_moment_it_happened_not_when_it_arrived(at_gate):
    # Valid until a minute ago; admitted with no signal ten minutes ago, sent now.
    row, token = await make_pass(at_gate.estate, ends=utcnow() - timedelta(minutes=1))
    response = await at_gate.admit_offline(token, taken=utcnow() - timedelta(minutes=10))
    assert verdict(response) == "admitted"
    assert response.headers["x-gatepost-reason"] == "admitted"
    assert await reviews_of(at_gate.estate) == []


async def test_the_same_admission_sent_twice_lands_once(at_gate):
    row, token = await make_pass(at_gate.estate)
    fields = {"token": token, "gate": await gate_id(at_gate.estate), "offline": "valid", "idem_key": "k-1"}
    first = await at_gate.send("/gate/admit", fields)
    again = await at_gate.send("/gate/admit", fields)
    assert verdict(first) == verdict(again) == "admitted"
    assert await Visit.count().where(Visit.visitor_pass == row.id) == 1


async def test_an_exit_for_a_visitor_never_admitted_is_kept_for_review(at_gate):
    row, token = await make_pass(at_gate.estate, name="Liu Yang")
    response = await at_gate.exit_offline(token)
    assert verdict(response) == "not_inside"
    assert response.headers["x-gatepost-outcome"] == "accepted"
    [item] = await reviews_of(at_gate.estate)
    assert item["kind"] == "exit_without_entry" and item["detail"]["guest"] == "Liu Yang"


async def test_two_guards_recording_the_same_exit_is_no_conflict(at_gate):
    row, token = await make_pass(at_gate.estate)
    assert verdict(await at_gate.admit(token)) == "admitted"
    assert verdict(await at_gate.exit(token)) == "exited"  # online
    response = await at_gate.exit_offline(token, taken=utcnow() - timedelta(minutes=1))
    assert verdict(response) == "not_inside"
    assert await reviews_of(at_gate.estate) == []


async def test_an_online_admission_that_loses_a_race_is_refused_not_flagged(at_gate):
    row, token = await make_pass(at_gate.estate)
    assert verdict(await at_gate.admit(token)) == "admitted"
    response = await at_gate.send("/gate/admit", {"token": token, "gate": await gate_id(at_gate.estate)}, mode="live")
    assert verdict(response) == "already_inside"
    assert response.headers["x-gatepost-outcome"] == "refused"
    assert await reviews_of(at_gate.estate) == []  # the guard saw it on the spot


# Refusals and keys ----------------------------------------------------------------------------


async def test_a_kept_action_the_server_refuses_is_recorded_for_the_supervisor(at_gate):
    response = await at_gate.send("/gate/admit", {"token": "NOT-A-PASS", "gate": await gate_id(at_gate.estate),
                                                  "offline": "valid"})
    assert verdict(response) == "unknown"
    assert response.headers["x-gatepost-outcome"] == "refused"
    [item] = await reviews_of(at_gate.estate)
    assert item["kind"] == "refused" and item["action"] == "gate_admit" and item["detail"]["reason"] == "unknown"
    assert await told_supervisor(at_gate) == 1


async def test_a_kept_registration_with_bad_input_is_refused_and_recorded(at_gate):
    response = await at_gate.send("/walkins", {"kind": "walk_in", "name": "", "unit": "1-1-0101"})
    assert response.status_code == 422
    [item] = await reviews_of(at_gate.estate)
    assert item["kind"] == "refused" and item["action"] == "walkin_create" and item["detail"]["status"] == 422


async def test_a_refusal_answered_live_is_not_recorded(at_gate):
    response = await at_gate.send("/walkins", {"kind": "walk_in", "name": "", "unit": "1-1-0101"}, mode="live")
    assert response.status_code == 422
    assert await reviews_of(at_gate.estate) == []


async def test_a_key_sent_with_another_request_is_refused_and_admits_nobody(at_gate):
    a, token_a = await make_pass(at_gate.estate, name="Guest A")
    b, token_b = await make_pass(at_gate.estate, name="Guest B")
    gate = await gate_id(at_gate.estate)
    assert verdict(await at_gate.send("/gate/admit", {"token": token_a, "gate": gate, "idem_key": "k-same"})) == "admitted"
    response = await at_gate.send("/gate/admit", {"token": token_b, "gate": gate, "idem_key": "k-same"})
    assert response.status_code == 422
    assert "already used for another action" in response.text
    assert await Visit.count().where(Visit.visitor_pass == b.id) == 0
    exit_response = await at_gate.send("/gate/exit", {"token": token_a, "gate": gate, "idem_key": "k-same"})
    assert exit_response.status_code == 422
    assert await Visit.count().where((Visit.visitor_pass == a.id) & Visit.exited_at.is_null()) == 1


async def test_a_redirecting_action_tells_the_outbox_where_it_leads(at_gate):
    row, token = await make_pass(at_gate.estate)
    assert verdict(await at_gate.admit(token)) == "admitted"
    visit = await Visit.select(Visit.id).where(Visit.visitor_pass == row.id).first()
    response = await at_gate.send(f"/visits/{visit['id']}/exit", {}, mode="live")
    assert response.status_code == 200
    assert response.headers["x-gatepost-outcome"] == "accepted"
    assert unquote(response.headers["x-gatepost-location"]).endswith("/onsite?done=exited")


# Phone clocks ---------------------------------------------------------------------------------


async def test_a_phone_clock_an_hour_behind_is_corrected_and_shown_to_the_supervisor(at_gate, client, sign_in_en):
    row, token = await make_pass(at_gate.estate)
    behind = timedelta(hours=-1)
    response = await at_gate.send("/gate/admit", {"token": token, "gate": await gate_id(at_gate.estate)},
                                  mode="live", taken=utcnow() + behind, sent=utcnow() + behind)
    assert verdict(response) == "admitted"
    kept = await GuardAction.select(GuardAction.clock_offset).where(GuardAction.person == at_gate.guard).first()
    assert -3610 < kept["clock_offset"] < -3590
    await sign_in_en(at_gate.supervisor)
    page = await client.get(f"/e/{at_gate.estate.slug}/reviews")
    assert page.status_code == 200
    assert "Li Qiang" in page.text and "60 min behind" in page.text


# The review page ------------------------------------------------------------------------------


async def test_a_supervisor_marks_an_item_reviewed_once(at_gate, client, csrf, sign_in_en):
    row, token = await make_pass(at_gate.estate)
    await at_gate.exit_offline(token)
    [item] = await reviews_of(at_gate.estate)
    await sign_in_en(at_gate.supervisor)
    page = await client.get(f"/e/{at_gate.estate.slug}/reviews")
    assert "never admitted" in page.text
    token_csrf = await csrf()
    path = f"/e/{at_gate.estate.slug}/reviews/{item['id']}/resolve"
    first = await client.post(path, data={"note": "Guest left by the side gate", "_csrf_token": token_csrf})
    again = await client.post(path, data={"note": "again", "_csrf_token": token_csrf})
    assert "done=resolved" in first.headers["location"] and "done=already_resolved" in again.headers["location"]
    [kept] = await reviews_of(at_gate.estate)
    assert kept["resolution_note"] == "Guest left by the side gate" and kept["resolved_by"] == at_gate.supervisor
    assert "Nothing to check" in (await client.get(f"/e/{at_gate.estate.slug}/reviews")).text


async def test_a_gate_guard_cannot_open_the_review_page(at_gate, client):
    assert (await client.get(f"/e/{at_gate.estate.slug}/reviews")).status_code == 403


# The gate manifest ----------------------------------------------------------------------------


async def test_the_manifest_lists_today_and_tomorrow_with_revocations_and_keyed_watchlist(at_gate, client):
    now = utcnow()
    zone = ZoneInfo(at_gate.estate.estate.timezone)
    tomorrow_noon = datetime.combine(now.astimezone(zone).date() + timedelta(days=1), time(12), tzinfo=zone)
    today, _ = await make_pass(at_gate.estate, name="Today Guest", phone="13912345678")
    tomorrow, _ = await make_pass(at_gate.estate, name="Tomorrow Guest", starts=tomorrow_noon,
                                  ends=tomorrow_noon + timedelta(hours=2))
    later, _ = await make_pass(at_gate.estate, name="Next Week", starts=now + timedelta(days=6),
                               ends=now + timedelta(days=6, hours=2))
    old, _ = await make_pass(at_gate.estate, name="Last Week", starts=now - timedelta(days=7),
                             ends=now - timedelta(days=6))
    revoked, _ = await make_pass(at_gate.estate, name="Revoked Guest")
    await VisitorPass.update({VisitorPass.revoked_at: now}).where(VisitorPass.id == revoked.id)
    await WatchlistEntry(estate=at_gate.estate.id, name="Today Guest", name_key=norm_name("Today Guest"),
                         reason="x").save()
    response = await client.get(f"/e/{at_gate.estate.slug}/gate/manifest")
    assert response.status_code == 200
    manifest = response.json()
    by_name = {p["guest"]: p for p in manifest["passes"]}
    assert set(by_name) == {"Today Guest", "Tomorrow Guest", "Revoked Guest"}
    assert by_name["Revoked Guest"]["revoked"] is True
    assert set(by_name["Today Guest"]["watch"]) & set(manifest["watchlist"])
    assert not set(by_name["Tomorrow Guest"]["watch"]) & set(manifest["watchlist"])
    assert "13912345678" not in response.text and "Today Guest" not in json.dumps(manifest["watchlist"])
    assert manifest["max_age_seconds"] == 12 * 3600 and len(manifest["public_key"]) == 64
    again = await client.get(f"/e/{at_gate.estate.slug}/gate/manifest",
                             headers={"if-none-match": response.headers["etag"]})
    assert again.status_code == 304


async def test_the_manifest_changes_its_tag_when_a_pass_is_used(at_gate, client):
    row, token = await make_pass(at_gate.estate)
    first = await client.get(f"/e/{at_gate.estate.slug}/gate/manifest")
    assert verdict(await at_gate.admit(token)) == "admitted"
    second = await client.get(f"/e/{at_gate.estate.slug}/gate/manifest", headers={"if-none-match": first.headers["etag"]})
    assert second.status_code == 200
    assert second.json()["passes"][0]["inside"] is True


async def test_residents_and_other_estates_get_no_manifest(at_gate, client, sign_in_en, make_estate):
    resident = await at_gate.estate.person("Chen Jing", Role.RESIDENT, unit="1-1-0102")
    await sign_in_en(resident)
    assert (await client.get(f"/e/{at_gate.estate.slug}/gate/manifest")).status_code == 403
    other = await make_estate()
    await sign_in_en(await other.person("Outsider", Role.GATE_GUARD))
    assert (await client.get(f"/e/{at_gate.estate.slug}/gate/manifest")).status_code == 404


async def test_the_admin_sets_how_old_the_offline_list_may_grow(at_gate, client, csrf, sign_in, sign_in_en):
    estate = at_gate.estate
    admin = await estate.person("Zhou Min", Role.ADMIN)
    await sign_in_en(admin)
    base = {"name": "Harbour", "timezone": "Asia/Shanghai", "visitor_rules": ""}
    for wrong in ("0", "49", "twelve", "1.5"):
        bad = await post_form(client, csrf, f"/e/{estate.slug}/admin", {**base, "offline_max_age": wrong})
        assert bad.status_code == 422 and "Enter a whole number of hours from 1 to 48." in bad.text, wrong
    await sign_in(admin)  # in Chinese, the language the estate's staff read by default
    bad = await post_form(client, csrf, f"/e/{estate.slug}/admin", {**base, "offline_max_age": "100"})
    assert bad.status_code == 422 and "请输入 1 到 48 之间的整数小时数。" in bad.text
    assert (await Estate.select(Estate.offline_max_age_hours).where(Estate.id == estate.id).first()) == \
        {"offline_max_age_hours": 12}

    good = await post_form(client, csrf, f"/e/{estate.slug}/admin", {**base, "offline_max_age": " 24 "})
    assert good.status_code == 303
    page = await client.get(f"/e/{estate.slug}/admin")
    assert 'name="offline_max_age" type="number" value="24"' in page.text
    # Left empty (an older form): unchanged.
    assert (await post_form(client, csrf, f"/e/{estate.slug}/admin", base)).status_code == 303

    await sign_in_en(at_gate.guard)
    manifest = (await client.get(f"/e/{estate.slug}/gate/manifest")).json()
    assert manifest["max_age_seconds"] == 24 * 3600
    refused = await post_form(client, csrf, f"/e/{estate.slug}/admin", {**base, "offline_max_age": "48"})
    assert refused.status_code == 403
    assert (await Estate.select(Estate.offline_max_age_hours).where(Estate.id == estate.id).first()) == \
        {"offline_max_age_hours": 24}


# Who the outbox sends as ----------------------------------------------------------------------


async def test_the_outbox_learns_who_is_signed_in_and_a_csrf_token(at_gate, client):
    answer = (await client.get("/outbox/session")).json()
    assert answer["person"] == str(at_gate.guard) and answer["name"] == "Li Qiang" and answer["csrf"]
    client.cookies.delete("gp_session")
    assert (await client.get("/outbox/session")).json()["person"] is None
