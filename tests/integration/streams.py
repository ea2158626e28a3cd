"""An event stream held open against the app, as a browser holds one: httpx's ASGI transport
answers only once a response has ended, and a live screen's stream does not end.

``async with holding(app, "/e/x/live", cookies) as stream:`` sends the request, waits for the
response to start (``stream.status``, ``stream.headers``), and leaves it open; ``next_event``
reads what it sends. Leaving the block is the browser going away (``http.disconnect``), and the
stream must then finish.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import AsyncIterator

KEEPALIVE = ":keep-alive"  # what next_event returns for the keep-alive comment


@dataclass
class Held:
    status: int
    headers: dict[str, str]
    messages: asyncio.Queue
    task: asyncio.Task
    ended: bool = False
    _buffer: str = ""
    _blocks: list[str] = field(default_factory=list)

    async def _more(self, timeout: float) -> bool:
        message = await asyncio.wait_for(self.messages.get(), timeout)
        self._buffer += message.get("body", b"").decode()
        if not message.get("more_body", False):
            self.ended = True
        while "\n\n" in self._buffer:
            block, self._buffer = self._buffer.split("\n\n", 1)
            self._blocks.append(block)
        return not self.ended

    async def next_event(self, timeout: float = 5.0) -> str | None:
        """The next event's name (``KEEPALIVE`` for the keep-alive comment); None once the
        stream ended; ``TimeoutError`` when nothing came in ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self._blocks:
            if self.ended:
                return None
            await self._more(max(0.0, deadline - loop.time()))
        block = self._blocks.pop(0)
        for line in block.splitlines():
            if line.startswith("event:"):
                return line.split(":", 1)[1].strip()
        return KEEPALIVE if block.startswith(": keep-alive") else block

    async def events_within(self, seconds: float) -> list[str]:
        """Every event that arrives within ``seconds`` (keep-alives left out)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        found = []
        while (left := deadline - loop.time()) > 0:
            try:
                name = await self.next_event(left)
            except TimeoutError:
                break
            if name is None:
                break
            if name != KEEPALIVE:
                found.append(name)
        return found

    async def until(self, wanted: str, timeout: float = 5.0) -> list[str]:
        """The events up to and including ``wanted`` (TimeoutError if it does not come)."""
        seen = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            name = await self.next_event(max(0.0, deadline - loop.time()))
            assert name is not None, f"the stream ended before {wanted!r}; it sent {seen}"
            seen.append(name)
            if name == wanted:
                return seen


@asynccontextmanager
async def holding(app, path: str, cookies: dict[str, str] | None = None, *,
                  accept: str = "text/event-stream") -> AsyncIterator[Held]:
    messages: asyncio.Queue = asyncio.Queue()
    gone = asyncio.Event()
    requested = False

    async def receive() -> dict:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        await messages.put(message)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            gone.set()  # as a server does once a response is complete

    cookie = "; ".join(f"{name}={value}" for name, value in (cookies or {}).items())
    path_only, _, query = path.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path_only, "raw_path": path_only.encode(), "root_path": "", "query_string": query.encode(),
        "headers": [(b"host", b"localhost:8000"), (b"accept", accept.encode()), (b"accept-encoding", b"gzip"),
                    (b"cookie", cookie.encode())],
        "client": ("127.0.0.1", 50000), "server": ("localhost", 8000), "state": {},
    }
    task = asyncio.create_task(app(scope, receive, send))
    start = await asyncio.wait_for(messages.get(), 10)
    assert start["type"] == "http.response.start", start
    headers = {name.decode().lower(): value.decode() for name, value in start.get("headers", [])}
    held = Held(start["status"], headers, messages, task)
    try:
        yield held
    finally:
        gone.set()
        await asyncio.wait_for(task, 10)  # the stream lets go when the browser does
