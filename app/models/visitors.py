"""Visitors: invitations (passes), walk-in registrations, visits through the gates, escort
tasks, the watchlist, and the results of guard actions kept per idempotency key."""

from piccolo.columns import JSON, UUID, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.models.estates import Estate, Gate, Unit
from app.models.people import Person


class VisitorPass(Table):
    """A resident's invitation. One window (starts_at..ends_at, inclusive), or, with weekdays,
    a recurrence: those weekdays from daily_start to daily_end, between the dates of starts_at
    and ends_at in the estate's time zone."""

    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False, index=True)
    unit = ForeignKey(Unit, on_delete=OnDelete.restrict, null=False, index=True)
    host = ForeignKey(Person, on_delete=OnDelete.set_null, null=True)
    guest_name = Varchar(length=80)
    # Sealed (app/services/sealed.py): the phone encrypted, its masked form in plain.
    guest_phone = Varchar(length=255, default="")
    guest_phone_masked = Varchar(length=32, default="")
    # The guest's name in the watchlist's normal form (``app.domain.watchlist``), and the keyed
    # hash of the phone's: the watchlist check made on every scan is then part of reading the pass.
    guest_name_key = Varchar(length=80, default="")
    guest_phone_key = Varchar(length=64, default="")
    purpose = Varchar(length=16, help_text="family_friend, domestic_help, repair, delivery, other")
    party_size = Integer(default=1)
    vehicle_plate = Varchar(length=16, default="")
    max_entries = Integer(null=True, default=1, help_text="None: multiple entry")
    starts_at = Timestamptz()
    ends_at = Timestamptz(help_text="inclusive")
    weekdays = Varchar(length=16, default="", help_text="recurring: e.g. 0,1,2,3,4 (Monday is 0)")
    daily_start = Varchar(length=5, default="", help_text="recurring: HH:MM")
    daily_end = Varchar(length=5, default="", help_text="recurring: HH:MM, inclusive")
    entries = Integer(default=0)
    inside = Boolean(default=False)
    link_hash = Varchar(length=64, unique=True, help_text="sha256 of the pass page's link token")
    created_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)
    revoked_by = ForeignKey(Person, on_delete=OnDelete.set_null, null=True)


class Registration(Table):
    """A visitor registered at the gate without an invitation, and what became of them.

    kind: walk_in, emergency, refused_to_register, prohibited_items.
    state (walk_in): waiting -> approved | refused | unreachable -> escalated -> admitted | turned_away;
    emergency: open -> completed; the two refusals are recorded as they are.
    """

    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False, index=True)
    gate = ForeignKey(Gate, on_delete=OnDelete.restrict, null=True)
    guard = ForeignKey(Person, on_delete=OnDelete.set_null, null=True)
    kind = Varchar(length=24, default="walk_in")
    state = Varchar(length=16, default="waiting")
    name = Varchar(length=80, default="")
    gender = Varchar(length=8, default="")
    id_type = Varchar(length=16, default="")
    # Sealed (app/services/sealed.py): encrypted, masked forms beside them, the phone's keyed hash
    # for finding a returning visitor.
    id_number = Varchar(length=255, default="")
    id_number_masked = Varchar(length=32, default="")
    phone = Varchar(length=255, default="")
    phone_hash = Varchar(length=64, default="")
    phone_masked = Varchar(length=32, default="")
    unit = ForeignKey(Unit, on_delete=OnDelete.restrict, null=True, index=True)
    resident_asked_for = Varchar(length=80, default="")
    purpose = Varchar(length=16, default="")
    party_size = Integer(default=1)
    vehicle_plate = Varchar(length=16, default="")
    items = Text(default="", help_text="carried items worth noting, or the prohibited items")
    relation = Varchar(length=40, default="", help_text="emergency: relation to the household")
    evidence = Text(default="", help_text="unreachable: the evidence the visitor offered")
    watchlist_hit = Boolean(default=False)
    consent_deadline = Timestamptz(null=True, default=None)
    decided_by = ForeignKey(Person, on_delete=OnDelete.set_null, null=True)
    decided_at = Timestamptz(null=True, default=None)
    decision_note = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    device_time = Timestamptz(null=True, default=None)
    completed_at = Timestamptz(null=True, default=None)


