"""The audit entries written before the chain, chained: numbered per estate in the order they
were written (time, then id), each hashed with the one before it, and each chain's head kept;
then one number per entry and estate, and one head per chain, made unique.

Hashes are made by ``app.domain.audit_chain.digest``, the one the app checks them with."""

import json
import uuid

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.engine.postgres import PostgresEngine

from app.domain import audit_chain

ID = "2026-12-07T15:00:10:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit entries written so far chained per estate"

STATEMENTS = (
    "CREATE UNIQUE INDEX audit_chain_key ON audit_chain (chain)",
    "CREATE UNIQUE INDEX audit_event_chain ON audit_event (estate, seq)",
)


def _text(value) -> str:
    return str(value) if value else ""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="gatepost", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        # Joins the transaction Piccolo runs the migration in: its connection may hold writes.
        async with engine.transaction() as transaction:
            await _chain(transaction.connection, postgres=isinstance(engine, PostgresEngine))

    async def undo():
        engine = engine_finder()
        for sql in STATEMENTS:
            name = sql.split(" INDEX ", 1)[1].split(" ", 1)[0]
            await engine._run_in_new_connection(f"DROP INDEX {name}")
        await engine._run_in_new_connection("DELETE FROM audit_chain")
        await engine._run_in_new_connection("UPDATE audit_event SET seq = 0, prev_hash = '', entry_hash = ''")

    manager.add_raw(run)
    manager.add_raw_backwards(undo)
    return manager


SELECT = 'SELECT id, estate, actor, action, subject, data, "at" FROM audit_event ORDER BY "at", id'


async def _chain(connection, *, postgres: bool) -> None:
    async def execute(sql: str, *args):
        if postgres:
            return [dict(row) for row in await connection.fetch(sql, *args)]
        return await connection.execute_fetchall(sql.replace("$1", "?").replace("$2", "?").replace("$3", "?")
                                                 .replace("$4", "?"), args)

    heads: dict[str, tuple[int, str]] = {}
    for row in await execute(SELECT):
        key = _text(row["estate"])
        seq, before = heads.get(key, (0, audit_chain.GENESIS))
        seq += 1
        data = row["data"]
        data = json.loads(data) if isinstance(data, str) and data else (data or {})
        entry_hash = audit_chain.digest(
            before, seq=seq, id=str(row["id"]), estate=key, actor=_text(row["actor"]), action=row["action"],
            subject=row["subject"] or "", data=data, at=row["at"])
        await execute("UPDATE audit_event SET seq = $1, prev_hash = $2, entry_hash = $3 WHERE id = $4",
                      seq, before, entry_hash, row["id"] if postgres else str(row["id"]))
        heads[key] = (seq, entry_hash)
    for key, (seq, entry_hash) in heads.items():
        await execute("INSERT INTO audit_chain (id, chain, last_seq, last_hash) VALUES ($1, $2, $3, $4)",
                      uuid.uuid4() if postgres else str(uuid.uuid4()), key, seq, entry_hash)
    for sql in STATEMENTS:
        await execute(sql)
