"""The one periodic task started with the app: time-driven work (expiries, and later consent
timeouts, missed rounds and retention) runs here, once a tick.

With several workers on PostgreSQL, each tick takes a transaction-scoped advisory lock, so
only one worker does the work; the others find the lock taken and wait for the next tick.
On SQLite there is one process.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from piccolo.engine.postgres import PostgresEngine

from app.db import engine

log = logging.getLogger("gatepost.periodic")

LOCK_KEY = 0x6761746570  # "gatep"

Job = Callable[[], Awaitable[None]]


async def tick(jobs: list[Job]) -> bool:
    """Run every job once, unless another worker holds the lock. Returns whether it ran."""
    db = engine()
    if isinstance(db, PostgresEngine):
        async with db.transaction():
            rows = await db.run_ddl(f"SELECT pg_try_advisory_xact_lock({LOCK_KEY}) AS got")
            if not (rows and rows[0]["got"]):
                return False
            await _run(jobs)
            return True
    await _run(jobs)
    return True


async def _run(jobs: list[Job]) -> None:
    for job in jobs:
        try:
            await job()
        except Exception:  # one failing job must not stop the others or the loop
            log.exception("periodic job %s failed", getattr(job, "__name__", job))


async def run_forever(jobs: list[Job], every_seconds: float) -> None:
    while True:
        try:
            await tick(jobs)
        except Exception:
            log.exception("periodic tick failed")
        await asyncio.sleep(every_seconds)
