"""Patrol rounds: checkpoints and routes kept by the supervisor, a guard's round (start, check
in by tag, finish), each once whatever the phone resends, inside its estate only; the board and
the alert for a round not started in time. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from uuid import uuid4

import pytest

from app.domain.notifications import Kind as Note
from app.domain.roles import Role
from app.domain.tokens import Kind
from app.models.notifications import Notification
from app.models.patrol import CheckIn, PatrolAlert, PatrolRound
from app.services import codes, duty, idempotency, patrol_rounds, patrol_setup
from app.services.clock import utcnow
from app.services.errors import Invalid, NotFound
from app.services.patrol_setup import CheckpointForm, RouteForm
from tests.integration.forms import post_form
from tests.integration.test_walkins import scope_of


class Patrol:
    """An estate with a supervisor, two patrol guards and a route of three checkpoints."""

    async def setup(self, estate, *, ordered: bool = False, every: str = "60"):
        self.estate = estate
        self.supervisor = await estate.person("Wu Supervisor", Role.SUPERVISOR)
        self.guard = await estate.person("Liu Patrol", Role.PATROL_GUARD)
        self.other_guard = await estate.person("Zhao Patrol", Role.PATROL_GUARD)
        self.sup = await scope_of(estate, self.supervisor, "Wu Supervisor")
        self.scope = await scope_of(estate, self.guard, "Liu Patrol")
        self.checkpoints = []
        for name, kind in (("B1 stairwell", "stairwell_door"), ("Pump room", "pump_room"), ("Bike shed", "bike_shed")):
            cid = await patrol_setup.add_checkpoint(self.sup, CheckpointForm(name, f"{name} place", kind,
                                                                             "Door locked?\nLights working?"))
            self.checkpoints.append(cid)
        self.route_id = await patrol_setup.add_route(self.sup, RouteForm(
            "Night round", ordered, every, "00:00", "00:00", [str(c) for c in self.checkpoints]))
        return self

    def act(self, key: str | None = None, when=None, person=None):
        """A guard action as the phone's outbox sends it: when it happened, and when it left the phone."""
        return idempotency.action(person or self.guard, key or uuid4().hex, (when or utcnow()).isoformat(),
                                  sent_at=utcnow().isoformat())

    async def tag(self, checkpoint_id) -> str:
        return await codes.sign(self.estate.id, Kind.CHECKPOINT, checkpoint_id)

    async def start(self) -> str:
        result = await patrol_rounds.start(self.scope, self.act(), self.route_id)
        assert result["reason"] == patrol_rounds.STARTED, result
        return result["round_id"]


@pytest.fixture
async def patrol(make_estate):
    return await Patrol().setup(await make_estate("Harbour"))


# Checkpoints and routes ----------------------------------------------------------------------


async def test_a_checkpoint_needs_a_name_a_kind_and_a_checklist(patrol):
    with pytest.raises(Invalid) as refused:
        await patrol_setup.add_checkpoint(patrol.sup, CheckpointForm("", "", "volcano", ""))
    assert set(refused.value.errors) == {"name", "kind", "checklist"}


async def test_a_blank_checklist_gets_the_usual_questions_of_its_kind(patrol, client, csrf, sign_in_en):
    await sign_in_en(patrol.supervisor)
    response = await post_form(client, csrf, f"/e/{patrol.estate.slug}/patrol/checkpoints",
                               {"name": "Transformer 2", "place": "B2", "kind": "transformer_room", "checklist": ""})
    assert response.status_code == 303
    rows = [c for c in await patrol_setup.checkpoints(patrol.sup) if c["name"] == "Transformer 2"]
    assert rows[0]["questions"][0] == "Door and windows locked?"


async def test_the_tag_sheet_prints_a_signed_code_for_each_checkpoint_in_use(patrol, client, sign_in_en):
    await sign_in_en(patrol.supervisor)
    page = await client.get(f"/e/{patrol.estate.slug}/patrol/tags")
    assert page.status_code == 200
    assert page.text.count("data-tag ") == 3
    assert page.text.count("<svg data-qr") == 3
    assert page.headers["cache-control"] == "private, no-store"
    code = await codes.read(patrol.estate.id, await patrol.tag(patrol.checkpoints[0]))
    assert code.kind == Kind.CHECKPOINT and code.record_id == patrol.checkpoints[0]


