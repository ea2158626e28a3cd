"""Residents' requests and lost and found at the front desk: a resident's repair request from
the phone to done and followed up (from the notification, in the app, or on the desk's call),
the desk's queue and moves, overdue follow-ups and the handover's two sources, lost reports
matched to found items and returned, disposal after the estate's period; a resident sees only
their household's, staff only their estate's. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from app.domain.notifications import Kind as Note
from app.domain.roles import Relation, Role
from app.models.audit import AuditEvent
from app.models.desk_requests import LostFoundRecord, RequestPhoto, ResidentRequest
from app.models.notifications import Notification
from app.models.uploads import Upload
from app.services import lost_found, notifications, resident_requests as requests
from app.services.clock import utcnow
from app.services.errors import Forbidden, Invalid, NotFound
from app.services.handover_sources import estate_ref
from app.services.lost_found import NewRecord
from app.services.resident_requests import NewRequest
from tests.integration.forms import post_form
from tests.integration.release_helpers import jpeg
from tests.integration.test_walkins import scope_of


class Cast:
    """Wang Fang and Wang Xiaoming at 1-1-0101, Guo Bo at 2-1-0101; Chen Jing at the desk, Wu Lei
    supervising, Li Qiang at the gate; another estate with its own desk."""

    async def setup(self, estate, other):
        p = estate.person
        self.estate = estate
        self.fang = await p("Wang Fang", Role.RESIDENT, unit="1-1-0101", relation=Relation.OWNER)
        self.ming = await p("Wang Xiaoming", Role.RESIDENT, unit="1-1-0101", relation=Relation.FAMILY)
        self.guo = await p("Guo Bo", Role.RESIDENT, unit="2-1-0101", relation=Relation.OWNER)
        self.chen = await p("Chen Jing", Role.FRONT_DESK)
        self.wu = await p("Wu Lei", Role.SUPERVISOR)
        self.li = await p("Li Qiang", Role.GATE_GUARD)
        self.far_desk = await other.person("Ma Lin", Role.FRONT_DESK)
        names = {"fang": "Wang Fang", "ming": "Wang Xiaoming", "guo": "Guo Bo", "chen": "Chen Jing",
                 "wu": "Wu Lei", "li": "Li Qiang"}
        self.s = {k: await scope_of(estate, getattr(self, k), n) for k, n in names.items()}
        self.s["far_desk"] = await scope_of(other, self.far_desk, "Ma Lin")
        return self


@pytest.fixture
async def cast(make_estate):
    return await Cast().setup(await make_estate("Harbour"), await make_estate("Elsewhere"))


async def row(request_id) -> dict:
    return await ResidentRequest.select().where(ResidentRequest.id == request_id).first()


async def leak_repair(cast, **changes) -> object:
    form = NewRequest(kind="repair", text="Kitchen tap leaks under the sink", **changes)
    return await requests.raise_request(cast.s["fang"], form)


async def done(cast, request_id) -> None:
    await requests.assign(cast.s["chen"], request_id, "maintenance", str(cast.li))
    await requests.start(cast.s["chen"], request_id)
    await requests.complete(cast.s["chen"], request_id, "Washer replaced")


# Requests ----------------------------------------------------------------------------------


async def test_a_residents_repair_request_reaches_the_desk_with_the_unit_filled_in_and_its_photos(cast):
    request_id = await leak_repair(cast, photos=[jpeg(exif_gps=True), jpeg()])
    found = await row(request_id)
    assert (found["state"], found["kind"], found["channel"]) == ("new", "repair", "app")
    assert found["unit"] == cast.estate.units["1-1-0101"].id and found["raised_by"] == cast.fang
    photos = await RequestPhoto.select(RequestPhoto.upload).where(RequestPhoto.request == request_id)
    assert len(photos) == 2
    kept = await requests.photo(cast.s["chen"], request_id, photos[0]["upload"])
    assert kept.startswith(b"\xff\xd8") and b"PhoneMaker" not in kept  # re-encoded, metadata gone
    told = await Notification.select().where((Notification.subject == str(request_id))
                                             & (Notification.kind == Note.REQUEST_NEW.value))
    assert [n["person"] for n in told] == [cast.chen]
    queue = await requests.queue(cast.s["chen"])
    assert [r["id"] for r in queue.columns["new"]] == [request_id]


async def test_a_request_without_text_or_kind_is_refused_and_nothing_is_written(cast):
    with pytest.raises(Invalid) as refused:
        await requests.raise_request(cast.s["fang"], NewRequest(kind="", text=" ", photos=[jpeg()]))
    assert set(refused.value.errors) == {"kind", "text"}
    assert await ResidentRequest.count().where(ResidentRequest.estate == cast.estate.id) == 0
    assert await Upload.count().where(Upload.estate == cast.estate.id) == 0


async def test_a_file_that_is_not_a_photo_is_refused(cast):
    with pytest.raises(Invalid) as refused:
        await leak_repair(cast, photos=[b"%PDF-1.4 not a photo"])
    assert "photos" in refused.value.errors
    assert await ResidentRequest.count().where(ResidentRequest.estate == cast.estate.id) == 0


async def test_the_desk_records_a_complaint_about_the_visitor_process_for_a_resident_at_the_counter(cast):
    form = NewRequest(kind="visitor_complaint", text="My guest waited 20 minutes at the gate", unit="1-1-0101",
                      resident_name="Wang Fang", channel="phone")
    request_id = await requests.raise_request(cast.s["chen"], form, at_desk=True)
    found = await row(request_id)
    assert (found["channel"], found["raised_by"], found["recorded_by"]) == ("phone", cast.fang, cast.chen)
    assert request_id in {r["id"] for r in await requests.household_list(cast.s["ming"])}


async def test_the_desk_must_name_a_unit_of_the_estate(cast):
    with pytest.raises(Invalid) as refused:
        await requests.raise_request(cast.s["chen"], NewRequest(kind="enquiry", text="Parking?", unit="9-9-9999"),
                                     at_desk=True)
    assert list(refused.value.errors) == ["unit"]


async def test_a_resident_sees_only_their_households_requests(cast):
    request_id = await leak_repair(cast)
    assert [r["id"] for r in await requests.household_list(cast.s["ming"])] == [request_id]
    assert await requests.household_list(cast.s["guo"]) == []
    with pytest.raises(NotFound):
        await requests.visible(cast.s["guo"], request_id)


async def test_staff_see_only_their_estates_requests(cast):
    request_id = await leak_repair(cast)
    with pytest.raises(NotFound):
        await requests.visible(cast.s["far_desk"], request_id)
    with pytest.raises(NotFound):
        await requests.assign(cast.s["far_desk"], request_id, "cleaning")
    assert (await row(request_id))["state"] == "new"


async def test_a_resident_cannot_move_a_request(cast):
    request_id = await leak_repair(cast)
    with pytest.raises(Forbidden):
        await requests.complete(cast.s["fang"], request_id, "Fixed it myself")
    assert (await row(request_id))["state"] == "new"


async def test_assigned_started_and_done_the_resident_is_asked_whether_it_is_resolved(cast):
    request_id = await leak_repair(cast)
    await requests.assign(cast.s["chen"], request_id, "maintenance", str(cast.li))
    handed = await Notification.select().where((Notification.subject == str(request_id))
                                               & (Notification.kind == Note.REQUEST_ASSIGNED.value))
    assert [n["person"] for n in handed] == [cast.li]
    await requests.start(cast.s["chen"], request_id)
    assert (await row(request_id))["state"] == "in_progress"
    await requests.complete(cast.s["chen"], request_id, "Washer replaced")
    found = await row(request_id)
    assert (found["state"], found["work_note"], found["done_by"]) == ("done", "Washer replaced", cast.chen)
    asked = await Notification.select().where((Notification.subject == str(request_id))
                                              & (Notification.kind == Note.REQUEST_DONE.value))
    assert [n["person"] for n in asked] == [cast.fang]
    actions = await AuditEvent.select(AuditEvent.action).where(AuditEvent.subject == str(request_id))
    assert [a["action"] for a in actions] == ["request.raised", "request.assigned", "request.started", "request.done"]


async def test_a_move_the_rules_do_not_allow_changes_nothing(cast):
    request_id = await leak_repair(cast)
    assert (await requests.start(cast.s["chen"], request_id))["moved"] is False
    assert (await row(request_id))["state"] == "new"


async def test_done_needs_what_was_done(cast):
    request_id = await leak_repair(cast)
    with pytest.raises(Invalid):
        await requests.complete(cast.s["chen"], request_id, "  ")
    assert (await row(request_id))["state"] == "new"


async def test_the_resident_follows_up_in_one_tap_from_the_notification(cast):
    request_id = await leak_repair(cast)
    await done(cast, request_id)
    note = await Notification.select().where((Notification.subject == str(request_id))
                                             & (Notification.kind == Note.REQUEST_DONE.value)).first()
    listed = {i.id: i for i in await notifications.list_for(cast.s["fang"].viewer, "en")}[note["id"]]
    assert [a["action"] for a in listed.actions] == ["satisfied", "not_resolved"]
    await notifications.act(cast.s["fang"].viewer, note["id"], "satisfied", csrf_checked=True)
    found = await row(request_id)
    assert (found["state"], found["resolved"], found["satisfaction"], found["follow_up_channel"]) == \
        ("followed_up", True, "satisfied", "notification")
    again = {i.id: i for i in await notifications.list_for(cast.s["fang"].viewer, "en")}[note["id"]]
    assert again.actions == [] and "Wang Fang" in again.outcome


async def test_the_desk_records_the_follow_up_after_a_call_and_a_second_answer_changes_nothing(cast):
    request_id = await leak_repair(cast)
    await done(cast, request_id)
    first = await requests.follow_up(cast.s["chen"], request_id, resolved="no", satisfaction="dissatisfied",
                                     channel="call", note="Still drips at night")
    second = await requests.follow_up(cast.s["fang"], request_id, resolved="yes", satisfaction="satisfied",
                                      channel="app")
    assert (first["moved"], second["moved"]) == (True, False)
    found = await row(request_id)
    assert (found["resolved"], found["satisfaction"], found["followed_up_by"]) == (False, "dissatisfied", cast.chen)


async def test_answers_at_once_from_the_app_and_the_notification_follow_up_once(cast):
    request_id = await leak_repair(cast)
    await done(cast, request_id)
    results = await asyncio.gather(*[
        requests.follow_up(cast.s[who], request_id, resolved="yes", satisfaction="satisfied", channel="app")
        for who in ("fang", "ming", "fang", "ming")])
    assert sum(r["moved"] for r in results) == 1
    followed = await AuditEvent.count().where((AuditEvent.subject == str(request_id))
                                              & (AuditEvent.action == "request.followed_up"))
    assert followed == 1


async def test_a_neighbour_cannot_answer_another_households_follow_up(cast):
    request_id = await leak_repair(cast)
    await done(cast, request_id)
    with pytest.raises(NotFound):
        await requests.follow_up(cast.s["guo"], request_id, resolved="yes", satisfaction="satisfied", channel="app")
    assert (await row(request_id))["state"] == "done"


async def test_a_request_not_followed_up_within_three_days_is_overdue_on_the_desks_list_and_for_the_handover(cast):
    request_id = await leak_repair(cast)
    await done(cast, request_id)
    assert (await requests.queue(cast.s["chen"])).overdue == []
    assert await requests.due_for_follow_up(await estate_ref(cast.estate.id), utcnow()) == []
    await ResidentRequest.update({ResidentRequest.done_at: utcnow() - timedelta(days=3, minutes=1)}).where(
        ResidentRequest.id == request_id)
    assert [r["id"] for r in (await requests.queue(cast.s["chen"])).overdue] == [request_id]
    items = await requests.due_for_follow_up(await estate_ref(cast.estate.id), utcnow())
    assert [(i["kind"], i["href"]) for i in items] == [
        ("request_follow_up", f"/e/{cast.estate.slug}/requests/{request_id}")]
    assert set(items[0]) >= {"kind", "title", "detail", "href"}
    assert await requests.due_for_follow_up(await estate_ref(cast.s["far_desk"].estate_id), utcnow()) == []


# Routes --------------------------------------------------------------------------------------


async def test_the_phone_form_sends_a_request_with_a_photo(cast, client, csrf, sign_in_en):
    await sign_in_en(cast.fang)
    page = await client.get(f"/e/{cast.estate.slug}/requests/new")
    assert page.status_code == 200 and "Send to the front desk" in page.text
    answer = await post_form(client, csrf, f"/e/{cast.estate.slug}/requests", {"kind": "repair", "text": "Lift light"},
                             files={"photos": ("p.jpg", jpeg(), "image/jpeg")})
    assert answer.status_code == 303, answer.text
    detail = await client.get(answer.headers["location"])
    assert "Lift light" in detail.text and 'data-request-state="new"' in detail.text


async def test_the_phone_form_comes_back_filled_in_with_the_reason(cast, client, csrf, sign_in_en):
    await sign_in_en(cast.fang)
    answer = await post_form(client, csrf, f"/e/{cast.estate.slug}/requests", {"kind": "", "text": "Noise at night"},
                             files={"photos": ("p.jpg", b"", "image/jpeg")})
    assert answer.status_code == 422
    assert "Choose what it is." in answer.text and "Noise at night" in answer.text


async def test_the_desks_queue_and_detail_render_and_another_household_gets_404(cast, client, sign_in_en):
    request_id = await leak_repair(cast, photos=[jpeg()])
    await done(cast, request_id)
    await sign_in_en(cast.chen)
    queue = await client.get(f"/e/{cast.estate.slug}/desk/requests")
    assert queue.status_code == 200 and "Kitchen tap leaks" in queue.text
    detail = await client.get(f"/e/{cast.estate.slug}/requests/{request_id}")
    assert "Record the follow-up call" in detail.text
    await sign_in_en(cast.guo)
    assert (await client.get(f"/e/{cast.estate.slug}/requests/{request_id}")).status_code == 404


# Lost and found ------------------------------------------------------------------------------


def when(hours_ago: float = 2) -> str:
    from zoneinfo import ZoneInfo
    return (utcnow() - timedelta(hours=hours_ago)).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M")


async def lost_keys(cast) -> object:
    return await lost_found.record(cast.s["fang"], NewRecord(side="lost", category="keys", description="Red key ring",
                                                             place="Building 1 lobby", when=when(3)))


async def found_keys(cast, **changes) -> object:
    fields = dict(side="found", category="keys", description="Keys on a red ring", place="Building 1 lobby",
                  when=when(1), found_by="Cleaner Xu", kept_at="Lobby cabinet", photo=jpeg())
    return await lost_found.record(cast.s["chen"], NewRecord(**{**fields, **changes}))


async def record(record_id) -> dict:
    return await LostFoundRecord.select().where(LostFoundRecord.id == record_id).first()


async def test_a_lost_report_is_matched_to_a_found_item_the_owner_told_and_the_return_recorded(cast):
    lost_id, found_id = await lost_keys(cast), await found_keys(cast)
    await found_keys(cast, category="wallet", description="Black wallet")
    shown = await lost_found.detail(cast.s["chen"], found_id)
    assert [s["id"] for s in shown["suggestions"]] == [lost_id]
    assert (await lost_found.confirm_match(cast.s["chen"], found_id, lost_id))["moved"]
    assert ((await record(lost_id))["state"], (await record(found_id))["state"]) == ("matched", "matched")
    told = await Notification.select().where(
        (Notification.kind == Note.LOST_ITEM_FOUND.value) & (Notification.estate == cast.estate.id))
    assert [(n["person"], n["subject"]) for n in told] == [(cast.fang, str(lost_id))]
    with pytest.raises(Invalid):
        await lost_found.record_return(cast.s["chen"], found_id, "Wang Fang", "")
    assert (await lost_found.record_return(cast.s["chen"], found_id, "Wang Fang", "Resident card"))["moved"]
    assert ((await record(lost_id))["state"], (await record(found_id))["state"]) == ("returned", "returned")
    assert (await record(found_id))["proof_shown"] == "Resident card"
    waiting = await lost_found.not_returned(await estate_ref(cast.estate.id), utcnow())
    assert [(i["kind"], i["title"]) for i in waiting] == [("found_not_returned", "Black wallet")]


async def test_a_loss_recorded_at_the_desk_for_a_unit_tells_its_household_when_matched(cast):
    lost_id = await lost_found.record(cast.s["chen"], NewRecord(side="lost", category="keys", unit="1-1-0101",
                                                                description="Red key ring", place="Building 1 lobby",
                                                                when=when(3)))
    found_id = await found_keys(cast)
    await lost_found.confirm_match(cast.s["chen"], lost_id, found_id)
    told = await Notification.select(Notification.person).where(
        (Notification.kind == Note.LOST_ITEM_FOUND.value) & (Notification.estate == cast.estate.id))
    assert sorted(n["person"] for n in told) == sorted([cast.fang, cast.ming])


async def test_two_desks_confirming_matches_at_once_match_one_pair(cast):
    lost_id, found_a, found_b = await lost_keys(cast), await found_keys(cast), await found_keys(cast)
    results = await asyncio.gather(lost_found.confirm_match(cast.s["chen"], found_a, lost_id),
                                   lost_found.confirm_match(cast.s["chen"], found_b, lost_id))
    assert sorted(r["moved"] for r in results) == [False, True]
    states = sorted([(await record(found_a))["state"], (await record(found_b))["state"]])
    assert states == ["matched", "open"]


async def test_a_visitors_lost_report_at_the_desk_needs_a_contact(cast):
    with pytest.raises(Invalid) as refused:
        await lost_found.record(cast.s["chen"], NewRecord(side="lost", category="bag", description="Blue bag",
                                                          place="Gate", when=when()))
    assert list(refused.value.errors) == ["contact"]


async def test_a_resident_sees_only_their_households_lost_reports_and_never_the_desks_found_items(cast):
    lost_id, found_id = await lost_keys(cast), await found_keys(cast)
    assert [r["id"] for r in await lost_found.household_reports(cast.s["ming"])] == [lost_id]
    assert await lost_found.household_reports(cast.s["guo"]) == []
    for who, record_id in (("guo", lost_id), ("fang", found_id), ("far_desk", lost_id), ("far_desk", found_id)):
        with pytest.raises(NotFound):
            await lost_found.visible(cast.s[who], record_id)
    reported = await lost_found.record(cast.s["fang"], NewRecord(side="found", category="keys", description="x",
                                                                 place="y", when=when()))
    assert (await record(reported))["side"] == "lost"  # a resident reports losses; the desk records finds


async def test_a_found_item_unclaimed_after_the_estates_period_is_listed_for_disposal_with_the_decision(cast):
    found_id = await found_keys(cast)
    assert (await lost_found.dispose(cast.s["chen"], found_id, "donated"))["moved"] is False
    await LostFoundRecord.update({LostFoundRecord.happened_at: utcnow() - timedelta(days=31)}).where(
        LostFoundRecord.id == found_id)
    assert (await lost_found.board(cast.s["chen"])).due == []
    assert await lost_found.set_unclaimed_days(cast.s["wu"], "30") == 30
    assert [r["id"] for r in (await lost_found.board(cast.s["chen"])).due] == [found_id]
    assert (await lost_found.dispose(cast.s["chen"], found_id, "police", "Station on Harbour Rd"))["moved"]
    assert ((await record(found_id))["state"], (await record(found_id))["disposal"]) == ("disposed", "police")
    assert await lost_found.not_returned(await estate_ref(cast.estate.id), utcnow()) == []


async def test_the_unclaimed_period_is_set_by_a_supervisor_within_bounds(cast):
    with pytest.raises(Forbidden):
        await lost_found.set_unclaimed_days(cast.s["chen"], "30")
    with pytest.raises(Invalid):
        await lost_found.set_unclaimed_days(cast.s["wu"], "2")
    assert await lost_found.unclaimed_days(cast.estate.id) == 90


async def test_the_board_the_form_and_a_found_items_page_render_for_the_desk(cast, client, csrf, sign_in_en):
    lost_id = await lost_keys(cast)
    await sign_in_en(cast.chen)
    answer = await post_form(client, csrf, f"/e/{cast.estate.slug}/lost-found", {
        "side": "found", "category": "keys", "description": "Keys, red ring", "place": "Building 1 lobby",
        "when": when(1), "found_by": "Xu", "kept_at": "Cabinet"}, files={"photo": ("k.jpg", jpeg(), "image/jpeg")})
    assert answer.status_code == 303, answer.text
    detail = await client.get(answer.headers["location"])
    assert "Likely matches" in detail.text and str(lost_id) in detail.text
    board = await client.get(f"/e/{cast.estate.slug}/lost-found")
    assert board.status_code == 200 and "Keys, red ring" in board.text
    photo = await client.get(answer.headers["location"].split("?")[0] + "/photo")
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"


# Live screens --------------------------------------------------------------------------------


async def test_the_desks_queue_and_the_household_hear_of_a_new_request_and_a_neighbour_hears_nothing(app, cast):
    from app.services import sessions
    from tests.integration.streams import holding

    async def cookies(person_id) -> dict[str, str]:
        return {"gp_session": await sessions.start(person_id, "pytest"), "gp_lang": "en"}

    live_path = f"/e/{cast.estate.slug}/live"
    async with holding(app, live_path, await cookies(cast.chen)) as desk, \
            holding(app, live_path, await cookies(cast.ming)) as ming, \
            holding(app, live_path, await cookies(cast.guo)) as guo:
        for stream in (desk, ming, guo):
            assert await stream.next_event() == "ready"
        await leak_repair(cast)
        assert sorted(await desk.events_within(1.0)) == ["handover", "notifications", "requests"]  # its handover too
        assert await ming.events_within(1.0) == ["requests"]
        assert await guo.events_within(1.0) == []
