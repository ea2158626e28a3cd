"""What an action taken with no signal conflicts with, when it reaches the server."""

from datetime import datetime, timedelta, timezone

import pytest

from app.domain.conflicts import Conflict, SAME_EXIT, of_admission, of_exit
from app.domain.passes import Reason

NOW = datetime(2026, 12, 6, 19, 3, tzinfo=timezone.utc)


@pytest.mark.parametrize("reason, conflict", [
    (Reason.VALID, None),
    (Reason.ALREADY_INSIDE, Conflict.DOUBLE_ADMISSION),
    (Reason.USED_UP, Conflict.DOUBLE_ADMISSION),
    (Reason.REVOKED, Conflict.ADMITTED_AFTER_REVOCATION),
    (Reason.EXPIRED, Conflict.ADMITTED_OUTSIDE_WINDOW),
    (Reason.NOT_YET_VALID, Conflict.ADMITTED_OUTSIDE_WINDOW),
    (Reason.OUTSIDE_HOURS, Conflict.ADMITTED_OUTSIDE_WINDOW),
    (Reason.WATCHLIST, Conflict.ADMITTED_WATCHLISTED),
    (Reason.UNKNOWN, None),  # nothing to record it on: a refusal
])
def test_an_offline_admission_conflicts_with_every_server_verdict_but_valid(reason, conflict):
    assert of_admission(reason, offline=True) is conflict


@pytest.mark.parametrize("reason", list(Reason))
def test_an_admission_made_online_never_conflicts(reason):
    assert of_admission(reason, offline=False) is None


def test_an_offline_exit_for_a_pass_never_admitted_conflicts():
    assert of_exit(None, NOW, ever_admitted=False, offline=True) is Conflict.EXIT_WITHOUT_ENTRY


def test_an_offline_exit_after_the_last_visit_had_ended_conflicts():
    assert of_exit(NOW - timedelta(hours=3), NOW, ever_admitted=True, offline=True) is Conflict.EXIT_WITHOUT_ENTRY


def test_the_same_exit_recorded_by_two_guards_is_no_conflict():
    assert of_exit(NOW - SAME_EXIT, NOW, ever_admitted=True, offline=True) is None
    assert of_exit(NOW + timedelta(minutes=20), NOW, ever_admitted=True, offline=True) is None


def test_an_online_exit_with_nothing_to_close_is_no_conflict():
    assert of_exit(None, NOW, ever_admitted=False, offline=False) is None
