"""Patrol reports: the week's rounds per route (on time, late, missed) on the weekly security
summary and as a CSV, and the month's duty record per guard as a page and a CSV; for the
estate's supervisors and managers only, and only of their estate. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from app.domain import incidents as incident_rules
from app.domain import patrol as rules
from app.domain.roles import Role
from app.models.audit import AuditEvent
from app.models.patrol import PatrolRound, PatrolRoute
from app.services import incidents, patrol_reports, patrol_rounds, patrol_setup
from app.services.clock import utcnow
from tests.integration.test_patrol import Patrol


@pytest.fixture
async def patrol(make_estate):
    return await Patrol().setup(await make_estate("Harbour"))


async def last_weeks_slots(patrol) -> tuple[list[rules.Slot], object, object]:
    """The route made ten days ago, and last week's (estate days) slots of its hourly schedule."""
    await PatrolRoute.update({PatrolRoute.created_at: utcnow() - timedelta(days=10)}).where(
        PatrolRoute.id == patrol.route_id)
    zone = patrol.scope.estate.timezone
    first, last = incident_rules.week_of(utcnow().astimezone(ZoneInfo(zone)).date() - timedelta(days=7))
    start, end = incident_rules.day_range(first, last, zone)
    route = await patrol_setup.route(patrol.sup, patrol.route_id)
    return rules.slots(patrol_setup.schedule_of(route, zone), start, end), first, last


async def round_at(patrol, slot_at, started_at):
    await PatrolRound(estate=patrol.estate.id, route=patrol.route_id, guard=patrol.guard, slot_at=slot_at,
                      started_at=started_at, finished_at=started_at + timedelta(minutes=20), state="done",
                      checkpoints=3).save()


async def test_last_weeks_rounds_count_on_time_late_and_missed(patrol, client, sign_in_en):
    slots, first, last = await last_weeks_slots(patrol)
    assert len(slots) == 7 * 24
    await round_at(patrol, slots[3].at, slots[3].at)  # started when due
    await round_at(patrol, slots[9].at, slots[9].on_time_until + timedelta(minutes=1))  # after its grace
    [tally] = await patrol_reports.rounds_week(patrol.sup, first, last)
    assert (tally.route, tally.on_time, tally.late, tally.missed) == ("Night round", 1, 1, len(slots) - 2)

    await sign_in_en(patrol.supervisor)
    slug = patrol.estate.slug
    page = await client.get(f"/e/{slug}/incidents/summary?week={first.isoformat()}")
    assert page.status_code == 200
    assert re.search(rf'<th scope="row">Night round</th><td>1</td><td>1</td><td>{len(slots) - 2}</td>', page.text)
    assert "chart__bar--missed" in page.text
    exported = await client.get(f"/e/{slug}/patrol/reports/rounds.csv?week={first.isoformat()}")
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.text.lstrip("\ufeff").splitlines() == [
        "week_from,route,on_time,late,missed", f"{first.isoformat()},Night round,1,1,{len(slots) - 2}"]


async def test_slots_before_the_route_was_made_are_not_missed(patrol):
    zone = patrol.scope.estate.timezone
    first, last = incident_rules.week_of(utcnow().astimezone(ZoneInfo(zone)).date() - timedelta(days=7))
    [tally] = await patrol_reports.rounds_week(patrol.sup, first, last)
    assert tally.total == 0


async def test_the_monthly_duty_record_counts_rounds_missed_checkpoints_reports_and_answers(
        patrol, client, sign_in_en, make_estate):
    round_id = await patrol.start()
    await patrol_rounds.check_in(patrol.scope, patrol.act(), round_id, await patrol.tag(patrol.checkpoints[0]),
                                 ["yes", "no"])
    await patrol_rounds.finish(patrol.scope, patrol.act(), round_id)
    reported = await incidents.report(patrol.scope, patrol.act(), incidents.ReportForm(
        kind="damage", severity="medium", checkpoint=str(patrol.checkpoints[0]), place="B1",
        description="Door lock broken"))
    await incidents.dispatch(patrol.sup, reported["incident_id"], str(patrol.guard))
    await incidents.acknowledge(patrol.scope, patrol.act(), reported["incident_id"])
    elsewhere = await make_estate("Elsewhere")
    await elsewhere.person("Far Guard", Role.PATROL_GUARD)

    month = await patrol_reports.duty_month(patrol.sup, "")
    by_name = {d.guard: d for d in month.records}
    assert set(by_name) == {"Liu Patrol", "Zhao Patrol"}
    liu = by_name["Liu Patrol"]
    assert (liu.rounds, liu.missed_checkpoints, liu.incidents, liu.dispatches, liu.answered) == (1, 2, 1, 1, 1)
    assert liu.response_minutes is not None and 0 <= liu.response_minutes < 5
    zhao = by_name["Zhao Patrol"]
    assert (zhao.rounds, zhao.incidents, zhao.dispatches, zhao.response_minutes) == (0, 0, 0, None)

    slug = patrol.estate.slug
    await sign_in_en(patrol.supervisor)
    page = await client.get(f"/e/{slug}/patrol/reports/duty")
    assert page.status_code == 200
    assert re.search(r'<th scope="row">Liu Patrol</th><td>1</td><td>2</td><td>1</td>', page.text)
    assert "<svg" in page.text and "Far Guard" not in page.text
    exported = await client.get(f"/e/{slug}/patrol/reports/duty.csv?month={month.first.strftime('%Y-%m')}")
    lines = exported.text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("month,guard,rounds_done,checkpoints_missed,incidents_reported")
    assert any(line.startswith(f"{month.first.strftime('%Y-%m')},Liu Patrol,1,2,1,1,1,") for line in lines)
    exports = await AuditEvent.select(AuditEvent.subject, AuditEvent.actor).where(
        (AuditEvent.estate == patrol.estate.id) & (AuditEvent.action == "export.patrol_duty"))
    assert exports == [{"subject": month.first.strftime("%Y-%m"), "actor": patrol.supervisor}]  # guards by name: recorded
    last_year = await client.get(f"/e/{slug}/patrol/reports/duty?month={month.first.year - 1}-01")
    assert re.search(r'<th scope="row">Liu Patrol</th><td>0</td><td>0</td><td>0</td>', last_year.text)
    assert (await client.get(f"/e/{slug}/patrol/reports/duty?month=garbage")).status_code == 200


async def test_reports_are_for_supervisors_and_managers_only(patrol, client, sign_in_en):
    slug = patrol.estate.slug
    manager = await patrol.estate.person("Sun Hao", Role.MANAGER)
    await sign_in_en(manager)
    for path in ("patrol/reports/duty", "patrol/reports/duty.csv", "patrol/reports/rounds.csv"):
        assert (await client.get(f"/e/{slug}/{path}")).status_code == 200
    await sign_in_en(patrol.guard)
    for path in ("patrol/reports/duty", "patrol/reports/duty.csv", "patrol/reports/rounds.csv"):
        assert (await client.get(f"/e/{slug}/{path}")).status_code == 403
