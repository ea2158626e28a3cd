"""What each role's home shows, read through the person's scope."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.domain.roles import HOME_ORDER, Role
from app.models.people import HouseholdMember, RoleGrant
from app.domain import duty as rules
from app.services import duty, estates, handovers, patrol_rounds, release_home, reviews
from app.services.scope import Scope


@dataclass
class Home:
    roles: list[Role]
    gates: list[dict] = field(default_factory=list)
    households: list[dict] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    reviews: int = 0  # guard actions waiting for a supervisor's review
    slips: dict = field(default_factory=dict)  # goods release: what waits for this person
    duty: dict | None = None  # the duty log: the shift in progress, or the post a shift starts at
    patrol: dict = field(default_factory=dict)  # patrol: the next rounds due, the round in progress


async def overview(scope: Scope) -> Home:
    home = Home(roles=[r for r in HOME_ORDER if r in scope.roles])
    if scope.has(Role.GATE_GUARD, Role.PATROL_GUARD, Role.SUPERVISOR, Role.MANAGER):
        home.gates = await estates.gates(scope)
    if scope.has(Role.RESIDENT):
        home.households = await household_of(scope)
    if scope.has(Role.ADMIN, Role.FRONT_DESK):
        home.counts = await _counts(scope)
    home.slips = await release_home.waiting(scope)
    if scope.roles & rules.DUTY_ROLES:
        home.duty = {"shift": await duty.on_duty(scope), "post": (await duty.remembered_post(scope)).value,
                     "waiting": len(await handovers.waiting(scope))}
    if scope.has(Role.PATROL_GUARD):
        home.patrol = await patrol_rounds.guard_overview(scope)
    if scope.has(Role.SUPERVISOR, Role.MANAGER):
        home.reviews = await reviews.open_count(scope)
    return home


async def _counts(scope: Scope) -> dict[str, int]:
    """Buildings, units, people and people without a passkey yet, in one query."""
    rows = await RoleGrant.raw(
        "SELECT"
        " (SELECT COUNT(*) FROM building WHERE estate = {}) AS buildings,"
        " (SELECT COUNT(*) FROM unit WHERE estate = {}) AS units,"
        " (SELECT COUNT(DISTINCT person) FROM role_grant WHERE estate = {}) AS people,"
        " (SELECT COUNT(DISTINCT g.person) FROM role_grant g WHERE g.estate = {} AND NOT EXISTS"
        "   (SELECT 1 FROM passkey p WHERE p.person = g.person AND p.revoked_at IS NULL)) AS not_enrolled",
        *([scope.estate_id] * 4),
    )
    return {key: int(value) for key, value in rows[0].items()}


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
