"""The gate manifest: what a guard's phone keeps to judge passes with no signal.

Passes valid today or tomorrow (and any whose holder is inside), each as the fields a verdict
shows and needs (``app/domain/offline.py``); the watchlist as keyed hashes; the estate's public
key, time zone and how old the list may grow before the phone stops judging by it. The phone
asks again every few minutes and on reconnecting, with the ETag of what it has: an unchanged
list costs a 304.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

from app.domain import offline
from app.models.estates import Estate
from app.models.visitors import VisitorPass, WatchlistEntry
from app.services import codes
from app.services.clock import utcnow
from app.services.scope import Scope
from app.settings import get_settings

COLUMNS = (
    VisitorPass.id, VisitorPass.guest_name, VisitorPass.purpose, VisitorPass.party_size, VisitorPass.vehicle_plate,
    VisitorPass.starts_at, VisitorPass.ends_at, VisitorPass.weekdays, VisitorPass.daily_start, VisitorPass.daily_end,
    VisitorPass.max_entries, VisitorPass.entries, VisitorPass.inside, VisitorPass.revoked_at,
    VisitorPass.guest_name_key, VisitorPass.guest_phone_key, VisitorPass.unit.label.as_alias("unit_label"),
)


def watch_key(scope: Scope) -> bytes:
    """The estate's key for watchlist hashes: from the server's secret, never sent to a phone."""
    return hmac.new(get_settings().secret_key.encode(), f"watchlist:{scope.estate_id}".encode(),
                    hashlib.sha256).digest()


async def build(scope: Scope) -> tuple[bytes, str]:
    """The manifest as JSON bytes, and its ETag (of its content: the same list, the same tag)."""
    now = utcnow()
    start, end = offline.horizon(now, scope.estate.timezone)
    rows = await VisitorPass.select(*COLUMNS).where(
        scope.where(VisitorPass)
        & (((VisitorPass.ends_at >= start) & (VisitorPass.starts_at < end)) | (VisitorPass.inside == True))  # noqa: E712
    ).order_by(VisitorPass.id)
    key = watch_key(scope)
    # A phone is matched by its keyed hash (app/services/sealed.py), the pass's and the entry's alike.
    watched = await WatchlistEntry.select(WatchlistEntry.name_key, WatchlistEntry.phone_hash.as_alias("phone")).where(
        scope.where(WatchlistEntry) & WatchlistEntry.removed_at.is_null()
        & (WatchlistEntry.until.is_null() | (WatchlistEntry.until >= now))
    )
    hashes = sorted({offline.watch_hash(key, "name", w["name_key"]) for w in watched if w["name_key"]}
                    | {offline.watch_hash(key, "phone", w["phone"]) for w in watched if w["phone"]})
    estate = await Estate.select(Estate.offline_max_age_hours).where(Estate.id == scope.estate_id).first()
    content = {
        "estate": scope.estate.slug,
        "timezone": scope.estate.timezone,
        "public_key": await codes.public_key_hex(scope.estate_id),
        "max_age_seconds": int(timedelta(hours=estate["offline_max_age_hours"]).total_seconds()),
        "covers": [int(start.timestamp()), int(end.timestamp())],
        "passes": [offline.entry(row, key) for row in rows],
        "watchlist": hashes,
    }
    body = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
