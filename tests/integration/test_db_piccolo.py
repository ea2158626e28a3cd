"""``app/db.py`` overrides private parts of Piccolo's engines (docs/database.md says why, and what
each saved). A test per override checks what it rests on, as Piccolo 1.38 has it: the names and
parameters of the methods it replaces or calls, the attributes it reads, what Piccolo hands
back, and that Piccolo's own queries still go through it. Where an override rewrites a Piccolo
method whole, the method's fingerprint is kept here: after an upgrade that changed the method,
read the new one, carry what is new into the override, and keep the new fingerprint.
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import sqlite3
import textwrap

import asyncpg
import pytest
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import Savepoint, SQLiteEngine, SQLiteTransaction, dict_factory

from app import db
from app.db import (InlineConnection, KeepingPostgresEngine, KeptConnectionTransaction, PooledSQLiteEngine,
                    PooledTransaction, Statement, one_connection)
from app.models.estates import Estate

_PID = Statement("SELECT pg_backend_pid() AS pid")


def parameters(function) -> list[tuple[str, object, object]]:
    """A method's parameters as a caller sees them: names, kinds and defaults (not annotations,
    which Piccolo may spell differently without changing anything)."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


def fingerprint(function) -> str:
    """The code of a method, without its docstring, comments and layout."""
    node = ast.parse(textwrap.dedent(inspect.getsource(function))).body[0]
    first = node.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        node.body = node.body[1:]
    return hashlib.sha256(ast.unparse(node).encode()).hexdigest()[:12]


def assert_unchanged(function, expected: str, written_against) -> None:
    found = fingerprint(function)
    assert found == expected, (
        f"Piccolo's {function.__qualname__} changed (fingerprint {found}, was {expected}): "
        f"{written_against.__qualname__} is written against it; bring it in line, then keep {found} here")


def assert_same_call(ours, piccolos) -> None:
    """Our override is called as Piccolo calls its own method."""
    assert parameters(ours) == parameters(piccolos), f"{piccolos.__qualname__} is called differently now"


class Spy:
    """Counts the calls to an engine's method, letting each through."""

    def __init__(self, monkeypatch, engine, name: str):
        self.calls = 0
        real = getattr(engine, name)

        async def counted(*args, **kwargs):
            self.calls += 1
            return await real(*args, **kwargs)

        monkeypatch.setattr(engine, name, counted)


async def piccolos_own_queries(estate) -> None:
    """A select, an update with RETURNING, a raw query and a DDL statement, as Piccolo runs them."""
    assert (await Estate.select(Estate.name).where(Estate.id == estate.id).first())["name"] == estate.estate.name
    renamed = await Estate.update({Estate.name: "Renamed"}).where(Estate.id == estate.id).returning(Estate.name)
    assert renamed == [{"name": "Renamed"}]
    assert (await Estate.raw("SELECT name FROM estate WHERE id = {}", estate.id))[0]["name"] == "Renamed"
    await db.engine().run_ddl("SELECT 1")


# SQLite ------------------------------------------------------------------------------------


@pytest.mark.sqlite_only
async def test_pooled_transaction_rests_on_piccolos_sqlite_transaction_as_it_was(make_estate):
    """PooledTransaction rewrites how a transaction gets and gives back its connection, and keeps
    Piccolo's constructor, BEGIN, COMMIT, ROLLBACK and savepoints."""
    assert_unchanged(SQLiteTransaction.__aenter__, "2c0370613b2b", PooledTransaction.__aenter__)
    assert_unchanged(SQLiteTransaction.__aexit__, "844f0ac3d168", PooledTransaction.__aexit__)
    assert [name for name, *_ in parameters(SQLiteTransaction.__init__)] == [
        "self", "engine", "transaction_type", "allow_nested"]
    assert {"connection", "context", "_parent", "_committed", "_rolled_back"} <= set(SQLiteTransaction.__slots__)
    for step in ("begin", "commit", "rollback"):
        assert inspect.iscoroutinefunction(getattr(SQLiteTransaction, step)) and parameters(
            getattr(SQLiteTransaction, step)) == [("self", inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.empty)]

    estate = await make_estate()
    engine = db.engine()
    async with engine.transaction() as transaction:
        assert isinstance(transaction, PooledTransaction) and isinstance(transaction.connection, InlineConnection)
        await Estate.update({Estate.name: "Kept"}).where(Estate.id == estate.id)
        savepoint = await transaction.savepoint()
        await Estate.update({Estate.name: "Undone"}).where(Estate.id == estate.id)
        await savepoint.rollback_to()
    assert transaction._committed and transaction.connection in engine._idle  # given back to the pool
    assert (await Estate.select(Estate.name).where(Estate.id == estate.id).first())["name"] == "Kept"


