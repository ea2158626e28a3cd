"""Live screens: telling the screens that wait that what they show has changed, once the change
has committed (``db.after_commit``: a change rolled back tells no one), and the channels one
person's stream may listen to.

A service that changes what a live screen shows calls ``changed`` inside its transaction,
next to its notifications and audit record::

    live.changed(Topic.WALKINS, estate=scope.estate_id, units=[reg["unit"]])

The event names the topic only; the screens that show it ask for their partial again, and that
request is scoped like any other. Who hears it is ``domain/live.py``'s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from uuid import UUID

from app import db
from app.domain.live import FEEDS_HANDOVER, Topic, channels_of, subscriptions
from app.services.scope import Scope, Viewer

# Hands an event (a topic's name) to the channels (``create_app`` gives the channels plugin's
# ``publish``: services do not import the web framework). None outside the server (the command
# line): nobody there holds a stream.
Send = Callable[[str, list[str]], None]
_send: Send | None = None


def use_sender(send: Send | None) -> None:
    global _send
    _send = send


def changed(topic: Topic, *, estate: UUID | None = None, units: Iterable[UUID | None] = (),
            people: Iterable[UUID | None] = ()) -> None:
    """``topic`` changed in ``estate`` (for its staff who hear it), for the households of
    ``units`` and for ``people``: their streams hear of it after the transaction open here
    commits, or at once when none is open. A topic a handover is compiled from is also a change
    of the estate's handover (``FEEDS_HANDOVER``)."""
    if _send is None:
        return
    channels = channels_of(topic, estate=estate, units=units, people=people)
    if channels:
        db.after_commit(partial(_send, topic.value, channels))
    if topic in FEEDS_HANDOVER and estate is not None:  # the handover pages compile from it
        db.after_commit(partial(_send, Topic.HANDOVER.value, channels_of(Topic.HANDOVER, estate=estate)))


async def channels_for(viewer: Viewer, scope: Scope | None) -> frozenset[str]:
    """What one person's stream listens to: their own topics and, inside an estate, what their
    roles there and their households hear."""
    if scope is None:
        return subscriptions(viewer.person_id)
    return subscriptions(viewer.person_id, estate=scope.estate_id, roles=scope.roles,
                         units=await scope.household_unit_ids())
