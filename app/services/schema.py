"""Whether the database answers and carries every migration: the app refuses to start
otherwise, and the health check (``/healthz``) says so to the proxy and to monitoring."""

from __future__ import annotations

import asyncio

from piccolo.apps.migrations.commands.base import BaseMigrationManager
from piccolo.apps.migrations.tables import Migration
from piccolo.conf.apps import Finder

from app.db import DatabaseProblem, engine

APP_NAME = "gatepost"
# A health check answers within this, whatever the network does to the database's packets.
HEALTH_TIMEOUT_S = 5


class SchemaProblem(DatabaseProblem):
    pass


class Unreachable(SchemaProblem):
    pass


class NotMigrated(SchemaProblem):
    pass


_expected: frozenset[str] | None = None


def expected_migrations() -> frozenset[str]:
    """The migrations this code carries (read once: they change only with a deploy)."""
    global _expected
    if _expected is None:
        app_config = Finder().get_app_config(APP_NAME)
        modules = BaseMigrationManager().get_migration_modules(app_config.resolved_migrations_folder_path)
        _expected = frozenset(modules)
    return _expected


async def check() -> None:
    try:
        await engine().run_ddl("SELECT 1")
    except Exception as exc:  # any driver error means "cannot reach the database"
        raise Unreachable(f"The database cannot be reached ({exc.__class__.__name__}: {exc}).") from exc
    try:
        ran = set(await Migration.get_migrations_which_ran(app_name=APP_NAME))
    except Exception as exc:
        raise NotMigrated("The database has no migrations yet. Run: python -m app migrate") from exc
    missing = sorted(expected_migrations() - ran)
    if missing:
        raise NotMigrated(
            f"The database is missing {len(missing)} migration(s) ({', '.join(missing)}). "
            "Run: python -m app migrate"
        )


async def health() -> str:
    """``ok``, ``database_unreachable`` or ``migrations_pending``: a word for a proxy or a
    monitor, never what the database holds or why the driver failed."""
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT_S):
            await check()
    except NotMigrated:
        return "migrations_pending"
    except (SchemaProblem, TimeoutError):
        return "database_unreachable"
    return "ok"


async def migrate() -> None:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    result = await run_forwards(app_name=APP_NAME)
    if not result.success:
        raise SchemaProblem(result.message or "migration failed")
