"""Server-side sessions: revoking a person or a session takes effect on their next request."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from app.db import Statement
from app.models.auth import Session
from app.services.clock import utcnow
from app.services.scope import Viewer, as_uuid, grants_from_rows
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


# Run with every request: written by hand, and sent without Piccolo's builder (see Statement).
_RESOLVE = Statement(
    "SELECT s.id AS session_id, s.expires_at, s.last_seen_at, p.id AS person_id, p.name, p.locale,"
    " p.active, g.role, e.id AS estate_id, e.slug, e.name AS estate_name, e.timezone,"
    " (SELECT COUNT(*) FROM notification n WHERE n.person = p.id AND n.read_at IS NULL) AS unread"
    " FROM session s JOIN person p ON p.id = s.person"
    " LEFT JOIN role_grant g ON g.person = p.id LEFT JOIN estate e ON e.id = g.estate"
    " WHERE s.token_hash = {}"
)


async def resolve(token: str | None) -> Viewer | None:
    """The signed-in person behind a cookie token, with their roles, in one query; or None."""
    if not token:
        return None
    now = utcnow()
    rows = await _RESOLVE.fetch(token_hash(token))
    if not rows:
        return None
    row = rows[0]
    if row["expires_at"] <= now or not row["active"]:
        return None
    if now - row["last_seen_at"] > TOUCH_EVERY:
        await Session.update({Session.last_seen_at: now}).where(Session.token_hash == token_hash(token))
    return Viewer(
        person_id=as_uuid(row["person_id"]),
        name=row["name"],
        locale=row["locale"],
        session_id=as_uuid(row["session_id"]),
        grants=grants_from_rows(rows),
        unread=int(row["unread"] or 0),
    )


async def end(session_id: UUID) -> None:
    await Session.delete().where(Session.id == session_id)


async def end_all(person_id: UUID) -> None:
    await Session.delete().where(Session.person == person_id)


async def end_started_with(passkey_id: UUID) -> None:
    await Session.delete().where(Session.passkey == passkey_id)
