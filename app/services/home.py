"""What each role's home shows, read through the person's scope."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.domain.roles import HOME_ORDER, Role
from app.models.auth import Passkey
from app.models.estates import Building, Gate, LobbyDesk, Unit
from app.models.people import HouseholdMember, RoleGrant
from app.services.scope import Scope


@dataclass
class Home:
    roles: list[Role]
    gates: list[dict] = field(default_factory=list)
    desks: list[dict] = field(default_factory=list)
    households: list[dict] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


async def overview(scope: Scope) -> Home:
    home = Home(roles=[r for r in HOME_ORDER if r in scope.roles])
    if scope.has(Role.GATE_GUARD, Role.PATROL_GUARD, Role.SUPERVISOR, Role.MANAGER):
        home.gates = await Gate.select(Gate.id, Gate.name).where(scope.where(Gate)).order_by(Gate.name)
    if scope.has(Role.FRONT_DESK):
        home.desks = await LobbyDesk.select(LobbyDesk.id, LobbyDesk.name).where(scope.where(LobbyDesk)).order_by(LobbyDesk.name)
    if scope.has(Role.RESIDENT):
        home.households = await household_of(scope)
    if scope.has(Role.ADMIN, Role.FRONT_DESK):
        home.counts = {
            "buildings": await Building.count().where(scope.where(Building)),
            "units": await Unit.count().where(scope.where(Unit)),
            "people": len({r["person"] for r in await RoleGrant.select(RoleGrant.person).where(scope.where(RoleGrant))}),
            "not_enrolled": await not_enrolled_count(scope),
        }
    return home


async def not_enrolled_count(scope: Scope) -> int:
    people = {r["person"] for r in await RoleGrant.select(RoleGrant.person).where(scope.where(RoleGrant))}
    if not people:
        return 0
    enrolled = {
        r["person"] for r in await Passkey.select(Passkey.person).where(
            Passkey.person.is_in(list(people)) & Passkey.revoked_at.is_null()
        )
    }
    return len(people - enrolled)


async def household_of(scope: Scope) -> list[dict]:
    """The viewer's units in this estate, each with its members."""
    unit_ids = await scope.household_unit_ids()
    if not unit_ids:
        return []
    members = await HouseholdMember.select(
        HouseholdMember.unit,
        HouseholdMember.unit.label.as_alias("label"),
        HouseholdMember.relation,
        HouseholdMember.person.name.as_alias("name"),
        HouseholdMember.person.id.as_alias("person_id"),
    ).where(HouseholdMember.unit.is_in(list(unit_ids))).order_by(HouseholdMember.unit.label)
    units: dict = {}
    for m in members:
        units.setdefault(m["unit"], {"label": m["label"], "members": []})["members"].append(m)
    return list(units.values())
