"""Uniqueness and lookups for goods release: one calendar mark per estate and day, the front
desk's queue and archive, and a record's history read from the audit log by subject."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-07T00:07:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "goods release indexes"

STATEMENTS = (
    "CREATE UNIQUE INDEX calendar_day_estate_day ON calendar_day (estate, day)",
    "CREATE INDEX release_slip_estate_state ON release_slip (estate, state, created_at)",
    "CREATE INDEX release_slip_estate_released ON release_slip (estate, released_at)",
    "CREATE INDEX release_slip_state_window ON release_slip (state, window_ends_at)",
    "CREATE INDEX release_item_slip_position ON release_item (slip, position)",
    "CREATE INDEX goods_permit_estate_state ON goods_permit (estate, state)",
    "CREATE INDEX audit_event_subject ON audit_event (subject, \"at\")",
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
