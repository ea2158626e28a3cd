"""The front desk's goods-release lists: the queue of slips waiting for someone (oldest first,
each with what it waits for), the supervisor's list of slips to approve, and each day's
archive of released slips, printable and as CSV.

The queue is polled by the desk's tablet every few seconds (``PollTemplate``): it is two
queries whatever its length, and shows nothing that changes by itself (no "waiting for 5
minutes"), so an unchanged queue answers 304.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from app.domain import inputs
from app.domain import lobby
from app.domain import releases as rules
from app.domain.releases import State
from app.models.releases import GoodsPermit, ReleaseItem, ReleaseSlip
from app.services import audit
from app.services import release_records as records
from app.services.clock import utcnow
from app.services.scope import Scope

QUEUE_LIMIT = 200
OTHERS_SHOWN = 40  # waiting for an owner, the supervisor or an amendment: the oldest are shown

QUEUE_COLUMNS = (
    ReleaseSlip.id, ReleaseSlip.state, ReleaseSlip.reason, ReleaseSlip.requester_name, ReleaseSlip.requester_relation,
    ReleaseSlip.window_starts_at, ReleaseSlip.window_ends_at, ReleaseSlip.submitted_at, ReleaseSlip.created_at,
    ReleaseSlip.started_at_desk, ReleaseSlip.unit.label.as_alias("unit_label"),
    ReleaseSlip.unit.fee_status.as_alias("fee_status"), ReleaseSlip.desk_by.name.as_alias("desk_by_name"),
)


async def _item_counts(slip_ids: list[UUID]) -> dict[UUID, dict]:
    counts: dict[UUID, dict] = {}
    if not slip_ids:
        return counts
    for item in await ReleaseItem.select(ReleaseItem.slip, ReleaseItem.quantity, ReleaseItem.large).where(
        ReleaseItem.slip.is_in(slip_ids)
    ):
        entry = counts.setdefault(item["slip"], {"items": 0, "large": 0})
        entry["items"] += item["quantity"]
        entry["large"] += item["quantity"] if item["large"] else 0
    return counts


@dataclass
class Queue:
    desk: list[dict] = field(default_factory=list)  # waiting for the desk's check, oldest first
    others: list[dict] = field(default_factory=list)  # waiting for an owner, the supervisor, an amendment
    permits: int = 0  # standing permits waiting for a decision
    more: int = 0  # others not shown


async def queue(scope: Scope) -> Queue:
    await records.expire_due(estate_id=scope.estate_id)
    estate_rules = await records.rules_of(scope.estate_id)
    rows = await ReleaseSlip.select(*QUEUE_COLUMNS).where(
        scope.where(ReleaseSlip) & ReleaseSlip.state.is_in([s.value for s in rules.DESK_QUEUE])
    ).order_by(ReleaseSlip.submitted_at).order_by(ReleaseSlip.created_at).limit(QUEUE_LIMIT)
    counts = await _item_counts([r["id"] for r in rows])
    zone = ZoneInfo(scope.estate.timezone)
    result = Queue()
    for slip in rows:
        slip["number"] = records.number(slip["id"])
        slip["waits_for"] = rules.waits_for(slip["state"], fee_status=slip["fee_status"], rules=estate_rules)
        slip.update(counts.get(slip["id"], {"items": 0, "large": 0}))
        start, end = slip["window_starts_at"], slip["window_ends_at"]
        slip["window_label"] = f"{start.astimezone(zone):%m-%d %H:%M}–{end.astimezone(zone):%H:%M}" if start and end else ""
        slip["since_label"] = f"{(slip['submitted_at'] or slip['created_at']).astimezone(zone):%m-%d %H:%M}"
        (result.desk if slip["state"] == State.DESK_REVIEW.value else result.others).append(slip)
    result.more = max(0, len(result.others) - OTHERS_SHOWN)
    result.others = result.others[:OTHERS_SHOWN]
    result.permits = await GoodsPermit.count().where(scope.where(GoodsPermit) & (GoodsPermit.state == "pending"))
    return result


async def waiting_count(scope: Scope, state: State) -> int:
    return await ReleaseSlip.count().where(scope.where(ReleaseSlip) & (ReleaseSlip.state == state.value))


async def supervisor_list(scope: Scope) -> list[dict]:
    """Slips the desk checked, waiting for the second approval, oldest first."""
    rows = await ReleaseSlip.select(*QUEUE_COLUMNS, ReleaseSlip.desk_at, ReleaseSlip.identity_seen,
                                    ReleaseSlip.fees_seen).where(
        scope.where(ReleaseSlip) & (ReleaseSlip.state == State.SUPERVISOR_REVIEW.value)
    ).order_by(ReleaseSlip.desk_at).limit(QUEUE_LIMIT)
    counts = await _item_counts([r["id"] for r in rows])
    for slip in rows:
        slip["number"] = records.number(slip["id"])
        slip.update(counts.get(slip["id"], {"items": 0, "large": 0}))
    return rows


# The day's archive -----------------------------------------------------------------------------


@dataclass
class Archive:
    day: date
    slips: list[dict] = field(default_factory=list)
    previous: date | None = None
    next: date | None = None


def archive_day(text: str, tz: str, now: datetime | None = None) -> date:
    """The day asked for (YYYY-MM-DD), else today in the estate."""
    return inputs.day(text) or lobby.local_day(now or utcnow(), tz)


async def archive(scope: Scope, day: date) -> Archive:
    """Slips released on ``day`` (the estate's day), in the order they left, with their items.
    Carrier ID numbers masked: this is a list, not the check screen."""
    tz = scope.estate.timezone
    bounds = lobby.day_bounds(day, tz)
    rows = await ReleaseSlip.select(
        ReleaseSlip.id, ReleaseSlip.reason, ReleaseSlip.requester_name, ReleaseSlip.requester_relation,
        ReleaseSlip.company, ReleaseSlip.carrier_name,
        ReleaseSlip.carrier_id_number_masked.as_alias("carrier_id_number"), ReleaseSlip.vehicle_plate, ReleaseSlip.released_at, ReleaseSlip.fee_receipt,
        ReleaseSlip.unit.label.as_alias("unit_label"), ReleaseSlip.released_by.name.as_alias("released_by_name"),
        ReleaseSlip.release_gate.name.as_alias("gate_name"), ReleaseSlip.desk_by.name.as_alias("desk_by_name"),
        ReleaseSlip.approved_by.name.as_alias("approved_by_name"),
    ).where(
        scope.where(ReleaseSlip) & (ReleaseSlip.state == State.RELEASED.value)
        & (ReleaseSlip.released_at >= bounds.starts_at) & (ReleaseSlip.released_at <= bounds.ends_at)
    ).order_by(ReleaseSlip.released_at)
    items: dict[UUID, list[dict]] = {}
    if rows:
        for item in await ReleaseItem.select(
            ReleaseItem.slip, ReleaseItem.name, ReleaseItem.quantity, ReleaseItem.large,
        ).where(ReleaseItem.slip.is_in([r["id"] for r in rows])).order_by(ReleaseItem.position):
            items.setdefault(item["slip"], []).append(item)
    for slip in rows:
        slip["number"] = records.number(slip["id"])
        slip["items"] = items.get(slip["id"], [])
    today = lobby.local_day(utcnow(), tz)
    return Archive(day=day, slips=rows, previous=day - timedelta(days=1),
                   next=day + timedelta(days=1) if day < today else None)


CSV_HEADER = ("number", "released_at", "unit", "requester", "relation", "company", "reason", "items",
              "carrier", "carrier_id", "vehicle", "gate", "guard", "front_desk", "supervisor", "fee_receipt")


def _cell(value) -> str:
    """A CSV cell a spreadsheet will not run: a leading =, +, - or @ is quoted with '."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


async def archive_export(scope: Scope, day: date) -> tuple[Archive, str]:
    """The day's archive as CSV, for a spreadsheet; recorded in the audit log, as every export
    of people's records is."""
    found = await archive(scope, day)
    text = archive_csv(found, scope.estate.timezone)
    await audit.record("export.released_goods", actor=scope.person_id, estate=scope.estate_id,
                       subject=day.isoformat(), slips=len(found.slips))
    return found, text


def archive_csv(found: Archive, tz: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for slip in found.slips:
        writer.writerow([_cell(v) for v in (
            slip["number"], slip["released_at"].astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M"),
            slip["unit_label"], slip["requester_name"], slip["requester_relation"], slip["company"], slip["reason"],
            "; ".join(f"{i['name']} x{i['quantity']}{' (large)' if i['large'] else ''}" for i in slip["items"]),
            slip["carrier_name"], slip["carrier_id_number"], slip["vehicle_plate"], slip["gate_name"],
            slip["released_by_name"], slip["desk_by_name"], slip["approved_by_name"], slip["fee_receipt"],
        )])
    return "\ufeff" + out.getvalue()  # a BOM, so Excel reads the Chinese as UTF-8
