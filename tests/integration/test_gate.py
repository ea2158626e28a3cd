"""The gate guard scans, admits and lets out: every verdict through the route, admissions that
happen once, exits, lost passes, and other estates' codes and visits kept out."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.domain.notifications import Kind
from app.domain.roles import Role
from app.domain.tokens import Kind as CodeKind
from app.domain.watchlist import norm_name, norm_phone
from app.models.audit import AuditEvent
from app.models.notifications import Notification
from app.models.visitors import GateRefusal, GuardAction, Visit, VisitorPass, WatchlistEntry
from app.services import clock, codes, invitations, sealed
from app.services import gate as gate_service
from app.services.clock import utcnow
from tests.integration.forms import post_form
from tests.integration.gate_helpers import GateClient, gate_id, make_pass, verdict

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
async def at_gate(client, csrf, sign_in_en, make_estate):
    """Harbour-like estate with Li Qiang on the gate and Wang Fang at home in 1-1-0101."""
    estate = await make_estate()
    guard = await estate.person("Li Qiang", Role.GATE_GUARD)
    host = await estate.person("Wang Fang", Role.RESIDENT, unit="1-1-0101")
    await sign_in_en(guard)
    gate = GateClient(client, csrf, estate)
    gate.guard, gate.host = guard, host
    return gate


async def barred(estate, *, name: str = "", phone: str = "", **fields) -> WatchlistEntry:
    """A watchlist entry as the front desk's form stores it (details in normal form)."""
    entry = WatchlistEntry(**sealed.seal(WatchlistEntry, dict(
        estate=estate.id, reason="seen stealing bicycles", name=name, name_key=norm_name(name), phone=norm_phone(phone),
        **fields)))
    await entry.save()
    return entry


async def visits_of(pass_row) -> list[dict]:
    return await Visit.select().where(Visit.visitor_pass == pass_row.id)


async def stored(pass_row) -> dict:
    return await VisitorPass.select().where(VisitorPass.id == pass_row.id).first()


# Verdicts -------------------------------------------------------------------------------------


async def test_a_valid_pass_shows_the_guest_the_unit_and_what_is_left(at_gate):
    _, token = await make_pass(at_gate.estate, name="Zhang Wei", max_entries=3, vehicle_plate="沪B99999")
    response = await at_gate.verify(token)
    assert verdict(response) == "valid"
    for shown in ("Zhang Wei", "1-1-0101", "沪B99999", "2 people", ">3<"):
        assert shown in response.text
    assert 'data-admit' in response.text


async def test_verifying_a_valid_pass_writes_nothing(at_gate):
    row, token = await make_pass(at_gate.estate)
    actions = await GuardAction.count()
    await at_gate.verify(token)
    assert await visits_of(row) == []
    assert (await stored(row))["entries"] == 0
    assert await GuardAction.count() == actions
    assert await refusals_of(row) == []


async def refusals_of(pass_row) -> list[tuple]:
    rows = await GateRefusal.select(GateRefusal.reason, GateRefusal.gate, GateRefusal.guard).where(
        GateRefusal.visitor_pass == pass_row.id)
    return [(r["reason"], str(r["gate"]) if r["gate"] else None, r["guard"]) for r in rows]


