"""The watchlist kept by front desk and managers, and the check made at registration and scan.

ID numbers, phones and a key of the name are stored in normal form (see
``app.domain.watchlist``) so a match is one query; the name is shown as it was typed. An entry whose ``until`` has passed, or that was removed, no longer matches. Removing
keeps the row (who removed it and when) so the audit trail can say what was barred and why.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from app.db import Statement
from app.domain.lobby import local_day
from app.domain.watchlist import check_entry, end_of_day, is_active, norm_id_number, norm_name, norm_phone, normalised
from app.i18n import N_
from app.models.visitors import WatchlistEntry
from app.services import audit, sealed
from app.services.clock import utcnow
from app.services.errors import Invalid
from app.services.scope import Scope

LIST_LIMIT = 100  # more than this is a search, not a scroll

MESSAGES = {
    "no_identity": N_("Give at least one of name, ID number or phone, so the guards' check can find this person."),
    "name_too_long": N_("Keep the name under 80 characters."),
    "id_number_invalid": N_("Write the ID number with letters and digits only, 4 to 32 of them."),
    "phone_invalid": N_("Enter a phone number of digits only (spaces, dashes and +86 are fine)."),
    "reason_missing": N_("Say why this person is barred: the guard sees it with the warning."),
    "reason_too_long": N_("Keep the reason under 500 characters."),
    "until_invalid": N_("Choose a date, or leave it empty to bar for good."),
    "until_past": N_("This date has passed. Choose today or a later day, or leave it empty."),
}


def matching_entry(estate: str, name_key: str, id_number: str, phone: str) -> str:
    """The rule, in SQL, for whether the watchlist entry ``w`` warns about a visitor now: it is
    the estate's, not removed, not past its last day, and one of its details that is not empty
    equals the visitor's, in normal form (the name by its key, the ID number and phone by their
    keyed hashes, ``app.services.sealed``). The one statement of the rule:
    the check at registration (``matches``) and the scan's read of a pass (``gate._PASS``) both
    use it. Each argument is an SQL expression (``{}`` for a statement's argument); the time to
    judge at is a statement argument, after ``estate``'s."""
    return (
        f'w.estate = {estate} AND w.removed_at IS NULL AND (w."until" IS NULL OR w."until" >= {{}})'
        f" AND ((w.name_key <> '' AND w.name_key = {name_key}) OR (w.id_number_hash <> '' AND w.id_number_hash = {id_number})"
        f" OR (w.phone_hash <> '' AND w.phone_hash = {phone}))"
    )


# Made on every registration, written by hand: Piccolo's builder spends more CPU composing it
# than the database spends running it.
_MATCH = Statement(
    'SELECT w.id, w.name, w.reason, w."until" FROM watchlist_entry w WHERE ' + matching_entry("{}", "{}", "{}", "{}")
)


async def matches(estate_id: UUID, *, name: str = "", id_number: str = "", phone: str = "") -> list[dict]:
    """Active entries matching any of the given details (empty details match nothing)."""
    wanted = normalised(name, id_number, phone)
    if not any(wanted.values()):
        return []
    ring = sealed.keyring()
    return await _MATCH.fetch(estate_id, utcnow(), wanted["name"], ring.digest(wanted["id_number"]),
                              ring.digest(wanted["phone"]))


# An estate's watchlist is short (people barred by name or number, dozens): a search by part of
# an ID number or phone opens them, which no index on a sealed value could answer.
SEARCH_LIMIT = 5000


async def listing(scope: Scope, q: str = "", *, now: datetime | None = None) -> dict:
    """Entries not removed, newest first, searched by part of a name, phone or ID number:
    ``active`` ones (still warning) and ``expired`` ones (their last day has passed). The list
    shows ID numbers and phones masked (read as stored, without the key)."""
    now = now or utcnow()
    columns = (
        WatchlistEntry.id, WatchlistEntry.name, WatchlistEntry.id_number_masked.as_alias("id_number"),
        WatchlistEntry.phone_masked.as_alias("phone"), WatchlistEntry.reason, WatchlistEntry.until,
        WatchlistEntry.created_at, WatchlistEntry.added_by.name.as_alias("added_by_name"),
    )
    query = WatchlistEntry.select(*columns).where(scope.where(WatchlistEntry) & WatchlistEntry.removed_at.is_null())
    term = q.strip()
    wanted = {"name_key": norm_name(term), "id_number": norm_id_number(term), "phone": norm_phone(term)} if term else {}
    if wanted:
        candidates = await WatchlistEntry.select(
            WatchlistEntry.id, WatchlistEntry.name_key, WatchlistEntry.id_number, WatchlistEntry.phone,
        ).where(scope.where(WatchlistEntry) & WatchlistEntry.removed_at.is_null()).limit(SEARCH_LIMIT)
        found = [row["id"] for row in sealed.open_rows(WatchlistEntry, candidates)
                 if any(value and value in row[key] for key, value in wanted.items())]
        if not found:
            return {"active": [], "expired": [], "more": False}
        query = query.where(WatchlistEntry.id.is_in(found))
    rows = await query.order_by(WatchlistEntry.created_at, ascending=False).limit(LIST_LIMIT + 1)
    shown = rows[:LIST_LIMIT]
    return {
        "active": [r for r in shown if is_active(r["until"], None, now=now)],
        "expired": [r for r in shown if not is_active(r["until"], None, now=now)],
        "more": len(rows) > LIST_LIMIT,
    }


async def add(scope: Scope, *, name: str = "", id_number: str = "", phone: str = "", reason: str = "",
              until: str = "", now: datetime | None = None) -> UUID:
    """Bar a person from the estate until the end of ``until`` (a local date), or for good."""
    now = now or utcnow()
    draft, problems = check_entry(name, id_number, phone, reason, until,
                                  today=local_day(now, scope.estate.timezone))
    if draft is None:
        raise Invalid({field: MESSAGES[code] for field, code in problems.items()})
    entry = WatchlistEntry(**sealed.seal(WatchlistEntry, dict(
        estate=scope.estate_id, name=draft.name, name_key=draft.name_key, id_number=draft.id_number, phone=draft.phone,
        reason=draft.reason, until=end_of_day(draft.until, scope.estate.timezone) if draft.until else None,
        added_by=scope.person_id,
    )))
    await entry.save()
    await audit.record(
        "watchlist.added", actor=scope.person_id, estate=scope.estate_id, subject=entry.id,
        by=[f for f in ("name", "id_number", "phone") if getattr(draft, f)],
        until=draft.until.isoformat() if draft.until else None,
    )
    return entry.id


async def remove(scope: Scope, entry_id: UUID) -> str:
    """Take an entry off the list (NotFound for another estate's). Removing twice changes nothing."""
    entry = await scope.get(WatchlistEntry, entry_id)
    removed = await WatchlistEntry.update(
        {WatchlistEntry.removed_at: utcnow(), WatchlistEntry.removed_by: scope.person_id}
    ).where((WatchlistEntry.id == entry.id) & WatchlistEntry.removed_at.is_null()).returning(WatchlistEntry.id)
    if removed:
        await audit.record("watchlist.removed", actor=scope.person_id, estate=scope.estate_id, subject=entry.id)
    return entry.name
