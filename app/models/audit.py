"""The audit log: every sensitive action, who did it, to what, when; chained per estate
(``app.domain.audit_chain``), with each chain's head kept in ``AuditChain``."""

from piccolo.columns import JSON, UUID, BigInt, ForeignKey, Timestamptz, Varchar
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
    seq = BigInt(default=0, help_text="its number in its estate's chain, from 1")
    prev_hash = Varchar(length=64, default="", help_text="hash of the entry before it in the chain")
    entry_hash = Varchar(length=64, default="", help_text="SHA-256 of prev_hash and this entry's fields")


class AuditChain(Table):
    """The head of one estate's chain (``chain`` is the estate's id, or "" for events of no
    estate): its last number and hash. Writers lock this row to append, one at a time."""

    id = UUID(primary_key=True)
    chain = Varchar(length=36, help_text="estate id, or empty for events of no estate")
    last_seq = BigInt(default=0)
    last_hash = Varchar(length=64, default="")
