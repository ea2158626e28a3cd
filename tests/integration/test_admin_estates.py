"""An admin runs estates: creates them, edits their details, buildings, gates and lobby desks."""

from __future__ import annotations

import secrets


from app.domain.roles import Role
from app.models.audit import AuditEvent
from app.models.estates import Building, Estate, Gate
from app.models.people import RoleGrant
from tests.integration.forms import post_form


async def test_an_admin_creates_an_estate_and_becomes_its_admin(client, csrf, sign_in_en, make_estate):
    home = await make_estate()
    admin = await home.person("Zhou Min", Role.ADMIN)
    await sign_in_en(admin)
    slug = f"new-{secrets.token_hex(3)}"

    response = await post_form(client, csrf, "/admin/estates", {
        "name": "Lakeside 湖畔", "slug": slug, "timezone": "Asia/Shanghai", "visitor_rules": "Sign in at the gate.",
    })

    assert response.status_code == 303
    assert response.headers["location"] == f"/e/{slug}/admin?done=created"
    estate = await Estate.objects().where(Estate.slug == slug).first()
    assert estate.name == "Lakeside 湖畔" and estate.visitor_rules == "Sign in at the gate."
    assert await RoleGrant.exists().where(
        (RoleGrant.person == admin) & (RoleGrant.estate == estate.id) & (RoleGrant.role == "admin"))
    assert await AuditEvent.exists().where((AuditEvent.action == "estate.created") & (AuditEvent.estate == estate.id))
    page = await client.get(f"/e/{slug}/admin")
    assert page.status_code == 200 and "Lakeside 湖畔" in page.text
    listing = await client.get("/admin/estates")
    assert "Lakeside 湖畔" in listing.text and "Test Estate" in listing.text


async def test_a_new_estate_with_a_bad_short_name_comes_back_with_what_was_typed(client, csrf, sign_in_en, make_estate):
    home = await make_estate()
    await sign_in_en(await home.person("Zhou Min", Role.ADMIN))

    response = await post_form(client, csrf, "/admin/estates", {
        "name": "Typed Name Kept", "slug": "Not A Slug!", "timezone": "Mars/Olympus",
    })

    assert response.status_code == 422
    assert 'value="Typed Name Kept"' in response.text
    assert "lower-case letters" in response.text
    assert "Choose a time zone from the list." in response.text


async def test_an_estate_short_name_already_in_use_is_refused_in_words(client, csrf, sign_in_en, make_estate):
    home = await make_estate()
    await sign_in_en(await home.person("Zhou Min", Role.ADMIN))

    response = await post_form(client, csrf, "/admin/estates", {"name": "Copy", "slug": home.slug})

    assert response.status_code == 422
    assert "Another estate already uses this short name" in response.text


