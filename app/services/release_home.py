"""What goods release puts on a person's home: slips waiting for their consent as an owner,
for the desk's check, or for their second approval."""

from __future__ import annotations

from app.domain.releases import State
from app.domain.roles import Role
from app.models.people import HouseholdMember
from app.models.releases import ReleaseSlip
from app.services import release_records as records
from app.services.scope import Scope


async def waiting(scope: Scope) -> dict:
    found: dict = {}
    if scope.has(Role.RESIDENT):
        owned = [r["unit"] for r in await HouseholdMember.select(HouseholdMember.unit).where(
            (HouseholdMember.person == scope.person_id) & scope.where(HouseholdMember)
            & (HouseholdMember.relation == "owner"))]
        if owned:
            rows = await ReleaseSlip.select(
                ReleaseSlip.id, ReleaseSlip.requester_name, ReleaseSlip.requester_relation,
                ReleaseSlip.unit.label.as_alias("unit_label"),
            ).where(scope.where(ReleaseSlip) & ReleaseSlip.unit.is_in(owned)
                    & (ReleaseSlip.state == State.AWAITING_CONSENT.value)).order_by(ReleaseSlip.submitted_at).limit(10)
            for row in rows:
                row["number"] = records.number(row["id"])
            found["consents"] = rows
    if scope.has(Role.FRONT_DESK):
        found["desk"] = await ReleaseSlip.count().where(
            scope.where(ReleaseSlip) & (ReleaseSlip.state == State.DESK_REVIEW.value))
    if scope.has(Role.SUPERVISOR, Role.MANAGER):
        found["approvals"] = await ReleaseSlip.count().where(
            scope.where(ReleaseSlip) & (ReleaseSlip.state == State.SUPERVISOR_REVIEW.value))
    return found
