"""Uniqueness and lookups for visitors and notifications that span columns."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-23T10:51:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "visitor and notification indexes"

STATEMENTS = (
    # A pass's nth entry happens once; a pass is inside at most once at a time.
    "CREATE UNIQUE INDEX visit_pass_entry ON visit (visitor_pass, entry_number)",
    "CREATE UNIQUE INDEX visit_pass_inside ON visit (visitor_pass) WHERE exited_at IS NULL AND visitor_pass IS NOT NULL",
    "CREATE INDEX visit_estate_inside ON visit (estate, exited_at)",
    # One result per guard's idempotency key.
    'CREATE UNIQUE INDEX guard_action_person_key ON guard_action (person, "key")',
    "CREATE INDEX visitor_pass_estate_ends ON visitor_pass (estate, ends_at)",
    "CREATE INDEX registration_estate_state ON registration (estate, state)",
    "CREATE INDEX registration_estate_phone ON registration (estate, phone)",
    "CREATE INDEX watchlist_entry_estate_name_key ON watchlist_entry (estate, name_key)",
    "CREATE INDEX watchlist_entry_estate_phone ON watchlist_entry (estate, phone)",
    "CREATE INDEX watchlist_entry_estate_id_number ON watchlist_entry (estate, id_number)",
    "CREATE INDEX escort_task_estate_state ON escort_task (estate, state)",
    "CREATE INDEX notification_person_created ON notification (person, created_at)",
    # The unread count is read with every signed-in request.
    "CREATE INDEX notification_person_unread ON notification (person) WHERE read_at IS NULL",
    # The push sender looks for pending rows every few seconds; sent ones are most of the table.
    "CREATE INDEX notification_push_due ON notification (push_next_at) WHERE push_state = 'pending'",
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
