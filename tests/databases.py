"""Databases for the test suites: a fresh SQLite file, or a fresh PostgreSQL database.

PostgreSQL, in order: ``TEST_POSTGRES_URL`` if set; else the local server on 127.0.0.1:5432 if
it answers (user postgres, trust auth); else a throwaway cluster started in a temporary
directory with Debian's ``initdb`` and ``pg_ctl`` (as the ``postgres`` user when we are root).
Every run gets a database of its own, dropped at the end.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(
            f"No {name} found: install Debian's postgresql package (make test does this)."
        )
    return found[-1]


@dataclass
class ThrowawayCluster:
    """A PostgreSQL cluster of our own in a temporary directory, stopped and removed at the end."""

    directory: str = field(default_factory=lambda: tempfile.mkdtemp(prefix="gatepost-pg-"))
    port: int = field(default_factory=_free_port)

    def _run(self, *args: str) -> None:
        as_postgres = os.geteuid() == 0
        if as_postgres:
            shutil.chown(self.directory, user="postgres")
            pw = pwd.getpwnam("postgres")
            subprocess.run(
                args, check=True, capture_output=True,
                preexec_fn=lambda: (os.setgid(pw.pw_gid), os.setuid(pw.pw_uid)),
            )
        else:
            subprocess.run(args, check=True, capture_output=True)

    def start(self) -> str:
        data = os.path.join(self.directory, "data")
        self._run(_pg_bin("initdb"), "-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8")
        self._run(
            _pg_bin("pg_ctl"), "-D", data, "-l", os.path.join(self.directory, "log"), "-w", "start",
            "-o", f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
        )
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        try:
            self._run(_pg_bin("pg_ctl"), "-D", os.path.join(self.directory, "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)


@dataclass
class PostgresDatabase:
    url: str
    admin_url: str
    name: str
    cluster: ThrowawayCluster | None = None

    def drop(self) -> None:
        try:
            _psql(self.admin_url, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        finally:
            if self.cluster:
                self.cluster.stop()


def run_async(make_coroutine):
    """``asyncio.run(make_coroutine())`` in a thread of its own, so that it also works where an
    event loop is already running (Playwright's sync API keeps one in the e2e tests' thread)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()


def _psql(url: str, sql: str) -> None:
    import asyncpg

    async def run():
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    run_async(run)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def fresh_postgres() -> PostgresDatabase:
    cluster = None
    server = os.environ.get("TEST_POSTGRES_URL")
    if not server:
        if _answers("127.0.0.1", 5432):
            server = "postgresql://postgres@127.0.0.1:5432/postgres"
        else:
            cluster = ThrowawayCluster()
            server = cluster.start()
    name = f"gatepost_test_{secrets.token_hex(4)}"
    admin = _with_database(server, "postgres")
    for _attempt in range(20):  # a cluster that has just started may refuse for a moment
        try:
            _psql(admin, f'CREATE DATABASE "{name}"')
            break
        except OSError:
            time.sleep(0.25)
    else:
        raise RuntimeError(f"PostgreSQL at {admin} did not accept connections")
    return PostgresDatabase(url=_with_database(server, name), admin_url=admin, name=name, cluster=cluster)


def fresh_sqlite(directory: str) -> str:
    return f"sqlite:///{os.path.join(directory, 'gatepost-test.sqlite')}"
