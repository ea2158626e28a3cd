"""Statistics for supervisors, managers and admins: an estate's visitors in a range of days (per
day, week and month, by hour of the day and day of the week, by purpose and gate, invited or
walk-in, time on site, overdue), refusals and watchlist matches at the gate, goods release
slips released and held, patrol rounds, incidents by kind; and the same figures side by side
for every estate a person manages. Each table has a CSV.

The database does the counting, an estate hour at a time (``domain.statistics``: spans of one
UTC offset); the days before the last two are read from tallies the periodic task keeps
(``statistics_tally``): a large estate's year, some 110,000 visits, is at most 8,784 rows.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from piccolo.engine.postgres import PostgresEngine

from app.domain import incidents as incident_rules
from app.domain import patrol_reports as patrol_rules
from app.domain import statistics as rules
from app.domain.incidents import Bar, bars
from app.domain.roles import Role
from app.models.estates import Gate
from app.models.incidents import Incident
from app.models.patrol import PatrolRound
from app.models.releases import ReleaseSlip
from app.models.visitors import GateRefusal, Registration
from app.services import patrol_setup as setup
from app.services.patrol_rounds import _utc
from app.services import statistics_tally as tally
from app.services.clock import utcnow
from app.services.scope import Scope, Viewer, scope_in

# Who sees the statistics of an estate; who sees the page across estates (for the estates where
# they hold one of these roles).
ESTATE_ROLES = frozenset({Role.SUPERVISOR, Role.MANAGER, Role.ADMIN})
ACROSS_ROLES = frozenset({Role.MANAGER, Role.ADMIN})


def today_in(zone: str, now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(ZoneInfo(zone)).date()


def asked(scope_zone: str, since: str, until: str, quick: str, now: datetime | None = None) -> rules.Asked:
    return rules.ask(since, until, quick, today_in(scope_zone, now))


async def visits(scope: Scope, rng: rules.Range, now: datetime | None = None) -> rules.Visits:
    now = now or utcnow()
    hours, kinds = await tally.counts(scope.estate_id, scope.estate.timezone, rng, now)
    names = {str(g["id"]): g["name"] for g in await Gate.select(Gate.id, Gate.name).where(scope.where(Gate))}
    purposes: dict[str, int] = {}
    gates: dict[str, int] = {}
    for _day, purpose, gate, n in kinds:
        purposes[purpose] = purposes.get(purpose, 0) + n
        name = names.get(gate, "") if gate is not None else ""
        gates[name] = gates.get(name, 0) + n
    return rules.tally(rng, hours, purposes, gates, rules.PURPOSES)


@dataclass(frozen=True)
class Operations:
    """The rest of the page: the gate's refusals, goods release slips, patrol rounds, incidents."""

    gatework: rules.Gatework
    released: int
    held: int
    rounds: list[patrol_rules.RoundTally]
    incidents: list[Bar]

    @property
    def rounds_total(self) -> patrol_rules.RoundTally:
        return patrol_rules.RoundTally("", sum(r.on_time for r in self.rounds), sum(r.late for r in self.rounds),
                                       sum(r.missed for r in self.rounds))

    @property
    def incidents_total(self) -> int:
        return sum(b.count for b in self.incidents)


