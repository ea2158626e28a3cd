"""The database engine and the one way to run a write transaction on both engines.

SQLite is the embedded default: WAL so readers never wait for the writer, a busy timeout so
writers queue instead of failing, and ``BEGIN IMMEDIATE`` for write transactions, otherwise
two concurrent writers deadlock on the lock upgrade and one gets "database is locked"
whatever the timeout. PostgreSQL, through asyncpg, is the production database.
"""

from __future__ import annotations

import sqlite3
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from app.settings import Settings

SQLITE_BUSY_TIMEOUT_S = 10


class DatabaseProblem(RuntimeError):
    """The database cannot be used as it is: the operator gets this sentence, not a traceback."""


def make_engine(settings: Settings) -> SQLiteEngine | PostgresEngine:
    if settings.is_sqlite:
        path = Path(settings.sqlite_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(path) as conn:  # WAL is a property of the file: set it once.
            conn.execute("PRAGMA journal_mode=WAL")
        return SQLiteEngine(path=str(path), timeout=SQLITE_BUSY_TIMEOUT_S)
    return PostgresEngine(config={"dsn": settings.database_url})


def engine():
    from piccolo.engine.finder import engine_finder

    found = engine_finder()
    assert found is not None, "piccolo_conf.DB is missing"
    return found


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
