"""What the goods-release pages show: the form as it opens or comes back, one slip with what
the viewer may do next (by the state machine and their roles), and a slip's photos to those
who may see the slip."""

from __future__ import annotations

from uuid import UUID
from zoneinfo import ZoneInfo

from app.domain import inputs
from app.domain import releases as rules
from app.domain.releases import State
from app.domain.roles import Role
from app.domain.tokens import Kind as CodeKind
from app.services import codes, release_slips, uploads
from app.services import release_records as records
from app.services.clock import utcnow
from app.services.errors import Invalid, NotFound
from app.services.scope import Scope


def _local(value, tz: str, fmt: str) -> str:
    return value.astimezone(ZoneInfo(tz)).strftime(fmt) if value is not None else ""


def _values_of(slip: dict, tz: str) -> dict:
    keys = ("reason", "requester_name", "company", "carrier_name", "carrier_id_type", "carrier_id_number",
            "carrier_phone", "vehicle_plate", "notes")
    slip = records.opened(slip)
    values = {k: slip[k] or "" for k in keys}
    values["contractor"] = "yes" if slip["requester_relation"] == "contractor" else ""
    values["date"] = _local(slip["window_starts_at"], tz, "%Y-%m-%d")
    values["window_start"] = _local(slip["window_starts_at"], tz, "%H:%M")
    values["window_end"] = _local(slip["window_ends_at"], tz, "%H:%M")
    values["unit"] = slip["unit_label"]
    return values


def _rows(values: dict, items: list[dict], blank: int) -> list[dict]:
    """Item rows for the form: as posted (when it comes back), else as saved, then blank ones."""
    if "rows" in values:
        count = inputs.whole_number(str(values["rows"]), 0, 10**9) or 0
        rows = [{"name": values.get(f"item-{i}-name", ""), "quantity": values.get(f"item-{i}-quantity", "1"),
                 "large": values.get(f"item-{i}-large") == "yes", "photo": values.get(f"item-{i}-keep_photo", "")}
                for i in range(min(count, rules.MAX_ITEMS + 10))]
    else:
        rows = [{"name": i["name"], "quantity": str(i["quantity"]), "large": bool(i["large"]),
                 "photo": str(i["photo"]) if i["photo"] else ""} for i in items]
    rows = [r for r in rows if r["name"].strip() or r["photo"]]
    rows += [{"name": "", "quantity": "1", "large": False, "photo": ""} for _ in range(blank)]
    return [{**row, "index": i} for i, row in enumerate(rows)]


async def form_context(scope: Scope, *, slip_id: UUID | None, values: dict | None, at_desk: bool,
                       blank_rows: int) -> dict:
    tz = scope.estate.timezone
    slip, items = None, []
    if slip_id is not None:
        slip = await records.visible_row(scope, slip_id)
        if State(slip["state"]) not in rules.AMENDABLE:
            raise Invalid({"__all__": release_slips.NOT_AMENDABLE})
        items = await records.items(slip["id"])
        at_desk = at_desk or slip["started_at_desk"]
    shown = dict(values) if values is not None else (_values_of(slip, tz) if slip else {})
    context = {
        "slip": slip, "values": shown, "rows": _rows(shown, items, blank_rows),
        "estate_rules": await records.rules_of(scope.estate_id),
        "units": [] if at_desk else await release_slips.my_units(scope),
        "unit_options": [],
        "members": await release_slips.members(scope, shown.get("unit", "")) if at_desk and not slip else [],
    }
    context["unit_options"] = [(str(u["id"]), u["label"]) for u in context["units"]]
    return context


def _actions(scope: Scope, slip: dict, owner: bool, in_household: bool) -> set[str]:
    state = State(slip["state"])
    actions: set[str] = set()
    requester_side = in_household or scope.has(Role.FRONT_DESK)
    if state in rules.AMENDABLE and requester_side:
        actions.add("edit")
    if rules.allowed(state, State.CANCELLED) and requester_side:
        actions.add("cancel")
    if state is State.AWAITING_CONSENT and owner:
        actions.add("consent")
    if state is State.DESK_REVIEW and scope.has(Role.FRONT_DESK):
        actions.add("check")
    if state is State.SUPERVISOR_REVIEW and scope.has(Role.SUPERVISOR, Role.MANAGER):
        actions.add("approve")
    if scope.has(*records.CHECKERS):
        actions.add("staff")
    if state is State.APPROVED and (in_household or scope.has(*records.CHECKERS)):
        actions.add("print")
    return actions


async def detail(scope: Scope, slip_id: UUID, *, full: bool) -> dict:
    """One slip as the viewer may see it: the carrier's ID and phone in full only on the staff
    check screen (``full``) for the desk, the supervisor and the manager."""
    if full and not scope.has(*records.CHECKERS):
        raise NotFound()
    slip = await records.visible_row(scope, slip_id)
    slip = await records.expire_if_due(slip, utcnow())
    household = await scope.household_unit_ids()
    owner = scope.person_id in await records.owners(slip["unit"])
    estate_rules = await records.rules_of(scope.estate_id)
    view = {
        "s": records.masked(slip, full=full),
        "items": await records.items(slip["id"]),
        "history": await records.history(slip["id"]),
        "actions": _actions(scope, slip, owner, slip["unit"] in household),
        "waits_for": rules.waits_for(slip["state"], fee_status=slip["fee_status"], rules=estate_rules),
        "estate_rules": estate_rules,
        "arrears": slip["fee_status"] == "arrears",
    }
    if slip["state"] == State.APPROVED.value:
        view["qr_token"] = await codes.sign(scope.estate_id, CodeKind.RELEASE_SLIP, slip["id"])
    return view


async def photo(scope: Scope, slip_id: UUID, upload_id: UUID) -> bytes:
    slip = await records.visible_row(scope, slip_id)
    mine = {i["photo"] for i in await records.items(slip["id"]) if i["photo"]}
    if slip["company_proof"]:
        mine.add(slip["company_proof"])
    if upload_id not in mine:
        raise NotFound()
    return await uploads.read(scope.estate_id, upload_id)
