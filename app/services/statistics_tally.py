"""Visit counts kept ready for the statistics page, and the counting itself.

Counting a large estate's year of visits (some 110,000) straight from the visits takes seconds on
SQLite, over the page's budget (300 ms). So the days before the last two are counted once, by the
periodic task, into two small tables (``models/statistics.py``): per hour of the estate's day,
and per day by purpose and gate. The page reads those for the days before the estate's mark
(``StatisticsMark.through``) and counts the days from the mark on from the visits themselves.
The mark and the tallies change in one transaction, so a visit is counted either in the tallies
or live, never both and never neither.

Visits can still change after their day is tallied: an admission made with no signal arrives
up to 60 days late (``idempotency.MAX_QUEUED``), and a visitor leaves after the tally counted
them inside. The last ``REFRESH_DAYS`` days are counted again once an hour, so such a change is
on the page within the hour.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from piccolo.engine.postgres import PostgresEngine

from app.db import write_transaction
from app.domain import statistics as rules
from app.models.estates import Estate
from app.models.statistics import StatisticsMark, VisitHourTally, VisitKindTally
from app.models.visitors import Visit
from app.services.clock import utcnow

SETTLE_DAYS = 2  # today and yesterday are always counted live
REFRESH_DAYS = 62  # counted again every hour: late offline admissions (60 days at most), exits
REFRESH_EVERY = timedelta(hours=1)
CHUNK_DAYS = 31  # tallied a month at a time, each month in its own short transaction


def _postgres() -> bool:
    return isinstance(Visit._meta.db, PostgresEngine)


def _local(minutes: int, fmt: str) -> str:
    """The estate's hour (``fmt`` "hour") or day ("day") of ``entered_at`` at a fixed offset (a
    whole number of minutes, ours, written into the statement)."""
    minutes = int(minutes)
    if _postgres():
        pattern = "YYYY-MM-DD HH24" if fmt == "hour" else "YYYY-MM-DD"
        return f"to_char((entered_at AT TIME ZONE 'UTC') + interval '{minutes} minutes', '{pattern}')"
    pattern = "%Y-%m-%d %H" if fmt == "hour" else "%Y-%m-%d"
    return f"strftime('{pattern}', entered_at, '{minutes:+d} minutes')"


def _hours_sql(minutes: int) -> str:
    seconds = ("EXTRACT(EPOCH FROM (exited_at - entered_at))" if _postgres()
               else "(julianday(exited_at) - julianday(entered_at)) * 86400.0")
    return (
        f"SELECT {_local(minutes, 'hour')} AS hour, COUNT(*) AS visits, COUNT(visitor_pass) AS invited,"
        " SUM(CASE WHEN expected_until IS NOT NULL AND COALESCE(exited_at, {}) > expected_until THEN 1 ELSE 0 END)"
        f" AS overdue, COUNT(exited_at) AS stayed, SUM({seconds}) AS seconds"
        " FROM visit WHERE estate = {} AND entered_at >= {} AND entered_at < {} GROUP BY 1"
    )


def _kinds_sql(minutes: int) -> str:
    return (f"SELECT {_local(minutes, 'day')} AS day, purpose, entry_gate, COUNT(*) AS n FROM visit"
            " WHERE estate = {} AND entered_at >= {} AND entered_at < {} GROUP BY 1, purpose, entry_gate")


async def count_live(estate_id, zone: str, first: date, last: date,
                     now: datetime) -> tuple[list[rules.HourCount], list[tuple[str, str, str | None, int]]]:
    """Days ``first`` to ``last`` counted from the visits: per estate hour, and (day, purpose,
    gate, visits)."""
    start, end = rules.bounds(rules.Range(first, last), zone)
    hours: list[rules.HourCount] = []
    kinds: list[tuple[str, str, str | None, int]] = []
    for span in rules.spans(start, end, zone):
        for r in await Visit.raw(_hours_sql(span.minutes), now, estate_id, span.start, span.end):
            hours.append(rules.HourCount(r["hour"], int(r["visits"]), int(r["invited"] or 0), int(r["overdue"] or 0),
                                         int(r["stayed"] or 0), float(r["seconds"] or 0)))
        for r in await Visit.raw(_kinds_sql(span.minutes), estate_id, span.start, span.end):
            gate = None if r["entry_gate"] is None else str(r["entry_gate"])
            kinds.append((r["day"], r["purpose"] or "", gate, int(r["n"])))
    return hours, kinds


async def mark(estate_id) -> date | None:
    """The first day of the estate not in the tallies (None: nothing tallied yet)."""
    row = await StatisticsMark.select(StatisticsMark.through).where(StatisticsMark.estate == estate_id).first()
    return date.fromisoformat(row["through"]) if row and row["through"] else None


async def read(estate_id, first: date, last: date) -> tuple[list[rules.HourCount], list[tuple]]:
    """The tallies of days ``first`` to ``last`` (all before the mark), added up by the database
    into what the page shows: a row per day (its figures at hour "00"), a row per hour of the
    day (its visits, under the first day), and the visits by purpose and gate. Some 400 rows
    for a year, where the tallies hold some 12,000."""
    lo, hi = first.isoformat(), last.isoformat()
    hours = [rules.HourCount(f"{r['day']} 00", int(r["visits"]), int(r["invited"]), int(r["overdue"]),
                             int(r["stayed"]), float(r["seconds"]), by_day_only=True)
             for r in await VisitHourTally.raw(
                 "SELECT day, SUM(visits) AS visits, SUM(invited) AS invited, SUM(overdue) AS overdue,"
                 " SUM(stayed) AS stayed, SUM(seconds) AS seconds FROM visit_hour_tally"
                 " WHERE estate = {} AND day >= {} AND day <= {} GROUP BY day", estate_id, lo, hi)]
    hours += [rules.HourCount(f"{lo} {int(r['hour']):02d}", int(r["visits"]), by_hour_only=True)
              for r in await VisitHourTally.raw(
                  "SELECT hour, SUM(visits) AS visits FROM visit_hour_tally WHERE estate = {} AND day >= {}"
                  " AND day <= {} GROUP BY hour", estate_id, lo, hi)]
    kinds = [(lo, r["purpose"], None if r["gate"] is None else str(r["gate"]), int(r["visits"]))
             for r in await VisitKindTally.raw(
                 "SELECT purpose, gate, SUM(visits) AS visits FROM visit_kind_tally WHERE estate = {} AND day >= {}"
                 " AND day <= {} GROUP BY purpose, gate", estate_id, lo, hi)]
    return hours, kinds


async def counts(estate_id, zone: str, rng: rules.Range, now: datetime) -> tuple[list[rules.HourCount], list[tuple]]:
    """A range's counts: the tallies before the mark, the visits themselves from it."""
    through = await mark(estate_id)
    hours: list[rules.HourCount] = []
    kinds: list[tuple] = []
    if through is not None and rng.first < through:
        h, k = await read(estate_id, rng.first, min(rng.last, through - timedelta(days=1)))
        hours += h
        kinds += k
    live_first = max(rng.first, through) if through is not None else rng.first
    if live_first <= rng.last:
        h, k = await count_live(estate_id, zone, live_first, rng.last, now)
        hours += h
        kinds += k
    return hours, kinds


