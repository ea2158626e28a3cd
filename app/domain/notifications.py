"""Kinds of notification, who may choose not to get them by push, and which ask a decision.

Every notification is stored for the in-app list whatever the person chose; the choice of
kinds only decides what a device is woken for.
"""

from __future__ import annotations

import enum


class Kind(str, enum.Enum):
    VISITOR_ARRIVED = "visitor_arrived"        # household: your guest arrived at a gate
    VISITOR_LEFT = "visitor_left"              # household: your guest left
    CONSENT_REQUEST = "consent_request"        # household: a walk-in asks to visit (Approve / Refuse)
    CONSENT_DECIDED = "consent_decided"        # household and guard: who answered, and how
    ESCALATION = "escalation"                  # manager: household unreachable, the visitor says it is urgent
    ESCALATION_DECIDED = "escalation_decided"  # guard: the manager's decision
    EMERGENCY = "emergency"                    # household, manager, patrol: emergency entry
    ESCORT_TASK = "escort_task"                # patrol: accompany a visitor, or go to a unit
    REFUSED_TO_REGISTER = "refused_to_register"  # manager, front desk
    PROHIBITED_ITEMS = "prohibited_items"      # manager


# Kinds that ask the person to decide, with the actions their notification carries.
ACTIONS: dict[Kind, tuple[str, ...]] = {
    Kind.CONSENT_REQUEST: ("approve", "refuse"),
    Kind.ESCALATION: ("admit", "turn_away"),
}

# Kinds a person cannot switch off for push: someone is waiting at a gate for the answer.
ALWAYS_PUSHED = frozenset({Kind.CONSENT_REQUEST, Kind.ESCALATION, Kind.EMERGENCY})


def parse_kinds(text: str) -> frozenset[Kind]:
    """A stored comma-separated choice; unknown names are ignored, empty means every kind."""
    chosen = {Kind(k) for k in (text or "").split(",") if k in Kind._value2member_map_}
    return frozenset(chosen) if chosen else frozenset(Kind)


def wants_push(chosen: frozenset[Kind], kind: Kind) -> bool:
    return kind in ALWAYS_PUSHED or kind in chosen
