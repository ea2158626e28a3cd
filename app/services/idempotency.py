"""Guard actions happen once per idempotency key.

A guard's phone makes a key for every action (admit, exit, register, ...) and sends it with
the time on the phone. The first request's result is kept with the key; a replay (a double
tap, a retry after a dropped answer, the offline outbox) gets that result back and changes
nothing. Uniqueness of (person, key) is a database constraint: two copies of one request
racing each other cannot both write, because the work and the kept result commit together.
A replay is not looked for first: its work runs, fails to keep its result beside the first
one, and is rolled back, so the common case (a first request) costs no extra query.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Awaitable, Callable
from uuid import UUID, uuid4

from piccolo.utils.encoding import dump_json

from app.db import Statement, write_transaction
from app.i18n import N_
from app.services.clock import utcnow
from app.services.errors import Invalid

KEY_MISSING = N_("This action arrived without its key. Reload the page and try again.")
MAX_KEY_LENGTH = 64
# A phone's clock may be wrong; a time further off than this is not believed.
MAX_CLOCK_SKEW = timedelta(days=7)


@dataclass(frozen=True)
class Action:
    """Who acts, with which key, and when it happened on the phone (None if not believable)."""

    person_id: UUID
    key: str
    device_time: datetime | None = None


def action(person_id: UUID, key: str, device_time: str = "") -> Action:
    key = (key or "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise Invalid({"__all__": KEY_MISSING})
    return Action(person_id, key, parse_device_time(device_time))


def parse_device_time(value: str) -> datetime | None:
    """An ISO 8601 time with its offset, as the phone sent it; None when absent or implausible."""
    try:
        parsed = datetime.fromisoformat((value or "").strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None or abs(parsed - utcnow()) > MAX_CLOCK_SKEW:
        return None
    return parsed


# Kept with every guard action (and the result looked up on a replay): written by hand, as
# Piccolo's builder spends more CPU composing them than the database spends running them.
_PREVIOUS = Statement('SELECT result FROM guard_action WHERE person = {} AND "key" = {}')
_INSERT = Statement(
    'INSERT INTO guard_action (id, person, "key", action, estate, result, device_time, created_at)'
    " VALUES ({}, {}, {}, {}, {}, {}, {}, {})"
)


async def previous(act: Action) -> dict | None:
    rows = await _PREVIOUS.fetch(act.person_id, act.key)
    if not rows:
        return None
    result = rows[0]["result"]
    return json.loads(result) if isinstance(result, str) else result


async def once(act: Action, name: str, estate_id: UUID | None,
               work: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
    """Run ``work`` (its writes and the kept result in one transaction) unless this key has a
    result already; return the result either way. ``work`` returns a JSON-able dict.

    A replay's work runs too, and is undone: keeping its result breaks the key's uniqueness, or
    the work itself fails now that the first request changed things (an ``Invalid``, say);
    either way the first result answers."""
    try:
        async with write_transaction():
            result = await work()
            await _INSERT.fetch(uuid4(), act.person_id, act.key, name, estate_id, dump_json(result),
                                act.device_time, datetime.now(timezone.utc))
    except Exception:
        earlier = await previous(act)
        if earlier is None:  # not a replay: the work failed on its own
            raise
        return earlier
    return result
