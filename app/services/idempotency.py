"""Guard actions happen once per idempotency key.

A guard's phone makes a key for every action (admit, exit, register, ...) and sends it with
the time on the phone (``static/js/outbox.js``). The first request's result is kept with the
key; a replay (a double tap, a retry after a dropped answer, the offline outbox) gets that
result back and changes nothing. Uniqueness of (person, key) is a database constraint: two
copies of one request racing each other cannot both write, because the work and the kept
result commit together. A replay is not looked for first: its work runs, fails to keep its
result beside the first one, and is rolled back, so the common case (a first request) costs no
extra query.

A key belongs to one request: a fingerprint of the request is kept with it, and the same key
sent with another request (another pass, another action) is refused instead of answered with
the first one's result. A copy that arrives while the first is still being handled in this
worker is told to come back (409); in another worker it waits on the key's constraint and then
reads the kept result.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable
from uuid import UUID, uuid4

from piccolo.utils.encoding import dump_json

from app.db import Statement, write_transaction
from app.domain.device_time import Timing, believe
from app.i18n import N_
from app.services.clock import utcnow
from app.services.errors import Invalid

KEY_MISSING = N_("This action arrived without its key. Reload the page and try again.")
KEY_REUSED = N_("This action's key was already used for another action. Nothing was changed: take the action again.")
MAX_KEY_LENGTH = 64
# A phone's clock may be wrong; a clock further off than this is not believed at all.
MAX_CLOCK_SKEW = timedelta(days=7)
# An action may wait on a phone with no signal for a long time, but not for ever.
MAX_QUEUED = timedelta(days=60)
OFFLINE_MAX = 24


class KeyReused(Invalid):
    """The key was first sent with another request."""

    def __init__(self) -> None:
        super().__init__({"__all__": KEY_REUSED})


class InFlight(Exception):
    """The first copy of this request is still being handled: ask again in a moment."""


@dataclass(frozen=True)
class Action:
    """Who acts, with which key, what the phone said of its time, and the request's fingerprint.

    ``offline`` is the verdict the phone showed when the guard acted with no signal ('' when the
    server answered at the time): the action is then a fact from the gate, recorded even where
    the server now sees it otherwise, and flagged for review.
    """

    person_id: UUID
    key: str
    device_time: datetime | None = None
    fingerprint: str = ""
    sent_at: datetime | None = None
    offline: str = ""
    arrived_at: datetime = field(default_factory=utcnow)

    @property
    def timing(self) -> Timing:
        return believe(self.device_time, self.sent_at, self.arrived_at)


def action(person_id: UUID, key: str, device_time: str = "", *, sent_at: str = "", fingerprint: str = "",
           offline: str = "") -> Action:
    key = (key or "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise Invalid({"__all__": KEY_MISSING})
    arrived = utcnow()
    sent = parse_device_time(sent_at, near=arrived, within=MAX_CLOCK_SKEW)
    happened = parse_device_time(device_time, near=sent or arrived, within=MAX_QUEUED)
    return Action(person_id, key, happened, fingerprint, sent, (offline or "").strip()[:OFFLINE_MAX], arrived)


def parse_device_time(value: str, *, near: datetime | None = None, within: timedelta = MAX_CLOCK_SKEW) -> datetime | None:
    """An ISO 8601 time with its offset, as the phone sent it; None when absent or further than
    ``within`` from ``near`` (by default the server's now)."""
    try:
        parsed = datetime.fromisoformat((value or "").strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None or abs(parsed - (near or utcnow())) > within:
        return None
    return parsed


# Kept with every guard action (and the result looked up on a replay): written by hand, as
# Piccolo's builder spends more CPU composing them than the database spends running them.
_PREVIOUS = Statement('SELECT result, fingerprint FROM guard_action WHERE person = {} AND "key" = {}')
_INSERT = Statement(
    'INSERT INTO guard_action (id, person, "key", action, estate, result, fingerprint, device_time, clock_offset,'
    " offline, created_at) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {})"
)


async def previous(act: Action) -> dict | None:
    """The kept result of this key, or None; KeyReused when it answered another request."""
    rows = await _PREVIOUS.fetch(act.person_id, act.key)
    if not rows:
        return None
    if rows[0]["fingerprint"] and act.fingerprint and rows[0]["fingerprint"] != act.fingerprint:
        raise KeyReused()
    result = rows[0]["result"]
    return json.loads(result) if isinstance(result, str) else result


# Keys being handled in this worker right now.
_in_flight: set[tuple[UUID, str]] = set()


async def once(act: Action, name: str, estate_id: UUID | None,
               work: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
    """Run ``work`` (its writes and the kept result in one transaction) unless this key has a
    result already; return the result either way. ``work`` returns a JSON-able dict.

    A replay's work runs too, and is undone: keeping its result breaks the key's uniqueness, or
    the work itself fails now that the first request changed things (an ``Invalid``, say);
    either way the first result answers."""
    handle = (act.person_id, act.key)
    if handle in _in_flight:
        raise InFlight()
    _in_flight.add(handle)
    try:
        async with write_transaction():
            result = await work()
            await _INSERT.fetch(uuid4(), act.person_id, act.key, name, estate_id, dump_json(result), act.fingerprint,
                                act.device_time, act.timing.offset_seconds, act.offline, act.arrived_at)
    except Exception:
        earlier = await previous(act)
        if earlier is None:  # not a replay: the work failed on its own
            raise
        return earlier
    finally:
        _in_flight.discard(handle)
    return result
