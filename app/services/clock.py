"""The one place services read the clock; domain rules are given ``now`` instead."""

from datetime import datetime, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
