"""Invitations: a resident's passes for their guests, the public pass page, and the household's
visitor history.

Any member of a household (owner, tenant, family) sees and revokes that household's passes;
another household's pass is simply not found. The pass page's link carries a token derived
from the server's secret and the pass id (HMAC), so the resident can share it again later and
only its SHA-256 is stored: a copy of the database does not give out working links.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from app.db import write_transaction
from app.domain import inputs
from app.domain import invitations as rules
from app.domain.live import Topic
from app.domain.passes import facts_from_record
from app.domain.tokens import Kind
from app.domain.watchlist import norm_name
from app.i18n import N_
from app.models.estates import Estate, Unit
from app.models.visitors import Visit, VisitorPass
from app.services import audit, codes, live, ratelimit, sealed
from app.services.clock import utcnow
from app.services.errors import Invalid, NotFound
from app.services.scope import Scope
from app.settings import get_settings

PAST_LIMIT = 30
HISTORY_LIMIT = 50
HISTORY_YEARS = 10  # how far back the household history's filter reaches

MESSAGES = {
    "no_household": N_("You are not listed in a household yet, so you cannot invite guests. Ask the front desk."),
    "unit_required": N_("Choose the unit the guest is visiting."),
    "name_required": N_("Enter the guest's name."),
    "name_too_long": N_("Keep the name under 80 characters."),
    "phone_invalid": N_("Enter a phone number of digits only (you may start with +), or leave it empty."),
    "purpose_invalid": N_("Choose the purpose of the visit."),
    "party_invalid": N_("Enter how many people come, from 1 to 20."),
    "plate_invalid": N_("Enter the plate as on the car (letters and digits), or leave it empty."),
    "entry_invalid": N_("Choose single or multiple entry."),
    "schedule_invalid": N_("Choose one visit or a recurring pass."),
    "date_invalid": N_("Enter a date."),
    "time_invalid": N_("Enter a time as hours and minutes, e.g. 18:00."),
    "time_skipped": N_("That time does not exist on that day (the clocks change). Choose another."),
    "end_before_start": N_("The end must come after the start."),
    "window_past": N_("That time has already passed. Choose a later end."),
    "window_too_long": N_("A one-off pass lasts at most 31 days. For regular visits, make a recurring pass."),
    "too_far_ahead": N_("Invite guests at most a year ahead."),
    "weekdays_required": N_("Choose at least one day of the week."),
    "no_day_in_range": N_("None of the chosen days falls between the first and last day."),
    "recurrence_too_long": N_("A recurring pass lasts at most a year. Make a new one when it ends."),
}


# The pass link -----------------------------------------------------------------------------


def link_token(pass_id: UUID) -> str:
    """The pass page's token: 160 bits of HMAC, the same every time for the same pass."""
    digest = hmac.new(get_settings().secret_key.encode(), b"pass:" + pass_id.bytes, hashlib.sha256).digest()
    return base64.b32encode(digest[:20]).decode("ascii").lower()


def link_hash(token: str) -> str:
    return hashlib.sha256(token.strip().lower().encode("ascii", "replace")).hexdigest()


def pass_row(**fields) -> VisitorPass:
    """A visitor pass ready to insert, with what every writer must store alike: its id (made
    here unless given), the hash of its link, and the guest's name and phone in the watchlist's
    normal form, the phone sealed with its keyed hash and masked form (the scan's watchlist check
    reads the name key and the hash)."""
    pass_id = fields.pop("id", None) or uuid4()
    return VisitorPass(
        id=pass_id, link_hash=link_hash(link_token(pass_id)),
        guest_name_key=norm_name(fields.get("guest_name", "")), **sealed.seal(VisitorPass, fields),
    )


def pass_link(pass_id: UUID) -> str:
    """The path of a pass's public page (``/p/<token>``)."""
    return f"/p/{link_token(pass_id)}"