@pytest.mark.parametrize("case,expected", [
    ("revoked", "revoked"),
    ("not_yet_valid", "not_yet_valid"),
    ("expired", "expired"),
    ("used_up", "used_up"),
    ("inside", "already_inside"),
    ("outside_hours", "outside_hours"),
])
async def test_each_refusal_has_its_reason(at_gate, case, expected):
    now = utcnow()
    fields: dict = {}
    if case == "revoked":
        fields["revoked_at"] = now
    elif case == "not_yet_valid":
        fields.update(starts=now + timedelta(hours=1), ends=now + timedelta(hours=3))
    elif case == "expired":
        fields.update(starts=now - timedelta(hours=3), ends=now - timedelta(seconds=1))
    elif case == "used_up":
        fields["entries"] = 1
    elif case == "inside":
        fields.update(entries=1, inside=True)
    elif case == "outside_hours":
        # Every day of this month, but only in an hour that has just passed (or not yet come).
        local = now.astimezone(SHANGHAI)
        hour = (local.hour + 12) % 24
        fields.update(starts=now - timedelta(days=3), ends=now + timedelta(days=3), weekdays="0,1,2,3,4,5,6",
                      daily_start=f"{hour:02d}:00", daily_end=f"{hour:02d}:30", max_entries=None)
    row, token = await make_pass(at_gate.estate, **fields)
    response = await at_gate.verify(token)
    assert verdict(response) == expected
    assert "data-admit" not in response.text
    # Turned away, it counts as the gate's refusal; a holder already inside is not turned away.
    assert await refusals_of(row) == ([] if case == "inside" else [(expected, None, at_gate.guard)])


async def test_a_refused_pass_counts_once_at_the_gate_the_guard_stands_at_however_often_it_is_scanned(
        at_gate, monkeypatch):
    row, token = await make_pass(at_gate.estate, revoked_at=utcnow())
    gate = await gate_id(at_gate.estate)
    response = await at_gate._post("/gate/verify", {"token": token, "gate": gate})
    assert verdict(response) == "revoked"
    for _ in range(3):  # the camera reading it again, the guard checking once more
        assert verdict(await at_gate.verify(token)) == "revoked"
    assert await refusals_of(row) == [("revoked", gate, at_gate.guard)]

    later = utcnow() + gate_service.REFUSAL_REPEAT + timedelta(seconds=1)
    monkeypatch.setattr(clock, "utcnow", lambda: later)
    await at_gate.verify(token)  # back after a while: another refusal
    assert len(await refusals_of(row)) == 2


async def test_a_watchlisted_guest_is_refused_by_name_or_phone(at_gate):
    await barred(at_gate.estate, phone="139 0000 1111")
    _, token = await make_pass(at_gate.estate, name="Someone Else", phone="+86 13900001111")
    assert verdict(await at_gate.verify(token)) == "watchlist"
    await barred(at_gate.estate, name="Zhao Si")
    _, token = await make_pass(at_gate.estate, name="zhao si")
    assert verdict(await at_gate.verify(token)) == "watchlist"


async def test_a_detail_left_empty_on_the_entry_or_the_pass_bars_no_one(at_gate):
    await barred(at_gate.estate, name="Zhao Si")
    await barred(at_gate.estate, phone="139 0000 1111")
    _, token = await make_pass(at_gate.estate, name="Qian Wu", phone="")
    assert verdict(await at_gate.verify(token)) == "valid"


async def test_the_scan_heeds_only_this_estates_entries_still_in_force(at_gate, make_estate):
    other = await make_estate()
    await barred(other, name="Qian Liu")
    await barred(at_gate.estate, name="Sun Qi", until=utcnow() - timedelta(seconds=1))
    gone = await barred(at_gate.estate, name="Zhou Ba")
    await WatchlistEntry.update({WatchlistEntry.removed_at: utcnow()}).where(WatchlistEntry.id == gone.id)
    for name in ("Qian Liu", "Sun Qi", "Zhou Ba"):
        _, token = await make_pass(at_gate.estate, name=name)
        assert verdict(await at_gate.verify(token)) == "valid", name


