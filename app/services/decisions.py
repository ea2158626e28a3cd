"""Decisions a notification asks for, by kind of notification: a registry.

A notification that asks a decision (a household's consent for a walk-in, an owner's consent
for a goods release slip, an approval) is answered from the in-app list or from the push
notification's action buttons, through one path (``notifications.act``). That path knows no
capability: each capability registers, for each of its kinds, how to read where its decisions
stand (still open, or how they ended and by whom) and how to answer one as the person asked.
Registration happens when the capability's module is imported, which the app does at start.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Awaitable, Callable
from uuid import UUID

from app.domain.notifications import ACTIONS, Kind
from app.services.scope import Scope


@dataclass(frozen=True)
class Standing:
    """Where one decision stands: open, or closed with how (a message id such as
    ``N_("approved")``, translated by the reader) and the name of who decided, if anyone."""

    open: bool
    outcome: str = ""
    decided_by: str = ""


# Where the decisions about these subjects stand (subjects not found are left out).
Reader = Callable[[list[UUID]], Awaitable[dict[UUID, Standing]]]
# Answer as the person in ``scope``: a dict with "decided" (this answer decided) and, when it
# did not, optionally "message" (a message id saying why, e.g. fees in arrears).
Answerer = Callable[[Scope, UUID, str], Awaitable[dict]]


@dataclass(frozen=True)
class Decision:
    kind: Kind
    read: Reader
    answer: Answerer


_registry: dict[Kind, Decision] = {}


def register(kind: Kind, *, read: Reader, answer: Answerer) -> None:
    """Called once per kind by the capability that owns it."""
    if kind not in ACTIONS:
        raise ValueError(f"{kind.value} offers no actions, so it asks no decision")
    existing = _registry.get(kind)
    if existing is not None and (existing.read, existing.answer) != (read, answer):
        raise ValueError(f"{kind.value} is registered twice")
    _registry[kind] = Decision(kind, read, answer)


def of(kind: Kind | str | None) -> Decision | None:
    if isinstance(kind, str):
        kind = Kind._value2member_map_.get(kind)  # type: ignore[assignment]
    return _registry.get(kind) if kind is not None else None  # type: ignore[arg-type]


def registered() -> frozenset[Kind]:
    return frozenset(_registry)
