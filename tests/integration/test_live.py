"""Live screens: a person's event stream hears of the changes their screens show, as they
commit, and of nothing else: not another household's or estate's, not a change rolled back,
not before the commit. On PostgreSQL an event reaches a stream held by another worker (another
channels plugin, listening on its own connection) and survives that connection being cut.

Streams are held open as a browser holds them (``tests/integration/streams.py``)."""

from __future__ import annotations

import asyncio

import pytest

from app import channels, db
from app.domain.live import Topic
from app.domain.roles import Role
from app.routes.live import Streams
from app.services import idempotency, live, notify, sessions, walkins
from app.settings import get_settings
from tests.integration.streams import KEEPALIVE, holding
from tests.integration.test_walkins import Cast, scope_of

QUIET_S = 1.0  # how long a stream that must hear nothing is listened to (events arrive in milliseconds)


@pytest.fixture
async def cast(make_estate):
    return await Cast().setup(await make_estate("Harbour"))


async def cookies(person_id) -> dict[str, str]:
    return {"gp_session": await sessions.start(person_id, "pytest"), "gp_lang": "en"}


async def test_the_guard_waiting_for_a_household_hears_its_answer_as_it_is_given(app, cast):
    rid = await cast.register()
    async with holding(app, f"/e/{cast.estate.slug}/live", await cookies(cast.li)) as guard:
        assert guard.status == 200 and guard.headers["content-type"].startswith("text/event-stream")
        assert await guard.next_event() == "ready"  # the page asks again for its partials now

        await walkins.answer_consent(cast.scopes["fang"], rid, approve=True)

        assert await guard.next_event() == "walkins"  # and the waiting screen asks for its partial
    assert guard.task.done()  # the browser went away: the stream let go


async def test_a_stream_is_neither_compressed_nor_buffered_nor_kept(app, cast):
    async with holding(app, f"/e/{cast.estate.slug}/live", await cookies(cast.li)) as guard:
        assert "content-encoding" not in guard.headers  # though the browser accepts gzip
        assert guard.headers["x-accel-buffering"] == "no"
        assert "no-store" in guard.headers["cache-control"]
        assert "connect-src 'self'" in guard.headers["content-security-policy"]


async def test_household_a_hears_of_its_visitor_and_household_b_and_another_estate_hear_nothing(
        app, cast, make_estate):
    other = await make_estate("Maple Court")
    outsider = await other.person("Guard of Maple Court", Role.GATE_GUARD, Role.MANAGER)
    async with holding(app, f"/e/{cast.estate.slug}/live", await cookies(cast.fang)) as fang, \
            holding(app, f"/e/{cast.estate.slug}/live", await cookies(cast.liu)) as liu, \
            holding(app, f"/e/{other.slug}/live", await cookies(outsider)) as maple:
        for stream in (fang, liu, maple):
            assert await stream.next_event() == "ready"

        await cast.register(unit="1-1-0101")  # a visitor for the Wangs, not for Liu Yang at 1-1-0102

        assert sorted(await fang.events_within(QUIET_S)) == ["notifications", "walkins"]
        assert await liu.events_within(QUIET_S) == []
        assert await maple.events_within(QUIET_S) == []


async def test_a_resident_stream_outside_the_estate_hears_only_their_own_notifications(app, cast):
    async with holding(app, "/live", await cookies(cast.liu)) as liu, \
            holding(app, "/live", await cookies(cast.fang)) as fang:
        assert await liu.next_event() == "ready" and await fang.next_event() == "ready"
        await cast.register(unit="1-1-0102")  # Liu Yang's visitor: his consent request, his count

        assert await liu.events_within(QUIET_S) == ["notifications"]  # not the estate's walk-ins
        assert await fang.events_within(QUIET_S) == []


