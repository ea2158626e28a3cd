"""Statistics: an estate's visitors, refusals, slips, rounds and incidents over a range of days,
for its supervisors, managers and admins only; each table's CSV holds the table's rows; and the
page across estates shows a manager the estates they manage, and no other. On SQLite and
PostgreSQL."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.domain import statistics as rules
from app.domain.roles import Role
from app.models.estates import Gate
from app.models.incidents import Incident
from app.models.people import RoleGrant
from app.models.visitors import GateRefusal, Registration, Visit, VisitorPass
from app.services import statistics
from app.services.clock import utcnow

SHANGHAI = ZoneInfo("Asia/Shanghai")


def today() -> date:
    return utcnow().astimezone(SHANGHAI).date()


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """An estate moment (Shanghai), as the UTC instant stored."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI).astimezone(ZoneInfo("UTC"))


async def visit(estate, entered: datetime, *, purpose: str = "delivery", invited: bool = False, stayed: int | None = 30,
                expected: datetime | None = None) -> None:
    gate = await Gate.select(Gate.id).where(Gate.estate == estate.id).first()
    pass_id = None
    if invited:
        unit = next(iter(estate.units.values()))
        p = VisitorPass(estate=estate.id, unit=unit.id, guest_name="Wang Fang", purpose=purpose, starts_at=entered,
                        ends_at=entered + timedelta(hours=2), link_hash=f"{entered.timestamp()}-{purpose}-{id(entered)}")
        await p.save()
        pass_id = p.id
    await Visit(estate=estate.id, purpose=purpose, entered_at=entered, entry_gate=gate["id"], visitor_pass=pass_id,
                exited_at=entered + timedelta(minutes=stayed) if stayed is not None else None,
                expected_until=expected).save()


@pytest.fixture
async def harbour(make_estate):
    estate = await make_estate("Harbour View")
    estate.manager = await estate.person("Lin Manager", Role.MANAGER)
    estate.supervisor = await estate.person("Wu Supervisor", Role.SUPERVISOR)
    estate.guard = await estate.person("Li Guard", Role.GATE_GUARD)
    estate.desk = await estate.person("Chen Desk", Role.FRONT_DESK)
    return estate


def rows_of(html: str, table: str) -> list[list[str]]:
    """The rows of a table on the page (``data-stats-table``), cells as text."""
    found = re.search(rf'<table class="chart-table" data-stats-table="{table}">(.*?)</table>', html, re.S)
    assert found, f"no table {table}"
    body = found.group(1).split("<tbody>", 1)[1]
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


async def test_visits_are_counted_in_the_estates_days_and_hours(harbour, client, sign_in_en):
    day = today() - timedelta(days=3)
    await visit(harbour, at(day, 0, 5), purpose="family_friend", invited=True, stayed=60)  # 16:05 UTC the day before
    await visit(harbour, at(day, 23, 55), purpose="delivery", stayed=None,
                expected=at(day, 23, 58))  # still inside, past its window
    await visit(harbour, at(day - timedelta(days=40), 9), purpose="repair")  # outside the last 30 days
    await sign_in_en(harbour.manager)

    page = await client.get(f"/e/{harbour.slug}/statistics/visitors?range=30d")
    assert page.status_code == 200
    assert re.search(r'data-figure="total">2<', page.text)
    assert re.search(r'data-figure="invited">1<', page.text)
    assert re.search(r'data-figure="walk_in">1<', page.text)
    assert re.search(r'data-figure="overdue">1<', page.text)
    assert re.search(r'data-figure="average_minutes">60.0 min<', page.text)
    days = dict((r[0], r[1]) for r in rows_of(page.text, "days"))
    assert days[day.isoformat()] == "2" and sum(int(n) for n in days.values()) == 2
    hours = dict((r[0], r[1]) for r in rows_of(page.text, "hours"))
    assert hours["00:00"] == "1" and hours["23:00"] == "1"
    purposes = dict((r[0], r[1]) for r in rows_of(page.text, "purposes"))
    assert purposes["Family or friend"] == "1" and purposes["Delivery"] == "1" and purposes["Repair"] == "0"
    assert dict((r[0], r[1]) for r in rows_of(page.text, "gates")) == {"North Gate": "2"}

    longer = await client.get(f"/e/{harbour.slug}/statistics/visitors?from={(day - timedelta(days=40)).isoformat()}"
                              f"&to={day.isoformat()}")
    assert re.search(r'data-figure="total">3<', longer.text)


