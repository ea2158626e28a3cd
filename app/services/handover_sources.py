"""What a handover lists, from live state: a registry of open-item sources, one function each.

A source is ``async def source(estate: EstateRef, now: datetime) -> list[dict]``: it reads its
records of the estate (``estate.id``; ``estate.slug`` for links, ``estate.timezone``: it is the
request's ``scope.estate``, so no source looks the estate up) and returns items, dicts with at
least ``kind``, ``title``, ``detail`` and ``href`` (and optionally ``ref``, the record's id, and
``at``, the moment the item is about).
The turning of rows into items is a pure function in ``app/domain/duty.py``, unit-tested on its
own. A capability adds its source with ``@source(order)`` in a module of its own and imports
that module in ``SOURCE_MODULES`` below; docs/handover.md says how, step by step.

Sources read the estate's records directly, not through a person's ``Scope``: a handover is
compiled for the post, whoever is on duty, and is only shown to the estate's duty staff.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from uuid import UUID

from app.db import Statement
from app.domain import duty as rules
from app.domain import lobby
from app.domain.passes import facts_from_record
from app.i18n import N_
from app.models.estates import Estate
from app.services import notify
from app.services.release_records import number as slip_number
from app.services.scope import EstateRef

Source = Callable[[EstateRef, datetime], Awaitable[list[dict]]]

# What each item kind is called on the handover's screen (a source adding a kind adds its name).
KIND_NAMES: dict[str, str] = {
    "slip_held": N_("Goods held at a gate"),
    "slip_awaiting_consent": N_("Slip waiting for the owner's consent"),
    "slip_desk_review": N_("Slip waiting for the front desk"),
    "slip_supervisor_review": N_("Slip waiting for the second approval"),
    "visitor_overdue": N_("Visitor overdue"),
    "visitor_inside": N_("Visitor still inside"),
    "visitor_expected": N_("Visitor expected"),
    "walkin_waiting": N_("Walk-in waiting for the household"),
    "walkin_unreachable": N_("Walk-in: household not reached"),
    "walkin_escalated": N_("Walk-in waiting for the manager"),
    "escort_open": N_("Escort task not taken"),
    "escort_acknowledged": N_("Escort task under way"),
    "emergency_open": N_("Emergency task not taken"),
    "emergency_acknowledged": N_("Emergency task under way"),
    "log_next_shift": N_("From the log, for the next shift"),
    "incident_open": N_("Incident open"),
    "incident_dispatched": N_("Guard sent to an incident"),
    "request_follow_up": N_("Request to follow up (done 3 days ago or more)"),
    "found_not_returned": N_("Found item not yet returned"),
}

# (order, name, function); compiled in order, so the item kinds the next shift must act on first
# come first.
SOURCES: list[tuple[int, str, Source]] = []
LIMIT = 200  # per source: a handover is read by a person, not a report

# Modules that register sources of other capabilities when imported.
SOURCE_MODULES: list[str] = ["app.services.incidents", "app.services.resident_requests", "app.services.lost_found"]


def source(order: int) -> Callable[[Source], Source]:
    """Register a handover source (a decorator); ``order`` places its items in the handover."""

    def register(function: Source) -> Source:
        name = f"{function.__module__}.{function.__name__}"
        SOURCES[:] = [s for s in SOURCES if s[1] != name]
        SOURCES.append((order, name, function))
        SOURCES.sort(key=lambda s: s[0])
        return function

    return register


def registered() -> list[tuple[int, str, Source]]:
    for module in SOURCE_MODULES:
        importlib.import_module(module)
    return list(SOURCES)


async def estate_ref(estate_id: UUID) -> EstateRef:
    """The estate as a request's scope holds it, for compiling outside a request."""
    row = await Estate.select(Estate.slug, Estate.name, Estate.timezone).where(Estate.id == estate_id).first()
    return EstateRef(estate_id, row["slug"], row["name"], row["timezone"])


async def compile_items(estate: EstateRef, now: datetime) -> list[dict]:
    """Every source's items, in the sources' order."""
    items: list[dict] = []
    for _, _, function in registered():
        items.extend(await function(estate, now))
    return items


# What each source reads, written by hand (``db.Statement``): the handover page compiles every
# source on each request, and Piccolo's builder spends more CPU composing a join than the
# database spends running it (as on the gate's hot path).
def _marks(values) -> str:
    return ", ".join("{}" for _ in values)


