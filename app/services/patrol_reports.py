"""Patrol reports for supervisors and managers: a week's rounds per route (on time, late, missed;
shown on the weekly security summary) and the month's duty record per guard, each with a CSV.
Days, weeks and months are the estate's (its time zone)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from app.domain import incidents as incident_rules
from app.domain import patrol as patrol_rules
from app.domain import patrol_reports as rules
from app.domain.roles import Role
from app.models.incidents import Incident
from app.models.patrol import CheckIn, PatrolRound
from app.models.people import Person, RoleGrant
from app.services import audit
from app.services import patrol_setup as setup
from app.services.clock import utcnow
from app.services.patrol_rounds import DONE, _utc
from app.services.scope import Scope, as_uuid


async def rounds_week(scope: Scope, first: date, last: date, now: datetime | None = None) -> list[rules.RoundTally]:
    """Each route's rounds due from ``first`` to ``last`` (estate days): on time, late, missed."""
    now = now or utcnow()
    start, end = incident_rules.day_range(first, last, scope.estate.timezone)
    out = []
    for route in await setup.routes(scope):
        schedule = setup.schedule_of(route, scope.estate.timezone)
        rows = await PatrolRound.select(PatrolRound.slot_at, PatrolRound.started_at).where(
            (PatrolRound.route == route["id"]) & (PatrolRound.slot_at >= start) & (PatrolRound.slot_at < end))
        started = {_utc(r["slot_at"]): _utc(r["started_at"]) for r in rows}
        slots = patrol_rules.slots(schedule, start, min(end, now + schedule.every))
        out.append(rules.tally_rounds(route["name"], slots, started, now, _utc(route["created_at"])))
    return out


def rounds_csv(tallies: list[rules.RoundTally], first: date) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(("week_from", "route", "on_time", "late", "missed"))
    for t in tallies:
        writer.writerow((first.isoformat(), _cell(t.route), t.on_time, t.late, t.missed))
    return "\ufeff" + out.getvalue()


@dataclass(frozen=True)
class Month:
    first: date
    last: date
    records: list[rules.Duty]


async def duty_month(scope: Scope, month: str, today: date | None = None) -> Month:
    """The duty record of each patrol guard (and anyone else who walked a round) for the month
    written ``month`` (YYYY-MM; this month when not one)."""
    zone = scope.estate.timezone
    asked = rules.parse_month(month) or today or utcnow().astimezone(ZoneInfo(zone)).date()
    first, last = rules.month_of(asked)
    start, end = incident_rules.day_range(first, last, zone)
    guards = {r["id"]: r["name"] for r in await RoleGrant.select(
        RoleGrant.person.id.as_alias("id"), RoleGrant.person.name.as_alias("name")).where(
        scope.where(RoleGrant) & (RoleGrant.role == Role.PATROL_GUARD.value))}
    # Counted by the database, a guard at a time: a month is some two thousand rounds.
    walked = await PatrolRound.raw(
        "SELECT guard, COUNT(*) AS n, SUM(checkpoints) AS due FROM patrol_round WHERE estate = {} AND state = {}"
        " AND slot_at >= {} AND slot_at < {} GROUP BY guard", scope.estate_id, DONE, start, end)
    checked = {as_uuid(r["guard"]): int(r["n"]) for r in await CheckIn.raw(
        "SELECT r.guard AS guard, COUNT(*) AS n FROM check_in c JOIN patrol_round r ON r.id = c.round"
        " WHERE r.estate = {} AND r.state = {} AND r.slot_at >= {} AND r.slot_at < {} GROUP BY r.guard",
        scope.estate_id, DONE, start, end) if r["guard"] is not None}
    rounds = {as_uuid(r["guard"]): (int(r["n"]), int(r["due"] or 0), 0) for r in walked if r["guard"] is not None}
    rounds = {g: (n, due, checked.get(g, 0)) for g, (n, due, _) in rounds.items()}
    reported = await Incident.select(Incident.reported_by).where(
        scope.where(Incident) & (Incident.happened_at >= start) & (Incident.happened_at < end))
    sent = await Incident.select(Incident.dispatched_to, Incident.dispatched_at, Incident.acknowledged_at).where(
        scope.where(Incident) & Incident.dispatched_to.is_not_null() & (Incident.dispatched_at >= start)
        & (Incident.dispatched_at < end))
    others = (set(rounds) | {r["dispatched_to"] for r in sent}) - set(guards)
    if others:  # walked a round or was sent, with no patrol role now
        for p in await Person.select(Person.id, Person.name).where(Person.id.is_in(list(others))):
            guards[p["id"]] = p["name"]
    records = rules.duty_records(
        guards, rounds, [r["reported_by"] for r in reported],
        [(r["dispatched_to"], r["dispatched_at"], r["acknowledged_at"]) for r in sent])
    return Month(first, last, records)


async def duty_export(scope: Scope, month: str) -> tuple[Month, str]:
    """The month's duty record as CSV: guards by name with their figures, so recorded in the
    audit log, as every export of people's records is."""
    found = await duty_month(scope, month)
    text = duty_csv(found)
    await audit.record("export.patrol_duty", actor=scope.person_id, estate=scope.estate_id,
                       subject=found.first.strftime("%Y-%m"), guards=len(found.records))
    return found, text


def duty_csv(found: Month) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(("month", "guard", "rounds_done", "checkpoints_missed", "incidents_reported", "dispatches",
                     "dispatches_answered", "median_minutes_to_answer"))
    for d in found.records:
        writer.writerow((found.first.strftime("%Y-%m"), _cell(d.guard), d.rounds, d.missed_checkpoints, d.incidents,
                         d.dispatches, d.answered, "" if d.response_minutes is None else d.response_minutes))
    return "\ufeff" + out.getvalue()  # a BOM, so Excel reads the Chinese as UTF-8


def _cell(value) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
