"""The hot path's database helpers: ``Statement`` (hand-written SQL sent straight to the
connection) and ``one_connection`` (a block of statements on one pooled connection)."""

from __future__ import annotations

from uuid import uuid4

import pytest

from app import db
from app.db import Statement, one_connection, write_transaction
from app.models.estates import Estate

_NAME = Statement("SELECT name FROM estate WHERE id = {} AND slug = {}")
_RENAME = Statement("UPDATE estate SET name = {} WHERE id = {} RETURNING name")
_PID = Statement("SELECT pg_backend_pid() AS pid")
_CREATED = Statement("SELECT created_at FROM estate WHERE id = {}")


def test_a_statement_numbers_its_arguments_for_each_engine():
    statement = Statement("SELECT a FROM t WHERE b = {} AND c IN ({}, {})")
    assert statement.sqlite == "SELECT a FROM t WHERE b = ? AND c IN (?, ?)"
    assert statement.postgres == "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)"


async def test_a_statement_reads_writes_and_joins_the_transaction_it_is_in(make_estate):
    estate = await make_estate()
    assert await _NAME.fetch(estate.id, estate.slug) == [{"name": estate.estate.name}]
    assert await _NAME.fetch(estate.id, "another-estate") == []

    with pytest.raises(RuntimeError):
        async with write_transaction():
            assert await _RENAME.fetch("Renamed", estate.id) == [{"name": "Renamed"}]
            raise RuntimeError("the request broke after the write")
    assert await _NAME.fetch(estate.id, estate.slug) == [{"name": estate.estate.name}]  # rolled back with it

    async with write_transaction():
        await _RENAME.fetch("Renamed", estate.id)
    assert (await Estate.select(Estate.name).where(Estate.id == estate.id).first())["name"] == "Renamed"



async def test_a_time_comes_back_as_an_aware_utc_datetime_from_a_statement_and_from_piccolo(make_estate):
    """Sessions and notifications compare stored times with ``clock.utcnow()`` as they come back:
    on SQLite that rests on the column's declared type and the converters Piccolo registers
    with ``sqlite3``, which the engine's connections must keep asking for (``detect_types``)."""
    from datetime import timedelta, timezone

    from app.services.clock import utcnow

    estate = await make_estate()
    stamp = utcnow().astimezone(timezone(timedelta(hours=8)))  # kept in UTC whatever zone it came in
    await Estate.update({Estate.created_at: stamp}).where(Estate.id == estate.id)
    by_hand = (await _CREATED.fetch(estate.id))[0]["created_at"]
    by_piccolo = (await Estate.select(Estate.created_at).where(Estate.id == estate.id).first())["created_at"]
    for value in (by_hand, by_piccolo):
        assert value == stamp and value.utcoffset() == timedelta(0)

async def test_one_connection_still_works_where_it_has_nothing_to_keep(make_estate):
    """On SQLite (and nested in another block) it just runs the block."""
    estate = await make_estate()
    async with one_connection():
        async with one_connection():
            assert await _NAME.fetch(estate.id, estate.slug) == [{"name": estate.estate.name}]
        async with write_transaction():
            await _RENAME.fetch("Inside", estate.id)
    assert await _NAME.fetch(estate.id, estate.slug) == [{"name": "Inside"}]


@pytest.mark.postgres_only
async def test_one_connection_runs_statements_queries_and_transactions_on_one_borrowed_connection(make_estate):
    estate = await make_estate()
    pool = db.engine().pool
    free_before = pool.get_idle_size()
    async with one_connection():
        kept = (await _PID.fetch())[0]["pid"]
        assert (await Estate.raw("SELECT pg_backend_pid() AS pid"))[0]["pid"] == kept  # Piccolo's queries too
        async with write_transaction():
            assert (await _PID.fetch())[0]["pid"] == kept
            await _RENAME.fetch("Kept", estate.id)
        with pytest.raises(RuntimeError):
            async with write_transaction():
                await _RENAME.fetch("Lost", estate.id)
                raise RuntimeError("undone")
        # The failed transaction was rolled back and the connection is still the block's.
        assert await _NAME.fetch(estate.id, estate.slug) == [{"name": "Kept"}]
        assert (await _PID.fetch())[0]["pid"] == kept
    assert pool.get_idle_size() >= free_before  # given back at the end of the block, not kept


