"""Who is who in an estate: the people list (filter by role, search by name, phone or unit)
and one person's page. The admin sees everyone; the front desk sees residents only."""

from __future__ import annotations

from uuid import UUID

from app.domain.roles import Role, may_issue_enrolment
from app.models.auth import Passkey
from app.models.people import HouseholdMember, Person, RoleGrant
from app.services import passkeys
from app.services.people import visible
from app.services.scope import Scope

LIST_LIMIT = 300
ROLE_ORDER = {role: i for i, role in enumerate(Role)}


def _entry(found: dict, row: dict) -> dict:
    return found.setdefault(row["person_id"], {
        "id": row["person_id"], "name": row["name"], "phone": row["phone"], "active": row["active"],
        "roles": [], "units": [], "enrolled": False,
    })


async def listing(scope: Scope, *, role: str = "", q: str = "") -> list[dict]:
    people: dict[UUID, dict] = {}
    person = (RoleGrant.person.id.as_alias("person_id"), RoleGrant.person.name.as_alias("name"),
              RoleGrant.person.phone.as_alias("phone"), RoleGrant.person.active.as_alias("active"))
    for row in await RoleGrant.select(RoleGrant.role, *person).where(scope.where(RoleGrant)):
        _entry(people, row)["roles"].append(Role(row["role"]))
    for row in await HouseholdMember.select(
        HouseholdMember.relation, HouseholdMember.unit.id.as_alias("unit_id"), HouseholdMember.unit.label.as_alias("label"),
        HouseholdMember.person.id.as_alias("person_id"), HouseholdMember.person.name.as_alias("name"),
        HouseholdMember.person.phone.as_alias("phone"), HouseholdMember.person.active.as_alias("active"),
    ).where(scope.where(HouseholdMember)):
        _entry(people, row)["units"].append({"id": row["unit_id"], "label": row["label"], "relation": row["relation"]})
    rows = [p for p in people.values() if _matches(p, scope, role, q)]
    rows.sort(key=lambda p: (p["name"].lower(), str(p["id"])))
    ids = [p["id"] for p in rows[:LIST_LIMIT + 1]]
    if ids:
        enrolled = {r["person"] for r in await Passkey.select(Passkey.person).where(
            Passkey.person.is_in(ids) & Passkey.revoked_at.is_null())}
        for p in rows:
            p["enrolled"] = p["id"] in enrolled
    for p in rows:
        p["roles"].sort(key=ROLE_ORDER.get)
        p["units"].sort(key=lambda u: u["label"])
    return rows[:LIST_LIMIT + 1]


def _matches(person: dict, scope: Scope, role: str, q: str) -> bool:
    if not scope.has(Role.ADMIN) and Role.RESIDENT not in person["roles"] and not person["units"]:
        return False
    if role and role not in {r.value for r in person["roles"]}:
        return False
    term = q.strip().lower()
    if not term:
        return True
    digits = term.replace(" ", "").replace("-", "")
    return (
        term in person["name"].lower()
        or (digits.lstrip("+").isdigit() and digits in person["phone"])
        or any(term in u["label"].lower() for u in person["units"])
    )


async def detail(scope: Scope, person_id: UUID) -> dict:
    roles = await visible(scope, person_id)
    person = await Person.select(Person.id, Person.name, Person.phone, Person.active).where(
        Person.id == person_id).first()
    households = await HouseholdMember.select(
        HouseholdMember.relation, HouseholdMember.unit.id.as_alias("unit_id"), HouseholdMember.unit.label.as_alias("label"),
    ).where((HouseholdMember.person == person_id) & scope.where(HouseholdMember)).order_by(HouseholdMember.unit.label)
    anywhere = await RoleGrant.select(RoleGrant.role, RoleGrant.estate).where(RoleGrant.person == person_id)
    may_change = scope.has(Role.ADMIN) or may_issue_enrolment(scope.roles, {Role(r["role"]) for r in anywhere})
    return {
        **person,
        "roles": sorted(roles, key=ROLE_ORDER.get),
        "households": households,
        "passkeys": await passkeys.list_for(person_id),
        "other_estates": len({r["estate"] for r in anywhere} - {scope.estate_id}),
        "may_change": may_change,
        "is_self": person_id == scope.person_id,
    }
