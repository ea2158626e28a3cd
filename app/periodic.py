"""The one periodic task started with the app: time-driven work (expiries, and later consent
timeouts, missed rounds and retention) runs here, once a period.

Every worker ticks, and each tick first claims the period: one conditional UPDATE moves
``periodic_run.ran_at`` to now, only if the last run began at least most of a period ago.
Whichever worker ticks first runs the work; the others find it claimed and wait for their next
tick. (A lock held only while the work runs is not enough: a second worker would take it right
after the first finished and run everything again in the same period.) The same statement
serves SQLite and PostgreSQL, one worker or several.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from app.models.server import PeriodicRun
from app.services.clock import utcnow

log = logging.getLogger("gatepost.periodic")

NAME = "periodic"
# Workers tick a period apart, each from its own start, and a tick lands a little late: a claim
# is refused only while the last run is younger than this share of a period.
CLAIM_SHARE = 0.9

Job = Callable[[], Awaitable[None]]


async def claim(every_seconds: float, now: datetime) -> bool:
    """Take this period's run for this worker; False if another run began too recently."""
    await PeriodicRun.insert(PeriodicRun(name=NAME)).on_conflict(action="DO NOTHING")
    taken = await PeriodicRun.update({PeriodicRun.ran_at: now}).where(
        (PeriodicRun.name == NAME)
        & (PeriodicRun.ran_at.is_null() | (PeriodicRun.ran_at <= now - timedelta(seconds=every_seconds * CLAIM_SHARE)))
    ).returning(PeriodicRun.id)
    return bool(taken)


async def tick(jobs: list[Job], every_seconds: float, now: datetime | None = None) -> bool:
    """Run every job once, unless this period's run is already taken. Returns whether it ran."""
    if not await claim(every_seconds, now or utcnow()):
        return False
    for job in jobs:
        try:
            await job()
        except Exception:  # one failing job must not stop the others or the loop
            log.exception("periodic job %s failed", getattr(job, "__name__", job))
    return True


async def run_forever(jobs: list[Job], every_seconds: float) -> None:
    while True:
        try:
            await tick(jobs, every_seconds)
        except Exception:
            log.exception("periodic tick failed")
        await asyncio.sleep(every_seconds)
