"""Patrol rounds as guards walk them: the next round due, starting one, checking in at each
checkpoint by its tag (with the checklist's answers), finishing; and the supervisor's board of
rounds done, late, in progress and missed, with the alert for a round not started in time.

Starting, checking in and finishing are guard actions: each goes through ``idempotency.once``
(a replay from the phone's outbox stores nothing twice) and keeps the time of the scan on the
phone, believed unless implausible (``domain.patrol.check_in_time``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from app.db import write_transaction
from app.domain import patrol as rules
from app.domain.live import Topic
from app.domain.notifications import Kind as Note
from app.domain.patrol import ScanReason, SlotState
from app.domain.tokens import Kind
from app.i18n import N_
from app.models.patrol import Checkpoint, CheckIn, PatrolAlert, PatrolRound, PatrolRoute
from app.services import audit, codes, duty, idempotency, live, notify
from app.services import patrol_setup as setup
from app.services.clock import utcnow
from app.services.errors import Invalid
from app.services.idempotency import Action
from app.services.scope import Scope, as_uuid

NOT_DUE = "not_due"
STARTED = "started"
FINISHED = "finished"
ALREADY_FINISHED = "already_finished"
NOTE_TOO_LONG = N_("Keep the note under 500 characters.")
ANSWERS_MISSING = N_("Answer every question yes or no.")

IN_PROGRESS, DONE = "in_progress", "done"


def changed(estate_id: UUID) -> None:
    """The board and the guards' homes show rounds: tell them, once committed."""
    live.changed(Topic.PATROL, estate=estate_id)


def _when(act: Action) -> rules.CheckInTime:
    return rules.check_in_time(act.device_time, act.sent_at, act.arrived_at)


async def _taken(route_id, start: datetime, end: datetime) -> dict[datetime, dict]:
    rows = await PatrolRound.select(PatrolRound.id, PatrolRound.slot_at, PatrolRound.state, PatrolRound.started_at,
                                    PatrolRound.checkpoints).where(
        (PatrolRound.route == route_id) & (PatrolRound.slot_at >= start) & (PatrolRound.slot_at < end))
    return {_utc(r["slot_at"]): r for r in rows}


def _utc(value: datetime) -> datetime:
    from datetime import timezone

    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


# The guard's home ----------------------------------------------------------------------------


async def guard_overview(scope: Scope, now: datetime | None = None) -> dict:
    """Each route in use with its next round due, and the guard's round in progress, if any."""
    now = now or utcnow()
    routes = await setup.routes(scope, active_only=True)
    out = []
    for route in routes:
        schedule = setup.schedule_of(route, scope.estate.timezone)
        # Only a slot due after now - every can still be open (its deadline is at most a period on).
        taken = await _taken(route["id"], now - schedule.every, now + timedelta(days=2))
        slot = rules.next_slot(schedule, now, frozenset(taken))
        out.append({**route, "next": slot, "next_state": rules.slot_state(slot, now) if slot else None})
    out.sort(key=lambda r: r["next"].at if r["next"] else now + timedelta(days=365))
    mine = await PatrolRound.select(PatrolRound.id, PatrolRound.route.name.as_alias("route_name"),
                                    PatrolRound.started_at).where(
        scope.where(PatrolRound) & (PatrolRound.guard == scope.person_id) & (PatrolRound.state == IN_PROGRESS)
    ).order_by(PatrolRound.started_at, ascending=False).first()
    return {"routes": out, "current": mine, "next": out[0] if out else None}


# Starting, checking in, finishing ------------------------------------------------------------


