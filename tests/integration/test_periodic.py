"""The periodic task: expired sessions and challenges go, and on PostgreSQL one worker at a time."""

from datetime import timedelta

import asyncpg
import pytest

from app import periodic
from app.db import engine
from app.domain.roles import Role
from app.models.auth import Challenge, Session
from app.services import housekeeping
from app.services.clock import utcnow


async def test_expired_sessions_and_old_challenges_are_cleared(make_estate):
    estate = await make_estate()
    person = await estate.person("Li Qiang", Role.GATE_GUARD)
    old = Session(token_hash="a" * 64, person=person, expires_at=utcnow() - timedelta(seconds=1))
    live = Session(token_hash="b" * 64, person=person, expires_at=utcnow() + timedelta(days=1))
    stale = Challenge(challenge="x", purpose="sign_in", expires_at=utcnow() - timedelta(hours=2))
    for row in (old, live, stale):
        await row.save()
    assert await periodic.tick([housekeeping.purge_expired])
    assert not await Session.exists().where(Session.id == old.id)
    assert await Session.exists().where(Session.id == live.id)
    assert not await Challenge.exists().where(Challenge.id == stale.id)


async def test_a_failing_job_does_not_stop_the_others():
    ran = []

    async def broken():
        raise RuntimeError("boom")

    async def fine():
        ran.append(True)

    assert await periodic.tick([broken, fine])
    assert ran == [True]


@pytest.mark.postgres_only
async def test_a_worker_skips_the_tick_while_another_holds_the_lock():
    ran = []

    async def job():
        ran.append(True)

    dsn = engine().config["dsn"]
    other_worker = await asyncpg.connect(dsn)
    try:
        await other_worker.execute("BEGIN")
        await other_worker.execute(f"SELECT pg_advisory_xact_lock({periodic.LOCK_KEY})")
        assert await periodic.tick([job]) is False
        assert ran == []
        await other_worker.execute("COMMIT")
        assert await periodic.tick([job]) is True
        assert ran == [True]
    finally:
        await other_worker.close()
