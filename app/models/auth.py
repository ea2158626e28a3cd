"""Passkeys, enrolment links, sign-in challenges, sessions and rate-limit counters."""

from piccolo.columns import (
    UUID,
    Boolean,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.models.estates import Estate
from app.models.people import Person


class Passkey(Table):
    id = UUID(primary_key=True)
    person = ForeignKey(Person, on_delete=OnDelete.cascade, null=False, index=True)
    credential_id = Varchar(length=1400, unique=True, help_text="base64url")
    public_key = Text(help_text="COSE key, base64url")
    sign_count = Integer(default=0)
    transports = Varchar(length=120, default="")
    name = Varchar(length=60, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class EnrolmentLink(Table):
    """A one-time link that lets a person create a passkey. Only the token's hash is kept."""

    id = UUID(primary_key=True)
    token_hash = Varchar(length=64, unique=True)
    person = ForeignKey(Person, on_delete=OnDelete.cascade, null=False, index=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False)
    issued_by = ForeignKey(Person, on_delete=OnDelete.set_null, null=True)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    revoke_old_passkeys = Boolean(default=False)


class Challenge(Table):
    """A WebAuthn challenge: single use, short-lived, kept on the server."""

    id = UUID(primary_key=True)
    challenge = Varchar(length=128, help_text="base64url")
    purpose = Varchar(length=16, help_text="register or sign_in")
    person = ForeignKey(Person, on_delete=OnDelete.cascade, null=True)
    enrolment = ForeignKey(EnrolmentLink, on_delete=OnDelete.cascade, null=True)
    expires_at = Timestamptz()
    used = Boolean(default=False)


class Session(Table):
    """A signed-in browser. The cookie holds a random token; only its hash is kept."""

    id = UUID(primary_key=True)
    token_hash = Varchar(length=64, unique=True)
    person = ForeignKey(Person, on_delete=OnDelete.cascade, null=False, index=True)
    passkey = ForeignKey(
        Passkey, on_delete=OnDelete.cascade, null=True, index=True,
        help_text="The passkey that started it: revoking the passkey ends the session",
    )
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    last_seen_at = Timestamptz(default=TimestamptzNow())
    user_agent = Varchar(length=200, default="")


class RateCounter(Table):
    """Requests per key (an address or an account) per minute window."""

    id = UUID(primary_key=True)
    key = Varchar(length=200, help_text="what is limited, e.g. sign_in:ip:203.0.113.5")
    window = Integer(help_text="minutes since the epoch")
    hits = Integer(default=0)
