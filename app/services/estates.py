"""Estates and their fixed places: buildings, gates and lobby desks.

Names that must be unique in an estate (a building's code, a gate's or a desk's name) are
checked here so the admin reads a sentence; the composite unique indexes still guard against
two admins typing the same name at the same moment.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from functools import lru_cache
from uuid import UUID

from piccolo.table import Table

from app.domain import inputs
from app.db import is_integrity_error, write_transaction
from app.domain.offline import valid_max_age_hours
from app.domain import retention
from app.domain.roles import Role
from app.domain.walkins import valid_consent_timeout
from app.i18n import N_
from app.models.estates import Building, Estate, Gate, LobbyDesk, Unit
from app.models.people import RoleGrant
from app.services import audit
from app.services.errors import Invalid
from app.services.scope import Scope, Viewer, as_uuid

DEFAULT_TIMEZONE = "Asia/Shanghai"
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")

NAME_REQUIRED = N_("Enter a name.")
NAME_TOO_LONG = N_("Keep the name under 120 characters.")
SHORT_NAME_TOO_LONG = N_("Keep the name under 80 characters.")
SLUG_INVALID = N_("Use 2 to 60 lower-case letters, digits and hyphens, e.g. harbour-view.")
SLUG_TAKEN = N_("Another estate already uses this short name. Choose another.")
TIMEZONE_INVALID = N_("Choose a time zone from the list.")
RULES_TOO_LONG = N_("Keep the visitor rules under 4000 characters.")
CONSENT_TIMEOUT_INVALID = N_("Enter a number of seconds from 5 to 1800.")
OFFLINE_MAX_AGE_INVALID = N_("Enter a whole number of hours from 1 to 48.")
RETENTION_INVALID = N_("Enter a whole number of years from 1 to 10.")
CODE_INVALID = N_("Use up to 8 letters or digits, as in unit labels (the 5 of 5-2-1301).")
CODE_TAKEN = N_("There is already a building with this code.")
BUILDING_HAS_UNITS = N_("This building still has units. Delete or move its units first.")
GATE_TAKEN = N_("There is already a gate with this name.")
DESK_TAKEN = N_("There is already a lobby desk with this name.")
IN_USE = N_("This is used by records and cannot be deleted.")


@lru_cache(maxsize=1)
def timezones() -> tuple[str, ...]:
    return tuple(sorted(
        z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))
    ))


@dataclass(frozen=True)
class EstateForm:
    name: str
    timezone: str = DEFAULT_TIMEZONE
    visitor_rules: str = ""
    slug: str = ""
    consent_timeout: str = ""  # seconds a guard waits for a household's answer; empty: unchanged
    offline_max_age: str = ""  # hours a guard's offline list of passes is judged by; empty: unchanged
    retention_years: str = ""  # years records are kept before personal details are erased; empty: unchanged


def _name_errors(name: str, limit: int) -> str | None:
    name = name.strip()
    if not name:
        return NAME_REQUIRED
    if len(name) > limit:
        return NAME_TOO_LONG if limit >= 120 else SHORT_NAME_TOO_LONG
    return None


def _validate(form: EstateForm, *, with_slug: bool) -> dict[str, str]:
    errors: dict[str, str] = {}
    if problem := _name_errors(form.name, 120):
        errors["name"] = problem
    if with_slug and not (SLUG.match(form.slug) and len(form.slug) >= 2):
        errors["slug"] = SLUG_INVALID
    if form.timezone not in timezones():
        errors["timezone"] = TIMEZONE_INVALID
    if len(form.visitor_rules) > 4000:
        errors["visitor_rules"] = RULES_TOO_LONG
    if form.consent_timeout.strip() and _consent_timeout(form) is None:
        errors["consent_timeout"] = CONSENT_TIMEOUT_INVALID
    if form.offline_max_age.strip() and _offline_max_age(form) is None:
        errors["offline_max_age"] = OFFLINE_MAX_AGE_INVALID
    if form.retention_years.strip() and _retention_years(form) is None:
        errors["retention_years"] = RETENTION_INVALID
    return errors


def _retention_years(form: EstateForm) -> int | None:
    years = inputs.whole_number(form.retention_years, 0, 10**9)
    return years if years is not None and retention.valid_years(years) else None


def _consent_timeout(form: EstateForm) -> int | None:
    seconds = inputs.whole_number(form.consent_timeout, 0, 10**9)
    return seconds if seconds is not None and valid_consent_timeout(seconds) else None


def _offline_max_age(form: EstateForm) -> int | None:
    try:
        hours = int(form.offline_max_age.strip())
    except ValueError:
        return None
    return hours if valid_max_age_hours(hours) else None


async def administered(viewer: Viewer) -> list[dict]:
    """The estates where the viewer is admin, with how much each holds."""
    mine = [g for g in viewer.estates if Role.ADMIN in g.roles]
    result = []
    for grant in mine:
        result.append({
            "slug": grant.slug,
            "name": grant.name,
            "buildings": await Building.count().where(Building.estate == grant.estate.id),
            "units": await Unit.count().where(Unit.estate == grant.estate.id),
        })
    return result


async def create(viewer: Viewer, form: EstateForm) -> str:
    """A new estate; whoever creates it becomes its admin. Returns the slug."""
    slug = form.slug.strip().lower()
    form = EstateForm(form.name, form.timezone, form.visitor_rules, slug)
    errors = _validate(form, with_slug=True)
    if not errors and await Estate.exists().where(Estate.slug == slug):
        errors["slug"] = SLUG_TAKEN
    if errors:
        raise Invalid(errors)
    try:
        async with write_transaction():
            estate = Estate(name=form.name.strip(), slug=slug, timezone=form.timezone,
                            visitor_rules=form.visitor_rules.strip())
            await estate.save()
            await RoleGrant(person=viewer.person_id, estate=estate.id, role=Role.ADMIN.value).save()
    except Exception as exc:
        if is_integrity_error(exc):
            raise Invalid({"slug": SLUG_TAKEN}) from exc
        raise
    await audit.record("estate.created", actor=viewer.person_id, estate=estate.id, subject=estate.id, slug=slug)
    return slug


async def update(scope: Scope, form: EstateForm) -> None:
    errors = _validate(form, with_slug=False)
    if errors:
        raise Invalid(errors)
    changes = {
        Estate.name: form.name.strip(),
        Estate.timezone: form.timezone,
        Estate.visitor_rules: form.visitor_rules.strip(),
    }
    if form.consent_timeout.strip():
        changes[Estate.consent_timeout_seconds] = _consent_timeout(form)
    if form.offline_max_age.strip():
        changes[Estate.offline_max_age_hours] = _offline_max_age(form)
    if form.retention_years.strip():
        changes[Estate.retention_years] = _retention_years(form)
    before = await Estate.select(Estate.retention_years).where(Estate.id == scope.estate_id).first()
    await Estate.update(changes).where(Estate.id == scope.estate_id)
    if before and Estate.retention_years in changes and changes[Estate.retention_years] != before["retention_years"]:
        await audit.record("estate.retention_changed", actor=scope.person_id, estate=scope.estate_id,
                           subject=scope.estate_id, old=before["retention_years"], new=changes[Estate.retention_years])
    await audit.record("estate.updated", actor=scope.person_id, estate=scope.estate_id, subject=scope.estate_id)


async def settings(scope: Scope) -> dict:
    """The estate's own settings as stored (the scope carries only what every request needs)."""
    return await Estate.select(Estate.visitor_rules, Estate.consent_timeout_seconds,
                               Estate.offline_max_age_hours, Estate.retention_years).where(
        Estate.id == scope.estate_id
    ).first()


