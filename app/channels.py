"""The channels that carry the live screens' events to every worker: Litestar's channels plugin
with its backend picked from the settings.

- SQLite: one process, so the events stay in it (``MemoryChannelsBackend``).
- PostgreSQL: LISTEN/NOTIFY (``PostgresChannels``), so an answer taken by one worker reaches a
  stream held by another. No other server is needed.
- ``REDIS_URL`` set: Redis's publish/subscribe (``RedisChannelsPubSubBackend``), for whoever runs
  Redis anyway; the database is then left alone.

An event is a topic's name (``app/domain/live.py``); losing one costs a screen a poll, never
data, so a backend that cannot send logs it and goes on.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Iterable

import asyncpg
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.asyncpg import AsyncPgChannelsBackend
from litestar.channels.backends.base import ChannelsBackend
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.channels.subscriber import Subscriber

from app import db
from app.domain import live
from app.settings import Settings

log = logging.getLogger("gatepost.live")

# Events a stream has not sent yet are kept up to this many; past it the oldest are dropped
# (each is only "ask again", and the page asks again for all its topics on the next one).
BACKLOG = 16
# The listening connection is checked this often: a peer gone without a word (a firewall's cut)
# is otherwise noticed only when the kernel gives up on it, many minutes later.
CHECK_EVERY_S = 30.0
CHECK_TIMEOUT_S = 10.0
RECONNECT_FIRST_S, RECONNECT_MOST_S = 0.5, 30.0


class LiveSubscriber(Subscriber):
    """One stream's events, waited for with a time limit: an idle stream says something every
    so often (``routes/live.py``), and cancelling a queue's ``get`` loses nothing."""

    async def next(self, timeout: float) -> bytes | None:
        """The next event; ``None`` when the plugin ends this subscriber; ``TimeoutError`` when
        nothing came in ``timeout`` seconds."""
        item = await asyncio.wait_for(self._queue.get(), timeout)
        self._queue.task_done()
        return item

    def waiting(self) -> list[bytes]:
        """The events already here, taken without waiting (several changes at once are one ask)."""
        items = []
        while not self._queue.empty():
            item = self._queue.get_nowait()
            self._queue.task_done()
            if item is not None:
                items.append(item)
        return items


# One statement for all of an event's channels.
_NOTIFY = "SELECT pg_notify(c, $2) FROM unnest($1::text[]) AS c"


class PostgresChannels(AsyncPgChannelsBackend):
    """LISTEN on a connection of the worker's own, outside the pool (the pool's connections are
    not reset between requests, so none may keep a LISTEN: docs/database.md), and NOTIFY on the
    same connection: an event costs the requests' pool nothing (the plugin's own backend opened
    a new connection for every event).

    The listening connection is opened again when it is lost (a database restart, a
    terminated backend), with back-off; since events of the meantime are gone, every stream
    is then told to ask again (``RESYNC``)."""

    def __init__(self, dsn: str) -> None:
        super().__init__(dsn=dsn)
        self._dsn = dsn
        self._lost = asyncio.Event()
        self._keeper: asyncio.Task | None = None
        self._listener_conn = None  # type: ignore[assignment]

    async def on_startup(self) -> None:
        self._listener_lock = asyncio.Lock()
        self._queue = asyncio.Queue()
        self._lost = asyncio.Event()
        try:
            self._listener_conn = await self._listen_connection()
        except (OSError, asyncpg.PostgresError) as exc:  # the keeper tries again
            log.warning("cannot listen for live events yet: %s", exc)
            self._lost.set()
        self._keeper = asyncio.create_task(self._keep_listening())

    async def on_shutdown(self) -> None:
        if self._keeper is not None:
            self._keeper.cancel()
            await asyncio.gather(self._keeper, return_exceptions=True)
        async with self._listener_lock:
            old, self._listener_conn = self._listener_conn, None
            if old is not None:
                old.terminate()
            self._subscribed_channels.clear()
            self._queue = None

    async def _listen_connection(self) -> asyncpg.Connection:
        connection = await asyncpg.connect(self._dsn)
        connection.add_termination_listener(self._terminated)
        return connection

    def _terminated(self, connection: asyncpg.Connection) -> None:
        if connection is self._listener_conn:  # not one this backend let go of itself
            self._lost.set()

    async def publish(self, data: bytes, channels: Iterable[str]) -> None:
        names = list(channels)
        if not names:
            return
        try:
            async with self._listener_lock:
                if not self._lost.is_set():
                    await self._listener_conn.execute(_NOTIFY, names, data.decode())
                    return
            pool = db.engine().pool  # type: ignore[attr-defined]
            if pool is not None:  # while listening is being restored: the other workers still hear it
                await pool.execute(_NOTIFY, names, data.decode())
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("a live event was not sent: %s", exc)

    async def subscribe(self, channels: Iterable[str]) -> None:
        async with self._listener_lock:
            for channel in set(channels) - self._subscribed_channels:
                self._subscribed_channels.add(channel)  # listened to again after a reconnection
                if not self._lost.is_set():
                    try:
                        await self._listener_conn.add_listener(channel, self._listener)
                    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                        self._lost.set()

    async def unsubscribe(self, channels: Iterable[str]) -> None:
        async with self._listener_lock:
            for channel in set(channels) & self._subscribed_channels:
                self._subscribed_channels.discard(channel)
                if not self._lost.is_set():
                    try:
                        await self._listener_conn.remove_listener(channel, self._listener)
                    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                        self._lost.set()

    async def _keep_listening(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._lost.wait(), CHECK_EVERY_S)
            except TimeoutError:
                await self._check()
                continue
            await self._reconnect()

    async def _check(self) -> None:
        async with self._listener_lock:
            try:
                await asyncio.wait_for(self._listener_conn.fetchval("SELECT 1"), CHECK_TIMEOUT_S)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
                self._lost.set()

    async def _reconnect(self) -> None:
        pause = RECONNECT_FIRST_S
        async with self._listener_lock:
            old, self._listener_conn = self._listener_conn, None
            if old is not None:
                old.terminate()
            while True:
                try:
                    connection = await self._listen_connection()
                    for channel in self._subscribed_channels:
                        await connection.add_listener(channel, self._listener)
                    break
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                    log.warning("live events: listening again in %.1f s (%s)", pause, exc)
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, RECONNECT_MOST_S)
            self._listener_conn = connection
            self._lost.clear()
            log.info("live events: listening again")
            for channel in self._subscribed_channels:  # what was said meanwhile is lost: ask again
                self._queue.put_nowait((channel, live.RESYNC.encode()))  # type: ignore[union-attr]


def backend(settings: Settings) -> ChannelsBackend:
    if settings.redis_url:
        from litestar.channels.backends.redis import RedisChannelsPubSubBackend
        from redis.asyncio import Redis

        return RedisChannelsPubSubBackend(redis=Redis.from_url(settings.redis_url))
    if settings.is_sqlite:
        return MemoryChannelsBackend()
    return PostgresChannels(settings.database_url)


def make_plugin(settings: Settings) -> ChannelsPlugin:
    return ChannelsPlugin(
        backend=backend(settings),
        arbitrary_channels_allowed=True,  # a channel per estate, household and person (domain/live.py)
        subscriber_class=LiveSubscriber,
        subscriber_max_backlog=BACKLOG,
        subscriber_backlog_strategy="dropleft",
    )
