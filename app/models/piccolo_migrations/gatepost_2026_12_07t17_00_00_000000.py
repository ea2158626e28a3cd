"""Indexes for the statistics page: a year of a large estate's visits (some 110,000) is counted
by the database from an index holding every column the counts read, so no table row is visited;
registrations and incidents are counted by estate and day the same way."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-07T17:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "statistics: visits, registrations and incidents by estate and time"

STATEMENTS = (
    "CREATE INDEX visit_estate_entered ON visit (estate, entered_at, purpose, entry_gate, visitor_pass,"
    " exited_at, expected_until)",
    "CREATE INDEX registration_estate_created ON registration (estate, created_at)",
    "CREATE INDEX incident_estate_happened ON incident (estate, happened_at, kind)",
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
