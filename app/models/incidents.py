"""Incidents (治安事件): a guard's report with its photos, and its timeline (reported, dispatched,
acknowledged, notes, resolved). Kinds, severities and states live in ``app/domain/incidents.py``."""

from piccolo.columns import UUID, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.models.estates import Estate, Unit
from app.models.people import Person
from app.models.uploads import Upload


class Incident(Table):
    """One incident: what, how serious, where, who was there, who was called, and how far it got.

    state: open -> acknowledged -> resolved (``domain.incidents``)."""

    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False, index=True)
    kind = Varchar(length=24, help_text="theft, fight, suspicious, fire, medical, noise, ...")
    severity = Varchar(length=12, default="medium", help_text="low, medium, high or urgent")
    state = Varchar(length=16, default="open", index=True)
    unit = ForeignKey(Unit, on_delete=OnDelete.restrict, null=True, index=True)
    place = Varchar(length=120, default="", help_text="free text: where, when not a unit")
    checkpoint = UUID(null=True, default=None,
                      help_text="the patrol checkpoint where it was found (no foreign key: patrol tables come later)")
    description = Text(default="")
    people = Text(default="", help_text="people involved, as the guard wrote them")
    calls = Varchar(length=16, default="", help_text="numbers called, comma-separated: 110, 119, 120")
    urgent = Boolean(default=False)
    noise_breach = Boolean(default=False, help_text="noise in the quiet hours (20:00-08:00, estate time)")
    reported_by = ForeignKey(Person, on_delete=OnDelete.set_null, null=True, index=True)
    happened_at = Timestamptz(help_text="when the guard reported it, from the phone's clock (corrected)")
    created_at = Timestamptz(default=TimestamptzNow(), help_text="when it reached the server")
    dispatched_to = ForeignKey(Person, on_delete=OnDelete.set_null, null=True, index=True)
    dispatched_at = Timestamptz(null=True, default=None)
    acknowledged_by = ForeignKey(Person, on_delete=OnDelete.set_null, null=True)
    acknowledged_at = Timestamptz(null=True, default=None)
    resolved_by = ForeignKey(Person, on_delete=OnDelete.set_null, null=True)
    resolved_at = Timestamptz(null=True, default=None)
    outcome = Text(default="")


class IncidentPhoto(Table):
    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False, index=True)
    incident = ForeignKey(Incident, on_delete=OnDelete.cascade, null=False, index=True)
    upload = ForeignKey(Upload, on_delete=OnDelete.restrict, null=False)
    position = Integer(default=0)


class IncidentEntry(Table):
    """One line of an incident's timeline."""

    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False, index=True)
    incident = ForeignKey(Incident, on_delete=OnDelete.cascade, null=False, index=True)
    person = ForeignKey(Person, on_delete=OnDelete.set_null, null=True)
    kind = Varchar(length=16, help_text="reported, dispatched, acknowledged, note or resolved")
    note = Text(default="")
    at = Timestamptz(default=TimestamptzNow())
