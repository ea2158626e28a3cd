"""The lobby tablet: today's expected visitors of the estate, polled every 10 seconds.

Passes are made directly in the database here; each spans the whole local day it is for, so
the tests hold at any hour they run.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from app.domain.roles import Role
from app.models.visitors import Visit, VisitorPass
from app.services import lobby as lobby_service
from app.services.scope import EstateRef, Scope, Viewer

TZ = ZoneInfo("Asia/Shanghai")  # the test estates' time zone


def today() -> date:
    return datetime.now(TZ).date()


def whole_day(day: date) -> tuple[datetime, datetime]:
    return datetime.combine(day, time(0), tzinfo=TZ), datetime.combine(day, time(23, 59, 59), tzinfo=TZ)


async def make_pass(estate, guest: str, day: date | None = None, *, unit: str = "1-1-0101", **fields) -> VisitorPass:
    starts_at, ends_at = whole_day(day or today())
    fields.setdefault("purpose", "family_friend")
    visitor_pass = VisitorPass(
        estate=estate.id, unit=estate.units[unit].id, guest_name=guest,
        starts_at=fields.pop("starts_at", starts_at), ends_at=fields.pop("ends_at", ends_at),
        link_hash=secrets.token_hex(32), **fields,
    )
    await visitor_pass.save()
    return visitor_pass


@pytest.fixture
async def lobby(make_estate, sign_in_en):
    estate = await make_estate()
    await sign_in_en(await estate.person("Chen Jing", Role.FRONT_DESK))
    return estate


async def test_todays_one_off_and_recurring_guests_are_listed_and_no_one_else(client, lobby, make_estate):
    estate = lobby
    other = await make_estate("Maple Court")
    day = today()
    await make_pass(estate, "Zhang San", party_size=3, purpose="repair", unit="2-1-0102")
    await make_pass(estate, "Ayi Liu", day - timedelta(days=30), ends_at=whole_day(day + timedelta(days=60))[1],
                    weekdays=str(day.weekday()), daily_start="07:30", daily_end="11:00", max_entries=None,
                    purpose="domestic_help")
    await make_pass(estate, "Tomorrow Tang", day + timedelta(days=1))
    await make_pass(estate, "Yesterday Yu", day - timedelta(days=1))
    await make_pass(estate, "Revoked Ren", revoked_at=datetime.now(timezone.utc))
    await make_pass(estate, "Other Days Ou", day - timedelta(days=30), ends_at=whole_day(day + timedelta(days=60))[1],
                    weekdays=str((day.weekday() + 1) % 7), daily_start="08:00", daily_end="18:00")
    await make_pass(other, "Maple Ma")

    response = await client.get(f"/e/{estate.slug}/lobby")

    assert response.status_code == 200
    page = response.text
    assert "Expected visitors today" in page
    assert 'data-live="lobby" data-live-every="10"' in page and f'hx-get="/e/{estate.slug}/lobby/list"' in page
    for absent in ("Tomorrow Tang", "Yesterday Yu", "Revoked Ren", "Other Days Ou", "Maple Ma"):
        assert absent not in page, absent
    # Sorted by the start of today's window: the whole-day pass (00:00) before the help (07:30).
    assert page.index("Zhang San") < page.index("Ayi Liu")
    assert "00:00–23:59" in page and "07:30–11:00" in page
    assert "3 people" in page and "Repair" in page and "2-1-0102" in page and "Domestic help" in page
    assert 'data-count="total">2<' in page


async def test_a_guest_inside_shows_when_they_arrived_and_one_who_left_shows_when(client, lobby):
    estate = lobby
    inside = await make_pass(estate, "Zhang San", inside=True, entries=1)
    gone = await make_pass(estate, "Li Si", entries=1)
    await make_pass(estate, "Wang Wu")
    now = datetime.now(timezone.utc)
    day_start = whole_day(today())[0]
    entered = max(now - timedelta(minutes=5), day_start)
    await Visit(estate=estate.id, visitor_pass=inside.id, unit=inside.unit, guest_name="Zhang San",
                entered_at=entered).save()
    await Visit(estate=estate.id, visitor_pass=gone.id, unit=gone.unit, guest_name="Li Si",
                entered_at=entered, exited_at=max(now - timedelta(minutes=1), entered)).save()

    page = (await client.get(f"/e/{estate.slug}/lobby")).text

    assert f"Arrived at {entered.astimezone(TZ):%H:%M}" in page
    assert "Left at" in page
    assert 'data-count="inside">1<' in page and 'data-count="left">1<' in page and 'data-count="to_come">1<' in page


async def test_an_empty_day_says_so(client, lobby):
    page = (await client.get(f"/e/{lobby.slug}/lobby")).text
    assert "No visitors expected today" in page and 'data-count="total">0<' in page


async def test_the_polled_list_answers_304_while_unchanged_and_200_after_a_new_invitation(client, lobby):
    estate = lobby
    await make_pass(estate, "Zhang San")
    url = f"/e/{estate.slug}/lobby/list"

    first = await client.get(url, headers={"HX-Request": "true"})
    assert first.status_code == 200
    assert "Zhang San" in first.text and "<html" not in first.text
    etag = first.headers["etag"]
    assert "no-cache" in first.headers["cache-control"]

    same = await client.get(url, headers={"HX-Request": "true", "If-None-Match": etag})
    assert same.status_code == 304 and same.content == b""

    await make_pass(estate, "Li Si")
    changed = await client.get(url, headers={"HX-Request": "true", "If-None-Match": etag})
    assert changed.status_code == 200
    assert "Li Si" in changed.text and changed.headers["etag"] != etag


@pytest.mark.parametrize("role", [Role.MANAGER, Role.SUPERVISOR])
async def test_managers_and_supervisors_see_the_lobby_too(client, sign_in_en, make_estate, role):
    estate = await make_estate()
    await make_pass(estate, "Zhang San")
    await sign_in_en(await estate.person("Sun Hao", role))
    assert "Zhang San" in (await client.get(f"/e/{estate.slug}/lobby")).text


@pytest.mark.parametrize("role", [Role.GATE_GUARD, Role.RESIDENT])
async def test_guards_and_residents_do_not_see_the_lobby_list(client, sign_in_en, make_estate, role):
    estate = await make_estate()
    await sign_in_en(await estate.person("Li Qiang", role, unit="1-1-0101" if role is Role.RESIDENT else None))
    assert (await client.get(f"/e/{estate.slug}/lobby")).status_code == 403
    assert (await client.get(f"/e/{estate.slug}/lobby/list")).status_code == 403


async def test_another_estates_desk_gets_404(client, sign_in_en, make_estate):
    estate = await make_estate()
    await make_pass(estate, "Zhang San")
    other = await make_estate("Maple Court")
    await sign_in_en(await other.person("Tan Mei", Role.FRONT_DESK))
    assert (await client.get(f"/e/{estate.slug}/lobby")).status_code == 404
    assert (await client.get(f"/e/{estate.slug}/lobby/list")).status_code == 404
    assert "Zhang San" not in (await client.get(f"/e/{other.slug}/lobby")).text


async def test_the_list_costs_two_queries_however_many_guests_there_are(lobby, monkeypatch):
    estate = lobby
    for n in range(12):
        visitor_pass = await make_pass(estate, f"Guest {n:02d}", inside=n % 2 == 0)
        if n % 2 == 0:
            await Visit(estate=estate.id, visitor_pass=visitor_pass.id, unit=visitor_pass.unit,
                        entered_at=whole_day(today())[0]).save()
    engine_class = type(VisitorPass._meta.db)
    asked = []
    real = engine_class.run_querystring

    async def counting(self, querystring, *args, **kwargs):
        asked.append(str(querystring))
        return await real(self, querystring, *args, **kwargs)

    monkeypatch.setattr(engine_class, "run_querystring", counting)
    ref = EstateRef(estate.id, estate.slug, estate.estate.name, "Asia/Shanghai")
    scope = Scope(viewer=Viewer(person_id=estate.id, name="", locale="en", session_id=estate.id), estate=ref,
                  roles=frozenset({Role.FRONT_DESK}))

    day = await lobby_service.today(scope)

    assert len(day.visitors) == 12 and day.counts["inside"] == 6
    assert len(asked) == 2, asked
