"""When a guard's action really happened, from the phone's clock and the server's.

Every action carries two phone times: when the guard acted (``device_time``) and when the phone
sent it (``sent_at``; an action kept in the outbox is sent minutes or hours later). The server
adds the third: when it arrived. The phone's clock may be wrong, but it is wrong by the same
amount at both phone times, so ``sent_at - arrived_at`` measures the error, and the moment of
the action on the server's clock is ``device_time`` less that error. An action cannot have
happened after it arrived: the arrival bounds what is believed.

A phone whose clock is more than ``SKEW_LIMIT`` off is flagged, so a supervisor can see whose
times to doubt; its actions still count, at the corrected time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

SKEW_LIMIT = timedelta(minutes=2)
# Sending takes time too (radio wake-up, a slow network): an error smaller than this is the
# trip, not the clock.
TRIP_ALLOWANCE = timedelta(seconds=5)


@dataclass(frozen=True)
class Timing:
    happened_at: datetime  # on the server's clock, never after the arrival
    device_time: datetime | None  # as the phone said
    clock_offset: timedelta | None  # phone clock minus server clock, when it could be measured
    skewed: bool  # the phone's clock is off by more than SKEW_LIMIT

    @property
    def offset_seconds(self) -> int | None:
        return None if self.clock_offset is None else round(self.clock_offset.total_seconds())


def believe(device_time: datetime | None, sent_at: datetime | None, arrived_at: datetime) -> Timing:
    """The moment an action happened, given what the phone said and when it arrived. Without
    ``sent_at`` the action is taken to have been sent the moment it was made."""
    offset = None
    sent_at = sent_at or device_time
    if sent_at is not None:
        measured = sent_at - arrived_at
        offset = measured if abs(measured) > TRIP_ALLOWANCE else timedelta(0)
    if device_time is None:
        return Timing(arrived_at, None, offset, _skewed(offset))
    happened = device_time - offset if offset is not None else device_time
    return Timing(min(happened, arrived_at), device_time, offset, _skewed(offset))


def _skewed(offset: timedelta | None) -> bool:
    return offset is not None and abs(offset) > SKEW_LIMIT
