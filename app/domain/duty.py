"""The duty log and the handover (值班記錄, 交接班): posts, kinds of entry, the quick entries,
who may change what, and how each open-item source's rows become handover items.

A handover is compiled from live state, not from memory: each source reads its records and
turns them into items here (``*_items``), pure functions of rows and ``now`` so that each one
is unit-tested on its own. An item is a dict with at least ``kind``, ``title``, ``detail`` and
``href``; ``title`` and ``detail`` hold names, units and numbers (data, not sentences), and the
screen names each ``kind`` in the reader's language.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.domain.roles import Role


class Post(str, enum.Enum):
    LOBBY = "lobby"
    GATE = "gate"
    PATROL = "patrol"


class EntryKind(str, enum.Enum):
    VISITOR = "visitor"
    DELIVERY = "delivery"
    FACILITY_FAULT = "facility_fault"
    COMPLAINT = "complaint"
    EMERGENCY = "emergency"
    OTHER = "other"


# Who keeps a duty log, and the post a first shift starts at for each (a later shift starts at
# the post of the person's last one).
DUTY_ROLES = frozenset({Role.FRONT_DESK, Role.GATE_GUARD, Role.PATROL_GUARD, Role.SUPERVISOR})
DEFAULT_POST = ((Role.FRONT_DESK, Post.LOBBY), (Role.GATE_GUARD, Post.GATE), (Role.PATROL_GUARD, Post.PATROL),
                (Role.SUPERVISOR, Post.LOBBY))

TEXT_MAX = 1000
ACKNOWLEDGE_WITHIN = timedelta(minutes=15)  # after the shift change, or the supervisor is told


def post_for(roles: frozenset[Role] | set[Role], last_post: str | None) -> Post:
    """The post a one-tap shift starts at: the last shift's, else the first role's usual post."""
    if last_post in Post._value2member_map_:
        return Post(last_post)
    for role, post in DEFAULT_POST:
        if role in roles:
            return post
    return Post.LOBBY


@dataclass(frozen=True)
class Quick:
    """A common entry, made in one tap from the shift's page: a kind and a text of its own."""

    key: str
    kind: EntryKind


# The texts are in the catalogue (services/duty.py names them); the entry keeps the text in the
# language of the person who tapped, as if they had typed it.
QUICK_ENTRIES = (
    Quick("parcel", EntryKind.DELIVERY),
    Quick("visitor_registered", EntryKind.VISITOR),
    Quick("light_out", EntryKind.FACILITY_FAULT),
    Quick("lobby_cleaned", EntryKind.OTHER),
    Quick("rounds_done", EntryKind.OTHER),
    Quick("noise", EntryKind.COMPLAINT),
)
QUICK_BY_KEY = {q.key: q for q in QUICK_ENTRIES}


class Refusal(str, enum.Enum):
    FROZEN = "frozen"          # the shift was handed over: annotate instead
    NOT_AUTHOR = "not_author"  # only the author edits an entry
    NOT_ON_DUTY = "not_on_duty"  # log entries need a shift
    OWN_HANDOVER = "own_handover"  # the outgoing person cannot acknowledge their own handover


def edit_refusal(*, frozen: bool, author_is_editor: bool) -> Refusal | None:
    if frozen:
        return Refusal.FROZEN
    if not author_is_editor:
        return Refusal.NOT_AUTHOR
    return None


def acknowledge_refusal(*, handed_by_is_reader: bool) -> Refusal | None:
    return Refusal.OWN_HANDOVER if handed_by_is_reader else None


def overdue_for_acknowledgement(handed_at: datetime, acknowledged_at: datetime | None, now: datetime) -> bool:
    """Not acknowledged within ``ACKNOWLEDGE_WITHIN`` of the shift change."""
    return acknowledged_at is None and now - handed_at >= ACKNOWLEDGE_WITHIN


def clip(text: str, limit: int = 200) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# The open-item sources' compile logic ----------------------------------------------------------

def item(kind: str, title: str, detail: str = "", href: str = "", *, ref: str = "", at: datetime | None = None) -> dict:
    return {"kind": kind, "title": clip(title), "detail": clip(detail, 400), "href": href, "ref": ref, "at": at}


# Goods release: slips waiting for someone, and slips held at a gate (to amend with the desk).
SLIP_WAITING_STATES = ("awaiting_consent", "desk_review", "supervisor_review")
SLIP_HELD_STATES = ("held",)


def slip_items(rows: list[dict], now: datetime) -> list[dict]:
    """Held slips first (goods stopped at a gate), then slips waiting, oldest first. A row has
    number, state, unit_label, requester_name, hold_note, since (datetime) and href."""
    held = [r for r in rows if r["state"] in SLIP_HELD_STATES]
    waiting = [r for r in rows if r["state"] in SLIP_WAITING_STATES]
    out = []
    for row in sorted(held, key=lambda r: r["since"]) + sorted(waiting, key=lambda r: r["since"]):
        kind = "slip_held" if row["state"] in SLIP_HELD_STATES else f"slip_{row['state']}"
        detail = row.get("hold_note") if kind == "slip_held" else row.get("requester_name")
        out.append(item(kind, f"{row['number']} · {row['unit_label']}", detail or "", row["href"],
                        ref=str(row["id"]), at=row["since"]))
    return out


