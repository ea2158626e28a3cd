"""Each link to a photo indexed where it is set: removing a photo (retention removes hundreds a
night) makes the database look for rows still naming it in every table that links to photos, and
without an index each look reads the whole table. Partial indexes: only the rows with a photo."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-07T18:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "links to photos indexed"

STATEMENTS = (
    "CREATE INDEX release_slip_company_proof ON release_slip (company_proof) WHERE company_proof IS NOT NULL",
    "CREATE INDEX release_item_photo ON release_item (photo) WHERE photo IS NOT NULL",
    "CREATE INDEX lost_found_record_photo ON lost_found_record (photo) WHERE photo IS NOT NULL",
    "CREATE INDEX duty_entry_photo ON duty_entry (photo) WHERE photo IS NOT NULL",
    "CREATE INDEX incident_photo_upload ON incident_photo (upload)",
    "CREATE INDEX request_photo_upload ON request_photo (upload)",
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
