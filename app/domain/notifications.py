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
    SLIP_CONSENT_REQUEST = "slip_consent_request"  # owners: a tenant's or contractor's slip (Approve / Refuse)
    SLIP_CONSENT_DECIDED = "slip_consent_decided"  # requester, other owners: who answered, and how
    SLIP_DESK_REVIEW = "slip_desk_review"          # front desk: a slip waits for their check (Approve)
    SLIP_SUPERVISOR_REVIEW = "slip_supervisor_review"  # supervisors: a slip waits for the second approval (Approve)
    SLIP_APPROVED = "slip_approved"                # requester: the slip has its QR code
    SLIP_RETURNED = "slip_returned"                # requester: the desk sent it back, with why
    SLIP_REFUSED = "slip_refused"                  # requester: refused by an owner or the supervisor
    SLIP_RELEASED = "slip_released"                # requester: the goods left through a gate
    SLIP_HELD = "slip_held"                        # requester, front desk: stopped at the gate, to amend
    PERMIT_DECIDED = "permit_decided"              # holder: a standing goods permit granted or refused
    ACTION_REVIEW = "action_review"            # supervisor: a guard's action to check (a conflict, a refusal)
    HANDOVER_OVERDUE = "handover_overdue"      # supervisor: a handover not acknowledged 15 minutes after the shift change
    ROUND_NOT_STARTED = "round_not_started"    # supervisor: a patrol round was not started in time
    INCIDENT_URGENT = "incident_urgent"        # supervisor, manager, guards: an urgent incident was reported
    INCIDENT_DISPATCHED = "incident_dispatched"  # patrol guard: sent to an incident (I'm on it)
    REQUEST_NEW = "request_new"                # front desk: a resident raised an enquiry, complaint or repair
    REQUEST_ASSIGNED = "request_assigned"      # staff: a request handed to them
    REQUEST_DONE = "request_done"              # household: their request is done; resolved? (Satisfied / Not resolved)
    LOST_ITEM_FOUND = "lost_item_found"        # the resident who reported it: an item that may be theirs was found
    RECORDS_DISCLOSED = "records_disclosed"    # admins, other managers: visitor records were handed to an authority


# Kinds that ask the person to decide, with the actions their notification carries.
ACTIONS: dict[Kind, tuple[str, ...]] = {
    Kind.CONSENT_REQUEST: ("approve", "refuse"),
    Kind.ESCALATION: ("admit", "turn_away"),
    Kind.SLIP_CONSENT_REQUEST: ("approve", "refuse"),
    # An approval from the notification approves; a refusal needs a reason, written on the page.
    Kind.SLIP_DESK_REVIEW: ("approve",),
    Kind.SLIP_SUPERVISOR_REVIEW: ("approve",),
    Kind.INCIDENT_DISPATCHED: ("acknowledge",),
    # The follow-up (回訪) in one tap: resolved and satisfied, or not resolved.
    Kind.REQUEST_DONE: ("satisfied", "not_resolved"),
}

# Kinds a person cannot switch off for push: someone is waiting for the answer (at a gate, or
# at the desk with their goods).
# A request's follow-up question is among them: it asks an answer, and one tap on the push is
# the whole follow-up (回訪).
ALWAYS_PUSHED = frozenset({Kind.CONSENT_REQUEST, Kind.ESCALATION, Kind.EMERGENCY, Kind.SLIP_CONSENT_REQUEST,
                           Kind.SLIP_DESK_REVIEW, Kind.SLIP_SUPERVISOR_REVIEW, Kind.INCIDENT_URGENT,
                           Kind.INCIDENT_DISPATCHED, Kind.REQUEST_DONE})


def parse_kinds(text: str) -> frozenset[Kind]:
    """A stored comma-separated choice; unknown names are ignored, empty means every kind."""
    chosen = {Kind(k) for k in (text or "").split(",") if k in Kind._value2member_map_}
    return frozenset(chosen) if chosen else frozenset(Kind)


def wants_push(chosen: frozenset[Kind], kind: Kind) -> bool:
    return kind in ALWAYS_PUSHED or kind in chosen
