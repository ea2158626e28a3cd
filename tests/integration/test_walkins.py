"""Walk-in visitors: the guard registers, the household answers (the first answer decides),
nobody answering leads to the manager, and emergencies, refusals and prohibited items are
recorded with the right people told. Services and routes against the real database."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from uuid import uuid4

import pytest

from app.domain.notifications import Kind as Note
from app.domain.roles import Relation, Role
from app.domain.watchlist import normalised
from app.models.audit import AuditEvent
from app.models.estates import Estate, Gate
from app.models.notifications import Notification
from app.models.visitors import EscortTask, GuardAction, Registration, Visit, WatchlistEntry
from app.services import escorts, idempotency, sealed, walkins
from app.services.clock import utcnow
from app.services.errors import Forbidden, Invalid, NotFound
from app.services.people import roles_in
from app.services.scope import EstateGrant, EstateRef, Scope, Viewer
from tests.integration.forms import post_form

PHONE = "13912345678"


async def scope_of(estate, person_id, name: str) -> Scope:
    ref = EstateRef(estate.id, estate.slug, estate.estate.name, "Asia/Shanghai")
    roles = frozenset(await roles_in(estate.id, person_id))
    viewer = Viewer(person_id, name, "en", uuid4(), {estate.slug: EstateGrant(ref, roles)})
    return Scope(viewer, ref, roles)


class Cast:
    """An estate with a gate guard, a household of two at 1-1-0101, a neighbour at 1-1-0102,
    a manager, a supervisor, a front desk and a patrol guard."""

    async def setup(self, estate):
        self.estate = estate
        self.gate = (await Gate.select(Gate.id, Gate.name).where(Gate.estate == estate.id).first())
        p = estate.person
        self.li = await p("Li Qiang", Role.GATE_GUARD)
        self.fang = await p("Wang Fang", Role.RESIDENT, unit="1-1-0101", relation=Relation.OWNER)
        self.ming = await p("Wang Xiaoming", Role.RESIDENT, unit="1-1-0101", relation=Relation.FAMILY)
        self.liu = await p("Liu Yang", Role.RESIDENT, unit="1-1-0102", relation=Relation.TENANT)
        self.sun = await p("Sun Hao", Role.MANAGER)
        self.wu = await p("Wu Lei", Role.SUPERVISOR)
        self.chen = await p("Chen Jing", Role.FRONT_DESK)
        self.zhao = await p("Zhao Gang", Role.PATROL_GUARD)
        names = {"li": "Li Qiang", "fang": "Wang Fang", "ming": "Wang Xiaoming", "liu": "Liu Yang",
                 "sun": "Sun Hao", "wu": "Wu Lei", "chen": "Chen Jing", "zhao": "Zhao Gang"}
        self.scopes = {k: await scope_of(estate, getattr(self, k), n) for k, n in names.items()}
        return self

    def act(self, who: str = "li", key: str | None = None):
        return idempotency.action(getattr(self, who), key or uuid4().hex)

    def facts(self, **changes) -> walkins.Facts:
        base = dict(kind="walk_in", gate=str(self.gate["id"]), name="Zhang Wei", gender="male", id_type="resident_id",
                    id_number="110105199003071234", phone=PHONE, unit="1-1-0101", purpose="delivery",
                    party_size="1")
        return walkins.Facts(**{**base, **changes})

    async def register(self, **changes) -> str:
        result = await walkins.register(self.scopes["li"], self.act(), self.facts(**changes))
        return result["registration_id"]


@pytest.fixture
async def cast(make_estate):
    return await Cast().setup(await make_estate("Harbour"))


async def notes(registration_id, kind: Note | None = None) -> list[dict]:
    query = Notification.select().where(Notification.subject == str(registration_id))
    if kind is not None:
        query = query.where(Notification.kind == kind.value)
    return await query


async def reg(registration_id) -> Registration:
    return await Registration.objects().where(Registration.id == registration_id).first()


# Consent -----------------------------------------------------------------------------------


async def test_registering_asks_every_household_member_without_their_phone_or_id(cast):
    rid = await cast.register()
    row = await reg(rid)
    assert row.state == "waiting" and row.guard == cast.li and sealed.open_value(Registration, "phone", row.phone) == PHONE
    estate = await Estate.objects().where(Estate.id == cast.estate.id).first()
    assert abs((row.consent_deadline - row.created_at).total_seconds() - estate.consent_timeout_seconds) < 5
    sent = await notes(rid, Note.CONSENT_REQUEST)
    assert {n["person"] for n in sent} == {cast.fang, cast.ming}
    params = sent[0]["params"] if isinstance(sent[0]["params"], dict) else __import__("json").loads(sent[0]["params"])
    assert params == {"name": "Zhang Wei", "purpose": "delivery", "gate": "North Gate", "unit": "1-1-0101"}
    assert sent[0]["url"] == f"/e/{cast.estate.slug}/consents/{rid}"
    assert await AuditEvent.exists().where((AuditEvent.action == "walkin.walk_in") & (AuditEvent.subject == rid))


async def test_approval_lets_the_guard_admit_once(cast):
    rid = await cast.register()
    answer = await walkins.answer_consent(cast.scopes["ming"], rid, True)
    assert answer["decided"] and answer["state"] == "approved"
    row = await reg(rid)
    assert row.state == "approved" and row.decided_by == cast.ming
    decided = await notes(rid, Note.CONSENT_DECIDED)
    assert {n["person"] for n in decided} == {cast.li, cast.fang}  # the guard and the other member

    status = await walkins.status(cast.scopes["li"], rid)
    assert status["actions"] == {"admit", "left"} and status["decided_by_name"] == "Wang Xiaoming"

    act = cast.act()
    first = await walkins.admit(cast.scopes["li"], act, rid)
    again = await walkins.admit(cast.scopes["li"], act, rid)  # the same tap, replayed
    other_tap = await walkins.admit(cast.scopes["li"], cast.act(), rid)  # a second tap with a new key
    assert first["admitted"] and again == first
    assert other_tap["admitted"] is False and other_tap["state"] == "admitted"
    visits = await Visit.select().where(Visit.registration == rid)
    assert len(visits) == 1 and visits[0]["admitted_by"] == cast.li and visits[0]["entry_gate"] == cast.gate["id"]
    assert (await reg(rid)).state == "admitted"


async def test_an_approved_visitor_who_goes_away_is_closed_once_and_leaves_the_open_list(cast):
    rid = await cast.register()
    waiting = await walkins.left(cast.scopes["li"], cast.act(), rid)
    assert waiting["left"] is False and waiting["state"] == "waiting"  # only once the household approved
    await walkins.answer_consent(cast.scopes["fang"], rid, True)

    act = cast.act()
    first = await walkins.left(cast.scopes["li"], act, rid)
    again = await walkins.left(cast.scopes["li"], act, rid)  # the same tap, replayed
    assert first["left"] and again == first
    assert (await walkins.admit(cast.scopes["li"], cast.act(), rid))["admitted"] is False
    row = await reg(rid)
    assert row.state == "left" and row.completed_at is not None
    assert await Visit.count().where(Visit.registration == rid) == 0
    assert (await walkins.status(cast.scopes["li"], rid))["actions"] == set()
    lists = await walkins.open_list(cast.scopes["li"])
    assert rid not in {str(r["id"]) for r in lists["open"]} and rid in {str(r["id"]) for r in lists["recent"]}
    assert await AuditEvent.count().where((AuditEvent.action == "walkin.left") & (AuditEvent.subject == rid)) == 1


async def test_only_a_gate_guard_closes_a_walk_in_from_the_page(cast, client, csrf, sign_in_en):
    rid = await cast.register(name="Gone Away")
    await walkins.answer_consent(cast.scopes["ming"], rid, True)
    left_url = f"/e/{cast.estate.slug}/walkins/{rid}/left"
    await sign_in_en(cast.sun)
    assert (await post_form(client, csrf, left_url, {"idem_key": uuid4().hex})).status_code == 403
    await sign_in_en(cast.li)
    screen = await client.get(f"/e/{cast.estate.slug}/walkins/{rid}")
    assert "Visitor left without coming in" in screen.text and "data-confirm=" in screen.text
    form = screen.text.split(f'action="{left_url}"', 1)[1].split("</form>", 1)[0]
    key = re.search(r'name="idem_key" value="([0-9a-f]+)"', form).group(1)
    keyless = await post_form(client, csrf, left_url, {})  # a form that lost its key says so
    assert keyless.status_code == 422 and "This action arrived without its key" in keyless.text
    assert (await reg(rid)).state == "approved"
    done = await post_form(client, csrf, left_url, {"idem_key": key})
    assert done.status_code == 303 and done.headers["location"].endswith("?done=left")
    page = await client.get(done.headers["location"])
    assert "Closed: the visitor left without coming in." in page.text and "Left without coming in" in page.text
    replay = await post_form(client, csrf, left_url, {"idem_key": key})
    assert replay.headers["location"].endswith("?done=left")
    assert (await reg(rid)).state == "left"


async def test_a_refusal_is_final_and_the_guard_sees_who_refused(cast):
    rid = await cast.register()
    assert (await walkins.answer_consent(cast.scopes["fang"], rid, False))["state"] == "refused"
    late = await walkins.answer_consent(cast.scopes["ming"], rid, True)
    assert late == {"decided": False, "state": "refused", "decided_by": "Wang Fang",
                    "decided_at": late["decided_at"]} and late["decided_at"]
    status = await walkins.status(cast.scopes["li"], rid)
    assert status["state"] == "refused" and status["actions"] == set()
    assert (await walkins.admit(cast.scopes["li"], cast.act(), rid))["admitted"] is False
    assert await Visit.count().where(Visit.registration == rid) == 0


async def test_two_members_answering_at_once_make_exactly_one_decision(cast):
    for _ in range(4):
        rid = await cast.register()
        results = await asyncio.gather(
            walkins.answer_consent(cast.scopes["fang"], rid, True),
            walkins.answer_consent(cast.scopes["ming"], rid, False),
        )
        winners = [r for r in results if r["decided"]]
        assert len(winners) == 1
        row = await reg(rid)
        assert row.state == winners[0]["state"]
        loser = next(r for r in results if not r["decided"])
        assert loser["decided_by"] == winners[0]["decided_by"]
        assert len(await notes(rid, Note.CONSENT_DECIDED)) == 2  # one decision: guard + the other member
        assert await AuditEvent.count().where(
            (AuditEvent.action == "walkin.consent_answered") & (AuditEvent.subject == rid)) == 1


async def test_another_household_or_estate_cannot_see_or_answer(cast, make_estate):
    rid = await cast.register()
    with pytest.raises(NotFound):
        await walkins.answer_consent(cast.scopes["liu"], rid, True)
    with pytest.raises(NotFound):
        await walkins.consent_view(cast.scopes["liu"], rid)
    other = await make_estate("Elsewhere")
    stranger = await other.person("Tan Mei", Role.RESIDENT, Role.GATE_GUARD, Role.MANAGER, unit="1-1-0101")
    outsider = await scope_of(other, stranger, "Tan Mei")
    for call in (walkins.answer_consent(outsider, rid, True), walkins.status(outsider, rid),
                 walkins.decide_escalation(outsider, rid, True)):
        with pytest.raises(NotFound):
            await call
    assert (await reg(rid)).state == "waiting"


async def test_other_household_and_other_estate_get_404_pages(cast, client, csrf, sign_in_en, make_estate):
    rid = await cast.register()
    await sign_in_en(cast.liu)
    assert (await client.get(f"/e/{cast.estate.slug}/consents/{rid}")).status_code == 404
    response = await post_form(client, csrf, f"/e/{cast.estate.slug}/consents/{rid}/answer", {"answer": "approve"})
    assert response.status_code == 404
    other = await make_estate("Elsewhere")
    await sign_in_en(await other.person("Tan Mei", Role.GATE_GUARD, Role.RESIDENT, unit="1-1-0101"))
    assert (await client.get(f"/e/{other.slug}/walkins/{rid}")).status_code == 404
    assert (await client.get(f"/e/{other.slug}/consents/{rid}")).status_code == 404
    assert (await reg(rid)).state == "waiting"


# Nobody answers ----------------------------------------------------------------------------


async def test_the_status_read_times_out_its_own_registration(cast):
    rid = await cast.register()
    await Registration.update({Registration.consent_deadline: utcnow() - timedelta(seconds=1)}).where(
        Registration.id == rid)
    status = await walkins.status(cast.scopes["li"], rid)
    assert status["state"] == "unreachable" and status["actions"] == {"escalate"} and not status["polls"]
    late = await walkins.answer_consent(cast.scopes["fang"], rid, True)
    assert late["decided"] is False and late["state"] == "unreachable"


async def test_a_late_answer_loses_to_the_deadline_even_before_any_tick(cast):
    rid = await cast.register()
    await Registration.update({Registration.consent_deadline: utcnow() - timedelta(seconds=1)}).where(
        Registration.id == rid)
    late = await walkins.answer_consent(cast.scopes["fang"], rid, True)
    assert late["decided"] is False and (await reg(rid)).state == "unreachable"


async def test_the_periodic_job_moves_every_overdue_registration(cast):
    overdue, fresh = await cast.register(), await cast.register()
    await Registration.update({Registration.consent_deadline: utcnow() - timedelta(seconds=5)}).where(
        Registration.id == overdue)
    assert await walkins.expire_waiting() >= 1
    assert (await reg(overdue)).state == "unreachable"
    assert (await reg(fresh)).state == "waiting"
    assert await walkins.expire_waiting(estate_id=cast.estate.id) == 0


async def test_a_unit_with_nobody_to_ask_is_unreachable_at_once(cast):
    rid = await cast.register(unit="2-1-0101")
    row = await reg(rid)
    assert row.state == "unreachable" and row.consent_deadline is None
    assert await notes(rid) == []


async def test_escalation_then_the_manager_admits_with_an_escort(cast):
    rid = await cast.register()
    await Registration.update({Registration.consent_deadline: utcnow() - timedelta(seconds=1)}).where(
        Registration.id == rid)
    with pytest.raises(Invalid) as refused:
        await walkins.escalate(cast.scopes["li"], cast.act(), rid, relation="", evidence="")
    assert set(refused.value.errors) == {"relation", "evidence"}
    act = cast.act()
    done = await walkins.escalate(cast.scopes["li"], act, rid, relation="brother",
                                  evidence="Showed WeChat messages from the owner")
    assert done["escalated"] and (await walkins.escalate(cast.scopes["li"], act, rid, relation="x", evidence="y")) == done
    row = await reg(rid)
    assert row.state == "escalated" and row.relation == "brother" and "WeChat" in row.evidence
    assert {n["person"] for n in await notes(rid, Note.ESCALATION)} == {cast.sun}

    with pytest.raises(Forbidden):  # a supervisor may look but not decide
        await walkins.decide_escalation(cast.scopes["wu"], rid, True)
    decision = await walkins.decide_escalation(cast.scopes["sun"], rid, True, "Brother, confirmed by photo")
    assert decision["decided"] and decision["state"] == "admitted"
    again = await walkins.decide_escalation(cast.scopes["sun"], rid, False)
    assert again["decided"] is False and again["state"] == "admitted"

    row = await reg(rid)
    assert row.decided_by == cast.sun and row.decision_note == "Brother, confirmed by photo"
    visits = await Visit.select().where(Visit.registration == rid)
    assert len(visits) == 1 and visits[0]["admitted_by"] == cast.li
    tasks = await EscortTask.select().where(EscortTask.registration == rid)
    assert len(tasks) == 1 and tasks[0]["kind"] == "escort" and tasks[0]["state"] == "open"
    assert [(n["person"], n["url"]) for n in await notes(rid, Note.ESCORT_TASK)] == [
        (cast.zhao, f"/e/{cast.estate.slug}/escorts")]
    assert [(n["person"], n["url"]) for n in await notes(rid, Note.ESCALATION_DECIDED)] == [
        (cast.li, f"/e/{cast.estate.slug}/walkins/{rid}")]
    status = await walkins.status(cast.scopes["li"], rid)
    assert status["via"] == "manager" and status["decided_by_name"] == "Sun Hao"

    task_id = tasks[0]["id"]
    listed = await escorts.tasks(cast.scopes["zhao"])
    assert [t["id"] for t in listed["open"]] == [task_id] and listed["open"][0]["visitor_name"] == "Zhang Wei"
    ack = cast.act("zhao")
    assert (await escorts.acknowledge(cast.scopes["zhao"], ack, task_id))["acknowledged"]
    assert (await escorts.acknowledge(cast.scopes["zhao"], ack, task_id))["acknowledged"]  # replay: same answer
    assert (await escorts.acknowledge(cast.scopes["zhao"], cast.act("zhao"), task_id))["acknowledged"] is False
    assert (await escorts.complete(cast.scopes["zhao"], cast.act("zhao"), task_id))["completed"]
    row = await reg(rid)
    assert row.state == "completed" and row.completed_at is not None
    assert (await escorts.tasks(cast.scopes["zhao"]))["open"] == []
    assert await AuditEvent.exists().where((AuditEvent.action == "walkin.escalation_decided") & (AuditEvent.subject == rid))


async def test_the_manager_turns_a_visitor_away(cast):
    rid = await cast.register(unit="2-1-0101")  # nobody to ask
    await walkins.escalate(cast.scopes["li"], cast.act(), rid, relation="friend", evidence="None shown")
    assert (await walkins.decide_escalation(cast.scopes["sun"], rid, False, "No evidence"))["state"] == "turned_away"
    assert await Visit.count().where(Visit.registration == rid) == 0
    assert await EscortTask.count().where(EscortTask.registration == rid) == 0
    assert len(await notes(rid, Note.ESCALATION_DECIDED)) == 1


# Emergencies, refusals, prohibited items --------------------------------------------------


async def test_an_emergency_admits_at_once_and_tells_household_manager_and_patrol(cast):
    rid = await cast.register(kind="emergency", name="Dr Lin", relation="doctor", gender="", id_type="",
                              id_number="", phone="", purpose="")
    row = await reg(rid)
    assert row.kind == "emergency" and row.state == "open"
    assert await Visit.count().where(Visit.registration == rid) == 1
    task = await EscortTask.select().where(EscortTask.registration == rid).first()
    assert task["kind"] == "emergency" and task["unit"] == cast.estate.units["1-1-0101"].id
    assert {n["person"] for n in await notes(rid, Note.EMERGENCY)} == {cast.fang, cast.ming, cast.sun, cast.zhao}
    lists = await walkins.open_list(cast.scopes["li"])
    assert rid in {str(r["id"]) for r in lists["open"]}
    assert rid in {str(r["id"]) for r in (await walkins.escalations(cast.scopes["sun"]))["emergencies"]}
    assert rid in {str(r["id"]) for r in await walkins.pending_consents(cast.scopes["fang"])}

    done = await walkins.complete(cast.scopes["li"], cast.act(), rid, cast.facts(
        kind="emergency", name="Lin Hui", relation="doctor", phone="13800001111"))
    assert done["completed"]
    row = await reg(rid)
    assert row.state == "completed" and row.name == "Lin Hui"
    assert sealed.open_value(Registration, "phone", row.phone) == "13800001111"
    assert rid not in {str(r["id"]) for r in (await walkins.open_list(cast.scopes["li"]))["open"]}


async def test_an_emergency_needs_name_relation_and_unit(cast):
    with pytest.raises(Invalid) as refused:
        await walkins.register(cast.scopes["li"], cast.act(), walkins.Facts(kind="emergency", gate=str(cast.gate["id"])))
    assert set(refused.value.errors) == {"name", "relation", "unit"}


async def test_a_refusal_to_register_is_recorded_for_manager_and_front_desk(cast):
    rid = await cast.register(kind="refused_to_register", name="", gender="", id_type="", id_number="", phone="",
                              unit="", purpose="", note="Would not show ID, left")
    row = await reg(rid)
    assert row.kind == "refused_to_register" and row.state == "recorded" and row.decision_note.startswith("Would")
    assert {n["person"] for n in await notes(rid, Note.REFUSED_TO_REGISTER)} == {cast.sun, cast.chen}


async def test_prohibited_items_are_refused_and_the_manager_told(cast):
    with pytest.raises(Invalid) as refused:
        await cast.register(kind="prohibited_items", items="")
    assert "items" in refused.value.errors
    rid = await cast.register(kind="prohibited_items", items="Two cans of petrol")
    row = await reg(rid)
    assert row.state == "recorded" and row.items == "Two cans of petrol"
    sent = await notes(rid, Note.PROHIBITED_ITEMS)
    assert {n["person"] for n in sent} == {cast.sun}
    assert await Visit.count().where(Visit.registration == rid) == 0


# Idempotency, lookup, watchlist, masking -------------------------------------------------


async def test_a_replayed_registration_creates_nothing_new(cast):
    act = cast.act()
    first = await walkins.register(cast.scopes["li"], act, cast.facts(name="Replay Zhang"))
    again = await walkins.register(cast.scopes["li"], act, cast.facts(name="Replay Zhang"))
    assert first == again
    assert await Registration.count().where(
        (Registration.estate == cast.estate.id) & (Registration.name == "Replay Zhang")) == 1
    assert len(await notes(first["registration_id"], Note.CONSENT_REQUEST)) == 2
    assert await GuardAction.count().where(GuardAction.key == act.key) == 1


async def test_a_replayed_form_post_redirects_to_the_same_registration(cast, client, csrf, sign_in_en):
    await sign_in_en(cast.li)
    form = {"kind": "walk_in", "gate": str(cast.gate["id"]), "name": "Post Twice", "gender": "female",
            "id_type": "passport", "id_number": "E12345678", "phone": "139 0000 1111", "unit": "1-1-0101",
            "purpose": "family_friend", "party_size": "2", "idem_key": uuid4().hex}
    first = await post_form(client, csrf, f"/e/{cast.estate.slug}/walkins", form)
    second = await post_form(client, csrf, f"/e/{cast.estate.slug}/walkins", form)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert await Registration.count().where(Registration.name == "Post Twice") == 1


async def test_a_bad_form_comes_back_with_the_typed_values(cast, client, csrf, sign_in_en):
    await sign_in_en(cast.li)
    response = await post_form(client, csrf, f"/e/{cast.estate.slug}/walkins", {
        "kind": "walk_in", "gate": str(cast.gate["id"]), "name": "Typed Name", "unit": "9-9-9999",
        "idem_key": uuid4().hex})
    assert response.status_code == 422
    assert 'value="Typed Name"' in response.text and "There is no such unit in this estate." in response.text


async def test_a_returning_visitor_is_found_by_phone_in_this_estate_only(cast, client, sign_in_en, make_estate):
    await cast.register(name="Zhang Returning", phone="+86 139-8888-7777", vehicle_plate="沪a12345")
    other = await make_estate("Elsewhere")
    other_guard = await other.person("Guard B", Role.GATE_GUARD)
    await walkins.register(await scope_of(other, other_guard, "Guard B"), idempotency.action(other_guard, uuid4().hex),
                           walkins.Facts(gate=str((await Gate.select().where(Gate.estate == other.id).first())["id"]),
                                         name="Someone Else", gender="male", id_type="passport", id_number="X1",
                                         phone="13988887777", unit="1-1-0101", purpose="repair"))
    await sign_in_en(cast.li)
    page = await client.get(f"/e/{cast.estate.slug}/walkins/lookup", params={"phone": "139 8888 7777"},
                            headers={"hx-request": "true"})
    assert page.status_code == 200
    assert 'value="Zhang Returning"' in page.text and 'value="110105199003071234"' in page.text
    assert 'value="1-1-0101"' in page.text and "Returning visitor" in page.text and "沪A12345" in page.text
    assert "Someone Else" not in page.text
    unknown = await client.get(f"/e/{cast.estate.slug}/walkins/lookup", params={"phone": "10000000000"})
    assert "Returning visitor" not in unknown.text and 'value="Zhang Returning"' not in unknown.text


async def test_a_watchlisted_visitor_warns_and_is_recorded_when_the_guard_goes_ahead(cast, client, csrf, sign_in_en):
    await WatchlistEntry(**sealed.seal(WatchlistEntry, dict(
        estate=cast.estate.id, reason="Stole parcels", **normalised("Bad Actor", "", "13700001111")))).save()
    with pytest.raises(walkins.WatchlistWarning) as warned:
        await cast.register(name="Bad Actor", phone="137 0000 1111")
    assert warned.value.matches[0]["reason"] == "Stole parcels"

    await sign_in_en(cast.li)
    warning = await client.get(f"/e/{cast.estate.slug}/walkins/watch", params={"phone": "13700001111"})
    assert "On the watchlist" in warning.text and "Stole parcels" in warning.text
    form = {"kind": "walk_in", "gate": str(cast.gate["id"]), "name": "Bad Actor", "gender": "male",
            "id_type": "resident_id", "id_number": "1234567890", "phone": "13700001111", "unit": "1-1-0101",
            "purpose": "other", "idem_key": uuid4().hex}
    page = await post_form(client, csrf, f"/e/{cast.estate.slug}/walkins", form)
    assert page.status_code == 422 and "On the watchlist" in page.text and 'name="watchlist_ack"' in page.text
    assert await Registration.count().where(Registration.name == "Bad Actor") == 0
    page = await post_form(client, csrf, f"/e/{cast.estate.slug}/walkins", {**form, "watchlist_ack": "yes"})
    assert page.status_code == 303
    row = await Registration.objects().where(Registration.name == "Bad Actor").first()
    assert row.watchlist_hit is True
    assert await AuditEvent.exists().where(
        (AuditEvent.action == "walkin.watchlist_override") & (AuditEvent.subject == str(row.id)))


async def test_lists_mask_the_phone_and_the_staff_detail_shows_it(cast, client, sign_in_en):
    rid = await cast.register(name="Masked Ma", phone="13912345678")
    await sign_in_en(cast.li)
    listing = await client.get(f"/e/{cast.estate.slug}/walkins")
    assert listing.status_code == 200 and "Masked Ma" in listing.text
    assert "139****5678" in listing.text and "13912345678" not in listing.text
    detail = await client.get(f"/e/{cast.estate.slug}/walkins/{rid}")
    assert "13912345678" in detail.text and "110105199003071234" in detail.text
    await sign_in_en(cast.fang)
    consent = await client.get(f"/e/{cast.estate.slug}/consents/{rid}")
    assert consent.status_code == 200 and "Masked Ma" in consent.text
    shown = re.sub(r"<[^>]*>", " ", consent.text)  # the words on the page, not its tokens and hashes
    assert "Masked Ma" in shown and "5678" not in shown and "1234" not in shown


# Through the pages ------------------------------------------------------------------------


async def test_the_waiting_screen_changes_when_the_resident_answers(cast, client, csrf, sign_in_en):
    rid = await cast.register(name="Screen Song")
    await sign_in_en(cast.li)
    status_url = f"/e/{cast.estate.slug}/walkins/{rid}/status"
    waiting = await client.get(status_url, headers={"hx-request": "true"})
    assert waiting.status_code == 200 and "Asking the household of 1-1-0101" in waiting.text
    assert 'data-live="walkins" data-live-every="3"' in waiting.text and waiting.headers.get("etag")

    await sign_in_en(cast.fang)
    home = await client.get(f"/e/{cast.estate.slug}/consents", headers={"hx-request": "true"})
    assert "Screen Song" in home.text
    answered = await post_form(client, csrf, f"/e/{cast.estate.slug}/consents/{rid}/answer", {"answer": "approve"})
    assert answered.status_code == 303 and answered.headers["location"].endswith("?done=answered")
    page = await client.get(answered.headers["location"])
    assert "Approved by Wang Fang at" in page.text

    await sign_in_en(cast.ming)
    late = await post_form(client, csrf, f"/e/{cast.estate.slug}/consents/{rid}/answer", {"answer": "refuse"})
    assert late.headers["location"].endswith("?done=too_late")
    page = await client.get(f"/e/{cast.estate.slug}/consents/{rid}")
    assert "Approved by Wang Fang at" in page.text

    await sign_in_en(cast.li)
    approved = await client.get(status_url, headers={"hx-request": "true"})
    assert "Approved by Wang Fang" in approved.text and "data-live-every" not in approved.text
    key = re.search(r'name="idem_key" value="([0-9a-f]+)"', approved.text).group(1)
    admit_url = f"/e/{cast.estate.slug}/walkins/{rid}/admit"
    assert (await post_form(client, csrf, admit_url, {"idem_key": key})).status_code == 303
    assert (await post_form(client, csrf, admit_url, {"idem_key": key})).status_code == 303
    assert await Visit.count().where(Visit.registration == rid) == 1


async def test_the_manager_decides_from_the_page_and_patrol_completes(cast, client, csrf, sign_in_en):
    rid = await cast.register(name="Page Escalation", unit="2-1-0101")
    await sign_in_en(cast.li)
    response = await post_form(client, csrf, f"/e/{cast.estate.slug}/walkins/{rid}/escalate",
                               {"relation": "", "evidence": "", "idem_key": uuid4().hex})
    assert response.status_code == 422 and "Write down what the visitor showed or said." in response.text
    response = await post_form(client, csrf, f"/e/{cast.estate.slug}/walkins/{rid}/escalate",
                               {"relation": "son", "evidence": "Photo with the owner", "idem_key": uuid4().hex})
    assert response.status_code == 303

    await sign_in_en(cast.wu)  # the supervisor sees it, without the decision buttons
    listing = await client.get(f"/e/{cast.estate.slug}/escalations")
    assert "Page Escalation" in listing.text
    assert "Admit with escort" not in (await client.get(f"/e/{cast.estate.slug}/walkins/{rid}")).text
    await sign_in_en(cast.sun)
    summary = await client.get(f"/e/{cast.estate.slug}/escalations", headers={"hx-request": "true"})
    assert "Page Escalation" in summary.text
    detail = await client.get(f"/e/{cast.estate.slug}/walkins/{rid}")
    assert "Admit with escort" in detail.text and "Photo with the owner" in detail.text
    decided = await post_form(client, csrf, f"/e/{cast.estate.slug}/walkins/{rid}/decide",
                              {"decision": "admit", "note": "Known to us"})
    assert decided.status_code == 303

    await sign_in_en(cast.li)
    status = await client.get(f"/e/{cast.estate.slug}/walkins/{rid}/status", headers={"hx-request": "true"})
    assert "The manager admitted the visitor" in status.text and "Known to us" in status.text

    await sign_in_en(cast.zhao)
    tasks = await client.get(f"/e/{cast.estate.slug}/escorts", headers={"hx-request": "true"})
    assert "Escort Page Escalation to 2-1-0101" in tasks.text
    task = await EscortTask.select().where(EscortTask.registration == rid).first()
    base = f"/e/{cast.estate.slug}/escorts/{task['id']}"
    assert (await post_form(client, csrf, base + "/acknowledge", {"idem_key": uuid4().hex})).status_code == 303
    assert (await post_form(client, csrf, base + "/complete", {"idem_key": uuid4().hex})).status_code == 303
    assert (await reg(rid)).state == "completed"


async def test_the_admin_sets_the_consent_timeout(cast, client, csrf, sign_in_en):
    admin = await cast.estate.person("Zhou Min", Role.ADMIN)
    await sign_in_en(admin)
    base = {"name": "Harbour", "timezone": "Asia/Shanghai", "visitor_rules": "Be kind."}
    bad = await post_form(client, csrf, f"/e/{cast.estate.slug}/admin", {**base, "consent_timeout": "2"})
    assert bad.status_code == 422 and "Enter a number of seconds from 5 to 1800." in bad.text
    good = await post_form(client, csrf, f"/e/{cast.estate.slug}/admin", {**base, "consent_timeout": "7"})
    assert good.status_code == 303
    estate = await Estate.objects().where(Estate.id == cast.estate.id).first()
    assert estate.consent_timeout_seconds == 7 and estate.visitor_rules == "Be kind."
    page = await client.get(f"/e/{cast.estate.slug}/admin")
    assert 'name="consent_timeout" type="number" value="7"' in page.text and "Be kind." in page.text
    rid = await cast.register()
    row = await reg(rid)
    assert 6 <= (row.consent_deadline - row.created_at).total_seconds() <= 8


async def test_the_periodic_work_moves_an_unanswered_walk_in_on_after_its_deadline(cast):
    from app.asgi import PERIODIC_JOBS

    rid = await cast.register()
    await Registration.update({Registration.consent_deadline: utcnow() - timedelta(seconds=1)}).where(
        Registration.id == rid)
    assert walkins.expire_waiting_job in PERIODIC_JOBS
    await walkins.expire_waiting_job()
    assert (await reg(rid)).state == "unreachable"


async def test_an_unchanged_waiting_screen_costs_a_304(cast, client, sign_in_en):
    rid = await cast.register(unit="2-1-0101")
    await walkins.escalate(cast.scopes["li"], cast.act(), rid, relation="friend", evidence="Letter")
    await sign_in_en(cast.li)
    url = f"/e/{cast.estate.slug}/walkins/{rid}/status"
    first = await client.get(url, headers={"hx-request": "true"})
    assert 'data-live-every="3"' in first.text
    again = await client.get(url, headers={"hx-request": "true", "if-none-match": first.headers["etag"]})
    assert again.status_code == 304
    await walkins.decide_escalation(cast.scopes["sun"], rid, False, "No")
    changed = await client.get(url, headers={"hx-request": "true", "if-none-match": first.headers["etag"]})
    assert changed.status_code == 200 and "turned the visitor away" in changed.text and "data-live-every" not in changed.text


async def test_a_waiting_screen_polled_seconds_later_still_costs_a_304(cast, client, sign_in_en, monkeypatch):
    """The countdown runs in the phone to the deadline the screen carries: nothing in the
    polled partial changes from one second to the next."""
    rid = await cast.register()
    await sign_in_en(cast.li)
    url = f"/e/{cast.estate.slug}/walkins/{rid}/status"
    first = await client.get(url, headers={"hx-request": "true"})
    deadline = (await reg(rid)).consent_deadline
    assert 'data-live-every="3"' in first.text and f'data-countdown="{int(deadline.timestamp() * 1000)}"' in first.text
    later = utcnow() + timedelta(seconds=20)
    monkeypatch.setattr(walkins, "utcnow", lambda: later)
    again = await client.get(url, headers={"hx-request": "true", "if-none-match": first.headers["etag"]})
    assert again.status_code == 304


async def test_emergency_refusal_and_prohibited_items_through_the_forms(cast, client, csrf, sign_in_en):
    await sign_in_en(cast.li)
    slug = cast.estate.slug
    for kind in ("emergency", "refused_to_register", "prohibited_items"):
        page = await client.get(f"/e/{slug}/walkins/new", params={"kind": kind})
        assert page.status_code == 200 and 'name="idem_key"' in page.text
    gate = str(cast.gate["id"])
    created = await post_form(client, csrf, f"/e/{slug}/walkins", {
        "kind": "emergency", "gate": gate, "name": "Form Emergency", "relation": "daughter", "unit": "1-1-0101",
        "idem_key": uuid4().hex})
    assert created.status_code == 303
    detail = await client.get(created.headers["location"])
    assert "Emergency entry: admitted" in detail.text and "Complete the registration" in detail.text
    rid = created.headers["location"].split("/walkins/")[1].split("?")[0]
    assert "Form Emergency" in (await client.get(f"/e/{slug}/walkins")).text
    done = await post_form(client, csrf, f"/e/{slug}/walkins/{rid}/complete", {
        "name": "Form Emergency", "relation": "daughter", "unit": "1-1-0101", "gender": "female",
        "id_type": "resident_id", "id_number": "110101200001011234", "phone": "13600000000", "purpose": "other",
        "party_size": "1", "idem_key": uuid4().hex})
    assert done.status_code == 303 and done.headers["location"].endswith("done=completed")
    assert (await reg(rid)).state == "completed"

    refused = await post_form(client, csrf, f"/e/{slug}/walkins", {
        "kind": "refused_to_register", "gate": gate, "note": "Walked off", "idem_key": uuid4().hex})
    assert refused.status_code == 303
    assert "Refusal to register recorded" in (await client.get(refused.headers["location"])).text
    missing = await post_form(client, csrf, f"/e/{slug}/walkins", {
        "kind": "prohibited_items", "gate": gate, "items": "", "idem_key": uuid4().hex})
    assert missing.status_code == 422 and "List the prohibited items." in missing.text
    items = await post_form(client, csrf, f"/e/{slug}/walkins", {
        "kind": "prohibited_items", "gate": gate, "items": "Fireworks", "idem_key": uuid4().hex})
    assert items.status_code == 303
    assert "Fireworks" in (await client.get(items.headers["location"])).text


async def test_the_household_home_lists_only_its_own_requests(cast, client, sign_in_en):
    mine = await cast.register(name="For Fang")
    theirs = await cast.register(name="For Liu", unit="1-1-0102")
    await sign_in_en(cast.fang)
    listed = await client.get(f"/e/{cast.estate.slug}/consents", headers={"hx-request": "true"})
    assert "For Fang" in listed.text and "For Liu" not in listed.text
    home = await client.get(f"/e/{cast.estate.slug}/")
    assert f"/e/{cast.estate.slug}/consents" in home.text  # the home loads the list by itself
    await walkins.answer_consent(cast.scopes["ming"], mine, False)
    listed = await client.get(f"/e/{cast.estate.slug}/consents", headers={"hx-request": "true"})
    assert "For Fang" not in listed.text  # answered: no longer asking
    await sign_in_en(cast.liu)
    listed = await client.get(f"/e/{cast.estate.slug}/consents", headers={"hx-request": "true"})
    assert "For Liu" in listed.text and "For Fang" not in listed.text
    page = await client.get(f"/e/{cast.estate.slug}/consents/{theirs}")
    assert page.status_code == 200 and "For Liu" in page.text


async def test_yesterdays_unsettled_walk_ins_leave_the_open_list_but_emergencies_stay(cast):
    stale = await cast.register(name="Stale Approved")
    await walkins.answer_consent(cast.scopes["fang"], stale, True)
    emergency = await cast.register(kind="emergency", name="Stale Emergency", relation="son")
    escalated = await cast.register(name="Stale Escalated", unit="2-1-0101")
    await walkins.escalate(cast.scopes["li"], cast.act(), escalated, relation="son", evidence="Photo")
    await Registration.update({Registration.created_at: utcnow() - timedelta(days=2)}).where(
        Registration.id.is_in([stale, emergency, escalated]))
    listed = {str(r["id"]) for r in (await walkins.open_list(cast.scopes["li"]))["open"]}
    assert stale not in listed and {emergency, escalated} <= listed


async def test_the_open_list_refreshes_itself(cast, client, sign_in_en):
    rid = await cast.register(name="Listed Lu")
    await sign_in_en(cast.li)
    page = await client.get(f"/e/{cast.estate.slug}/walkins")
    assert 'data-live="walkins" data-live-every="10"' in page.text
    rows = await client.get(f"/e/{cast.estate.slug}/walkins", headers={"hx-request": "true"})
    assert "Listed Lu" in rows.text and "<html" not in rows.text
    again = await client.get(f"/e/{cast.estate.slug}/walkins",
                             headers={"hx-request": "true", "if-none-match": rows.headers["etag"]})
    assert again.status_code == 304
    await walkins.answer_consent(cast.scopes["fang"], rid, False)
    changed = await client.get(f"/e/{cast.estate.slug}/walkins",
                               headers={"hx-request": "true", "if-none-match": rows.headers["etag"]})
    assert changed.status_code == 200 and "Listed Lu" not in changed.text