SLIP_STATES = (*rules.SLIP_HELD_STATES, *rules.SLIP_WAITING_STATES)
_SLIPS = Statement(
    "SELECT s.id, s.state, s.requester_name, s.hold_note, s.submitted_at, s.created_at, s.device_time,"
    " u.label AS unit_label FROM release_slip s LEFT JOIN unit u ON u.id = s.unit"
    f" WHERE s.estate = {{}} AND s.state IN ({_marks(SLIP_STATES)}) ORDER BY s.created_at LIMIT {{}}"
)
_VISITS = Statement(
    "SELECT v.id, v.guest_name, v.party_size, v.entered_at, v.expected_until, u.label AS unit_label"
    " FROM visit v LEFT JOIN unit u ON u.id = v.unit WHERE v.estate = {} AND v.exited_at IS NULL"
    " ORDER BY v.entered_at LIMIT {}"
)
_WALKINS = Statement(
    "SELECT r.id, r.state, r.name, r.created_at, u.label AS unit_label FROM registration r"
    " LEFT JOIN unit u ON u.id = r.unit WHERE r.estate = {} AND r.kind = {}"
    f" AND r.state IN ({_marks(rules.WALKIN_WAITING_STATES)}) AND (r.created_at >= {{}} OR r.state = {{}})"
    " ORDER BY r.created_at LIMIT {}"
)
_ESCORTS = Statement(
    "SELECT t.id, t.kind, t.state, t.created_at, u.label AS unit_label, r.name AS visitor_name,"
    " a.name AS acknowledged_by_name FROM escort_task t LEFT JOIN unit u ON u.id = t.unit"
    " LEFT JOIN registration r ON r.id = t.registration LEFT JOIN person a ON a.id = t.acknowledged_by"
    f" WHERE t.estate = {{}} AND t.state IN ({_marks(rules.ESCORT_OPEN_STATES)}) ORDER BY t.created_at LIMIT {{}}"
)
_PASSES = Statement(
    "SELECT p.id, p.guest_name, p.party_size, p.starts_at, p.ends_at, p.weekdays, p.daily_start, p.daily_end,"
    " p.max_entries, p.entries, p.inside, p.revoked_at, u.label AS unit_label FROM visitor_pass p"
    " LEFT JOIN unit u ON u.id = p.unit WHERE p.estate = {} AND p.revoked_at IS NULL AND p.inside = {}"
    " AND p.starts_at <= {} AND p.ends_at >= {} LIMIT {}"
)
_ENTRIES = Statement(
    "SELECT d.id, d.kind, d.text, d.created_at, d.seen_at, u.label AS unit_label, a.name AS author_name"
    " FROM duty_entry d LEFT JOIN unit u ON u.id = d.unit LEFT JOIN person a ON a.id = d.author"
    " WHERE d.estate = {} AND d.next_shift = {} AND d.seen_at IS NULL AND d.created_at >= {}"
    " ORDER BY d.created_at LIMIT {}"
)


@source(10)
async def release_slips(estate: EstateRef, now: datetime) -> list[dict]:
    """Slips held at a gate, and slips waiting for an owner, the desk or the supervisor."""
    rows = await _SLIPS.fetch(estate.id, *SLIP_STATES, LIMIT)
    if not rows:
        return []
    for row in rows:
        row["number"] = slip_number(row["id"])
        row["since"] = (row["device_time"] if row["state"] == "held" and row["device_time"] else None) \
            or row["submitted_at"] or row["created_at"]
        row["href"] = notify.path("release_detail", estate=estate.slug, slip_id=row["id"])
    return rules.slip_items(rows, now)


@source(20)
async def visitors_inside(estate: EstateRef, now: datetime) -> list[dict]:
    """Visitors through a gate and not out yet: overdue ones, then the others."""
    rows = await _VISITS.fetch(estate.id, LIMIT)
    if not rows:
        return []
    href = notify.path("onsite", estate=estate.slug)
    for row in rows:
        row["href"] = href
    return rules.visitor_inside_items(rows, now)


@source(30)
async def walk_ins_waiting(estate: EstateRef, now: datetime) -> list[dict]:
    """Walk-ins waiting for a household's answer or the manager's decision."""
    rows = await _WALKINS.fetch(estate.id, "walk_in", *rules.WALKIN_WAITING_STATES, now - rules.WALKIN_GONE_AFTER,
                                "escalated", LIMIT)
    if not rows:
        return []
    for row in rows:
        row["href"] = notify.path("walkin_detail", estate=estate.slug, registration_id=row["id"])
    return rules.walkin_items(rows, now)


@source(40)
async def escort_tasks(estate: EstateRef, now: datetime) -> list[dict]:
    """Escort and emergency tasks of patrol not done yet."""
    rows = await _ESCORTS.fetch(estate.id, *rules.ESCORT_OPEN_STATES, LIMIT)
    if not rows:
        return []
    href = notify.path("escort_list", estate=estate.slug)
    for row in rows:
        row["href"] = href
    return rules.escort_items(rows, now)


@source(50)
async def expected_visitors(estate: EstateRef, now: datetime) -> list[dict]:
    """Guests whose window starts in the next hours (today's or tomorrow's, in the estate's zone)
    and who have not come in yet."""
    tz, until = estate.timezone, now + rules.EXPECTED_HOURS
    passes = await _PASSES.fetch(estate.id, False, until, now, LIMIT * 5)
    href = notify.path("lobby", estate=estate.slug)
    windows = []
    for row in passes:
        facts = facts_from_record(row, tz)
        if facts.max_entries is not None and facts.entries >= facts.max_entries:
            continue
        for starts_at in lobby.starts_between(facts, now, until, tz):
            windows.append({"id": row["id"], "guest_name": row["guest_name"], "unit_label": row["unit_label"],
                            "party_size": row["party_size"], "starts_at": starts_at, "href": href})
    return rules.expected_items(windows, now)[:LIMIT]


@source(60)
async def log_for_next_shift(estate: EstateRef, now: datetime) -> list[dict]:
    """Duty log entries marked "for the next shift" that no handover has had acknowledged."""
    rows = await _ENTRIES.fetch(estate.id, True, now - timedelta(days=14), LIMIT)
    if not rows:
        return []
    for row in rows:
        row["href"] = notify.path("duty_entry", estate=estate.slug, entry_id=row["id"])
    return rules.log_items(rows, now)
