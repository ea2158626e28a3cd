"""The duty log and the handover, through the app and its services, on SQLite and PostgreSQL:
a shift started in one tap at the remembered post, the log written (quick and typed, with a
unit and a photo), frozen at the handover and annotated after it, a handover compiled from
live state and acknowledged once however many taps race, estates kept apart, and supervisors
told of a handover nobody acknowledged in time."""

from __future__ import annotations

import asyncio
import re
import secrets
from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from app.domain.live import Topic, channels_of, subscriptions
from app.domain.roles import Role
from app.models.audit import AuditEvent
from app.models.duty import DutyEntry, DutyNote, Handover, HandoverItem, Shift
from app.models.notifications import Notification
from app.models.releases import ReleaseSlip
from app.models.visitors import EscortTask, Registration, Visit, VisitorPass
from app.services import duty, gate, handover_sources, handovers, idempotency, live
from app.services.clock import utcnow
from app.services.duty import NewEntry
from app.services.errors import Invalid, NotFound
from app.services.scope import EstateGrant, EstateRef, Scope, Viewer
from tests.integration.forms import post_form
from tests.integration.release_helpers import jpeg


def scope_of(estate, person_id, *roles: Role) -> Scope:
    ref = EstateRef(estate.id, estate.slug, estate.estate.name, "Asia/Shanghai")
    viewer = Viewer(person_id, "", "en", uuid4(), {estate.slug: EstateGrant(ref, frozenset(roles))})
    return Scope(viewer, ref, frozenset(roles))


def act(scope: Scope, key: str | None = None):
    """The phone's envelope of a duty action: its key, made at the tap."""
    return idempotency.action(scope.person_id, key or uuid4().hex, utcnow().isoformat())


async def log(scope: Scope, form: NewEntry) -> UUID:
    """A log entry, as the phone sends it; its id."""
    return UUID((await duty.add_entry(scope, act(scope), form))["entry_id"])


class Desk:
    """An estate with two front-desk people (Chen Jing, then Liu Yang), a gate guard, a
    supervisor and a household at 1-1-0101."""

    def __init__(self, estate, people: dict):
        self.estate = estate
        self.people = people

    def scope(self, who: str) -> Scope:
        person_id, roles = self.people[who]
        return scope_of(self.estate, person_id, *roles)


@pytest.fixture
async def desk(make_estate) -> Desk:
    estate = await make_estate()
    people = {}
    for who, roles in (("chen", (Role.FRONT_DESK,)), ("liu", (Role.FRONT_DESK,)), ("li", (Role.GATE_GUARD,)),
                       ("wu", (Role.SUPERVISOR,))):
        people[who] = (await estate.person(who.title(), *roles), roles)
    await estate.person("Wang Fang", Role.RESIDENT, unit="1-1-0101")
    return Desk(estate, people)


async def held_slip(estate, unit: str = "1-1-0101", note: str = "Two boxes more than listed") -> ReleaseSlip:
    slip = ReleaseSlip(estate=estate.id, unit=estate.units[unit].id, state="held", requester_name="Wang Fang",
                       reason="moving_out", hold_note=note, submitted_at=utcnow() - timedelta(hours=2),
                       device_time=utcnow() - timedelta(minutes=30))
    await slip.save()
    return slip


async def overdue_visit(estate, guest: str = "Zhang San", unit: str = "1-1-0102") -> Visit:
    visit = Visit(estate=estate.id, unit=estate.units[unit].id, guest_name=guest, entered_at=utcnow() - timedelta(hours=3),
                  expected_until=utcnow() - timedelta(minutes=45))
    await visit.save()
    return visit


# Shifts ----------------------------------------------------------------------------------------


async def test_the_front_desk_starts_a_shift_in_one_tap_from_home_at_the_lobby(client, csrf, sign_in_en, desk):
    await sign_in_en(desk.people["chen"][0])
    home = await client.get(f"/e/{desk.estate.slug}/")
    assert "Start shift: Lobby" in home.text
    post = re.search(r'name="post" value="(\w+)"', home.text).group(1)

    response = await post_form(client, csrf, f"/e/{desk.estate.slug}/duty/shifts", {"post": post})

    assert response.status_code == 303 and response.headers["location"].endswith("/duty?done=shift_started")
    shifts = await Shift.select(Shift.post, Shift.ended_at).where(Shift.person == desk.people["chen"][0])
    assert shifts == [{"post": "lobby", "ended_at": None}]
    page = await client.get(f"/e/{desk.estate.slug}/duty")
    assert "On duty at the Lobby since" in page.text and "Parcel received for a resident" in page.text