def pass_url(pass_id: UUID) -> str:
    return get_settings().public_url + pass_link(pass_id)


async def qr_token(estate_id: UUID, pass_id: UUID) -> str:
    """What the pass's QR code carries: the estate's signed code, never the link."""
    return await codes.sign(estate_id, Kind.VISITOR_PASS, pass_id)


# Reading passes ----------------------------------------------------------------------------


@dataclass
class PassView:
    id: UUID
    unit_label: str
    guest_name: str
    guest_phone: str
    purpose: str
    party_size: int
    vehicle_plate: str
    max_entries: int | None
    entries: int
    starts_at: datetime
    ends_at: datetime
    weekdays: list[int]
    daily_start: str
    daily_end: str
    status: rules.Status
    revoked_at: datetime | None = None
    revoked_by: str = ""
    host_name: str = ""
    first_day: date | None = None
    last_day: date | None = None
    visits: list[dict] = field(default_factory=list)

    @property
    def recurring(self) -> bool:
        return bool(self.weekdays)

    @property
    def single_day(self) -> bool:
        return self.first_day == self.last_day


PASS_COLUMNS = (
    VisitorPass.id, VisitorPass.unit, VisitorPass.unit.label.as_alias("unit_label"), VisitorPass.guest_name,
    VisitorPass.guest_phone_masked.as_alias("guest_phone"), VisitorPass.purpose, VisitorPass.party_size, VisitorPass.vehicle_plate,
    VisitorPass.max_entries, VisitorPass.entries, VisitorPass.inside, VisitorPass.starts_at, VisitorPass.ends_at,
    VisitorPass.weekdays, VisitorPass.daily_start, VisitorPass.daily_end, VisitorPass.revoked_at,
    VisitorPass.estate,
)


def _view(row: dict, tz: str, now: datetime) -> PassView:
    facts = facts_from_record(row, tz)
    zone = ZoneInfo(tz)
    return PassView(
        id=row["id"], unit_label=row["unit_label"], guest_name=row["guest_name"], guest_phone=row["guest_phone"],
        purpose=row["purpose"], party_size=row["party_size"], vehicle_plate=row["vehicle_plate"],
        max_entries=row["max_entries"], entries=row["entries"] or 0, starts_at=row["starts_at"],
        ends_at=row["ends_at"], weekdays=rules.weekday_list(row["weekdays"]), daily_start=row["daily_start"],
        daily_end=row["daily_end"], status=rules.status(facts, now=now), revoked_at=row["revoked_at"],
        first_day=row["starts_at"].astimezone(zone).date(), last_day=row["ends_at"].astimezone(zone).date(),
    )


async def _household(scope: Scope) -> list[UUID]:
    return sorted(await scope.household_unit_ids(), key=str)


@dataclass
class Listing:
    upcoming: list[PassView]
    active: list[PassView]
    past: list[PassView]
    has_household: bool


async def listing(scope: Scope) -> Listing:
    """The household's passes: upcoming, active now, and the most recent past ones."""
    units = await _household(scope)
    if not units:
        return Listing([], [], [], has_household=False)
    now = utcnow()
    mine = scope.where(VisitorPass) & VisitorPass.unit.is_in(units)
    current = await VisitorPass.select(*PASS_COLUMNS).where(
        mine & (VisitorPass.ends_at >= now) & VisitorPass.revoked_at.is_null()
    ).order_by(VisitorPass.starts_at)
    ended = await VisitorPass.select(*PASS_COLUMNS).where(
        mine & ((VisitorPass.ends_at < now) | VisitorPass.revoked_at.is_not_null())
    ).order_by(VisitorPass.ends_at, ascending=False).limit(PAST_LIMIT)
    tz = scope.estate.timezone
    views = [_view(r, tz, now) for r in current]
    upcoming = [v for v in views if v.status.section == rules.UPCOMING]
    active = sorted((v for v in views if v.status.section == rules.ACTIVE), key=lambda v: v.ends_at)
    past = [v for v in views if v.status.section == rules.PAST] + [_view(r, tz, now) for r in ended]
    return Listing(upcoming, active, past[:PAST_LIMIT], has_household=True)


