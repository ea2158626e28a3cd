"""The phone's offline verdicts follow the server's rules: every case in the shared vector file
(also run in Chromium against static/js/verdict.js by e2e/test_offline_verdicts.py)."""

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from app.domain import offline, passes

VECTORS = json.loads((Path(__file__).parent.parent / "vectors" / "offline_verdicts.json").read_text())["cases"]


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize("case", VECTORS, ids=[c["name"] for c in VECTORS])
def test_the_offline_verdict_of_each_case(case):
    verdict = offline.judge(
        case["entry"], now=moment(case["now"]), tz=case["timezone"], watchlist=frozenset(case["watchlist"]),
        list_age=timedelta(seconds=case["list_age_seconds"]), max_age=timedelta(seconds=case["max_age_seconds"]),
    )
    expect = case["expect"]
    assert verdict.reason == expect["reason"]
    if "entries_left" in expect:
        assert verdict.entries_left == expect["entries_left"]
    if "next_window" in expect:
        assert verdict.next_window is not None
        assert [verdict.next_window.starts_at, verdict.next_window.ends_at] == [moment(t) for t in expect["next_window"]]


def test_the_cases_cover_every_reason_and_the_stale_list():
    covered = {c["expect"]["reason"] for c in VECTORS}
    assert covered == {r.value for r in passes.Reason} | {offline.STALE}


def test_a_manifest_entry_judges_as_the_stored_pass_does():
    """The entry the server sends is the pass: judged from either, the verdict is the same."""
    case = next(c for c in VECTORS if c["entry"] and c["entry"].get("weekdays"))
    item = case["entry"]
    row = {"starts_at": moment(case["now"]) - timedelta(days=1), "ends_at": moment(case["now"]) + timedelta(days=30),
           "weekdays": item["weekdays"], "daily_start": item["daily_start"], "daily_end": item["daily_end"],
           "max_entries": None, "entries": 0, "inside": False, "revoked_at": None, "id": "p", "guest_name": "g",
           "unit_label": "u", "purpose": "other", "party_size": 1, "vehicle_plate": "", "guest_name_key": "g",
           "guest_phone_key": ""}
    sent = offline.entry(row, b"k")
    for hours in range(0, 24 * 8, 5):
        now = moment(case["now"]) + timedelta(hours=hours)
        tz = case["timezone"]
        assert passes.check(offline.facts(sent, tz), now=now) == passes.check(passes.facts_from_record(row, tz), now=now)


@pytest.mark.parametrize("hours, ok", [(0, False), (1, True), (12, True), (48, True), (49, False), (-12, False)])
def test_the_estates_limit_on_the_lists_age_is_one_hour_to_two_days(hours, ok):
    assert offline.valid_max_age_hours(hours) is ok