async def test_a_second_start_while_on_duty_keeps_the_one_shift_even_when_the_taps_race(desk):
    scope = desk.scope("li")
    results = await asyncio.gather(*[duty.start_shift(scope, "gate") for _ in range(5)], return_exceptions=True)

    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sum(1 for r in results if r["started"]) == 1
    assert await Shift.count().where(Shift.person == desk.people["li"][0]) == 1


async def test_the_post_of_the_last_shift_is_remembered_for_the_next_one_tap(desk):
    scope = desk.scope("chen")
    assert (await duty.remembered_post(scope)).value == "lobby"
    await duty.start_shift(scope, "gate")
    await handovers.hand_over(scope, "")

    assert (await duty.remembered_post(scope)).value == "gate"
    again = await duty.start_shift(scope)
    assert again["started"] and again["post"] == "gate"


async def test_a_post_that_does_not_exist_is_refused_and_no_shift_is_started(client, csrf, sign_in_en, desk):
    await sign_in_en(desk.people["chen"][0])
    response = await post_form(client, csrf, f"/e/{desk.estate.slug}/duty/shifts", {"post": "roof"})
    assert response.status_code == 422 and "Choose the lobby, the gate or patrol." in response.text
    assert await Shift.count().where(Shift.person == desk.people["chen"][0]) == 0


async def test_a_resident_has_no_duty_log(client, sign_in_en, desk):
    resident = await desk.estate.person("Resident Ren", Role.RESIDENT, unit="1-1-0102")
    await sign_in_en(resident)
    assert (await client.get(f"/e/{desk.estate.slug}/duty")).status_code == 403


# The log ---------------------------------------------------------------------------------------


async def test_a_quick_entry_is_one_tap_on_the_shift_page(client, csrf, sign_in_en, desk):
    await sign_in_en(desk.people["chen"][0])
    await post_form(client, csrf, f"/e/{desk.estate.slug}/duty/shifts", {"post": "lobby"})

    response = await post_form(client, csrf, f"/e/{desk.estate.slug}/duty/quick",
                               {"quick": "parcel", "idem_key": uuid4().hex})

    assert response.status_code == 303 and response.headers["location"].endswith("done=logged")
    rows = await DutyEntry.select(DutyEntry.kind, DutyEntry.quick, DutyEntry.text, DutyEntry.next_shift)
    mine = [r for r in rows if r["quick"] == "parcel"]
    assert mine == [{"kind": "delivery", "quick": "parcel", "text": "", "next_shift": False}]


async def test_a_typed_entry_keeps_its_kind_unit_photo_and_the_next_shift_flag(client, csrf, sign_in_en, desk):
    await sign_in_en(desk.people["chen"][0])
    await post_form(client, csrf, f"/e/{desk.estate.slug}/duty/shifts", {"post": "lobby"})
    text = f"Water leaking from the lobby ceiling {secrets.token_hex(2)}"

    response = await post_form(client, csrf, f"/e/{desk.estate.slug}/duty/entries",
                               {"kind": "facility_fault", "text": text, "unit": "1-1-0101", "next_shift": "yes",
                                "idem_key": uuid4().hex},
                               files={"photo": ("leak.jpg", jpeg(exif_gps=True), "image/jpeg")})

    assert response.status_code == 303
    entry = await DutyEntry.objects().where(DutyEntry.text == text).first()
    assert entry.kind == "facility_fault" and entry.next_shift and entry.unit == desk.estate.units["1-1-0101"].id
    photo = await client.get(f"/e/{desk.estate.slug}/duty/entries/{entry.id}/photo")
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert b"Exif" not in photo.content[:4096]


async def test_an_entry_without_kind_or_text_comes_back_with_the_messages_and_nothing_is_written(
        client, csrf, sign_in_en, desk):
    await sign_in_en(desk.people["chen"][0])
    await post_form(client, csrf, f"/e/{desk.estate.slug}/duty/shifts", {"post": "lobby"})
    before = await DutyEntry.count()

    response = await post_form(client, csrf, f"/e/{desk.estate.slug}/duty/entries",
                               {"unit": "9-9-9999", "idem_key": uuid4().hex})

    assert response.status_code == 422
    for message in ("Choose what kind of entry this is.", "Write what happened.",
                    "There is no unit with this label in the estate."):
        assert message in response.text
    assert 'value="9-9-9999"' in response.text
    assert await DutyEntry.count() == before