@pytest.mark.postgres_only
async def test_blocks_running_at_once_each_keep_their_own_connection(make_estate):
    import asyncio

    estate = await make_estate()

    async def block() -> set[int]:
        async with one_connection():
            pids = set()
            for _ in range(3):
                pids.add((await _PID.fetch())[0]["pid"])
                await asyncio.sleep(0.01)
            async with write_transaction():
                await _RENAME.fetch(f"Block {uuid4().hex[:6]}", estate.id)
                pids.add((await _PID.fetch())[0]["pid"])
            return pids

    results = await asyncio.gather(*[block() for _ in range(4)])
    assert all(len(pids) == 1 for pids in results), results
    assert len(set.union(*results)) == 4  # four blocks at once, four connections


@pytest.mark.sqlite_only
async def test_a_background_checkpoint_copies_the_whole_log_into_the_database(make_estate):
    estate = await make_estate()
    async with write_transaction():
        await _RENAME.fetch("Logged", estate.id)
    log, copied = await db.engine().checkpoint()
    assert log > 0 and copied == log  # nobody was reading an older snapshot: every page went over
    assert await _NAME.fetch(estate.id, estate.slug) == [{"name": "Logged"}]


def _other_process_writing():
    """A connection of another program holding SQLite's write lock (as ``python -m app demo``
    would while the server runs)."""
    import sqlite3

    other = sqlite3.connect(db.engine().path, isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    return other


@pytest.mark.sqlite_only
async def test_a_write_waits_for_another_process_without_stopping_the_server(make_estate):
    """Statements run on the event loop's thread, so a write that finds another process's lock
    must wait with ``await``, not in SQLite's busy handler: reads and other requests go on."""
    import asyncio

    estate = await make_estate()
    other = _other_process_writing()
    try:
        write = asyncio.ensure_future(_RENAME.fetch("Waited", estate.id))
        started = asyncio.get_running_loop().time()
        await asyncio.sleep(0.2)
        assert asyncio.get_running_loop().time() - started < 0.3  # the loop was not held
        assert not write.done()
        assert await _NAME.fetch(estate.id, estate.slug) == [{"name": estate.estate.name}]  # reads go on
    finally:
        other.execute("COMMIT")
        other.close()
    assert await asyncio.wait_for(write, 2) == [{"name": "Waited"}]


@pytest.mark.sqlite_only
async def test_a_write_gives_up_when_the_lock_is_held_past_the_busy_timeout(make_estate):
    import sqlite3

    await make_estate()
    connection = db.InlineConnection(db.engine().connection_kwargs, busy_timeout_s=0.2)
    other = _other_process_writing()
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            await connection.execute("BEGIN IMMEDIATE")
        assert not connection.in_transaction
    finally:
        other.execute("ROLLBACK")
        other.close()
        await connection.close()


@pytest.mark.postgres_only
async def test_a_request_borrows_one_connection_for_all_its_statements(client, csrf, sign_in, make_estate,
                                                                       monkeypatch):
    """A scan's verify and admit each run a handful of statements (the session, the pass, the
    watchlist, the household, the writes): one pool checkout per request, not one per statement."""
    from app.domain.roles import Role
    from tests.integration.gate_helpers import GateClient, gate_id, make_pass, verdict

    estate = await make_estate()
    await estate.person("Wang Fang", Role.RESIDENT, unit="1-1-0101")
    await sign_in(await estate.person("Li Qiang", Role.GATE_GUARD))
    gate = GateClient(client, csrf, estate)
    _, token = await make_pass(estate)
    await gate.verify(token)  # the CSRF token fetched, outside the count
    at = await gate_id(estate)

    pool = _CountingPool(db.engine().pool)
    monkeypatch.setattr(db.engine(), "pool", pool)
    assert verdict(await gate.verify(token)) == "valid"
    assert verdict(await gate.admit(token, gate=at)) == "admitted"
    assert pool.checkouts == 2


class _CountingPool:
    """The engine's pool, counting checkouts: a borrowed connection, or a statement sent
    through the pool (which borrows one for it)."""

    def __init__(self, pool):
        self._pool, self.checkouts = pool, 0

    def __getattr__(self, name: str):
        if name in ("acquire", "fetch", "fetchrow", "fetchval", "execute", "executemany"):
            self.checkouts += 1
        return getattr(self._pool, name)
