"""ID numbers and phones written before sealing, sealed: each encrypted under the current key
(var/field_keys.json, made now if absent, or GATEPOST_FIELD_KEYS), its masked form and, where
searched, its keyed hash written beside it. A visitor pass's ``guest_phone_key`` held the phone
in normal form: it becomes the keyed hash of it.

Values already sealed are left as they are, so running it on a half-sealed copy is harmless.
The lookups by phone and ID number (a returning visitor, the watchlist) then go through indexes
on the hashes, in place of those on the plain columns."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.engine.postgres import PostgresEngine

from app.services import sealed
from app.services.sealed import ID_NUMBER, PHONE, TEXT, Field

ID = "2026-12-07T19:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "ID numbers and phones written so far sealed"

# The sealed columns as they were when this migration was written (app/services/sealed.py).
FIELDS = (
    Field("registration", "id_number", ID_NUMBER, None, "id_number_masked"),
    Field("registration", "phone", PHONE, "phone_hash", "phone_masked"),
    Field("visitor_pass", "guest_phone", PHONE, "guest_phone_key", "guest_phone_masked"),
    Field("watchlist_entry", "id_number", ID_NUMBER, "id_number_hash", "id_number_masked"),
    Field("watchlist_entry", "phone", PHONE, "phone_hash", "phone_masked"),
    Field("release_slip", "carrier_id_number", ID_NUMBER, None, "carrier_id_number_masked"),
    Field("release_slip", "carrier_phone", PHONE, None, "carrier_phone_masked"),
    Field("person", "phone", PHONE, "phone_hash", "phone_masked"),
    Field("lost_found_record", "contact", TEXT, None, None),
)

INDEXES = (
    "DROP INDEX IF EXISTS registration_estate_phone",
    "DROP INDEX IF EXISTS watchlist_entry_estate_phone",
    "DROP INDEX IF EXISTS watchlist_entry_estate_id_number",
    "CREATE INDEX IF NOT EXISTS registration_estate_phone_hash ON registration (estate, phone_hash)",
    "CREATE INDEX IF NOT EXISTS watchlist_entry_estate_phone_hash ON watchlist_entry (estate, phone_hash)",
    "CREATE INDEX IF NOT EXISTS watchlist_entry_estate_id_number_hash ON watchlist_entry (estate, id_number_hash)",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="gatepost", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        # Joins the transaction Piccolo runs the migration in.
        async with engine.transaction() as transaction:
            await seal_all(transaction.connection, postgres=isinstance(engine, PostgresEngine))
            for sql in INDEXES:
                await transaction.connection.execute(sql)

    manager.add_raw(run)
    return manager


async def seal_all(connection, *, postgres: bool) -> int:
    ring = sealed.keyring()
    count = 0
    for f in FIELDS:
        select = f"SELECT id, {f.column} AS value FROM {f.tablename} WHERE {f.column} <> '' AND {f.column} NOT LIKE 's1:%'"
        rows = [dict(r) for r in await (connection.fetch(select) if postgres else connection.execute_fetchall(select))]
        for row in rows:
            stored = sealed.columns_for(f, row["value"], ring)
            names = list(stored)
            if postgres:
                sets = ", ".join(f"{name} = ${i + 1}" for i, name in enumerate(names))
                await connection.execute(f"UPDATE {f.tablename} SET {sets} WHERE id = ${len(names) + 1}",
                                         *stored.values(), row["id"])
            else:
                sets = ", ".join(f"{name} = ?" for name in names)
                await connection.execute(f"UPDATE {f.tablename} SET {sets} WHERE id = ?", (*stored.values(), row["id"]))
            count += 1
    return count
