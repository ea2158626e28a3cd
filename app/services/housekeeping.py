"""Clearing what has expired: sessions, sign-in challenges, rate-limit counters.

Run by the periodic task; each function is one conditional DELETE, safe to run anywhere.
"""

from __future__ import annotations

from datetime import timedelta

from app.models.auth import Challenge, Session
from app.services import ratelimit
from app.services.clock import utcnow


async def purge_expired() -> None:
    now = utcnow()
    await Session.delete().where(Session.expires_at < now)
    await Challenge.delete().where(Challenge.expires_at < now - timedelta(hours=1))
    await ratelimit.forget_old()
