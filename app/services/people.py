"""People: creating them, their roles per estate, their household membership, their language.

An admin manages everyone of their estate; the front desk sees residents and changes only
people who are residents alone (never a guard's or an admin's account). What each may see
and list is in ``people_directory``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from uuid import UUID

from app import i18n
from app.db import is_integrity_error, write_transaction
from app.domain.roles import Relation, Role, may_issue_enrolment
from app.domain.units import parse_unit_label
from app.i18n import N_
from app.models.auth import Passkey
from app.models.estates import Estate, Unit
from app.models.people import HouseholdMember, Person, RoleGrant
from app.services import audit, enrolment, passkeys, sealed, sessions
from app.services.clock import utcnow
from app.services.errors import Forbidden, Invalid, NotFound
from app.services.scope import Scope

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
    if digits and not (digits.isascii() and digits.lstrip("+").isdigit() and 5 <= len(digits.lstrip("+")) <= 20):
        errors["phone"] = PHONE_INVALID
    return errors


def new_user_handle() -> str:
    """The WebAuthn user handle: random, so it says nothing about the person."""
    return secrets.token_hex(32)


def normalise_phone(phone: str) -> str:
    return phone.strip().replace(" ", "").replace("-", "")


async def create(estate_id: UUID, new: NewPerson, *, actor: UUID | None) -> UUID:
    """A person of an estate with their roles and, for a resident, their household."""
    errors = validate_person(new.name, new.phone)
    if errors:
        raise Invalid(errors)
    async with write_transaction():
        person = Person(**sealed.seal(Person, dict(
            name=new.name.strip(),
            phone=normalise_phone(new.phone),
            user_handle=new_user_handle(),
        )))
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


# Managing the people of an estate (admin; front desk for residents) -----------------------

ROLES_REQUIRED = N_("Choose at least one role.")
ROLE_UNKNOWN = N_("Choose roles from the list.")
UNIT_REQUIRED = N_("A resident needs a unit: enter its label, e.g. 5-2-1301.")
UNIT_UNKNOWN = N_("There is no unit with this label in this estate.")
RELATION_INVALID = N_("Choose owner, tenant or family member.")
ALREADY_MEMBER = N_("This person already belongs to that unit's household.")
KEEP_OWN_ADMIN = N_("You cannot remove your own admin role. Ask another admin.")
NOT_YOURSELF = N_("You cannot do this to your own account here. Use your account page.")
OTHER_ESTATES = N_("This person also has roles in an estate you do not administer. Remove their roles here instead.")


@dataclass(frozen=True)
class PersonForm:
    name: str
    phone: str = ""
    roles: tuple[str, ...] = ()
    unit: str = ""
    relation: str = ""


def _roles(values: tuple[str, ...] | list[str]) -> tuple[tuple[Role, ...], str | None]:
    try:
        roles = tuple(dict.fromkeys(Role(v) for v in values))
    except ValueError:
        return (), ROLE_UNKNOWN
    return roles, (None if roles else ROLES_REQUIRED)


async def _unit_by_label(scope: Scope, text: str) -> UUID | None:
    label = parse_unit_label(text)
    if label is None:
        return None
    row = await Unit.select(Unit.id).where(scope.where(Unit) & (Unit.label == str(label))).first()
    return row["id"] if row else None


async def roles_in(estate_id: UUID, person_id: UUID) -> set[Role]:
    rows = await RoleGrant.select(RoleGrant.role).where(
        (RoleGrant.person == person_id) & (RoleGrant.estate == estate_id)
    )
    return {Role(r["role"]) for r in rows}


async def visible(scope: Scope, person_id: UUID) -> set[Role]:
    """The person's roles here. 404 for someone not of this estate; the front desk sees residents."""
    roles = await roles_in(scope.estate_id, person_id)
    member = await HouseholdMember.exists().where(
        (HouseholdMember.person == person_id) & scope.where(HouseholdMember)
    )
    if not roles and not member:
        raise NotFound()
    if not scope.has(Role.ADMIN) and Role.RESIDENT not in roles and not member:
        raise Forbidden()
    return roles


async def manageable(scope: Scope, person_id: UUID) -> set[Role]:
    """As ``visible``; besides, the front desk changes only people who are residents alone."""
    roles = await visible(scope, person_id)
    if not scope.has(Role.ADMIN):
        if not may_issue_enrolment(scope.roles, await enrolment.roles_anywhere(person_id)):
            raise Forbidden()
    return roles


async def create_in(scope: Scope, form: PersonForm) -> UUID:
    """A new person of this estate: the admin picks roles; the front desk adds residents only."""
    errors = validate_person(form.name, form.phone)
    roles, problem = _roles(form.roles if scope.has(Role.ADMIN) else (Role.RESIDENT.value,))
    if problem:
        errors["roles"] = problem
    unit_id = None
    if form.unit.strip():
        unit_id = await _unit_by_label(scope, form.unit)
        if unit_id is None:
            errors["unit"] = UNIT_UNKNOWN
    elif Role.RESIDENT in roles:
        errors["unit"] = UNIT_REQUIRED
    relation = None
    if unit_id is not None or form.relation:
        try:
            relation = Relation(form.relation)
        except ValueError:
            errors["relation"] = RELATION_INVALID
    if errors:
        raise Invalid(errors)
    return await create(
        scope.estate_id,
        NewPerson(name=form.name, phone=form.phone, roles=roles, unit_id=unit_id, relation=relation),
        actor=scope.person_id,
    )