async def test_passes_made_before_phones_were_sealed_are_sealed_by_the_migration(at_gate):
    """The migration that seals the phones of earlier passes, run again over one as they were
    (the phone in plain, its key the phone's normal form): sealed, hashed, matched again."""
    from app.models.piccolo_migrations.gatepost_2026_12_07t19_00_01_000000 import forwards

    row, token = await make_pass(at_gate.estate, name="Wu  Jiu", phone="+86 139-0000-2222")
    await VisitorPass.update({VisitorPass.guest_phone: "13900002222", VisitorPass.guest_phone_key: "13900002222",
                              VisitorPass.guest_phone_masked: ""}).where(VisitorPass.id == row.id)
    await barred(at_gate.estate, phone="13900002222")
    assert verdict(await at_gate.verify(token)) == "valid"  # a plain key matches no keyed hash
    [seal] = (await forwards()).raw
    await seal()
    kept = await stored(row)
    assert sealed.is_sealed(kept["guest_phone"])
    assert sealed.open_value(VisitorPass, "guest_phone", kept["guest_phone"]) == "13900002222"
    assert kept["guest_phone_key"] == sealed.hash_of(sealed.PHONE, "+86 139 0000 2222")
    assert kept["guest_phone_masked"] == "139****2222"
    assert verdict(await at_gate.verify(token)) == "watchlist"


def _flip(token: str, index: int) -> str:
    raw = bytearray(base64.b32decode(token + "=" * (-len(token) % 8)))
    raw[index] ^= 0x04
    return base64.b32encode(bytes(raw)).decode().rstrip("=")


async def test_forged_truncated_altered_and_foreign_codes_are_unknown_and_reveal_nothing(at_gate, make_estate):
    row, token = await make_pass(at_gate.estate, name="Zhang Wei")
    other = await make_estate()
    _, foreign = await make_pass(other, name="Zhang Wei")
    forged = base64.b32encode(bytes([0x11]) + row.id.bytes + bytes(64)).decode().rstrip("=")
    for bad in (token[:-1], token[:60], _flip(token, 3), _flip(token, 40), forged, foreign, "", "HELLO", "x" * 5000):
        response = await at_gate.verify(bad)
        assert verdict(response) == "unknown", bad[:20]
        assert "Zhang Wei" not in response.text and "1-1-0101" not in response.text


async def test_the_pass_link_typed_by_hand_finds_the_pass_of_this_estate_only(at_gate, make_estate):
    row, _ = await make_pass(at_gate.estate, name="Zhang Wei")
    link_token = invitations.link_token(row.id)
    for typed in (link_token, link_token.upper(), f" http://localhost:8000/p/{link_token} "):
        response = await at_gate.verify(typed)
        assert verdict(response) == "valid" and "Zhang Wei" in response.text
    assert verdict(await at_gate.admit(f"http://localhost:8000/p/{link_token}")) == "admitted"
    other = await make_estate()
    foreign, _ = await make_pass(other, name="Foreign Guest")
    response = await at_gate.verify(invitations.link_token(foreign.id))
    assert verdict(response) == "unknown" and "Foreign Guest" not in response.text
    assert verdict(await at_gate.verify(link_token[:-1] + ("a" if link_token[-1] != "a" else "b"))) == "unknown"


async def test_a_release_slip_or_checkpoint_code_says_what_it_is(at_gate):
    slip = await codes.sign(at_gate.estate.id, CodeKind.RELEASE_SLIP, uuid.uuid4())
    response = await at_gate.verify(slip)
    assert verdict(response) == "unknown"  # the scanner reads slips now: this one is of no slip here
    response = await at_gate.admit(slip)
    assert verdict(response) == "release_slip"  # a slip admits nobody
    assert "This is a goods release slip code, not a visitor pass" in response.text
    checkpoint = await codes.sign(at_gate.estate.id, CodeKind.CHECKPOINT, uuid.uuid4())
    response = await at_gate.verify(checkpoint)
    assert verdict(response) == "checkpoint"
    assert "patrol checkpoint code" in response.text


async def test_the_scanner_page_opens_for_guards_with_the_gates_and_the_decoder(at_gate, client):
    response = await client.get(f"/e/{at_gate.estate.slug}/gate")
    assert response.status_code == 200
    assert "North Gate" in response.text
    assert "zxing_reader.wasm" in response.text and "data-scanner" in response.text


# Admitting ------------------------------------------------------------------------------------


