"""The requester's side of goods release: start a slip (a resident on the phone, or the front
desk for a resident at the desk), save it as a draft, submit it, amend one sent back or held at
the gate, cancel it, and see the household's slips.

Saving keeps whatever is there, however incomplete (a draft may be unfinished, never wrong:
too long, a bad phone number, not a photo); submitting checks that everything is said and the
estate's rules on timing are kept. A submission refused for its timing or a missing field
leaves the slip saved, so the form comes back with the reason beside the field and nothing
typed or photographed is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID
from zoneinfo import ZoneInfo

from app.db import write_transaction
from app.domain import releases as rules
from app.domain.notifications import Kind as Note
from app.domain.releases import Draft, State
from app.domain.roles import Role
from app.i18n import N_
from app.models.estates import Unit
from app.models.people import HouseholdMember
from app.models.releases import ReleaseItem, ReleaseSlip
from app.services import audit, notify, sealed, uploads
from app.services import release_records as records
from app.services.clock import utcnow
from app.services.errors import Forbidden, Invalid
from app.services.scope import Scope, as_uuid

MESSAGES = {
    "too_long": N_("This is too long."),
    "choice_invalid": N_("Choose one of the options."),
    "phone_invalid": N_("Enter a phone number of 5 to 20 digits."),
    "plate_invalid": N_("Use letters, digits and the province character only, e.g. 粤B12345."),
    "date_invalid": N_("Enter the date as on the calendar, e.g. 2026-12-10."),
    "time_invalid": N_("Enter a time such as 09:30."),
    "time_skipped": N_("That time does not exist on that day (the clocks change)."),
    "window_backwards": N_("The end must be after the start."),
    "quantity_invalid": N_("Enter a number from 1 to 999."),
    "reason_required": N_("Choose why the goods leave."),
    "relation_required": N_("Say who takes the goods out."),
    "requester_required": N_("Enter the name of the person asking."),
    "company_required": N_("Enter the contractor's company."),
    "proof_required": N_("Add a photo of the company's proof (letter or licence)."),
    "carrier_name_required": N_("Enter the carrier's name."),
    "carrier_id_required": N_("Enter the carrier's ID type and number."),
    "carrier_phone_required": N_("Enter the carrier's phone."),
    "items_required": N_("List at least one item."),
    "too_many_items": N_("At most 30 items on one slip; start a second slip for the rest."),
    "date_required": N_("Choose the day and the time window."),
    "window_over": N_("This time window is already over. Choose a later one."),
    "notice_too_short": N_("Moving out needs %(days)s working days' notice: the earliest day is %(day)s."),
    "large_items_hours": N_("Large items move only between %(start)s and %(end)s."),
    "large_items_day": N_("Large items move only on working days."),
    "unit_required": N_("Choose the unit."),
    "unit_unknown": N_("There is no unit with this label."),
    "member_required": N_("Choose a member of the household, or a contractor."),
}
NOT_AMENDABLE = N_("This slip can no longer be changed.")
NO_HOUSEHOLD = N_("You are not listed in a household of this estate, so you cannot start a slip here.")


@dataclass
class ItemRow:
    name: str = ""
    quantity: str = "1"
    large: bool = False
    photo: bytes | None = None  # a new photo chosen for this row
    keep_photo: str = ""  # the id of the photo it already has
    remove_photo: bool = False


@dataclass
class SlipForm:
    """What the form sent: all text, the item rows in order, and any new photos."""

    text: dict[str, str] = field(default_factory=dict)  # reason, requester_name, company, carrier_*, vehicle_plate, notes
    date: str = ""
    start: str = ""
    end: str = ""
    items: list[ItemRow] = field(default_factory=list)
    contractor: bool = False
    proof: bytes | None = None
    unit: str = ""  # a resident's unit id (with several households); the desk's unit label
    member: str = ""  # the desk: the household member asking (a person id), or "" for a contractor


@dataclass(frozen=True)
class Who:
    """Who a slip is for: the unit, the person asking (if they have an account), in what
    relation, and whether an owner started it (then no owner's consent is asked)."""

    unit_id: UUID
    unit_label: str
    requester: UUID | None
    requester_name: str
    relation: str
    started_by_owner: bool
    at_desk: bool


# Reading ---------------------------------------------------------------------------------


async def my_units(scope: Scope) -> list[dict]:
    """The viewer's units here, each with their relation to it."""
    return await HouseholdMember.select(
        HouseholdMember.unit.as_alias("id"), HouseholdMember.unit.label.as_alias("label"), HouseholdMember.relation,
    ).where((HouseholdMember.person == scope.person_id) & scope.where(HouseholdMember)).order_by(
        HouseholdMember.unit.label)


async def household_list(scope: Scope) -> list[dict]:
    """The viewer's households' slips, newest first."""
    units = list(await scope.household_unit_ids())
    if not units:
        return []
    await records.expire_due(estate_id=scope.estate_id)
    rows = await ReleaseSlip.select(
        ReleaseSlip.id, ReleaseSlip.state, ReleaseSlip.reason, ReleaseSlip.requester_name,
        ReleaseSlip.requester_relation, ReleaseSlip.window_starts_at, ReleaseSlip.window_ends_at,
        ReleaseSlip.created_at, ReleaseSlip.unit.label.as_alias("unit_label"),
    ).where(scope.where(ReleaseSlip) & ReleaseSlip.unit.is_in(units)).order_by(
        ReleaseSlip.created_at, ascending=False).limit(100)
    for slip in rows:
        slip["number"] = records.number(slip["id"])
    return rows


async def form_values(scope: Scope, slip_id: UUID) -> dict:
    """A saved slip as the form shows it (for amending)."""
    slip = await records.visible_row(scope, slip_id)
    return {"slip": records.masked(slip, full=records.is_staff(scope) and scope.has(*records.CHECKERS)),
            "items": await records.items(slip["id"])}


# Saving and submitting -----------------------------------------------------------------------


async def _who(scope: Scope, form: SlipForm, slip: dict | None, at_desk: bool) -> Who:
    if slip is not None:  # an existing slip keeps its unit and requester
        return Who(slip["unit"], slip["unit_label"], slip["requester"], slip["requester_name"],
                   slip["requester_relation"], await _started_by_owner(slip), slip["started_at_desk"])
    if at_desk:
        return await _who_at_desk(scope, form)
    units = await my_units(scope)
    if not units:
        raise Invalid({"__all__": NO_HOUSEHOLD})
    chosen = next((u for u in units if str(u["id"]) == form.unit), units[0] if len(units) == 1 else None)
    if chosen is None:
        raise Invalid({"unit": MESSAGES["unit_required"]})
    relation = "contractor" if form.contractor else chosen["relation"]
    name = form.text.get("requester_name", "").strip() if form.contractor else scope.viewer.name
    return Who(chosen["id"], chosen["label"], scope.person_id, name, relation,
               started_by_owner=chosen["relation"] == "owner", at_desk=False)


async def _who_at_desk(scope: Scope, form: SlipForm) -> Who:
    label = form.unit.strip().upper()
    if not label:
        raise Invalid({"unit": MESSAGES["unit_required"]})
    unit = await Unit.select(Unit.id, Unit.label).where(scope.where(Unit) & (Unit.label == label)).first()
    if unit is None:
        raise Invalid({"unit": MESSAGES["unit_unknown"]})
    if form.contractor:
        return Who(unit["id"], unit["label"], None, form.text.get("requester_name", "").strip(), "contractor",
                   started_by_owner=False, at_desk=True)
    try:
        member_id = as_uuid(form.member)
    except ValueError as exc:
        raise Invalid({"member": MESSAGES["member_required"]}) from exc
    member = await HouseholdMember.select(
        HouseholdMember.relation, HouseholdMember.person.name.as_alias("name"),
    ).where((HouseholdMember.person == member_id) & (HouseholdMember.unit == unit["id"])).first()
    if member is None:
        raise Invalid({"member": MESSAGES["member_required"]})
    return Who(unit["id"], unit["label"], member_id, member["name"], member["relation"],
               started_by_owner=member["relation"] == "owner", at_desk=True)


async def _started_by_owner(slip: dict) -> bool:
    creator = slip["created_by"]
    if creator is None or slip["started_at_desk"]:
        return slip["requester"] is not None and await records.relation_of(slip["requester"], slip["unit"]) == "owner"
    return await records.relation_of(creator, slip["unit"]) == "owner"


def _hard_problems(form: SlipForm, tz: str):
    values, problems = rules.clean_text(form.text)
    items, item_problems = rules.clean_items((r.name, r.quantity, r.large) for r in form.items)
    starts, ends, window_problems = rules.window(form.date, form.start, form.end, tz)
    errors = {k: MESSAGES[v] for k, v in {**problems, **window_problems}.items()}
    errors.update({f"item-{i}-quantity" if code == "quantity_invalid" else f"item-{i}-name": MESSAGES[code]
                   for i, code in item_problems.items()})
    return values, items, starts, ends, errors


async def save(scope: Scope, form: SlipForm, *, slip_id: UUID | None = None, submit: bool = False,
               at_desk: bool = False) -> dict:
    """Create or update a slip, and submit it if asked. Returns {"slip_id", "state",
    "submitted", "problems"}: problems (field -> message, values) say why a submission was
    refused; the slip is saved all the same. Raises Invalid, saving nothing, for what a draft
    may not keep."""
    tz = scope.estate.timezone
    slip = await records.visible_row(scope, slip_id) if slip_id is not None else None
    if slip is not None:
        if State(slip["state"]) not in rules.AMENDABLE:
            raise Invalid({"__all__": NOT_AMENDABLE})
        if not scope.has(Role.FRONT_DESK) and slip["unit"] not in await scope.household_unit_ids():
            raise Forbidden()
    values, items, starts, ends, errors = _hard_problems(form, tz)
    who = await _who(scope, form, slip, at_desk)
    if errors:
        raise Invalid(errors)
    photos = await _photos(scope, form, slip)
    proof = slip["company_proof"] if slip is not None else None
    if form.proof:
        proof = await uploads.store(scope.estate_id, scope.person_id, form.proof, "company_proof", field="company_proof")
    requester_name = values["requester_name"] if who.relation == "contractor" else who.requester_name
    columns = {
        ReleaseSlip.reason: values["reason"], ReleaseSlip.requester_name: requester_name,
        ReleaseSlip.requester_relation: who.relation,
        ReleaseSlip.company: values["company"] if who.relation == "contractor" else "",
        ReleaseSlip.company_proof: proof if who.relation == "contractor" else None,
        ReleaseSlip.carrier_name: values["carrier_name"], ReleaseSlip.carrier_id_type: values["carrier_id_type"],
        **sealed.seal_update(ReleaseSlip, {"carrier_id_number": values["carrier_id_number"],
                                           "carrier_phone": values["carrier_phone"]}),
        ReleaseSlip.vehicle_plate: values["vehicle_plate"], ReleaseSlip.window_starts_at: starts,
        ReleaseSlip.window_ends_at: ends, ReleaseSlip.notes: values["notes"],
    }
    async with write_transaction():
        if slip is None:
            made = ReleaseSlip(estate=scope.estate_id, unit=who.unit_id, requester=who.requester,
                               created_by=scope.person_id, started_at_desk=who.at_desk, state=State.DRAFT.value)
            for column, value in columns.items():
                setattr(made, column._meta.name, value)
            await made.save()
            sid, state = made.id, State.DRAFT
            await audit.record("slip.created", actor=scope.person_id, estate=scope.estate_id, subject=sid,
                               unit=who.unit_label, at_desk=who.at_desk)
        else:
            sid, state = slip["id"], State(slip["state"])
            moved = await ReleaseSlip.update(columns).where(
                (ReleaseSlip.id == sid) & (ReleaseSlip.state == state.value)
            ).returning(ReleaseSlip.id)
            if not moved:
                raise Invalid({"__all__": NOT_AMENDABLE})
            await audit.record("slip.edited", actor=scope.person_id, estate=scope.estate_id, subject=sid)
        await ReleaseItem.delete().where(ReleaseItem.slip == sid)
        records.changed(scope.estate_id)
        if items:
            await ReleaseItem.insert(*[
                ReleaseItem(slip=sid, position=i, name=item.name, quantity=item.quantity, large=item.large,
                            photo=photos.get(i)) for i, item in enumerate(items)
            ])
    result = {"slip_id": str(sid), "state": state.value, "submitted": False, "problems": {}}
    if not submit:
        return result
    draft = Draft(reason=values["reason"], relation=who.relation, requester_name=requester_name,
                  company=values["company"], has_proof=proof is not None, carrier_name=values["carrier_name"],
                  carrier_id_type=values["carrier_id_type"], carrier_id_number=values["carrier_id_number"],
                  carrier_phone=values["carrier_phone"], starts_at=starts, ends_at=ends, notes=values["notes"],
                  items=items)
    return {**result, **(await _submit(scope, sid, state, draft, who))}


async def _photos(scope: Scope, form: SlipForm, slip: dict | None) -> dict[int, UUID]:
    """Each kept item row's photo: a new one stored now, the one it had, or none. Only photos
    of this slip's own items may be kept (a row cannot borrow another slip's photo)."""
    had = {str(i["photo"]) for i in await records.items(slip["id"]) if i["photo"]} if slip else set()
    photos: dict[int, UUID] = {}
    position = 0
    for index, row in enumerate(form.items):
        if not row.name.strip():
            continue
        if row.photo:
            photos[position] = await uploads.store(scope.estate_id, scope.person_id, row.photo, "item_photo",
                                                   field=f"item-{index}-photo")
        elif row.keep_photo in had and not row.remove_photo:
            photos[position] = as_uuid(row.keep_photo)
        position += 1
    return photos


async def _submit(scope: Scope, slip_id: UUID, state: State, draft: Draft, who: Who) -> dict:
    estate_rules = await records.rules_of(scope.estate_id)
    calendar = await records.calendar_of(scope.estate_id)
    now = utcnow()
    found = rules.submission_problems(draft, estate_rules, calendar, now=now, tz=scope.estate.timezone)
    if found:
        return {"problems": {k: _sentence(v, estate_rules, calendar, now, scope.estate.timezone)
                             for k, v in found.items()}}
    needs = state is State.DRAFT and rules.needs_consent(estate_rules, who.relation, who.started_by_owner)
    target = State.AWAITING_CONSENT if needs else State.DESK_REVIEW
    async with write_transaction():
        moved = await ReleaseSlip.update({ReleaseSlip.state: target.value, ReleaseSlip.submitted_at: now}).where(
            (ReleaseSlip.id == slip_id) & (ReleaseSlip.state == state.value)
        ).returning(ReleaseSlip.id)
        if not moved:
            raise Invalid({"__all__": NOT_AMENDABLE})
        records.changed(scope.estate_id)
        slip = await records.row(scope, slip_id)
        params = await records.params(scope, slip)
        if target is State.AWAITING_CONSENT:
            await notify.queue(scope.estate_id, await records.owners(who.unit_id), Note.SLIP_CONSENT_REQUEST,
                               params=params, url=records.url(scope, slip_id), subject=slip_id)
        elif not who.at_desk:  # one started at the desk is in front of the desk already
            await notify.queue(scope.estate_id, await notify.holders(scope.estate_id, Role.FRONT_DESK),
                               Note.SLIP_DESK_REVIEW, params=params, url=records.url(scope, slip_id, "check"),
                               subject=slip_id)
        await audit.record("slip.amended" if state is not State.DRAFT else "slip.submitted", actor=scope.person_id,
                           estate=scope.estate_id, subject=slip_id, state=target.value)
    return {"state": target.value, "submitted": True}


def _sentence(code: str, estate_rules: rules.Rules, calendar, now, tz: str) -> tuple[str, dict]:
    """A submission problem's message and the values it needs (the earliest day, the hours)."""
    if code == "notice_too_short":
        earliest = rules.earliest_move_out(now.astimezone(ZoneInfo(tz)).date(), estate_rules, calendar)
        return MESSAGES[code], {"days": str(estate_rules.move_out_notice_days), "day": earliest.isoformat()}
    if code == "large_items_hours":
        return MESSAGES[code], {"start": estate_rules.large_items_from.strftime("%H:%M"),
                                "end": estate_rules.large_items_until.strftime("%H:%M")}
    return MESSAGES[code], {}


# Cancelling ----------------------------------------------------------------------------------

CANCELLED_ALREADY = N_("This slip had already moved on; nothing was changed.")


async def cancel(scope: Scope, slip_id: UUID) -> dict:
    """The requester's household, or the front desk, cancels a slip not yet closed."""
    slip = await records.visible_row(scope, slip_id)
    if not scope.has(Role.FRONT_DESK) and slip["unit"] not in await scope.household_unit_ids():
        raise Forbidden()
    now = utcnow()
    async with write_transaction():
        moved = await ReleaseSlip.update({ReleaseSlip.state: State.CANCELLED.value, ReleaseSlip.closed_at: now}).where(
            (ReleaseSlip.id == slip["id"])
            & ReleaseSlip.state.is_in([s.value for s in rules.sources(State.CANCELLED)])
        ).returning(ReleaseSlip.id)
        if moved:
            records.changed(scope.estate_id)
            await audit.record("slip.cancelled", actor=scope.person_id, estate=scope.estate_id, subject=slip["id"])
    return {"cancelled": bool(moved)}


async def members(scope: Scope, label: str) -> list[dict]:
    """A unit's household, for the desk starting a slip for someone at the desk."""
    unit = await Unit.select(Unit.id).where(scope.where(Unit) & (Unit.label == label.strip().upper())).first()
    if unit is None:
        return []
    return await HouseholdMember.select(
        HouseholdMember.person.as_alias("id"), HouseholdMember.person.name.as_alias("name"), HouseholdMember.relation,
    ).where(HouseholdMember.unit == unit["id"]).order_by(HouseholdMember.relation)