async def tally(estate_id, zone: str, first: date, last: date, now: datetime | None = None) -> None:
    """Count days ``first`` to ``last`` again into the tallies and move the mark past ``last``."""
    now = now or utcnow()
    hours, kinds = await count_live(estate_id, zone, first, last, now)
    lo, hi = first.isoformat(), last.isoformat()
    async with write_transaction():
        await VisitHourTally.delete().where(
            (VisitHourTally.estate == estate_id) & (VisitHourTally.day >= lo) & (VisitHourTally.day <= hi))
        await VisitKindTally.delete().where(
            (VisitKindTally.estate == estate_id) & (VisitKindTally.day >= lo) & (VisitKindTally.day <= hi))
        rows = [VisitHourTally(estate=estate_id, day=h.key[:10], hour=int(h.key[11:13]), visits=h.visits,
                               invited=h.invited, overdue=h.overdue, stayed=h.stayed, seconds=h.seconds)
                for h in hours if lo <= h.key[:10] <= hi]
        for i in range(0, len(rows), 500):
            await VisitHourTally.insert(*rows[i:i + 500])
        grouped: dict[tuple, int] = {}
        for day, purpose, gate, n in kinds:
            if lo <= day <= hi:
                grouped[(day, purpose, gate)] = grouped.get((day, purpose, gate), 0) + n
        kind_rows = [VisitKindTally(estate=estate_id, day=d, purpose=p, gate=g, visits=n)
                     for (d, p, g), n in grouped.items()]
        for i in range(0, len(kind_rows), 500):
            await VisitKindTally.insert(*kind_rows[i:i + 500])
        await StatisticsMark.insert(StatisticsMark(estate=estate_id, through="")).on_conflict(action="DO NOTHING")
        following = (last + timedelta(days=1)).isoformat()
        await StatisticsMark.update({StatisticsMark.through: following}).where(
            (StatisticsMark.estate == estate_id) & (StatisticsMark.through < following))


async def keep(now: datetime | None = None) -> None:
    """The periodic job: every estate's tallies brought up to the day before yesterday, the first
    time from its first visit, and its last ``REFRESH_DAYS`` days counted again once an hour."""
    now = now or utcnow()
    for estate in await Estate.select(Estate.id, Estate.timezone):
        await keep_estate(estate["id"], estate["timezone"], now)


async def keep_estate(estate_id, zone: str, now: datetime) -> None:
    today = now.astimezone(ZoneInfo(zone)).date()
    target = today - timedelta(days=SETTLE_DAYS)  # the first day left to count live
    row = await StatisticsMark.select(StatisticsMark.through, StatisticsMark.refreshed_at).where(
        StatisticsMark.estate == estate_id).first()
    through = date.fromisoformat(row["through"]) if row and row["through"] else None
    stale = row is None or row["refreshed_at"] is None or now - row["refreshed_at"] >= REFRESH_EVERY
    if through is None:
        earliest = await Visit.select(Visit.entered_at).where(Visit.estate == estate_id).order_by(
            Visit.entered_at).first()
        start = earliest["entered_at"].astimezone(ZoneInfo(zone)).date() if earliest else target
    elif stale:
        start = min(through, target - timedelta(days=REFRESH_DAYS))
    elif through < target:
        start = through
    else:
        return
    day = start
    while day < target:
        last = min(day + timedelta(days=CHUNK_DAYS - 1), target - timedelta(days=1))
        await tally(estate_id, zone, day, last, now)
        day = last + timedelta(days=1)
    if stale:
        await StatisticsMark.insert(StatisticsMark(estate=estate_id, through="")).on_conflict(action="DO NOTHING")
        await StatisticsMark.update({StatisticsMark.refreshed_at: now}).where(StatisticsMark.estate == estate_id)
