"""Goods at the gate: the verdict a scanned slip gets, and the guard's two actions on it.

Verifying only reads. Release and hold are guard actions, as admitting a visitor is: each runs
once per idempotency key with the phone's time kept, and its state change is one conditional
UPDATE from ``approved``, so two guards releasing the same slip at two gates at the same
moment release it once. Refusals (items not all ticked, no note for a hold, a slip that moved
on) are returned with a stable reason code, not raised, so a replay through the offline outbox
answers the same as the first request did.

Results are JSON-able dicts because the idempotency store keeps them: times are ISO strings.
"""

from __future__ import annotations

from uuid import UUID

from app.domain import releases as rules
from app.domain.notifications import Kind as Note
from app.domain.releases import State
from app.domain.roles import Role
from app.domain.tokens import Kind as CodeKind
from app.models.releases import ReleaseSlip
from app.services import audit, clock, codes, notify
from app.services import release_records as records
from app.services.errors import NotFound
from app.services.idempotency import Action, once
from app.services.scope import Scope

UNKNOWN = "unknown"
MAX_HOLD_NOTE = 500


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


async def slip_id_of(scope: Scope, token: str) -> UUID | None:
    code = await codes.read(scope.estate_id, (token or "")[:400])
    if code is None or code.kind is not CodeKind.RELEASE_SLIP:
        return None
    return code.record_id


def _details(slip: dict, item_rows: list[dict]) -> dict:
    """What the guard sees: the carrier's name and masked ID to compare with the person, the
    unit, the window and the items (never the carrier's phone or full ID number)."""
    return {
        "slip_id": str(slip["id"]), "number": records.number(slip["id"]), "unit": slip["unit_label"],
        "requester": slip["requester_name"], "reason_code": slip["reason"],
        "carrier": slip["carrier_name"], "carrier_id_type": slip["carrier_id_type"],
        "carrier_id": slip["carrier_id_number_masked"], "vehicle": slip["vehicle_plate"],
        "starts_at": _iso(slip["window_starts_at"]), "ends_at": _iso(slip["window_ends_at"]),
        "items": [{"id": str(i["id"]), "name": i["name"], "quantity": i["quantity"], "large": bool(i["large"])}
                  for i in item_rows],
        "released_at": _iso(slip["released_at"]), "released_by": slip["released_by_name"] or "",
        "gate": slip["gate_name"] or "", "hold_note": slip["hold_note"],
        "approved_by": slip["approved_by_name"] or "", "desk_by": slip["desk_by_name"] or "",
    }


async def _read(scope: Scope, slip_id: UUID) -> tuple[dict, list[dict], rules.Verdict]:
    slip = await records.row(scope, slip_id)
    now = clock.utcnow()
    slip = await records.expire_if_due(slip, now)
    verdict = rules.gate_verdict(slip["state"], slip["window_starts_at"], slip["window_ends_at"], now)
    return slip, await records.items(slip["id"]), verdict


async def verify(scope: Scope, token: str) -> dict:
    """The verdict for a scanned slip code of this estate. Writes nothing (but an expiry due)."""
    slip_id = await slip_id_of(scope, token)
    if slip_id is None:
        return {"reason": UNKNOWN}
    try:
        slip, item_rows, verdict = await _read(scope, slip_id)
    except NotFound:
        return {"reason": UNKNOWN}
    return {"reason": verdict.value, "kind": "slip", **_details(slip, item_rows)}


async def _act(scope: Scope, act: Action, token: str, name: str, work) -> dict:
    slip_id = await slip_id_of(scope, token)

    async def run() -> dict:
        if slip_id is None:
            return {"reason": UNKNOWN}
        try:
            slip, item_rows, verdict = await _read(scope, slip_id)
        except NotFound:
            return {"reason": UNKNOWN}
        if verdict is not rules.Verdict.VALID:
            return {"reason": verdict.value, "kind": "slip", **_details(slip, item_rows)}
        return await work(slip, item_rows)

    return await once(act, name, scope.estate_id, run)