async def start(scope: Scope, act: Action, route_id: UUID | str) -> dict:
    route = await setup.route(scope, route_id)
    schedule = setup.schedule_of(route, scope.estate.timezone)
    when = _when(act)

    async def work() -> dict:
        taken = await _taken(route["id"], when.counted_at - schedule.every, when.counted_at + schedule.every)
        slot = rules.slot_for_start(schedule, when.counted_at, frozenset(taken))
        if slot is None or not route["active"] or not route["stops"]:
            upcoming = rules.next_slot(schedule, when.counted_at, frozenset(taken))
            return {"reason": NOT_DUE, "route_id": str(route["id"]),
                    "next_at": upcoming.opens_at.isoformat() if upcoming else None}
        row = PatrolRound(estate=scope.estate_id, route=route["id"], guard=scope.person_id, slot_at=slot.at,
                          started_at=when.counted_at, checkpoints=len(route["stops"]))
        await row.save()
        changed(scope.estate_id)
        await audit.record("patrol.round_started", actor=scope.person_id, estate=scope.estate_id, subject=row.id,
                           route=str(route["id"]), slot_at=slot.at.isoformat(), flagged=when.flagged)
        return {"reason": STARTED, "round_id": str(row.id), "route_id": str(route["id"]),
                "timeliness": rules.timeliness(slot, when.counted_at).value}

    return await idempotency.once(act, "patrol_start", scope.estate_id, work)


async def round_view(scope: Scope, round_id: UUID | str) -> dict:
    """A round with its route's checkpoints (each with its tag's code, for the phone to know it
    with no signal), the check-ins made, and what comes next."""
    row = (await scope.get(PatrolRound, round_id)).to_dict()
    route = await setup.route(scope, row["route"])
    done = await CheckIn.select(CheckIn.checkpoint, CheckIn.checked_at, CheckIn.problems, CheckIn.time_flagged).where(
        CheckIn.round == row["id"])
    done_ids = {d["checkpoint"] for d in done}
    stops = route["stops"]
    for stop in stops:
        stop["token"] = await codes.sign(scope.estate_id, Kind.CHECKPOINT, as_uuid(stop["id"]))
        stop["done"] = stop["id"] in done_ids
    nxt = rules.expected_next([s["id"] for s in stops], done_ids)
    return {"round": row, "route": route, "stops": stops, "checkins": done, "done_count": len(done_ids),
            "total": len(stops), "next": next((s for s in stops if s["id"] == nxt), None),
            "open": row["state"] == IN_PROGRESS, "mine": row["guard"] == scope.person_id}


async def _read_tag(scope: Scope, token: str) -> tuple[ScanReason | None, UUID | None]:
    code = await codes.read(scope.estate_id, (token or "").strip())
    if code is None:
        return ScanReason.UNKNOWN, None
    if code.kind == Kind.VISITOR_PASS:
        return ScanReason.VISITOR_PASS, None
    if code.kind == Kind.RELEASE_SLIP:
        return ScanReason.RELEASE_SLIP, None
    if code.kind == Kind.GOODS_PERMIT:
        return ScanReason.GOODS_PERMIT, None
    return None, code.record_id


async def identify(scope: Scope, round_id: UUID | str, token: str) -> dict:
    """What a scanned code is, on this round (no change made): the checkpoint's checklist when it
    may be checked in now, else the reason it may not."""
    view = await round_view(scope, round_id)
    reason, checkpoint_id = await _read_tag(scope, token)
    result = {"reason": (reason or ScanReason.OK).value, "token": token}
    if reason is not None:
        return result
    cp = await Checkpoint.select().where(scope.where(Checkpoint) & (Checkpoint.id == checkpoint_id)).first()
    if cp is None:
        return {**result, "reason": ScanReason.UNKNOWN.value}
    stop_ids = [s["id"] for s in view["stops"]]
    done = {s["id"] for s in view["stops"] if s["done"]}
    verdict = rules.check_scan(cp["id"], stop_ids, done, ordered=view["route"]["ordered"], active=cp["active"],
                               round_open=view["open"])
    return {**result, "reason": verdict.value, "checkpoint_id": str(cp["id"]), "checkpoint_name": cp["name"],
            "place": cp["place"], "questions": rules.parse_checklist(cp["checklist"]),
            "next_name": view["next"]["name"] if view["next"] else ""}


