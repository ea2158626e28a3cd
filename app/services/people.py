"""People: creating them, their roles per estate, their household membership, their language."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from uuid import UUID

from app import i18n
from app.db import write_transaction
from app.domain.roles import Relation, Role
from app.i18n import N_
from app.models.estates import Estate, Unit
from app.models.people import HouseholdMember, Person, RoleGrant
from app.services import audit
from app.services.errors import Invalid, NotFound

NAME_REQUIRED = N_("Enter the person's name.")
NAME_TOO_LONG = N_("Keep the name under 80 characters.")
PHONE_INVALID = N_("Enter a phone number of digits only (you may start with +), or leave it empty.")


@dataclass(frozen=True)
class NewPerson:
    name: str
    phone: str = ""
    roles: tuple[Role, ...] = ()
    unit_id: UUID | None = None
    relation: Relation | None = None


def validate_person(name: str, phone: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    name = name.strip()
    if not name:
        errors["name"] = NAME_REQUIRED
    elif len(name) > 80:
        errors["name"] = NAME_TOO_LONG
    digits = phone.strip().replace(" ", "").replace("-", "")
    if digits and not (digits.lstrip("+").isdigit() and 5 <= len(digits.lstrip("+")) <= 20):
        errors["phone"] = PHONE_INVALID
    return errors


def normalise_phone(phone: str) -> str:
    return phone.strip().replace(" ", "").replace("-", "")


async def create(estate_id: UUID, new: NewPerson, *, actor: UUID | None) -> UUID:
    """A person of an estate with their roles and, for a resident, their household."""
    errors = validate_person(new.name, new.phone)
    if errors:
        raise Invalid(errors)
    async with write_transaction():
        person = Person(
            name=new.name.strip(),
            phone=normalise_phone(new.phone),
            user_handle=secrets.token_hex(32),
        )
        await person.save()
        for role in dict.fromkeys(new.roles):
            await RoleGrant(person=person.id, estate=estate_id, role=role.value).save()
        if new.unit_id is not None:
            unit = await Unit.select(Unit.id).where((Unit.id == new.unit_id) & (Unit.estate == estate_id)).first()
            if unit is None:
                raise NotFound()
            await HouseholdMember(
                person=person.id, unit=new.unit_id, estate=estate_id,
                relation=(new.relation or Relation.FAMILY).value,
            ).save()
    await audit.record(
        "person.created", actor=actor, estate=estate_id, subject=person.id,
        roles=[r.value for r in new.roles],
    )
    return person.id


async def find_in_estate(estate_slug: str, name_or_id: str) -> tuple[UUID, str]:
    """For the command line: a person of the estate by id or by exact name."""
    estate = await Estate.select(Estate.id).where(Estate.slug == estate_slug).first()
    if estate is None:
        raise NotFound()
    query = RoleGrant.select(RoleGrant.person.id.as_alias("id"), RoleGrant.person.name.as_alias("name")).where(
        RoleGrant.estate == estate["id"]
    )
    try:
        query = query.where(RoleGrant.person.id == UUID(name_or_id))
    except ValueError:
        query = query.where(RoleGrant.person.name == name_or_id)
    rows = {r["id"]: r["name"] for r in await query}
    if len(rows) != 1:
        raise NotFound()
    ((person_id, name),) = rows.items()
    return person_id, name


async def set_locale(person_id: UUID, language: str) -> None:
    if language not in i18n.LANGUAGES:
        raise Invalid({"language": N_("Choose one of the offered languages.")})
    await Person.update({Person.locale: language}).where(Person.id == person_id)
