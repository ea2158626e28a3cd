"""The audit chain: a whole chain verifies, and an edited, removed, inserted or reordered
entry is found, named by its number, whatever the data holds."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from hypothesis import given, strategies as st

from app.domain.audit_chain import GENESIS, Entry, Problem, digest, verify

T0 = datetime(2026, 12, 7, 8, 0, tzinfo=timezone.utc)
ESTATE = "6a3c8b5e-0000-4000-8000-000000000001"


def chain(count: int, data=None) -> list[Entry]:
    entries, before = [], GENESIS
    for seq in range(1, count + 1):
        fields = dict(seq=seq, id=f"id-{seq}", estate=ESTATE, actor="actor-1", action="visit.admitted",
                      subject=f"visit-{seq}", data=data if data is not None else {"gate": "North", "n": seq},
                      at=T0 + timedelta(seconds=seq))
        entry_hash = digest(before, **fields)
        entries.append(Entry(prev_hash=before, entry_hash=entry_hash, **fields))
        before = entry_hash
    return entries


def check(entries: list[Entry], *, head: Entry | None = None, head_seq: int | None = None):
    head = head if head is not None else (entries[-1] if entries else None)
    return verify(entries, head_seq=head_seq if head_seq is not None else (head.seq if head else 0),
                  head_hash=head.entry_hash if head else GENESIS)


def test_a_whole_chain_and_an_empty_one_verify():
    assert check(chain(5)) is None
    assert check([]) is None


def test_an_edited_field_breaks_the_chain_at_that_entry():
    entries = chain(5)
    for field, value in [("action", "visit.refused"), ("subject", "other"), ("actor", ""),
                         ("data", {"gate": "South", "n": 3}), ("at", T0), ("estate", "elsewhere")]:
        edited = entries[:2] + [replace(entries[2], **{field: value})] + entries[3:]
        found = check(edited)
        assert found is not None and (found.problem, found.seq, found.entry_id) == (Problem.EDITED, 3, "id-3"), field


def test_an_entry_rehashed_after_an_edit_no_longer_follows_into_the_next():
    entries = chain(5)
    edited = replace(entries[2], action="visit.refused")
    edited = replace(edited, entry_hash=digest(edited.prev_hash, seq=3, id=edited.id, estate=ESTATE,
                                               actor=edited.actor, action=edited.action, subject=edited.subject,
                                               data=edited.data, at=edited.at))
    found = check(entries[:2] + [edited] + entries[3:])
    assert (found.problem, found.seq, found.entry_id) == (Problem.RELINKED, 4, "id-4")


def test_a_removed_entry_is_found_at_the_entry_after_it():
    entries = chain(5)
    found = check(entries[:2] + entries[3:])
    assert (found.problem, found.seq, found.entry_id) == (Problem.MISSING_BEFORE, 3, "id-4")


def test_removed_last_entries_are_found_from_the_head():
    entries = chain(5)
    found = check(entries[:3], head=entries[-1])
    assert (found.problem, found.seq, found.entry_id) == (Problem.LAST_MISSING, 4, None)


def test_an_entry_added_around_the_log_is_found():
    entries = chain(3)
    stray = replace(entries[0], id="stray", seq=0, prev_hash="", entry_hash="")
    found = check([stray] + entries)
    assert (found.problem, found.entry_id) == (Problem.UNCHAINED, "stray")
    copy = replace(entries[1], id="copy")
    found = check(entries[:2] + [copy] + entries[2:])
    assert (found.problem, found.seq, found.entry_id) == (Problem.RELINKED, 3, "copy")


def test_a_head_that_is_not_the_last_entry_is_found():
    entries = chain(3)
    assert check(entries, head=entries[1], head_seq=3).problem is Problem.HEAD_MISMATCH
    assert check(entries, head=entries[1]).problem is Problem.HEAD_MISMATCH


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**9, 10**9) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)


@given(data=st.dictionaries(st.text(max_size=10), json_values, max_size=5), count=st.integers(1, 8),
       broken=st.data())
def test_any_data_chains_and_any_single_edit_or_removal_is_found_where_it_was_made(data, count, broken):
    entries = chain(count, data=data)
    assert check(entries) is None
    at = broken.draw(st.integers(0, count - 1))
    edited = entries[:at] + [replace(entries[at], subject="changed")] + entries[at + 1:]
    assert check(edited, head=entries[-1]).seq == at + 1
    removed = entries[:at] + entries[at + 1:]
    found = check(removed, head=entries[-1])
    assert found is not None and found.seq == at + 1


def test_the_same_data_in_another_key_order_hashes_the_same():
    one = digest(GENESIS, seq=1, id="a", estate="", actor="", action="x", subject="", data={"a": 1, "b": "二"}, at=T0)
    two = digest(GENESIS, seq=1, id="a", estate="", actor="", action="x", subject="", data={"b": "二", "a": 1}, at=T0)
    assert one == two
    assert one != digest(GENESIS, seq=1, id="a", estate="", actor="", action="x", subject="", data={"a": 1}, at=T0)
