"""Verdicts a guard's phone gives with no signal, from the gate's list of passes.

While online, the phone keeps a list of the estate's passes valid today and tomorrow (the gate
manifest, ``services/gate_manifest.py``): each pass as an entry of the fields a verdict needs
and shows, nothing more (no phone, no ID number). With no signal the phone checks a scanned
code's signature with the estate's public key, finds its entry and judges it with the same
rules as the server: ``static/js/verdict.js`` is this module and ``passes.check`` in
JavaScript, and one file of cases (``tests/vectors/offline_verdicts.json``) is checked against
both, so the two cannot disagree unnoticed.

The watchlist travels as keyed hashes only (an unkeyed hash of a phone number is reversed in
minutes): the server hashes the guest's name and phone with a key the phone never has, and the
phone compares hashes.

A list older than the estate's limit gives no verdict at all ("call the household"): a phone
that has been offline for a day must not wave through a pass revoked this morning.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from app.domain import passes
from app.domain.passes import PassFacts, Reason, Verdict

STALE = "stale"  # the phone's list is too old to judge by

# How old the list may grow before the phone stops judging by it (``Estate.offline_max_age_hours``,
# set by the estate's admin). At least an hour: a shorter limit would make a guard's phone refuse
# verdicts between two refreshes on a weak signal. At most two days: the list covers only today and
# tomorrow, so an older one holds none of the passes that matter.
MIN_MAX_AGE_HOURS = 1
MAX_MAX_AGE_HOURS = 48

WATCH_FIELDS = ("name", "phone")


def valid_max_age_hours(hours: int) -> bool:
    return MIN_MAX_AGE_HOURS <= hours <= MAX_MAX_AGE_HOURS


def watch_hash(key: bytes, field: str, normal_value: str) -> str:
    """A watchlist value as the phone sees it: HMAC under the estate's watchlist key."""
    return hmac.new(key, f"{field}:{normal_value}".encode(), hashlib.sha256).hexdigest()[:24]


def _epoch(value: datetime) -> int:
    return int(value.timestamp())


def entry(row: dict, watch_key: bytes) -> dict:
    """A pass as the gate manifest carries it, from a VisitorPass row with ``unit_label``."""
    keys = [watch_hash(watch_key, field, row[f"guest_{field}_key"]) for field in WATCH_FIELDS
            if row.get(f"guest_{field}_key")]
    item = {
        "id": str(row["id"]),
        "guest": row["guest_name"],
        "unit": row["unit_label"],
        "purpose": row["purpose"],
        "party": row["party_size"],
        "vehicle": row["vehicle_plate"],
        "starts": _epoch(row["starts_at"]),
        "ends": _epoch(row["ends_at"]),
        "max": row["max_entries"],
        "used": row["entries"],
        "inside": bool(row["inside"]),
        "revoked": row["revoked_at"] is not None,
        "watch": keys,
    }
    if row.get("weekdays"):
        item.update(weekdays=row["weekdays"], daily_start=row["daily_start"], daily_end=row["daily_end"])
    return item


def facts(item: dict, tz: str) -> PassFacts:
    """The facts of a manifest entry, as ``passes.check`` takes them."""
    return passes.facts_from_record({
        "starts_at": datetime.fromtimestamp(item["starts"], timezone.utc),
        "ends_at": datetime.fromtimestamp(item["ends"], timezone.utc),
        "weekdays": item.get("weekdays", ""),
        "daily_start": item.get("daily_start", ""),
        "daily_end": item.get("daily_end", ""),
        "max_entries": item["max"],
        "entries": item["used"],
        "inside": item["inside"],
        "revoked_at": True if item["revoked"] else None,
    }, tz)


@dataclass(frozen=True)
class OfflineVerdict:
    reason: str  # a passes.Reason code, or STALE
    entries_left: int | None = None
    next_window: passes.Window | None = None


def judge(item: dict | None, *, now: datetime, tz: str, watchlist: frozenset[str], list_age: timedelta,
          max_age: timedelta) -> OfflineVerdict:
    """The phone's verdict for a pass's entry (None: not on the list) with a list this old."""
    if list_age > max_age:
        return OfflineVerdict(STALE)
    if item is None:
        return OfflineVerdict(Reason.UNKNOWN.value)
    verdict: Verdict = passes.check(facts(item, tz), now=now, watchlisted=bool(watchlist & set(item["watch"])))
    return OfflineVerdict(verdict.code, verdict.entries_left, verdict.next_window)


def horizon(now: datetime, tz: str) -> tuple[datetime, datetime]:
    """The span the manifest covers: from the start of today to the end of tomorrow, in the
    estate's time zone (a guard at the gate after midnight still has tomorrow's passes)."""
    zone = ZoneInfo(tz)
    today = now.astimezone(zone).date()
    start = datetime.combine(today, time(0, 0), tzinfo=zone)
    end = datetime.combine(today + timedelta(days=2), time(0, 0), tzinfo=zone)
    return start, end
