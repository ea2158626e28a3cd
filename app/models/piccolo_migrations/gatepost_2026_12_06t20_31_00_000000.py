"""Fills in the watchlist keys of visitor passes made before they were kept (the columns come
from the previous migration; Piccolo runs a migration's raw steps before its new columns)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from app.db import Statement
from app.domain.watchlist import norm_name, norm_phone

ID = "2026-12-06T20:31:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "watchlist keys of earlier visitor passes"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="gatepost", description=DESCRIPTION)

    async def run():
        rows = await Statement("SELECT id, guest_name, guest_phone FROM visitor_pass").fetch()
        keep = Statement("UPDATE visitor_pass SET guest_name_key = {}, guest_phone_key = {} WHERE id = {}")
        for row in rows:
            await keep.fetch(norm_name(row["guest_name"]), norm_phone(row["guest_phone"]), row["id"])

    manager.add_raw(run)
    return manager