async def operations(scope: Scope, rng: rules.Range, now: datetime | None = None) -> Operations:
    now = now or utcnow()
    start, end = rules.bounds(rng, scope.estate.timezone)
    registrations = await Registration.raw(
        "SELECT kind, state, watchlist_hit, COUNT(*) AS n FROM registration WHERE estate = {} AND created_at >= {}"
        " AND created_at < {} GROUP BY kind, state, watchlist_hit", scope.estate_id, start, end)
    refused = await GateRefusal.raw(
        "SELECT reason, COUNT(*) AS n FROM gate_refusal WHERE estate = {} AND refused_at >= {} AND refused_at < {}"
        " GROUP BY reason", scope.estate_id, start, end)
    work = rules.gatework([(r["kind"], r["state"], bool(r["watchlist_hit"]), int(r["n"])) for r in registrations],
                          [(r["reason"], int(r["n"])) for r in refused])
    released = await ReleaseSlip.count().where(
        scope.where(ReleaseSlip) & (ReleaseSlip.released_at >= start) & (ReleaseSlip.released_at < end))
    # A held slip waits at the gate (or with the desk, amended) until released or closed: counted
    # by when the guard held it, while it is still held.
    held = await ReleaseSlip.count().where(
        scope.where(ReleaseSlip) & (ReleaseSlip.state == "held") & (ReleaseSlip.device_time >= start)
        & (ReleaseSlip.device_time < end))
    rounds = await rounds_between(scope, start, end, now)
    kinds = {k.value: 0 for k in incident_rules.Kind}
    for r in await Incident.raw(
            "SELECT kind, COUNT(*) AS n FROM incident WHERE estate = {} AND happened_at >= {} AND happened_at < {}"
            " GROUP BY kind", scope.estate_id, start, end):
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + int(r["n"])
    return Operations(work, released, held, rounds, bars(list(kinds.items())))


async def rounds_between(scope: Scope, start: datetime, end: datetime, now: datetime) -> list[patrol_rules.RoundTally]:
    """Each route's rounds due in [start, end), as the weekly security summary counts them
    (``patrol_reports.rounds_week``) but without listing a year's slots one by one: the rounds
    walked are counted by the database (on time when started within the grace), the slots
    past their deadline counted shift by shift; those with no round were missed."""
    out = []
    postgres = isinstance(PatrolRound._meta.db, PostgresEngine)
    for route in await setup.routes(scope):
        schedule = setup.schedule_of(route, scope.estate.timezone)
        made = _utc(route["created_at"])
        due, cutoff = patrol_rules.due_slots(schedule, start, end, now, made)
        grace = int(schedule.grace.total_seconds())
        in_grace = (f"started_at <= slot_at + interval '{grace} seconds'" if postgres
                    else f"julianday(started_at) <= julianday(slot_at) + {grace + 0.001} / 86400.0")
        row = (await PatrolRound.raw(
            f"SELECT COUNT(*) AS n, SUM(CASE WHEN {in_grace} THEN 1 ELSE 0 END) AS on_time,"
            " SUM(CASE WHEN slot_at < {} THEN 1 ELSE 0 END) AS answered FROM patrol_round"
            " WHERE route = {} AND slot_at >= {} AND slot_at < {} AND started_at IS NOT NULL",
            cutoff, route["id"], max(start, made), end))[0]
        walked, on_time, answered = int(row["n"] or 0), int(row["on_time"] or 0), int(row["answered"] or 0)
        out.append(patrol_rules.RoundTally(route["name"], on_time, walked - on_time, max(0, due - answered)))
    return out


# Across estates ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EstateFigures:
    name: str
    slug: str
    visits: rules.Visits
    operations: Operations


def managed(viewer: Viewer) -> list[Scope]:
    """The estates the person manages (or administers), as scopes, by name."""
    return [scope_in(viewer, g.slug) for g in viewer.estates if g.roles & ACROSS_ROLES]


async def across(viewer: Viewer, since: str, until: str, quick: str,
                 now: datetime | None = None) -> tuple[rules.Asked, list[EstateFigures]]:
    """Each managed estate's figures for the same days (each estate's own days, in its zone)."""
    scopes = managed(viewer)
    zone = scopes[0].estate.timezone if scopes else "Asia/Shanghai"
    ask = asked(zone, since, until, quick, now)
    out = []
    for scope in scopes:
        out.append(EstateFigures(scope.estate.name, scope.estate.slug, await visits(scope, ask.range, now),
                                 await operations(scope, ask.range, now)))
    return ask, out


