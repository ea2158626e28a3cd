"""Two workers on PostgreSQL behave as one: ``python -m app serve --workers 2``, every request
sent to the worker the test names, and the next one to the other (``workers_support.py`` says
how). Nothing that matters may live in one worker's memory: sessions, CSRF tokens, passkey
challenges, the waiting screen's ETag, a household's answer, the live screens' events (an answer
taken by one worker reaches a stream held by the other), the sender of push notifications
(each sent once, not once per worker) and the periodic work (once a period between them).
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from e2e.conftest import ESTATE, STARTUP_SECONDS, Server, serving
from e2e.push_support import PushService
from e2e.workers_support import Phone, wait_for_workers, workers_of
from tests.databases import PostgresDatabase, fresh_postgres, run_async
from tests.integration.authenticator import SoftAuthenticator, link_token

A, B = 0, 1  # the two workers, as a phone's connections reach them
PERIOD = 1.0  # seconds between periodic runs, short so that a test sees several
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
GATE_OPTION = re.compile(r'<option value="([0-9a-f-]{36})"[^>]*>North Gate')


@dataclass
class TwoWorkers:
    server: Server
    workers: list[int]
    database: PostgresDatabase
    push: PushService  # of its own: it checks pushes are signed with this server's key

    def phone(self) -> Phone:
        return Phone(self.server.base_url, self.server.port, self.workers)

    def query(self, sql: str, *args) -> list:
        async def run():
            connection = await asyncpg.connect(self.database.url)
            try:
                return await connection.fetch(sql, *args)
            finally:
                await connection.close()

        return run_async(run)


@pytest.fixture(scope="module")
def two() -> TwoWorkers:
    database = fresh_postgres()
    push = PushService()
    tmp = Path(tempfile.mkdtemp(prefix="gatepost-e2e-workers-"))
    try:
        settings = {"DATABASE_URL": database.url, "PERIODIC_SECONDS": str(PERIOD), "PUSH_SERVICE_HOSTS": push.allow_entry}
        with serving(tmp, settings, ("--workers", "2")) as server:
            workers = wait_for_workers(server.process.pid, server.port, 2, STARTUP_SECONDS * 2)
            yield TwoWorkers(server, workers, database, push)
    finally:
        push.close()
        database.drop()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def new_phone(two):
    phones: list[Phone] = []

    def make() -> Phone:
        phones.append(two.phone())
        return phones[-1]

    yield make
    for phone in phones:
        phone.close()


def csrf_of(page) -> str:
    match = CSRF_META.search(page.text)
    assert match, f"no CSRF token on {page.request.url}"
    return match.group(1)


def enrol(phone: Phone, link: str) -> SoftAuthenticator:
    """The enrolment ceremony, each step on the other worker: the page (and its CSRF token) on
    A, the challenge on B, the new passkey back on A."""
    token = link_token(link)
    authenticator = SoftAuthenticator(origin=f"{urlsplit(link).scheme}://{urlsplit(link).netloc}")
    csrf = {"X-CSRFToken": csrf_of(phone.get(A, f"/enrol/{token}"))}
    options = phone.post(B, f"/enrol/{token}/options", headers=csrf)
    assert options.status_code == 201, options.text
    body = options.json()
    done = phone.post(A, f"/enrol/{token}/verify", headers=csrf,
                      json={"challengeId": body["challengeId"], "credential": authenticator.create(body["publicKey"])})
    assert done.status_code == 201, done.text
    return authenticator


def home(phone: Phone, worker: int):
    return phone.get(worker, f"/e/{ESTATE}/")


def guard_action() -> dict[str, str]:
    return {"idem_key": uuid.uuid4().hex, "device_time": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())}


def register_walk_in(guard: Phone, name: str, on: int) -> str:
    """The guard's registration form from one worker, sent to the other: the new registration's id."""
    form = guard.get(1 - on, f"/e/{ESTATE}/walkins/new")
    done = guard.post(on, f"/e/{ESTATE}/walkins", data={
        "_csrf_token": csrf_of(form), "kind": "walk_in", "gate": GATE_OPTION.search(form.text).group(1),
        "name": name, "gender": "male", "id_type": "resident_id", "id_number": "110105199003071234",
        "phone": "13900139000", "unit": "5-2-1301", "purpose": "delivery", "party_size": "1", **guard_action(),
    })
    assert done.status_code == 303, done.text
    return re.search(r"/walkins/([0-9a-f-]{36})", done.headers["location"]).group(1)


def pushed(service: PushService, device: str, words: str) -> dict:
    """The first notification pushed to ``device`` whose text holds ``words``, once it arrives."""
    count = 1
    while True:
        found = service.wait_for_endpoint(device, count)
        for delivery in found:
            if words in delivery.payload["body"]:
                return delivery.payload
        count = len(found) + 1


@pytest.fixture(scope="module")
def guard(two) -> Phone:
    phone = two.phone()
    enrol(phone, two.server.enrol_link("Li Qiang"))
    yield phone
    phone.close()


@pytest.fixture(scope="module")
def resident(two) -> tuple[Phone, list[str]]:
    """Wang Fang, signed in, with push on two devices (one subscribed through each worker)."""
    phone = two.phone()
    enrol(phone, two.server.enrol_link("Wang Fang"))
    devices = [f"workers-fang-{n}" for n in (1, 2)]
    settings = phone.get(A, "/account/notifications")
    two.push.expected_key = re.search(r'data-public-key="([^"]+)"', settings.text).group(1)
    for worker, device in zip((A, B), devices):
        csrf = csrf_of(home(phone, 1 - worker))
        subscribed = phone.post(worker, "/push/subscriptions", json=two.push.subscription(device),
                                headers={"X-CSRFToken": csrf, "Accept": "application/json"})
        assert subscribed.status_code == 201, subscribed.text
    yield phone, devices
    phone.close()


def test_a_passkey_made_through_one_worker_signs_in_through_the_other_and_its_session_holds_on_both(
        two, new_phone):
    phone = new_phone()
    authenticator = enrol(phone, two.server.enrol_link("Chen Jing"))
    for worker in (B, A):
        page = home(phone, worker)
        assert page.status_code == 200 and "Chen Jing" in page.text

    assert phone.post(B, "/signout", headers={"X-CSRFToken": csrf_of(home(phone, A))}).status_code == 303
    for worker in (A, B):
        assert home(phone, worker).status_code in (302, 303)  # signed out on both

    csrf = {"X-CSRFToken": csrf_of(phone.get(A, "/signin"))}
    options = phone.post(B, "/signin/options", headers=csrf).json()
    signed_in = phone.post(A, "/signin/verify", headers=csrf, json={
        "challengeId": options["challengeId"], "credential": authenticator.get(options["publicKey"])})
    assert signed_in.status_code == 201, signed_in.text
    assert "Chen Jing" in home(phone, B).text
    assert set(phone.served_by) == set(two.workers)


def test_a_walk_in_asked_on_one_worker_is_answered_on_the_other_and_the_waiting_screen_follows(
        two, guard, resident):
    fang, devices = resident
    rid = register_walk_in(guard, "Zhang Wei", on=A)
    status = f"/e/{ESTATE}/walkins/{rid}/status"

    waiting = guard.get(B, status, headers={"HX-Request": "true"})
    assert "walkin-status--waiting" in waiting.text
    unchanged = guard.get(A, status, headers={"HX-Request": "true", "If-None-Match": waiting.headers["etag"]})
    assert unchanged.status_code == 304  # the other worker renders the same screen, byte for byte

    # Wang Fang answers from the notification on her phone, on the worker that did not ask her.
    request = pushed(two.push, devices[0], "Zhang Wei")
    answered = fang.post(B, request["action_url"], data={"action": "approve", "token": request["token"]},
                         headers={"Accept": "application/json"})
    assert answered.json() == {"ok": True, "action": "approve"}

    approved = guard.get(A, status, headers={"HX-Request": "true", "If-None-Match": waiting.headers["etag"]})
    assert approved.status_code == 200 and "walkin-status--approved" in approved.text

    admit = {"_csrf_token": csrf_of(home(guard, B)), **guard_action()}
    first = guard.post(B, f"/e/{ESTATE}/walkins/{rid}/admit", data=admit)
    replay = guard.post(A, f"/e/{ESTATE}/walkins/{rid}/admit", data=admit)  # the same tap, sent again
    assert first.headers["location"] == replay.headers["location"]
    assert "done=admitted" in first.headers["location"]
    assert two.query('SELECT count(*) FROM guard_action WHERE "key" = $1', admit["idem_key"])[0][0] == 1
    assert two.query("SELECT count(*) FROM visit WHERE registration = $1", uuid.UUID(rid))[0][0] == 1


def test_the_guards_stream_held_by_one_worker_hears_of_the_answer_taken_by_the_other(two, guard, resident,
                                                                                      new_phone):
    fang, devices = resident
    rid = register_walk_in(guard, "Chen Live", on=A)
    screen = new_phone()  # the guard's waiting screen, its event stream on a connection of its own
    screen.client.cookies = guard.client.cookies
    with screen.on(B).stream("GET", f"/e/{ESTATE}/live", headers={"Accept": "text/event-stream"}) as stream:
        screen.check(stream, B)
        events = (line.removeprefix("event: ") for line in stream.iter_lines() if line.startswith("event: "))
        assert next(events) == "ready"

        request = pushed(two.push, devices[0], "Chen Live")  # Wang Fang answers through worker A
        answered = fang.post(A, request["action_url"], data={"action": "approve", "token": request["token"]},
                             headers={"Accept": "application/json"})
        assert answered.json() == {"ok": True, "action": "approve"}

        # The walk-in's event (the guard's own notification may come beside it); each read waits
        # the client's 10 s at most, and a waiting screen asks again within that, not after 3 s.
        assert "walkins" in events
    status = guard.get(B, f"/e/{ESTATE}/walkins/{rid}/status", headers={"HX-Request": "true"})
    assert "walkin-status--approved" in status.text


def test_each_notification_is_pushed_once_though_both_workers_send(two, guard, resident):
    _, devices = resident
    # Registrations in quick turns on both workers: each wakes its own worker's sender, and both
    # senders find the other's rows waiting too.
    for n in range(8):
        register_walk_in(guard, f"Courier {n}", on=n % 2)

    deadline = time.monotonic() + 30
    while True:
        rows = two.query("SELECT n.id, n.push_state FROM notification n JOIN person p ON p.id = n.person"
                         " WHERE p.name = 'Wang Fang'")
        if all(row["push_state"] != "pending" for row in rows) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    sent = {str(row["id"]) for row in rows if row["push_state"] == "sent"}
    assert len(sent) >= 8 and all(row["push_state"] == "sent" for row in rows)
    for device in devices:
        assert not [d.problem for d in two.push.sent_to(device) if d.problem]
        delivered = Counter(d.payload["notification_id"] for d in two.push.sent_to(device))
        assert set(delivered) == sent
        assert set(delivered.values()) == {1}, f"sent more than once to {device}: {delivered.most_common(3)}"


def test_the_periodic_work_runs_once_a_period_between_the_two_workers(two):
    runs: list = []
    deadline = time.monotonic() + PERIOD * 8
    while time.monotonic() < deadline:
        ran_at = two.query("SELECT ran_at FROM periodic_run WHERE name = 'periodic'")[0]["ran_at"]
        if not runs or ran_at != runs[-1]:
            runs.append(ran_at)
        time.sleep(0.02)
    gaps = [(later - earlier).total_seconds() for earlier, later in zip(runs, runs[1:])]
    assert len(gaps) >= 4, runs  # it runs: about once a period
    assert min(gaps) >= PERIOD * 0.9, gaps  # and never twice in one period, whichever worker ticks
    assert workers_of(two.server.process.pid) == two.workers  # both still there, both ticking


def test_both_workers_report_a_database_that_refuses_connections_and_recover_when_it_is_back(two, new_phone):
    phone = new_phone()
    parts = urlsplit(two.database.url)
    name = parts.path.lstrip("/")

    async def allow(yes: bool) -> None:
        admin = await asyncpg.connect(urlunsplit(parts._replace(path="/postgres")))
        try:
            await admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS {str(yes).lower()}')
            if not yes:
                await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name)
        finally:
            await admin.close()

    run_async(lambda: allow(False))
    try:
        for worker in (A, B):
            down = phone.get(worker, "/healthz")
            assert down.status_code == 503 and down.json() == {"status": "database_unreachable"}
    finally:
        run_async(lambda: allow(True))
    for worker in (A, B):
        assert phone.get(worker, "/healthz").json() == {"status": "ok"}
