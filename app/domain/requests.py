"""Residents' enquiries, complaints and repair requests: the kinds, the states each passes
through, the teams the desk hands them to, and when the follow-up (回訪) is overdue. Pure rules:
the services apply each move with one conditional UPDATE, so two people at the desk cannot
both move the same request.

new -> assigned -> in_progress -> done -> followed_up
(the desk may record it done straight from new or assigned, when it was settled at the counter)

A done request is followed up: the resident says whether it was resolved and how satisfied they
are (one tap from the notification, or in the app), or the desk writes down what they said on
the phone. One not followed up within ``FOLLOW_UP_DAYS`` is overdue: on the desk's list and in
the handover.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta


class Kind(str, enum.Enum):
    ENQUIRY = "enquiry"
    COMPLAINT = "complaint"
    VISITOR_COMPLAINT = "visitor_complaint"  # about the visitor process itself (seed 000 3(三))
    REPAIR = "repair"


class State(str, enum.Enum):
    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    FOLLOWED_UP = "followed_up"


class Team(str, enum.Enum):
    MAINTENANCE = "maintenance"
    CLEANING = "cleaning"
    SECURITY = "security"
    MANAGEMENT = "management"


class Satisfaction(str, enum.Enum):
    SATISFIED = "satisfied"
    NEUTRAL = "neutral"
    DISSATISFIED = "dissatisfied"


class Channel(str, enum.Enum):
    """How a request reached the desk."""

    APP = "app"
    COUNTER = "counter"
    PHONE = "phone"


FOLLOW_UP_CHANNELS = ("notification", "app", "call")

S = State
TRANSITIONS: dict[State, frozenset[State]] = {
    S.NEW: frozenset({S.ASSIGNED, S.DONE}),
    S.ASSIGNED: frozenset({S.ASSIGNED, S.IN_PROGRESS, S.DONE}),  # handed to another team
    S.IN_PROGRESS: frozenset({S.DONE}),
    S.DONE: frozenset({S.FOLLOWED_UP}),
    S.FOLLOWED_UP: frozenset(),
}

# The desk's queue, in the order its columns show.
QUEUE_ORDER = (S.NEW, S.ASSIGNED, S.IN_PROGRESS, S.DONE, S.FOLLOWED_UP)
OPEN_STATES = frozenset({S.NEW, S.ASSIGNED, S.IN_PROGRESS})

FOLLOW_UP_DAYS = 3
MAX_TEXT = 2000
MAX_PHOTOS = 3


def sources(target: State) -> frozenset[State]:
    """The states a request may move to ``target`` from."""
    return frozenset(s for s, targets in TRANSITIONS.items() if target in targets)


def can_move(current: str, target: State) -> bool:
    try:
        return target in TRANSITIONS[State(current)]
    except ValueError:
        return False


def follow_up_deadline(done_at: datetime) -> datetime:
    return done_at + timedelta(days=FOLLOW_UP_DAYS)


def follow_up_overdue(state: str, done_at: datetime | None, now: datetime) -> bool:
    """A done request not followed up within ``FOLLOW_UP_DAYS`` of being done."""
    return state == S.DONE.value and done_at is not None and now >= follow_up_deadline(done_at)


def overdue_since(now: datetime) -> datetime:
    """Requests done before this moment and still not followed up are overdue (for a query)."""
    return now - timedelta(days=FOLLOW_UP_DAYS)


@dataclass(frozen=True)
class Problem:
    """Why a request could not be raised: a field and a code the page turns into a sentence."""

    field: str
    code: str


def check_new(kind: str, text: str, photos: int) -> list[Problem]:
    """What is wrong with a new request as given (empty when nothing is)."""
    problems = []
    if kind not in Kind._value2member_map_:
        problems.append(Problem("kind", "kind_missing"))
    if not text.strip():
        problems.append(Problem("text", "text_missing"))
    elif len(text) > MAX_TEXT:
        problems.append(Problem("text", "text_too_long"))
    if photos > MAX_PHOTOS:
        problems.append(Problem("photos", "too_many_photos"))
    return problems


def answer_of(action: str) -> tuple[bool, Satisfaction] | None:
    """A one-tap answer from the notification: resolved and satisfied, or not resolved."""
    return {"satisfied": (True, Satisfaction.SATISFIED), "not_resolved": (False, Satisfaction.DISSATISFIED)}.get(action)
