"""One-time enrolment links: an admin (staff) or the front desk (residents) issues them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from app.domain.links import LinkState, link_state
from app.domain.roles import Role, may_issue_enrolment
from app.models.auth import EnrolmentLink
from app.models.estates import Estate
from app.models.people import Person, RoleGrant
from app.services import audit, ratelimit
from app.services.clock import utcnow
from app.services.errors import Forbidden, NotFound
from app.services.scope import Scope
from app.services.tokens import new_token, token_hash
from app.settings import get_settings


@dataclass(frozen=True)
class IssuedLink:
    url: str
    person_name: str
    expires_at: object


@dataclass(frozen=True)
class LinkCheck:
    state: LinkState
    link_id: UUID | None = None
    person_id: UUID | None = None
    person_name: str = ""
    estate_name: str = ""
    revoke_old_passkeys: bool = False


def enrolment_url(token: str) -> str:
    return f"{get_settings().public_url}/enrol/{token}"


async def _create(person_id: UUID, estate_id: UUID, issued_by: UUID | None, revoke_old: bool) -> IssuedLink:
    token = new_token()
    expires_at = utcnow() + timedelta(hours=get_settings().enrolment_link_hours)
    # A new link replaces any unused one: only the latest link a person was given works.
    await EnrolmentLink.update({EnrolmentLink.expires_at: utcnow()}).where(
        (EnrolmentLink.person == person_id) & EnrolmentLink.used_at.is_null()
        & (EnrolmentLink.expires_at > utcnow())
    )
    await EnrolmentLink.insert(
        EnrolmentLink(
            token_hash=token_hash(token),
            person=person_id,
            estate=estate_id,
            issued_by=issued_by,
            expires_at=expires_at,
            revoke_old_passkeys=revoke_old,
        )
    )
    name = await Person.select(Person.name).where(Person.id == person_id).first()
    await audit.record(
        "enrolment.issued", actor=issued_by, estate=estate_id, subject=person_id,
        revoke_old_passkeys=revoke_old,
    )
    return IssuedLink(url=enrolment_url(token), person_name=name["name"], expires_at=expires_at)


async def roles_anywhere(person_id: UUID) -> set[Role]:
    rows = await RoleGrant.select(RoleGrant.role).where(RoleGrant.person == person_id)
    return {Role(r["role"]) for r in rows}


async def issue(scope: Scope, person_id: UUID, *, revoke_old: bool = False) -> IssuedLink:
    """An admin enrols anyone of their estate; the front desk only people who are residents alone."""
    in_estate = await RoleGrant.exists().where(
        (RoleGrant.person == person_id) & (RoleGrant.estate == scope.estate_id)
    )
    if not in_estate:
        raise NotFound()
    if not may_issue_enrolment(scope.roles, await roles_anywhere(person_id)):
        raise Forbidden()
    return await _create(person_id, scope.estate_id, scope.person_id, revoke_old)


async def issue_by_operator(estate_slug: str, person_id: UUID, *, revoke_old: bool = False) -> IssuedLink:
    """From the command line, by whoever runs the server (bootstrapping the first admin)."""
    estate = await Estate.select(Estate.id).where(Estate.slug == estate_slug).first()
    if estate is None:
        raise NotFound()
    return await _create(person_id, estate["id"], None, revoke_old)


async def check(token: str, address: str) -> LinkCheck:
    """What the link opened from ``address`` is; an address that has asked for too many
    unknown links this minute is refused (``ratelimit.before_link_lookup``)."""
    await ratelimit.before_link_lookup(address)
    row = await EnrolmentLink.select(
        EnrolmentLink.id,
        EnrolmentLink.person,
        EnrolmentLink.used_at,
        EnrolmentLink.expires_at,
        EnrolmentLink.revoke_old_passkeys,
        EnrolmentLink.person.name.as_alias("person_name"),
        EnrolmentLink.person.active.as_alias("person_active"),
        EnrolmentLink.estate.name.as_alias("estate_name"),
    ).where(EnrolmentLink.token_hash == token_hash(token)).first()
    if row is None:
        await ratelimit.unknown_link(address)
    found = row is not None and row["person_active"]
    state = link_state(
        found=found,
        used_at=row["used_at"] if row else None,
        expires_at=row["expires_at"] if row else None,
        now=utcnow(),
    )
    if state is not LinkState.USABLE:
        return LinkCheck(state=state)
    return LinkCheck(
        state=state,
        link_id=row["id"],
        person_id=row["person"],
        person_name=row["person_name"],
        estate_name=row["estate_name"],
        revoke_old_passkeys=row["revoke_old_passkeys"],
    )