async def test_a_route_keeps_its_checkpoints_in_the_order_numbered(patrol, client, csrf, sign_in_en):
    await sign_in_en(patrol.supervisor)
    a, b, c = patrol.checkpoints
    response = await post_form(client, csrf, f"/e/{patrol.estate.slug}/patrol/routes", {
        "name": "Day round", "every_minutes": "30", "shift_from": "08:00", "shift_until": "20:00", "ordered": "yes",
        f"pos_{a}": "3", f"pos_{b}": "1", f"pos_{c}": ""})
    assert response.status_code == 303
    day = [r for r in await patrol_setup.routes(patrol.sup) if r["name"] == "Day round"][0]
    assert [s["id"] for s in day["stops"]] == [b, a]
    assert (day["every_minutes"], day["shift_from"], day["shift_until"], day["ordered"]) == (30, "08:00", "20:00", True)


async def test_a_route_refuses_another_estates_checkpoint_and_a_silly_interval(patrol, make_estate):
    other = await Patrol().setup(await make_estate("Elsewhere"))
    with pytest.raises(Invalid) as refused:
        await patrol_setup.add_route(patrol.sup, RouteForm("Bad", False, "3", "00:00", "00:00",
                                                           [str(other.checkpoints[0])]))
    assert set(refused.value.errors) == {"checkpoints", "every_minutes"}


async def test_a_guard_may_not_keep_checkpoints(patrol, client, sign_in_en):
    await sign_in_en(patrol.guard)
    assert (await client.get(f"/e/{patrol.estate.slug}/patrol/checkpoints")).status_code == 403


# A round -------------------------------------------------------------------------------------


async def test_a_guard_walks_a_round_and_its_progress_counts_each_checkpoint(patrol):
    round_id = await patrol.start()
    result = await patrol_rounds.check_in(patrol.scope, patrol.act(), round_id, await patrol.tag(patrol.checkpoints[1]),
                                          ["yes", "no"], "light out")
    assert (result["reason"], result["done"], result["total"]) == ("ok", 1, 3)
    assert result["failed"] == ["Lights working?"]
    row = await CheckIn.objects().where(CheckIn.round == round_id).first()
    assert (row.problems, row.answers, row.note) == (1, "yes\nno", "light out")
    finished = await patrol_rounds.finish(patrol.scope, patrol.act(), round_id)
    assert (finished["reason"], finished["missed"]) == ("finished", 2)


async def test_a_check_in_sent_twice_is_stored_once_with_the_time_of_the_scan(patrol):
    round_id = await patrol.start()
    scanned = utcnow() - timedelta(minutes=7)  # kept on the phone with no signal, sent later
    act = patrol.act("same-key", when=scanned)
    token = await patrol.tag(patrol.checkpoints[0])
    first = await patrol_rounds.check_in(patrol.scope, act, round_id, token, ["yes", "yes"])
    again = await patrol_rounds.check_in(patrol.scope, patrol.act("same-key", when=scanned), round_id, token,
                                         ["yes", "yes"])
    assert first == again
    rows = await CheckIn.select().where(CheckIn.round == round_id)
    assert len(rows) == 1
    assert abs(rows[0]["checked_at"] - scanned) < timedelta(seconds=1)
    assert rows[0]["time_flagged"] is False


async def test_the_same_checkpoint_scanned_again_is_told_and_not_stored(patrol):
    round_id = await patrol.start()
    token = await patrol.tag(patrol.checkpoints[0])
    await patrol_rounds.check_in(patrol.scope, patrol.act(), round_id, token, ["yes", "yes"])
    again = await patrol_rounds.check_in(patrol.scope, patrol.act(), round_id, token, ["yes", "yes"])
    assert again["reason"] == "repeated"
    assert await CheckIn.count().where(CheckIn.round == round_id) == 1


async def test_two_guards_checking_in_at_one_checkpoint_at_once_store_it_once(patrol):
    """The two phones both saw the checkpoint unchecked; the second is told it is already
    checked, as a repeated scan is, instead of failing on the round's one-per-checkpoint index."""
    round_id = await patrol.start()
    other = await scope_of(patrol.estate, patrol.other_guard, "Zhao Patrol")
    token = await patrol.tag(patrol.checkpoints[0])
    racers = [(patrol.scope, patrol.guard), (other, patrol.other_guard)] * 3
    results = await asyncio.gather(*[
        patrol_rounds.check_in(scope, patrol.act(person=person), round_id, token, ["yes", "yes"])
        for scope, person in racers])
    reasons = [r["reason"] for r in results]
    assert reasons.count("ok") == 1, reasons
    assert set(reasons) == {"ok", "repeated"}, reasons
    assert all(r["checkpoint_name"] == "B1 stairwell" for r in results)
    assert await CheckIn.count().where(CheckIn.round == round_id) == 1


