"""The audit log's chain: each entry carries the hash of the one before it in its estate, so an
entry edited, removed or slipped in afterwards shows, and ``verify`` names the first such entry.

An estate's entries are numbered 1, 2, 3 ... (``seq``). An entry's hash is SHA-256 over the hash
before it (64 zeros for the first) and every field of the entry in a fixed text form, so the
same entry hashes the same read back from SQLite or PostgreSQL. The chain's head (its last
number and hash) is kept beside the log, which is how a removed *last* entry shows too.

Tamper-evident, not tamper-proof: someone who can write the database can rewrite a whole chain
from the point they changed and its head. What it stops is the quiet edit or deletion of a row
(a bad decision taken back, an override that "never happened"); a copy of the heads kept
elsewhere (every backup holds them) shows a rewrite as well.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from typing import Any, Iterable

GENESIS = "0" * 64


@dataclass(frozen=True)
class Entry:
    """One audit event as stored; ``data`` is the JSON object (already parsed)."""

    id: str
    seq: int
    estate: str
    actor: str
    action: str
    subject: str
    data: Any
    at: datetime
    prev_hash: str
    entry_hash: str


class Problem(str, Enum):
    EDITED = "edited"  # its fields no longer give its hash
    MISSING_BEFORE = "missing_before"  # numbers skipped before it: entries removed
    RELINKED = "relinked"  # does not point at the hash of the entry before it
    UNCHAINED = "unchained"  # written around the log (no number)
    LAST_MISSING = "last_missing"  # the chain's head counts more entries than there are
    HEAD_MISMATCH = "head_mismatch"  # the head's hash is not the last entry's


SENTENCES = {
    Problem.EDITED: "its contents were changed after it was written",
    Problem.MISSING_BEFORE: "entries before it were removed",
    Problem.RELINKED: "it does not follow the entry before it",
    Problem.UNCHAINED: "it was written outside the audit log",
    Problem.LAST_MISSING: "the last entries were removed",
    Problem.HEAD_MISMATCH: "the last entry is not the one the log recorded",
}


@dataclass(frozen=True)
class Break:
    """The first place a chain is broken: the entry there (``None`` when entries are missing from
    the end), the number expected there, and why."""

    problem: Problem
    seq: int
    entry_id: str | None

    @property
    def sentence(self) -> str:
        return SENTENCES[self.problem]


def canonical_data(data: Any) -> str:
    """The one text form of an entry's data: keys sorted, no spaces, non-ASCII kept."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_time(at: datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def digest(prev_hash: str, *, seq: int, id: str, estate: str, actor: str, action: str, subject: str,
           data: Any, at: datetime) -> str:
    """The hash of an entry that follows ``prev_hash``."""
    fields = [prev_hash, str(seq), id, estate, actor, action, subject, canonical_data(data), canonical_time(at)]
    # Each field's length first, so no two different entries give the same text.
    text = "".join(f"{len(field)}:{field}" for field in fields)
    return hashlib.sha256(text.encode()).hexdigest()


def hash_of(entry: Entry) -> str:
    return digest(entry.prev_hash, seq=entry.seq, id=entry.id, estate=entry.estate, actor=entry.actor,
                  action=entry.action, subject=entry.subject, data=entry.data, at=entry.at)


def verify(entries: Iterable[Entry], *, head_seq: int, head_hash: str) -> Break | None:
    """The first break in one estate's chain, or ``None`` when it is whole. ``entries`` in
    number order (unnumbered ones, ``seq`` 0, first); ``head_*`` is the chain's recorded head
    (0 and ``GENESIS`` for a chain never written)."""
    expected, before = 1, GENESIS
    for entry in entries:
        if entry.seq <= 0:
            return Break(Problem.UNCHAINED, expected, entry.id)
        if entry.seq > expected:
            return Break(Problem.MISSING_BEFORE, expected, entry.id)
        if entry.seq < expected:  # a second entry with a number already taken
            return Break(Problem.RELINKED, expected, entry.id)
        if entry.prev_hash != before:
            return Break(Problem.RELINKED, expected, entry.id)
        if hash_of(entry) != entry.entry_hash:
            return Break(Problem.EDITED, expected, entry.id)
        expected, before = expected + 1, entry.entry_hash
    if head_seq >= expected:
        return Break(Problem.LAST_MISSING, expected, None)
    if head_seq != expected - 1 or head_hash != before:
        return Break(Problem.HEAD_MISMATCH, expected - 1, None)
    return None


__all__ = ["Entry", "Break", "Problem", "GENESIS", "digest", "hash_of", "verify", "canonical_data"]
