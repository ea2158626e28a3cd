"""Patrol rounds (巡逻): checkpoints with their printed tags and checklists, routes with their
schedules, the rounds guards walk and each checkpoint's check-in. Rules (when a round is due,
late or missed) live in ``app/domain/patrol.py``."""

from piccolo.columns import UUID, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.models.estates import Estate
from app.models.people import Person


class Checkpoint(Table):
    """A key spot a guard checks on a round, with a QR tag fixed there (its code is signed with
    the estate's key: ``tokens.Kind.CHECKPOINT`` and this row's id)."""

    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False, index=True)
    name = Varchar(length=80)
    place = Varchar(length=120, default="", help_text="where to find it, e.g. building 5, basement level 1")
    kind = Varchar(length=20, default="other", help_text="domain.patrol.CheckpointKind")
    checklist = Text(default="", help_text="yes/no questions, one a line, asked at each check-in")
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class PatrolRoute(Table):
    """An ordered list of checkpoints walked as one round, every ``every_minutes`` within the
    shift hours (equal hours: around the clock), in the estate's time zone."""

    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False, index=True)
    name = Varchar(length=80)
    ordered = Boolean(default=False, help_text="the checkpoints must be scanned in their order")
    every_minutes = Integer(default=60)
    shift_from = Varchar(length=5, default="00:00", help_text="HH:MM local; equal to shift_until: all day")
    shift_until = Varchar(length=5, default="00:00", help_text="HH:MM local; before shift_from: ends the next day")
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class RouteStop(Table):
    """One checkpoint of a route, at its place in the order."""

    id = UUID(primary_key=True)
    route = ForeignKey(PatrolRoute, on_delete=OnDelete.cascade, null=False, index=True)
    checkpoint = ForeignKey(Checkpoint, on_delete=OnDelete.restrict, null=False, index=True)
    position = Integer(default=0)


class PatrolRound(Table):
    """One walk of a route by a guard, for one of its scheduled times.

    state: in_progress -> done. ``slot_at`` is the scheduled start it answers (UTC);
    on time, late and missed are computed from it and ``started_at`` (``domain.patrol``)."""

    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False, index=True)
    route = ForeignKey(PatrolRoute, on_delete=OnDelete.restrict, null=False, index=True)
    guard = ForeignKey(Person, on_delete=OnDelete.set_null, null=True, index=True)
    slot_at = Timestamptz(help_text="the scheduled start this round answers")
    state = Varchar(length=12, default="in_progress")
    started_at = Timestamptz(help_text="when the guard started it (the phone's time, when believed)")
    finished_at = Timestamptz(null=True, default=None)
    checkpoints = Integer(default=0, help_text="how many checkpoints the route had when it started")
    created_at = Timestamptz(default=TimestamptzNow())


class CheckIn(Table):
    """A checkpoint scanned on a round, with the checklist's answers. One per round and
    checkpoint (a unique index): a repeated scan is told, not stored."""

    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False, index=True)
    round = ForeignKey(PatrolRound, on_delete=OnDelete.cascade, null=False, index=True)
    checkpoint = ForeignKey(Checkpoint, on_delete=OnDelete.restrict, null=False, index=True)
    guard = ForeignKey(Person, on_delete=OnDelete.set_null, null=True)
    device_time = Timestamptz(null=True, default=None, help_text="the phone's time of the scan, as sent")
    checked_at = Timestamptz(help_text="the time counted: the scan's, or the arrival's when the phone's is implausible")
    received_at = Timestamptz(default=TimestamptzNow())
    time_flagged = Boolean(default=False, help_text="the phone's time was implausible against the arrival")
    answers = Text(default="", help_text="one answer a line, yes or no, in the checklist's order")
    questions = Text(default="", help_text="the checklist as it was asked")
    problems = Integer(default=0, help_text="how many answers were no")
    note = Text(default="")


class PatrolAlert(Table):
    """A round not started in time, told to the supervisors once (unique per route and slot)."""

    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False, index=True)
    route = ForeignKey(PatrolRoute, on_delete=OnDelete.cascade, null=False, index=True)
    slot_at = Timestamptz()
    created_at = Timestamptz(default=TimestamptzNow())
