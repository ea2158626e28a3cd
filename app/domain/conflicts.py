"""What the server makes of a guard's action taken with no signal, when it arrives.

At the gate the phone judged the pass from its own list (``static/js/verdict.js``) and the
guard acted. By the time the action reaches the server the list may have been out of date: the
resident revoked the pass, another gate admitted the same single-entry pass, the phone's clock
was wrong. The guard's action is a fact (the visitor is inside), so it is recorded all the
same, and the disagreement is kept for a supervisor to review: nothing is merged or dropped.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from app.domain.passes import Reason

# Two guards recording the same exit (one with no signal) do not agree to the second.
SAME_EXIT = timedelta(minutes=5)


class Conflict(str, enum.Enum):
    DOUBLE_ADMISSION = "double_admission"                  # admitted again while inside or used up
    ADMITTED_AFTER_REVOCATION = "admitted_after_revocation"
    ADMITTED_OUTSIDE_WINDOW = "admitted_outside_window"    # not yet valid, expired or outside its hours
    ADMITTED_WATCHLISTED = "admitted_watchlisted"
    EXIT_WITHOUT_ENTRY = "exit_without_entry"              # an exit for a visitor never admitted


# Review items that are not conflicts: an action the server refused when a phone sent it later.
REFUSED = "refused"

_ADMISSIONS = {
    Reason.ALREADY_INSIDE: Conflict.DOUBLE_ADMISSION,
    Reason.USED_UP: Conflict.DOUBLE_ADMISSION,
    Reason.REVOKED: Conflict.ADMITTED_AFTER_REVOCATION,
    Reason.NOT_YET_VALID: Conflict.ADMITTED_OUTSIDE_WINDOW,
    Reason.EXPIRED: Conflict.ADMITTED_OUTSIDE_WINDOW,
    Reason.OUTSIDE_HOURS: Conflict.ADMITTED_OUTSIDE_WINDOW,
    Reason.WATCHLIST: Conflict.ADMITTED_WATCHLISTED,
}


def of_admission(server_verdict: Reason, *, offline: bool) -> Conflict | None:
    """The conflict an admission records, given the server's verdict at the moment it happened.

    None when the server agrees (valid), and for an admission made online: the guard saw the
    server's verdict and it stands. An unknown pass cannot be recorded at all: that is a refusal.
    """
    if not offline:
        return None
    return _ADMISSIONS.get(server_verdict)


def of_exit(last_exit_at: datetime | None, happened_at: datetime, *, ever_admitted: bool,
            offline: bool) -> Conflict | None:
    """An exit taken with no signal for a pass with no open visit: a conflict when its holder was
    never admitted, or not since their last exit; none when another guard recorded the same exit
    meanwhile (the last exit is no earlier than this one, give or take ``SAME_EXIT``)."""
    if not offline:
        return None
    if ever_admitted and last_exit_at is not None and last_exit_at >= happened_at - SAME_EXIT:
        return None
    return Conflict.EXIT_WITHOUT_ENTRY
