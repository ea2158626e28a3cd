"""The statistics' tallies are read by estate and day; one hour row per estate, day and hour."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-07T17:00:02:000000"
VERSION = "1.38.0"
DESCRIPTION = "statistics: the tallies' indexes"

STATEMENTS = (
    "CREATE UNIQUE INDEX visit_hour_tally_estate_day ON visit_hour_tally (estate, day, hour)",
    "CREATE INDEX visit_kind_tally_estate_day ON visit_kind_tally (estate, day)",
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
