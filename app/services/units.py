"""Units: the list with households and fee status, adding and relabelling one, the CSV import.

A unit's building is the first part of its label (the 5 of 5-2-1301); a building that does
not exist yet is created with it. The import is all or nothing: one bad line and nothing is
written, so an admin never has to work out which half of a file went in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from app.db import is_integrity_error, write_transaction
from app.domain.roles import Relation, Role
from app.domain.units import FeeStatus, UnitLabel, parse_unit_label, parse_units_csv
from app.i18n import N_
from app.models.estates import Building, Unit
from app.models.people import HouseholdMember, Person, RoleGrant
from app.services import audit, people, release_records, sealed
from app.services.errors import Invalid
from app.services.scope import Scope

LIST_LIMIT = 50  # more than this is a search, not a scroll
BATCH = 100

LABEL_INVALID = N_("Write the unit as building-entrance-room, e.g. 5-2-1301.")
LABEL_TAKEN = N_("There is already a unit with this label.")
UNIT_IN_USE = N_("People still belong to this unit's household. Remove them from it first.")
FEE_STATUS_INVALID = N_("Choose paid up or in arrears.")
FEE_NOTE_TOO_LONG = N_("Keep the note under 500 characters.")
IMPORT_EMPTY = N_("Paste some lines or choose a file.")
IMPORT_REFUSED = N_("Nothing was imported. Fix the lines below and try again.")
LINE_MESSAGES = {
    "bad_label": LABEL_INVALID,
    "too_many_columns": N_("Too many columns: write label, owner name, owner phone."),
    "duplicate_label": N_("This unit is already on an earlier line."),
    "phone_without_name": N_("A phone number needs the owner's name."),
}


class ImportRefused(Invalid):
    """Some lines are wrong; ``lines`` lists them (line number, message, the line's text)."""

    def __init__(self, lines: list[dict]):
        super().__init__({"__all__": IMPORT_REFUSED})
        self.lines = lines


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    owners: int = 0


async def buildings(scope: Scope) -> list[dict]:
    return await Building.select(Building.id, Building.code, Building.name).where(
        scope.where(Building)
    ).order_by(Building.code)


async def listing(scope: Scope, *, building_id: UUID | None = None, q: str = "") -> list[dict]:
    """Units with their household and fee status, filtered by building and label text."""
    query = Unit.select(
        Unit.id, Unit.label, Unit.fee_status, Unit.fee_note, Unit.building.code.as_alias("building_code")
    ).where(scope.where(Unit))
    if building_id is not None:
        query = query.where(Unit.building == building_id)
    term = q.strip().replace("%", "").replace("_", "").upper()  # labels are stored upper-case
    if term:
        query = query.where(Unit.label.like(f"%{term}%"))
    rows = await query.order_by(Unit.label).limit(LIST_LIMIT + 1)
    members = await _members(scope, [r["id"] for r in rows])
    for row in rows:
        row["members"] = members.get(row["id"], [])
    return rows


async def _members(scope: Scope, unit_ids: list[UUID]) -> dict[UUID, list[dict]]:
    if not unit_ids:
        return {}
    found: dict[UUID, list[dict]] = {}
    for m in await HouseholdMember.select(
        HouseholdMember.unit, HouseholdMember.relation,
        HouseholdMember.person.id.as_alias("person_id"), HouseholdMember.person.name.as_alias("name"),
    ).where(scope.where(HouseholdMember) & HouseholdMember.unit.is_in(unit_ids)).order_by(HouseholdMember.relation):
        found.setdefault(m["unit"], []).append(m)
    return found


async def detail(scope: Scope, unit_id: UUID) -> dict:
    unit = await scope.get(Unit, unit_id)
    building = await Building.select(Building.code, Building.name).where(Building.id == unit.building).first()
    return {
        "id": unit.id, "label": unit.label, "fee_status": unit.fee_status, "fee_note": unit.fee_note,
        "building": building, "members": (await _members(scope, [unit.id])).get(unit.id, []),
    }


def _parse_label(text: str) -> UnitLabel:
    label = parse_unit_label(text)
    if label is None:
        raise Invalid({"label": LABEL_INVALID})
    return label


async def _building_for(scope: Scope, code: str) -> UUID:
    row = await Building.select(Building.id).where(scope.where(Building) & (Building.code == code)).first()
    if row:
        return row["id"]
    building = Building(estate=scope.estate_id, code=code, name="")
    await building.save()
    return building.id


async def _label_taken(scope: Scope, label: str, other_than: UUID | None = None) -> bool:
    query = Unit.exists().where(scope.where(Unit) & (Unit.label == label))
    if other_than is not None:
        query = query.where(Unit.id != other_than)
    return await query


async def add(scope: Scope, text: str) -> str:
    label = _parse_label(text)
    if await _label_taken(scope, str(label)):
        raise Invalid({"label": LABEL_TAKEN})
    try:
        async with write_transaction():
            building = await _building_for(scope, label.building)
            unit = Unit(estate=scope.estate_id, building=building, label=str(label))
            await unit.save()
            await audit.record("unit.added", actor=scope.person_id, estate=scope.estate_id, subject=unit.id,
                               label=str(label))
    except Exception as exc:
        if is_integrity_error(exc):
            raise Invalid({"label": LABEL_TAKEN}) from exc
        raise
    return str(label)


async def relabel(scope: Scope, unit_id: UUID, text: str) -> str:
    unit = await scope.get(Unit, unit_id)
    label = _parse_label(text)
    if await _label_taken(scope, str(label), other_than=unit.id):
        raise Invalid({"label": LABEL_TAKEN})
    try:
        async with write_transaction():
            building = await _building_for(scope, label.building)
            await Unit.update({Unit.label: str(label), Unit.building: building}).where(Unit.id == unit.id)
    except Exception as exc:
        if is_integrity_error(exc):
            raise Invalid({"label": LABEL_TAKEN}) from exc
        raise
    await audit.record("unit.relabelled", actor=scope.person_id, estate=scope.estate_id, subject=unit.id,
                       old=unit.label, new=str(label))
    return str(label)


async def delete(scope: Scope, unit_id: UUID) -> str:
    unit = await scope.get(Unit, unit_id)
    if await HouseholdMember.exists().where(HouseholdMember.unit == unit.id):
        raise Invalid({"__all__": UNIT_IN_USE})
    try:
        await Unit.delete().where(Unit.id == unit.id)
    except Exception as exc:
        if is_integrity_error(exc):
            raise Invalid({"__all__": UNIT_IN_USE}) from exc
        raise
    await audit.record("unit.deleted", actor=scope.person_id, estate=scope.estate_id, subject=unit.id, label=unit.label)
    return unit.label


async def set_fee(scope: Scope, unit_id: UUID, status: str, note: str) -> str:
    """The front desk records whether a unit's fees are paid up; arrears block goods release."""
    unit = await scope.get(Unit, unit_id)
    try:
        fee = FeeStatus(status)
    except ValueError as exc:
        raise Invalid({"fee_status": FEE_STATUS_INVALID}) from exc
    note = note.strip()
    if len(note) > 500:
        raise Invalid({"fee_note": FEE_NOTE_TOO_LONG})
    await Unit.update({Unit.fee_status: fee.value, Unit.fee_note: note}).where(Unit.id == unit.id)
    release_records.changed(scope.estate_id)  # a slip in the desk's queue may wait on these fees
    await audit.record("unit.fee_status", actor=scope.person_id, estate=scope.estate_id, subject=unit.id,
                       old=unit.fee_status, new=fee.value, note=note)
    return unit.label


async def import_csv(scope: Scope, text: str) -> ImportResult:
    """Create the units of ``label,owner_name,owner_phone`` lines; existing labels are skipped."""
    rows, problems = parse_units_csv(text)
    if not rows and not problems:
        raise Invalid({"csv": IMPORT_EMPTY})
    lines = [{"line": p.line, "message": LINE_MESSAGES[p.code], "text": p.text} for p in problems]
    for row in rows:
        errors = people.validate_person(row.owner_name, row.owner_phone) if row.owner_name else {}
        for message in errors.values():
            lines.append({"line": row.line, "message": message, "text": str(row.label)})
    if lines:
        raise ImportRefused(sorted(lines, key=lambda x: x["line"]))
    existing = {r["label"] for r in await Unit.select(Unit.label).where(scope.where(Unit))}
    result = ImportResult()
    try:
        await _write_import(scope, rows, existing, result)
    except Exception as exc:
        if is_integrity_error(exc):  # someone added one of these units a moment ago
            raise Invalid({"csv": LABEL_TAKEN}) from exc
        raise
    await audit.record("units.imported", actor=scope.person_id, estate=scope.estate_id,
                       created=len(result.created), skipped=len(result.skipped), owners=result.owners)
    return result


async def _write_import(scope: Scope, rows: list, existing: set[str], result: ImportResult) -> None:
    """Rows are made in memory first (ids are set when a row object is made), then inserted
    table by table in batches: a thousand units is a handful of statements, not thousands."""
    new: dict[type, list] = {Building: [], Unit: [], Person: [], RoleGrant: [], HouseholdMember: []}
    async with write_transaction():
        building_ids = {r["code"]: r["id"] for r in await Building.select(Building.id, Building.code).where(
            scope.where(Building))}
        for row in rows:
            label = str(row.label)
            if label in existing:
                result.skipped.append(label)
                continue
            if row.label.building not in building_ids:
                building = Building(estate=scope.estate_id, code=row.label.building, name="")
                new[Building].append(building)
                building_ids[row.label.building] = building.id
            unit = Unit(estate=scope.estate_id, building=building_ids[row.label.building], label=label)
            new[Unit].append(unit)
            result.created.append(label)
            if row.owner_name:
                person = Person(**sealed.seal(Person, dict(
                    name=row.owner_name.strip(), phone=people.normalise_phone(row.owner_phone),
                    user_handle=people.new_user_handle())))
                new[Person].append(person)
                new[RoleGrant].append(RoleGrant(person=person.id, estate=scope.estate_id, role=Role.RESIDENT.value))
                new[HouseholdMember].append(HouseholdMember(
                    person=person.id, unit=unit.id, estate=scope.estate_id, relation=Relation.OWNER.value))
                result.owners += 1
        for table, made in new.items():
            for start in range(0, len(made), BATCH):
                await table.insert(*made[start:start + BATCH])
