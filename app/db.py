"""The database engine and the one way to run a write transaction on both engines.

SQLite is the embedded default: WAL so readers never wait for the writer, a busy timeout so
writers queue instead of failing, and ``BEGIN IMMEDIATE`` for write transactions, otherwise
two concurrent writers deadlock on the lock upgrade and one gets "database is locked"
whatever the timeout. PostgreSQL, through asyncpg, is the production database.
"""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator

import aiosqlite
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType, dict_factory

from app.settings import Settings

SQLITE_BUSY_TIMEOUT_S = 10


class DatabaseProblem(RuntimeError):
    """The database cannot be used as it is: the operator gets this sentence, not a traceback."""


class PooledSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine opens a connection, and with it a thread, for every query:
    about a millisecond each. Single queries outside a transaction borrow a kept-open
    connection instead; transactions still get a connection of their own."""

    POOL_SIZE = 4

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._idle: list[aiosqlite.Connection] = []
        self._slots: asyncio.Semaphore | None = None

    async def _borrow(self) -> aiosqlite.Connection:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.POOL_SIZE)
        await self._slots.acquire()
        if self._idle:
            return self._idle.pop()
        try:
            return await self._open_kept_connection()
        except BaseException:
            self._slots.release()
            raise

    async def _open_kept_connection(self) -> aiosqlite.Connection:
        pending = aiosqlite.connect(**self.connection_kwargs)
        # A kept connection must not keep the process alive if nobody closes the pool.
        thread = getattr(pending, "_thread", None)
        if thread is not None:
            thread.daemon = True
        connection = await pending
        connection.row_factory = dict_factory  # type: ignore[assignment]
        await connection.execute("PRAGMA foreign_keys = 1")
        return connection

    def _give_back(self, connection: aiosqlite.Connection, healthy: bool) -> None:
        if healthy:
            self._idle.append(connection)
        else:
            asyncio.ensure_future(connection.close())
        assert self._slots is not None
        self._slots.release()

    async def _run_in_new_connection(self, query: str, args=None, query_type: str = "generic", table=None):
        if query_type == "insert" and self.get_version_sync() < 3.35:  # no RETURNING before 3.35
            return await super()._run_in_new_connection(query, args, query_type, table)
        connection = await self._borrow()
        healthy = False
        try:
            async with connection.execute(query, args or []) as cursor:
                await connection.commit()
                rows = await cursor.fetchall()
            healthy = True
            return rows
        except sqlite3.Error:  # a refused write leaves the connection usable; a broken one is dropped
            healthy = not connection.in_transaction
            raise
        finally:
            self._give_back(connection, healthy)

    async def close_pool(self) -> None:
        idle, self._idle, self._slots = self._idle, [], None
        for connection in idle:
            await connection.close()


def make_engine(settings: Settings) -> SQLiteEngine | PostgresEngine:
    if settings.is_sqlite:
        path = Path(settings.sqlite_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(path) as conn:  # WAL is a property of the file: set it once.
            conn.execute("PRAGMA journal_mode=WAL")
        return PooledSQLiteEngine(path=str(path), timeout=SQLITE_BUSY_TIMEOUT_S)
    return PostgresEngine(config={"dsn": settings.database_url})


def engine():
    from piccolo.engine.finder import engine_finder

    found = engine_finder()
    assert found is not None, "piccolo_conf.DB is missing"
    return found


def is_integrity_error(exc: BaseException) -> bool:
    """A unique or foreign-key constraint refused the write, on either engine."""
    from asyncpg.exceptions import IntegrityConstraintViolationError

    return isinstance(exc, (sqlite3.IntegrityError, IntegrityConstraintViolationError))


@asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    """A transaction for a read-modify-write: immediate on SQLite, plain on PostgreSQL.

    On PostgreSQL, callers that read before they write lock the rows they read
    (``.lock_rows()``) or, better, use one conditional UPDATE ... RETURNING.
    """
    db = engine()
    if isinstance(db, SQLiteEngine):
        async with db.transaction(transaction_type=TransactionType.immediate):
            yield
    else:
        async with db.transaction():
            yield


async def start(settings: Settings) -> None:
    db = engine()
    if isinstance(db, PostgresEngine):
        try:
            await db.start_connection_pool(min_size=2, max_size=20)
        except (OSError, ConnectionError) as exc:
            raise DatabaseProblem(f"The database cannot be reached ({exc}).") from exc
        except Exception as exc:  # asyncpg's own errors: bad password, no such database ...
            raise DatabaseProblem(f"The database cannot be reached ({exc.__class__.__name__}: {exc}).") from exc


async def stop() -> None:
    db = engine()
    if isinstance(db, PostgresEngine):
        await db.close_connection_pool()
    elif isinstance(db, PooledSQLiteEngine):
        await db.close_pool()
