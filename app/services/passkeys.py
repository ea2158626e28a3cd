"""Passkeys (WebAuthn): creating one from an enrolment link, signing in, and managing them.

Challenges are kept on the server, used once and only for a few minutes. Credentials are
discoverable so sign-in needs no user name; user verification is preferred, not required,
because cheap phones without a screen lock still have to work at the gate.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from uuid import UUID

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from app.db import write_transaction
from app.domain.devices import device_label
from app.domain.links import LinkState
from app.i18n import N_
from app.models.auth import Challenge, EnrolmentLink, Passkey
from app.models.people import Person
from app.services import audit, enrolment, sessions
from app.services.clock import utcnow
from app.services.errors import Invalid, NotFound
from app.settings import get_settings

CHALLENGE_LIFETIME = timedelta(minutes=5)
RP_NAME = "Gatepost"

FAILED = N_("Your passkey could not be checked. Please try again.")
EXPIRED = N_("That took too long. Please try again.")
UNKNOWN = N_("This passkey is not known here, or it was revoked. Ask your front desk or admin for a new sign-in link.")


async def _new_challenge(purpose: str, challenge: bytes, *, person=None, enrolment_id=None) -> UUID:
    row = Challenge(
        challenge=bytes_to_base64url(challenge),
        purpose=purpose,
        person=person,
        enrolment=enrolment_id,
        expires_at=utcnow() + CHALLENGE_LIFETIME,
    )
    await row.save()
    return row.id


async def _consume_challenge(challenge_id: str, purpose: str) -> dict:
    """Mark the challenge used, once; a replay or a late answer is refused."""
    try:
        cid = UUID(str(challenge_id))
    except ValueError as exc:
        raise Invalid({"__all__": EXPIRED}) from exc
    rows = await Challenge.update({Challenge.used: True}).where(
        (Challenge.id == cid)
        & (Challenge.used == False)  # noqa: E712 (Piccolo builds SQL from ==)
        & (Challenge.purpose == purpose)
        & (Challenge.expires_at > utcnow())
    ).returning(Challenge.challenge, Challenge.person, Challenge.enrolment)
    if not rows:
        raise Invalid({"__all__": EXPIRED})
    return rows[0]


async def _registration_options(person_id: UUID, purpose_ref: dict) -> dict[str, Any]:
    person = await Person.select(Person.name, Person.user_handle).where(Person.id == person_id).first()
    existing = await Passkey.select(Passkey.credential_id).where(
        (Passkey.person == person_id) & Passkey.revoked_at.is_null()
    )
    settings = get_settings()
    options = generate_registration_options(
        rp_id=settings.rp_id,
        rp_name=RP_NAME,
        user_id=bytes.fromhex(person["user_handle"]),
        user_name=person["name"],
        user_display_name=person["name"],
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(p["credential_id"])) for p in existing
        ],
    )
    challenge_id = await _new_challenge("register", options.challenge, **purpose_ref)
    return {"challengeId": str(challenge_id), "publicKey": json.loads(options_to_json(options))}


def _verify_registration(credential: dict, challenge: str):
    settings = get_settings()
    try:
        return verify_registration_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=settings.rp_id,
            expected_origin=settings.origin,
        )
    except (InvalidRegistrationResponse, ValueError, KeyError, TypeError) as exc:
        raise Invalid({"__all__": FAILED}) from exc


def _passkey_row(person_id: UUID, verified, credential: dict, user_agent: str) -> Passkey:
    transports = credential.get("response", {}).get("transports") or []
    return Passkey(
        person=person_id,
        credential_id=bytes_to_base64url(verified.credential_id),
        public_key=bytes_to_base64url(verified.credential_public_key),
        sign_count=verified.sign_count,
        transports=",".join(t for t in transports if isinstance(t, str))[:120],
        name=device_label(user_agent)[:60],
    )


# Enrolment: the person opens their link and creates a passkey ------------------------------


async def enrolment_options(token: str, address: str) -> dict[str, Any]:
    link = await enrolment.check(token, address)
    if link.state is not LinkState.USABLE:
        raise NotFound()
    return await _registration_options(link.person_id, {"enrolment_id": link.link_id})


async def complete_enrolment(token: str, challenge_id: str, credential: dict, user_agent: str, address: str) -> str:
    """Store the new passkey, use up the link, and start a session; returns the session token."""
    link = await enrolment.check(token, address)
    if link.state is not LinkState.USABLE:
        raise NotFound()
    challenge = await _consume_challenge(challenge_id, "register")
    if challenge["enrolment"] != link.link_id:
        raise Invalid({"__all__": EXPIRED})
    verified = _verify_registration(credential, challenge["challenge"])
    now = utcnow()
    async with write_transaction():
        used = await EnrolmentLink.update({EnrolmentLink.used_at: now}).where(
            (EnrolmentLink.id == link.link_id) & EnrolmentLink.used_at.is_null()
        ).returning(EnrolmentLink.estate)
        if not used:  # someone else used the link a moment ago
            raise NotFound()
        if link.revoke_old_passkeys:
            await Passkey.update({Passkey.revoked_at: now}).where(
                (Passkey.person == link.person_id) & Passkey.revoked_at.is_null()
            )
            await sessions.end_all(link.person_id)
        new_passkey = _passkey_row(link.person_id, verified, credential, user_agent)
        await new_passkey.save()
    await audit.record(
        "passkey.enrolled", actor=link.person_id, estate=used[0]["estate"], subject=link.person_id,
        revoked_old=link.revoke_old_passkeys,
    )
    return await sessions.start(link.person_id, user_agent, new_passkey.id)


# A signed-in person adds another passkey (a second phone, a tablet) ---------------------------


async def add_options(person_id: UUID) -> dict[str, Any]:
    return await _registration_options(person_id, {"person": person_id})


async def complete_add(person_id: UUID, challenge_id: str, credential: dict, user_agent: str) -> None:
    challenge = await _consume_challenge(challenge_id, "register")
    if challenge["person"] != person_id:
        raise Invalid({"__all__": EXPIRED})
    verified = _verify_registration(credential, challenge["challenge"])
    await _passkey_row(person_id, verified, credential, user_agent).save()
    await audit.record("passkey.added", actor=person_id, estate=None, subject=person_id)


# Sign-in ------------------------------------------------------------------------------------


async def sign_in_options() -> dict[str, Any]:
    options = generate_authentication_options(
        rp_id=get_settings().rp_id, user_verification=UserVerificationRequirement.PREFERRED
    )
    challenge_id = await _new_challenge("sign_in", options.challenge)
    return {"challengeId": str(challenge_id), "publicKey": json.loads(options_to_json(options))}


async def credential_owner(credential: dict) -> UUID | None:
    """Whose passkey this claims to be (for rate limiting per account before checking it)."""
    row = await Passkey.select(Passkey.person).where(
        Passkey.credential_id == str(credential.get("id", ""))[:1400]
    ).first()
    return row["person"] if row else None


async def complete_sign_in(challenge_id: str, credential: dict, user_agent: str) -> str:
    challenge = await _consume_challenge(challenge_id, "sign_in")
    passkey = await Passkey.objects().where(
        (Passkey.credential_id == str(credential.get("id", ""))[:1400]) & Passkey.revoked_at.is_null()
    ).first()
    if passkey is None:
        raise Invalid({"__all__": UNKNOWN})
    person = await Person.select(Person.active).where(Person.id == passkey.person).first()
    if person is None or not person["active"]:
        raise Invalid({"__all__": UNKNOWN})
    settings = get_settings()
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge["challenge"]),
            expected_rp_id=settings.rp_id,
            expected_origin=settings.origin,
            credential_public_key=base64url_to_bytes(passkey.public_key),
            credential_current_sign_count=passkey.sign_count,
        )
    except (InvalidAuthenticationResponse, ValueError, KeyError, TypeError) as exc:
        raise Invalid({"__all__": FAILED}) from exc
    # Conditional on the count just checked: of two answers racing with the same count (a
    # cloned key used at the same moment), only one moves it on; the other is refused.
    moved = await Passkey.update(
        {Passkey.sign_count: verified.new_sign_count, Passkey.last_used_at: utcnow()}
    ).where(
        (Passkey.id == passkey.id)
        & (Passkey.sign_count == passkey.sign_count)
        & Passkey.revoked_at.is_null()
    ).returning(Passkey.id)
    if not moved:
        raise Invalid({"__all__": FAILED})
    return await sessions.start(passkey.person, user_agent, passkey.id)


# Managing one's passkeys ----------------------------------------------------------------------


async def list_for(person_id: UUID) -> list[dict]:
    return await Passkey.select(
        Passkey.id, Passkey.name, Passkey.created_at, Passkey.last_used_at
    ).where((Passkey.person == person_id) & Passkey.revoked_at.is_null()).order_by(Passkey.created_at)


async def _own(person_id: UUID, passkey_id: UUID) -> None:
    if not await Passkey.exists().where(
        (Passkey.id == passkey_id) & (Passkey.person == person_id) & Passkey.revoked_at.is_null()
    ):
        raise NotFound()


NAME_REQUIRED = N_("Give the passkey a name, e.g. “My phone”.")
NAME_TOO_LONG = N_("Keep the name under 60 characters.")


async def rename(person_id: UUID, passkey_id: UUID, name: str) -> None:
    await _own(person_id, passkey_id)
    name = name.strip()
    if not name:
        raise Invalid({"name": NAME_REQUIRED})
    if len(name) > 60:
        raise Invalid({"name": NAME_TOO_LONG})
    async with write_transaction():
        await Passkey.update({Passkey.name: name}).where(Passkey.id == passkey_id)
        await audit.record("passkey.renamed", actor=person_id, estate=None, subject=passkey_id, name=name)


async def revoke(actor_id: UUID, person_id: UUID, passkey_id: UUID, estate_id: UUID | None = None) -> None:
    """Revoke a passkey: the person's own, or (by an admin) someone else's whose phone is lost."""
    await _own(person_id, passkey_id)
    await Passkey.update({Passkey.revoked_at: utcnow()}).where(Passkey.id == passkey_id)
    await sessions.end_started_with(passkey_id)  # the device that held it is signed out too
    await audit.record("passkey.revoked", actor=actor_id, estate=estate_id, subject=passkey_id, person=str(person_id))