@dataclass
class Places:
    buildings: list[dict]
    gates: list[dict]
    desks: list[dict]


async def gates(scope: Scope) -> list[dict]:
    """The estate's gates (id, name) by name: where guards stand, and what they choose from."""
    return await Gate.select(Gate.id, Gate.name).where(scope.where(Gate)).order_by(Gate.name)


async def places(scope: Scope) -> Places:
    buildings = await Building.select(Building.id, Building.code, Building.name).where(
        scope.where(Building)
    ).order_by(Building.code)
    counts = {
        as_uuid(r["building"]): r["units"]
        for r in await Unit.raw(
            "SELECT building, COUNT(*) AS units FROM unit WHERE estate = {} GROUP BY building", scope.estate_id
        )
    }
    for b in buildings:
        b["units"] = counts.get(b["id"], 0)
    return Places(
        buildings=buildings,
        gates=await gates(scope),
        desks=await LobbyDesk.select(LobbyDesk.id, LobbyDesk.name).where(scope.where(LobbyDesk)).order_by(LobbyDesk.name),
    )


# Buildings ----------------------------------------------------------------------------------

CODE = re.compile(r"^[0-9A-Za-z]{1,8}$")


async def add_building(scope: Scope, code: str, name: str) -> None:
    code = code.strip().upper()
    errors: dict[str, str] = {}
    if not CODE.match(code):
        errors["code"] = CODE_INVALID
    elif await Building.exists().where(scope.where(Building) & (Building.code == code)):
        errors["code"] = CODE_TAKEN
    if len(name.strip()) > 120:
        errors["name"] = NAME_TOO_LONG
    if errors:
        raise Invalid(errors)
    async with write_transaction():
        building = Building(estate=scope.estate_id, code=code, name=name.strip())
        await _insert(building, {"code": CODE_TAKEN})
        await audit.record("estate.building_added", actor=scope.person_id, estate=scope.estate_id,
                           subject=building.id, code=code, name=name.strip())


