"""The audit log's chain on the real database: entries recorded in order, an edited row and a
deleted row both found by the check (in the middle and at the end), requests recording at once
still one whole chain, and ``python -m app audit verify`` naming the first broken entry."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from app import db
from app.domain.audit_chain import Problem
from app.models.audit import AuditChain, AuditEvent
from app.services import audit
from tests.integration.test_cli import cli, fresh_env


async def entries_of(estate_id) -> list[dict]:
    return await AuditEvent.select().where(AuditEvent.estate == estate_id).order_by(AuditEvent.seq)


async def record_five(estate_id, actor=None) -> list[dict]:
    for n in range(5):
        await audit.record("watchlist.added", actor=actor, estate=estate_id, subject=f"entry-{n}", name=f"名 {n}")
    return await entries_of(estate_id)


async def test_entries_are_numbered_per_estate_each_pointing_at_the_one_before(make_estate):
    one, two = await make_estate("Chain One"), await make_estate("Chain Two")
    admin = await one.person("Ada Admin")
    await audit.record("estate.updated", actor=admin, estate=one.id, subject=one.id)
    await audit.record("estate.updated", actor=None, estate=two.id, subject=two.id)
    await audit.record("role.granted", actor=admin, estate=one.id, subject=admin, role="manager")

    rows = await entries_of(one.id)
    assert [r["seq"] for r in rows] == [1, 2, 3]  # one's own numbers, whatever two records
    assert [r["seq"] for r in await entries_of(two.id)] == [1]
    assert rows[1]["prev_hash"] == rows[0]["entry_hash"] and rows[2]["prev_hash"] == rows[1]["entry_hash"]
    head = await AuditChain.select().where(AuditChain.chain == str(one.id)).first()
    assert (head["last_seq"], head["last_hash"]) == (3, rows[2]["entry_hash"])
    assert await audit.verify_estate(one.id) == (3, None)


async def test_an_action_rolled_back_leaves_no_entry_and_no_gap(make_estate):
    estate = await make_estate()
    await audit.record("estate.updated", actor=None, estate=estate.id)
    with pytest.raises(RuntimeError):
        async with db.write_transaction():
            await audit.record("watchlist.added", actor=None, estate=estate.id)
            raise RuntimeError("the action failed")
    await audit.record("watchlist.removed", actor=None, estate=estate.id)
    assert [(r["seq"], r["action"]) for r in await entries_of(estate.id)] == [
        (1, "estate.updated"), (2, "watchlist.removed")]
    assert await audit.verify_estate(estate.id) == (2, None)


async def test_an_edited_row_is_found_and_named(make_estate):
    estate = await make_estate()
    rows = await record_five(estate.id)
    await AuditEvent.update({AuditEvent.action: "watchlist.removed"}).where(AuditEvent.id == rows[2]["id"])

    count, broken = await audit.verify_estate(estate.id)
    assert (broken.problem, broken.seq, broken.entry_id) == (Problem.EDITED, 3, str(rows[2]["id"]))


async def test_an_edited_data_field_is_found(make_estate):
    estate = await make_estate()
    rows = await record_five(estate.id)
    await AuditEvent.update({AuditEvent.data: '{"name": "someone else"}'}).where(AuditEvent.id == rows[0]["id"])

    _, broken = await audit.verify_estate(estate.id)
    assert (broken.problem, broken.seq) == (Problem.EDITED, 1)


async def test_a_deleted_row_is_found_at_the_entry_after_it(make_estate):
    estate = await make_estate()
    rows = await record_five(estate.id)
    await AuditEvent.delete().where(AuditEvent.id == rows[1]["id"])

    count, broken = await audit.verify_estate(estate.id)
    assert count == 4
    assert (broken.problem, broken.seq, broken.entry_id) == (Problem.MISSING_BEFORE, 2, str(rows[2]["id"]))


async def test_a_deleted_last_row_is_found_from_the_chains_head(make_estate):
    estate = await make_estate()
    rows = await record_five(estate.id)
    await AuditEvent.delete().where(AuditEvent.id == rows[4]["id"])

    _, broken = await audit.verify_estate(estate.id)
    assert (broken.problem, broken.seq, broken.entry_id) == (Problem.LAST_MISSING, 5, None)


async def test_requests_recording_at_once_still_make_one_whole_chain(make_estate):
    estate, other = await make_estate("Busy Gate"), await make_estate("Next Door")

    async def guard_action(n: int, estate_id):
        async with db.write_transaction():  # as a service's transaction would, with work around it
            await asyncio.sleep(0)
            await audit.record("visit.admitted", actor=None, estate=estate_id, subject=f"visit-{n}")
            await asyncio.sleep(0)

    await asyncio.gather(*(guard_action(n, estate.id if n % 3 else other.id) for n in range(30)))

    rows = await entries_of(estate.id)
    assert [r["seq"] for r in rows] == list(range(1, 21))
    assert {r["subject"] for r in rows} == {f"visit-{n}" for n in range(30) if n % 3}
    assert await audit.verify_estate(estate.id) == (20, None)
    assert await audit.verify_estate(other.id) == (10, None)


async def test_the_first_records_of_a_new_estate_at_once_make_one_chain(make_estate):
    estate = await make_estate()  # no chain head yet: the first writers race to make it
    await asyncio.gather(*(audit.record("estate.updated", actor=None, estate=estate.id, subject=str(n))
                           for n in range(8)))
    assert await audit.verify_estate(estate.id) == (8, None)


@pytest.mark.sqlite_only
def test_audit_verify_names_the_first_broken_entry_and_fails():
    env = fresh_env()
    assert cli("migrate", env=env).returncode == 0
    assert cli("demo", env=env).returncode == 0
    whole = cli("audit", "verify", env=env)
    assert whole.returncode == 0, whole.stderr
    assert "Every audit chain is whole." in whole.stdout

    path = env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        seq, event_id = connection.execute(
            "SELECT seq, id FROM audit_event WHERE estate IS NOT NULL ORDER BY seq LIMIT 1 OFFSET 4").fetchone()
        connection.execute("UPDATE audit_event SET subject = 'someone else' WHERE id = ?", (event_id,))
    broken = cli("audit", "verify", env=env)
    assert broken.returncode == 1
    assert f"entry {seq} (id {event_id}): its contents were changed after it was written" in broken.stdout
    assert "tampered" in broken.stderr


@pytest.mark.sqlite_only
def test_the_migration_chains_the_entries_written_before_it_in_the_order_they_were_written():
    env = fresh_env()
    root = Path(__file__).resolve().parents[2]
    before_chain = subprocess.run([str(Path(sys.executable).parent / "piccolo"), "migrations", "forwards", "gatepost",
                                   "2026-12-07T00:17:00:000000"], env=env, cwd=root, capture_output=True, text=True)
    assert before_chain.returncode == 0, before_chain.stderr
    path = env["DATABASE_URL"].removeprefix("sqlite:///")
    estate = str(uuid.uuid4())
    written = [  # (id, estate, action, at): not in the order of their ids
        (str(uuid.uuid4()), estate, "estate.updated", "2026-12-01T08:00:02.000001+00:00"),
        (str(uuid.uuid4()), estate, "watchlist.added", "2026-12-01T08:00:01.000000+00:00"),
        (str(uuid.uuid4()), None, "passkey.added", "2026-12-01T08:00:03.000000+00:00"),
        (str(uuid.uuid4()), estate, "visit.admitted", "2026-12-01T08:00:05.500000+00:00"),
    ]
    with sqlite3.connect(path) as connection:
        connection.execute("INSERT INTO estate (id, name, slug) VALUES (?, 'Old Court', 'old-court')", (estate,))
        for event_id, estate_id, action, at in written:
            connection.execute('INSERT INTO audit_event (id, estate, actor, action, subject, data, "at")'
                               " VALUES (?, ?, NULL, ?, '', '{\"n\": 1}', ?)", (event_id, estate_id, action, at))
    assert cli("migrate", env=env).returncode == 0

    with sqlite3.connect(path) as connection:
        chained = connection.execute("SELECT action, seq FROM audit_event WHERE estate IS NOT NULL ORDER BY seq").fetchall()
    assert chained == [("watchlist.added", 1), ("estate.updated", 2), ("visit.admitted", 3)]
    verified = cli("audit", "verify", env=env)
    assert verified.returncode == 0, verified.stdout
    assert "Old Court: 3 entries, chain whole" in verified.stdout
    assert "(events of no estate): 1 entries, chain whole" in verified.stdout
