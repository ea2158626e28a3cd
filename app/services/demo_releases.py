"""Goods release in the demo estate: a slip in every state, so ``make run`` shows the front
desk's queue, the supervisor's approvals, the gate's verdicts and today's archive at once, and
a standing goods permit. Made once, when the estate has no slips yet; each slip's history is
written as the app would have written it."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from app.domain import releases as rules
from app.domain.calendar import Calendar
from app.models.estates import Estate, Gate, Unit
from app.models.people import HouseholdMember
from app.models.releases import GoodsPermit, ReleaseItem, ReleaseSlip
from app.services import audit, sealed
from app.services.clock import utcnow

CARRIERS = (("Zhao Lei", "110105198807153412", "13800138000"), ("Qian Jun", "440301199205061278", "13922334455"),
            ("Sun Wei", "310101198511302356", "13711112222"), ("Zhou Ping", "320102199001018765", "13655556666"))
ITEMS = (("Sofa", True), ("Wardrobe", True), ("Washing machine", True), ("Boxes of books", False),
         ("Bicycle", False), ("Desk lamp", False), ("Renovation rubbish bags", True), ("Old television", True))

# (state, reason, relation) in the order they were asked for; most leave from today.
PLAN = (
    ("draft", "renovation", "owner"),
    ("awaiting_consent", "moving_out", "tenant"),
    ("desk_review", "repair", "owner"),
    ("desk_review", "sale", "owner"),  # a unit in arrears
    ("desk_review", "renovation", "contractor"),
    ("supervisor_review", "sale", "owner"),
    ("approved", "repair", "owner"),
    ("approved", "moving_out", "owner"),
    ("released", "sale", "owner"),
    ("released", "renovation", "owner"),
    ("returned", "other", "family"),
    ("held", "sale", "owner"),
    ("refused", "sale", "tenant"),
    ("cancelled", "repair", "owner"),
    ("expired", "repair", "owner"),
)

OPENS, CLOSES = 8, 20  # the hours between which a slip's goods may leave, on its day


def leaving_day(local_now: datetime) -> date:
    """The day the demo's open slips leave: today, or tomorrow once today's window is nearly
    over, so that a demo loaded in the evening still has a queue, a draft and an approval
    waiting rather than slips the periodic task expires at 20:00."""
    today = local_now.date()
    return today if local_now.hour < CLOSES - 2 else today + timedelta(days=1)


# What the history says for a slip that reached each state, after "created" and "submitted".
STEPS = {
    "draft": (), "awaiting_consent": (), "desk_review": (), "supervisor_review": ("slip.desk_approved",),
    "approved": ("slip.desk_approved", "slip.approved"),
    "released": ("slip.desk_approved", "slip.approved", "slip.released"),
    "returned": ("slip.returned",), "held": ("slip.desk_approved", "slip.approved", "slip.held"),
    "refused": ("slip.consent_refused",), "cancelled": ("slip.cancelled",), "expired": ("slip.expired",),
}


async def load(estate: Estate, cast: dict[str, UUID]) -> None:
    """``cast``: the demo people by name (Wang Fang, Liu Yang, Tang Wei, Chen Jing, Wu Lei, Li Qiang)."""
    if await ReleaseSlip.exists().where(ReleaseSlip.estate == estate.id):
        return
    rng = random.Random(20261207)
    zone = ZoneInfo(estate.timezone)
    now = utcnow()
    today = now.astimezone(zone).date()
    gate = await Gate.select(Gate.id).where(Gate.estate == estate.id).first()
    owners = await HouseholdMember.select(
        HouseholdMember.person, HouseholdMember.unit, HouseholdMember.person.name.as_alias("name"),
        HouseholdMember.unit.fee_status.as_alias("fee_status"),
    ).where((HouseholdMember.estate == estate.id) & (HouseholdMember.relation == "owner")).order_by(
        HouseholdMember.unit.label)
    units = {u["label"]: u["id"] for u in await Unit.select(Unit.id, Unit.label).where(Unit.estate == estate.id)}
    paid = [o for o in owners if o["fee_status"] == "paid" and o["person"] not in cast.values()]
    arrears = [o for o in owners if o["fee_status"] == "arrears" and o["person"] not in cast.values()]

    def at(day, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=zone)

    leaving = leaving_day(now.astimezone(zone))
    later = Calendar().add_working_days(today, 5)
    for index, (state, reason, relation) in enumerate(PLAN):
        if relation == "tenant":
            unit, requester, name = units["3-1-0902"], cast["Liu Yang"], "Liu Yang"
        elif index in (0, 6, 11):  # Wang Fang's own: a draft, one approved for today, one held
            unit, requester, name = units["5-2-1301"], cast["Wang Fang"], "Wang Fang"
        elif index == 3 and arrears:
            unit, requester, name = arrears[0]["unit"], arrears[0]["person"], arrears[0]["name"]
        else:
            owner = paid[index % len(paid)]
            unit, requester, name = owner["unit"], owner["person"], owner["name"]
        if relation == "contractor":
            name = "Ma Gong (Bright Renovation 明亮装修)"
        day = later if reason == "moving_out" and state != "approved" else leaving
        if state in ("released",):
            day = today if index == 8 else today - timedelta(days=1)
        if state == "expired":
            day = today - timedelta(days=2)
        starts, ends = at(day, OPENS), at(day, CLOSES)
        if state == "approved" and index == 6:  # valid at the gate now
            starts, ends = at(today, 0), at(leaving, 23, 59)
        carrier = CARRIERS[index % len(CARRIERS)]
        chosen = rng.sample(ITEMS, 2 if index % 3 else 3)
        created = now - timedelta(hours=len(PLAN) - index)
        slip = ReleaseSlip(**sealed.seal(ReleaseSlip, dict(
            estate=estate.id, unit=unit, state=state, requester=requester if relation != "contractor" else None,
            requester_name=name, requester_relation=relation, company="Bright Renovation 明亮装修" if relation == "contractor" else "",
            created_by=cast["Chen Jing"] if relation == "contractor" else requester, started_at_desk=relation == "contractor",
            reason=reason, carrier_name=carrier[0] if state != "draft" else "", carrier_id_type="resident_id",
            carrier_id_number=carrier[1] if state != "draft" else "", carrier_phone=carrier[2] if state != "draft" else "",
            vehicle_plate="粤B%05d" % rng.randrange(10**5) if index % 2 else "", window_starts_at=starts,
            window_ends_at=ends, notes="", created_at=created,
            submitted_at=None if state == "draft" else created + timedelta(minutes=5),
        )))
        if state in ("supervisor_review", "approved", "released", "held"):
            slip.desk_by, slip.desk_at = cast["Chen Jing"], created + timedelta(minutes=20)
            slip.identity_seen, slip.items_confirmed, slip.fees_seen = "resident_id", True, "paid"
        if state in ("approved", "released", "held"):
            slip.approved_by, slip.approved_at = cast["Wu Lei"], created + timedelta(minutes=40)
        if state == "released":
            slip.released_at = min(now, created + timedelta(hours=1)) if day == today else at(day, 15, 30)
            slip.released_by, slip.release_gate, slip.closed_at = cast["Li Qiang"], gate["id"], slip.released_at
        if state == "held":
            slip.hold_note = "Two more boxes than the slip lists. 比放行条多两箱。"
        if state == "returned":
            slip.decision_note = "Add the carrier's ID number. 请补充搬运人证件号。"
        if state == "refused":
            slip.consent_by, slip.consent_at, slip.closed_at = cast["Tang Wei"], created + timedelta(minutes=30), now
        if state in ("cancelled", "expired"):
            slip.closed_at = now
        await slip.save()
        await ReleaseItem.insert(*[ReleaseItem(slip=slip.id, position=i, name=item, quantity=1 + rng.randrange(3),
                                               large=large) for i, (item, large) in enumerate(chosen)])
        actor = slip.created_by
        await audit.record("slip.created", actor=actor, estate=estate.id, subject=slip.id)
        if state != "draft":
            await audit.record("slip.submitted", actor=actor, estate=estate.id, subject=slip.id)
        for step in STEPS[state]:
            who = {"slip.desk_approved": cast["Chen Jing"], "slip.returned": cast["Chen Jing"],
                   "slip.approved": cast["Wu Lei"], "slip.released": cast["Li Qiang"], "slip.held": cast["Li Qiang"],
                   "slip.consent_refused": cast["Tang Wei"], "slip.cancelled": actor, "slip.expired": None}[step]
            await audit.record(step, actor=who, estate=estate.id, subject=slip.id)
    valid_from = now - timedelta(days=40)
    await GoodsPermit.insert(
        GoodsPermit(estate=estate.id, unit=units["5-2-1301"], holder=cast["Wang Fang"], holder_name="Wang Fang",
                    goods="Tool bag and folding trolley 工具包和折叠推车", state="approved", decided_by=cast["Chen Jing"],
                    decided_at=valid_from, valid_from=valid_from, valid_until=rules.permit_until(valid_from)),
        GoodsPermit(estate=estate.id, unit=units["3-1-0902"], holder=cast["Liu Yang"], holder_name="Liu Yang",
                    goods="Sports bag for the gym 健身包", state="pending"),
    )
