"""Live screens: what a change is called, who may hear of it, and the channels that carry it.

A screen that waits for someone else (the guard's waiting screen, the desk's queue) holds one
event stream for its person and, when a topic it shows changes, asks again for the partial it
polls. An event is a topic's name and nothing else, so nothing personal travels in it; who
hears it is decided by the channel it goes out on, made here from the same facts as every
query's scope: the roles a person holds in an estate, the households they belong to, and
themselves.

To make a screen live: name its topic here (with who hears it), mark the partial's region in
the template (``_partials/live.html``), and have the services that change what it shows call
``live.changed`` (docs/adding-a-capability.md, "Live screens").
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from app.domain.roles import Role


class Topic(str, enum.Enum):
    WALKINS = "walkins"                  # walk-in registrations: waiting screen, open list, decisions, consents
    SLIPS = "slips"                      # goods release slips: the desk's queue, slips to approve
    LOBBY = "lobby"                      # today's expected visitors: passes and their visits
    NOTIFICATIONS = "notifications"      # a person's notifications: the unread count
    PATROL = "patrol"                    # patrol rounds: the supervisor's board
    INCIDENTS = "incidents"              # incidents: the supervisor's list and detail, a guard's dispatch tasks
    REQUESTS = "requests"                # residents' requests: the desk's queue, the household's own list
    LOST_FOUND = "lost_found"            # lost and found records: the desk's board
    HANDOVER = "handover"                # what a shift handover lists, and its acknowledgements


@dataclass(frozen=True)
class Audience:
    """Who hears of a topic's changes."""

    staff: frozenset[Role] = frozenset()  # holders of these roles in the estate where it changed
    household: bool = False               # the households of the units it concerns
    personal: bool = False                # the people it concerns, in whichever estate they look


AUDIENCES: dict[Topic, Audience] = {
    Topic.WALKINS: Audience(staff=frozenset({Role.GATE_GUARD, Role.MANAGER, Role.SUPERVISOR, Role.FRONT_DESK}),
                            household=True),
    Topic.SLIPS: Audience(staff=frozenset({Role.FRONT_DESK, Role.SUPERVISOR, Role.MANAGER})),
    Topic.LOBBY: Audience(staff=frozenset({Role.FRONT_DESK, Role.SUPERVISOR, Role.MANAGER})),
    Topic.NOTIFICATIONS: Audience(personal=True),
    Topic.PATROL: Audience(staff=frozenset({Role.SUPERVISOR, Role.MANAGER, Role.PATROL_GUARD})),
    Topic.INCIDENTS: Audience(staff=frozenset({Role.SUPERVISOR, Role.MANAGER, Role.PATROL_GUARD, Role.GATE_GUARD})),
    Topic.REQUESTS: Audience(staff=frozenset({Role.FRONT_DESK, Role.SUPERVISOR, Role.MANAGER}), household=True),
    Topic.LOST_FOUND: Audience(staff=frozenset({Role.FRONT_DESK, Role.SUPERVISOR, Role.MANAGER})),
    Topic.HANDOVER: Audience(staff=frozenset({Role.FRONT_DESK, Role.GATE_GUARD, Role.PATROL_GUARD, Role.SUPERVISOR,
                                              Role.MANAGER})),
}

# What a shift handover is compiled from (app/services/handover_sources.py): a change of one of
# these in an estate is a change of its handover too, heard by everyone on duty whatever the
# topics their roles hear (a gate guard's handover lists held slips). The duty log and the
# handovers themselves say HANDOVER directly.
FEEDS_HANDOVER = frozenset({Topic.SLIPS, Topic.LOBBY, Topic.WALKINS, Topic.INCIDENTS, Topic.REQUESTS,
                            Topic.LOST_FOUND})

# What a stream says besides topics: it is open (the page asks again for what it shows, in case
# something changed before it was), the server lost its events for a while and the page should
# ask again, the stream ends and the page should open another at once (its person and roles are
# looked up again then), or the person opened more streams than they may hold and this, their
# oldest, closes (the page polls until it is shown again).
READY, RESYNC, AGAIN, DISPLACED = "ready", "resync", "again", "displaced"


def _estate(estate: UUID, topic: Topic) -> str:
    return f"gp.e.{estate.hex}.{topic.value}"


def _unit(unit: UUID, topic: Topic) -> str:
    return f"gp.u.{unit.hex}.{topic.value}"


def _person(person: UUID, topic: Topic) -> str:
    return f"gp.p.{person.hex}.{topic.value}"


def channels_of(topic: Topic, *, estate: UUID | None = None, units: Iterable[UUID | None] = (),
                people: Iterable[UUID | None] = ()) -> list[str]:
    """The channels a change of ``topic`` goes out on: the estate's staff who hear it, the
    households of ``units``, and ``people``, as far as the topic's audience reaches. (At most
    63 bytes each: PostgreSQL's limit for a channel's name.)"""
    audience = AUDIENCES[topic]
    found: list[str] = []
    if audience.staff and estate is not None:
        found.append(_estate(estate, topic))
    if audience.household:
        found.extend(_unit(unit, topic) for unit in dict.fromkeys(units) if unit is not None)
    if audience.personal:
        found.extend(_person(person, topic) for person in dict.fromkeys(people) if person is not None)
    return found


def subscriptions(person: UUID, *, estate: UUID | None = None, roles: Iterable[Role] = (),
                  units: Iterable[UUID] = ()) -> frozenset[str]:
    """The channels one person's stream listens to: their own topics everywhere, and, in an
    estate, the topics their roles there hear and their households' topics."""
    held = frozenset(roles)
    found = {_person(person, topic) for topic, audience in AUDIENCES.items() if audience.personal}
    if estate is not None:
        found.update(_estate(estate, topic) for topic, audience in AUDIENCES.items() if audience.staff & held)
        found.update(_unit(unit, topic) for unit in units
                     for topic, audience in AUDIENCES.items() if audience.household)
    return frozenset(found)