async def test_an_admin_edits_the_estate_details(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    await sign_in_en(await estate.person("Zhou Min", Role.ADMIN))

    response = await post_form(client, csrf, f"/e/{estate.slug}/admin", {
        "name": "Renamed Estate", "timezone": "Europe/London", "visitor_rules": "Be kind.",
    })

    assert response.status_code == 303
    row = await Estate.objects().where(Estate.id == estate.id).first()
    assert (row.name, row.timezone, row.visitor_rules) == ("Renamed Estate", "Europe/London", "Be kind.")


async def test_an_estate_without_a_name_is_not_saved_and_the_form_keeps_the_rules(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    await sign_in_en(await estate.person("Zhou Min", Role.ADMIN))

    response = await post_form(client, csrf, f"/e/{estate.slug}/admin", {
        "name": "  ", "timezone": "Asia/Shanghai", "visitor_rules": "Typed rules stay",
    })

    assert response.status_code == 422
    assert "Enter a name." in response.text and "Typed rules stay" in response.text
    assert (await Estate.objects().where(Estate.id == estate.id).first()).name == "Test Estate"


async def test_a_building_with_units_cannot_be_deleted(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    await sign_in_en(await estate.person("Zhou Min", Role.ADMIN))
    building = await Building.objects().where((Building.estate == estate.id) & (Building.code == "1")).first()

    response = await post_form(client, csrf, f"/e/{estate.slug}/admin/buildings/{building.id}/delete", {})

    assert response.status_code == 422
    assert "This building still has units" in response.text
    assert await Building.exists().where(Building.id == building.id)


async def test_an_empty_building_is_added_renamed_and_deleted(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    await sign_in_en(await estate.person("Zhou Min", Role.ADMIN))
    base = f"/e/{estate.slug}/admin/buildings"

    assert (await post_form(client, csrf, base, {"code": "9", "name": "Tower"})).status_code == 303
    building = await Building.objects().where((Building.estate == estate.id) & (Building.code == "9")).first()
    assert (await post_form(client, csrf, f"{base}/{building.id}/name", {"name": "Tower Nine"})).status_code == 303
    assert (await Building.objects().where(Building.id == building.id).first()).name == "Tower Nine"
    assert (await post_form(client, csrf, f"{base}/{building.id}/delete", {})).status_code == 303
    assert not await Building.exists().where(Building.id == building.id)


async def test_a_second_building_with_the_same_code_is_refused_in_words(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    await sign_in_en(await estate.person("Zhou Min", Role.ADMIN))

    response = await post_form(client, csrf, f"/e/{estate.slug}/admin/buildings", {"code": "1"})

    assert response.status_code == 422
    assert "There is already a building with this code." in response.text


async def test_gates_are_added_renamed_and_deleted_and_names_stay_unique(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    await sign_in_en(await estate.person("Zhou Min", Role.ADMIN))
    base = f"/e/{estate.slug}/admin/gates"

    assert (await post_form(client, csrf, base, {"name": "South Gate"})).status_code == 303
    duplicate = await post_form(client, csrf, base, {"name": "North Gate"})
    assert duplicate.status_code == 422 and "There is already a gate with this name." in duplicate.text
    gate = await Gate.objects().where((Gate.estate == estate.id) & (Gate.name == "South Gate")).first()
    clash = await post_form(client, csrf, f"{base}/{gate.id}/name", {"name": "North Gate"})
    assert clash.status_code == 422 and 'value="North Gate"' in clash.text
    assert (await post_form(client, csrf, f"{base}/{gate.id}/name", {"name": "East Gate"})).status_code == 303
    assert (await post_form(client, csrf, f"{base}/{gate.id}/delete", {})).status_code == 303
    names = {g["name"] for g in await Gate.select(Gate.name).where(Gate.estate == estate.id)}
    assert names == {"North Gate"}


async def test_the_estate_page_says_when_there_are_no_lobby_desks(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    await sign_in_en(await estate.person("Zhou Min", Role.ADMIN))
    page = await client.get(f"/e/{estate.slug}/admin")
    desk_id = page.text.split("/admin/desks/")[1].split("/")[0]

    assert (await post_form(client, csrf, f"/e/{estate.slug}/admin/desks/{desk_id}/delete", {})).status_code == 303

    assert "No lobby desks yet" in (await client.get(f"/e/{estate.slug}/admin")).text


async def test_the_front_desk_cannot_reach_the_admin_pages(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    await sign_in_en(await estate.person("Chen Jing", Role.FRONT_DESK))

    assert (await client.get(f"/e/{estate.slug}/admin")).status_code == 403
    assert (await client.get("/admin/estates")).status_code == 403
    assert (await post_form(client, csrf, f"/e/{estate.slug}/admin/gates", {"name": "Back Door"})).status_code == 403
    assert not await Gate.exists().where((Gate.estate == estate.id) & (Gate.name == "Back Door"))


async def test_an_admin_of_one_estate_finds_nothing_of_another(client, csrf, sign_in_en, make_estate):
    mine = await make_estate("Mine")
    theirs = await make_estate("Theirs")
    await sign_in_en(await mine.person("Zhou Min", Role.ADMIN))
    their_gate = await Gate.objects().where(Gate.estate == theirs.id).first()
    their_building = await Building.objects().where(Building.estate == theirs.id).first()

    assert (await client.get(f"/e/{theirs.slug}/admin")).status_code == 404
    assert (await client.get(f"/e/{theirs.slug}/units")).status_code == 404
    # Their rows under my estate's address are not found either, and stay as they were.
    renamed = await post_form(client, csrf, f"/e/{mine.slug}/admin/gates/{their_gate.id}/name", {"name": "Mine now"})
    assert renamed.status_code == 404
    deleted = await post_form(client, csrf, f"/e/{mine.slug}/admin/buildings/{their_building.id}/delete", {})
    assert deleted.status_code == 404
    assert (await Gate.objects().where(Gate.id == their_gate.id).first()).name == "North Gate"


async def test_a_building_page_keeps_a_too_long_name_and_refuses_to_delete_a_building_with_units(
    client, csrf, sign_in_en, make_estate
):
    estate = await make_estate()
    await sign_in_en(await estate.person("Zhou Min", Role.ADMIN))
    building = await Building.objects().where((Building.estate == estate.id) & (Building.code == "1")).first()
    page = await client.get(f"/e/{estate.slug}/admin/buildings/{building.id}")
    assert page.status_code == 200 and "2 units" in page.text

    too_long = "x" * 121
    renamed = await post_form(client, csrf, f"/e/{estate.slug}/admin/buildings/{building.id}/name", {"name": too_long})
    assert renamed.status_code == 422 and too_long in renamed.text

    deleted = await post_form(client, csrf, f"/e/{estate.slug}/admin/buildings/{building.id}/delete", {})
    assert deleted.status_code == 422
    assert "This building still has units" in deleted.text
    assert await Building.exists().where(Building.id == building.id)
