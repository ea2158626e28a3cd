"""Standing goods permits (常住物品放行证): a resident applies, the front desk grants it for a
year (or refuses), the holder shows its QR at the gate to pass with small regular goods
without a slip, and renews it in its last month or after it expired."""

from __future__ import annotations

from uuid import UUID

from app.db import write_transaction
from app.domain import releases as rules
from app.domain.notifications import Kind as Note
from app.domain.roles import Role
from app.domain.tokens import Kind as CodeKind
from app.i18n import N_
from app.models.releases import GoodsPermit
from app.services import audit, codes, notify
from app.services import release_records as records
from app.services.clock import utcnow
from app.services.errors import Forbidden, Invalid, NotFound
from app.services.scope import Scope, as_uuid

GOODS_REQUIRED = N_("Say which goods the permit is for, e.g. a tool bag for work.")
GOODS_TOO_LONG = N_("Keep it under 200 characters.")
ALREADY_PENDING = N_("You already have an application waiting for the front desk.")
NOT_RENEWABLE = N_("This permit can be renewed in its last month, or once it has expired.")
NOTE_TOO_LONG = N_("Keep the note under 200 characters.")

COLUMNS = (
    *GoodsPermit.all_columns(), GoodsPermit.unit.label.as_alias("unit_label"),
    GoodsPermit.decided_by.name.as_alias("decided_by_name"),
)


def _with_status(permit: dict, now) -> dict:
    status = rules.permit_status(permit["state"], permit["valid_until"], now)
    permit["status"] = status.value
    permit["may_renew"] = rules.may_renew(status, permit["valid_until"], now)
    return permit


async def mine(scope: Scope) -> list[dict]:
    now = utcnow()
    rows = await GoodsPermit.select(*COLUMNS).where(
        scope.where(GoodsPermit) & (GoodsPermit.holder == scope.person_id)
    ).order_by(GoodsPermit.created_at, ascending=False).limit(20)
    renewed = {r["renews"] for r in rows if r["renews"] is not None and r["state"] != "refused"}
    for permit in rows:
        _with_status(permit, now)
        permit["may_renew"] = permit["may_renew"] and permit["id"] not in renewed
    return rows


async def pending(scope: Scope) -> list[dict]:
    rows = await GoodsPermit.select(*COLUMNS).where(
        scope.where(GoodsPermit) & (GoodsPermit.state == "pending")
    ).order_by(GoodsPermit.created_at).limit(100)
    now = utcnow()
    return [_with_status(p, now) for p in rows]


def _goods(text: str) -> str:
    goods = " ".join((text or "").split())
    if not goods:
        raise Invalid({"goods": GOODS_REQUIRED})
    if len(goods) > 200:
        raise Invalid({"goods": GOODS_TOO_LONG})
    return goods


async def apply(scope: Scope, goods: str, *, renews: UUID | None = None) -> UUID:
    """The resident applies for a permit for their unit (the first of their households)."""
    goods = _goods(goods)
    units = sorted(await scope.household_unit_ids(), key=str)
    if not units:
        raise Forbidden()
    unit = units[0]
    if renews is not None:
        old = await GoodsPermit.select(GoodsPermit.unit).where(GoodsPermit.id == renews).first()
        unit = old["unit"] if old else unit
    if await GoodsPermit.exists().where(
        scope.where(GoodsPermit) & (GoodsPermit.holder == scope.person_id) & (GoodsPermit.state == "pending")
    ):
        raise Invalid({"goods": ALREADY_PENDING})
    permit = GoodsPermit(estate=scope.estate_id, unit=unit, holder=scope.person_id, holder_name=scope.viewer.name,
                         goods=goods, state="pending", renews=renews)
    await permit.save()
    records.changed(scope.estate_id)  # the desk's queue counts the applications waiting
    await audit.record("permit.applied", actor=scope.person_id, estate=scope.estate_id, subject=permit.id,
                       renews=str(renews) if renews else "")
    return permit.id


