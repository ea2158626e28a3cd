"""Who is asking, and what they may see: the one scoping helper every use case goes through.

A ``Viewer`` is a signed-in person with the roles they hold in each estate. A ``Scope`` is that
person inside one estate. Rows are fetched *through* the scope, so a record of another estate
(or, for a resident, of another household) is simply not found: the answer is 404, the same as
for a record that does not exist, and nothing about it leaks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar
from uuid import UUID

from piccolo.table import Table

from app.domain.roles import Role
from app.models.people import HouseholdMember
from app.services.errors import NotFound

T = TypeVar("T", bound=Table)


@dataclass(frozen=True)
class EstateRef:
    """What every request needs of an estate: loaded with the session, not queried again."""

    id: UUID
    slug: str
    name: str
    timezone: str


@dataclass(frozen=True)
class EstateGrant:
    estate: EstateRef
    roles: frozenset[Role]

    @property
    def slug(self) -> str:
        return self.estate.slug

    @property
    def name(self) -> str:
        return self.estate.name


@dataclass(frozen=True)
class Viewer:
    person_id: UUID
    name: str
    locale: str
    session_id: UUID
    grants: dict[str, EstateGrant] = field(default_factory=dict)  # by estate slug
    unread: int = 0  # unread notifications, for the navigation's badge (counted with the session)

    def holds_anywhere(self, roles: frozenset[Role] | set[Role]) -> bool:
        return any(g.roles & roles for g in self.grants.values())

    @property
    def estates(self) -> list[EstateGrant]:
        return sorted(self.grants.values(), key=lambda g: g.name)


def grants_from_rows(rows: list[dict]) -> dict[str, EstateGrant]:
    """Roles per estate from rows carrying role, estate_id, slug, estate_name, timezone."""
    estates: dict[str, EstateRef] = {}
    roles: dict[str, set[Role]] = {}
    for row in rows:
        if row.get("role") is None:
            continue
        slug = row["slug"]
        estates.setdefault(slug, EstateRef(as_uuid(row["estate_id"]), slug, row["estate_name"], row["timezone"]))
        roles.setdefault(slug, set()).add(Role(row["role"]))
    return {slug: EstateGrant(estates[slug], frozenset(roles[slug])) for slug in estates}


def as_uuid(value) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


@dataclass(frozen=True)
class Scope:
    viewer: Viewer
    estate: EstateRef
    roles: frozenset[Role]

    @property
    def person_id(self) -> UUID:
        return self.viewer.person_id

    @property
    def estate_id(self) -> UUID:
        return self.estate.id

    def has(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))

    async def get(self, table: type[T], row_id: UUID | str) -> T:
        """A row of this estate by id, or NotFound (for other estates' rows too)."""
        try:
            row_uuid = row_id if isinstance(row_id, UUID) else UUID(str(row_id))
        except ValueError as exc:
            raise NotFound() from exc
        row = await table.objects().where(
            (table._meta.primary_key == row_uuid) & (table.estate == self.estate.id)  # type: ignore[attr-defined]
        ).first()
        if row is None:
            raise NotFound()
        return row

    def where(self, table: type[Table]):
        """The condition that keeps a query inside this estate."""
        return table.estate == self.estate.id  # type: ignore[attr-defined]

    async def household_unit_ids(self) -> set[UUID]:
        """Units whose household the viewer belongs to in this estate."""
        rows = await HouseholdMember.select(HouseholdMember.unit).where(
            (HouseholdMember.person == self.person_id) & (HouseholdMember.estate == self.estate.id)
        )
        return {r["unit"] for r in rows}


def scope_in(viewer: Viewer, estate_slug: str) -> Scope:
    """The viewer inside an estate they hold a role in; NotFound for any other estate."""
    grant = viewer.grants.get(estate_slug)
    if grant is None:
        raise NotFound()
    return Scope(viewer=viewer, estate=grant.estate, roles=grant.roles)
