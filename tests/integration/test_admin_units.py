"""Units: the CSV import (all or nothing), adding and deleting one, and the fee status the
front desk keeps."""

from __future__ import annotations


from app.domain.roles import Role
from app.models.audit import AuditEvent
from app.models.estates import Building, Unit
from app.models.people import HouseholdMember, Person, RoleGrant
from app.services import sealed
from tests.integration.forms import post_form


async def labels(estate) -> set[str]:
    return {r["label"] for r in await Unit.select(Unit.label).where(Unit.estate == estate.id)}


async def test_an_admin_imports_units_with_their_owners(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    await sign_in_en(await estate.person("Zhou Min", Role.ADMIN))
    text = "label,owner_name,owner_phone\n5-2-1301,Wang Fang,139 1234 5678\n5-2-1302\n"

    response = await post_form(client, csrf, f"/e/{estate.slug}/units/import", {"csv": text}, files={"file": ("", b"")})

    assert response.status_code == 200
    assert "2 units added, 1 owners added, 0 already there" in response.text
    assert {"5-2-1301", "5-2-1302"} <= await labels(estate)
    assert await Building.exists().where((Building.estate == estate.id) & (Building.code == "5"))
    unit = await Unit.objects().where((Unit.estate == estate.id) & (Unit.label == "5-2-1301")).first()
    membership = await HouseholdMember.objects().where(HouseholdMember.unit == unit.id).first()
    owner = await Person.objects().where(Person.id == membership.person).first()
    phone = sealed.open_value(Person, "phone", owner.phone)
    assert (owner.name, phone, membership.relation) == ("Wang Fang", "13912345678", "owner")
    assert owner.phone_masked == "139****5678" and owner.phone_hash == sealed.hash_of(sealed.PHONE, phone)
    assert await RoleGrant.exists().where(
        (RoleGrant.person == owner.id) & (RoleGrant.estate == estate.id) & (RoleGrant.role == "resident"))
    assert await AuditEvent.exists().where((AuditEvent.action == "units.imported") & (AuditEvent.estate == estate.id))


async def test_an_uploaded_file_is_imported_like_pasted_lines(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    await sign_in_en(await estate.person("Zhou Min", Role.ADMIN))
    content = "7-1-0101,李雷,13800000001\n".encode("gb18030")

    response = await post_form(client, csrf, f"/e/{estate.slug}/units/import", {"csv": ""},
                               files={"file": ("units.csv", content, "text/csv")})

    assert response.status_code == 200
    assert "7-1-0101" in await labels(estate)
    assert await Person.exists().where(Person.name == "李雷")


async def test_bad_lines_are_reported_by_number_and_nothing_is_imported(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    await sign_in_en(await estate.person("Zhou Min", Role.ADMIN))
    before = await labels(estate)
    text = "6-1-0101,Good Owner,13900000000\n6-1-0102,Bad Phone,call me\nsix\n6-1-0101\n"

    response = await post_form(client, csrf, f"/e/{estate.slug}/units/import", {"csv": text}, files={"file": ("", b"")})

    assert response.status_code == 422
    assert "Nothing was imported" in response.text
    assert "Line 2" in response.text and "Enter a phone number of digits only" in response.text
    assert "Line 3" in response.text and "building-entrance-room" in response.text
    assert "Line 4" in response.text and "already on an earlier line" in response.text
    assert "6-1-0102,Bad Phone,call me" in response.text  # the pasted text is kept to fix it
    assert await labels(estate) == before
    assert not await Person.exists().where(Person.name == "Good Owner")
    assert not await Building.exists().where((Building.estate == estate.id) & (Building.code == "6"))


async def test_units_that_already_exist_are_skipped_and_left_as_they_were(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    await sign_in_en(await estate.person("Zhou Min", Role.ADMIN))
    text = "1-1-0101,Someone Else,13900000009\n1-1-0199\n"

    response = await post_form(client, csrf, f"/e/{estate.slug}/units/import", {"csv": text}, files={"file": ("", b"")})

    assert response.status_code == 200
    assert "1 units added, 0 owners added, 1 already there and skipped" in response.text
    assert "1-1-0199" in await labels(estate)
    assert not await Person.exists().where(Person.name == "Someone Else")
    again = await post_form(client, csrf, f"/e/{estate.slug}/units/import", {"csv": text}, files={"file": ("", b"")})
    assert "0 units added, 0 owners added, 2 already there and skipped" in again.text


async def test_an_empty_import_asks_for_lines(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    await sign_in_en(await estate.person("Zhou Min", Role.ADMIN))

    response = await post_form(client, csrf, f"/e/{estate.slug}/units/import", {"csv": "  \n"}, files={"file": ("", b"")})

    assert response.status_code == 422 and "Paste some lines or choose a file." in response.text


async def test_a_unit_with_a_bad_label_comes_back_with_what_was_typed(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    await sign_in_en(await estate.person("Zhou Min", Role.ADMIN))

    response = await post_form(client, csrf, f"/e/{estate.slug}/units", {"label": "5/2/1301"})

    assert response.status_code == 422
    assert 'value="5/2/1301"' in response.text and "building-entrance-room" in response.text


async def test_a_unit_is_added_with_its_building_and_a_duplicate_is_refused(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    await sign_in_en(await estate.person("Zhou Min", Role.ADMIN))

    assert (await post_form(client, csrf, f"/e/{estate.slug}/units", {"label": "8-1-0808"})).status_code == 303
    assert await Building.exists().where((Building.estate == estate.id) & (Building.code == "8"))
    duplicate = await post_form(client, csrf, f"/e/{estate.slug}/units", {"label": "8-1-0808"})
    assert duplicate.status_code == 422 and "There is already a unit with this label." in duplicate.text


async def test_a_unit_with_a_household_cannot_be_deleted_and_an_empty_one_can(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    await estate.person("Wang Fang", Role.RESIDENT, unit="1-1-0101")
    await sign_in_en(await estate.person("Zhou Min", Role.ADMIN))
    lived_in, empty = estate.units["1-1-0101"], estate.units["1-1-0102"]

    refused = await post_form(client, csrf, f"/e/{estate.slug}/units/{lived_in.id}/delete", {})
    assert refused.status_code == 422 and "Remove them from it first" in refused.text
    assert (await post_form(client, csrf, f"/e/{estate.slug}/units/{empty.id}/delete", {})).status_code == 303
    assert await labels(estate) == {"1-1-0101", "2-1-0101", "2-1-0102"}


async def test_the_front_desk_records_a_unit_in_arrears_with_a_note(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    await sign_in_en(await estate.person("Chen Jing", Role.FRONT_DESK))
    unit = estate.units["2-1-0101"]

    response = await post_form(client, csrf, f"/e/{estate.slug}/units/{unit.id}/fee",
                               {"fee_status": "arrears", "fee_note": "Owes 2026 Q3"})

    assert response.status_code == 303
    row = await Unit.objects().where(Unit.id == unit.id).first()
    assert (row.fee_status, row.fee_note) == ("arrears", "Owes 2026 Q3")
    listing = await client.get(f"/e/{estate.slug}/units?q=2-1-0101")
    assert "In arrears" in listing.text
    assert await AuditEvent.exists().where((AuditEvent.action == "unit.fee_status") & (AuditEvent.subject == str(unit.id)))


async def test_a_fee_status_that_is_not_offered_is_refused(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    await sign_in_en(await estate.person("Chen Jing", Role.FRONT_DESK))
    unit = estate.units["2-1-0101"]

    response = await post_form(client, csrf, f"/e/{estate.slug}/units/{unit.id}/fee",
                               {"fee_status": "maybe", "fee_note": "Typed note"})

    assert response.status_code == 422
    assert "Choose paid up or in arrears." in response.text and "Typed note" in response.text


async def test_the_front_desk_sees_units_but_cannot_import_or_delete_them(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    await sign_in_en(await estate.person("Chen Jing", Role.FRONT_DESK))

    page = await client.get(f"/e/{estate.slug}/units")
    assert page.status_code == 200 and "1-1-0101" in page.text and "Add a unit" not in page.text
    assert (await client.get(f"/e/{estate.slug}/units/import")).status_code == 403
    unit = estate.units["1-1-0102"]
    assert (await post_form(client, csrf, f"/e/{estate.slug}/units/{unit.id}/delete", {})).status_code == 403


async def test_the_units_list_filters_by_building_and_label(client, sign_in_en, make_estate):
    estate = await make_estate()
    await sign_in_en(await estate.person("Zhou Min", Role.ADMIN))
    building = await Building.objects().where((Building.estate == estate.id) & (Building.code == "2")).first()

    by_building = await client.get(f"/e/{estate.slug}/units?building={building.id}")
    assert "2-1-0101" in by_building.text and "1-1-0101" not in by_building.text
    by_label = await client.get(f"/e/{estate.slug}/units?q=0102", headers={"hx-request": "true", "hx-target": "unit-results"})
    assert "1-1-0102" in by_label.text and "1-1-0101" not in by_label.text
    assert "<html" not in by_label.text  # the filter asks for the rows alone


async def test_another_estates_unit_is_not_found_under_my_estates_address(client, csrf, sign_in_en, make_estate):
    mine = await make_estate("Mine")
    theirs = await make_estate("Theirs")
    await sign_in_en(await mine.person("Zhou Min", Role.ADMIN))
    their_unit = theirs.units["1-1-0101"]

    assert (await client.get(f"/e/{mine.slug}/units/{their_unit.id}")).status_code == 404
    fee = await post_form(client, csrf, f"/e/{mine.slug}/units/{their_unit.id}/fee", {"fee_status": "arrears"})
    assert fee.status_code == 404
    assert (await Unit.objects().where(Unit.id == their_unit.id).first()).fee_status == "paid"
