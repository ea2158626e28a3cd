"""Web Push delivery: the server's VAPID key pair, and the sender that empties the outbox.

Notification rows are written by ``notify.queue`` in the transaction of whatever caused them;
this module sends them afterwards, in a background task started with the app, so no request
ever waits for a push service. The task wakes when ``wake()`` is called (right after a row is
queued, possibly before its transaction commits, so it looks again shortly after) and polls
every few seconds anyway (rows queued by another worker, retries that fell due).

Each row is claimed with one conditional UPDATE (a short lease on ``push_next_at``), so several
workers never send the same row twice, and a worker that dies mid-send leaves the row to be
picked up again when the lease runs out.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import aiohttp
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from py_vapid import Vapid
from pywebpush import WebPushException, webpush_async

from app.db import is_integrity_error
from app.domain import push as rules
from app.domain.notifications import ACTIONS, Kind, parse_kinds, wants_push
from app.i18n import DEFAULT_LANGUAGE, LANGUAGES
from app.models.notifications import Notification, PushSubscription, ServerKey
from app.models.people import Person
from app.services import notification_texts
from app.services.clock import utcnow
from app.settings import get_settings

log = logging.getLogger("gatepost.push")

VAPID_KEY_NAME = "vapid"
POLL_SECONDS = 3.0
# Right after a wake the row may still be inside its transaction: look again after these.
RECHECK_AFTER = (0.05, 0.4, 1.5)
LEASE = timedelta(seconds=60)
BATCH = 20
SEND_TIMEOUT_S = 10
# A decision is useless once the visitor has left the gate; news keeps for a day.
TTL_DECISION_S = 900
TTL_NEWS_S = 86400

_signal: asyncio.Event | None = None
_key: tuple[str, Vapid] | None = None  # (raw private key, Vapid), kept once read


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# -- VAPID -----------------------------------------------------------------------------------

async def vapid_key() -> Vapid:
    """The server's VAPID key pair: made on first need and kept in ``server_key``, so every
    worker and every restart signs with the same key (subscriptions are bound to it)."""
    global _key
    row = await ServerKey.select(ServerKey.value).where(ServerKey.name == VAPID_KEY_NAME).first()
    if row is None:
        fresh = Vapid()
        fresh.generate_keys()
        raw = b64url(fresh.private_key.private_numbers().private_value.to_bytes(32, "big"))
        try:
            await ServerKey.insert(ServerKey(name=VAPID_KEY_NAME, value=raw))
        except Exception as exc:  # another worker made it first: use theirs
            if not is_integrity_error(exc):
                raise
        row = await ServerKey.select(ServerKey.value).where(ServerKey.name == VAPID_KEY_NAME).first()
    raw = row["value"]
    if _key is None or _key[0] != raw:
        _key = (raw, Vapid.from_raw(raw.encode()))
    return _key[1]


async def public_key() -> str:
    """The application server key the browser subscribes with: the uncompressed P-256 point,
    base64url without padding."""
    key = await vapid_key()
    return b64url(key.public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))


# -- the sender task -------------------------------------------------------------------------

def wake() -> None:
    """Ask the sender to look at the outbox now (a no-op where no sender runs)."""
    if _signal is not None:
        _signal.set()


class _NoRedirects:
    """What pywebpush needs of an aiohttp session, with redirects refused: a push service
    never redirects, and following one would reach an address the allow-list never saw."""

    def __init__(self, session: aiohttp.ClientSession):
        self._session = session

    async def post(self, url, **kwargs):
        timeout = kwargs.pop("timeout", SEND_TIMEOUT_S)
        return await self._session.post(
            url, allow_redirects=False, timeout=aiohttp.ClientTimeout(total=timeout), **kwargs
        )


async def run_forever(poll_seconds: float = POLL_SECONDS) -> None:
    """The background sender: deliver what is due, then sleep until woken or the poll."""
    global _signal
    _signal = signal = asyncio.Event()
    try:
        async with aiohttp.ClientSession() as session:
            http = _NoRedirects(session)
            while True:
                await _deliver_all(http)
                try:
                    # Not wait_for: on Python 3.11 it swallows a cancel that comes as the signal is
                    # set (the app's shutdown, just after a request woke the sender) and runs on.
                    async with asyncio.timeout(poll_seconds):
                        await signal.wait()
                except TimeoutError:
                    continue
                for delay in RECHECK_AFTER:
                    signal.clear()
                    await asyncio.sleep(delay)
                    if await _deliver_all(http):
                        break
    finally:
        if _signal is signal:
            _signal = None


async def _deliver_all(http) -> int:
    total = 0
    try:
        while True:
            done = await deliver_due(http=http)
            total += done
            if done < BATCH:
                return total
    except asyncio.CancelledError:
        raise
    except Exception:  # a broken row or a database hiccup must not end the task
        log.exception("push delivery failed")
        return total


async def deliver_due(now: datetime | None = None, http=None) -> int:
    """Claim and send up to ``BATCH`` due rows; returns how many this worker claimed."""
    if http is None:
        async with aiohttp.ClientSession() as session:
            return await deliver_due(now, _NoRedirects(session))
    now = now or utcnow()
    # Most people have no device to wake: settle their rows in one statement, not four a row.
    await Notification.raw(
        "UPDATE notification SET push_state = 'none', push_next_at = NULL WHERE push_state = 'pending'"
        " AND NOT EXISTS (SELECT 1 FROM push_subscription s WHERE s.person = notification.person)"
    )
    due = await Notification.select(Notification.id, Notification.push_attempts).where(
        (Notification.push_state == "pending") & _due(now)
    ).order_by(Notification.created_at).limit(BATCH)
    claimed = 0
    for row in due:
        taken = await Notification.update(
            {Notification.push_next_at: now + LEASE, Notification.push_attempts: row["push_attempts"] + 1}
        ).where(
            (Notification.id == row["id"]) & (Notification.push_state == "pending")
            & (Notification.push_attempts == row["push_attempts"]) & _due(now)
        ).returning(
            Notification.id, Notification.person, Notification.kind, Notification.params,
            Notification.url, Notification.push_attempts,
        )
        if taken:
            claimed += 1
            await _deliver(taken[0], now, http)
    return claimed


def _due(now: datetime):
    return Notification.push_next_at.is_null() | (Notification.push_next_at <= now)


@dataclass(frozen=True)
class _Sub:
    id: UUID
    endpoint: str
    p256dh: str
    auth: str


async def _deliver(row: dict, now: datetime, http) -> None:
    settings = get_settings()
    kind = Kind._value2member_map_.get(row["kind"])
    subs = await PushSubscription.select(
        PushSubscription.id, PushSubscription.endpoint, PushSubscription.p256dh, PushSubscription.auth,
        PushSubscription.kinds,
    ).where(PushSubscription.person == row["person"])
    wanted = [_Sub(s["id"], s["endpoint"], s["p256dh"], s["auth"]) for s in subs
              if kind is not None and wants_push(parse_kinds(s["kinds"]), kind)]
    if not wanted:
        await _finish(row["id"], "none")
        return
    person = await Person.select(Person.locale).where(Person.id == row["person"]).first()
    language = person["locale"] if person and person["locale"] in LANGUAGES else DEFAULT_LANGUAGE
    data = rules.payload(notification_texts.push_message(row, language))
    decision = kind in ACTIONS
    key = await vapid_key()
    results = await asyncio.gather(*[
        _send(sub, data, key, settings, ttl=TTL_DECISION_S if decision else TTL_NEWS_S,
              urgency="high" if decision else "normal", http=http)
        for sub in wanted
    ])
    for sub, result in zip(wanted, results):
        if result == "gone":
            await PushSubscription.delete().where(
                (PushSubscription.id == sub.id) & (PushSubscription.endpoint == sub.endpoint)
            )
        elif result == "sent":
            await PushSubscription.update({PushSubscription.last_sent_at: now}).where(PushSubscription.id == sub.id)
    if "temporary" in results:
        retry_at = rules.next_try(row["push_attempts"], now)
        if retry_at is not None:
            await Notification.update({Notification.push_next_at: retry_at}).where(Notification.id == row["id"])
            return
    if "sent" in results:
        await _finish(row["id"], "sent")
    elif "temporary" in results or "refused" in results:
        await _finish(row["id"], "failed")
    else:  # every subscription was dead or outside the allow-list
        await _finish(row["id"], "none")


async def _finish(notification_id, state: str) -> None:
    await Notification.update({Notification.push_state: state, Notification.push_next_at: None}).where(
        Notification.id == notification_id
    )


async def _send(sub: _Sub, data: str, key: Vapid, settings, *, ttl: int, urgency: str, http) -> str:
    """One send: 'sent', 'gone' (forget the subscription), 'temporary' (try again later),
    'refused' (the service will not take it), or 'blocked' (endpoint no longer allowed)."""
    if not rules.endpoint_allowed(sub.endpoint, settings.push_service_hosts):
        log.warning("push endpoint outside the allow-list skipped: %s", sub.endpoint.split("/")[2:3])
        return "blocked"
    try:
        await webpush_async(
            {"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}},
            data=data,
            vapid_private_key=key,
            vapid_claims={"sub": settings.vapid_subject},  # fresh each time: pywebpush fills in aud and exp
            ttl=ttl,
            timeout=SEND_TIMEOUT_S,
            headers={"Urgency": urgency},
            aiohttp_session=http,
        )
    except WebPushException as exc:
        status = getattr(exc.response, "status", None) or getattr(exc.response, "status_code", 0) or 0
        if rules.is_gone(status):
            return "gone"
        if rules.is_temporary(status):
            return "temporary"
        log.warning("push refused with %s", status)
        return "refused"
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
        log.info("push service unreachable (%s), will retry", exc.__class__.__name__)
        return "temporary"
    return "sent"


async def send_now() -> int:
    """Deliver what is due from outside the sender task (tests, the CLI): a session of its own."""
    async with aiohttp.ClientSession() as session:
        return await _deliver_all(_NoRedirects(session))


__all__ = ["wake", "run_forever", "deliver_due", "send_now", "vapid_key", "public_key"]