async def test_a_quick_entry_sent_twice_with_its_key_is_logged_once(client, csrf, sign_in_en, desk):
    """A double tap, or the phone's outbox sending again an entry whose answer was lost."""
    await sign_in_en(desk.people["chen"][0])
    await post_form(client, csrf, f"/e/{desk.estate.slug}/duty/shifts", {"post": "lobby"})
    key = uuid4().hex

    answers = [await post_form(client, csrf, f"/e/{desk.estate.slug}/duty/quick", {"quick": "noise", "idem_key": key})
               for _ in range(2)]

    assert [a.status_code for a in answers] == [303, 303]
    assert await DutyEntry.count().where((DutyEntry.quick == "noise") & (DutyEntry.estate == desk.estate.id)) == 1
    assert await AuditEvent.count().where((AuditEvent.action == "duty.entry") & (AuditEvent.estate == desk.estate.id)) == 1


async def test_a_typed_entry_made_with_no_signal_lands_once_timed_when_it_was_made(client, csrf, sign_in_en, desk):
    await sign_in_en(desk.people["chen"][0])
    await post_form(client, csrf, f"/e/{desk.estate.slug}/duty/shifts", {"post": "lobby"})
    made = utcnow() - timedelta(minutes=20)
    fields = {"kind": "other", "text": "Lobby door jammed", "idem_key": uuid4().hex, "device_time": made.isoformat(),
              "sent_at": utcnow().isoformat()}

    for _ in range(3):  # the outbox tries again until it reads a whole answer
        response = await client.post(f"/e/{desk.estate.slug}/duty/entries", data={"_csrf_token": await csrf(), **fields},
                                     headers={"x-gatepost-outbox": "replay"}, follow_redirects=False)
        assert response.status_code == 200 and response.headers["x-gatepost-outcome"] == "accepted"

    rows = await DutyEntry.select(DutyEntry.created_at).where(DutyEntry.text == "Lobby door jammed")
    assert len(rows) == 1 and abs(rows[0]["created_at"] - made) < timedelta(seconds=5)


async def test_the_same_key_with_another_entry_is_refused_and_changes_nothing(client, csrf, sign_in_en, desk):
    await sign_in_en(desk.people["chen"][0])
    await post_form(client, csrf, f"/e/{desk.estate.slug}/duty/shifts", {"post": "lobby"})
    key = uuid4().hex
    await post_form(client, csrf, f"/e/{desk.estate.slug}/duty/quick", {"quick": "parcel", "idem_key": key})

    response = await post_form(client, csrf, f"/e/{desk.estate.slug}/duty/quick", {"quick": "light_out", "idem_key": key})

    assert response.status_code == 422
    assert "already used for another action" in response.text
    mine = DutyEntry.estate == desk.estate.id
    assert await DutyEntry.count().where(mine & (DutyEntry.quick == "light_out")) == 0
    assert await DutyEntry.count().where(mine & (DutyEntry.quick == "parcel")) == 1


async def test_an_entry_without_its_key_is_refused(client, csrf, sign_in_en, desk):
    await sign_in_en(desk.people["chen"][0])
    await post_form(client, csrf, f"/e/{desk.estate.slug}/duty/shifts", {"post": "lobby"})

    response = await post_form(client, csrf, f"/e/{desk.estate.slug}/duty/quick", {"quick": "parcel"})

    assert response.status_code == 422
    assert await DutyEntry.count().where(DutyEntry.estate == desk.estate.id) == 0


async def test_no_entry_is_written_off_duty(desk):
    with pytest.raises(Invalid):
        await log(desk.scope("chen"), NewEntry(quick="parcel"))


