"""Fixed-window counters in the database, so every worker behind the proxy shares them.

Sign-in and enrolment are limited per address *and* per account or link: behind a proxy every
guard of an estate arrives from one address, and one person must not lock out the gatehouse.
A refusal says when the window ends (``RateLimited.retry_after``, sent as ``Retry-After``).
"""

from __future__ import annotations

import math
from datetime import datetime
from uuid import uuid4

from app.models.auth import RateCounter
from app.services.clock import utcnow
from app.services.errors import RateLimited
from app.settings import get_settings

# One address may be a whole gatehouse behind NAT or the estate's proxy: it gets more room
# than one account does.
SHARED_ADDRESS_FACTOR = 10
WINDOW_SECONDS = 60


def _window(now: datetime) -> int:
    return int(now.timestamp() // WINDOW_SECONDS)


def _retry_after(now: datetime) -> int:
    """Whole seconds until the next window, at least one."""
    return max(1, math.ceil((_window(now) + 1) * WINDOW_SECONDS - now.timestamp()))


async def hit(*keys: str, limit: int | None = None, message: str | None = None) -> None:
    """Count one attempt against each key; RateLimited when any is over the limit this minute."""
    limit = limit or get_settings().rate_limit_per_minute
    now = utcnow()
    for key in keys:
        key = key[:200]
        rows = await RateCounter.raw(
            'INSERT INTO rate_counter (id, key, "window", hits) VALUES ({}, {}, {}, 1) '
            'ON CONFLICT (key, "window") DO UPDATE SET hits = rate_counter.hits + 1 '
            "RETURNING hits",
            uuid4(),
            key,
            _window(now),
        )
        if rows and rows[0]["hits"] > limit:
            raise RateLimited(_retry_after(now), message)


async def check(key: str, *, limit: int) -> None:
    """RateLimited when ``key`` has already been counted ``limit`` times this minute; counts nothing."""
    now = utcnow()
    row = await RateCounter.select(RateCounter.hits).where(
        (RateCounter.key == key[:200]) & (RateCounter.window == _window(now))
    ).first()
    if row and row["hits"] >= limit:
        raise RateLimited(_retry_after(now))


async def attempt(address_key: str, *account_keys: str, limit: int | None = None) -> None:
    """One attempt by an address, for an account (or a link) when known.

    The account is counted first: once a person is over their limit, their further attempts
    are refused without counting against the address everyone at the gatehouse shares.
    """
    limit = limit or get_settings().rate_limit_per_minute
    if account_keys:
        await hit(*account_keys, limit=limit)
    await hit(address_key, limit=limit * SHARED_ADDRESS_FACTOR)


# Links opened without signing in (a guest's pass, an enrolment link) are found by their token.
# Only unknown tokens are counted, per address: a guest opening their own pass again and again
# is never slowed. An address over the limit is refused for every link until the minute ends,
# known ones too, so that a flood cannot tell a real token by the answer it gets.


def _unknown_links(address: str) -> str:
    return f"unknown_link:ip:{address}"


async def before_link_lookup(address: str) -> None:
    await check(_unknown_links(address), limit=get_settings().rate_limit_per_minute)


async def unknown_link(address: str) -> None:
    await hit(_unknown_links(address))


async def forget_old() -> None:
    window = _window(utcnow())
    await RateCounter.delete().where(RateCounter.window < window - 60)