async def check_in(scope: Scope, act: Action, round_id: UUID | str, token: str, answers: list[str],
                   note: str = "") -> dict:
    """Record a checkpoint on a round, with the checklist's answers (once per key, and once per
    round and checkpoint). The result says what happened with a reason code."""
    note = (note or "").strip()
    if len(note) > 500:
        raise Invalid({"note": NOTE_TOO_LONG})
    when = _when(act)

    async def work() -> dict:
        view = await round_view(scope, round_id)
        reason, checkpoint_id = await _read_tag(scope, token)
        base = {"round_id": str(view["round"]["id"]), "done": view["done_count"], "total": view["total"]}
        if reason is not None:
            return {**base, "reason": reason.value}
        cp = await Checkpoint.select().where(scope.where(Checkpoint) & (Checkpoint.id == checkpoint_id)).first()
        if cp is None:
            return {**base, "reason": ScanReason.UNKNOWN.value}
        stop_ids = [s["id"] for s in view["stops"]]
        done = {s["id"] for s in view["stops"] if s["done"]}
        verdict = rules.check_scan(cp["id"], stop_ids, done, ordered=view["route"]["ordered"], active=cp["active"],
                                   round_open=view["open"])
        base.update({"checkpoint_id": str(cp["id"]), "checkpoint_name": cp["name"], "place": cp["place"]})
        if verdict is not ScanReason.OK:
            return {**base, "reason": verdict.value}
        questions = rules.parse_checklist(cp["checklist"])
        given = [a if a in ("yes", "no") else "" for a in answers][:len(questions)]
        if len(given) < len(questions) or "" in given:
            raise Invalid({"answers": ANSWERS_MISSING})
        # Another guard's phone may check this checkpoint in between our read and this write:
        # the round's one-per-checkpoint index keeps theirs, and this scan is told, as a repeat.
        stored = await CheckIn.insert(CheckIn(
            estate=scope.estate_id, round=view["round"]["id"], checkpoint=cp["id"], guard=scope.person_id,
            device_time=act.device_time, checked_at=when.counted_at, received_at=act.arrived_at,
            time_flagged=when.flagged, answers="\n".join(given), questions="\n".join(questions),
            problems=given.count("no"), note=note)).on_conflict(
            target=(CheckIn.round, CheckIn.checkpoint), action="DO NOTHING").returning(CheckIn.id)
        if not stored:
            return {**base, "reason": ScanReason.REPEATED.value}
        changed(scope.estate_id)
        await audit.record("patrol.check_in", actor=scope.person_id, estate=scope.estate_id, subject=cp["id"],
                           round=str(view["round"]["id"]), problems=given.count("no"), flagged=when.flagged)
        done_now = done | {cp["id"]}
        nxt = rules.expected_next(stop_ids, done_now)
        failed = [q for q, a in zip(questions, given) if a == "no"]
        return {**base, "reason": ScanReason.OK.value, "done": len(done_now),
                "next_name": next((s["name"] for s in view["stops"] if s["id"] == nxt), ""),
                "failed": failed, "checked_at": when.counted_at.isoformat(), "flagged": when.flagged}

    return await idempotency.once(act, "patrol_check_in", scope.estate_id, work)


async def finish(scope: Scope, act: Action, round_id: UUID | str) -> dict:
    row = await scope.get(PatrolRound, round_id)
    when = _when(act)

    async def work() -> dict:
        moved = await PatrolRound.update({PatrolRound.state: DONE, PatrolRound.finished_at: when.counted_at}).where(
            (PatrolRound.id == row.id) & (PatrolRound.state == IN_PROGRESS)).returning(PatrolRound.id)
        count = await CheckIn.count().where(CheckIn.round == row.id)
        if moved:
            changed(scope.estate_id)
            await audit.record("patrol.round_finished", actor=scope.person_id, estate=scope.estate_id, subject=row.id,
                               checked=count, of=row.checkpoints)
        return {"reason": FINISHED if moved else ALREADY_FINISHED, "round_id": str(row.id), "done": count,
                "total": row.checkpoints, "missed": max(0, row.checkpoints - count)}

    return await idempotency.once(act, "patrol_finish", scope.estate_id, work)


# The supervisor's board ----------------------------------------------------------------------

BOARD_HOURS = 24


