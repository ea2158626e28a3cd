"""Patrol reports for supervisors and managers: the monthly duty record per guard (a page with
charts and tables, printable, and a CSV) and the week's rounds as a CSV (the week's rounds are
shown on the weekly security summary, ``incident_summary``)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from litestar import Request, Response, get
from litestar.params import FromQuery
from litestar.response import Template

from app.domain import incidents as incident_rules
from app.domain.roles import Role
from app.services import patrol_reports as reports
from app.services.clock import utcnow

REPORTS = {"roles": {Role.SUPERVISOR, Role.MANAGER}}


def _csv(body: str, name: str) -> Response:
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{name}"', "cache-control": "no-store"})


@get("/e/{estate:str}/patrol/reports/duty", name="patrol_duty", opt=REPORTS)
async def patrol_duty(request: Request, month: FromQuery[str] = "") -> Template:
    found = await reports.duty_month(request.state.scope, month)
    return Template("patrol/duty.html", context={
        "scope": request.state.scope, "month": found, "bars": incident_rules.bars([(d.guard, d.rounds) for d in found.records]),
        "previous": (found.first - timedelta(days=1)).strftime("%Y-%m"),
        "following": (found.last + timedelta(days=1)).strftime("%Y-%m"),
    })


@get("/e/{estate:str}/patrol/reports/duty.csv", name="patrol_duty_csv", opt=REPORTS)
async def patrol_duty_csv(request: Request, month: FromQuery[str] = "") -> Response:
    scope = request.state.scope
    found, text = await reports.duty_export(scope, month)
    return _csv(text, f"duty-{scope.estate.slug}-{found.first.strftime('%Y-%m')}.csv")


@get("/e/{estate:str}/patrol/reports/rounds.csv", name="patrol_rounds_csv", opt=REPORTS)
async def patrol_rounds_csv(request: Request, week: FromQuery[str] = "") -> Response:
    scope = request.state.scope
    asked = incident_rules.parse_day(week) or utcnow().astimezone(ZoneInfo(scope.estate.timezone)).date()
    first, last = incident_rules.week_of(asked)
    tallies = await reports.rounds_week(scope, first, last)
    return _csv(reports.rounds_csv(tallies, first), f"rounds-{scope.estate.slug}-{first.isoformat()}.csv")


HANDLERS = [patrol_duty, patrol_duty_csv, patrol_rounds_csv]
