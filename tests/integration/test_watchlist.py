"""The watchlist: front desk, managers and supervisors keep it; guards only meet its warnings.

Entries are stored in normal form, so ``matches`` finds a person however their details are
written, and stops finding them once the entry is removed or its last day has passed.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from app.domain.roles import Role
from app.models.audit import AuditEvent
from app.models.visitors import WatchlistEntry
from app.services import sealed, watchlist
from tests.integration.forms import post_form

ZHANG = {"name": "Zhang Wei", "id_number": "110105 19900307 123x", "phone": "+86 139 1234 5678",
         "reason": "Stole parcels from the lockers", "until": ""}


async def entries(estate) -> list[WatchlistEntry]:
    return await WatchlistEntry.objects().where(WatchlistEntry.estate == estate.id)


async def add_as(client, csrf, estate, **fields):
    return await post_form(client, csrf, f"/e/{estate.slug}/watchlist", {**ZHANG, **fields})


@pytest.fixture
async def desk(make_estate, sign_in_en):
    estate = await make_estate()
    chen = await estate.person("Chen Jing", Role.FRONT_DESK)
    await sign_in_en(chen)
    return estate, chen


async def test_the_front_desk_adds_a_person_kept_as_typed_and_in_normal_form_and_audited(client, csrf, desk):
    estate, chen = desk

    response = await add_as(client, csrf, estate)

    assert response.status_code == 303
    assert response.headers["location"] == f"/e/{estate.slug}/watchlist?done=added"
    [entry] = await entries(estate)
    id_number = sealed.open_value(WatchlistEntry, "id_number", entry.id_number)
    phone = sealed.open_value(WatchlistEntry, "phone", entry.phone)
    assert (entry.name, entry.name_key, id_number, phone, entry.reason, entry.until, entry.added_by) == (
        "Zhang Wei", "zhangwei", "11010519900307123X", "13912345678", "Stole parcels from the lockers", None, chen)
    assert "11010519900307123X" not in entry.id_number and "13912345678" not in entry.phone
    assert (entry.id_number_masked, entry.phone_masked) == ("110***********123X", "139****5678")
    event = await AuditEvent.objects().where(
        (AuditEvent.action == "watchlist.added") & (AuditEvent.subject == str(entry.id))).first()
    assert event is not None and event.actor == chen and event.estate == estate.id


async def test_the_list_shows_phone_and_id_number_masked(client, csrf, desk):
    estate, _ = desk
    await add_as(client, csrf, estate)

    page = (await client.get(f"/e/{estate.slug}/watchlist?done=added")).text

    assert "Added to the watchlist" in page
    assert "Zhang Wei" in page and "Stole parcels from the lockers" in page and "For good" in page
    assert "139****5678" in page and "110***********123X" in page
    assert "13912345678" not in page and "11010519900307123X" not in page


async def test_an_entry_until_a_day_lasts_to_the_end_of_that_day_in_the_estates_time_zone(client, csrf, desk):
    estate, _ = desk
    day = (datetime.now(timezone.utc) + timedelta(days=30)).astimezone(timezone(timedelta(hours=8))).date()

    response = await add_as(client, csrf, estate, until=day.isoformat())

    assert response.status_code == 303
    [entry] = await entries(estate)
    assert entry.until == datetime.combine(day, datetime.min.time(), tzinfo=timezone.utc) + timedelta(hours=15, minutes=59, seconds=59)
    assert f"Until {day.isoformat()}" in (await client.get(f"/e/{estate.slug}/watchlist")).text


async def test_a_form_with_mistakes_comes_back_filled_in_with_a_message_beside_each_field(client, csrf, desk):
    estate, _ = desk

    response = await add_as(client, csrf, estate, phone="call me maybe", reason="  ", until="2020-01-01")

    assert response.status_code == 422
    page = response.text
    assert "Enter a phone number of digits only" in page
    assert "Say why this person is barred" in page
    assert "This date has passed" in page
    assert 'value="Zhang Wei"' in page and 'value="call me maybe"' in page and 'value="110105 19900307 123x"' in page
    assert 'value="2020-01-01"' in page
    assert await entries(estate) == []


async def test_an_entry_needs_something_to_match_on(client, csrf, desk):
    estate, _ = desk

    response = await add_as(client, csrf, estate, name=" ", id_number="", phone="", reason="Fight at the gate")

    assert response.status_code == 422
    assert "Give at least one of name, ID number or phone" in response.text
    assert "Fight at the gate</textarea>" in response.text
    assert await entries(estate) == []


async def test_removing_is_behind_a_confirm_and_records_who_removed_it(client, csrf, desk):
    estate, chen = desk
    await add_as(client, csrf, estate)
    [entry] = await entries(estate)
    page = (await client.get(f"/e/{estate.slug}/watchlist")).text
    assert f'action="/e/{estate.slug}/watchlist/{entry.id}/remove"' in page and "data-confirm=" in page

    response = await post_form(client, csrf, f"/e/{estate.slug}/watchlist/{entry.id}/remove", {})

    assert response.status_code == 303 and response.headers["location"].endswith("?done=removed")
    [gone] = await entries(estate)
    assert gone.removed_at is not None and gone.removed_by == chen
    assert await AuditEvent.count().where(
        (AuditEvent.action == "watchlist.removed") & (AuditEvent.subject == str(entry.id))) == 1
    assert "Zhang Wei" not in (await client.get(f"/e/{estate.slug}/watchlist?done=removed")).text
    # A second removal (a double tap) changes nothing and records nothing more.
    again = await post_form(client, csrf, f"/e/{estate.slug}/watchlist/{entry.id}/remove", {})
    assert again.status_code == 303
    assert (await entries(estate))[0].removed_at == gone.removed_at
    assert await AuditEvent.count().where(
        (AuditEvent.action == "watchlist.removed") & (AuditEvent.subject == str(entry.id))) == 1


async def test_the_list_is_searched_by_part_of_a_name_phone_or_id_number(client, csrf, desk):
    estate, _ = desk
    await add_as(client, csrf, estate)
    await add_as(client, csrf, estate, name="Li Na", id_number="", phone="13800001111", reason="Fight")

    async def found(q: str) -> set[str]:
        page = (await client.get(f"/e/{estate.slug}/watchlist", params={"q": q})).text
        return {name for name in ("Zhang Wei", "Li Na") if name in page}

    assert await found("Zhang") == {"Zhang Wei"}
    assert await found("zhang wei") == {"Zhang Wei"}
    assert await found("1234 5678") == {"Zhang Wei"}
    assert await found("0000-1111") == {"Li Na"}
    assert await found("0307 123X") == {"Zhang Wei"}
    assert await found("138") == {"Li Na"}
    assert await found("nobody") == set()
    assert await found("") == {"Zhang Wei", "Li Na"}


async def test_the_search_box_asks_for_the_rows_alone(client, csrf, desk):
    estate, _ = desk
    await add_as(client, csrf, estate)

    response = await client.get(f"/e/{estate.slug}/watchlist", params={"q": "zhang"},
                                headers={"HX-Request": "true", "HX-Target": "watchlist-results"})

    assert response.status_code == 200
    assert "Zhang Wei" in response.text and "<html" not in response.text and "Add a person to the watchlist" not in response.text


@pytest.mark.parametrize("role", [Role.MANAGER, Role.SUPERVISOR])
async def test_managers_and_supervisors_keep_the_list_too(client, csrf, sign_in_en, make_estate, role):
    estate = await make_estate()
    await sign_in_en(await estate.person("Sun Hao", role))

    assert (await client.get(f"/e/{estate.slug}/watchlist")).status_code == 200
    assert (await add_as(client, csrf, estate)).status_code == 303
    assert len(await entries(estate)) == 1


@pytest.mark.parametrize("role", [Role.GATE_GUARD, Role.PATROL_GUARD, Role.RESIDENT, Role.ADMIN])
async def test_guards_residents_and_the_admin_do_not_browse_or_change_the_list(client, csrf, sign_in_en, make_estate,
                                                                               role):
    estate = await make_estate()
    entry = WatchlistEntry(estate=estate.id, name="Zhang Wei", name_key="zhangwei", reason="Theft")
    await entry.save()
    await sign_in_en(await estate.person("Li Qiang", role, unit="1-1-0101" if role is Role.RESIDENT else None))

    assert (await client.get(f"/e/{estate.slug}/watchlist")).status_code == 403
    assert (await add_as(client, csrf, estate)).status_code == 403
    assert (await post_form(client, csrf, f"/e/{estate.slug}/watchlist/{entry.id}/remove", {})).status_code == 403
    assert len(await entries(estate)) == 1 and (await entries(estate))[0].removed_at is None


async def test_another_estates_desk_finds_neither_the_list_nor_its_entries(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    other = await make_estate("Maple Court")
    entry = WatchlistEntry(estate=estate.id, name="Zhang Wei", name_key="zhangwei", reason="Theft")
    await entry.save()
    await sign_in_en(await other.person("Tan Mei", Role.FRONT_DESK))

    assert (await client.get(f"/e/{estate.slug}/watchlist")).status_code == 404
    # Through their own estate's address, the other estate's entry does not exist.
    response = await post_form(client, csrf, f"/e/{other.slug}/watchlist/{entry.id}/remove", {})
    assert response.status_code == 404
    assert (await entries(estate))[0].removed_at is None
    assert "Zhang Wei" not in (await client.get(f"/e/{other.slug}/watchlist")).text


# Matching, as the gate's registration and scan call it --------------------------------------


@pytest.fixture
async def barred(make_estate):
    estate = await make_estate()
    entry = WatchlistEntry(**sealed.seal(WatchlistEntry, dict(
        estate=estate.id, name="Zhang Wei", name_key="zhangwei", id_number="11010519900307123X", phone="13912345678",
        reason="Theft")))
    await entry.save()
    return estate, entry


@pytest.mark.parametrize("details", [
    {"name": "Zhang Wei"}, {"name": "ZHANGWEI"}, {"name": " zhang  wei "},
    {"phone": "+86 139 1234 5678"}, {"phone": "139-1234-5678"}, {"phone": "8613912345678"},
    {"id_number": "11010519900307123x"}, {"id_number": "110105 1990 0307 123X"},
    {"name": "Someone Else", "phone": "(+86) 139 1234 5678"},
], ids=lambda d: "|".join(f"{k}={v}" for k, v in d.items()))
async def test_a_barred_person_is_found_by_any_detail_however_it_is_written(barred, details):
    estate, entry = barred
    found = await watchlist.matches(estate.id, **details)
    assert [m["id"] for m in found] == [entry.id]
    assert found[0]["reason"] == "Theft"


async def test_other_people_and_empty_details_match_nothing(barred):
    estate, _ = barred
    assert await watchlist.matches(estate.id, name="Zhang Wen", phone="13912345679", id_number="110105199003071230") == []
    assert await watchlist.matches(estate.id) == []
    assert await watchlist.matches(estate.id, name=" ", phone="+86", id_number="-") == []


async def test_a_detail_the_entry_left_empty_matches_no_one(make_estate):
    estate = await make_estate()
    await WatchlistEntry(**sealed.seal(WatchlistEntry, dict(estate=estate.id, phone="13912345678", reason="Theft"))).save()
    assert await watchlist.matches(estate.id, name="Zhang Wei") == []


async def test_another_estates_entry_does_not_match(barred, make_estate):
    other = await make_estate("Maple Court")
    assert await watchlist.matches(other.id, name="Zhang Wei") == []


async def test_a_removed_entry_no_longer_matches(barred, client, csrf, sign_in_en):
    estate, entry = barred
    await sign_in_en(await estate.person("Chen Jing", Role.FRONT_DESK))
    await post_form(client, csrf, f"/e/{estate.slug}/watchlist/{entry.id}/remove", {})
    assert await watchlist.matches(estate.id, name="Zhang Wei") == []


async def test_an_entry_whose_last_day_has_passed_no_longer_matches_and_is_listed_as_expired(barred, client,
                                                                                             sign_in_en):
    estate, entry = barred
    await WatchlistEntry.update({WatchlistEntry.until: datetime.now(timezone.utc) - timedelta(seconds=1)}).where(
        WatchlistEntry.id == entry.id)
    assert await watchlist.matches(estate.id, phone="13912345678") == []
    await sign_in_en(await estate.person("Chen Jing", Role.FRONT_DESK))
    page = (await client.get(f"/e/{estate.slug}/watchlist")).text
    expired = page[page.index('aria-label="Expired"'):]
    assert "Zhang Wei" in expired and "No one is barred now" in page


async def test_an_entry_until_a_later_day_still_matches(barred):
    estate, entry = barred
    await WatchlistEntry.update({WatchlistEntry.until: datetime.now(timezone.utc) + timedelta(minutes=1)}).where(
        WatchlistEntry.id == entry.id)
    assert [m["id"] for m in await watchlist.matches(estate.id, id_number="11010519900307123X")] == [entry.id]

