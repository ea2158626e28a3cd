"""Whether the database answers and carries every migration: the app refuses to start otherwise."""

from __future__ import annotations

from piccolo.apps.migrations.commands.base import BaseMigrationManager
from piccolo.apps.migrations.tables import Migration
from piccolo.conf.apps import Finder

from app.db import DatabaseProblem, engine

APP_NAME = "gatepost"


class SchemaProblem(DatabaseProblem):
    pass


async def check() -> None:
    try:
        await engine().run_ddl("SELECT 1")
    except Exception as exc:  # any driver error means "cannot reach the database"
        raise SchemaProblem(f"The database cannot be reached ({exc.__class__.__name__}: {exc}).") from exc
    app_config = Finder().get_app_config(APP_NAME)
    modules = BaseMigrationManager().get_migration_modules(app_config.resolved_migrations_folder_path)
    expected = set(modules)
    try:
        ran = set(await Migration.get_migrations_which_ran(app_name=APP_NAME))
    except Exception as exc:
        raise SchemaProblem("The database has no migrations yet. Run: python -m app migrate") from exc
    missing = sorted(expected - ran)
    if missing:
        raise SchemaProblem(
            f"The database is missing {len(missing)} migration(s) ({', '.join(missing)}). "
            "Run: python -m app migrate"
        )


async def migrate() -> None:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    result = await run_forwards(app_name=APP_NAME)
    if not result.success:
        raise SchemaProblem(result.message or "migration failed")
