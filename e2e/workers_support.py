"""Requests sent to a chosen worker of ``python -m app serve --workers N``.

Uvicorn's workers share one listening socket and the kernel hands each new connection to
whichever worker accepts it first, so no request can name its worker. A ``Phone`` here keeps
one keep-alive connection per worker instead: it opens connections until each worker holds
one, and afterwards sends every request over the connection of the worker it is told to use.
Which worker holds a connection is read from ``/proc``: the server side of the connection is a
socket (an inode in ``/proc/net/tcp``) that appears among exactly one worker's open files.
Every response is checked against the worker it was meant for.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import httpx

# Uvicorn closes a keep-alive connection after 5 s idle; one idle this long is opened again
# (on the right worker) before it is used.
IDLE_LIMIT_S = 3.0
ATTEMPTS = 100


def workers_of(pid: int) -> list[int]:
    """Uvicorn's worker processes under its supervisor ``pid``: the children it spawned to run
    the app (not multiprocessing's resource tracker beside them)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:  # gone meanwhile
            continue
        if parent == pid and b"spawn_main" in command:
            found.append(int(stat.parent.name))
    return sorted(found)


def _server_side_inode(server_port: int, client_port: int) -> str | None:
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], fields[9]
            if int(local.rsplit(":", 1)[1], 16) == server_port and int(remote.rsplit(":", 1)[1], 16) == client_port:
                return inode
    return None


def worker_holding(server_port: int, client_port: int, workers: list[int]) -> int:
    """The worker process holding the server side of an open connection from ``client_port``."""
    inode = _server_side_inode(server_port, client_port)
    assert inode is not None, f"no server-side socket for client port {client_port}"
    for pid in workers:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if fd.readlink().name == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    raise AssertionError(f"no worker of {workers} holds the connection from port {client_port}")


def worker_of(response: httpx.Response, server_port: int, workers: list[int]) -> int:
    """The worker process that answered ``response`` over its still open connection."""
    client_port = response.extensions["network_stream"].get_extra_info("client_addr")[1]
    return worker_holding(server_port, client_port, workers)


def wait_for_workers(supervisor: int, port: int, count: int, timeout: float) -> list[int]:
    """The processes serving ``port`` for ``supervisor`` (itself when it runs the app alone),
    once each has answered a request: a new connection goes to whichever worker accepts first,
    so until all have started, the first ones get everything."""
    deadline = time.monotonic() + timeout
    seen: set[int] = set()
    while time.monotonic() < deadline:
        workers = [supervisor] if count == 1 else workers_of(supervisor)
        if len(workers) == count:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
                connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
                connection.recv(4096)
                seen.add(worker_holding(port, connection.getsockname()[1], workers))
            if seen == set(workers):
                return workers
        else:
            time.sleep(0.05)
    raise AssertionError(f"not {count} workers answering on port {port} after {timeout} s (saw {sorted(seen)})")


class _Pinned(httpx.BaseTransport):
    """One connection per worker; ``use`` picks the one the next request goes over."""

    def __init__(self, count: int):
        self.pools = [self._pool() for _ in range(count)]
        self.use = 0

    @staticmethod
    def _pool() -> httpx.HTTPTransport:
        # 127.0.0.1: "localhost" could be tried as ::1 first, where the server does not listen.
        return httpx.HTTPTransport(local_address="127.0.0.1", limits=httpx.Limits(max_connections=1))

    def renew(self, index: int) -> None:
        self.pools[index].close()
        self.pools[index] = self._pool()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.pools[self.use].handle_request(request)

    def close(self) -> None:
        for pool in self.pools:
            pool.close()


class Phone:
    """One person's browser (one cookie jar) that talks to the worker it is told to:
    ``phone.on(1).post(...)``. ``served_by`` lists the worker of every request, in order."""

    def __init__(self, base_url: str, server_port: int, workers: list[int]):
        self.server_port, self.workers = server_port, workers
        self._transport = _Pinned(len(workers))
        self.client = httpx.Client(base_url=base_url, transport=self._transport, headers={"Accept-Language": "en"},
                                   timeout=10)
        self._last_used = [0.0] * len(workers)
        self.served_by: list[int] = []

    def on(self, index: int) -> httpx.Client:
        """The client, with its next request going to worker ``index``."""
        if time.monotonic() - self._last_used[index] > IDLE_LIMIT_S:
            self._connect(index)
        self._transport.use = index
        self._last_used[index] = time.monotonic()
        return self.client

    def _connect(self, index: int) -> None:
        """A fresh connection for slot ``index``, opened until it lands on that worker."""
        self._transport.use = index
        for _ in range(ATTEMPTS):
            self._transport.renew(index)
            probe = self.client.get("/healthz")
            if worker_of(probe, self.server_port, self.workers) == self.workers[index]:
                self._last_used[index] = time.monotonic()
                return
        raise AssertionError(f"{ATTEMPTS} connections and none reached worker {self.workers[index]}")

    def check(self, response: httpx.Response, index: int) -> httpx.Response:
        """``response`` came from worker ``index`` (recorded in ``served_by``)."""
        worker = worker_of(response, self.server_port, self.workers)
        assert worker == self.workers[index], f"{response.request.url} went to {worker}, not {self.workers[index]}"
        self.served_by.append(worker)
        return response

    def get(self, index: int, url: str, **kwargs) -> httpx.Response:
        return self.check(self.on(index).get(url, **kwargs), index)

    def post(self, index: int, url: str, **kwargs) -> httpx.Response:
        return self.check(self.on(index).post(url, **kwargs), index)

    def close(self) -> None:
        self.client.close()