async def board(scope: Scope, now: datetime | None = None) -> dict:
    """Per route in use, the rounds of the last day: in progress, done (on time or late), overdue
    (not started, the supervisor alerted) and missed, newest first, with the next due."""
    now = now or utcnow()
    since = now - timedelta(hours=BOARD_HOURS)
    routes = await setup.routes(scope, active_only=True)
    counts = await _checkin_counts(scope, since)
    out = []
    for route in routes:
        schedule = setup.schedule_of(route, scope.estate.timezone)
        taken = await _taken(route["id"], since, now + schedule.every)
        rows = []
        made = _utc(route["created_at"])
        for slot in rules.slots(schedule, since, now + schedule.every):
            rnd = taken.get(slot.at)
            if rnd is None and slot.at < made:  # due before the route was made: not a round missed
                continue
            state = rules.slot_state(slot, now, started_at=rnd and rnd["started_at"],
                                     finished=bool(rnd and rnd["state"] == DONE))
            if state is SlotState.UPCOMING:
                continue
            entry = {"slot": slot, "state": state.value, "round": rnd}
            if rnd:
                entry["timeliness"] = rules.timeliness(slot, _utc(rnd["started_at"])).value
                entry["checked"] = counts.get(rnd["id"], 0)
                entry["missed_checkpoints"] = max(0, rnd["checkpoints"] - entry["checked"]) if state is SlotState.DONE else 0
            rows.append(entry)
        rows.reverse()
        tally = {k: 0 for k in ("in_progress", "on_time", "late", "missed", "overdue", "due")}
        for entry in rows:
            if entry["state"] == "done":
                tally[entry["timeliness"]] += 1
            elif entry["state"] in tally:
                tally[entry["state"]] += 1
        out.append({"route": route, "rows": rows, "tally": tally,
                    "next": rules.next_slot(schedule, now, frozenset(taken))})
    return {"routes": out, "now": now}


async def _checkin_counts(scope: Scope, since: datetime) -> dict:
    rows = await CheckIn.raw(
        "SELECT c.round AS round, COUNT(*) AS n FROM check_in c JOIN patrol_round r ON r.id = c.round"
        " WHERE r.estate = {} AND r.slot_at >= {} GROUP BY c.round", scope.estate_id, since)
    return {as_uuid(r["round"]): int(r["n"]) for r in rows}


# The periodic job: a round not started in time -----------------------------------------------


async def alert_overdue(now: datetime | None = None) -> int:
    """Alert the supervisor on duty (push and in-app; every supervisor of the estate when none
    has a shift open), once per route and slot, of each round not started by the end of its
    grace. Returns how many alerts were raised."""
    now = now or utcnow()
    raised = 0
    routes = await PatrolRoute.select(PatrolRoute.all_columns(), PatrolRoute.estate.timezone.as_alias("tz"),
                                      PatrolRoute.estate.slug.as_alias("slug")).where(PatrolRoute.active == True)  # noqa: E712
    for route in routes:
        schedule = setup.schedule_of(route, route["tz"])
        taken = await _taken(route["id"], now - timedelta(days=2), now + timedelta(days=1))
        alerted = {_utc(r["slot_at"]) for r in await PatrolAlert.select(PatrolAlert.slot_at).where(
            (PatrolAlert.route == route["id"]) & (PatrolAlert.slot_at >= now - timedelta(days=2)))}
        # Rounds are due from the route's making on, not before.
        for slot in rules.slots(schedule, max(now - timedelta(hours=BOARD_HOURS), _utc(route["created_at"])), now):
            if slot.at in alerted or not rules.needs_alert(slot, now, slot.at in taken):
                continue
            async with write_transaction():
                inserted = await PatrolAlert.insert(PatrolAlert(estate=route["estate"], route=route["id"],
                                                                slot_at=slot.at)).on_conflict(action="DO NOTHING").returning(PatrolAlert.id)
                if not inserted:
                    continue
                supervisors = await duty.supervisors_to_alert(route["estate"])
                await notify.queue(route["estate"], supervisors, Note.ROUND_NOT_STARTED,
                                   params={"route": route["name"], "time": slot.at.astimezone(ZoneInfo(route["tz"])).strftime("%H:%M")},
                                   url=notify.path("patrol_board", estate=route["slug"]), subject=str(route["id"]))
                live.changed(Topic.PATROL, estate=route["estate"])
                await audit.record("patrol.round_not_started", actor=None, estate=route["estate"], subject=route["id"],
                                   slot_at=slot.at.isoformat())
            raised += 1
    return raised


