"""Statistics: an estate's page (supervisor, manager, admin) with a range of days, its two
regions of figures loaded after the page (each shows "Loading…" until it comes), a CSV per
table; and the page across every estate a manager or admin holds that role in."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.response import Template

from app.domain import incidents as incident_rules
from app.domain import statistics as rules
from app.domain.incidents import bars
from app.services import statistics as stats

ESTATE = {"roles": set(stats.ESTATE_ROLES)}
ACROSS = {"roles": set(stats.ACROSS_ROLES)}

Since = Annotated[str, QueryParameter(name="from", max_length=40)]
Until = Annotated[str, QueryParameter(name="to", max_length=40)]
Quick = Annotated[str, QueryParameter(name="range", max_length=16)]


def _csv(body: str, name: str) -> Response:
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{name}"', "cache-control": "no-store"})


def _names() -> dict:
    return {"purpose_names": rules.PURPOSE_NAMES, "refusal_names": rules.REFUSALS, "weekday_names": rules.WEEKDAYS,
            "kind_names": {k.value: v for k, v in incident_rules.KIND_NAMES.items()}, "quick": rules.QUICK}


def _page(template: str, context: dict, ask: rules.Asked, since: str, until: str) -> Template:
    return Template(template, status_code=422 if ask.errors else 200, context={
        **_names(), **context, "asked": ask, "range": ask.range,
        "typed": {"from": since, "to": until} if ask.errors else {},
        "query": f"from={ask.range.first.isoformat()}&to={ask.range.last.isoformat()}",
    })


@get("/e/{estate:str}/statistics", name="statistics", opt=ESTATE)
async def statistics_page(request: Request, since: Since = "", until: Until = "", quick: Quick = "") -> Template:
    scope = request.state.scope
    ask = stats.asked(scope.estate.timezone, since, until, quick)
    return _page("statistics/page.html", {"scope": scope, "across": len(stats.managed(request.user)) > 1},
                 ask, since, until)


async def _region(request: Request, template: str, name: str, count, since: str, until: str,
                  quick: str) -> Template:
    """One of the page's regions of figures, counted over the range asked for."""
    scope = request.state.scope
    ask = stats.asked(scope.estate.timezone, since, until, quick)
    return Template(template, context={
        **_names(), "scope": scope, "range": ask.range, name: await count(scope, ask.range),
        "query": f"from={ask.range.first.isoformat()}&to={ask.range.last.isoformat()}"})


@get("/e/{estate:str}/statistics/visitors", name="statistics_visitors", opt=ESTATE)
async def statistics_visitors(request: Request, since: Since = "", until: Until = "", quick: Quick = "") -> Template:
    return await _region(request, "statistics/_partials/visitors.html", "v", stats.visits, since, until, quick)


@get("/e/{estate:str}/statistics/operations", name="statistics_operations", opt=ESTATE)
async def statistics_operations(request: Request, since: Since = "", until: Until = "", quick: Quick = "") -> Template:
    return await _region(request, "statistics/_partials/operations.html", "o", stats.operations, since, until, quick)


@get("/e/{estate:str}/statistics/csv/{table:str}", name="statistics_csv", opt=ESTATE)
async def statistics_csv(request: Request, table: FromPath[str], since: Since = "", until: Until = "",
                         quick: Quick = "") -> Response:
    if table not in stats.TABLES:
        raise NotFoundException()
    scope = request.state.scope
    rng = stats.asked(scope.estate.timezone, since, until, quick).range
    v = await stats.visits(scope, rng) if table in stats.VISIT_TABLES or table == "summary" else None
    o = await stats.operations(scope, rng) if table not in stats.VISIT_TABLES else None
    return _csv(stats.csv_of(table, rng, v, o),
                f"{table}-{scope.estate.slug}-{rng.first.isoformat()}-{rng.last.isoformat()}.csv")


@get("/statistics", name="statistics_across", opt=ACROSS)
async def statistics_across(request: Request, since: Since = "", until: Until = "", quick: Quick = "") -> Template:
    scopes = stats.managed(request.user)
    zone = scopes[0].estate.timezone if scopes else "Asia/Shanghai"
    ask = stats.asked(zone, since, until, quick)
    return _page("statistics/across.html", {"estates": scopes}, ask, since, until)


@get("/statistics/estates", name="statistics_across_figures", opt=ACROSS)
async def statistics_across_figures(request: Request, since: Since = "", until: Until = "",
                                    quick: Quick = "") -> Template:
    ask, figures = await stats.across(request.user, since, until, quick)
    return Template("statistics/_partials/across.html", context={
        **_names(), "range": ask.range, "figures": figures, "total": stats.summed(figures), "headline": rules.HEADLINE,
        "visit_bars": bars([(f.name, f.visits.total) for f in figures]),
        "rows": [(f, stats.headline(f.visits, f.operations)) for f in figures],
        "query": f"from={ask.range.first.isoformat()}&to={ask.range.last.isoformat()}"})


@get("/statistics/estates.csv", name="statistics_across_csv", opt=ACROSS)
async def statistics_across_csv(request: Request, since: Since = "", until: Until = "", quick: Quick = "") -> Response:
    ask, figures = await stats.across(request.user, since, until, quick)
    return _csv(stats.across_csv(ask.range, figures),
                f"statistics-{ask.range.first.isoformat()}-{ask.range.last.isoformat()}.csv")


HANDLERS = [statistics_page, statistics_visitors, statistics_operations, statistics_csv, statistics_across,
            statistics_across_figures, statistics_across_csv]