async def _lost_race(scope: Scope, slip_id: UUID, ticked: list[str]) -> dict:
    slip, item_rows, verdict = await _read(scope, slip_id)
    return {"reason": verdict.value, "kind": "slip", "ticked": ticked, **_details(slip, item_rows)}


async def release(scope: Scope, act: Action, token: str, gate: dict | None, ticked: list[str],
                  carrier_confirmed: bool) -> dict:
    """All items ticked and the carrier confirmed: the goods leave, once; time, gate and guard
    are recorded, and the requester is told."""

    async def work(slip: dict, item_rows: list[dict]) -> dict:
        refusal = rules.release_refusal([str(i["id"]) for i in item_rows], ticked, carrier_confirmed)
        if refusal is not None:
            return {"reason": refusal, "kind": "slip", "ticked": ticked, **_details(slip, item_rows)}
        now = clock.utcnow()
        moved = await ReleaseSlip.update({
            ReleaseSlip.state: State.RELEASED.value, ReleaseSlip.released_at: now,
            ReleaseSlip.released_by: scope.person_id, ReleaseSlip.release_gate: gate["id"] if gate else None,
            ReleaseSlip.device_time: act.device_time, ReleaseSlip.closed_at: now,
        }).where(
            (ReleaseSlip.id == slip["id"]) & (ReleaseSlip.state == State.APPROVED.value)
        ).returning(ReleaseSlip.id)
        if not moved:
            return await _lost_race(scope, slip["id"], ticked)
        records.changed(scope.estate_id)
        gate_name = gate["name"] if gate else ""
        await notify.queue(scope.estate_id, await records.requester_and_household(slip), Note.SLIP_RELEASED,
                           params=await records.params(scope, slip, gate=gate_name), url=records.url(scope, slip["id"]),
                           subject=slip["id"])
        await audit.record("slip.released", actor=scope.person_id, estate=scope.estate_id, subject=slip["id"],
                           gate=gate_name, device_time=_iso(act.device_time))
        fresh = await records.row(scope, slip["id"])
        return {"reason": rules.RELEASED, "kind": "slip", **_details(fresh, item_rows)}

    return await _act(scope, act, token, "slip_release", work)


async def hold(scope: Scope, act: Action, token: str, gate: dict | None, note: str) -> dict:
    """Something does not match: the slip is held with the guard's note, the requester and the
    front desk are told, and it goes back for amendment."""
    note = (note or "").strip()

    async def work(slip: dict, item_rows: list[dict]) -> dict:
        if not note or len(note) > MAX_HOLD_NOTE:
            return {"reason": rules.HOLD_NOTE_REQUIRED, "kind": "slip", **_details(slip, item_rows)}
        moved = await ReleaseSlip.update({
            ReleaseSlip.state: State.HELD.value, ReleaseSlip.hold_note: note, ReleaseSlip.device_time: act.device_time,
        }).where(
            (ReleaseSlip.id == slip["id"]) & (ReleaseSlip.state == State.APPROVED.value)
        ).returning(ReleaseSlip.id)
        if not moved:
            return await _lost_race(scope, slip["id"], [])
        records.changed(scope.estate_id)
        gate_name = gate["name"] if gate else ""
        params = await records.params(scope, slip, gate=gate_name, note=note[:200])
        await notify.queue(scope.estate_id, await records.requester_and_household(slip), Note.SLIP_HELD, params=params,
                           url=records.url(scope, slip["id"]), subject=slip["id"])
        await notify.queue(scope.estate_id, await notify.holders(scope.estate_id, Role.FRONT_DESK), Note.SLIP_HELD,
                           params=params, url=records.url(scope, slip["id"], "check"), subject=slip["id"])
        await audit.record("slip.held", actor=scope.person_id, estate=scope.estate_id, subject=slip["id"],
                           gate=gate_name, noted=bool(note), device_time=_iso(act.device_time))
        fresh = await records.row(scope, slip["id"])
        return {"reason": rules.HELD, "kind": "slip", **_details(fresh, item_rows)}

    return await _act(scope, act, token, "slip_hold", work)
