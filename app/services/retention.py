"""Retention that really deletes: every night, each estate's records older than its retention
(``Estate.retention_years``, rules in ``app/domain/retention.py``) lose what identifies a person.

``REGISTRY`` below is the one list of what is personal, table by table: the columns blanked
(names, phones, ID numbers and their search keys, plates, free text that may name people,
links to people), the photos removed (``Upload`` rows and their files on disk), and the tables
whose rows go whole. What statistics count stays: the row, its times, estate, unit, gate,
purpose, kind, state and outcome. A column added to a table that holds personal data is added
to its entry here, one line (``tests/unit/test_retention_registry.py`` checks every column
named is the table's, and that every blanked column can be blanked).

A run writes one audit entry per estate, counts only (``retention.purged``). The audit log
itself is not rewritten: it is a hash chain, and its entries name records by id.

On SQLite, deleted bytes would stay in the file's free space and in the write-ahead log: every
connection sets ``secure_delete`` (``app.db.CONNECTION_PRAGMAS``), so freed space is zeroed, and
a run that erased anything truncates the log after copying it into the file. On PostgreSQL an
update leaves the old row version behind for vacuum; a run that erased anything vacuums the tables
it touched, so the old versions' space is reused (no query, dump or backup sees them).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from piccolo.columns import JSON, JSONB, Bytea, Column, ForeignKey, Text, Varchar
from piccolo.table import Table

from app import db
from app.domain import retention as rules
from app.models.desk_requests import LostFoundRecord, RequestPhoto, ResidentRequest
from app.models.duty import DutyEntry, DutyNote, Handover, HandoverItem
from app.models.estates import Estate
from app.models.incidents import Incident, IncidentEntry, IncidentPhoto
from app.models.notifications import Notification
from app.models.patrol import CheckIn, PatrolRound
from app.models.records import Disclosure
from app.models.releases import GoodsPermit, ReleaseItem, ReleaseSlip
from app.models.reviews import ReviewItem
from app.models.uploads import Upload
from app.models.visitors import (EscortTask, GateRefusal, GuardAction, Registration, Visit, VisitorPass,
                                 WatchlistEntry)
from app.services import audit, uploads
from app.services.clock import utcnow
from app.services.scope import as_uuid

log = logging.getLogger("gatepost.retention")


@dataclass(frozen=True)
class Kept:
    """One table's records under retention.

    ``age``: the moment a record counts from (the first of these columns that is set; a record
    with none set is kept). ``parent``: for a row that is part of another (a slip's item), the
    foreign key to it: the row is erased with its parent, by the parent's age and estate.
    ``personal``: the columns blanked ('' for text, '{}' for JSON, NULL where the column may be
    empty). ``photos``: foreign keys to ``Upload`` on this row: the photos are removed, files too.
    ``delete``: the whole row goes (it holds nothing statistics need). ``plain``: the row's other
    text columns and links to people, kept because they are codes (kind, state, purpose...) or
    required links to a staff account; every such column of a kept table is in one of the lists
    (``tests/unit/test_retention.py``), so a column added later is decided on, not forgotten."""

    table: type[Table]
    age: tuple[Column, ...] = ()
    personal: tuple[Column, ...] = ()
    photos: tuple[Column, ...] = ()
    parent: ForeignKey | None = None
    delete: bool = False
    plain: tuple[Column, ...] = ()
    why: str = field(default="", compare=False)


# The registry: model -> personal columns -> photos. Run in this order, one transaction each;
# a child (``parent=``) is found through its parent's age. Keep ``docs/retention.md`` in step.
REGISTRY: tuple[Kept, ...] = (
    Kept(VisitorPass, age=(VisitorPass.ends_at,), personal=(
        VisitorPass.guest_name, VisitorPass.guest_phone, VisitorPass.guest_phone_masked, VisitorPass.guest_name_key,
        VisitorPass.guest_phone_key,
        VisitorPass.vehicle_plate, VisitorPass.host, VisitorPass.revoked_by,
    ), plain=(VisitorPass.purpose, VisitorPass.weekdays, VisitorPass.daily_start, VisitorPass.daily_end,
              VisitorPass.link_hash), why="an invitation: counted by purpose and party size"),
    Kept(Registration, age=(Registration.created_at,), personal=(
        Registration.name, Registration.gender, Registration.id_type, Registration.id_number,
        Registration.id_number_masked, Registration.phone, Registration.phone_masked, Registration.phone_hash,
        Registration.resident_asked_for, Registration.vehicle_plate, Registration.items, Registration.relation,
        Registration.evidence, Registration.decision_note, Registration.guard, Registration.decided_by,
    ), plain=(Registration.kind, Registration.state, Registration.purpose), why="a walk-in: counted by kind, state, purpose and gate"),
    Kept(Visit, age=(Visit.entered_at,), personal=(
        Visit.guest_name, Visit.vehicle_plate, Visit.exit_note, Visit.admitted_by, Visit.exited_by,
    ), plain=(Visit.purpose, Visit.replacement_fee, Visit.conflict), why="an entry and exit: counted by gate, purpose, times"),
    Kept(GateRefusal, age=(GateRefusal.refused_at,), personal=(GateRefusal.guard,), plain=(GateRefusal.reason,),
         why="a pass turned away at the gate: counted by reason and gate"),
    Kept(EscortTask, age=(EscortTask.created_at,), personal=(
        EscortTask.note, EscortTask.acknowledged_by, EscortTask.completed_by,
    ), plain=(EscortTask.kind, EscortTask.state)),
    Kept(WatchlistEntry, age=(WatchlistEntry.removed_at, WatchlistEntry.until), personal=(
        WatchlistEntry.name, WatchlistEntry.name_key, WatchlistEntry.id_number, WatchlistEntry.id_number_masked,
        WatchlistEntry.id_number_hash, WatchlistEntry.phone, WatchlistEntry.phone_masked, WatchlistEntry.phone_hash,
        WatchlistEntry.reason, WatchlistEntry.added_by, WatchlistEntry.removed_by,
    ), why="a bar removed or expired: counted; one barred for good is never aged"),
    Kept(GuardAction, age=(GuardAction.created_at,), delete=True,
         why="a guard action's stored answer (may name the visitor), only for replays"),
    Kept(ReleaseSlip, age=(ReleaseSlip.created_at,), personal=(
        ReleaseSlip.requester, ReleaseSlip.requester_name, ReleaseSlip.company, ReleaseSlip.created_by,
        ReleaseSlip.carrier_name, ReleaseSlip.carrier_id_type, ReleaseSlip.carrier_id_number,
        ReleaseSlip.carrier_id_number_masked, ReleaseSlip.carrier_phone, ReleaseSlip.carrier_phone_masked,
        ReleaseSlip.vehicle_plate, ReleaseSlip.notes, ReleaseSlip.consent_by, ReleaseSlip.desk_by,
        ReleaseSlip.identity_note, ReleaseSlip.fee_receipt, ReleaseSlip.approved_by, ReleaseSlip.decision_note,
        ReleaseSlip.released_by, ReleaseSlip.hold_note,
    ), plain=(ReleaseSlip.state, ReleaseSlip.requester_relation, ReleaseSlip.reason, ReleaseSlip.identity_seen,
              ReleaseSlip.fees_seen), photos=(ReleaseSlip.company_proof,), why="a goods release: counted by reason, state, gate"),
    Kept(ReleaseItem, parent=ReleaseItem.slip, personal=(ReleaseItem.name,), photos=(ReleaseItem.photo,),
         why="a slip's item: quantity and size stay"),
    Kept(GoodsPermit, age=(GoodsPermit.valid_until, GoodsPermit.created_at), personal=(
        GoodsPermit.holder, GoodsPermit.holder_name, GoodsPermit.goods, GoodsPermit.decided_by,
        GoodsPermit.decision_note,
    ), plain=(GoodsPermit.state,)),
    Kept(Incident, age=(Incident.created_at,), personal=(
        Incident.place, Incident.description, Incident.people, Incident.reported_by, Incident.dispatched_to,
        Incident.acknowledged_by, Incident.resolved_by, Incident.outcome,
    ), plain=(Incident.kind, Incident.severity, Incident.state, Incident.calls), why="an incident: counted by kind, severity, state, unit, calls"),
    Kept(IncidentEntry, parent=IncidentEntry.incident, personal=(IncidentEntry.note, IncidentEntry.person),
         plain=(IncidentEntry.kind,)),
    Kept(IncidentPhoto, parent=IncidentPhoto.incident, photos=(IncidentPhoto.upload,), delete=True),
    Kept(ResidentRequest, age=(ResidentRequest.created_at,), personal=(
        ResidentRequest.text, ResidentRequest.raised_by, ResidentRequest.resident_name, ResidentRequest.recorded_by,
        ResidentRequest.assignee, ResidentRequest.work_note, ResidentRequest.done_by, ResidentRequest.followed_up_by,
        ResidentRequest.follow_up_note,
    ), plain=(ResidentRequest.kind, ResidentRequest.state, ResidentRequest.channel, ResidentRequest.team,
              ResidentRequest.follow_up_channel, ResidentRequest.satisfaction), why="a resident request: counted by kind, team, channel, state, satisfaction"),
    Kept(RequestPhoto, parent=RequestPhoto.request, photos=(RequestPhoto.upload,), delete=True),
    Kept(LostFoundRecord, age=(LostFoundRecord.created_at,), personal=(
        LostFoundRecord.description, LostFoundRecord.place, LostFoundRecord.reporter, LostFoundRecord.contact,
        LostFoundRecord.found_by, LostFoundRecord.kept_at, LostFoundRecord.created_by, LostFoundRecord.matched_by,
        LostFoundRecord.returned_by, LostFoundRecord.collected_by, LostFoundRecord.proof_shown,
        LostFoundRecord.disposal_note, LostFoundRecord.disposed_by,
    ), plain=(LostFoundRecord.side, LostFoundRecord.category, LostFoundRecord.state, LostFoundRecord.disposal),
        photos=(LostFoundRecord.photo,), why="lost and found: counted by side, category, state, disposal"),
    Kept(DutyEntry, age=(DutyEntry.created_at,), personal=(DutyEntry.text,), photos=(DutyEntry.photo,),
         plain=(DutyEntry.kind, DutyEntry.quick, DutyEntry.author), why="a duty log line: counted by kind; its author is a required link to a staff account"),
    Kept(DutyNote, age=(DutyNote.created_at,), personal=(DutyNote.text,), plain=(DutyNote.author,)),
    Kept(Handover, age=(Handover.handed_at,), personal=(Handover.note, Handover.acknowledged_by),
         plain=(Handover.post, Handover.handed_by)),
    Kept(HandoverItem, parent=HandoverItem.handover, delete=True,
         why="copied from other records for one shift change (titles and details may name people)"),
    Kept(PatrolRound, age=(PatrolRound.started_at,), personal=(PatrolRound.guard,), plain=(PatrolRound.state,),
         why="a round walked: counted by route, slot, times"),
    Kept(CheckIn, age=(CheckIn.checked_at,), personal=(CheckIn.note, CheckIn.guard),
         plain=(CheckIn.answers, CheckIn.questions), why="a patrol check-in: counted by checkpoint, time, problems"),
    Kept(ReviewItem, age=(ReviewItem.arrived_at,), personal=(
        ReviewItem.person, ReviewItem.detail, ReviewItem.resolved_by, ReviewItem.resolution_note,
    ), plain=(ReviewItem.key, ReviewItem.action, ReviewItem.kind, ReviewItem.subject), why="a guard action reviewed: counted by action and kind"),
    Kept(Disclosure, age=(Disclosure.created_at,), personal=(
        Disclosure.officer_name, Disclosure.officer_badge, Disclosure.case_reference, Disclosure.document,
        Disclosure.resident, Disclosure.asked_name, Disclosure.asked_phone, Disclosure.asked_id_number,
        Disclosure.handed_over, Disclosure.extract_csv, Disclosure.disclosed_by,
    ), plain=(Disclosure.kind, Disclosure.authority, Disclosure.authority_name, Disclosure.since_day,
              Disclosure.until_day, Disclosure.extract_sha256), photos=(Disclosure.document_photo,),
        why="records handed to an authority or looked up for a resident: counted by kind and authority; the "
            "extract is as old as the records it copied"),
    Kept(Notification, age=(Notification.created_at,), delete=True,
         why="a message to one person (its parameters name visitors)"),
)


# Tables outside retention, and why: settings, places and accounts (kept while in use, and
# changed or removed by their admins), the server's own bookkeeping, and the audit log.
NOT_RECORDS: dict[str, str] = {
    "AuditEvent": "the hash-chained audit log: rewriting an entry breaks the chain; entries name records by id",
    "AuditChain": "the audit chains' heads",
    "Estate": "the estate's settings", "Building": "a place", "Unit": "a place", "Gate": "a place",
    "LobbyDesk": "a place", "EstateKey": "the estate's signing key",
    "Person": "an account: kept while the person is a resident or staff; removed by the people admin",
    "RoleGrant": "an account's roles", "HouseholdMember": "an account's household",
    "Passkey": "an account's passkeys", "EnrolmentLink": "a one-time link; its token is kept hashed",
    "Challenge": "minutes long; cleared by housekeeping", "Session": "expires; cleared by housekeeping",
    "RateCounter": "minutes long; cleared by housekeeping", "PushSubscription": "a browser the person chose",
    "ServerKey": "the server's keys", "PeriodicRun": "the periodic task's clock",
    "CalendarDay": "the estate's holidays", "ReleaseRules": "the estate's rules",
    "LostFoundRules": "the estate's rules",
    "Checkpoint": "a patrol checkpoint: a place", "PatrolRoute": "a patrol route",
    "RouteStop": "a patrol route's stop",
    "PatrolAlert": "a round not started: route and time",
    "Shift": "a staff member's shift: post and times (a required staff link)",
    "Upload": "a photo's row: removed with the record that holds it (the registry's photos)",
    "VisitHourTally": "the statistics' counts per estate and hour: nothing about a person",
    "VisitKindTally": "the statistics' counts per estate, day, purpose and gate: nothing about a person",
    "StatisticsMark": "the first day not yet in the statistics' counts",
}


# Statements, made once from the registry ------------------------------------------------------


def blank(column: Column) -> str:
    """The SQL that erases a column's value."""
    if column._meta.null:
        return "NULL"
    if isinstance(column, (JSON, JSONB)):
        return "'{ }'"  # an empty object, written without the braces pair statements use for arguments
    if isinstance(column, (Varchar, Text, Bytea)):  # an empty string; for bytea, no bytes
        return "''"
    raise TypeError(f"{column._meta.table._meta.tablename}.{column._meta.db_column_name} cannot be blanked")


def _name(column: Column) -> str:
    return f'"{column._meta.db_column_name}"'


def _still_set(column: Column) -> str:
    """SQL true while the column holds something ``blank`` would erase."""
    erased = blank(column)
    if erased == "NULL":
        return f"{_name(column)} IS NOT NULL"
    if erased == "'{ }'":
        return f"REPLACE(CAST({_name(column)} AS TEXT), ' ', '') NOT IN ('{{' || '}}', '')"
    return f"{_name(column)} <> ''"


@dataclass(frozen=True)
class Plan:
    kept: Kept
    select_photos: db.Statement | None  # ids of the photos of the rows past retention, not yet erased
    change: db.Statement  # the UPDATE or DELETE, returning the ids it touched


def _past(kept: Kept) -> str:
    """The WHERE for this table's rows of one estate ({} estate, {} cutoff) past retention."""
    if kept.parent is not None:
        parent: type[Table] = kept.parent._foreign_key_meta.resolved_references
        owner = next(k for k in REGISTRY if k.table is parent)
        return (f"{_name(kept.parent)} IN (SELECT id FROM {parent._meta.tablename} "
                f"WHERE estate = {{}} AND {_age(owner)} < {{}})")
    return f"estate = {{}} AND {_age(kept)} < {{}}"


def _age(kept: Kept) -> str:
    names = [_name(c) for c in kept.age]
    return names[0] if len(names) == 1 else f"COALESCE({', '.join(names)})"


def _not_erased(kept: Kept) -> str:
    if kept.delete:
        return ""
    tests = [_still_set(c) for c in (*kept.personal, *kept.photos)]
    return f" AND ({' OR '.join(tests)})"


def plan(kept: Kept) -> Plan:
    table = kept.table._meta.tablename
    where = _past(kept) + _not_erased(kept)
    photos = None
    if kept.photos:
        photos = db.Statement(" UNION ALL ".join(
            f"SELECT {_name(c)} AS upload FROM {table} WHERE {where} AND {_name(c)} IS NOT NULL" for c in kept.photos))
    if kept.delete:
        change = f"DELETE FROM {table} WHERE {where} RETURNING id"
    else:
        sets = ", ".join(f"{_name(c)} = {blank(c)}" for c in (*kept.personal, *kept.photos))
        change = f"UPDATE {table} SET {sets} WHERE {where} RETURNING id"
    return Plan(kept, photos, db.Statement(change))


PLANS: tuple[Plan, ...] = tuple(plan(k) for k in REGISTRY)


# Running -------------------------------------------------------------------------------------


@dataclass
class Outcome:
    estate: UUID
    counts: dict[str, int]
    photos: int

    @property
    def erased(self) -> int:
        return sum(self.counts.values()) + self.photos


def _arguments(statement: db.Statement, estate: UUID, before: datetime) -> list:
    """``{}`` pairs of (estate, cutoff), as many as the statement has (the photo selects repeat them)."""
    return [estate, before] * (statement.text.count("{}") // 2)


async def purge_estate(estate: UUID, before: datetime) -> Outcome:
    """Erase what identifies a person from this estate's records older than ``before``, remove
    their photos (rows and files), and write one audit entry with the counts.

    One write transaction per table, so other writers (a guard at the gate at night) wait for
    one statement at most, not the whole run. Each is whole: its rows erased and their photos'
    rows removed together, the files after it commits (a transaction rolled back keeps them).
    Runs again from where it stopped: a row already erased is not counted twice."""
    counts: dict[str, int] = {}
    photos = 0
    for step in PLANS:
        photo_ids: list[UUID] = []
        async with db.write_transaction():
            if step.select_photos is not None:
                rows = await step.select_photos.fetch(*_arguments(step.select_photos, estate, before))
                photo_ids = [as_uuid(r["upload"]) for r in rows]
            touched = await step.change.fetch(*_arguments(step.change, estate, before))
            await uploads.remove(estate, photo_ids)
        if touched:
            counts[step.kept.table._meta.tablename] = len(touched)
        if photo_ids:
            await uploads.forget(estate, photo_ids)
            photos += len(photo_ids)
    outcome = Outcome(estate, counts, photos)
    if outcome.erased:
        await audit.record("retention.purged", actor=None, estate=estate, before=before.isoformat(),
                           photos=photos, **counts)
    return outcome


async def claim(estate: UUID, now: datetime, zone: ZoneInfo) -> bool:
    """Take today's run for this estate (one worker of several gets it)."""
    taken = await Estate.update({Estate.retention_ran_at: now}).where(
        (Estate.id == estate)
        & (Estate.retention_ran_at.is_null() | (Estate.retention_ran_at < rules.day_start(now, zone)))
    ).returning(Estate.id)
    return bool(taken)


async def run_due(now: datetime | None = None) -> list[Outcome]:
    """Every estate whose nightly run is due: claimed, then purged past its retention."""
    now = now or utcnow()
    outcomes = []
    estates = await Estate.select(Estate.id, Estate.timezone, Estate.retention_years, Estate.retention_ran_at)
    for row in estates:
        zone = ZoneInfo(row["timezone"])
        if not rules.due(now, zone, row["retention_ran_at"]) or not await claim(row["id"], now, zone):
            continue
        try:
            outcomes.append(await purge_estate(row["id"], rules.cutoff(now, zone, row["retention_years"])))
        except Exception:  # one estate's failure leaves the others' runs
            log.exception("retention run of estate %s failed", row["id"])
        await uploads.sweep_orphans(row["id"])
    if any(o.erased for o in outcomes):
        await scrub_free_space([o for o in outcomes if o.erased])
    return outcomes


async def nightly_job() -> None:
    """The periodic task's job (``app.asgi.PERIODIC_JOBS``)."""
    await run_due()


# What the database keeps after a delete ---------------------------------------------------------


def _touched_tables(outcomes: list[Outcome]) -> list[str]:
    names = {name for o in outcomes for name in o.counts}
    if any(o.photos for o in outcomes):
        names.add(Upload._meta.tablename)
    return sorted(names)


async def scrub_free_space(outcomes: list[Outcome]) -> None:
    """Leave no copy of erased values readable in the database's files: SQLite's log truncated
    (freed pages are zeroed already, ``secure_delete``); PostgreSQL's dead row versions vacuumed."""
    engine = db.engine()
    if isinstance(engine, db.PooledSQLiteEngine):
        await asyncio.to_thread(truncate_log, engine.path)
    else:
        for table in _touched_tables(outcomes):
            await engine._run_in_new_connection(f"VACUUM {table}")


def truncate_log(path: str, timeout_s: float = 30.0) -> bool:
    """Copy SQLite's write-ahead log into the file and empty it (old frames hold old rows).
    Waits for readers up to ``timeout_s``; False if they did not let it (the next night tries)."""
    deadline = time.monotonic() + timeout_s
    with sqlite3.connect(path, timeout=db.SQLITE_BUSY_TIMEOUT_S) as connection:
        while True:
            busy, _log, _copied = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if not busy:
                return True
            if time.monotonic() > deadline:
                log.warning("retention: the write-ahead log could not be truncated (readers); it will be next night")
                return False
            time.sleep(0.05)

