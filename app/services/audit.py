"""Recording sensitive actions: who did what to which record, and when; each entry chained to
the one before it in its estate (``app.domain.audit_chain``), so an edit or a deletion shows.

Appending takes the chain's head row: ``UPDATE audit_chain ... RETURNING`` numbers the entry
and locks the head until the transaction commits, so two requests recording at once in one
estate are put one after the other by the database itself (PostgreSQL's row lock; SQLite has
one writer at a time), and each reads the head the other left. The entry and the new head are
written in the caller's transaction: an action rolled back leaves no entry and no gap. Chains
are per estate, so estates never wait for each other.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from piccolo.utils.encoding import dump_json

from app import db
from app.db import Statement
from app.domain import audit_chain
from app.models.audit import AuditChain, AuditEvent
from app.services.clock import utcnow

# Written by hand: one is written with every guard action, and Piccolo's builder spends more
# CPU composing an insert than the database spends running it. Every column of AuditEvent.
_INSERT = Statement(
    'INSERT INTO audit_event (id, estate, actor, action, subject, data, "at", seq, prev_hash, entry_hash)'
    " VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {})"
)
# Numbers the entry and locks the head row until the transaction ends.
_ADVANCE = Statement("UPDATE audit_chain SET last_seq = last_seq + 1 WHERE chain = {} RETURNING last_seq, last_hash")
_START = Statement(
    "INSERT INTO audit_chain (id, chain, last_seq, last_hash) VALUES ({}, {}, 0, {}) ON CONFLICT (chain) DO NOTHING"
)
_SEAL = Statement("UPDATE audit_chain SET last_hash = {} WHERE chain = {}")


def chain_key(estate: UUID | str | None) -> str:
    return str(estate) if estate else ""


async def record(
    action: str,
    *,
    actor: UUID | None,
    estate: UUID | None,
    subject: UUID | str = "",
    **data: Any,
) -> None:
    event_id, at, text, key = uuid4(), utcnow(), dump_json(data), chain_key(estate)
    async with db.write_transaction():  # joins the caller's; or one of its own
        head = await _ADVANCE.fetch(key)
        if not head:  # the estate's first entry: a concurrent first waits on the unique key
            await _START.fetch(uuid4(), key, audit_chain.GENESIS)
            head = await _ADVANCE.fetch(key)
        seq, before = int(head[0]["last_seq"]), head[0]["last_hash"]
        entry_hash = audit_chain.digest(
            before, seq=seq, id=str(event_id), estate=key, actor=str(actor) if actor else "", action=action,
            subject=str(subject), data=json.loads(text), at=at)
        await _INSERT.fetch(event_id, estate, actor, action, str(subject), text, at, seq, before, entry_hash)
        await _SEAL.fetch(entry_hash, key)


# Checking the chains ------------------------------------------------------------------------

def _entry(row: dict) -> audit_chain.Entry:
    data = row["data"]
    return audit_chain.Entry(
        id=str(row["id"]), seq=int(row["seq"] or 0), estate=chain_key(row["estate"]),
        actor=str(row["actor"]) if row["actor"] else "", action=row["action"], subject=row["subject"] or "",
        data=json.loads(data) if isinstance(data, str) else data, at=row["at"],
        prev_hash=row["prev_hash"] or "", entry_hash=row["entry_hash"] or "")


async def _entries(estate: UUID | None) -> list[audit_chain.Entry]:
    """One estate's entries in number order, unnumbered ones first."""
    where = AuditEvent.estate == estate if estate else AuditEvent.estate.is_null()
    rows = await AuditEvent.select(
        AuditEvent.id, AuditEvent.seq, AuditEvent.estate, AuditEvent.actor, AuditEvent.action,
        AuditEvent.subject, AuditEvent.data, AuditEvent.at, AuditEvent.prev_hash, AuditEvent.entry_hash,
    ).where(where).order_by(AuditEvent.seq).order_by(AuditEvent.id)
    return [_entry(row) for row in rows]


@dataclass(frozen=True)
class ChainReport:
    chain: str  # the estate's id, or "" for events of no estate
    estate_name: str
    entries: int
    broken: audit_chain.Break | None


async def _check(estate: UUID | None) -> tuple[int, audit_chain.Break | None]:
    head = await AuditChain.select(AuditChain.last_seq, AuditChain.last_hash).where(
        AuditChain.chain == chain_key(estate)).first()
    entries = await _entries(estate)
    count = len(entries)
    broken = audit_chain.verify(entries, head_seq=int(head["last_seq"]) if head else 0,
                                head_hash=head["last_hash"] if head else audit_chain.GENESIS)
    return count, broken


async def verify() -> list[ChainReport]:
    """Every chain checked: the estates', then the one of events with no estate."""
    from app.models.estates import Estate

    reports = []
    for estate in await Estate.select(Estate.id, Estate.name).order_by(Estate.name):
        count, broken = await _check(estate["id"])
        reports.append(ChainReport(str(estate["id"]), estate["name"], count, broken))
    count, broken = await _check(None)
    reports.append(ChainReport("", "", count, broken))
    return reports


async def verify_estate(estate: UUID) -> tuple[int, audit_chain.Break | None]:
    return await _check(estate)


__all__ = ["record", "verify", "verify_estate", "ChainReport", "chain_key"]