async def test_admitting_records_the_visit_and_tells_the_household_once(at_gate):
    row, token = await make_pass(at_gate.estate, name="Zhang Wei")
    response = await at_gate.admit(token)
    assert verdict(response) == "admitted"
    [visit] = await visits_of(row)
    assert (visit["entry_number"], visit["admitted_by"], str(visit["entry_gate"])) == (
        1, at_gate.guard, await gate_id(at_gate.estate))
    assert visit["expected_until"] == row.ends_at
    assert visit["device_time"] is not None
    after = await stored(row)
    assert (after["entries"], after["inside"]) == (1, True)
    [note] = await Notification.select().where(Notification.subject == str(visit["id"]))
    assert note["person"] == at_gate.host and note["kind"] == Kind.VISITOR_ARRIVED.value
    assert note["url"] == f"/e/{at_gate.estate.slug}/invitations/{row.id}"
    params = note["params"] if isinstance(note["params"], dict) else __import__("json").loads(note["params"])
    assert params == {"guest": "Zhang Wei", "gate": "North Gate", "unit": "1-1-0101"}
    assert await AuditEvent.exists().where((AuditEvent.action == "visit.admitted") & (AuditEvent.subject == str(visit["id"])))

    again = await at_gate.admit(token)
    assert verdict(again) == "already_inside"
    assert len(await visits_of(row)) == 1


async def test_a_replayed_admit_returns_the_first_answer_and_changes_nothing(at_gate):
    row, token = await make_pass(at_gate.estate, max_entries=None)
    first = await at_gate.admit(token, key="same-key")
    replay = await at_gate.admit(token, key="same-key")
    assert verdict(first) == verdict(replay) == "admitted"
    assert len(await visits_of(row)) == 1
    assert (await stored(row))["entries"] == 1


async def test_admit_checks_the_pass_again_at_that_moment(at_gate):
    row, token = await make_pass(at_gate.estate)
    assert verdict(await at_gate.verify(token)) == "valid"
    await VisitorPass.update({VisitorPass.revoked_at: utcnow()}).where(VisitorPass.id == row.id)
    assert verdict(await at_gate.admit(token)) == "revoked"
    row2, token2 = await make_pass(at_gate.estate, name="Barred Person")
    await barred(at_gate.estate, name="Barred Person")
    assert verdict(await at_gate.admit(token2)) == "watchlist"
    assert await visits_of(row) == [] and await visits_of(row2) == []


async def test_validity_ends_exactly_at_the_second(at_gate, monkeypatch):
    ends = datetime(2031, 3, 14, 18, 0, tzinfo=SHANGHAI)
    starts = ends - timedelta(hours=9)
    on_time, token = await make_pass(at_gate.estate, starts=starts, ends=ends)
    late, late_token = await make_pass(at_gate.estate, starts=starts, ends=ends)
    monkeypatch.setattr(clock, "utcnow", lambda: ends)
    assert verdict(await at_gate.admit(token)) == "admitted"
    monkeypatch.setattr(clock, "utcnow", lambda: ends + timedelta(seconds=1))
    assert verdict(await at_gate.verify(late_token)) == "expired"
    assert verdict(await at_gate.admit(late_token)) == "expired"
    assert len(await visits_of(on_time)) == 1 and await visits_of(late) == []


# Exits ----------------------------------------------------------------------------------------


async def test_after_the_exit_a_single_entry_pass_is_used_up(at_gate):
    row, token = await make_pass(at_gate.estate)
    await at_gate.admit(token)
    assert verdict(await at_gate.verify(token)) == "already_inside"
    response = await at_gate.exit(token)
    assert verdict(response) == "exited"
    [visit] = await visits_of(row)
    assert visit["exited_at"] is not None and visit["exited_by"] == at_gate.guard
    assert (await stored(row))["inside"] is False
    assert await Notification.exists().where(
        (Notification.subject == str(visit["id"])) & (Notification.kind == Kind.VISITOR_LEFT.value))
    assert verdict(await at_gate.verify(token)) == "used_up"


