"""ID numbers and phones sealed at rest (app/services/sealed.py): the columns that hold them
widened for their encrypted form, and beside them the masked forms and the keyed hashes that
searches compare (the next migration seals what exists)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.engine.finder import engine_finder
from piccolo.engine.postgres import PostgresEngine

ID = "2026-12-07T19:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "ID numbers and phones: room for sealed values; masked forms and keyed hashes"

# (class, table, column, length): the sealed columns, widened (SQLite keeps no lengths)
WIDENED = (
    ("Registration", "registration", "id_number", 255),
    ("Registration", "registration", "phone", 255),
    ("VisitorPass", "visitor_pass", "guest_phone", 255),
    ("VisitorPass", "visitor_pass", "guest_phone_key", 64),
    ("WatchlistEntry", "watchlist_entry", "id_number", 255),
    ("WatchlistEntry", "watchlist_entry", "phone", 255),
    ("ReleaseSlip", "release_slip", "carrier_id_number", 255),
    ("ReleaseSlip", "release_slip", "carrier_phone", 255),
    ("Person", "person", "phone", 255),
    ("LostFoundRecord", "lost_found_record", "contact", 720),
)

# (class, table, column, length, index): the plain columns beside them
ADDED = (
    ("Registration", "registration", "id_number_masked", 32, False),
    ("Registration", "registration", "phone_hash", 64, False),
    ("Registration", "registration", "phone_masked", 32, False),
    ("VisitorPass", "visitor_pass", "guest_phone_masked", 32, False),
    ("WatchlistEntry", "watchlist_entry", "id_number_hash", 64, False),
    ("WatchlistEntry", "watchlist_entry", "id_number_masked", 32, False),
    ("WatchlistEntry", "watchlist_entry", "phone_hash", 64, False),
    ("WatchlistEntry", "watchlist_entry", "phone_masked", 32, False),
    ("ReleaseSlip", "release_slip", "carrier_id_number_masked", 32, False),
    ("ReleaseSlip", "release_slip", "carrier_phone_masked", 32, False),
    ("Person", "person", "phone_hash", 64, False),
    ("Person", "person", "phone_masked", 32, False),
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="gatepost", description=DESCRIPTION)

    async def widen():
        engine = engine_finder()
        if isinstance(engine, PostgresEngine):
            async with engine.transaction() as transaction:  # the migration's own
                for _, table, column, length in WIDENED:
                    await transaction.connection.execute(
                        f"ALTER TABLE {table} ALTER COLUMN {column} TYPE VARCHAR({length})")

    manager.add_raw(widen)

    for class_name, table, column, length, index in ADDED:
        manager.add_column(
            table_class_name=class_name,
            tablename=table,
            column_name=column,
            db_column_name=column,
            column_class_name="Varchar",
            column_class=Varchar,
            params={
                "length": length,
                "default": "",
                "null": False,
                "primary_key": False,
                "unique": False,
                "index": index,
                "index_method": IndexMethod.btree,
                "choices": None,
                "db_column_name": None,
                "secret": False,
            },
            schema=None,
        )

    return manager
