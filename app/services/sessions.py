"""Server-side sessions: revoking a person or a session takes effect on their next request."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from app.models.auth import Session
from app.services.clock import utcnow
from app.services.scope import Viewer, grants_of
from app.services.tokens import new_token, token_hash
from app.settings import get_settings

TOUCH_EVERY = timedelta(minutes=5)


async def start(person_id: UUID, user_agent: str = "", passkey_id: UUID | None = None) -> str:
    """A new session for a person, started with a passkey; returns the cookie token."""
    token = new_token()
    now = utcnow()
    await Session.insert(
        Session(
            token_hash=token_hash(token),
            person=person_id,
            passkey=passkey_id,
            expires_at=now + timedelta(days=get_settings().session_days),
            last_seen_at=now,
            user_agent=user_agent[:200],
        )
    )
    return token


async def resolve(token: str | None) -> Viewer | None:
    """The signed-in person behind a cookie token, or None."""
    if not token:
        return None
    now = utcnow()
    row = await Session.select(
        Session.id,
        Session.expires_at,
        Session.last_seen_at,
        Session.person.id.as_alias("person_id"),
        Session.person.name.as_alias("name"),
        Session.person.locale.as_alias("locale"),
        Session.person.active.as_alias("active"),
    ).where(Session.token_hash == token_hash(token)).first()
    if row is None or row["expires_at"] <= now or not row["active"]:
        return None
    if now - row["last_seen_at"] > TOUCH_EVERY:
        await Session.update({Session.last_seen_at: now}).where(Session.id == row["id"])
    return Viewer(
        person_id=row["person_id"],
        name=row["name"],
        locale=row["locale"],
        session_id=row["id"],
        grants=await grants_of(row["person_id"]),
    )


async def end(session_id: UUID) -> None:
    await Session.delete().where(Session.id == session_id)


async def end_all(person_id: UUID) -> None:
    await Session.delete().where(Session.person == person_id)


async def end_started_with(passkey_id: UUID) -> None:
    await Session.delete().where(Session.passkey == passkey_id)
