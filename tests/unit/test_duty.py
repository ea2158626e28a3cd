"""The duty log's rules and each handover source's compile logic: rows in, items out."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from uuid import uuid4

from app.domain import duty
from app.domain.duty import Post, Refusal
from app.domain.roles import Role

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=timezone.utc)


def test_a_first_shift_starts_at_the_usual_post_of_the_role_and_a_later_one_at_the_last_post():
    assert duty.post_for(frozenset({Role.FRONT_DESK}), None) == Post.LOBBY
    assert duty.post_for(frozenset({Role.GATE_GUARD}), None) == Post.GATE
    assert duty.post_for(frozenset({Role.PATROL_GUARD}), None) == Post.PATROL
    assert duty.post_for(frozenset({Role.FRONT_DESK}), "gate") == Post.GATE
    assert duty.post_for(frozenset({Role.GATE_GUARD}), "nonsense") == Post.GATE


def test_an_entry_is_edited_by_its_author_until_the_handover_and_never_after():
    assert duty.edit_refusal(frozen=False, author_is_editor=True) is None
    assert duty.edit_refusal(frozen=False, author_is_editor=False) == Refusal.NOT_AUTHOR
    assert duty.edit_refusal(frozen=True, author_is_editor=True) == Refusal.FROZEN


def test_the_outgoing_person_does_not_acknowledge_their_own_handover():
    assert duty.acknowledge_refusal(handed_by_is_reader=True) == Refusal.OWN_HANDOVER
    assert duty.acknowledge_refusal(handed_by_is_reader=False) is None


def test_a_handover_is_overdue_15_minutes_after_the_shift_change_unless_acknowledged():
    assert not duty.overdue_for_acknowledgement(NOW, None, NOW + timedelta(minutes=14, seconds=59))
    assert duty.overdue_for_acknowledgement(NOW, None, NOW + timedelta(minutes=15))
    assert not duty.overdue_for_acknowledgement(NOW, NOW + timedelta(minutes=1), NOW + timedelta(hours=1))


def test_every_quick_entry_has_a_kind_and_a_unique_key():
    keys = [q.key for q in duty.QUICK_ENTRIES]
    assert len(keys) == len(set(keys)) and all(isinstance(q.kind, duty.EntryKind) for q in duty.QUICK_ENTRIES)


def slip(state: str, minutes_ago: int, **extra) -> dict:
    return {"id": uuid4(), "number": f"N{minutes_ago}", "state": state, "unit_label": "5-2-1301",
            "requester_name": "Wang Fang", "hold_note": extra.get("hold_note", ""),
            "since": NOW - timedelta(minutes=minutes_ago), "href": "/slip"}


def test_slips_held_come_first_then_waiting_slips_oldest_first_and_finished_ones_not_at_all():
    rows = [slip("desk_review", 10), slip("held", 5, hold_note="Two boxes more"), slip("supervisor_review", 60),
            slip("released", 1), slip("awaiting_consent", 30)]
    items = duty.slip_items(rows, NOW)
    assert [i["kind"] for i in items] == ["slip_held", "slip_supervisor_review", "slip_awaiting_consent",
                                         "slip_desk_review"]
    assert items[0]["detail"] == "Two boxes more" and items[0]["title"] == "N5 · 5-2-1301"
    assert all({"kind", "title", "detail", "href"} <= set(i) for i in items)


def visit(guest: str, entered_ago: int, until_in: int | None, size: int = 1) -> dict:
    return {"id": uuid4(), "guest_name": guest, "unit_label": "1-1-0101", "party_size": size,
            "entered_at": NOW - timedelta(minutes=entered_ago),
            "expected_until": None if until_in is None else NOW + timedelta(minutes=until_in), "href": "/onsite"}


def test_visitors_overdue_come_first_longest_overdue_first_then_those_still_inside():
    rows = [visit("Inside Early", 120, 30), visit("Overdue Lately", 90, -5), visit("No Limit", 60, None),
            visit("Overdue Long", 200, -60, size=3)]
    items = duty.visitor_inside_items(rows, NOW)
    assert [(i["kind"], i["title"]) for i in items] == [
        ("visitor_overdue", "Overdue Long (+2)"), ("visitor_overdue", "Overdue Lately"),
        ("visitor_inside", "Inside Early"), ("visitor_inside", "No Limit")]


def test_expected_visitors_are_those_starting_in_the_next_hours_by_time():
    def window(guest, minutes):
        return {"id": uuid4(), "guest_name": guest, "unit_label": "2-1-0102", "party_size": 1,
                "starts_at": NOW + timedelta(minutes=minutes), "href": "/lobby"}
    rows = [window("Later Today", 300), window("Soon", 30), window("Started", -10), window("In An Hour", 60)]
    assert [i["title"] for i in duty.expected_items(rows, NOW)] == ["Soon", "In An Hour"]


def test_walk_ins_waiting_for_an_answer_are_listed_and_a_day_old_wait_is_not_unless_escalated():
    def reg(state, hours_ago):
        return {"id": uuid4(), "state": state, "name": f"{state} {hours_ago}", "unit_label": "1-1-0101",
                "created_at": NOW - timedelta(hours=hours_ago), "href": "/walkin"}
    rows = [reg("waiting", 1), reg("approved", 1), reg("unreachable", 2), reg("waiting", 30), reg("escalated", 30)]
    items = duty.walkin_items(rows, NOW)
    assert [i["kind"] for i in items] == ["walkin_escalated", "walkin_unreachable", "walkin_waiting"]


def test_escort_tasks_not_taken_come_before_those_under_way_and_done_ones_are_left_out():
    def task(kind, state, minutes_ago):
        return {"id": uuid4(), "kind": kind, "state": state, "visitor_name": f"{kind} {state}", "unit_label": "3-1-0201",
                "acknowledged_by_name": "Zhao Gang" if state == "acknowledged" else None,
                "created_at": NOW - timedelta(minutes=minutes_ago), "href": "/escorts"}
    rows = [task("escort", "acknowledged", 50), task("emergency", "open", 5), task("escort", "done", 1),
            task("escort", "open", 20)]
    items = duty.escort_items(rows, NOW)
    assert [i["kind"] for i in items] == ["escort_open", "emergency_open", "escort_acknowledged"]
    assert items[2]["detail"] == "3-1-0201 · Zhao Gang"


def test_log_entries_for_the_next_shift_are_listed_until_a_handover_with_them_is_acknowledged():
    def entry(text, minutes_ago, seen=False):
        return {"id": uuid4(), "kind": "other", "text": text, "unit_label": "", "author_name": "Chen Jing",
                "created_at": NOW - timedelta(minutes=minutes_ago), "seen_at": NOW if seen else None, "href": "/e"}
    rows = [entry("Second", 10), entry("Seen already", 90, seen=True), entry("First", 60)]
    items = duty.log_items(rows, NOW)
    assert [(i["kind"], i["title"], i["detail"]) for i in items] == [
        ("log_next_shift", "First", "Chen Jing"), ("log_next_shift", "Second", "Chen Jing")]


def test_long_texts_are_clipped_for_the_handover():
    item = duty.item("log_next_shift", "x" * 500, "y" * 900)
    assert len(item["title"]) == 200 and item["title"].endswith("…") and len(item["detail"]) == 400


def _incident(where, *, urgent=False, minutes=0, sent_to=None):
    return {"id": uuid4(), "urgent": urgent, "where": where, "description": f"at {where}",
            "happened_at": NOW - timedelta(minutes=minutes), "dispatched_to_name": sent_to, "href": f"/i/{where}"}


def test_incidents_not_resolved_are_listed_urgent_first_then_oldest_and_a_dispatched_one_names_the_guard():
    items = duty.incident_items([
        _incident("Car park", minutes=90), _incident("Pump room", minutes=10, urgent=True),
        _incident("Bike shed", minutes=120, sent_to="Zhao Gang"),
    ], NOW)
    assert [(i["kind"], i["title"], i["detail"]) for i in items] == [
        ("incident_open", "Pump room", "at Pump room"),
        ("incident_dispatched", "Bike shed", "Zhao Gang"),
        ("incident_open", "Car park", "at Car park"),
    ]
    assert items[0]["href"] == "/i/Pump room" and items[0]["at"] == NOW - timedelta(minutes=10)
