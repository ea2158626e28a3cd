"""The periodic work: expired sessions and challenges go, and however many workers tick, the
work runs once a period."""

import asyncio
from datetime import timedelta

import pytest

from app import periodic
from app.domain.roles import Role
from app.models.auth import Challenge, Session
from app.models.server import PeriodicRun
from app.services import housekeeping
from app.services.clock import utcnow

EVERY = 30.0


@pytest.fixture(autouse=True)
async def never_ran():
    """As on a fresh database: the periodic work has not run yet."""
    await PeriodicRun.delete(force=True)


def counting():
    runs = []

    async def job():
        runs.append(True)

    return runs, job


async def test_expired_sessions_and_old_challenges_are_cleared(make_estate):
    estate = await make_estate()
    person = await estate.person("Li Qiang", Role.GATE_GUARD)
    old = Session(token_hash="a" * 64, person=person, expires_at=utcnow() - timedelta(seconds=1))
    live = Session(token_hash="b" * 64, person=person, expires_at=utcnow() + timedelta(days=1))
    stale = Challenge(challenge="x", purpose="sign_in", expires_at=utcnow() - timedelta(hours=2))
    for row in (old, live, stale):
        await row.save()
    assert await periodic.tick([housekeeping.purge_expired], EVERY)
    assert not await Session.exists().where(Session.id == old.id)
    assert await Session.exists().where(Session.id == live.id)
    assert not await Challenge.exists().where(Challenge.id == stale.id)


async def test_a_failing_job_does_not_stop_the_others():
    runs, fine = counting()

    async def broken():
        raise RuntimeError("boom")

    assert await periodic.tick([broken, fine], EVERY)
    assert runs == [True]


async def test_a_second_worker_ticking_in_the_same_period_runs_nothing():
    runs, job = counting()
    start = utcnow()
    assert await periodic.tick([job], EVERY, now=start)
    # The other worker ticks just after the first one finished, and again most of a period on.
    assert not await periodic.tick([job], EVERY, now=start + timedelta(seconds=1))
    assert not await periodic.tick([job], EVERY, now=start + timedelta(seconds=EVERY * 0.8))
    assert runs == [True]


async def test_the_next_period_runs_again_on_whichever_worker_ticks_first():
    runs, job = counting()
    start = utcnow()
    assert await periodic.tick([job], EVERY, now=start)
    assert await periodic.tick([job], EVERY, now=start + timedelta(seconds=EVERY))
    assert not await periodic.tick([job], EVERY, now=start + timedelta(seconds=EVERY + 5))
    assert await periodic.tick([job], EVERY, now=start + timedelta(seconds=2 * EVERY + 0.2))
    assert runs == [True, True, True]


async def test_workers_ticking_at_the_same_moment_run_the_work_once_between_them():
    runs, job = counting()
    now = utcnow()
    ran = await asyncio.gather(*[periodic.tick([job], EVERY, now=now) for _ in range(8)])
    assert sorted(ran) == [False] * 7 + [True]
    assert runs == [True]
    assert await PeriodicRun.count() == 1
