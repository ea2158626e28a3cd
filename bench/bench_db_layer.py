"""What each override of Piccolo's engines in ``app/db.py`` saves, against Piccolo's own way of
doing the same thing, measured side by side in the same run (Piccolo's way is the floor here:
the override must beat it to earn its place). Run it again after upgrading Piccolo: a row whose
saving has gone is an override to drop (docs/database.md says what each is for).

    .venv/bin/python bench/bench_db_layer.py [--engines sqlite,postgres] [--rounds 7]

Each row times one operation many times over, the two ways taking turns round by round, and
prints the median time of one operation over all rounds. One process, no HTTP: these are the
pieces a scan is made of (bench/bench_scan.py measures the scan as a guard's phone sees it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PER_ROUND = 200


async def _timed(operation, count: int) -> float:
    """Seconds per operation over ``count`` runs of it."""
    started = time.perf_counter()
    for _ in range(count):
        await operation()
    return (time.perf_counter() - started) / count


async def compare(label: str, piccolos, ours, rounds: int, per_round: int = PER_ROUND) -> None:
    for operation in (piccolos, ours):  # warm both up
        await _timed(operation, 20)
    theirs_s, ours_s = [], []
    for _ in range(rounds):
        theirs_s.append(await _timed(piccolos, per_round))
        ours_s.append(await _timed(ours, per_round))
    theirs_us, ours_us = statistics.median(theirs_s) * 1e6, statistics.median(ours_s) * 1e6
    print(f"  {label:<58} {theirs_us:9.0f} us {ours_us:9.0f} us {theirs_us / ours_us:7.1f}x")


# Inside a process bound to one database (Piccolo binds its tables when they are imported) ------


async def _estate_with_a_pass():
    from datetime import timedelta

    from app.models.estates import Building, Estate, Gate, Unit
    from app.services import invitations
    from app.services.clock import utcnow

    estate = Estate(name="Bench Estate", slug="bench")
    await estate.save()
    building = Building(estate=estate.id, code="5", name="")
    await building.save()
    unit = Unit(estate=estate.id, building=building.id, label="5-1-0101")
    await unit.save()
    gate = Gate(estate=estate.id, name="North Gate")
    await gate.save()
    now = utcnow()
    row = invitations.pass_row(estate=estate.id, unit=unit.id, guest_name="Zhang Wei", purpose="other",
                               max_entries=1, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=1))
    await row.save()
    return estate, gate, row


async def _statements_against_piccolo(estate, gate, row, rounds: int) -> None:
    from app.models.visitors import VisitorPass
    from app.services import gate as gate_service
    from app.services.clock import utcnow

    args = (gate.id, utcnow(), row.id, estate.id)
    pass_read = gate_service._PASS

    async def raw():
        await VisitorPass.raw(pass_read.text, *args)

    async def statement():
        await pass_read.fetch(*args)

    async def built():
        await VisitorPass.select(
            VisitorPass.id, VisitorPass.unit, VisitorPass.guest_name, VisitorPass.max_entries, VisitorPass.starts_at,
            VisitorPass.ends_at, VisitorPass.entries, VisitorPass.inside, VisitorPass.revoked_at,
            VisitorPass.unit.label.as_alias("unit_label"),
        ).where((VisitorPass.id == row.id) & (VisitorPass.estate == estate.id)).first()

    await compare("the scan's pass read: Table.raw / Statement", raw, statement, rounds)
    await compare("a smaller pass read through the query builder / Statement", built, statement, rounds)


async def _migrated() -> None:
    from app import db
    from app.services import schema
    from app.settings import get_settings

    await db.start(get_settings())
    with contextlib.redirect_stdout(io.StringIO()):  # Piccolo's progress lines
        await schema.migrate()


async def sqlite_rows(rounds: int) -> None:
    from piccolo.engine.sqlite import SQLiteEngine, TransactionType

    from app import db

    await _migrated()
    estate, gate, row = await _estate_with_a_pass()
    pooled = db.engine()
    stock = SQLiteEngine(path=pooled.path, timeout=db.SQLITE_BUSY_TIMEOUT_S)
    select = "SELECT name FROM estate WHERE id = ?"
    update = "UPDATE estate SET name = ? WHERE id = ?"

    async def piccolos_query():
        await stock._run_in_new_connection(select, [estate.id])

    async def pooled_query():
        await pooled._run_in_new_connection(select, [estate.id])

    async def piccolos_write():
        async with stock.transaction(transaction_type=TransactionType.immediate) as transaction:
            await stock._run_in_existing_connection(transaction.connection, update, ["Bench Estate", estate.id])

    async def pooled_write():
        async with db.write_transaction():
            await pooled._run_in_existing_connection(pooled.current_transaction.get().connection, update,
                                                     ["Bench Estate", estate.id])

    print("\nsqlite (Piccolo's way / ours, per operation)")
    await compare("a query outside a transaction (pool, inline connection)", piccolos_query, pooled_query, rounds)
    await compare("a write transaction: BEGIN IMMEDIATE, UPDATE, COMMIT (pool)", piccolos_write, pooled_write,
                  rounds, per_round=PER_ROUND // 4)
    await _statements_against_piccolo(estate, gate, row, rounds)
    await db.stop()


async def postgres_rows(rounds: int) -> None:
    import asyncpg

    from app import db

    await _migrated()
    estate, gate, row = await _estate_with_a_pass()
    engine = db.engine()
    name = db.Statement("SELECT name FROM estate WHERE id = {}")
    dozen = 12  # about the statements of one scan

    async def checkout_each():
        for _ in range(dozen):
            await engine.pool.fetch(name.postgres, estate.id)

    async def one_checkout():
        async with db.one_connection():
            for _ in range(dozen):
                await name.fetch(estate.id)

    resetting = await asyncpg.create_pool(dsn=engine.config["dsn"], min_size=2, max_size=2)

    async def asyncpg_reset():
        async with resetting.acquire() as connection:
            await connection.fetch(name.postgres, estate.id)

    async def kept_session():
        async with engine.pool.acquire() as connection:
            await connection.fetch(name.postgres, estate.id)

    print("\npostgres (Piccolo's way / ours, per operation)")
    await compare(f"{dozen} statements: a checkout each / one_connection", checkout_each, one_checkout, rounds,
                  per_round=PER_ROUND // 4)
    await compare("checkout, query, give back: asyncpg's reset / none", asyncpg_reset, kept_session, rounds)
    await _statements_against_piccolo(estate, gate, row, rounds)
    await resetting.close()
    await db.stop()


def bench_engine(engine: str, rounds: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix=f"gatepost-bench-db-{engine}-"))
    pg = None
    if engine == "postgres":
        from tests.databases import fresh_postgres

        pg = fresh_postgres()
        url = pg.url
    else:
        url = f"sqlite:///{tmp}/bench.sqlite"
    env = {**os.environ, "DATABASE_URL": url, "GATEPOST_VAR_DIR": str(tmp), "PYTHONPATH": str(ROOT)}
    try:
        subprocess.run([sys.executable, __file__, "--in", engine, str(rounds)], cwd=ROOT, env=env, check=True)
    finally:
        if pg is not None:
            pg.drop()


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--in":
        rows = sqlite_rows if sys.argv[2] == "sqlite" else postgres_rows
        asyncio.run(rows(int(sys.argv[3])))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}: figures from a busy machine are indicative only")
    for engine in args.engines.split(","):
        bench_engine(engine.strip(), args.rounds)


if __name__ == "__main__":
    main()
