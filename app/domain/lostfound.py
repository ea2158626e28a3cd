"""Lost and found: the kinds of item, the states of a record, how likely a found item is the
one reported lost, and when an unclaimed found item is due for disposal. Pure rules.

lost:  open -> matched -> returned
found: open -> matched -> returned;  open -> disposed (unclaimed past the estate's period)

A match is suggested, never made: the desk confirms it. The score only orders the suggestions:
the same kind of item is required; then the nearer the place, the closer the time (found after
lost, within a few days) and the more words the descriptions share, the higher.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime, timedelta


class Side(str, enum.Enum):
    LOST = "lost"
    FOUND = "found"


class Category(str, enum.Enum):
    KEYS = "keys"
    WALLET = "wallet"
    PHONE = "phone"
    BAG = "bag"
    CARD = "card"
    CLOTHING = "clothing"
    UMBRELLA = "umbrella"
    JEWELLERY = "jewellery"
    DOCUMENTS = "documents"
    TOY = "toy"
    OTHER = "other"


class State(str, enum.Enum):
    OPEN = "open"
    MATCHED = "matched"
    RETURNED = "returned"
    DISPOSED = "disposed"


TRANSITIONS: dict[State, frozenset[State]] = {
    State.OPEN: frozenset({State.MATCHED, State.DISPOSED}),
    State.MATCHED: frozenset({State.RETURNED, State.OPEN}),  # open again: the desk undoes a wrong match
    State.RETURNED: frozenset(),
    State.DISPOSED: frozenset(),
}

DISPOSALS = ("donated", "discarded", "police", "kept")
DEFAULT_UNCLAIMED_DAYS = 90
MIN_UNCLAIMED_DAYS, MAX_UNCLAIMED_DAYS = 7, 3650
# A found item is looked for among lost reports from this long before it was found; a lost
# report that came later than the find by this much is no longer the same event.
LOOK_BACK = timedelta(days=14)
REPORTED_LATE = timedelta(days=2)
MIN_SCORE = 40
MAX_DESCRIPTION = 1000


def can_move(current: str, target: State) -> bool:
    try:
        return target in TRANSITIONS[State(current)]
    except ValueError:
        return False


@dataclass(frozen=True)
class Item:
    """What matching needs of a record."""

    side: Side
    category: str
    place: str
    at: datetime
    description: str = ""


_WORD = re.compile(r"[a-z0-9]+|[\u4e00-\u9fff]", re.IGNORECASE)
_STOP = frozenset({"a", "an", "the", "of", "in", "on", "at", "and", "with", "near", "by", "my", "is", "it", "to"})


def words(text: str) -> frozenset[str]:
    """Lower-cased words (Chinese characters one by one), common small words left out."""
    return frozenset(w.lower() for w in _WORD.findall(text or "") if w.lower() not in _STOP)


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def score(lost: Item, found: Item) -> int:
    """0 to 100: how likely ``found`` is what was reported ``lost``. 0 for another kind of item,
    or a find too long before the loss or too long after it."""
    if lost.category != found.category:
        return 0
    gap = found.at - lost.at
    if gap < -REPORTED_LATE or gap > LOOK_BACK:
        return 0
    points = 40.0  # the same kind of item
    hours = max(gap.total_seconds(), 0) / 3600
    points += 25 * max(0.0, 1 - hours / (LOOK_BACK.total_seconds() / 3600))  # the sooner found, the likelier
    lost_place, found_place = words(lost.place), words(found.place)
    if lost_place and lost_place == found_place:
        points += 20
    else:
        points += 20 * _overlap(lost_place, found_place)
    points += 15 * _overlap(words(lost.description), words(found.description))
    return min(100, round(points))


def likely(record: Item, others: list[tuple[object, Item]], *, limit: int = 5) -> list[tuple[object, int]]:
    """The records on the other side worth showing beside ``record``, likeliest first, each with
    its score (``others`` are (key, item) pairs; a key is whatever the caller needs back)."""
    scored = []
    for key, other in others:
        if other.side == record.side:
            continue
        lost, found = (record, other) if record.side is Side.LOST else (other, record)
        points = score(lost, found)
        if points >= MIN_SCORE:
            scored.append((key, points))
    scored.sort(key=lambda pair: -pair[1])
    return scored[:limit]


def disposal_due(state: str, found_at: datetime, now: datetime, days: int = DEFAULT_UNCLAIMED_DAYS) -> bool:
    """A found item still unclaimed ``days`` after it was found is listed for disposal."""
    return state == State.OPEN.value and now >= found_at + timedelta(days=days)


def unclaimed_before(now: datetime, days: int = DEFAULT_UNCLAIMED_DAYS) -> datetime:
    """Found items found before this moment and still open are due (for a query)."""
    return now - timedelta(days=days)


def check_record(side: str, category: str, description: str, place: str, at: datetime | None, now: datetime,
                 contact: str = "", has_reporter: bool = False) -> dict[str, str]:
    """Problems with a record as given: field -> code (empty when none)."""
    problems: dict[str, str] = {}
    if side not in Side._value2member_map_:
        problems["side"] = "side_missing"
    if category not in Category._value2member_map_:
        problems["category"] = "category_missing"
    if not description.strip():
        problems["description"] = "description_missing"
    elif len(description) > MAX_DESCRIPTION:
        problems["description"] = "description_too_long"
    if not place.strip():
        problems["place"] = "place_missing"
    if at is None:
        problems["when"] = "when_missing"
    elif at > now + timedelta(minutes=5):
        problems["when"] = "when_in_future"
    if side == Side.LOST.value and not has_reporter and not contact.strip():
        problems["contact"] = "contact_missing"
    return problems