async def detail(scope: Scope, permit_id: UUID | str) -> dict:
    """A permit its holder or the estate's staff may see."""
    try:
        pid = as_uuid(permit_id)
    except ValueError as exc:
        raise NotFound() from exc
    permit = await GoodsPermit.select(*COLUMNS).where((GoodsPermit.id == pid) & scope.where(GoodsPermit)).first()
    if permit is None or (permit["holder"] != scope.person_id and not scope.has(*records.STAFF)):
        raise NotFound()
    return _with_status(permit, utcnow())


async def renew(scope: Scope, permit_id: UUID | str) -> UUID:
    permit = await detail(scope, permit_id)
    if permit["holder"] != scope.person_id or not permit["may_renew"]:
        raise Invalid({"__all__": NOT_RENEWABLE})
    return await apply(scope, permit["goods"], renews=permit["id"])


async def decide(scope: Scope, permit_id: UUID | str, approve: bool, note: str = "") -> dict:
    """The front desk grants a permit for a year (from the end of the one it renews, if that is
    still valid) or refuses it; the first decision stands."""
    if not scope.has(Role.FRONT_DESK):
        raise Forbidden()
    permit = await detail(scope, permit_id)
    note = (note or "").strip()
    if len(note) > 200:
        raise Invalid({"note": NOTE_TOO_LONG})
    now = utcnow()
    starts = now
    if permit["renews"] is not None:
        old = await GoodsPermit.select(GoodsPermit.valid_until).where(GoodsPermit.id == permit["renews"]).first()
        if old and old["valid_until"] and old["valid_until"] > now:
            starts = old["valid_until"]
    changes = {GoodsPermit.state: "approved" if approve else "refused", GoodsPermit.decided_by: scope.person_id,
               GoodsPermit.decided_at: now, GoodsPermit.decision_note: note}
    if approve:
        changes[GoodsPermit.valid_from] = starts
        changes[GoodsPermit.valid_until] = rules.permit_until(starts)
    async with write_transaction():
        moved = await GoodsPermit.update(changes).where(
            (GoodsPermit.id == permit["id"]) & (GoodsPermit.state == "pending")
        ).returning(GoodsPermit.id)
        if moved:
            records.changed(scope.estate_id)
            if permit["holder"] is not None:
                await notify.queue(scope.estate_id, [permit["holder"]], Note.PERMIT_DECIDED,
                                   params={"unit": permit["unit_label"], "goods": permit["goods"][:120],
                                           "decision": "granted" if approve else "refused"},
                                   url=notify.page(scope, "permit_detail", permit_id=permit["id"]), subject=permit["id"])
            await audit.record("permit.granted" if approve else "permit.refused", actor=scope.person_id,
                               estate=scope.estate_id, subject=permit["id"], noted=bool(note))
    return {"decided": bool(moved)}


async def qr_token(scope: Scope, permit_id: UUID) -> str:
    return await codes.sign(scope.estate_id, CodeKind.GOODS_PERMIT, permit_id)


async def verify(scope: Scope, token: str) -> dict:
    """The gate's verdict for a permit's code: valid (small regular goods may pass without a
    slip), expired, pending or refused, with the holder and unit."""
    code = await codes.read(scope.estate_id, (token or "")[:400])
    if code is None or code.kind is not CodeKind.GOODS_PERMIT:
        return {"reason": "unknown"}
    permit = await GoodsPermit.select(*COLUMNS).where(
        (GoodsPermit.id == code.record_id) & scope.where(GoodsPermit)).first()
    if permit is None:
        return {"reason": "unknown"}
    _with_status(permit, utcnow())
    return {"reason": f"permit_{permit['status']}", "kind": "permit", "holder": permit["holder_name"],
            "unit": permit["unit_label"], "goods": permit["goods"],
            "valid_until": permit["valid_until"].isoformat() if permit["valid_until"] else None}