async def test_a_multiple_entry_pass_is_valid_again_after_the_exit(at_gate):
    row, token = await make_pass(at_gate.estate, max_entries=None)
    await at_gate.admit(token)
    await at_gate.exit(token)
    assert verdict(await at_gate.verify(token)) == "valid"
    assert verdict(await at_gate.admit(token)) == "admitted"
    assert sorted(v["entry_number"] for v in await visits_of(row)) == [1, 2]


async def test_a_replayed_exit_changes_nothing(at_gate):
    row, token = await make_pass(at_gate.estate, max_entries=2)
    await at_gate.admit(token)
    first = await at_gate.exit(token, key="exit-key")
    [visit] = await visits_of(row)
    replay = await at_gate.exit(token, key="exit-key")
    assert verdict(first) == verdict(replay) == "exited"
    assert (await visits_of(row))[0]["exited_at"] == visit["exited_at"]
    assert (await stored(row))["entries"] == 1
    assert await Notification.count().where(
        (Notification.subject == str(visit["id"])) & (Notification.kind == Kind.VISITOR_LEFT.value)) == 1
    assert verdict(await at_gate.exit(token)) == "not_inside"


async def test_on_site_now_lists_visitors_with_the_overdue_marked(at_gate, client, csrf):
    fresh, token = await make_pass(at_gate.estate, name="Zhang Wei")
    late, late_token = await make_pass(at_gate.estate, name="Late Larry")
    await at_gate.admit(token)
    await at_gate.admit(late_token)
    await Visit.update({Visit.expected_until: utcnow() - timedelta(minutes=5)}).where(Visit.visitor_pass == late.id)
    page = await client.get(f"/e/{at_gate.estate.slug}/onsite")
    assert page.status_code == 200
    assert page.text.index("Late Larry") < page.text.index("Zhang Wei")  # newest first
    assert page.text.count("OVERDUE") == 1
    partial = await client.get(f"/e/{at_gate.estate.slug}/onsite/list")
    assert partial.status_code == 200 and "Late Larry" in partial.text
    unchanged = await client.get(f"/e/{at_gate.estate.slug}/onsite/list", headers={"if-none-match": partial.headers["etag"]})
    assert unchanged.status_code == 304

    [visit] = await visits_of(fresh)
    response = await post_form(client, csrf, f"/e/{at_gate.estate.slug}/visits/{visit['id']}/exit",
                               {"idem_key": "k1", "gate": await gate_id(at_gate.estate)})
    assert response.status_code == 303 and "done=exited" in response.headers["location"]
    assert (await visits_of(fresh))[0]["exited_at"] is not None
    assert "Zhang Wei" not in (await client.get(f"/e/{at_gate.estate.slug}/onsite/list")).text


async def test_a_lost_pass_needs_what_happened_and_closes_the_visit(at_gate, client, csrf):
    row, token = await make_pass(at_gate.estate, name="Zhang Wei")
    await at_gate.admit(token)
    [visit] = await visits_of(row)
    url = f"/e/{at_gate.estate.slug}/visits/{visit['id']}/lost-pass"
    refused = await post_form(client, csrf, url, {"idem_key": "lp0", "note": " ", "fee": "20"})
    assert refused.status_code == 422 and "Write what happened to the pass." in refused.text
    assert (await visits_of(row))[0]["exited_at"] is None
    done = await post_form(client, csrf, url, {"idem_key": "lp1", "note": "Dropped it in a taxi; ID checked", "fee": "20"})
    assert done.status_code == 303 and "done=lost_pass" in done.headers["location"]
    [closed] = await visits_of(row)
    assert closed["exited_at"] is not None
    assert (closed["exit_note"], closed["replacement_fee"]) == ("Dropped it in a taxi; ID checked", "20")
    assert (await stored(row))["inside"] is False
    assert await AuditEvent.exists().where((AuditEvent.action == "visit.lost_pass") & (AuditEvent.subject == str(visit["id"])))
    detail = await client.get(f"/e/{at_gate.estate.slug}/visits/{visit['id']}")
    assert detail.status_code == 200 and "Dropped it in a taxi" in detail.text