async def test_every_table_and_its_csv_hold_the_same_rows(harbour, client, sign_in_en):
    day = today() - timedelta(days=1)
    for hour in (8, 9, 9, 17):
        await visit(harbour, at(day, hour), purpose="repair")
    await Registration(estate=harbour.id, kind="refused_to_register", state="recorded", created_at=at(day, 10)).save()
    await Registration(estate=harbour.id, kind="walk_in", state="refused", watchlist_hit=True,
                       created_at=at(day, 11)).save()
    # Passes turned away at the gate count beside the walk-ins: one revoked, one holder barred.
    await GateRefusal(estate=harbour.id, reason="revoked", refused_at=at(day, 12)).save()
    await GateRefusal(estate=harbour.id, reason="watchlist", refused_at=at(day, 13)).save()
    await GateRefusal(estate=harbour.id, reason="expired", refused_at=at(day + timedelta(days=1), 13)).save()  # out of range
    await Incident(estate=harbour.id, kind="theft", severity="high", happened_at=at(day, 2)).save()
    await sign_in_en(harbour.supervisor)
    query = f"from={(day - timedelta(days=9)).isoformat()}&to={day.isoformat()}"
    visitors = (await client.get(f"/e/{harbour.slug}/statistics/visitors?{query}")).text
    operations = (await client.get(f"/e/{harbour.slug}/statistics/operations?{query}")).text
    assert re.search(r'data-figure="refused">4<', operations)
    assert re.search(r'data-figure="watchlist_hits">2<', operations)
    refusals = dict((r[0], r[-1]) for r in rows_of(operations, "refusals"))
    assert (refusals["Pass revoked"], refusals["Pass holder on the watchlist"], refusals["Pass expired"]) == ("1", "1", "0")
    for table in ("days", "weeks", "months", "hours", "weekdays", "purposes", "gates", "refusals", "incidents"):
        html = visitors if table in statistics.VISIT_TABLES else operations
        shown = [int(r[-1]) for r in rows_of(html, table)]
        exported = await client.get(f"/e/{harbour.slug}/statistics/csv/{table}?{query}")
        assert exported.status_code == 200
        assert exported.headers["content-type"].startswith("text/csv")
        assert [int(r[-1]) for r in csv_rows(exported.text)[1:]] == shown, table
        assert len(shown) > 0
    days = csv_rows((await client.get(f"/e/{harbour.slug}/statistics/csv/days?{query}")).text)
    assert days[0] == ["day", "visits"] and [day.isoformat(), "4"] in days and len(days) == 11
    summary = csv_rows((await client.get(f"/e/{harbour.slug}/statistics/csv/summary?{query}")).text)
    figures = dict(zip(summary[0], summary[1]))
    assert (figures["total"], figures["refused"], figures["watchlist_hits"], figures["incidents"]) == ("4", "4", "2", "1")
    assert (await client.get(f"/e/{harbour.slug}/statistics/csv/nothing?{query}")).status_code == 404


async def test_the_page_loads_its_figures_after_it_with_a_loading_state(harbour, client, sign_in_en):
    await sign_in_en(harbour.manager)
    page = await client.get(f"/e/{harbour.slug}/statistics?range=7d")
    assert page.status_code == 200
    assert 'hx-trigger="load"' in page.text and "Loading…" in page.text
    first = today() - timedelta(days=6)
    assert f"from={first.isoformat()}&amp;to={today().isoformat()}" in page.text
    home = await client.get(f"/e/{harbour.slug}")
    assert f'href="/e/{harbour.slug}/statistics"' in home.text