async def test_entries_are_frozen_at_the_handover_and_only_annotated_after_it(client, csrf, sign_in_en, desk):
    chen = desk.scope("chen")
    await duty.start_shift(chen, "lobby")
    entry_id = await log(chen, NewEntry(kind="visitor", text="Courier left a parcel"))
    await duty.edit_entry(chen, entry_id, "Courier left two parcels")
    await handovers.hand_over(chen, "Quiet night")

    with pytest.raises(Invalid) as refused:
        await duty.edit_entry(chen, entry_id, "Changed after the handover")
    assert refused.value.errors["text"].startswith("This shift was handed over")
    await sign_in_en(desk.people["chen"][0])
    response = await post_form(client, csrf, f"/e/{desk.estate.slug}/duty/entries/{entry_id}/edit", {"text": "Again"})
    assert response.status_code == 422
    assert (await DutyEntry.objects().get(DutyEntry.id == entry_id)).text == "Courier left two parcels"

    await duty.annotate(desk.scope("liu"), entry_id, "Collected by 1-1-0101 at 09:10")
    await duty.annotate(chen, entry_id, "Resident thanked the desk")
    notes = await DutyNote.select(DutyNote.text, DutyNote.author, DutyNote.created_at).where(
        DutyNote.entry == entry_id).order_by(DutyNote.created_at)
    assert [(n["text"], n["author"]) for n in notes] == [
        ("Collected by 1-1-0101 at 09:10", desk.people["liu"][0]), ("Resident thanked the desk", desk.people["chen"][0])]
    assert all(n["created_at"] is not None for n in notes)
    page = await client.get(f"/e/{desk.estate.slug}/duty/entries/{entry_id}")
    assert "Collected by 1-1-0101 at 09:10" in page.text and "Change the text" not in page.text


async def test_only_the_author_edits_an_entry_before_the_handover(desk):
    chen = desk.scope("chen")
    await duty.start_shift(chen, "lobby")
    entry_id = await log(chen, NewEntry(kind="other", text="Lift 2 slow"))
    with pytest.raises(Invalid) as refused:
        await duty.edit_entry(desk.scope("liu"), entry_id, "Not mine to change")
    assert refused.value.errors["text"].startswith("Only the person who wrote")
    assert (await DutyEntry.objects().get(DutyEntry.id == entry_id)).text == "Lift 2 slow"


# The handover ----------------------------------------------------------------------------------


async def test_the_handover_lists_a_held_slip_an_overdue_visitor_and_the_entries_for_the_next_shift(desk):
    slip = await held_slip(desk.estate)
    visit = await overdue_visit(desk.estate)
    chen = desk.scope("chen")
    await duty.start_shift(chen, "lobby")
    flagged = await log(chen, NewEntry(kind="complaint", text="1-1-0102 asks about the noise again",
                                                  next_shift=True))
    await log(chen, NewEntry(kind="other", text="Not for the next shift"))

    result = await handovers.hand_over(chen, "Slip held at the north gate")

    kept = await HandoverItem.select(HandoverItem.kind, HandoverItem.ref, HandoverItem.title).where(
        HandoverItem.handover == result["id"]).order_by(HandoverItem.position)
    assert [(i["kind"], i["ref"]) for i in kept] == [
        ("slip_held", str(slip.id)), ("visitor_overdue", str(visit.id)), ("log_next_shift", str(flagged))]
    assert "Zhang San" in kept[1]["title"]
    shift = await Shift.objects().where(Shift.person == desk.people["chen"][0]).first()
    assert shift.ended_at is not None
    assert not await DutyEntry.exists().where((DutyEntry.shift == shift.id) & DutyEntry.frozen.eq(False))


async def test_the_next_shift_acknowledges_and_the_entries_for_it_leave_the_next_handover(client, csrf, sign_in_en, desk):
    chen = desk.scope("chen")
    await duty.start_shift(chen, "lobby")
    await log(chen, NewEntry(kind="other", text="Spare key with the desk", next_shift=True))
    handed = await handovers.hand_over(chen, "")

    await sign_in_en(desk.people["liu"][0])
    started = await post_form(client, csrf, f"/e/{desk.estate.slug}/duty/shifts", {"post": "lobby"})
    assert started.headers["location"] == f"/e/{desk.estate.slug}/handovers/{handed['id']}?done=shift_started"
    page = await client.get(started.headers["location"])
    assert "Spare key with the desk" in page.text and "Acknowledge all" in page.text

    response = await post_form(client, csrf, f"/e/{desk.estate.slug}/handovers/{handed['id']}/acknowledge",
                               {"idem_key": uuid4().hex})

    assert response.headers["location"].endswith("done=acknowledged")
    row = await Handover.objects().get(Handover.id == handed["id"])
    assert row.acknowledged_by == desk.people["liu"][0] and row.acknowledged_at is not None
    assert not await HandoverItem.exists().where((HandoverItem.handover == handed["id"])
                                                 & HandoverItem.acknowledged_at.is_null())
    assert await handover_sources.log_for_next_shift(await handover_sources.estate_ref(desk.estate.id), utcnow()) == []