@pytest.mark.sqlite_only
async def test_inline_connection_offers_everything_piccolos_transactions_ask_of_a_connection():
    """InlineConnection stands in for aiosqlite's connection inside Piccolo's transactions and
    savepoints: whatever they call on it, it must have, with rows made by Piccolo's dict_factory."""
    asked = set()
    for cls in (SQLiteTransaction, Savepoint):
        for node in ast.walk(ast.parse(textwrap.dedent(inspect.getsource(cls)))):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) \
                    and node.value.attr == "connection":
                asked.add(node.attr)
    assert "execute" in asked
    assert asked <= {name for name in dir(InlineConnection) if not name.startswith("_")}, asked
    assert [name for name, *_ in parameters(dict_factory)] == ["cursor", "row"]


@pytest.mark.sqlite_only
async def test_the_pooled_engine_runs_piccolos_queries_outside_a_transaction_on_its_pool(make_estate, monkeypatch):
    """Piccolo sends a query outside a transaction to ``_run_in_new_connection`` (opening a
    connection and a thread for it); ours lends one of the pool's."""
    assert_unchanged(SQLiteEngine._run_in_new_connection, "9a2bd00849db", PooledSQLiteEngine._run_in_new_connection)
    assert_same_call(PooledSQLiteEngine._run_in_new_connection, SQLiteEngine._run_in_new_connection)
    estate = await make_estate()
    pooled = Spy(monkeypatch, db.engine(), "_run_pooled")
    await piccolos_own_queries(estate)
    assert pooled.calls == 4


@pytest.mark.sqlite_only
async def test_the_pooled_engine_runs_piccolos_queries_inside_a_transaction_on_its_connection(make_estate,
                                                                                            monkeypatch):
    """Piccolo sends a query inside a transaction to ``_run_in_existing_connection`` with the
    transaction's connection (and sets a pragma first every time); ours just runs it."""
    assert_unchanged(SQLiteEngine._run_in_existing_connection, "3e155782a912",
                     PooledSQLiteEngine._run_in_existing_connection)
    assert_same_call(PooledSQLiteEngine._run_in_existing_connection, SQLiteEngine._run_in_existing_connection)
    estate = await make_estate()
    inside = Spy(monkeypatch, db.engine(), "_run_in_existing_connection")
    outside = Spy(monkeypatch, db.engine(), "_run_pooled")
    async with db.write_transaction():
        await piccolos_own_queries(estate)
    assert (inside.calls, outside.calls) == (4, 0)


@pytest.mark.sqlite_only
async def test_the_pooled_engine_makes_every_transaction_piccolo_asks_for(make_estate):
    """``transaction()`` is asked for by Piccolo's atomic blocks and by ``write_transaction``, with
    Piccolo's parameters."""
    assert_same_call(PooledSQLiteEngine.transaction, SQLiteEngine.transaction)
    estate = await make_estate()
    atomic = db.engine().atomic()
    atomic.add(Estate.update({Estate.name: "Atomic"}).where(Estate.id == estate.id))
    await atomic.run()
    assert (await Estate.select(Estate.name).where(Estate.id == estate.id).first())["name"] == "Atomic"


@pytest.mark.sqlite_only
async def test_a_connection_of_its_own_gets_the_engines_pragmas(make_estate):
    """Piccolo's batches open a connection of their own (``get_connection``): ours adds the pragmas
    every connection of the engine has."""
    assert_same_call(PooledSQLiteEngine.get_connection, SQLiteEngine.get_connection)
    await make_estate()
    connection = await db.engine().get_connection()
    try:
        rows = await connection.execute_fetchall("PRAGMA synchronous")
        assert list(rows[0].values()) == [1]  # NORMAL, in a dict: Piccolo's row factory
        assert list((await connection.execute_fetchall("PRAGMA foreign_keys"))[0].values()) == [1]
    finally:
        await connection.close()
    async with await Estate.select(Estate.id).batch(batch_size=1) as batch:
        assert len(await batch.next()) == 1


@pytest.mark.sqlite_only
async def test_the_engine_keeps_the_connection_settings_inline_connections_and_checkpoints_open_with():
    engine = db.engine()
    kwargs = engine.connection_kwargs
    assert kwargs["database"] == engine.path
    assert kwargs["isolation_level"] is None  # transactions are begun and ended by the statements sent
    assert kwargs["detect_types"] == sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES  # Piccolo's converters
    assert engine.current_transaction.get() is None


# PostgreSQL --------------------------------------------------------------------------------