async def _load(scope: Scope, pass_id: UUID) -> dict:
    """A pass of the viewer's household in this estate, or NotFound."""
    units = await _household(scope)
    if not units:
        raise NotFound()
    row = await VisitorPass.select(*PASS_COLUMNS, VisitorPass.host.name.as_alias("host_name"),
                                   VisitorPass.revoked_by.name.as_alias("revoked_by_name")).where(
        (VisitorPass.id == pass_id) & scope.where(VisitorPass) & VisitorPass.unit.is_in(units)
    ).first()
    if row is None:
        raise NotFound()
    return row


async def detail(scope: Scope, pass_id: UUID) -> PassView:
    """One pass of the household, with its arrivals and exits."""
    row = await _load(scope, pass_id)
    view = _view(row, scope.estate.timezone, utcnow())
    view.host_name = row["host_name"] or ""
    view.revoked_by = row["revoked_by_name"] or ""
    view.visits = await Visit.select(
        Visit.id, Visit.entry_number, Visit.entered_at, Visit.exited_at, Visit.party_size,
        Visit.entry_gate.name.as_alias("entry_gate_name"), Visit.exit_gate.name.as_alias("exit_gate_name"),
    ).where((Visit.visitor_pass == pass_id) & scope.where(Visit)).order_by(Visit.entered_at, ascending=False)
    return view


# Inviting ----------------------------------------------------------------------------------


async def units_of(scope: Scope) -> list[dict]:
    units = await _household(scope)
    if not units:
        return []
    return await Unit.select(Unit.id, Unit.label).where(Unit.id.is_in(units) & scope.where(Unit)).order_by(Unit.label)


async def new_form(scope: Scope) -> dict:
    """What the invite form opens with: the resident's units and the defaults."""
    return {"units": await units_of(scope), "values": rules.defaults(utcnow(), scope.estate.timezone)}


async def create(scope: Scope, form: dict) -> UUID:
    """A new pass from the invite form; Invalid with a message per field when it breaks a rule."""
    units = [str(u) for u in await _household(scope)]
    invite, errors = rules.parse(form, now=utcnow(), tz=scope.estate.timezone, units=units)
    if invite is None:
        raise Invalid({k: MESSAGES[v] for k, v in errors.items()})
    row = pass_row(
        estate=scope.estate_id, unit=UUID(invite.unit), host=scope.person_id, guest_name=invite.guest_name,
        guest_phone=invite.guest_phone, purpose=invite.purpose, party_size=invite.party_size,
        vehicle_plate=invite.vehicle_plate, max_entries=invite.max_entries, starts_at=invite.starts_at,
        ends_at=invite.ends_at, weekdays=invite.weekdays, daily_start=invite.daily_start,
        daily_end=invite.daily_end,
    )
    async with write_transaction():
        await VisitorPass.insert(row)
        live.changed(Topic.LOBBY, estate=scope.estate_id)
        await audit.record("pass.created", actor=scope.person_id, estate=scope.estate_id, subject=row.id,
                           unit=invite.unit, recurring=invite.recurring)
    return row.id


async def revoke(scope: Scope, pass_id: UUID) -> bool:
    """Revoke a pass of the household. Revoking twice changes nothing; returns whether this did."""
    await _load(scope, pass_id)
    async with write_transaction():
        done = await VisitorPass.update(
            {VisitorPass.revoked_at: utcnow(), VisitorPass.revoked_by: scope.person_id}
        ).where(
            (VisitorPass.id == pass_id) & scope.where(VisitorPass) & VisitorPass.revoked_at.is_null()
        ).returning(VisitorPass.id)
        if done:
            live.changed(Topic.LOBBY, estate=scope.estate_id)
            await audit.record("pass.revoked", actor=scope.person_id, estate=scope.estate_id, subject=pass_id)
    return bool(done)


