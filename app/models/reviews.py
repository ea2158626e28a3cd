"""Guard actions a supervisor should look at: conflicts found when an action taken with no signal
reached the server, and actions the server refused when a phone sent them later."""

from piccolo.columns import JSON, UUID, ForeignKey, Timestamptz, Text, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.models.estates import Estate
from app.models.people import Person


class ReviewItem(Table):
    """One action to review, kept until a supervisor marks it reviewed. Unique per (person, key,
    kind): a phone sending the same action again adds nothing."""

    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False, index=True)
    person = ForeignKey(Person, on_delete=OnDelete.set_null, null=True, help_text="the guard who acted")
    key = Varchar(length=64, help_text="the action's idempotency key")
    action = Varchar(length=32, help_text="admit, exit, walkin, ...")
    kind = Varchar(length=32, help_text="a conflict (double_admission, ...) or refused")
    subject = Varchar(length=80, default="", help_text="id of the visit, pass or record concerned")
    detail = JSON(default="{}", help_text="what the guard saw and what the server found")
    device_time = Timestamptz(null=True, default=None, help_text="when it happened, on the phone's clock")
    happened_at = Timestamptz(null=True, default=None, help_text="when it happened, on the server's clock")
    arrived_at = Timestamptz(default=TimestamptzNow())
    resolved_at = Timestamptz(null=True, default=None)
    resolved_by = ForeignKey(Person, on_delete=OnDelete.set_null, null=True)
    resolution_note = Text(default="")
