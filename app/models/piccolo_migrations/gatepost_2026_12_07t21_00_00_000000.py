"""The estate's latest duty log entries (the handovers page) read newest first from an index,
not by sorting the estate's whole log."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-07T21:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "the duty log by estate and time"

STATEMENTS = ("CREATE INDEX duty_entry_estate_created ON duty_entry (estate, created_at)",)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="gatepost", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for sql in STATEMENTS:
            await engine._run_in_new_connection(sql)

    async def undo():
        engine = engine_finder()
        for sql in STATEMENTS:
            name = sql.split(" INDEX ", 1)[1].split(" ", 1)[0]
            await engine._run_in_new_connection(f"DROP INDEX {name}")

    manager.add_raw(run)
    manager.add_raw_backwards(undo)
    return manager
