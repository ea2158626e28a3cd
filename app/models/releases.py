"""Goods release (物品放行): slips with their items, the estate's release rules and working-day
calendar, and standing goods permits. States and rules live in ``app/domain/releases.py``."""

from piccolo.columns import UUID, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.models.estates import Estate, Gate, Unit
from app.models.people import Person
from app.models.uploads import Upload


class ReleaseSlip(Table):
    """One slip: who takes what out of which unit, when, and how far it got.

    state: draft -> awaiting_consent -> desk_review -> supervisor_review -> approved -> released,
    with returned, held, refused, cancelled and expired beside them (``domain.releases``)."""

    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False, index=True)
    unit = ForeignKey(Unit, on_delete=OnDelete.restrict, null=False, index=True)
    state = Varchar(length=20, default="draft")
    requester = ForeignKey(Person, on_delete=OnDelete.set_null, null=True, index=True)
    requester_name = Varchar(length=80, default="")
    requester_relation = Varchar(length=12, default="", help_text="owner, tenant, family or contractor")
    company = Varchar(length=120, default="", help_text="contractor: the company")
    company_proof = ForeignKey(Upload, on_delete=OnDelete.set_null, null=True)
    created_by = ForeignKey(Person, on_delete=OnDelete.set_null, null=True)
    started_at_desk = Boolean(default=False)
    reason = Varchar(length=16, default="", help_text="moving_out, renovation, repair, sale, other")
    carrier_name = Varchar(length=80, default="")
    carrier_id_type = Varchar(length=16, default="")
    # Sealed (app/services/sealed.py): encrypted, with their masked forms beside them.
    carrier_id_number = Varchar(length=255, default="")
    carrier_id_number_masked = Varchar(length=32, default="")
    carrier_phone = Varchar(length=255, default="")
    carrier_phone_masked = Varchar(length=32, default="")
    vehicle_plate = Varchar(length=16, default="")
    window_starts_at = Timestamptz(null=True, default=None)
    window_ends_at = Timestamptz(null=True, default=None, help_text="inclusive; the slip expires after it")
    notes = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    submitted_at = Timestamptz(null=True, default=None)
    consent_by = ForeignKey(Person, on_delete=OnDelete.set_null, null=True)
    consent_at = Timestamptz(null=True, default=None)
    # The front desk's check: what was seen of the requester, the unit's fees, the items.
    desk_by = ForeignKey(Person, on_delete=OnDelete.set_null, null=True)
    desk_at = Timestamptz(null=True, default=None)
    identity_seen = Varchar(length=16, default="", help_text="resident_id, passport, company_letter, account, other")
    identity_note = Varchar(length=200, default="")
    fees_seen = Varchar(length=16, default="", help_text="the unit's fee status when the desk approved")
    fee_receipt = Varchar(length=40, default="")
    items_confirmed = Boolean(default=False)
    approved_by = ForeignKey(Person, on_delete=OnDelete.set_null, null=True)
    approved_at = Timestamptz(null=True, default=None)
    decision_note = Text(default="", help_text="why it was refused or sent back")
    released_at = Timestamptz(null=True, default=None)
    released_by = ForeignKey(Person, on_delete=OnDelete.set_null, null=True)
    release_gate = ForeignKey(Gate, on_delete=OnDelete.restrict, null=True)
    hold_note = Text(default="")
    device_time = Timestamptz(null=True, default=None, help_text="the guard's phone time of the release or hold")
    closed_at = Timestamptz(null=True, default=None, help_text="released, refused, cancelled or expired")


class ReleaseItem(Table):
    id = UUID(primary_key=True)
    slip = ForeignKey(ReleaseSlip, on_delete=OnDelete.cascade, null=False, index=True)
    position = Integer(default=0)
    name = Varchar(length=80)
    quantity = Integer(default=1)
    large = Boolean(default=False)
    photo = ForeignKey(Upload, on_delete=OnDelete.set_null, null=True)


class ReleaseRules(Table):
    """An estate's goods-release rules; an estate without a row has the defaults."""

    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False, unique=True)
    consent_required = Boolean(default=True, help_text="tenant and contractor slips need the owner's consent")
    arrears_block = Boolean(default=True, help_text="a unit in arrears cannot have a slip approved")
    move_out_notice_days = Integer(default=3, help_text="working days")
    large_items_from = Varchar(length=5, default="08:00")
    large_items_until = Varchar(length=5, default="20:00")
    large_items_working_days = Boolean(default=True)


class CalendarDay(Table):
    """A day the estate's calendar marks: a holiday, or a weekend day worked (调休)."""

    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False, index=True)
    day = Varchar(length=10, help_text="YYYY-MM-DD")
    working = Boolean(default=False, help_text="false: a holiday; true: a weekend day that is worked")
    name = Varchar(length=80, default="")


class GoodsPermit(Table):
    """A standing goods permit (常住物品放行证): small regular goods pass without a slip for a year.
    state: pending -> approved | refused; an approved one is valid until ``valid_until``."""

    id = UUID(primary_key=True)
    estate = ForeignKey(Estate, on_delete=OnDelete.restrict, null=False, index=True)
    unit = ForeignKey(Unit, on_delete=OnDelete.restrict, null=False, index=True)
    holder = ForeignKey(Person, on_delete=OnDelete.set_null, null=True, index=True)
    holder_name = Varchar(length=80, default="")
    goods = Varchar(length=200, default="", help_text="what it covers, e.g. a tool bag for work")
    state = Varchar(length=12, default="pending")
    created_at = Timestamptz(default=TimestamptzNow())
    renews = UUID(null=True, default=None, help_text="the permit this one renews")
    decided_by = ForeignKey(Person, on_delete=OnDelete.set_null, null=True)
    decided_at = Timestamptz(null=True, default=None)
    decision_note = Varchar(length=200, default="")
    valid_from = Timestamptz(null=True, default=None)
    valid_until = Timestamptz(null=True, default=None)