class Visit(Table):
    """One entry through a gate, until the exit. From a pass (entry_number is its nth use,
    unique per pass) or from a registration."""

    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False, index=True)
    unit = ForeignKey(Unit, on_delete=OnDelete.restrict, null=True, index=True)
    visitor_pass = ForeignKey(VisitorPass, on_delete=OnDelete.restrict, null=True, index=True)
    registration = ForeignKey(Registration, on_delete=OnDelete.restrict, null=True, index=True)
    entry_number = Integer(default=1)
    guest_name = Varchar(length=80, default="")
    party_size = Integer(default=1)
    vehicle_plate = Varchar(length=16, default="")
    purpose = Varchar(length=16, default="")
    entered_at = Timestamptz(default=TimestamptzNow())
    entry_gate = ForeignKey(Gate, on_delete=OnDelete.restrict, null=True)
    admitted_by = ForeignKey(Person, on_delete=OnDelete.set_null, null=True)
    expected_until = Timestamptz(null=True, default=None, help_text="overdue after this")
    exited_at = Timestamptz(null=True, default=None)
    exit_gate = ForeignKey(Gate, on_delete=OnDelete.restrict, null=True)
    exited_by = ForeignKey(Person, on_delete=OnDelete.set_null, null=True)
    exit_note = Text(default="", help_text="lost pass: what happened")
    replacement_fee = Varchar(length=16, default="")
    device_time = Timestamptz(null=True, default=None)
    conflict = Varchar(length=32, default="", help_text="admitted with no signal against the server's verdict: "
                       "kept, and reviewed (app/domain/conflicts.py)")


class GateRefusal(Table):
    """A pass the gate turned away when it was scanned: revoked, before or after its dates or
    hours, used up, or its guest on the watchlist (``domain/passes.REFUSING``). What the
    statistics count as the gate's refusals, beside the walk-ins refused. The same pass refused
    for the same reason again within minutes (the camera reading it twice, the guard checking
    once more) is the same refusal."""

    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False)
    visitor_pass = ForeignKey(VisitorPass, on_delete=OnDelete.set_null, null=True)
    gate = ForeignKey(Gate, on_delete=OnDelete.set_null, null=True)
    reason = Varchar(length=16, help_text="the verdict: revoked, expired, not_yet_valid, outside_hours, used_up, watchlist")
    refused_at = Timestamptz(default=TimestamptzNow())
    guard = ForeignKey(Person, on_delete=OnDelete.set_null, null=True)


class EscortTask(Table):
    """A patrol guard accompanies a visitor (manager's admission) or goes to a unit (emergency).
    state: open -> acknowledged -> done."""

    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False, index=True)
    registration = ForeignKey(Registration, on_delete=OnDelete.restrict, null=False, index=True)
    unit = ForeignKey(Unit, on_delete=OnDelete.restrict, null=True)
    kind = Varchar(length=16, default="escort", help_text="escort or emergency")
    state = Varchar(length=16, default="open")
    created_at = Timestamptz(default=TimestamptzNow())
    acknowledged_by = ForeignKey(Person, on_delete=OnDelete.set_null, null=True)
    acknowledged_at = Timestamptz(null=True, default=None)
    completed_by = ForeignKey(Person, on_delete=OnDelete.set_null, null=True)
    completed_at = Timestamptz(null=True, default=None)
    note = Text(default="")


class WatchlistEntry(Table):
    """A barred person, matched by ID number, phone or name, until a date (or for good).
    ID numbers and phones are kept in normal form, sealed (app/services/sealed.py), with their keyed
    hashes for matching and masked forms beside them; the name as typed, and in normal form
    (``name_key``) for matching."""

    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False, index=True)
    name = Varchar(length=80, default="")
    name_key = Varchar(length=80, default="")
    id_number = Varchar(length=255, default="")
    id_number_hash = Varchar(length=64, default="")
    id_number_masked = Varchar(length=32, default="")
    phone = Varchar(length=255, default="")
    phone_hash = Varchar(length=64, default="")
    phone_masked = Varchar(length=32, default="")
    reason = Text(default="")
    until = Timestamptz(null=True, default=None)
    added_by = ForeignKey(Person, on_delete=OnDelete.set_null, null=True)
    created_at = Timestamptz(default=TimestamptzNow())
    removed_at = Timestamptz(null=True, default=None)
    removed_by = ForeignKey(Person, on_delete=OnDelete.set_null, null=True)


class GuardAction(Table):
    """The first result of a guard's action, kept per (person, idempotency key), with a
    fingerprint of the request it answered (the same key for another request is refused) and
    what the phone said of its time (``app/domain/device_time.py``)."""

    id = UUID(primary_key=True)
    person = ForeignKey(Person, on_delete=OnDelete.cascade, null=False)
    key = Varchar(length=64)
    action = Varchar(length=32)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=True)
    result = JSON(default="{}")
    fingerprint = Varchar(length=64, default="", help_text="digest of the request the key was first sent with")
    device_time = Timestamptz(null=True, default=None)
    clock_offset = Integer(null=True, default=None, help_text="seconds the phone's clock was ahead of the server's")
    offline = Varchar(length=24, default="", help_text="the verdict the phone showed with no signal, if any")
    created_at = Timestamptz(default=TimestamptzNow(), help_text="when it arrived")