async def test_nothing_is_told_before_the_commit_and_a_change_rolled_back_tells_no_one(app, cast):
    async with holding(app, f"/e/{cast.estate.slug}/live", await cookies(cast.chen)) as desk:
        assert await desk.next_event() == "ready"

        async with db.write_transaction():
            live.changed(Topic.SLIPS, estate=cast.estate.id)
            assert await desk.events_within(QUIET_S / 2) == []  # said, but not committed yet
        assert await desk.next_event() == "slips"  # committed: told
        assert await desk.next_event() == "handover"  # and the handover, compiled from slips among others

        with pytest.raises(RuntimeError):
            async with db.write_transaction():
                live.changed(Topic.SLIPS, estate=cast.estate.id)
                raise RuntimeError("the change fails after it was said")
        assert await desk.events_within(QUIET_S) == []


async def test_a_replayed_guard_action_whose_work_ran_again_is_undone_and_tells_no_one(app, cast):
    """A replay is not looked for first: its work runs again, fails to keep its result beside the
    first one, and is rolled back (docs/exactly-once.md), and with it what it would have told."""
    async with holding(app, f"/e/{cast.estate.slug}/live", await cookies(cast.sun)) as manager:
        assert await manager.next_event() == "ready"
        act = cast.act()

        async def work() -> dict:
            live.changed(Topic.WALKINS, estate=cast.estate.id)
            return {"done": True}

        assert await idempotency.once(act, "test_live", cast.estate.id, work) == {"done": True}
        assert await manager.events_within(QUIET_S) == ["walkins", "handover"]  # a handover lists walk-ins

        assert await idempotency.once(act, "test_live", cast.estate.id, work) == {"done": True}  # the same tap again
        assert await manager.events_within(QUIET_S) == []


async def test_the_unread_count_follows_new_and_read_notifications(app, client, cast, sign_in_en):
    await sign_in_en(cast.zhao)
    empty = await client.get("/notifications/unread", headers={"hx-request": "true"})
    assert empty.status_code == 200 and 'data-live="notifications"' in empty.text and "data-unread" not in empty.text
    unchanged = await client.get("/notifications/unread", headers={"if-none-match": empty.headers["etag"]})
    assert unchanged.status_code == 304

    async with holding(app, "/live", await cookies(cast.zhao)) as patrol:
        assert await patrol.next_event() == "ready"
        await cast.register(kind="emergency", relation="son")  # patrol is sent to the unit
        assert await patrol.events_within(QUIET_S) == ["notifications"]
        counted = await client.get("/notifications/unread", headers={"if-none-match": empty.headers["etag"]})
        assert counted.status_code == 200 and 'data-unread="1"' in counted.text

        await client.post("/notifications/read", headers={"x-csrftoken": await _csrf(client)})
        assert await patrol.events_within(QUIET_S) == ["notifications"]  # his other pages follow


async def _csrf(client) -> str:
    from tests.integration.conftest import CSRF_META

    return CSRF_META.search((await client.get("/account")).text).group(1)


async def test_an_idle_stream_says_it_is_alive_and_ends_at_its_age_asking_for_another(app, cast, monkeypatch):
    streams: Streams = app.state.streams
    monkeypatch.setattr(streams, "keepalive_s", 0.05)
    monkeypatch.setattr(streams, "max_age_s", 0.5)
    async with holding(app, "/live", await cookies(cast.li)) as guard:
        assert await guard.next_event() == "ready"
        assert await guard.next_event() == KEEPALIVE
        assert (await guard.until("again"))[-1] == "again"
        assert await guard.next_event() is None  # it ended: the page opens another
    assert streams.count == 0


async def test_a_person_holds_four_streams_at_most_and_a_fifth_closes_the_oldest(app, cast):
    streams: Streams = app.state.streams
    session = await cookies(cast.li)
    path = f"/e/{cast.estate.slug}/live"
    async with holding(app, path, session) as oldest:
        assert await oldest.next_event() == "ready"
        async with holding(app, path, session) as s2, holding(app, path, session) as s3, \
                holding(app, path, session) as s4:
            for stream in (s2, s3, s4):
                assert await stream.next_event() == "ready"
            assert len(streams.held[cast.li]) == 4
            async with holding(app, path, session) as newest:
                assert await newest.next_event() == "ready"
                assert await oldest.next_event() == "displaced"
                assert await oldest.next_event() is None
                assert len(streams.held[cast.li]) == 4
    assert cast.li not in streams.held