async def update_details(scope: Scope, person_id: UUID, name: str, phone: str) -> None:
    await manageable(scope, person_id)
    errors = validate_person(name, phone)
    if errors:
        raise Invalid(errors)
    await Person.update(sealed.seal_update(Person, {Person.name: name.strip(), Person.phone: normalise_phone(phone)})).where(
        Person.id == person_id)
    await audit.record("person.updated", actor=scope.person_id, estate=scope.estate_id, subject=person_id)


async def set_roles(scope: Scope, person_id: UUID, values: list[str]) -> None:
    """The person's roles in this estate become exactly ``values`` (admin only)."""
    before = await visible(scope, person_id)
    roles, problem = _roles(values)
    if problem:
        raise Invalid({"roles": problem})
    after = set(roles)
    if person_id == scope.person_id and Role.ADMIN in before and Role.ADMIN not in after:
        raise Invalid({"roles": KEEP_OWN_ADMIN})
    if after == before:
        return
    async with write_transaction():
        gone = [r.value for r in before - after]
        if gone:
            await RoleGrant.delete().where(
                (RoleGrant.person == person_id) & scope.where(RoleGrant) & RoleGrant.role.is_in(gone)
            )
        for role in after - before:
            await RoleGrant(person=person_id, estate=scope.estate_id, role=role.value).save()
    await audit.record(
        "person.roles_changed", actor=scope.person_id, estate=scope.estate_id, subject=person_id,
        added=sorted(r.value for r in after - before), removed=sorted(r.value for r in before - after),
    )


async def add_household(scope: Scope, person_id: UUID, unit_text: str, relation_value: str) -> None:
    await manageable(scope, person_id)
    errors: dict[str, str] = {}
    unit_id = await _unit_by_label(scope, unit_text)
    if unit_id is None:
        errors["unit"] = UNIT_UNKNOWN if unit_text.strip() else UNIT_REQUIRED
    elif await HouseholdMember.exists().where((HouseholdMember.person == person_id) & (HouseholdMember.unit == unit_id)):
        errors["unit"] = ALREADY_MEMBER
    try:
        relation = Relation(relation_value)
    except ValueError:
        errors["relation"] = RELATION_INVALID
    if errors:
        raise Invalid(errors)
    try:
        await HouseholdMember(person=person_id, unit=unit_id, estate=scope.estate_id, relation=relation.value).save()
    except Exception as exc:
        if is_integrity_error(exc):
            raise Invalid({"unit": ALREADY_MEMBER}) from exc
        raise
    await audit.record("household.joined", actor=scope.person_id, estate=scope.estate_id, subject=person_id,
                       unit=str(unit_id), relation=relation.value)


async def remove_household(scope: Scope, person_id: UUID, unit_id: UUID) -> None:
    await manageable(scope, person_id)
    unit = await scope.get(Unit, unit_id)
    removed = await HouseholdMember.delete().where(
        (HouseholdMember.person == person_id) & (HouseholdMember.unit == unit.id)
    ).returning(HouseholdMember.id)
    if not removed:
        raise NotFound()
    await audit.record("household.left", actor=scope.person_id, estate=scope.estate_id, subject=person_id,
                       unit=str(unit.id), label=unit.label)


async def set_active(scope: Scope, person_id: UUID, active: bool) -> None:
    """Deactivate (signed out at once, cannot sign in) or reactivate a person (admin only).

    A person is one account across estates, so an admin may only switch off someone whose
    every role is in estates they administer.
    """
    await visible(scope, person_id)
    if person_id == scope.person_id:
        raise Invalid({"__all__": NOT_YOURSELF})
    mine = {g.estate.id for g in scope.viewer.grants.values() if Role.ADMIN in g.roles}
    theirs = {r["estate"] for r in await RoleGrant.select(RoleGrant.estate).where(RoleGrant.person == person_id)}
    if theirs - mine:
        raise Invalid({"__all__": OTHER_ESTATES})
    await Person.update({Person.active: active}).where(Person.id == person_id)
    if not active:
        await sessions.end_all(person_id)
    await audit.record("person.deactivated" if not active else "person.reactivated",
                       actor=scope.person_id, estate=scope.estate_id, subject=person_id)


async def revoke_passkey(scope: Scope, person_id: UUID, passkey_id: UUID) -> None:
    await visible(scope, person_id)
    await passkeys.revoke(scope.person_id, person_id, passkey_id, scope.estate_id)


async def revoke_all(scope: Scope, person_id: UUID) -> int:
    """A lost phone: every passkey revoked and every session ended, now. Returns how many keys."""
    await manageable(scope, person_id)
    if person_id == scope.person_id:
        raise Invalid({"__all__": NOT_YOURSELF})
    async with write_transaction():
        revoked = await Passkey.update({Passkey.revoked_at: utcnow()}).where(
            (Passkey.person == person_id) & Passkey.revoked_at.is_null()
        ).returning(Passkey.id)
        await sessions.end_all(person_id)
    await audit.record("passkeys.revoked_all", actor=scope.person_id, estate=scope.estate_id, subject=person_id,
                       count=len(revoked))
    return len(revoked)
