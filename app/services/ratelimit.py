"""Fixed-window counters in the database, so every worker behind the proxy shares them.

Sign-in and enrolment are limited per address *and* per account or link: behind a proxy every
guard of an estate arrives from one address, and one person must not lock out the gatehouse.
"""

from __future__ import annotations

from uuid import uuid4

from app.models.auth import RateCounter
from app.services.clock import utcnow
from app.services.errors import RateLimited
from app.settings import get_settings

# One address may be a whole gatehouse behind NAT or the estate's proxy: it gets more room
# than one account does.
SHARED_ADDRESS_FACTOR = 10


async def hit(*keys: str, limit: int | None = None) -> None:
    """Count one attempt against each key; RateLimited when any is over the limit this minute."""
    limit = limit or get_settings().rate_limit_per_minute
    window = int(utcnow().timestamp() // 60)
    for key in keys:
        key = key[:200]
        rows = await RateCounter.raw(
            'INSERT INTO rate_counter (id, key, "window", hits) VALUES ({}, {}, {}, 1) '
            'ON CONFLICT (key, "window") DO UPDATE SET hits = rate_counter.hits + 1 '
            "RETURNING hits",
            uuid4(),
            key,
            window,
        )
        if rows and rows[0]["hits"] > limit:
            raise RateLimited()


async def attempt(address_key: str, *account_keys: str, limit: int | None = None) -> None:
    """One attempt by an address, for an account (or a link) when known.

    The account is counted first: once a person is over their limit, their further attempts
    are refused without counting against the address everyone at the gatehouse shares.
    """
    limit = limit or get_settings().rate_limit_per_minute
    if account_keys:
        await hit(*account_keys, limit=limit)
    await hit(address_key, limit=limit * SHARED_ADDRESS_FACTOR)


async def forget_old() -> None:
    window = int(utcnow().timestamp() // 60)
    await RateCounter.delete().where(RateCounter.window < window - 60)
