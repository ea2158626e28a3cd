"""Goods release slips: requesters submit, owners consent (the first answer decides), the
front desk checks identity, fees and items, the supervisor approves, and the gate releases or
holds, each once. Services and routes against the real database, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import timedelta
from io import BytesIO

import pytest

from app.domain.notifications import Kind as Note
from app.domain.roles import Role
from app.models.audit import AuditEvent
from app.models.estates import Unit
from app.models.notifications import Notification
from app.models.releases import ReleaseSlip
from app.services import (notifications, release_answers, release_desk, release_gate, release_records,
                          release_slips, release_views, uploads)
from app.services.clock import utcnow
from app.services.errors import Forbidden, Invalid, NotFound
from app.services.release_answers import DeskCheck
from app.services.release_slips import ItemRow
from tests.integration.forms import post_form
from tests.integration.release_helpers import ReleaseCast, jpeg, window_now, working_day_ahead

CHECKED = DeskCheck(identity_seen="resident_id", items_confirmed=True)


@pytest.fixture
async def cast(make_estate):
    return await ReleaseCast().setup(await make_estate("Harbour"))


async def slip(slip_id) -> ReleaseSlip:
    return await ReleaseSlip.objects().where(ReleaseSlip.id == slip_id).first()


async def notes(slip_id, kind: Note) -> list[dict]:
    return await Notification.select().where((Notification.subject == str(slip_id)) & (Notification.kind == kind.value))


async def approved_now(cast, **changes) -> str:
    """A slip through both approvals, its window around now (small items: any hour)."""
    day, start, end = window_now()
    result = await cast.submit("fang", day=day, start=start, end=end,
                               items=[ItemRow("Boxes", "4"), ItemRow("Lamp", "1")], **changes)
    assert result["problems"] == {}, result["problems"]
    await release_answers.desk_approve(cast.scopes["chen"], result["slip_id"], CHECKED)
    await release_answers.supervisor_approve(cast.scopes["wu"], result["slip_id"])
    return result["slip_id"]


# Submitting and the owner's consent --------------------------------------------------------


async def test_an_owners_slip_goes_straight_to_the_desk_whose_staff_are_pushed(cast):
    result = await cast.submit("fang")
    assert result["submitted"] and result["state"] == "desk_review"
    row = await slip(result["slip_id"])
    assert row.requester == cast.fang and row.requester_relation == "owner" and row.submitted_at is not None
    [desk] = await notes(result["slip_id"], Note.SLIP_DESK_REVIEW)
    assert desk["person"] == cast.chen and desk["url"].endswith("/check")
    params = json.loads(desk["params"]) if isinstance(desk["params"], str) else desk["params"]
    assert params["unit"] == "1-1-0101" and "Sofa ×1" in params["items"]
    assert "13912345678" not in json.dumps(params) and "110105199003071234" not in json.dumps(params)


async def test_a_tenants_slip_asks_the_owner_and_the_owners_yes_sends_it_to_the_desk(cast):
    result = await cast.submit("liu")
    assert result["state"] == "awaiting_consent"
    asked = await notes(result["slip_id"], Note.SLIP_CONSENT_REQUEST)
    assert {n["person"] for n in asked} == {cast.huang}
    assert await notes(result["slip_id"], Note.SLIP_DESK_REVIEW) == []
    with pytest.raises(NotFound):  # the owner of another unit
        await release_answers.answer_consent(cast.scopes["fang"], result["slip_id"], True)
    answer = await release_answers.answer_consent(cast.scopes["huang"], result["slip_id"], True)
    assert answer["decided"]
    row = await slip(result["slip_id"])
    assert row.state == "desk_review" and row.consent_by == cast.huang
    assert {n["person"] for n in await notes(result["slip_id"], Note.SLIP_CONSENT_DECIDED)} == {cast.liu}
    assert await notes(result["slip_id"], Note.SLIP_DESK_REVIEW)


async def test_a_family_member_cannot_answer_for_the_owner(cast):
    result = await cast.submit("ming", contractor=True, requester_name="Zhang San", company="Bright Renovation",
                               proof=jpeg())
    assert result["state"] == "awaiting_consent"
    with pytest.raises(Forbidden):
        await release_answers.answer_consent(cast.scopes["ming"], result["slip_id"], True)


async def test_two_owners_answering_one_consent_at_once_decide_once(cast):
    result = await cast.submit("ming", contractor=True, requester_name="Zhang San", company="Bright Renovation",
                               proof=jpeg())
    answers = await asyncio.gather(
        release_answers.answer_consent(cast.scopes["fang"], result["slip_id"], True),
        release_answers.answer_consent(cast.scopes["lin"], result["slip_id"], False),
    )
    assert sorted(a["decided"] for a in answers) == [False, True]
    row = await slip(result["slip_id"])
    winner = cast.fang if answers[0]["decided"] else cast.lin
    assert row.consent_by == winner and row.state == ("desk_review" if winner == cast.fang else "refused")
    decided = await AuditEvent.count().where(
        (AuditEvent.subject == result["slip_id"]) & AuditEvent.action.is_in(["slip.consent_given", "slip.consent_refused"]))
    assert decided == 1


async def test_the_consent_is_answered_from_the_notification_through_the_registry(cast):
    result = await cast.submit("liu")
    [asked] = await notes(result["slip_id"], Note.SLIP_CONSENT_REQUEST)
    viewer = cast.scopes["huang"].viewer
    items = await notifications.list_for(viewer, "en")
    mine = next(i for i in items if i.id == asked["id"])
    assert [a["action"] for a in mine.actions] == ["approve", "refuse"]
    await notifications.act(viewer, asked["id"], "refuse", csrf_checked=True)
    assert (await slip(result["slip_id"])).state == "refused"
    again = next(i for i in await notifications.list_for(viewer, "en") if i.id == asked["id"])
    assert again.actions == [] and again.outcome == "refused by Huang Li"
    with pytest.raises(Invalid):
        await notifications.act(viewer, asked["id"], "approve", csrf_checked=True)


# The front desk and the supervisor ----------------------------------------------------------


async def test_the_desk_needs_the_identity_and_the_items_and_the_supervisor_issues_the_qr(cast):
    result = await cast.submit("fang")
    with pytest.raises(Invalid) as refused:
        await release_answers.desk_approve(cast.scopes["chen"], result["slip_id"], DeskCheck())
    assert set(refused.value.errors) == {"identity_seen", "items_confirmed"}
    with pytest.raises(Forbidden):
        await release_answers.desk_approve(cast.scopes["wu"], result["slip_id"], CHECKED)
    assert (await release_answers.desk_approve(cast.scopes["chen"], result["slip_id"], CHECKED))["decided"]
    assert {n["person"] for n in await notes(result["slip_id"], Note.SLIP_SUPERVISOR_REVIEW)} == {cast.wu}
    view = await release_views.detail(cast.scopes["fang"], result["slip_id"], full=False)
    assert "qr_token" not in view
    assert (await release_answers.supervisor_approve(cast.scopes["wu"], result["slip_id"]))["decided"]
    assert not (await release_answers.supervisor_approve(cast.scopes["wu"], result["slip_id"]))["decided"]
    view = await release_views.detail(cast.scopes["fang"], result["slip_id"], full=False)
    assert view["s"]["state"] == "approved" and view["qr_token"]
    assert {n["person"] for n in await notes(result["slip_id"], Note.SLIP_APPROVED)} == {cast.fang}
    actions = [e["action"] for e in view["history"]]
    assert actions == ["slip.created", "slip.submitted", "slip.desk_approved", "slip.approved"]


async def test_arrears_block_the_desk_until_the_fees_are_recorded_settled_with_a_receipt(cast):
    await Unit.update({Unit.fee_status: "arrears", Unit.fee_note: "Q3 unpaid"}).where(
        Unit.id == cast.estate.units["1-1-0101"].id)
    result = await cast.submit("fang")
    queue = await release_desk.queue(cast.scopes["chen"])
    assert [s["waits_for"] for s in queue.desk] == [("identity_check", "fee_check")]
    with pytest.raises(Invalid) as refused:
        await release_answers.desk_approve(cast.scopes["chen"], result["slip_id"], CHECKED)
    assert set(refused.value.errors) == {"fees"}
    with pytest.raises(Invalid):
        await release_answers.settle_fees(cast.scopes["chen"], result["slip_id"], "<no>")
    await release_answers.settle_fees(cast.scopes["chen"], result["slip_id"], "FP-2026-0042")
    unit = await Unit.objects().where(Unit.id == cast.estate.units["1-1-0101"].id).first()
    assert unit.fee_status == "paid" and "FP-2026-0042" in unit.fee_note
    assert (await release_answers.desk_approve(cast.scopes["chen"], result["slip_id"], CHECKED))["decided"]
    row = await slip(result["slip_id"])
    assert row.fee_receipt == "FP-2026-0042" and row.fees_seen == "paid"


async def test_the_desk_approves_from_the_notification_only_a_slip_sent_from_the_requesters_account(cast):
    result = await cast.submit("fang")
    [pushed] = await notes(result["slip_id"], Note.SLIP_DESK_REVIEW)
    await notifications.act(cast.scopes["chen"].viewer, pushed["id"], "approve", csrf_checked=True)
    row = await slip(result["slip_id"])
    assert row.state == "supervisor_review" and row.identity_seen == "account"
    [supervisor] = await notes(result["slip_id"], Note.SLIP_SUPERVISOR_REVIEW)
    await notifications.act(cast.scopes["wu"].viewer, supervisor["id"], "approve", csrf_checked=True)
    assert (await slip(result["slip_id"])).state == "approved"


async def test_the_desk_sends_a_slip_back_with_a_reason_and_the_requester_amends_it(cast):
    result = await cast.submit("fang")
    with pytest.raises(Invalid):
        await release_answers.desk_return(cast.scopes["chen"], result["slip_id"], " ")
    await release_answers.desk_return(cast.scopes["chen"], result["slip_id"], "The lamp is not on the list")
    assert (await slip(result["slip_id"])).state == "returned"
    assert await notes(result["slip_id"], Note.SLIP_RETURNED)
    form = cast.form(items=[ItemRow("Sofa", "1", True), ItemRow("Boxes", "4"), ItemRow("Lamp", "1")])
    amended = await release_slips.save(cast.scopes["fang"], form, slip_id=result["slip_id"], submit=True)
    assert amended["state"] == "desk_review"
    assert [i["name"] for i in await release_records.items(result["slip_id"])] == ["Sofa", "Boxes", "Lamp"]


async def test_the_supervisor_refuses_only_with_a_reason_and_a_refused_slip_never_changes(cast):
    result = await cast.submit("fang")
    await release_answers.desk_approve(cast.scopes["chen"], result["slip_id"], CHECKED)
    with pytest.raises(Invalid):
        await release_answers.supervisor_refuse(cast.scopes["wu"], result["slip_id"], "")
    await release_answers.supervisor_refuse(cast.scopes["wu"], result["slip_id"], "Not a working day for the lift")
    assert (await slip(result["slip_id"])).state == "refused"
    with pytest.raises(Invalid):
        await release_slips.save(cast.scopes["fang"], cast.form(), slip_id=result["slip_id"], submit=True)
    assert not (await release_slips.cancel(cast.scopes["fang"], result["slip_id"]))["cancelled"]


# The estate's rules at submission --------------------------------------------------------------


async def test_moving_out_with_too_little_notice_is_refused_beside_the_date_and_kept_as_a_draft(cast):
    tomorrow = utcnow().astimezone(release_helpers_zone()).date() + timedelta(days=1)
    result = await cast.submit("fang", reason="moving_out", day=tomorrow, items=[ItemRow("Boxes", "3")])
    assert not result["submitted"] and set(result["problems"]) == {"date"}
    message, values = result["problems"]["date"]
    assert "working days' notice" in message and values["days"] == "3"
    assert (await slip(result["slip_id"])).state == "draft"


def release_helpers_zone():
    from tests.integration.release_helpers import ZONE
    return ZONE


async def test_large_items_outside_the_hours_are_refused_on_the_form_beside_the_time(cast, client, csrf, sign_in_en):
    await sign_in_en(cast.fang)
    day = working_day_ahead()
    response = await post_form(client, csrf, f"/e/{cast.estate.slug}/release-slips", {
        "action": "submit", "rows": "1", "item-0-name": "Wardrobe", "item-0-quantity": "1", "item-0-large": "yes",
        "reason": "sale", "carrier_name": "Zhao Lei", "carrier_id_type": "resident_id",
        "carrier_id_number": "110105199003071234", "carrier_phone": "13912345678",
        "date": day.isoformat(), "window_start": "19:00", "window_end": "21:30",
    }, files={"item-0-photo": ("", b"", "application/octet-stream")})
    assert response.status_code == 422
    assert 'id="e-window_end"' in response.text and "Large items move only between 08:00 and 20:00." in response.text
    assert 'value="Wardrobe"' in response.text  # what was typed is kept


async def test_the_admins_holiday_lengthens_the_notice(cast, client, csrf, sign_in_en):
    admin = await cast.estate.person("Zhou Min", Role.ADMIN)
    await sign_in_en(admin)
    day = working_day_ahead(3)
    response = await post_form(client, csrf, f"/e/{cast.estate.slug}/admin/calendar",
                               {"day": day.isoformat(), "day_name": "Festival"})
    assert response.status_code == 303
    result = await cast.submit("fang", reason="moving_out", day=day, items=[ItemRow("Boxes", "3")])
    assert set(result["problems"]) == {"date"}


# Isolation -----------------------------------------------------------------------------------


async def test_a_resident_never_sees_another_units_slips_nor_its_photos(cast, client, sign_in_en):
    result = await cast.submit("fang", items=[ItemRow("Sofa", "1", True, photo=jpeg())])
    [item] = await release_records.items(result["slip_id"])
    with pytest.raises(NotFound):
        await release_views.detail(cast.scopes["liu"], result["slip_id"], full=False)
    assert await release_slips.household_list(cast.scopes["liu"]) == []
    slug = cast.estate.slug
    await sign_in_en(cast.liu)
    assert (await client.get(f"/e/{slug}/release-slips/{result['slip_id']}")).status_code == 404
    assert (await client.get(f"/e/{slug}/release-slips/{result['slip_id']}/photos/{item['photo']}")).status_code == 404
    await sign_in_en(cast.ming)  # the household sees it
    photo = await client.get(f"/e/{slug}/release-slips/{result['slip_id']}/photos/{item['photo']}")
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert "no-store" in photo.headers["cache-control"]


async def test_the_front_desk_sees_only_its_own_estates_slips(cast, make_estate):
    result = await cast.submit("fang")
    other = await make_estate("Maple")
    desk = await other.person("Tan Mei", Role.FRONT_DESK)
    from tests.integration.test_walkins import scope_of
    other_scope = await scope_of(other, desk, "Tan Mei")
    assert (await release_desk.queue(other_scope)).desk == []
    with pytest.raises(NotFound):
        await release_answers.desk_approve(other_scope, result["slip_id"], CHECKED)
    assert [s["id"] for s in (await release_desk.queue(cast.scopes["chen"])).desk] == [(await slip(result["slip_id"])).id]


# Masking ---------------------------------------------------------------------------------------


async def test_carrier_id_and_phone_are_shown_only_on_the_staff_check_screen(cast, client, sign_in_en):
    result = await cast.submit("fang")
    slug = cast.estate.slug
    await sign_in_en(cast.fang)
    page = await client.get(f"/e/{slug}/release-slips/{result['slip_id']}")
    assert page.status_code == 200 and "110***********1234" in page.text and "139****5678" in page.text
    assert "110105199003071234" not in page.text and "13912345678" not in page.text
    assert (await client.get(f"/e/{slug}/release-slips/{result['slip_id']}/check")).status_code == 403
    await sign_in_en(cast.chen)
    check = await client.get(f"/e/{slug}/release-slips/{result['slip_id']}/check")
    assert "110105199003071234" in check.text and "13912345678" in check.text
    assert check.headers["cache-control"] == "no-store"
    queue = await client.get(f"/e/{slug}/desk/slips")
    assert "110105199003071234" not in queue.text and "13912345678" not in queue.text


# Photos --------------------------------------------------------------------------------------


async def test_a_photo_is_kept_without_its_metadata_and_a_non_image_is_refused_beside_its_field(cast):
    from PIL import Image

    result = await cast.submit("fang", items=[ItemRow("Sofa", "1", True, photo=jpeg(4000, 3000, exif_gps=True))])
    [item] = await release_records.items(result["slip_id"])
    kept = Image.open(BytesIO(await uploads.read(cast.estate.id, item["photo"])))
    assert kept.size == (2048, 1536) and not kept.getexif()
    with pytest.raises(Invalid) as refused:
        await cast.submit("fang", items=[ItemRow("Sofa", "1", True, photo=b"%PDF-1.4 not a photo")])
    assert set(refused.value.errors) == {"item-0-photo"}


# The gate --------------------------------------------------------------------------------------


async def test_two_guards_releasing_the_same_slip_at_two_gates_at_once_release_it_once(cast):
    slip_id = await approved_now(cast)
    token = await cast.token(slip_id)
    ticked = [str(i["id"]) for i in await release_records.items(slip_id)]
    results = await asyncio.gather(
        release_gate.release(cast.scopes["li"], cast.act("li"), token, cast.gates[0], ticked, True),
        release_gate.release(cast.scopes["zhao"], cast.act("zhao"), token, cast.gates[1], ticked, True),
    )
    assert sorted(r["reason"] for r in results) == ["released", "slip_released"]
    assert await AuditEvent.count().where((AuditEvent.subject == slip_id) & (AuditEvent.action == "slip.released")) == 1
    assert len(await notes(slip_id, Note.SLIP_RELEASED)) == 1
    row = await slip(slip_id)
    assert row.state == "released" and row.device_time is not None


async def test_a_replayed_release_answers_the_same_and_a_scan_shows_who_released(cast):
    slip_id = await approved_now(cast)
    token = await cast.token(slip_id)
    ticked = [str(i["id"]) for i in await release_records.items(slip_id)]
    act = cast.act("li")
    first = await release_gate.release(cast.scopes["li"], act, token, cast.gates[0], ticked, True)
    again = await release_gate.release(cast.scopes["li"], act, token, cast.gates[0], ticked, True)
    assert first == again and first["reason"] == "released" and first["carrier_id"] == "110***********1234"
    scanned = await release_gate.verify(cast.scopes["zhao"], token)
    assert scanned["reason"] == "slip_released" and scanned["released_by"] == "Li Qiang"


async def test_release_needs_every_item_and_the_carrier_and_a_mismatch_is_held_then_amended(cast):
    slip_id = await approved_now(cast)
    token = await cast.token(slip_id)
    items = await release_records.items(slip_id)
    partial = await release_gate.release(cast.scopes["li"], cast.act("li"), token, None, [str(items[0]["id"])], True)
    assert partial["reason"] == "items_unchecked" and (await slip(slip_id)).state == "approved"
    unconfirmed = await release_gate.release(cast.scopes["li"], cast.act("li"), token, None,
                                             [str(i["id"]) for i in items], False)
    assert unconfirmed["reason"] == "carrier_unconfirmed"
    assert (await release_gate.hold(cast.scopes["li"], cast.act("li"), token, None, ""))["reason"] == "hold_note_required"
    held = await release_gate.hold(cast.scopes["li"], cast.act("li"), token, cast.gates[0], "Two more boxes than listed")
    assert held["reason"] == "held" and (await slip(slip_id)).state == "held"
    told = {n["person"] for n in await notes(slip_id, Note.SLIP_HELD)}
    assert told == {cast.fang, cast.chen}
    assert (await release_gate.verify(cast.scopes["zhao"], token))["reason"] == "slip_held"
    day, start, end = window_now()
    amended = await release_slips.save(cast.scopes["fang"], cast.form(
        day=day, start=start, end=end, items=[ItemRow("Boxes", "6"), ItemRow("Lamp", "1")]), slip_id=slip_id, submit=True)
    assert amended["state"] == "desk_review"


async def test_the_scanner_refuses_slips_not_approved_expired_or_of_another_estate(cast, make_estate):
    result = await cast.submit("fang")
    token = await cast.token(result["slip_id"])
    assert (await release_gate.verify(cast.scopes["li"], token))["reason"] == "slip_not_approved"
    other = await make_estate("Maple")
    guard = await other.person("Sun Li", Role.GATE_GUARD)
    from tests.integration.test_walkins import scope_of
    assert (await release_gate.verify(await scope_of(other, guard, "Sun Li"), token))["reason"] == "unknown"
    slip_id = await approved_now(cast)
    await ReleaseSlip.update({ReleaseSlip.window_ends_at: utcnow() - timedelta(minutes=1)}).where(ReleaseSlip.id == slip_id)
    assert await release_records.expire_due() >= 1
    assert (await slip(slip_id)).state == "expired"
    assert (await release_gate.verify(cast.scopes["li"], await cast.token(slip_id)))["reason"] == "slip_expired"


async def test_the_gate_page_shows_the_checklist_and_releases_through_the_form(cast, client, csrf, sign_in_en):
    from tests.integration.gate_helpers import GateClient, verdict

    slip_id = await approved_now(cast)
    token = await cast.token(slip_id)
    await sign_in_en(cast.li)
    gate = GateClient(client, csrf, cast.estate)
    shown = await gate.verify(token)
    assert verdict(shown) == "slip_valid" and "Zhao Lei" in shown.text and "110***********1234" in shown.text
    assert "110105199003071234" not in shown.text and 'name="idem_key"' in shown.text
    ids = re.findall(r'name="item" value="([0-9a-f-]+)"', shown.text)
    response = await client.post(f"/e/{cast.estate.slug}/gate/release", data={
        "token": token, "item": ids, "carrier_confirmed": "yes", "idem_key": "tap-1",
        "device_time": utcnow().isoformat(), "gate": str(cast.gates[0]["id"]),
    }, headers={"hx-request": "true", "x-csrftoken": await csrf()})
    assert verdict(response) == "released"


# The desk's lists --------------------------------------------------------------------------


async def test_an_unchanged_queue_costs_a_304_and_a_new_slip_changes_it(cast, client, sign_in_en):
    await sign_in_en(cast.chen)
    url = f"/e/{cast.estate.slug}/desk/slips/queue"
    first = await client.get(url, headers={"hx-request": "true"})
    etag = first.headers["etag"]
    assert (await client.get(url, headers={"hx-request": "true", "if-none-match": etag})).status_code == 304
    await cast.submit("fang")
    changed = await client.get(url, headers={"hx-request": "true", "if-none-match": etag})
    assert changed.status_code == 200 and "1-1-0101" in changed.text


async def test_the_days_archive_lists_released_slips_and_its_csv_cannot_run_formulas(cast, client, sign_in_en):
    slip_id = await approved_now(cast, carrier_name="=HYPERLINK(1)")
    token = await cast.token(slip_id)
    ticked = [str(i["id"]) for i in await release_records.items(slip_id)]
    await release_gate.release(cast.scopes["li"], cast.act("li"), token, cast.gates[0], ticked, True)
    await sign_in_en(cast.chen)
    page = await client.get(f"/e/{cast.estate.slug}/desk/archive")
    assert page.status_code == 200 and release_records.number(slip_id) in page.text
    assert "110***********1234" in page.text
    csv = await client.get(f"/e/{cast.estate.slug}/desk/archive.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "'=HYPERLINK(1)" in csv.text and "110105199003071234" not in csv.text


async def test_the_desk_starts_a_slip_for_a_resident_at_the_desk(cast):
    form = cast.form(unit="1-1-0102", member=str(cast.liu))
    result = await release_slips.save(cast.scopes["chen"], form, submit=True, at_desk=True)
    row = await slip(result["slip_id"])
    assert row.started_at_desk and row.requester == cast.liu and row.state == "awaiting_consent"
    contractor = cast.form(unit="1-1-0101", contractor=True, requester_name="Zhang San", company="Bright", proof=jpeg())
    made = await release_slips.save(cast.scopes["chen"], contractor, submit=True, at_desk=True)
    assert (await slip(made["slip_id"])).requester is None and made["state"] == "awaiting_consent"
