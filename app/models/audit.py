"""The audit log: every sensitive action, who did it, to what, when."""

from piccolo.columns import JSON, UUID, ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.models.estates import Estate
from app.models.people import Person


class AuditEvent(Table):
    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=True, index=True)
    actor = ForeignKey(Person, on_delete=OnDelete.set_null, null=True)
    action = Varchar(length=60, help_text="e.g. person.role_granted, enrolment.issued")
    subject = Varchar(length=80, default="", help_text="id of what was acted on")
    data = JSON(default="{}")
    at = Timestamptz(default=TimestamptzNow())
