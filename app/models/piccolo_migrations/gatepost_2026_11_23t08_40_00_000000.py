"""Uniqueness that spans columns: Piccolo's columns only declare single-column UNIQUE."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-23T08:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "composite unique constraints"

STATEMENTS = (
    "CREATE UNIQUE INDEX building_estate_code ON building (estate, code)",
    "CREATE UNIQUE INDEX unit_estate_label ON unit (estate, label)",
    "CREATE UNIQUE INDEX gate_estate_name ON gate (estate, name)",
    "CREATE UNIQUE INDEX lobby_desk_estate_name ON lobby_desk (estate, name)",
    "CREATE UNIQUE INDEX role_grant_person_estate_role ON role_grant (person, estate, role)",
    "CREATE UNIQUE INDEX household_member_person_unit ON household_member (person, unit)",
    'CREATE UNIQUE INDEX rate_counter_key_window ON rate_counter (key, "window")',
    "CREATE INDEX audit_event_estate_at ON audit_event (estate, at)",
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
