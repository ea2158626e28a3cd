"""Estates and their places: buildings, units, gates, lobby desks."""

from piccolo.columns import UUID, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Estate(Table):
    id = UUID(primary_key=True)
    name = Varchar(length=120)
    slug = Varchar(length=60, unique=True, help_text="Short name used in addresses, e.g. harbour-view")
    timezone = Varchar(length=64, default="Asia/Shanghai")
    visitor_rules = Text(default="")
    consent_timeout_seconds = Integer(default=180, help_text="How long a guard waits for a household's answer")
    offline_max_age_hours = Integer(default=12, help_text="How old a guard phone's list of passes may be for offline verdicts")
    retention_years = Integer(default=3, help_text="How many years visitor records, slips, incidents and logs are kept")
    retention_ran_at = Timestamptz(null=True, default=None, help_text="when the nightly retention run last began")
    created_at = Timestamptz(default=TimestamptzNow())


class Building(Table):
    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False, index=True)
    code = Varchar(length=8, help_text="As written in unit labels: the 5 of 5-2-1301")
    name = Varchar(length=120, default="")


class Unit(Table):
    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False, index=True)
    building = ForeignKey(Building, on_delete=OnDelete.restrict, null=False, index=True)
    label = Varchar(length=24, help_text="building-entrance-room, e.g. 5-2-1301")
    fee_status = Varchar(length=16, default="paid", help_text="paid or arrears")
    fee_note = Text(default="")


class Gate(Table):
    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False, index=True)
    name = Varchar(length=80)


class LobbyDesk(Table):
    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False, index=True)
    name = Varchar(length=80)


class EstateKey(Table):
    """The estate's Ed25519 key that signs its QR codes (passes, slips, checkpoints)."""

    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False, unique=True)
    private_key = Text(help_text="raw Ed25519 private key, hex")
    public_key = Varchar(length=64, help_text="raw Ed25519 public key, hex")
    created_at = Timestamptz(default=TimestamptzNow())
