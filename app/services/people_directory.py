"""Who is who in an estate: the people list (filter by role, search by name, phone or unit)
and one person's page. The admin sees everyone; the front desk sees residents only."""

from __future__ import annotations

from uuid import UUID

from app.db import like_anywhere
from app.domain.roles import Role, may_issue_enrolment
from app.models.people import HouseholdMember, Person, RoleGrant
from app.services import passkeys, sealed
from app.services.people import visible
from app.services.scope import Scope, as_uuid

LIST_LIMIT = 50  # a phone shows about ten; more than this is a search, not a scroll
ROLE_ORDER = {role: i for i, role in enumerate(Role)}


async def listing(scope: Scope, *, role: str = "", q: str = "") -> list[dict]:
    """People of the estate (up to LIST_LIMIT + 1, so the page knows there are more), by name.

    The filtering happens in the database: the list stays quick with thousands of residents.
    """
    in_estate = (  # driven by the estate's own rows, never a scan of everyone in every estate
        "p.id IN (SELECT g.person FROM role_grant g WHERE g.estate = {}"
        " UNION SELECT h.person FROM household_member h WHERE h.estate = {})"
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
        # Phones are sealed: found by the whole number (its keyed hash) or by the digits the
        # masked form keeps (the first three, the last four).
        conditions.append(
            "(lower(p.name) LIKE {} OR p.phone_hash = {} OR p.phone_masked LIKE {} OR EXISTS (SELECT 1 FROM"
            " household_member h JOIN unit u ON u.id = h.unit WHERE h.person = p.id AND h.estate = {}"
            " AND u.label LIKE {}))"
        )
        is_phone = digits.lstrip("+").isdigit()
        phone_hash = sealed.hash_of(sealed.PHONE, digits) if is_phone else "-"  # "-": matches no phone
        phone = like_anywhere(digits) if is_phone else "-"
        args += [like_anywhere(term.lower()), phone_hash, phone, scope.estate_id, like_anywhere(term.upper())]
    rows = await Person.raw(
        "SELECT p.id, p.name, p.phone, p.active FROM person p WHERE " + " AND ".join(conditions)
        + " ORDER BY lower(p.name), p.id LIMIT {}",
        *args, LIST_LIMIT + 1,
    )
    sealed.open_rows(Person, rows)
    people = {
        as_uuid(r["id"]): {**r, "id": as_uuid(r["id"]), "roles": [], "units": [], "enrolled": False}
        for r in rows
    }
    if people:
        await _add_roles_units_passkeys(scope, people)
    for p in people.values():
        p["roles"].sort(key=ROLE_ORDER.get)
        p["units"].sort(key=lambda u: u["label"])
    return list(people.values())


async def _add_roles_units_passkeys(scope: Scope, people: dict[UUID, dict]) -> None:
    """Everything the rows show about the people on the page, in one query."""
    ids = list(people)
    marks = ", ".join("{}" for _ in ids)
    facts = await Person.raw(
        f"SELECT g.person AS person, 'role' AS kind, g.role AS value, NULL AS label FROM role_grant g"
        f" WHERE g.estate = {{}} AND g.person IN ({marks})"
        f" UNION ALL SELECT h.person, 'unit', h.relation, u.label FROM household_member h"
        f" JOIN unit u ON u.id = h.unit WHERE h.estate = {{}} AND h.person IN ({marks})"
        f" UNION ALL SELECT k.person, 'passkey', NULL, NULL FROM passkey k"
        f" WHERE k.revoked_at IS NULL AND k.person IN ({marks})",
        scope.estate_id, *ids, scope.estate_id, *ids, *ids,
    )
    for fact in facts:
        person = people[as_uuid(fact["person"])]
        if fact["kind"] == "role":
            person["roles"].append(Role(fact["value"]))
        elif fact["kind"] == "unit":
            person["units"].append({"label": fact["label"], "relation": fact["value"]})
        else:
            person["enrolled"] = True


async def detail(scope: Scope, person_id: UUID) -> dict:
    roles = await visible(scope, person_id)
    person = sealed.open_row(Person, await Person.select(Person.id, Person.name, Person.phone, Person.active).where(
        Person.id == person_id).first())
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
