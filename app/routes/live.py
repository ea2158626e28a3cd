"""Event streams for the live screens (server-sent events), one per signed-in person and page.

A page whose partials wait for someone else opens ``/e/{estate}/live`` (``/live`` outside an
estate, for the unread count): ``static/js/live.js`` reads it and asks again for each partial
whose topic an event names. The stream listens only to the channels the person's roles and
households allow (``services/live.channels_for``), so another household's or estate's events
never reach it; what it sends is topic names, never what changed.

- First ``ready``: the page asks again for what it shows (anything that changed before the
  stream listened is then on screen).
- An idle stream sends a comment every ``KEEPALIVE_S`` seconds, so proxies keep it and the page
  knows it is alive.
- After ``MAX_AGE_S`` (give or take a tenth) it says ``again`` and ends; the page opens another at
  once, and the person's session and roles are looked up again.
- A person holds at most ``PER_PERSON`` streams in a worker: a newer one closes the oldest with
  ``displaced`` (a tab left open, a connection a phone dropped without a word).

The streams run outside the per-request database connection (``routes.middleware``) and
outside compression, which would hold the events back.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Iterable
from uuid import UUID

import anyio
from litestar import Request, get
from litestar.background_tasks import BackgroundTask
from litestar.channels import ChannelsPlugin
from litestar.response import Stream

from app.channels import LiveSubscriber
from app.domain import live as topics
from app.routes.access import ANY_ROLE, SIGNED_IN
from app.services import live

KEEPALIVE_S = 25.0
MAX_AGE_S = 600.0
PER_PERSON = 4
STREAM = {"stream": True, "skip_compression": True}
HEADERS = {"cache-control": "no-cache, no-store", "x-accel-buffering": "no"}
_KEEPALIVE = b": keep-alive\n\n"
_DISPLACED = topics.DISPLACED.encode()


def message(name: str) -> bytes:
    return f"event: {name}\ndata: {name}\n\n".encode()


class Streams:
    """The streams a worker holds, by person."""

    def __init__(self, plugin: ChannelsPlugin, *, per_person: int = PER_PERSON, keepalive_s: float = KEEPALIVE_S,
                 max_age_s: float = MAX_AGE_S) -> None:
        self.plugin = plugin
        self.per_person, self.keepalive_s, self.max_age_s = per_person, keepalive_s, max_age_s
        self.held: dict[UUID, list[LiveSubscriber]] = {}

    @property
    def count(self) -> int:
        return sum(len(subscribers) for subscribers in self.held.values())

    def response(self, person: UUID, channels: Iterable[str]) -> Stream:
        events = self.events(person, sorted(channels))
        return Stream(events, media_type="text/event-stream", headers=HEADERS,
                      background=BackgroundTask(events.aclose))  # also when it stopped at a send

    async def events(self, person: UUID, channels: list[str]) -> AsyncIterator[bytes]:
        subscriber: LiveSubscriber = await self.plugin.subscribe(channels)  # type: ignore[assignment]
        held = self.held.setdefault(person, [])
        held.append(subscriber)
        while len(held) > self.per_person:
            held.pop(0).put_nowait(_DISPLACED)
        clock = anyio.current_time
        ends = clock() + self.max_age_s * random.uniform(0.9, 1.1)
        try:
            yield message(topics.READY)
            while True:
                left = ends - clock()
                if left <= 0:
                    yield message(topics.AGAIN)
                    return
                try:
                    item = await subscriber.next(min(self.keepalive_s, left))
                except TimeoutError:
                    yield _KEEPALIVE
                    continue
                if item is None:  # the plugin is shutting down
                    return
                items = list(dict.fromkeys([item, *subscriber.waiting()]))
                if _DISPLACED in items:
                    yield message(topics.DISPLACED)
                    return
                for name in items:
                    yield message(name.decode())
        finally:
            if subscriber in held:
                held.remove(subscriber)
            if not held and self.held.get(person) is held:
                del self.held[person]
            with anyio.CancelScope(shield=True):  # a closed connection cancels us: let go all the same
                await self.plugin.unsubscribe(subscriber, channels)


def streams(request: Request) -> Streams:
    return request.app.state.streams


@get("/live", name="live_stream", opt={"roles": SIGNED_IN, **STREAM})
async def live_stream(request: Request) -> Stream:
    return streams(request).response(request.user.person_id, await live.channels_for(request.user, None))


@get("/e/{estate:str}/live", name="live_estate_stream", opt={"roles": ANY_ROLE, **STREAM})
async def live_estate_stream(request: Request) -> Stream:
    scope = request.state.scope
    return streams(request).response(scope.person_id, await live.channels_for(request.user, scope))


HANDLERS: list = [live_stream, live_estate_stream]
