"""The database engine and the one way to run a write transaction on both engines.

SQLite is the embedded default: WAL so readers never wait for the writer, writers that wait
(with ``await``, up to a timeout) instead of failing, and ``BEGIN IMMEDIATE`` for write
transactions, otherwise two concurrent writers deadlock on the lock upgrade and one gets
"database is locked" whatever the timeout. Writes (transactions and single statements) also
queue in the process, one at a time as SQLite takes them anyway.
``synchronous=NORMAL``: under WAL a commit survives a crash of the app or of SQLite; only a
power loss can drop the last few commits (the database stays consistent), and each commit
saves an fsync. PostgreSQL, through asyncpg, is the production database.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import weakref
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, AsyncIterator, Callable

import aiosqlite
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory

from app.settings import Settings

SQLITE_BUSY_TIMEOUT_S = 10
logger = logging.getLogger(__name__)


class DatabaseProblem(RuntimeError):
    """The database cannot be used as it is: the operator gets this sentence, not a traceback."""


# Every connection the engine opens gets these (Piccolo's own sets only foreign_keys, per query).
# secure_delete: what a delete or an update frees is overwritten with zeros, so an erased value
# (``app/services/retention.py``) does not stay readable in the file's free space. Debian's
# SQLite is built with it on; Python's own builds and others are not.
CONNECTION_PRAGMAS = ("PRAGMA foreign_keys = 1", "PRAGMA synchronous = NORMAL", "PRAGMA secure_delete = ON")


class PooledTransaction(SQLiteTransaction):
    """Piccolo's SQLite transaction, on a connection borrowed from the engine's pool (and given
    back afterwards) instead of a new connection and thread for each transaction."""

    engine: "PooledSQLiteEngine"

    async def __aenter__(self) -> SQLiteTransaction:
        if self._parent is not None:
            return self._parent
        self.connection = await self.engine._borrow()
        try:
            await self.begin()
        except BaseException:
            self.engine._give_back(self.connection, healthy=not self.connection.in_transaction)
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent:
            return exception is None
        healthy = False
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
            healthy = not self.connection.in_transaction
        finally:
            self.engine._give_back(self.connection, healthy)
            self.engine.current_transaction.reset(self.context)
        return exception is None


class InlineConnection:
    """An SQLite connection used on the event loop's own thread, with the part of aiosqlite's
    interface that Piccolo's queries and transactions use.

    A statement on the gate's path takes SQLite some tens of microseconds; handing it to a
    connection's thread and back (aiosqlite) cost several times that in the event loop and
    the thread, a dozen times a scan. Here it runs in place.

    It never waits on a lock in place: the lock holder may be a transaction of this very
    process, paused at an ``await``, and the loop would stop with it. SQLite's own busy wait is
    off (``timeout=0``); a statement refused with SQLITE_BUSY (another process writing; this
    process's writers queue on ``write_lock`` first) is retried after an ``asyncio.sleep``,
    up to the engine's timeout. Checkpoints, which copy pages and sync the file, run on a
    connection of their own in a thread (``PooledSQLiteEngine.checkpoint``)."""

    BUSY = 5  # SQLITE_BUSY; SQLITE_BUSY_SNAPSHOT (517) is not retried: waiting cannot help it

    def __init__(self, connection_kwargs: dict, busy_timeout_s: float) -> None:
        self._connection = sqlite3.connect(**{**connection_kwargs, "timeout": 0, "check_same_thread": False})
        self._connection.row_factory = dict_factory
        self._busy_timeout_s = busy_timeout_s
        for pragma in CONNECTION_PRAGMAS:
            self._connection.execute(pragma)

    @property
    def in_transaction(self) -> bool:
        return self._connection.in_transaction

    async def execute(self, sql: str, parameters=()) -> sqlite3.Cursor:
        deadline = None
        pause = 0.001
        while True:
            try:
                return self._connection.execute(sql, parameters)
            except sqlite3.OperationalError as exc:
                if getattr(exc, "sqlite_errorcode", None) != self.BUSY:
                    raise
                loop = asyncio.get_running_loop()
                deadline = deadline or loop.time() + self._busy_timeout_s
                if loop.time() + pause > deadline:
                    raise
                await asyncio.sleep(pause)
                pause = min(pause * 2, 0.05)

    async def execute_fetchall(self, sql: str, parameters=()) -> list:
        return (await self.execute(sql, parameters)).fetchall()

    async def close(self) -> None:
        self._connection.close()


class PooledSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine opens a connection, and with it a thread, for every query and
    every transaction: about a millisecond each. This one keeps up to ``POOL_SIZE``
    connections open and lends them to single queries and transactions alike; each query runs
    in place on the event loop's thread (``InlineConnection``). A long query holds up the
    other requests as long as it runs: fine for the one estate an SQLite server keeps."""

    POOL_SIZE = 4
    CHECKPOINT_EVERY_S = 0.1

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._idle: list[InlineConnection] = []
        self._slots: asyncio.Semaphore | None = None
        self._write_locks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._written = False  # since the last checkpoint
        self._checkpointing = threading.Lock()  # one checkpoint at a time, each in a thread
        self._checkpointer: sqlite3.Connection | None = None

    def write_lock(self) -> asyncio.Lock:
        """The queue of this process's write transactions (one per event loop)."""
        self._written = True
        loop = asyncio.get_running_loop()
        lock = self._write_locks.get(loop)
        if lock is None:
            lock = self._write_locks[loop] = asyncio.Lock()
        return lock

    def transaction(self, transaction_type: TransactionType = TransactionType.deferred,
                    allow_nested: bool = True) -> SQLiteTransaction:
        return PooledTransaction(engine=self, transaction_type=transaction_type, allow_nested=allow_nested)

    async def get_connection(self) -> aiosqlite.Connection:
        """A connection of its own (Piccolo's batches use one)."""
        connection = await super().get_connection()
        for pragma in CONNECTION_PRAGMAS[1:]:
            await connection.execute(pragma)
        return connection

    async def _borrow(self) -> InlineConnection:
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

    async def _open_kept_connection(self) -> InlineConnection:
        return InlineConnection(self.connection_kwargs, SQLITE_BUSY_TIMEOUT_S)

    def _give_back(self, connection: InlineConnection, healthy: bool) -> None:
        if healthy:
            self._idle.append(connection)
        else:
            asyncio.ensure_future(connection.close())
        assert self._slots is not None
        self._slots.release()

    async def _run_in_new_connection(self, query: str, args=None, query_type: str = "generic", table=None):
        if query_type == "insert" and self.get_version_sync() < 3.35:  # no RETURNING before 3.35
            return await super()._run_in_new_connection(query, args, query_type, table)
        if query.lstrip()[:6].upper() == "SELECT":
            return await self._run_pooled(query, args)
        async with self.write_lock():  # a write on its own queues with the write transactions
            return await self._run_pooled(query, args)

    async def _run_pooled(self, query: str, args) -> list[dict]:
        connection = await self._borrow()
        healthy = False
        try:
            rows = await connection.execute_fetchall(query, args or [])
            healthy = True
            return rows
        except sqlite3.Error:  # a refused write leaves the connection usable; a broken one is dropped
            healthy = not connection.in_transaction
            raise
        finally:
            self._give_back(connection, healthy)

    async def _run_in_existing_connection(self, connection, query: str, args=None, query_type: str = "generic",
                                          table=None):
        """A query inside a transaction: its connection has the pragmas already (Piccolo's sets
        foreign_keys again before every query)."""
        if query_type == "insert" and self.get_version_sync() < 3.35:
            return await super()._run_in_existing_connection(connection, query, args, query_type, table)
        return await connection.execute_fetchall(query, args or [])

    async def checkpoint(self) -> tuple[int, int]:
        """Copy what the write-ahead log holds into the database file, without waiting for
        readers or writers (a passive checkpoint), in a thread: it writes and syncs the file.
        Returns the log's frames and those copied."""
        self._written = False
        return await asyncio.to_thread(self._checkpoint)

    def _checkpoint(self) -> tuple[int, int]:
        with self._checkpointing:
            if self._checkpointer is None:
                self._checkpointer = sqlite3.connect(self.path, timeout=SQLITE_BUSY_TIMEOUT_S,
                                                     check_same_thread=False)
            _busy, log, copied = self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            return log, copied

    def _close_checkpointer(self) -> None:
        with self._checkpointing:  # after a checkpoint still running in its thread
            if self._checkpointer is not None:
                self._checkpointer.close()
                self._checkpointer = None

    async def checkpoint_forever(self) -> None:
        """Checkpoints in the background, ten times a second after writes. Left to itself,
        SQLite checkpoints inside the commit that crosses 1000 log pages: that commit, and every
        write queued behind it, waits some 20 ms while the pages are copied and synced (every
        50th scan or so at the gate). Here the copying happens in a connection's thread while
        requests go on; the log stays short, so SQLite's own checkpoint seldom comes due. Each
        checkpoint still slows the requests running beside it: small ones often (ten a second)
        kept the scan's p99 at 100 scans/s near 12 ms, against 20 ms at four a second."""
        while True:
            await asyncio.sleep(self.CHECKPOINT_EVERY_S)
            if self._written:
                try:
                    await self.checkpoint()
                except sqlite3.Error:  # the next round tries again
                    continue

    async def close_pool(self) -> None:
        idle, self._idle, self._slots = self._idle, [], None
        for connection in idle:
            await connection.close()
        await asyncio.to_thread(self._close_checkpointer)


# The PostgreSQL connection a block of statements keeps (``one_connection``), if any.
_kept: ContextVar[Any] = ContextVar("gatepost_kept_connection", default=None)


class KeepingPostgresEngine(PostgresEngine):
    """Piccolo's PostgreSQL engine, which borrows a pool connection for every statement,
    except inside ``one_connection()``: there every statement, Piccolo's too, and every
    transaction runs on the one connection the block borrowed."""

    async def _run_in_pool(self, query: str, args=None):
        connection = _kept.get()
        if connection is None:
            return await super()._run_in_pool(query, args)
        return await connection.fetch(query, *(args or ()))

    def transaction(self, allow_nested: bool = True) -> PostgresTransaction:
        return KeptConnectionTransaction(engine=self, allow_nested=allow_nested)


class KeptConnectionTransaction(PostgresTransaction):
    """A transaction on the block's kept connection, when there is one: the block gives it back
    to the pool, not the transaction."""

    async def get_connection(self):
        return _kept.get() or await super().get_connection()

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent is not None or self.connection is not _kept.get():
            return await super().__aexit__(exception_type, exception, traceback)
        try:
            if exception is not None:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        finally:
            self.engine.current_transaction.reset(self.context)
        return exception is None


@asynccontextmanager
async def one_connection() -> AsyncIterator[None]:
    """Run a block's statements on one pooled connection, borrowed once (PostgreSQL; SQLite's
    connections live in the process and cost nothing to lend). Each request is such a block
    (``routes.middleware``): a gate scan's dozen statements would otherwise borrow and give
    back a connection a dozen times."""
    db = engine()
    if not isinstance(db, KeepingPostgresEngine) or db.pool is None or _kept.get() is not None \
            or db.current_transaction.get() is not None:
        yield
        return
    async with db.pool.acquire() as connection:
        token = _kept.set(connection)
        try:
            yield
        finally:
            _kept.reset(token)


class Statement:
    """A hand-written statement on the gate's hot path (a scan runs about a dozen), sent straight
    to the connection: composing even a ``Table.raw`` costs Piccolo more CPU than the database
    spends running the statement. ``{}`` marks each argument, as in ``Table.raw`` (the text has
    no other braces). Rows come back as dicts; inside a transaction the statement runs on the
    transaction's connection, as Piccolo's queries do, and on SQLite a write outside one queues
    with the write transactions.

    Made once, as a module's constant, where tests/integration/test_statements.py finds it and
    checks it against the Piccolo tables it names: every column it names must be one of its
    table's, and an INSERT names every column of its table (a column added later is then given
    its value here on purpose, not left to a default Piccolo would not have written)."""

    __slots__ = ("text", "sqlite", "postgres", "_repeated")

    def __init__(self, text: str) -> None:
        self.text = text
        parts = text.split("{}")
        self.sqlite = "?".join(parts)
        self.postgres = parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], start=1))
        self._repeated: dict[int, Statement] = {}

    def rows(self, count: int) -> Statement:
        """This ``INSERT ... VALUES (...)`` with its row of values given ``count`` times: that
        many rows in one round trip (arguments row after row). Made once for each count."""
        made = self._repeated.get(count)
        if made is None:
            head, values, row = self.text.rpartition(" VALUES ")
            made = self._repeated[count] = Statement(head + values + ", ".join([row] * count))
        return made

    async def fetch(self, *args: Any) -> list[dict]:
        db = engine()
        transaction = db.current_transaction.get()
        if isinstance(db, PostgresEngine):
            connection = transaction.connection if transaction is not None else _kept.get()
            if connection is not None:
                rows = await connection.fetch(self.postgres, *args)
            elif db.pool is not None:
                rows = await db.pool.fetch(self.postgres, *args)
            else:
                rows = await db._run_in_new_connection(self.postgres, args)
            return [dict(row) for row in rows]
        if transaction is not None:
            return await db._run_in_existing_connection(transaction.connection, self.sqlite, args)
        return await db._run_in_new_connection(self.sqlite, args)