async def test_a_handover_acknowledged_twice_at_once_is_acknowledged_once(desk):
    chen, liu, wu = desk.scope("chen"), desk.scope("liu"), desk.scope("wu")
    await held_slip(desk.estate)
    await duty.start_shift(chen, "lobby")
    handed = await handovers.hand_over(chen, "")

    results = await asyncio.gather(*[handovers.acknowledge_all(who, act(who), handed["id"]) for who in (liu, wu, liu, wu, liu)])

    assert sum(1 for r in results if r["acknowledged"]) == 1
    events = await AuditEvent.count().where((AuditEvent.action == "handover.acknowledge")
                                            & (AuditEvent.subject == str(handed["id"])))
    assert events == 1
    row = await Handover.objects().get(Handover.id == handed["id"])
    items = await HandoverItem.select(HandoverItem.acknowledged_by).where(HandoverItem.handover == handed["id"])
    assert {i["acknowledged_by"] for i in items} == {row.acknowledged_by}


async def test_an_acknowledgement_sent_again_with_its_key_gets_the_first_answer(desk):
    chen, liu = desk.scope("chen"), desk.scope("liu")
    await held_slip(desk.estate)
    await duty.start_shift(chen, "lobby")
    handed = await handovers.hand_over(chen, "")
    items = (await handovers.detail(liu, handed["id"]))["items"]
    seen = idempotency.action(liu.person_id, uuid4().hex, fingerprint="item")
    everything = idempotency.action(liu.person_id, uuid4().hex, fingerprint="all")

    assert await handovers.acknowledge_item(liu, seen, handed["id"], items[0]["id"]) == {
        "acknowledged": True, "closed": True}
    assert await handovers.acknowledge_item(liu, seen, handed["id"], items[0]["id"]) == {
        "acknowledged": True, "closed": True}
    assert await handovers.acknowledge_all(liu, everything, handed["id"]) == {"acknowledged": False}
    assert await handovers.acknowledge_all(liu, everything, handed["id"]) == {"acknowledged": False}
    with pytest.raises(idempotency.KeyReused):
        await handovers.acknowledge_all(liu, idempotency.action(liu.person_id, seen.key, fingerprint="all"),
                                        handed["id"])
    events = await AuditEvent.count().where((AuditEvent.action == "handover.acknowledge")
                                            & (AuditEvent.subject == str(handed["id"])))
    assert events == 1


async def test_item_by_item_the_last_item_acknowledges_the_handover(desk):
    await held_slip(desk.estate)
    await overdue_visit(desk.estate)
    chen, liu = desk.scope("chen"), desk.scope("liu")
    await duty.start_shift(chen, "lobby")
    handed = await handovers.hand_over(chen, "")
    items = (await handovers.detail(liu, handed["id"]))["items"]
    assert len(items) == 2

    first = await handovers.acknowledge_item(liu, act(liu), handed["id"], items[0]["id"])
    again = await handovers.acknowledge_item(liu, act(liu), handed["id"], items[0]["id"])
    assert first == {"acknowledged": True, "closed": False} and again == {"acknowledged": False, "closed": False}
    assert (await Handover.objects().get(Handover.id == handed["id"])).acknowledged_at is None

    last = await handovers.acknowledge_item(liu, act(liu), handed["id"], items[1]["id"])
    assert last == {"acknowledged": True, "closed": True}
    assert (await Handover.objects().get(Handover.id == handed["id"])).acknowledged_by == desk.people["liu"][0]


