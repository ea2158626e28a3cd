"""The front desk's and the guards' day (值班記錄, 交接班): shifts at a post, the duty log with its
annotations, and handovers with the items compiled for the next shift. Rules live in
``app/domain/duty.py``; what a handover lists comes from ``app/services/handover_sources.py``."""

from piccolo.columns import UUID, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.models.estates import Estate, Unit
from app.models.people import Person
from app.models.uploads import Upload


class Shift(Table):
    """One person on duty at one post (lobby, gate or patrol), from started_at until the handover
    (ended_at). A person's post is remembered as the post of their last shift."""

    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False, index=True)
    person = ForeignKey(Person, on_delete=OnDelete.restrict, null=False, index=True)
    post = Varchar(length=12, help_text="lobby, gate or patrol")
    started_at = Timestamptz(default=TimestamptzNow())
    ended_at = Timestamptz(null=True, default=None, help_text="when the shift was handed over")


class DutyEntry(Table):
    """A timestamped line of the duty log. Editable by its author until the shift is handed over
    (frozen), and only annotated after that (``DutyNote``)."""

    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False, index=True)
    shift = ForeignKey(Shift, on_delete=OnDelete.restrict, null=False, index=True)
    author = ForeignKey(Person, on_delete=OnDelete.restrict, null=False)
    kind = Varchar(length=16, help_text="visitor, delivery, facility_fault, complaint, emergency, other")
    text = Text(default="")
    quick = Varchar(length=24, default="", help_text="a quick entry's key: the screen shows its text in the reader's language")
    unit = ForeignKey(Unit, on_delete=OnDelete.restrict, null=True)
    photo = ForeignKey(Upload, on_delete=OnDelete.set_null, null=True)
    next_shift = Boolean(default=False, help_text="listed in the handover until a next shift acknowledges it")
    created_at = Timestamptz(default=TimestamptzNow())
    edited_at = Timestamptz(null=True, default=None)
    frozen = Boolean(default=False, help_text="the shift was handed over: no more edits, only notes")
    seen_at = Timestamptz(null=True, default=None, help_text="for the next shift: acknowledged in a handover")


class DutyNote(Table):
    """An annotation of a log entry, kept with its author and time; never edited."""

    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False, index=True)
    entry = ForeignKey(DutyEntry, on_delete=OnDelete.restrict, null=False, index=True)
    author = ForeignKey(Person, on_delete=OnDelete.restrict, null=False)
    text = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())


class Handover(Table):
    """A shift handed over: the outgoing person's note and the items compiled from live state at
    that moment (``HandoverItem``), until the next shift acknowledges them."""

    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False, index=True)
    shift = ForeignKey(Shift, on_delete=OnDelete.restrict, null=False, unique=True)
    post = Varchar(length=12)
    handed_by = ForeignKey(Person, on_delete=OnDelete.restrict, null=False)
    note = Text(default="")
    handed_at = Timestamptz(default=TimestamptzNow(), help_text="the shift change")
    acknowledged_at = Timestamptz(null=True, default=None)
    acknowledged_by = ForeignKey(Person, on_delete=OnDelete.restrict, null=True)
    alerted_at = Timestamptz(null=True, default=None, help_text="supervisors told it was not acknowledged in time")


class HandoverItem(Table):
    """One thing the next shift must know, as its source compiled it (kind, title, detail, href)."""

    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False, index=True)
    handover = ForeignKey(Handover, on_delete=OnDelete.cascade, null=False, index=True)
    position = Integer(default=0)
    kind = Varchar(length=32)
    title = Varchar(length=200, default="")
    detail = Text(default="")
    href = Varchar(length=300, default="")
    ref = Varchar(length=64, default="", help_text="the record it is about, e.g. a log entry's id")
    at = Timestamptz(null=True, default=None, help_text="the moment the item is about, shown in the estate's time")
    acknowledged_at = Timestamptz(null=True, default=None)
    acknowledged_by = ForeignKey(Person, on_delete=OnDelete.restrict, null=True)
