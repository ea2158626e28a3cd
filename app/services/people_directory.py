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

LIST_LIMIT = 50  # a phone shows about ten; more than this is a search, not a scroll
ROLE_ORDER = {role: i for i, role in enumerate(Role)}


def _like(text: str) -> str:
    return "%" + text.replace("\\", "").replace("%", "").replace("_", "") + "%"


async def listing(scope: Scope, *, role: str = "", q: str = "") -> list[dict]:
    """People of the estate (up to LIST_LIMIT + 1, so the page knows there are more), by name.

    The filtering happens in the database: the list stays quick with thousands of residents.
    """
    in_estate = (
        "(EXISTS (SELECT 1 FROM role_grant g WHERE g.person = p.id AND g.estate = {})"
        " OR EXISTS (SELECT 1 FROM household_member h WHERE h.person = p.id AND h.estate = {}))"
    )
    conditions, args = [in_estate], [scope.estate_id, scope.estate_id]
    if not scope.has(Role.ADMIN):  # the front desk sees residents and household members only
        conditions.append(
            "(EXISTS (SELECT 1 FROM role_grant g WHERE g.person = p.id AND g.estate = {} AND g.role = {})"
            " OR EXISTS (SELECT 1 FROM household_member h WHERE h.person = p.id AND h.estate = {}))"
        )
        args += [scope.estate_id, Role.RESIDENT.value, scope.estate_id]
    if role in {r.value for r in Role}:
        conditions.append("EXISTS (SELECT 1 FROM role_grant g WHERE g.person = p.id AND g.estate = {} AND g.role = {})")
        args += [scope.estate_id, role]
    term = q.strip()
    if term:
        digits = term.replace(" ", "").replace("-", "")
        conditions.append(
            "(lower(p.name) LIKE {} OR p.phone LIKE {} OR EXISTS (SELECT 1 FROM household_member h"
            " JOIN unit u ON u.id = h.unit WHERE h.person = p.id AND h.estate = {} AND u.label LIKE {}))"
        )
        phone = _like(digits) if digits.lstrip("+").isdigit() else "-"  # "-": matches no phone
        args += [_like(term.lower()), phone, scope.estate_id, _like(term.upper())]
    rows = await Person.raw(
        "SELECT p.id, p.name, p.phone, p.active FROM person p WHERE " + " AND ".join(conditions)
        + " ORDER BY lower(p.name), p.id LIMIT {}",
        *args, LIST_LIMIT + 1,
    )
    people = {
        UUID(str(r["id"])): {**r, "id": UUID(str(r["id"])), "roles": [], "units": [], "enrolled": False}
        for r in rows
    }
    if not people:
        return []
    ids = list(people)
    for g in await RoleGrant.select(RoleGrant.person, RoleGrant.role).where(
        scope.where(RoleGrant) & RoleGrant.person.is_in(ids)
    ):
        people[g["person"]]["roles"].append(Role(g["role"]))
    for h in await HouseholdMember.select(
        HouseholdMember.person, HouseholdMember.relation, HouseholdMember.unit.id.as_alias("unit_id"),
        HouseholdMember.unit.label.as_alias("label"),
    ).where(scope.where(HouseholdMember) & HouseholdMember.person.is_in(ids)):
        people[h["person"]]["units"].append({"id": h["unit_id"], "label": h["label"], "relation": h["relation"]})
    for r in await Passkey.select(Passkey.person).where(Passkey.person.is_in(ids) & Passkey.revoked_at.is_null()):
        people[r["person"]]["enrolled"] = True
    for p in people.values():
        p["roles"].sort(key=ROLE_ORDER.get)
        p["units"].sort(key=lambda u: u["label"])
    return list(people.values())


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
