"""The health check the proxy and monitoring poll: 200 when the database answers and carries
every migration, 503 with one word otherwise, and never anything the database holds."""

import asyncio
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from piccolo.apps.migrations.tables import Migration

from app.db import engine
from app.services import schema


async def test_a_healthy_server_answers_ok_and_nothing_more(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["cache-control"] == "no-store"
    assert "set-cookie" not in response.headers


async def test_a_database_missing_a_migration_answers_503(client):
    latest = max(schema.expected_migrations())
    row = await Migration.select().where(Migration.name == latest).first()
    await Migration.delete().where(Migration.name == latest)
    try:
        response = await client.get("/healthz")
        assert response.status_code == 503
        assert response.json() == {"status": "migrations_pending"}
    finally:
        await Migration.insert(Migration(**{k: v for k, v in row.items() if k != "id"}))
    assert (await client.get("/healthz")).status_code == 200


@pytest.mark.postgres_only
async def test_a_database_that_refuses_connections_answers_503_until_it_is_back(client):
    dsn = engine().config["dsn"]
    parts = urlsplit(dsn)
    name = parts.path.lstrip("/")
    admin = await asyncpg.connect(urlunsplit(parts._replace(path="/postgres")))
    try:
        await admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name)
        response = await client.get("/healthz")
        assert response.status_code == 503
        assert response.json() == {"status": "database_unreachable"}
    finally:
        await admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        await admin.close()
    # The pool opens new connections on its own: no restart needed once the database is back. A
    # pooled connection the server closed fails once before it is replaced, so a monitor's next
    # few checks are healthy again (each pooled connection is replaced on its first use).
    answers = []
    for _ in range(20):
        answers.append((await client.get("/healthz")).status_code)
        if answers[-1] == 200:
            break
        await asyncio.sleep(0.1)
    assert answers[-1] == 200, answers