async def test_the_visit_detail_shows_the_guests_phone_to_staff(at_gate, client):
    row, token = await make_pass(at_gate.estate, name="Zhang Wei", phone="13912345678")
    await at_gate.admit(token)
    [visit] = await visits_of(row)
    detail = await client.get(f"/e/{at_gate.estate.slug}/visits/{visit['id']}")
    assert "13912345678" in detail.text
    onsite = await client.get(f"/e/{at_gate.estate.slug}/onsite")
    assert "13912345678" not in onsite.text


# Estates apart --------------------------------------------------------------------------------


async def test_another_estates_guard_sees_neither_the_code_nor_the_visit(at_gate, make_estate, sign_in_en, client, csrf):
    row, token = await make_pass(at_gate.estate, name="Zhang Wei")
    await at_gate.admit(token)
    [visit] = await visits_of(row)
    other = await make_estate("Other Estate")
    await sign_in_en(await other.person("Guard B", Role.GATE_GUARD))
    at_b = GateClient(client, csrf, other)
    response = await at_b.verify(token)
    assert verdict(response) == "unknown" and "Zhang Wei" not in response.text
    assert verdict(await at_b.admit(token)) == "unknown"
    for path in (f"/e/{other.slug}/visits/{visit['id']}",):
        assert (await client.get(path)).status_code == 404
    gone = await post_form(client, csrf, f"/e/{other.slug}/visits/{visit['id']}/exit", {"idem_key": "x"})
    assert gone.status_code == 404
    assert (await client.get(f"/e/{at_gate.estate.slug}/visits/{visit['id']}")).status_code == 404
    assert (await visits_of(row))[0]["exited_at"] is None


async def test_the_decoder_wasm_is_served_as_wasm_and_not_precached_on_every_phone(client):
    # 447 KB compressed: kept by the service worker only when a phone that scans loads it, and
    # never fetched where the phone reads QR codes itself (the worker's runtime cache).
    worker = await client.get("/sw.js")
    assert "/static/vendor/zxing-wasm-3.1.3/zxing_reader.wasm" not in worker.text
    assert "/static/vendor/barcode-detector-3.2.2/ponyfill.js" not in worker.text
    assert "/static/js/scanner.js?v=" in worker.text
    wasm = await client.get("/static/vendor/zxing-wasm-3.1.3/zxing_reader.wasm")
    assert wasm.status_code == 200
    assert wasm.headers["content-type"] == "application/wasm"
    assert wasm.content[:4] == b"\0asm"


async def test_the_qr_reader_worker_is_precached_and_its_own_policy_lets_it_run_the_wasm(at_gate, client):
    page = await client.get(f"/e/{at_gate.estate.slug}/gate")
    assert 'data-reader-src="/static/js/qr-reader.js?v=' in page.text
    assert "/static/js/qr-reader.js?v=" in (await client.get("/sw.js")).text
    reader = await client.get("/static/js/qr-reader.js")
    assert reader.status_code == 200
    assert "javascript" in reader.headers["content-type"]
    # A worker follows the Content-Security-Policy its own file was served with, not the page's.
    policy = reader.headers["content-security-policy"]
    assert "script-src 'self' 'wasm-unsafe-eval'" in policy and "connect-src 'self'" in policy


async def test_a_pass_marked_inside_without_an_open_visit_can_still_be_let_out(at_gate):
    row, token = await make_pass(at_gate.estate, max_entries=None, entries=1, inside=True)
    assert verdict(await at_gate.verify(token)) == "already_inside"
    assert verdict(await at_gate.exit(token)) == "not_inside"
    assert verdict(await at_gate.verify(token)) == "valid"