async def test_a_phone_with_a_wrong_clock_is_flagged_and_counted_at_arrival(patrol):
    round_id = await patrol.start()
    act = idempotency.action(patrol.guard, uuid4().hex, (utcnow() - timedelta(hours=3)).isoformat(),
                             sent_at=(utcnow() - timedelta(hours=3)).isoformat())
    await patrol_rounds.check_in(patrol.scope, act, round_id, await patrol.tag(patrol.checkpoints[0]), ["yes", "yes"])
    row = await CheckIn.objects().where(CheckIn.round == round_id).first()
    assert row.time_flagged is True
    assert abs(row.checked_at - act.arrived_at) < timedelta(seconds=1)


async def test_tags_of_another_route_or_estate_and_passes_are_told_apart(patrol, make_estate):
    other = await Patrol().setup(await make_estate("Elsewhere"))
    lone = await patrol_setup.add_checkpoint(patrol.sup, CheckpointForm("Roof", "", "other", "Hatch shut?"))
    round_id = await patrol.start()

    async def reason(token):
        return (await patrol_rounds.check_in(patrol.scope, patrol.act(), round_id, token, ["yes", "yes"]))["reason"]

    assert await reason(await patrol.tag(lone)) == "other_route"
    assert await reason(await other.tag(other.checkpoints[0])) == "unknown"
    assert await reason(await codes.sign(patrol.estate.id, Kind.VISITOR_PASS, uuid4())) == "visitor_pass"
    assert await reason(await codes.sign(patrol.estate.id, Kind.RELEASE_SLIP, uuid4())) == "release_slip"
    assert await reason("NOT-A-CODE") == "unknown"
    assert await CheckIn.count().where(CheckIn.round == round_id) == 0


async def test_an_ordered_route_refuses_a_checkpoint_out_of_turn(make_estate):
    patrol = await Patrol().setup(await make_estate("Ordered"), ordered=True)
    round_id = await patrol.start()
    result = await patrol_rounds.check_in(patrol.scope, patrol.act(), round_id, await patrol.tag(patrol.checkpoints[2]),
                                          ["yes", "yes"])
    assert result["reason"] == "out_of_order"


async def test_a_check_in_needs_every_question_answered(patrol):
    round_id = await patrol.start()
    with pytest.raises(Invalid):
        await patrol_rounds.check_in(patrol.scope, patrol.act(), round_id, await patrol.tag(patrol.checkpoints[0]),
                                     ["yes"])
    assert await CheckIn.count().where(CheckIn.round == round_id) == 0


async def test_one_slot_takes_one_round_and_a_start_sent_twice_starts_one(patrol):
    act = patrol.act("start-key")
    first = await patrol_rounds.start(patrol.scope, act, patrol.route_id)
    again = await patrol_rounds.start(patrol.scope, patrol.act("start-key"), patrol.route_id)
    assert first == again
    assert await PatrolRound.count().where(PatrolRound.route == patrol.route_id) == 1


async def test_another_estates_round_is_not_found(patrol, make_estate):
    other = await Patrol().setup(await make_estate("Elsewhere"))
    round_id = await patrol.start()
    with pytest.raises(NotFound):
        await patrol_rounds.round_view(other.scope, round_id)
    with pytest.raises(NotFound):
        await patrol_rounds.check_in(other.scope, other.act(), round_id, await other.tag(other.checkpoints[0]),
                                     ["yes", "yes"])


# Through the routes, as the phone's outbox sends them ----------------------------------------


async def test_a_check_in_replayed_by_the_outbox_lands_once(patrol, client, csrf, sign_in_en):
    await sign_in_en(patrol.guard)
    round_id = await patrol.start()
    url = f"/e/{patrol.estate.slug}/patrol/rounds/{round_id}/check-in"
    scanned = (utcnow() - timedelta(minutes=3)).isoformat()
    form = {"token": await patrol.tag(patrol.checkpoints[0]), "q0": "yes", "q1": "no", "idem_key": "k-1",
            "device_time": scanned, "sent_at": utcnow().isoformat()}
    token = await csrf()
    answers = [await client.post(url, data={"_csrf_token": token, **form},
                                 headers={"x-gatepost-outbox": header}) for header in ("live", "replay")]
    assert [a.headers["x-gatepost-outcome"] for a in answers] == ["accepted", "accepted"]
    link = re.search(r'data-incident-link href="([^"]+)"', answers[1].text).group(1).replace("&amp;", "&")
    assert link == (f"/e/{patrol.estate.slug}/incidents/new?checkpoint={patrol.checkpoints[0]}"
                    "&place=B1+stairwell+place")
    assert await CheckIn.count().where(CheckIn.round == round_id) == 1
    form = await client.get(link)  # the link opens the report, prefilled with the checkpoint and its place
    assert f'name="checkpoint" value="{patrol.checkpoints[0]}"' in form.text
    assert 'value="B1 stairwell place"' in form.text and "patrol checkpoint B1 stairwell" in form.text


