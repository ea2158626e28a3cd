"""One shift on duty per person and estate at a time, enforced by the database: two taps on
"Start shift" racing each other leave one shift, not two."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-07T12:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "one open shift per person; the duty log's indexes"

STATEMENTS = (
    "CREATE UNIQUE INDEX shift_person_on_duty ON shift (estate, person) WHERE ended_at IS NULL",
    "CREATE INDEX duty_entry_estate_next_shift ON duty_entry (estate, next_shift, seen_at)",
    "CREATE INDEX handover_estate_handed_at ON handover (estate, handed_at)",
)


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
