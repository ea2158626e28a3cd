"""Notifications: one row per recipient (the in-app list and the push outbox at once), the
browsers that receive push, and server keys such as VAPID's."""

from piccolo.columns import JSON, UUID, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.models.estates import Estate
from app.models.people import Person


class Notification(Table):
    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=True, index=True)
    person = ForeignKey(Person, on_delete=OnDelete.cascade, null=False, index=True)
    kind = Varchar(length=32)
    params = JSON(default="{}", help_text="what the message is made of: names, unit, gate; never ID numbers or phones")
    url = Varchar(length=300, default="", help_text="the page it opens")
    subject = Varchar(length=64, default="", help_text="id of the record it is about, e.g. a registration")
    created_at = Timestamptz(default=TimestamptzNow())
    read_at = Timestamptz(null=True, default=None)
    push_state = Varchar(length=12, default="pending", help_text="pending, sent, none, failed")
    push_attempts = Integer(default=0)
    push_next_at = Timestamptz(null=True, default=None)


class PushSubscription(Table):
    """One browser's Web Push subscription, with the kinds its person wants there."""

    id = UUID(primary_key=True)
    person = ForeignKey(Person, on_delete=OnDelete.cascade, null=False, index=True)
    endpoint = Varchar(length=1000, unique=True)
    p256dh = Varchar(length=200)
    auth = Varchar(length=64)
    kinds = Text(default="", help_text="comma-separated kinds; empty means every kind")
    device = Varchar(length=60, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    last_sent_at = Timestamptz(null=True, default=None)


class ServerKey(Table):
    """Keys the server makes on first start and keeps, e.g. the VAPID key pair."""

    id = UUID(primary_key=True)
    name = Varchar(length=32, unique=True)
    value = Text()
    created_at = Timestamptz(default=TimestamptzNow())