async def test_the_round_page_carries_its_tags_and_checklists(patrol, client, sign_in_en):
    await sign_in_en(patrol.guard)
    round_id = await patrol.start()
    page = await client.get(f"/e/{patrol.estate.slug}/patrol/rounds/{round_id}")
    assert page.status_code == 200
    assert await patrol.tag(patrol.checkpoints[0]) in page.text
    assert page.text.count("data-checklist-for=") == 3
    assert "0 of 3" in page.text


async def test_the_guards_home_shows_the_next_round_and_start_round(patrol, client, sign_in_en):
    await sign_in_en(patrol.guard)
    page = await client.get(f"/e/{patrol.estate.slug}/")
    assert "Start round" in page.text and "Night round" in page.text


# The board and the alert ---------------------------------------------------------------------


async def test_a_round_not_started_in_time_alerts_the_supervisor_once_and_shows_missed(patrol):
    now = utcnow()
    later = now + timedelta(hours=3)  # three slots passed with no round at all
    await patrol_rounds.alert_overdue(later)
    raised = await PatrolAlert.count().where(PatrolAlert.route == patrol.route_id)
    assert raised >= 2  # the slots since the route was made, not the day before it
    assert raised <= 3
    await patrol_rounds.alert_overdue(later)  # once per slot
    notes = await Notification.select().where((Notification.person == patrol.supervisor)
                                              & (Notification.kind == Note.ROUND_NOT_STARTED.value))
    assert len(notes) == raised
    assert await Notification.count().where((Notification.person == patrol.guard)
                                            & (Notification.kind == Note.ROUND_NOT_STARTED.value)) == 0
    assert await PatrolAlert.count().where(PatrolAlert.route == patrol.route_id) == raised
    board = await patrol_rounds.board(patrol.sup, later)
    assert board["routes"][0]["tally"]["missed"] >= 2


async def test_a_round_not_started_alerts_the_supervisor_on_shift_and_all_supervisors_when_none_is(patrol):
    night = await patrol.estate.person("Night Supervisor", Role.SUPERVISOR)
    alerted = (Notification.kind == Note.ROUND_NOT_STARTED.value)

    async def told() -> dict:
        rows = await Notification.select(Notification.person).where(alerted & (Notification.estate == patrol.estate.id))
        return {who: sum(1 for r in rows if r["person"] == who) for who in (patrol.supervisor, night)}

    # Nobody on shift: every supervisor of the estate hears of it.
    await patrol_rounds.alert_overdue(utcnow() + timedelta(hours=1, minutes=30))
    first = await told()
    assert first[patrol.supervisor] >= 1 and first[night] == first[patrol.supervisor]

    # The night supervisor starts a shift: the next missed round is theirs alone.
    await duty.start_shift(await scope_of(patrol.estate, night, "Night Supervisor"), "patrol")
    await patrol_rounds.alert_overdue(utcnow() + timedelta(hours=4))
    then = await told()
    assert then[night] > first[night]
    assert then[patrol.supervisor] == first[patrol.supervisor]


async def test_the_board_shows_a_round_in_progress_and_done(patrol, client, sign_in_en):
    round_id = await patrol.start()
    board = await patrol_rounds.board(patrol.sup)
    assert board["routes"][0]["tally"]["in_progress"] == 1
    await patrol_rounds.finish(patrol.scope, patrol.act(), round_id)
    board = await patrol_rounds.board(patrol.sup)
    assert board["routes"][0]["tally"]["on_time"] + board["routes"][0]["tally"]["late"] == 1
    await sign_in_en(patrol.supervisor)
    page = await client.get(f"/e/{patrol.estate.slug}/patrol/board")
    assert page.status_code == 200 and re.search(r'data-slot-state="done"', page.text)


async def test_an_alert_does_not_reach_another_estates_supervisor(patrol, make_estate):
    other = await Patrol().setup(await make_estate("Elsewhere"))
    await patrol.start()
    await other.start()
    await patrol_rounds.alert_overdue(utcnow() + timedelta(hours=2))
    mine = await Notification.select(Notification.estate).where(
        (Notification.person == patrol.supervisor) & (Notification.kind == Note.ROUND_NOT_STARTED.value))
    assert mine and all(n["estate"] == patrol.estate.id for n in mine)


def test_the_alert_runs_with_the_apps_periodic_work():
    from app.asgi import PERIODIC_JOBS

    assert patrol_rounds.alert_overdue in PERIODIC_JOBS
