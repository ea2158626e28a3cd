"""A phone sending the same action again adds no second review item (Piccolo's columns only
declare single-column UNIQUE); and a pass admitted with no signal at two gates keeps both open
visits, the second marked as a conflict, where before one open visit per pass was the rule."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-07T00:17:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "one review item per action and kind; conflicting open visits kept"

STATEMENTS = (
    'CREATE UNIQUE INDEX review_item_person_key_kind ON review_item (person, "key", kind)',
    "CREATE INDEX review_item_estate_open ON review_item (estate, resolved_at)",
    "DROP INDEX visit_pass_inside",
    "CREATE UNIQUE INDEX visit_pass_inside ON visit (visitor_pass)"
    " WHERE exited_at IS NULL AND visitor_pass IS NOT NULL AND conflict = ''",
)
BEFORE = "CREATE UNIQUE INDEX visit_pass_inside ON visit (visitor_pass) WHERE exited_at IS NULL AND visitor_pass IS NOT NULL"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="gatepost", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for sql in STATEMENTS:
            await engine._run_in_new_connection(sql)

    async def undo():
        engine = engine_finder()
        for sql in STATEMENTS:
            if sql.startswith("CREATE"):
                name = sql.split(" INDEX ", 1)[1].split(" ", 1)[0]
                await engine._run_in_new_connection(f"DROP INDEX {name}")
        await engine._run_in_new_connection(BEFORE)

    manager.add_raw(run)
    manager.add_raw_backwards(undo)
    return manager
