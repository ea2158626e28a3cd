"""The estate's goods-release rules and working-day calendar, kept by its admin: whether
tenants' and contractors' slips need the owner's consent, whether arrears block approval, the
notice for moving out, the hours for large items, and the holidays (and weekend days worked)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from app.domain import inputs
from app.db import is_integrity_error, write_transaction
from app.domain import releases as rules
from app.domain.calendar import parse_day
from app.domain.invitations import parse_time
from app.i18n import N_
from app.models.releases import CalendarDay, ReleaseRules
from app.services import audit
from app.services import release_records as records
from app.services.errors import Invalid
from app.services.scope import Scope

NOTICE_INVALID = N_("Enter a number of working days from 0 to 30.")
TIME_INVALID = N_("Enter a time such as 08:00.")
HOURS_BACKWARDS = N_("The end of the hours must be after their start.")
DAY_INVALID = N_("Enter the date as on the calendar, e.g. 2026-10-01.")
DAY_TAKEN = N_("This day is already marked.")
NAME_TOO_LONG = N_("Keep the name under 80 characters.")


@dataclass(frozen=True)
class RulesForm:
    consent_required: bool
    arrears_block: bool
    notice_days: str
    large_from: str
    large_until: str
    large_working_days: bool


async def settings(scope: Scope) -> dict:
    days = await CalendarDay.select(CalendarDay.id, CalendarDay.day, CalendarDay.working, CalendarDay.name).where(
        scope.where(CalendarDay)).order_by(CalendarDay.day)
    return {"rules": await records.rules_of(scope.estate_id), "days": days}


async def update_rules(scope: Scope, form: RulesForm) -> None:
    errors = {}
    notice = form.notice_days.strip()
    if inputs.whole_number(notice, 0, rules.MAX_NOTICE_DAYS) is None:
        errors["notice_days"] = NOTICE_INVALID
    start, end = parse_time(form.large_from), parse_time(form.large_until)
    if start is None:
        errors["large_from"] = TIME_INVALID
    if end is None:
        errors["large_until"] = TIME_INVALID
    if start and end and end <= start:
        errors["large_until"] = HOURS_BACKWARDS
    if errors:
        raise Invalid(errors)
    values = {
        ReleaseRules.consent_required: form.consent_required, ReleaseRules.arrears_block: form.arrears_block,
        ReleaseRules.move_out_notice_days: int(notice), ReleaseRules.large_items_from: start.strftime("%H:%M"),
        ReleaseRules.large_items_until: end.strftime("%H:%M"), ReleaseRules.large_items_working_days: form.large_working_days,
    }
    async with write_transaction():
        updated = await ReleaseRules.update(values).where(ReleaseRules.estate == scope.estate_id).returning(ReleaseRules.id)
        if not updated:
            row = ReleaseRules(estate=scope.estate_id)
            for column, value in values.items():
                setattr(row, column._meta.name, value)
            await row.save()
        records.changed(scope.estate_id)  # what a slip in the desk's queue waits for follows the rules
        await audit.record("estate.release_rules", actor=scope.person_id, estate=scope.estate_id,
                           subject=scope.estate_id, notice_days=int(notice), consent=form.consent_required,
                           arrears_block=form.arrears_block)


async def add_day(scope: Scope, day_text: str, working: bool, name: str) -> None:
    day = parse_day(day_text)
    name = name.strip()
    if day is None:
        raise Invalid({"day": DAY_INVALID})
    if len(name) > 80:
        raise Invalid({"day_name": NAME_TOO_LONG})
    if await CalendarDay.exists().where(scope.where(CalendarDay) & (CalendarDay.day == day.isoformat())):
        raise Invalid({"day": DAY_TAKEN})
    try:
        await CalendarDay(estate=scope.estate_id, day=day.isoformat(), working=working, name=name).save()
    except Exception as exc:
        if is_integrity_error(exc):
            raise Invalid({"day": DAY_TAKEN}) from exc
        raise
    await audit.record("estate.calendar_day", actor=scope.person_id, estate=scope.estate_id, subject=scope.estate_id,
                       day=day.isoformat(), working=working)


async def remove_day(scope: Scope, day_id: UUID) -> None:
    mark = await scope.get(CalendarDay, day_id)
    await CalendarDay.delete().where(CalendarDay.id == mark.id)
    await audit.record("estate.calendar_day_removed", actor=scope.person_id, estate=scope.estate_id,
                       subject=scope.estate_id, day=mark.day)
