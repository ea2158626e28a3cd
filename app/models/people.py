"""People, the roles they hold per estate, and the households they belong to."""

from piccolo.columns import UUID, Boolean, ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.models.estates import Estate, Unit


class Person(Table):
    id = UUID(primary_key=True)
    name = Varchar(length=80)
    # Sealed (app/services/sealed.py): encrypted; its keyed hash (found by phone) and masked form.
    phone = Varchar(length=255, default="")
    phone_hash = Varchar(length=64, default="")
    phone_masked = Varchar(length=32, default="")
    locale = Varchar(length=16, default="", help_text="Chosen language; empty means the browser's")
    user_handle = Varchar(length=64, unique=True, help_text="WebAuthn user handle (random, hex)")
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class RoleGrant(Table):
    """One role of one person in one estate (unique per person, estate and role)."""

    id = UUID(primary_key=True)
    person = ForeignKey(Person, on_delete=OnDelete.cascade, null=False, index=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False, index=True)
    role = Varchar(length=16)


class HouseholdMember(Table):
    """A person's membership of a unit's household (unique per person and unit)."""

    id = UUID(primary_key=True)
    person = ForeignKey(Person, on_delete=OnDelete.cascade, null=False, index=True)
    unit = ForeignKey(Unit, on_delete=OnDelete.restrict, null=False, index=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False, index=True)
    relation = Varchar(length=8, help_text="owner, tenant or family")
