"""Unit labels such as ``5-2-1301``: building 5, entrance 2, room 1301."""

from __future__ import annotations

import re
from dataclasses import dataclass

_LABEL = re.compile(r"^\s*([0-9A-Za-z]{1,8})-([0-9A-Za-z]{1,4})-([0-9A-Za-z]{1,8})\s*$")


@dataclass(frozen=True)
class UnitLabel:
    building: str
    entrance: str
    room: str

    def __str__(self) -> str:
        return f"{self.building}-{self.entrance}-{self.room}"


def parse_unit_label(text: str) -> UnitLabel | None:
    """Parse ``building-entrance-room``; ``None`` when the text is not such a label."""
    match = _LABEL.match(text or "")
    if not match:
        return None
    building, entrance, room = match.groups()
    return UnitLabel(building.upper(), entrance.upper(), room.upper())
