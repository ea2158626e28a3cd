"""The audit log page: an estate's admins and managers read their own estate's entries, newest
first, filtered by what they concern, who acted and the day, fifty at a time."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from app.domain.roles import Role
from app.services import audit
from app.services.clock import utcnow


def actions_on(page: str) -> list[str]:
    return re.findall(r'<code class="audit-entry__action">([^<]+)</code>', page)


@pytest.fixture
async def logged(make_estate):
    estate, other = await make_estate("Audited Court"), await make_estate("Next Door")
    ada = await estate.person("Ada Admin", Role.ADMIN)
    min_ = await estate.person("Zhou Min", Role.MANAGER)
    await audit.record("watchlist.added", actor=min_, estate=estate.id, subject="w1", name="Zhang Wei",
                       phone="13912345678")
    await audit.record("person.roles_changed", actor=ada, estate=estate.id, subject=min_, added=["manager"])
    await audit.record("visit.admitted", actor=None, estate=estate.id, subject="v1")
    await audit.record("watchlist.added", actor=None, estate=other.id, subject="elsewhere", name="Other Estate")
    return estate, ada, min_


async def test_an_admin_reads_the_estates_entries_newest_first_and_no_other_estates(client, sign_in_en, logged):
    estate, ada, _ = logged
    await sign_in_en(ada)

    page = (await client.get(f"/e/{estate.slug}/audit")).text

    assert actions_on(page) == ["visit.admitted", "person.roles_changed", "watchlist.added",
                                "person.created", "person.created"]
    assert "by Ada Admin" in page and "by Zhou Min" in page and "by the system" in page
    assert "Other Estate" not in page
    assert "13912345678" not in page and "139****5678" in page  # phones masked


async def test_a_manager_filters_by_what_it_concerns_by_who_and_by_day(client, sign_in_en, logged):
    estate, _, min_ = logged
    await sign_in_en(min_)
    url = f"/e/{estate.slug}/audit"
    today = utcnow().astimezone(ZoneInfo("Asia/Shanghai")).date()

    assert actions_on((await client.get(url, params={"family": "watchlist"})).text) == ["watchlist.added"]
    assert actions_on((await client.get(url, params={"family": "person"})).text) == [
        "person.roles_changed", "person.created", "person.created"]
    assert actions_on((await client.get(url, params={"person": "ada"})).text) == ["person.roles_changed"]
    assert len(actions_on((await client.get(url, params={"since": today.isoformat(),
                                                          "until": today.isoformat()})).text)) == 5
    later = (await client.get(url, params={"since": (today + timedelta(days=1)).isoformat()})).text
    assert actions_on(later) == [] and "No entries match" in later
    wrong = (await client.get(url, params={"since": "7 Dec"})).text
    assert "Give the day as year-month-day" in wrong and len(actions_on(wrong)) == 5


async def test_the_filter_answers_htmx_with_the_entries_alone(client, sign_in_en, logged):
    estate, ada, _ = logged
    await sign_in_en(ada)
    response = await client.get(f"/e/{estate.slug}/audit", params={"family": "visit"},
                                headers={"HX-Request": "true", "HX-Target": "audit-results"})
    assert actions_on(response.text) == ["visit.admitted"] and "<h1>" not in response.text


async def test_older_entries_come_fifty_at_a_time_with_the_filters_kept(client, sign_in_en, make_estate):
    estate = await make_estate()
    ada = await estate.person("Ada Admin", Role.ADMIN)
    for n in range(55):
        await audit.record("visit.admitted", actor=None, estate=estate.id, subject=f"v{n}")
    await audit.record("estate.updated", actor=ada, estate=estate.id)
    await sign_in_en(ada)

    first = (await client.get(f"/e/{estate.slug}/audit", params={"family": "visit"})).text
    assert len(actions_on(first)) == 50
    older = re.search(r'href="([^"]*before=\d+[^"]*)"', first).group(1).replace("&amp;", "&")
    assert "family=visit" in older
    rest = (await client.get(older)).text
    assert actions_on(rest) == ["visit.admitted"] * 5 and "before=" not in rest


@pytest.mark.parametrize("role", [Role.GATE_GUARD, Role.FRONT_DESK, Role.SUPERVISOR, Role.RESIDENT])
async def test_other_roles_may_not_read_the_log(client, sign_in_en, logged, role):
    estate, _, _ = logged
    someone = await estate.person("Someone", role, unit="1-1-0101" if role is Role.RESIDENT else None)
    await sign_in_en(someone)
    assert (await client.get(f"/e/{estate.slug}/audit")).status_code == 403


async def test_an_admin_of_another_estate_is_not_shown_it(client, sign_in_en, logged, make_estate):
    estate, _, _ = logged
    elsewhere = await make_estate()
    stranger = await elsewhere.person("Admin Elsewhere", Role.ADMIN, Role.MANAGER)
    await sign_in_en(stranger)
    assert (await client.get(f"/e/{estate.slug}/audit")).status_code == 404