async def building(scope: Scope, building_id: UUID) -> dict:
    """One building with how many units it has (404 for another estate's)."""
    row = await scope.get(Building, building_id)
    return {"id": row.id, "code": row.code, "name": row.name,
            "units": await Unit.count().where(Unit.building == row.id)}


async def rename_building(scope: Scope, building_id: UUID, name: str) -> None:
    await scope.get(Building, building_id)
    if len(name.strip()) > 120:
        raise Invalid({"name": NAME_TOO_LONG})
    async with write_transaction():
        await Building.update({Building.name: name.strip()}).where(Building.id == building_id)
        await audit.record("estate.building_renamed", actor=scope.person_id, estate=scope.estate_id,
                           subject=building_id, name=name.strip())


async def delete_building(scope: Scope, building_id: UUID) -> str:
    building = await scope.get(Building, building_id)
    if await Unit.exists().where(Unit.building == building.id):
        raise Invalid({"__all__": BUILDING_HAS_UNITS})
    async with write_transaction():
        await _delete(Building, building.id)
        await audit.record("estate.building_deleted", actor=scope.person_id, estate=scope.estate_id,
                           subject=building.id, code=building.code)
    return building.code


# Gates and lobby desks: a name each ---------------------------------------------------------

NAMED = {"gate": (Gate, GATE_TAKEN), "desk": (LobbyDesk, DESK_TAKEN)}


async def add_named(scope: Scope, kind: str, name: str) -> None:
    table, taken = NAMED[kind]
    name = name.strip()
    if problem := _name_errors(name, 80):
        raise Invalid({"name": problem})
    if await table.exists().where(scope.where(table) & (table.name == name)):  # type: ignore[attr-defined]
        raise Invalid({"name": taken})
    async with write_transaction():
        row = table(estate=scope.estate_id, name=name)
        await _insert(row, {"name": taken})
        await audit.record(f"estate.{kind}_added", actor=scope.person_id, estate=scope.estate_id, subject=row.id,
                           name=name)


async def rename_named(scope: Scope, kind: str, row_id: UUID, name: str) -> None:
    table, taken = NAMED[kind]
    await scope.get(table, row_id)
    name = name.strip()
    if problem := _name_errors(name, 80):
        raise Invalid({"name": problem})
    if await table.exists().where(
        scope.where(table) & (table.name == name) & (table.id != row_id)  # type: ignore[attr-defined]
    ):
        raise Invalid({"name": taken})
    try:
        async with write_transaction():
            await table.update({table.name: name}).where(table.id == row_id)  # type: ignore[attr-defined]
            await audit.record(f"estate.{kind}_renamed", actor=scope.person_id, estate=scope.estate_id,
                               subject=row_id, name=name)
    except Exception as exc:
        if is_integrity_error(exc):
            raise Invalid({"name": taken}) from exc
        raise


async def delete_named(scope: Scope, kind: str, row_id: UUID) -> str:
    table, _ = NAMED[kind]
    row = await scope.get(table, row_id)
    async with write_transaction():
        await _delete(table, row_id)
        await audit.record(f"estate.{kind}_deleted", actor=scope.person_id, estate=scope.estate_id, subject=row_id,
                           name=row.name)  # type: ignore[attr-defined]
    return row.name  # type: ignore[attr-defined]


async def _insert(row: Table, on_conflict: dict[str, str]) -> None:
    try:
        await row.save()
    except Exception as exc:
        if is_integrity_error(exc):
            raise Invalid(on_conflict) from exc
        raise


async def _delete(table: type[Table], row_id: UUID) -> None:
    """Delete, or refuse in a sentence when other records still point at the row."""
    try:
        await table.delete().where(table._meta.primary_key == row_id)
    except Exception as exc:
        if is_integrity_error(exc):
            raise Invalid({"__all__": IN_USE}) from exc
        raise