def make_engine(settings: Settings) -> SQLiteEngine | PostgresEngine:
    if settings.is_sqlite:
        path = Path(settings.sqlite_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(path) as conn:  # WAL is a property of the file: set it once.
            conn.execute("PRAGMA journal_mode=WAL")
        return PooledSQLiteEngine(path=str(path), timeout=SQLITE_BUSY_TIMEOUT_S)
    return KeepingPostgresEngine(config={"dsn": settings.database_url})


_engine: SQLiteEngine | PostgresEngine | None = None


def engine() -> SQLiteEngine | PostgresEngine:
    """``piccolo_conf.DB``, made once at import; kept here, as Piccolo's lookup does path work on every call."""
    global _engine
    if _engine is None:
        from piccolo.engine.finder import engine_finder

        _engine = engine_finder()
        assert _engine is not None, "piccolo_conf.DB is missing"
    return _engine


def like_anywhere(text: str) -> str:
    """A LIKE pattern for values holding ``text`` anywhere. The searcher's own ``%``, ``_`` and
    ``\\`` are dropped, not escaped: PostgreSQL escapes with a backslash by default and SQLite
    not at all, so an escape would need an ESCAPE clause in every query."""
    return "%" + text.replace("\\", "").replace("%", "").replace("_", "") + "%"


def is_integrity_error(exc: BaseException) -> bool:
    """A unique or foreign-key constraint refused the write, on either engine."""
    from asyncpg.exceptions import IntegrityConstraintViolationError

    return isinstance(exc, (sqlite3.IntegrityError, IntegrityConstraintViolationError))


# What waits for the write transaction open in this task to commit (``after_commit``).
_after_commit: ContextVar[list[Callable[[], None]] | None] = ContextVar("gatepost_after_commit", default=None)


def after_commit(callback: Callable[[], None]) -> None:
    """Call ``callback`` once the write transaction open here has committed, and never if it
    rolls back; at once when no write transaction is open (a statement on its own has committed
    by the time it returns, so call this after it). For telling others of a change (the live
    screens' events): told before the commit, they could look and find nothing new, or be told
    of a change that a rollback then undid. A callback that fails is logged, not raised: the
    change has committed all the same."""
    pending = _after_commit.get()
    if pending is None:
        _call(callback)
    else:
        pending.append(callback)


def _call(callback: Callable[[], None]) -> None:
    try:
        callback()
    except Exception:  # noqa: BLE001 - the write is done; a lost event costs a poll, not the request
        logger.exception("a callback after commit failed")


@asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    """A transaction for a read-modify-write: immediate on SQLite, plain on PostgreSQL.

    On PostgreSQL, callers that read before they write lock the rows they read
    (``.lock_rows()``) or, better, use one conditional UPDATE ... RETURNING.
    The outermost one runs what ``after_commit`` left for it once it has committed.
    """
    if _after_commit.get() is not None:  # inside another: joins it, and its commit is the one
        async with _transaction():
            yield
        return
    pending: list[Callable[[], None]] = []
    token = _after_commit.set(pending)
    try:
        async with _transaction():
            yield
    finally:
        _after_commit.reset(token)
    for callback in pending:  # reached only when the transaction committed
        _call(callback)


@asynccontextmanager
async def _transaction() -> AsyncIterator[None]:
    db = engine()
    if isinstance(db, PooledSQLiteEngine) and db.current_transaction.get() is None:
        async with db.write_lock():  # queued here, not in SQLite's busy handler
            async with db.transaction(transaction_type=TransactionType.immediate):
                yield
    elif isinstance(db, SQLiteEngine):  # nested (joins the transaction it is in), or an unpooled engine
        async with db.transaction(transaction_type=TransactionType.immediate):
            yield
    else:
        async with db.transaction():
            yield


async def checkpoint_forever() -> None:
    """SQLite's background checkpoints (``PooledSQLiteEngine.checkpoint_forever``), for the
    server's lifetime; nothing to do on PostgreSQL."""
    db = engine()
    if isinstance(db, PooledSQLiteEngine):
        await db.checkpoint_forever()


async def _keep_session(connection) -> None:
    """What asyncpg's pool does to a connection it takes back, instead of its default reset
    (``RESET ALL; UNLISTEN *; CLOSE ALL; SELECT pg_advisory_unlock_all()``: a round trip
    after every query). Nothing here changes session state: no SET, LISTEN, cursors or
    advisory locks, and asyncpg still
    rolls back a transaction left open before calling this."""


async def start(settings: Settings) -> None:
    db = engine()
    if isinstance(db, PostgresEngine):
        try:
            await db.start_connection_pool(min_size=2, max_size=20, reset=_keep_session)
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