async def test_the_stream_of_a_person_signed_out_is_refused(app, cast):
    session = await cookies(cast.li)
    await sessions.end_all(cast.li)
    async with holding(app, f"/e/{cast.estate.slug}/live", session, accept="text/event-stream") as stream:
        assert stream.status in (303, 401)


@pytest.mark.postgres_only
async def test_an_event_published_by_one_worker_reaches_a_stream_held_by_another(app, cast):
    """Two workers are two processes, each with its channels plugin listening on a connection of
    its own: here a second plugin stands for the second worker, and the answer is taken by the
    app's (the first worker's) services."""
    rid = await cast.register()
    other = channels.make_plugin(get_settings())
    async with other:
        streams = Streams(other)
        guard_channels = await live.channels_for(cast.scopes["li"].viewer, cast.scopes["li"])
        events = streams.events(cast.li, sorted(guard_channels))
        assert await anext(events) == b"event: ready\ndata: ready\n\n"

        await walkins.answer_consent(cast.scopes["fang"], rid, approve=True)

        assert await asyncio.wait_for(anext(events), 5) == b"event: walkins\ndata: walkins\n\n"
        await events.aclose()


@pytest.mark.postgres_only
async def test_a_worker_whose_listening_connection_is_cut_listens_again_and_tells_its_streams_to_ask_again(
        app, cast, monkeypatch):
    monkeypatch.setattr(channels, "RECONNECT_FIRST_S", 0.05)
    async with holding(app, f"/e/{cast.estate.slug}/live", await cookies(cast.li)) as guard:
        assert await guard.next_event() == "ready"
        backend = app.state.streams.plugin._backend
        await db.engine().pool.execute("SELECT pg_terminate_backend($1)", backend._listener_conn.get_server_pid())

        assert await guard.next_event(10) == "resync"  # what was said meanwhile is lost: ask again
        await walkins.answer_consent(cast.scopes["fang"], await cast.register(), approve=True)
        assert "walkins" in await guard.events_within(QUIET_S)


async def test_nobody_hears_of_changes_made_where_no_server_runs(cast, monkeypatch):
    """The command line (a demo load, an operator's script) has no streams to tell."""
    monkeypatch.setattr(live, "_send", None)
    told = []
    monkeypatch.setattr(db, "after_commit", told.append)
    await notify.queue(cast.estate.id, [cast.li], notify.Kind.VISITOR_ARRIVED, params={"guest": "x"})
    assert told == []


async def test_a_scope_for_another_estate_is_never_subscribed(cast, make_estate):
    other = await make_estate("Maple Court")
    scope = await scope_of(cast.estate, cast.fang, "Wang Fang")
    heard = await live.channels_for(scope.viewer, scope)
    assert not any(other.id.hex in channel for channel in heard)
    assert any(cast.estate.units["1-1-0101"].id.hex in channel for channel in heard)
    assert not any(cast.estate.units["1-1-0102"].id.hex in channel for channel in heard)


@pytest.fixture
def redis_url(tmp_path):
    """A throwaway Redis server (Debian's redis-server, as ``make system-deps`` installs it)."""
    import shutil
    import socket
    import subprocess
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(port),
                               "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(10)


async def test_with_redis_set_an_event_goes_between_workers_through_redis(cast, redis_url, monkeypatch):
    from dataclasses import replace

    from litestar.channels.backends.redis import RedisChannelsPubSubBackend

    rid = await cast.register()
    settings = replace(get_settings(), redis_url=redis_url)
    first, second = channels.make_plugin(settings), channels.make_plugin(settings)
    assert isinstance(first._backend, RedisChannelsPubSubBackend)
    async with first, second:
        monkeypatch.setattr(live, "_send", first.publish)  # this worker's services tell through Redis
        heard = await live.channels_for(cast.scopes["li"].viewer, cast.scopes["li"])
        events = Streams(second).events(cast.li, sorted(heard))  # a stream held by the other worker
        assert await anext(events) == b"event: ready\ndata: ready\n\n"

        await walkins.answer_consent(cast.scopes["fang"], rid, approve=True)

        assert await asyncio.wait_for(anext(events), 5) == b"event: walkins\ndata: walkins\n\n"
        await events.aclose()
