"""Gate refusals are counted by estate and time (the statistics) and looked up by pass (a
refusal repeated within minutes is the same one)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-07T22:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "gate refusals: indexes"

STATEMENTS = (
    "CREATE INDEX gate_refusal_estate_refused ON gate_refusal (estate, refused_at, reason)",
    "CREATE INDEX gate_refusal_pass ON gate_refusal (visitor_pass, refused_at)",
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