async def test_the_handover_pages_hear_of_changes_to_what_they_list_and_ask_for_it_again(
        client, sign_in_en, desk, monkeypatch):
    """Live handover: a visitor leaving (the gate's topic), an entry for the next shift, the
    handover itself and an acknowledgement each tell the estate's duty staff's streams
    ("handover"), and the regions' partials then show the change."""
    told: list[tuple[str, list[str]]] = []
    monkeypatch.setattr(live, "_send", lambda topic, channels: told.append((topic, channels)))
    handover_channels = channels_of(Topic.HANDOVER, estate=desk.estate.id)
    # A gate guard's handover page hears it too, though the guard's role does not hear the desk's topics.
    assert set(handover_channels) <= subscriptions(desk.people["li"][0], estate=desk.estate.id, roles={Role.GATE_GUARD})
    visit = await overdue_visit(desk.estate, guest="Leaving Guest")
    chen, li, liu = desk.scope("chen"), desk.scope("li"), desk.scope("liu")
    await duty.start_shift(chen, "lobby")
    await sign_in_en(desk.people["chen"][0])
    assert "Leaving Guest" in (await client.get(f"/e/{desk.estate.slug}/duty/handover/items")).text

    await gate.exit_visit(li, act(li), visit.id, None)
    assert ("handover", handover_channels) in told
    assert "Leaving Guest" not in (await client.get(f"/e/{desk.estate.slug}/duty/handover/items")).text

    told.clear()
    await log(chen, NewEntry(kind="other", text="Spare key for 1-1-0101 at the desk", next_shift=True))
    assert told == [("handover", handover_channels)]
    assert "Spare key for 1-1-0101" in (await client.get(f"/e/{desk.estate.slug}/duty/handover/items")).text

    told.clear()
    handed = await handovers.hand_over(chen, "")
    assert told == [("handover", handover_channels)]
    item = (await handovers.detail(liu, handed["id"]))["items"][0]
    told.clear()
    await handovers.acknowledge_item(liu, act(liu), handed["id"], item["id"])
    assert ("handover", handover_channels) in told
    region = await client.get(f"/e/{desk.estate.slug}/handovers/{handed['id']}/live")
    assert region.status_code == 200 and "Acknowledged by Liu" in region.text


async def test_the_outgoing_person_cannot_acknowledge_their_own_handover(desk):
    chen = desk.scope("chen")
    await duty.start_shift(chen, "lobby")
    handed = await handovers.hand_over(chen, "")
    with pytest.raises(Invalid):
        await handovers.acknowledge_all(chen, act(chen), handed["id"])
    assert (await Handover.objects().get(Handover.id == handed["id"])).acknowledged_at is None


async def test_a_shift_is_handed_over_once_when_two_taps_race(desk):
    chen = desk.scope("chen")
    await duty.start_shift(chen, "lobby")
    results = await asyncio.gather(*[handovers.hand_over(chen, "") for _ in range(3)], return_exceptions=True)
    done = [r for r in results if isinstance(r, dict) and r["handed_over"]]
    assert len(done) == 1
    assert await Handover.count().where(Handover.handed_by == desk.people["chen"][0]) == 1


async def test_estates_are_kept_apart(client, sign_in_en, desk, make_estate):
    other = await make_estate("Maple Court")
    await held_slip(other, note="Maple's held slip")
    await overdue_visit(other, guest="Maple Guest")
    chen = desk.scope("chen")
    await duty.start_shift(chen, "lobby")
    handed = await handovers.hand_over(chen, "")

    assert await HandoverItem.count().where(HandoverItem.handover == handed["id"]) == 0
    stranger = await other.person("Maple Desk", Role.FRONT_DESK)
    stranger_scope = scope_of(other, stranger, Role.FRONT_DESK)
    with pytest.raises(NotFound):
        await handovers.detail(stranger_scope, handed["id"])
    with pytest.raises(NotFound):
        await handovers.acknowledge_all(stranger_scope, act(stranger_scope), handed["id"])
    await sign_in_en(stranger)
    assert (await client.get(f"/e/{other.slug}/handovers/{handed['id']}")).status_code == 404
    assert (await client.get(f"/e/{desk.estate.slug}/handovers/{handed['id']}")).status_code == 404


async def test_supervisors_are_told_once_of_a_handover_not_acknowledged_within_15_minutes(client, sign_in_en, desk):
    chen = desk.scope("chen")
    await duty.start_shift(chen, "lobby")
    handed = await handovers.hand_over(chen, "")
    now = utcnow()

    assert await handovers.alert_overdue(now + timedelta(minutes=14)) == 0
    assert await handovers.alert_overdue(now + timedelta(minutes=15, seconds=1)) >= 1
    assert await handovers.alert_overdue(now + timedelta(minutes=30)) == 0

    told = await Notification.select(Notification.person, Notification.kind).where(
        Notification.subject == str(handed["id"]))
    assert told == [{"person": desk.people["wu"][0], "kind": "handover_overdue"}]
    await sign_in_en(desk.people["wu"][0])
    listing = await client.get(f"/e/{desk.estate.slug}/handovers")
    assert listing.status_code == 200 and "Not acknowledged in time" not in listing.text  # the real clock: 0 minutes
    await Handover.update({Handover.handed_at: now - timedelta(minutes=20)}).where(Handover.id == handed["id"])
    listing = await client.get(f"/e/{desk.estate.slug}/handovers")
    assert "Not acknowledged in time" in listing.text