# The public pass page ----------------------------------------------------------------------


@dataclass
class PublicPass:
    """What a guest's link shows: nothing about the host but their unit."""

    found: bool
    revoked: bool = False
    view: PassView | None = None
    estate_name: str = ""
    timezone: str = "Asia/Shanghai"
    visitor_rules: str = ""
    qr_token: str = ""


async def public_pass(token: str, address: str) -> PublicPass:
    """The pass behind a guest's link, opened from ``address`` (slowed after many unknown links)."""
    await ratelimit.before_link_lookup(address)
    row = None
    if token and len(token) <= 64:
        row = await VisitorPass.select(*PASS_COLUMNS).where(VisitorPass.link_hash == link_hash(token)).first()
    if row is None:
        await ratelimit.unknown_link(address)
        return PublicPass(found=False)
    if row["revoked_at"] is not None:
        return PublicPass(found=True, revoked=True)
    estate = await Estate.select(Estate.name, Estate.timezone, Estate.visitor_rules).where(
        Estate.id == row["estate"]).first()
    view = _view(row, estate["timezone"], utcnow())
    return PublicPass(
        found=True, view=view, estate_name=estate["name"], timezone=estate["timezone"],
        visitor_rules=estate["visitor_rules"], qr_token=await qr_token(row["estate"], row["id"]),
    )


# The household's visitor history -----------------------------------------------------------


@dataclass
class History:
    visits: list[dict]
    has_household: bool
    more: bool = False


def _day_start(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz))


async def history(scope: Scope, *, since: str = "", until: str = "") -> History:
    """Every visit to the viewer's units, newest first: by invitation and walk-in alike.

    ``since`` and ``until`` are days (YYYY-MM-DD) in the estate's time zone, both inclusive;
    anything else is ignored. Both are held between ``HISTORY_YEARS`` years back and tomorrow
    (a filter further out finds what the nearest end would find).
    """
    units = await _household(scope)
    if not units:
        return History([], has_household=False)
    tz = scope.estate.timezone
    query = Visit.select(
        Visit.id, Visit.guest_name, Visit.party_size, Visit.purpose, Visit.entered_at, Visit.exited_at,
        Visit.vehicle_plate, Visit.unit.label.as_alias("unit_label"),
        Visit.entry_gate.name.as_alias("entry_gate_name"), Visit.exit_gate.name.as_alias("exit_gate_name"),
        Visit.visitor_pass.as_alias("pass_id"), Visit.visitor_pass.guest_phone_masked.as_alias("pass_phone"),
        Visit.registration.as_alias("registration_id"), Visit.registration.phone_masked.as_alias("registration_phone"),
    ).where(scope.where(Visit) & Visit.unit.is_in(units))
    today = utcnow().astimezone(ZoneInfo(tz)).date()
    earliest, latest = inputs.days_around(today, back=HISTORY_YEARS * 366, ahead=1)
    first = inputs.clamp_day(rules.parse_day(since), earliest, latest)
    last = inputs.clamp_day(rules.parse_day(until), earliest, latest)
    if first is not None:
        query = query.where(Visit.entered_at >= _day_start(first, tz))
    if last is not None:
        query = query.where(Visit.entered_at < _day_start(last + timedelta(days=1), tz))
    rows = await query.order_by(Visit.entered_at, ascending=False).limit(HISTORY_LIMIT + 1)
    for row in rows:
        row["phone"] = row.pop("pass_phone") or row.pop("registration_phone") or ""
        row.pop("registration_phone", None)
        row["source"] = "invitation" if row["pass_id"] else "walk_in"
    return History(rows[:HISTORY_LIMIT], has_household=True, more=len(rows) > HISTORY_LIMIT)
