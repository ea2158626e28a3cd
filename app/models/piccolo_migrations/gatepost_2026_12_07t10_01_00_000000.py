"""One check-in per round and checkpoint (a repeated scan is told, never stored twice), one
alert per route and scheduled round, and one round per route and scheduled time; Piccolo's
columns only declare single-column UNIQUE."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-07T10:01:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "patrol: one check-in per round and checkpoint, one alert and one round per route and slot"

STATEMENTS = (
    "CREATE UNIQUE INDEX check_in_round_checkpoint ON check_in (round, checkpoint)",
    "CREATE UNIQUE INDEX patrol_alert_route_slot ON patrol_alert (route, slot_at)",
    "CREATE UNIQUE INDEX patrol_round_route_slot ON patrol_round (route, slot_at)",
    "CREATE INDEX patrol_round_estate_slot ON patrol_round (estate, slot_at)",
    "CREATE INDEX patrol_round_guard_state ON patrol_round (guard, state)",
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