def summed(figures: list[EstateFigures]) -> dict:
    """The estates' headline figures added up (the average time on site over all their visits)."""
    stayed = sum(f.visits.stayed for f in figures)
    seconds = sum(f.visits.seconds for f in figures)
    return {
        "total": sum(f.visits.total for f in figures), "invited": sum(f.visits.invited for f in figures),
        "walk_in": sum(f.visits.walk_in for f in figures), "overdue": sum(f.visits.overdue for f in figures),
        "average_minutes": round(seconds / stayed / 60, 1) if stayed else None,
        "refused": sum(f.operations.gatework.refused for f in figures),
        "watchlist_hits": sum(f.operations.gatework.watchlist_hits for f in figures),
        "released": sum(f.operations.released for f in figures), "held": sum(f.operations.held for f in figures),
        "on_time": sum(f.operations.rounds_total.on_time for f in figures),
        "late": sum(f.operations.rounds_total.late for f in figures),
        "missed": sum(f.operations.rounds_total.missed for f in figures),
        "incidents": sum(f.operations.incidents_total for f in figures),
    }


def headline(v: rules.Visits, o: Operations) -> dict:
    t = o.rounds_total
    return {"total": v.total, "invited": v.invited, "walk_in": v.walk_in, "overdue": v.overdue,
            "average_minutes": v.average_minutes, "refused": o.gatework.refused,
            "watchlist_hits": o.gatework.watchlist_hits, "released": o.released, "held": o.held,
            "on_time": t.on_time, "late": t.late, "missed": t.missed, "incidents": o.incidents_total}


HEADLINE = tuple(key for key, _ in rules.HEADLINE)


# CSV --------------------------------------------------------------------------------------

# The visitor tables of the page, by the name their CSV is asked for with.
VISIT_TABLES = {
    "days": ("day", "by_day"), "weeks": ("week_from", "by_week"), "months": ("month", "by_month"),
    "hours": ("hour", "by_hour"), "weekdays": ("weekday", "by_weekday"), "purposes": ("purpose", "by_purpose"),
    "gates": ("gate", "by_gate"),
}
OPERATION_TABLES = ("refusals", "rounds", "incidents", "summary")
TABLES = (*VISIT_TABLES, *OPERATION_TABLES)


def csv_of(table: str, rng: rules.Range, v: rules.Visits | None, o: Operations | None) -> str:
    """One table of the page as CSV, the same rows as on the page (codes, not names, for
    purposes, reasons and kinds; weekdays 0 for Monday)."""
    out = io.StringIO()
    writer = csv.writer(out)
    if table in VISIT_TABLES and v is not None:
        label, attribute = VISIT_TABLES[table]
        writer.writerow((label, "visits"))
        for bar in getattr(v, attribute):
            writer.writerow((_cell(bar.label), bar.count))
    elif table == "refusals" and o is not None:
        writer.writerow(("reason", "refused"))
        for bar in o.gatework.refusals:
            writer.writerow((bar.label, bar.count))
    elif table == "rounds" and o is not None:
        writer.writerow(("route", "on_time", "late", "missed"))
        for r in o.rounds:
            writer.writerow((_cell(r.route), r.on_time, r.late, r.missed))
    elif table == "incidents" and o is not None:
        writer.writerow(("kind", "incidents"))
        for bar in o.incidents:
            writer.writerow((bar.label, bar.count))
    elif table == "summary" and v is not None and o is not None:
        writer.writerow(("from", "to", *HEADLINE))
        figures = headline(v, o)
        writer.writerow((rng.first.isoformat(), rng.last.isoformat(), *_blank(figures)))
    return "\ufeff" + out.getvalue()  # a BOM, so Excel reads the Chinese as UTF-8


def across_csv(rng: rules.Range, figures: list[EstateFigures]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(("estate", "from", "to", *HEADLINE))
    for f in figures:
        writer.writerow((_cell(f.name), rng.first.isoformat(), rng.last.isoformat(),
                         *_blank(headline(f.visits, f.operations))))
    writer.writerow(("all", rng.first.isoformat(), rng.last.isoformat(), *_blank(summed(figures))))
    return "\ufeff" + out.getvalue()


def _blank(figures: dict) -> list:
    return ["" if figures[k] is None else figures[k] for k in HEADLINE]


def _cell(value) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


