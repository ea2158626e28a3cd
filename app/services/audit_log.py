"""The audit log as admins and managers read it: their estate's entries, newest first, filtered
by what they concern, by who acted and by day (in the estate's time zone), a page at a time."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from app.db import like_anywhere
from app.domain import audit_log, inputs
from app.i18n import N_
from app.domain.masking import mask_id_number, mask_phone
from app.models.audit import AuditEvent
from app.services.scope import Scope


@dataclass(frozen=True)
class Filters:
    family: str = ""
    person: str = ""
    since: str = ""  # YYYY-MM-DD, the estate's day
    until: str = ""
    before: int | None = None  # entries numbered below this (the next page)

    def query(self) -> dict[str, str]:
        """The filters as the page's link to older entries carries them."""
        return {k: v for k, v in (("family", self.family), ("person", self.person), ("since", self.since),
                                  ("until", self.until)) if v}


@dataclass
class Page:
    entries: list[dict]
    families: list[tuple[str, str]]
    older: int | None  # ``before`` for the next page, if there is one
    filters: Filters
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def older_query(self) -> dict[str, str]:
        return {**self.filters.query(), "before": str(self.older)}


def _day(value: str) -> date | None:
    """A filter's day: one a day can be added to in any time zone, else None (and a message)."""
    return inputs.day(value)


def _shown(data) -> list[tuple[str, str]]:
    """The recorded values as (key, text), personal ones masked."""
    if isinstance(data, str):
        data = json.loads(data or "{}")
    shown = []
    for key, value in sorted((data or {}).items()):
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        elif value is None or value == "":
            continue
        value = str(value)
        masked = audit_log.MASKED.get(key)
        if masked == "phone":
            value = mask_phone(value)
        elif masked == "id_number":
            value = mask_id_number(value)
        shown.append((key, value))
    return shown


async def listing(scope: Scope, filters: Filters) -> Page:
    zone = ZoneInfo(scope.estate.timezone)
    where = [scope.where(AuditEvent)]
    problems = {}
    if filters.family:
        codes = audit_log.same_family(filters.family)
        condition = AuditEvent.action.like(f"{codes[0]}.%")
        for code in codes[1:]:
            condition = condition | AuditEvent.action.like(f"{code}.%")
        where.append(condition)
    if filters.person.strip():
        pattern, name = like_anywhere(filters.person.strip()), AuditEvent.actor.name
        # SQLite's LIKE ignores case already (ASCII); PostgreSQL's needs ILIKE
        where.append(name.like(pattern) if AuditEvent._meta.db.engine_type == "sqlite" else name.ilike(pattern))
    for name, value, shift in (("since", filters.since, 0), ("until", filters.until, 1)):
        day = _day(value)
        if value and day is None:
            problems[name] = N_("Give the day as year-month-day, e.g. 2026-12-07.")
        elif day is not None:
            edge = datetime.combine(day + timedelta(days=shift), time(), zone).astimezone(timezone.utc)
            where.append(AuditEvent.at >= edge if name == "since" else AuditEvent.at < edge)
    if filters.before is not None:
        where.append(AuditEvent.seq < filters.before)
    rows = await AuditEvent.select(
        AuditEvent.seq, AuditEvent.at, AuditEvent.action, AuditEvent.subject, AuditEvent.data,
        AuditEvent.actor.name.as_alias("actor_name"),
    ).where(*where).order_by(AuditEvent.seq, ascending=False).limit(audit_log.PAGE + 1)
    more = len(rows) > audit_log.PAGE
    rows = rows[:audit_log.PAGE]
    for row in rows:
        row["family"] = audit_log.FAMILIES.get(audit_log.family(row["action"]), "")
        row["shown"] = _shown(row.pop("data"))
    actions = await AuditEvent.select(AuditEvent.action).where(scope.where(AuditEvent)).distinct()
    return Page(
        entries=rows,
        families=audit_log.family_choices([a["action"] for a in actions]),
        older=rows[-1]["seq"] if more else None,
        filters=filters,
        problems=problems,
    )


__all__ = ["Filters", "Page", "listing"]