async def test_bad_days_come_back_with_a_message_and_far_days_are_held_in_range(harbour, client, sign_in_en):
    await sign_in_en(harbour.manager)
    bad = await client.get(f"/e/{harbour.slug}/statistics?from=2026-13-01&to=yesterday")
    assert bad.status_code == 422
    assert "Enter a day as YYYY-MM-DD." in bad.text and 'value="2026-13-01"' in bad.text
    far = await client.get(f"/e/{harbour.slug}/statistics?from=1990-01-01&to=2990-01-01")
    assert far.status_code == 200
    assert "Statistics end today" in far.text and "at most a year" in far.text
    assert f"to={today().isoformat()}" in far.text


@pytest.mark.parametrize("role", ["guard", "desk"])
async def test_guards_and_the_desk_may_not_see_statistics(harbour, client, sign_in_en, role):
    await sign_in_en(getattr(harbour, role))
    for path in ("statistics", "statistics/visitors", "statistics/operations", "statistics/csv/days"):
        assert (await client.get(f"/e/{harbour.slug}/{path}")).status_code == 403
    assert (await client.get("/statistics")).status_code == 403


async def test_another_estates_statistics_are_not_found(harbour, make_estate, client, sign_in_en):
    other = await make_estate("Riverside")
    await sign_in_en(harbour.manager)
    for path in ("statistics", "statistics/visitors", "statistics/csv/days"):
        assert (await client.get(f"/e/{other.slug}/{path}")).status_code == 404


async def test_the_page_across_estates_shows_only_the_estates_the_person_manages(harbour, make_estate, client,
                                                                                 sign_in_en):
    riverside = await make_estate("Riverside")
    guarded = await make_estate("Lakeside")
    await RoleGrant(person=harbour.manager, estate=riverside.id, role=Role.MANAGER.value).save()
    await RoleGrant(person=harbour.manager, estate=guarded.id, role=Role.GATE_GUARD.value).save()
    day = today() - timedelta(days=2)
    await visit(harbour, at(day, 10))
    for hour in (9, 10, 11):
        await visit(riverside, at(day, hour))
    await visit(guarded, at(day, 12))
    await sign_in_en(harbour.manager)
    page = await client.get("/statistics?range=7d")
    assert page.status_code == 200 and 'hx-trigger="load"' in page.text
    figures = await client.get("/statistics/estates?range=7d")
    rows = rows_of(figures.text, "estates")
    assert [r[0] for r in rows] == ["Harbour View", "Riverside", "All estates"]
    assert [r[1] for r in rows] == ["1", "3", "4"]
    assert "Lakeside" not in figures.text
    exported = csv_rows((await client.get("/statistics/estates.csv?range=7d")).text)
    assert [(r[0], r[3]) for r in exported[1:]] == [("Harbour View", "1"), ("Riverside", "3"), ("all", "4")]

    await sign_in_en(harbour.supervisor)  # a supervisor has the estate's page, not the one across estates
    assert (await client.get("/statistics")).status_code == 403
    assert (await client.get(f"/e/{harbour.slug}/statistics")).status_code == 200


async def test_counts_stay_in_each_hour_when_the_clocks_change(make_estate):
    """An estate in London: a visit either side of the spring change counts in its own hour."""
    from tests.integration.test_duty import scope_of

    estate = await make_estate("Thames")
    from app.models.estates import Estate
    await Estate.update({Estate.timezone: "Europe/London"}).where(Estate.id == estate.id)
    scope = scope_of(estate, await estate.person("Lin Manager", Role.MANAGER), Role.MANAGER)
    scope = type(scope)(scope.viewer, type(scope.estate)(estate.id, estate.slug, "Thames", "Europe/London"),
                        scope.roles)
    london = ZoneInfo("Europe/London")
    before = datetime(2026, 3, 29, 0, 30, tzinfo=london)  # GMT
    after = datetime(2026, 3, 29, 2, 30, tzinfo=london)  # BST: 01:30 UTC
    late = datetime(2026, 3, 29, 23, 30, tzinfo=london)  # 22:30 UTC, still the 29th here
    for moment in (before, after, late):
        await visit(estate, moment.astimezone(ZoneInfo("UTC")))
    found = await statistics.visits(scope, rules.Range(date(2026, 3, 29), date(2026, 3, 29)))
    assert found.total == 3
    assert {b.label: b.count for b in found.by_hour if b.count} == {"00": 1, "02": 1, "23": 1}
    assert [b.count for b in found.by_day] == [3]