def incident_items(rows: list[dict], now: datetime) -> list[dict]:
    """Incidents not resolved: urgent ones first, then the oldest first; one a guard was sent to
    is a dispatch task under way (with who was sent), else an open incident. A row has id,
    urgent, where, description, happened_at, dispatched_to_name and href."""
    out = []
    for row in sorted(rows, key=lambda r: (not r["urgent"], r["happened_at"])):
        kind = "incident_dispatched" if row.get("dispatched_to_name") else "incident_open"
        detail = row["dispatched_to_name"] if kind == "incident_dispatched" else row.get("description") or ""
        out.append(item(kind, row["where"], detail, row["href"], ref=str(row["id"]), at=row["happened_at"]))
    return out


def visitor_inside_items(rows: list[dict], now: datetime) -> list[dict]:
    """Visitors through the gate and not out: overdue ones first (past their expected time, the
    longest overdue first), then those still inside, earliest in first. A row has id, guest_name,
    unit_label, party_size, entered_at, expected_until and href."""
    overdue = [r for r in rows if r["expected_until"] is not None and r["expected_until"] < now]
    inside = [r for r in rows if not (r["expected_until"] is not None and r["expected_until"] < now)]
    out = []
    for row in sorted(overdue, key=lambda r: r["expected_until"]):
        out.append(item("visitor_overdue", _guest(row), row["unit_label"] or "", row["href"], ref=str(row["id"]),
                        at=row["expected_until"]))
    for row in sorted(inside, key=lambda r: r["entered_at"]):
        out.append(item("visitor_inside", _guest(row), row["unit_label"] or "", row["href"], ref=str(row["id"]),
                        at=row["entered_at"]))
    return out


def _guest(row: dict) -> str:
    size = row.get("party_size") or 1
    return f"{row['guest_name']} (+{size - 1})" if size > 1 else row["guest_name"]


EXPECTED_HOURS = timedelta(hours=4)


def expected_items(windows: list[dict], now: datetime, within: timedelta = EXPECTED_HOURS) -> list[dict]:
    """Guests expected in the next hours: a window starting after ``now`` and within ``within``,
    by the time it starts. A row has id, guest_name, unit_label, party_size, starts_at and href."""
    soon = [w for w in windows if now <= w["starts_at"] <= now + within]
    return [item("visitor_expected", _guest(w), w["unit_label"] or "", w["href"], ref=str(w["id"]), at=w["starts_at"])
            for w in sorted(soon, key=lambda w: (w["starts_at"], w["guest_name"]))]


# A walk-in waits for an answer while the household has not answered (waiting), could not be
# reached (unreachable), or the manager has not decided (escalated); by the next day a visitor
# left waiting has gone (as in the guard's open list).
WALKIN_WAITING_STATES = ("waiting", "unreachable", "escalated")
WALKIN_GONE_AFTER = timedelta(hours=24)


def walkin_items(rows: list[dict], now: datetime) -> list[dict]:
    """A row has id, state, name, unit_label, created_at and href."""
    keep = [r for r in rows if r["state"] in WALKIN_WAITING_STATES
            and (r["state"] == "escalated" or now - r["created_at"] < WALKIN_GONE_AFTER)]
    return [item(f"walkin_{r['state']}", r["name"] or "—", r["unit_label"] or "", r["href"], ref=str(r["id"]),
                 at=r["created_at"]) for r in sorted(keep, key=lambda r: r["created_at"])]


ESCORT_OPEN_STATES = ("open", "acknowledged")


def escort_items(rows: list[dict], now: datetime) -> list[dict]:
    """Open escort and emergency tasks, not yet taken first. A row has id, kind, state,
    visitor_name, unit_label, acknowledged_by_name, created_at and href."""
    keep = [r for r in rows if r["state"] in ESCORT_OPEN_STATES]
    keep.sort(key=lambda r: (r["state"] != "open", r["created_at"]))
    return [item(f"{r['kind']}_{r['state']}", r["visitor_name"] or r["unit_label"] or "—",
                 " · ".join(x for x in (r["unit_label"], r.get("acknowledged_by_name")) if x),
                 r["href"], ref=str(r["id"]), at=r["created_at"]) for r in keep]


def log_items(rows: list[dict], now: datetime) -> list[dict]:
    """Log entries marked for the next shift and not yet acknowledged, oldest first. A row has
    id, kind, text, unit_label, author_name, created_at, seen_at and href."""
    keep = [r for r in rows if r["seen_at"] is None]
    return [item("log_next_shift", r["text"], " · ".join(x for x in (r["unit_label"], r["author_name"]) if x),
                 r["href"], ref=str(r["id"]), at=r["created_at"]) for r in sorted(keep, key=lambda r: r["created_at"])]