async def test_the_registry_compiles_every_source_in_its_order_and_the_periodic_task_alerts(desk):
    from app.asgi import PERIODIC_JOBS

    names = [name.rsplit(".", 1)[1] for _, name, _ in handover_sources.registered()]
    assert names == ["release_slips", "open_for_handover", "visitors_inside", "walk_ins_waiting", "due_for_follow_up",
                     "escort_tasks", "expected_visitors", "log_for_next_shift", "not_returned"]
    assert handovers.alert_overdue_job in PERIODIC_JOBS


async def test_the_handover_lists_walk_ins_waiting_escort_tasks_open_and_guests_expected_soon(desk, make_estate):
    """The sources read by hand-written statements, on both databases: what is listed and what is
    left out (a walk-in gone, a task done, a pass revoked or later, another estate's)."""
    now, unit = utcnow(), desk.estate.units["1-1-0101"].id
    waiting = Registration(estate=desk.estate.id, unit=unit, name="Walk-in Waiting", state="waiting",
                           consent_deadline=now + timedelta(minutes=10), created_at=now - timedelta(minutes=5))
    gone = Registration(estate=desk.estate.id, unit=unit, name="Walk-in Gone", state="waiting",
                        consent_deadline=now, created_at=now - timedelta(days=2))
    await Registration.insert(waiting, gone)
    await EscortTask.insert(EscortTask(estate=desk.estate.id, registration=waiting.id, unit=unit, state="open"),
                            EscortTask(estate=desk.estate.id, registration=gone.id, unit=unit, state="done"))
    expected = dict(estate=desk.estate.id, unit=unit, purpose="family_friend", ends_at=now + timedelta(hours=3))
    await VisitorPass.insert(
        VisitorPass(guest_name="Guest Soon", starts_at=now + timedelta(hours=1), link_hash=uuid4().hex, **expected),
        VisitorPass(guest_name="Guest Revoked", starts_at=now + timedelta(hours=1), revoked_at=now,
                    link_hash=uuid4().hex, **expected),
        VisitorPass(guest_name="Guest Next Week", starts_at=now + timedelta(days=7), link_hash=uuid4().hex,
                    **{**expected, "ends_at": now + timedelta(days=7, hours=2)}))
    other = await make_estate("Other Court")
    await Registration.insert(Registration(estate=other.id, unit=other.units["1-1-0101"].id, name="Walk-in Elsewhere",
                                           state="waiting", consent_deadline=now, created_at=now))

    items = await handover_sources.compile_items(await handover_sources.estate_ref(desk.estate.id), now)

    listed = [(i["kind"], i["title"], i["detail"]) for i in items]
    text = " ".join(f"{t} {d}" for _, t, d in listed)
    assert [k for k, _, _ in listed] == ["walkin_waiting", "escort_open", "visitor_expected"]
    assert "Walk-in Waiting" in text and "Guest Soon" in text
    for left_out in ("Walk-in Gone", "Guest Revoked", "Guest Next Week", "Walk-in Elsewhere"):
        assert left_out not in text


async def test_each_item_leads_the_next_shift_to_its_record(client, sign_in_en, desk):
    await held_slip(desk.estate)
    await overdue_visit(desk.estate)
    chen = desk.scope("chen")
    await duty.start_shift(chen, "lobby")
    await log(chen, NewEntry(kind="other", text="Check the parking barrier", next_shift=True))
    handed = await handovers.hand_over(chen, "")
    await sign_in_en(desk.people["liu"][0])
    page = await client.get(f"/e/{desk.estate.slug}/handovers/{handed['id']}")
    hrefs = [i["href"] for i in (await handovers.detail(desk.scope("liu"), handed["id"]))["items"]]
    assert len(hrefs) == 3
    for href in hrefs:
        assert f'href="{href}"' in page.text
        assert (await client.get(href)).status_code == 200, href