@pytest.mark.postgres_only
async def test_the_keeping_engine_runs_piccolos_queries_on_the_kept_connection(make_estate, monkeypatch):
    """Piccolo sends a query outside a transaction to ``_run_in_pool`` (a checkout for each);
    inside ``one_connection`` ours runs it on the block's connection, handing back what
    Piccolo's does."""
    assert_unchanged(PostgresEngine._run_in_pool, "068d51783c3e", KeepingPostgresEngine._run_in_pool)
    assert_same_call(KeepingPostgresEngine._run_in_pool, PostgresEngine._run_in_pool)
    estate = await make_estate()
    engine = db.engine()
    theirs = await PostgresEngine._run_in_pool(engine, "SELECT 1 AS one")
    ran = Spy(monkeypatch, engine, "_run_in_pool")
    async with one_connection():
        kept = (await _PID.fetch())[0]["pid"]
        ours = await engine._run_in_pool("SELECT 1 AS one")
        await piccolos_own_queries(estate)
        assert (await Estate.raw("SELECT pg_backend_pid() AS pid"))[0]["pid"] == kept
    assert ran.calls == 1 + 4 + 1
    assert type(ours) is type(theirs) and type(ours[0]) is type(theirs[0]) and ours[0]["one"] == 1


@pytest.mark.postgres_only
async def test_kept_connection_transaction_rests_on_piccolos_postgres_transaction_as_it_was(make_estate):
    """KeptConnectionTransaction changes where a transaction's connection comes from
    (``get_connection``, which Piccolo's ``__aenter__`` asks) and rewrites ``__aexit__`` so the
    block, not the transaction, gives the connection back."""
    assert_unchanged(PostgresTransaction.__aenter__, "efc329c61c98", KeptConnectionTransaction.get_connection)
    assert_unchanged(PostgresTransaction.__aexit__, "186b66cbe85c", KeptConnectionTransaction.__aexit__)
    assert_same_call(KeepingPostgresEngine.transaction, PostgresEngine.transaction)
    assert_same_call(KeptConnectionTransaction.get_connection, PostgresTransaction.get_connection)
    assert [name for name, *_ in parameters(PostgresTransaction.__init__)] == ["self", "engine", "allow_nested"]
    assert {"connection", "context", "_parent", "_committed", "_rolled_back"} <= set(PostgresTransaction.__slots__)

    estate = await make_estate()
    async with one_connection():
        kept = (await _PID.fetch())[0]["pid"]
        async with db.engine().transaction() as transaction:
            assert isinstance(transaction, KeptConnectionTransaction)
            assert (await _PID.fetch())[0]["pid"] == kept
            await Estate.update({Estate.name: "Kept"}).where(Estate.id == estate.id)
        assert transaction._committed and not transaction.connection.is_closed()
        assert (await _PID.fetch())[0]["pid"] == kept  # still the block's
    assert (await Estate.select(Estate.name).where(Estate.id == estate.id).first())["name"] == "Kept"


@pytest.mark.postgres_only
async def test_one_connection_and_statements_borrow_from_piccolos_asyncpg_pool(make_estate, monkeypatch):
    """``one_connection`` and ``Statement`` use the pool Piccolo keeps (``engine.pool``) and, with
    no pool, Piccolo's ``_run_in_new_connection(query, args)``."""
    engine = db.engine()
    assert isinstance(engine.pool, asyncpg.Pool)
    assert [name for name, *_ in parameters(PostgresEngine._run_in_new_connection)] == ["self", "query", "args"]
    estate = await make_estate()
    monkeypatch.setattr(engine, "pool", None)
    assert await Statement("SELECT name FROM estate WHERE id = {}").fetch(estate.id) == [{"name": estate.estate.name}]


@pytest.mark.postgres_only
async def test_the_pool_keeps_a_connections_session_between_checkouts():
    """``start`` hands asyncpg's pool a reset hook that does nothing (through Piccolo's
    ``start_connection_pool(**kwargs)``), saving the round trip asyncpg's own reset makes after
    every checkout."""
    assert inspect.Parameter.VAR_KEYWORD in [kind for _, kind, _ in parameters(PostgresEngine.start_connection_pool)]
    assert "reset" in inspect.signature(asyncpg.create_pool).parameters
    pool = db.engine().pool
    async with pool.acquire() as connection:
        pid = await connection.fetchval("SELECT pg_backend_pid()")
        await connection.execute("SET application_name = 'kept'")
    for _ in range(pool.get_max_size() + 1):  # the pool hands its idle connections out in turn
        async with pool.acquire() as connection:
            if await connection.fetchval("SELECT pg_backend_pid()") == pid:
                name = await connection.fetchval("SHOW application_name")
                await connection.execute("RESET application_name")
                break
    else:
        pytest.fail("the connection did not come back from the pool")
    assert name == "kept"
