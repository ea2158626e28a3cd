"""How long an estate keeps its records, and when a record has outlived it.

An estate keeps visitor records, goods release slips, incidents and its logs for a whole number
of years (``Estate.retention_years``, 1 to 10, default 3). Dates are the estate's: a record of
5 March 2023 is kept through 5 March 2026 (three years on, the same date) and erased in the
first nightly run after that day, whatever the server's time zone. A record of 29 February is
counted to 28 February in a year without one.

The nightly run for an estate is due once per local day, from ``NIGHT_FROM`` (after the day's
last guard shifts change and before the morning's visitors); a server that was down then runs
it when it comes back, the same day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

DEFAULT_YEARS = 3
MIN_YEARS = 1
MAX_YEARS = 10
NIGHT_FROM = time(2, 0)


def valid_years(years: int) -> bool:
    return MIN_YEARS <= years <= MAX_YEARS


def years_before(day: date, years: int) -> date:
    """The same date ``years`` earlier; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February, and the year then had none
        return day.replace(year=day.year - years, day=28)


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The first moment of ``day`` in the zone, in UTC (a day starting in a DST gap starts
    at the first time that exists)."""
    start = datetime.combine(day, time(0, 0), tzinfo=zone)
    return start.astimezone(timezone.utc)


def cutoff(now: datetime, zone: ZoneInfo, years: int) -> datetime:
    """The moment (UTC) before which a record has outlived ``years`` of retention at ``now``:
    the start of the local day ``years`` before today. A record at or after it is kept."""
    today = now.astimezone(zone).date()
    return _local_midnight(years_before(today, years), zone)


def day_start(now: datetime, zone: ZoneInfo) -> datetime:
    """The start of today in the estate (UTC): a run before it was yesterday's."""
    return _local_midnight(now.astimezone(zone).date(), zone)


def due(now: datetime, zone: ZoneInfo, last_run: datetime | None) -> bool:
    """Whether the estate's nightly run is due: not yet run today (local), and past ``NIGHT_FROM``."""
    local = now.astimezone(zone)
    if local.time() < NIGHT_FROM:
        return False
    return last_run is None or last_run < day_start(now, zone)


def next_erasure(record_day: date, years: int) -> date:
    """The local day a record of ``record_day`` is erased in its night run (the day after the last kept)."""
    # The record is kept while cutoff(today) <= record, i.e. years_before(today) <= record_day.
    day = record_day.replace(year=record_day.year + years) if not (record_day.month == 2 and record_day.day == 29) \
        else date(record_day.year + years, 3, 1) - timedelta(days=1)
    while years_before(day, years) <= record_day:
        day += timedelta(days=1)
    return day