async def test_tallied_days_and_live_days_count_every_visit_once(harbour, client, sign_in_en):
    from app.services import statistics_tally

    days = [today() - timedelta(days=n) for n in (0, 1, 2, 3, 10, 70)]
    for day in days:
        await visit(harbour, at(day, 0, 1))
        await visit(harbour, at(day, 23, 59), purpose="repair")
    rng = rules.Range(today() - timedelta(days=80), today())
    live = await statistics.visits(_scope(harbour), rng)
    await statistics_tally.keep()  # the periodic job: every day before yesterday into the tallies
    assert await statistics_tally.mark(harbour.id) == today() - timedelta(days=statistics_tally.SETTLE_DAYS)
    tallied = await statistics.visits(_scope(harbour), rng)
    assert tallied.total == live.total == 12
    assert tallied.by_day == live.by_day and tallied.by_hour == live.by_hour
    assert tallied.by_purpose == live.by_purpose and tallied.by_gate == live.by_gate

    # A visit admitted with no signal, arriving after its day was tallied, is counted at the next refresh.
    await visit(harbour, at(today() - timedelta(days=10), 12))
    await statistics_tally.keep(utcnow() + statistics_tally.REFRESH_EVERY)
    assert (await statistics.visits(_scope(harbour), rng)).total == 13
    await sign_in_en(harbour.manager)
    exported = csv_rows((await client.get(f"/e/{harbour.slug}/statistics/csv/days?from={rng.first}&to={rng.last}")).text)
    assert sum(int(r[1]) for r in exported[1:]) == 13


def _scope(estate):
    from tests.integration.test_duty import scope_of

    return scope_of(estate, estate.manager, Role.MANAGER)


async def test_rounds_are_counted_as_the_weekly_summary_counts_them(make_estate):
    from app.domain import incidents as incident_rules
    from app.services import patrol_reports
    from tests.integration.test_patrol_reports import last_weeks_slots, round_at
    from tests.integration.test_patrol import Patrol

    patrol = await Patrol().setup(await make_estate("Harbour"))
    slots, first, last = await last_weeks_slots(patrol)
    await round_at(patrol, slots[3].at, slots[3].at)  # on time
    await round_at(patrol, slots[9].at, slots[9].on_time_until + timedelta(minutes=1))  # late
    await round_at(patrol, slots[20].at, slots[20].on_time_until)  # on time, just
    for days_back in (0, 9):  # this week, with rounds still to come; and the week the route was made in
        here = first + timedelta(days=days_back) if days_back == 0 else first - timedelta(days=3)
        start, end = incident_rules.day_range(here, last if days_back == 0 else last + timedelta(days=14),
                                              patrol.scope.estate.timezone)
        [expected] = await patrol_reports.rounds_week(patrol.sup, here, last if days_back == 0 else
                                                      last + timedelta(days=14))
        [found] = await statistics.rounds_between(patrol.sup, start, end, utcnow())
        assert (found.on_time, found.late, found.missed) == (expected.on_time, expected.late, expected.missed)
    [week] = await statistics.rounds_between(patrol.sup, *incident_rules.day_range(first, last, "Asia/Shanghai"),
                                             utcnow())
    assert (week.on_time, week.late, week.missed) == (2, 1, len(slots) - 3)


async def test_the_estates_page_leads_to_the_page_across_estates_only_for_a_manager_of_several(
        harbour, make_estate, client, sign_in_en):
    await sign_in_en(harbour.manager)
    assert 'href="/statistics?' not in (await client.get(f"/e/{harbour.slug}/statistics")).text
    riverside = await make_estate("Riverside")
    await RoleGrant(person=harbour.manager, estate=riverside.id, role=Role.MANAGER.value).save()
    await sign_in_en(harbour.manager)
    assert 'href="/statistics?' in (await client.get(f"/e/{harbour.slug}/statistics")).text
