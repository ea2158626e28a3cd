"""People of an estate: the admin adds staff and residents and changes their roles and
households; the front desk adds residents and gives them sign-in links, never staff."""

from __future__ import annotations

import json
import re
import secrets


from app.domain.roles import Relation, Role
from app.models.audit import AuditEvent
from app.models.auth import EnrolmentLink, Passkey, Session
from app.models.people import HouseholdMember, Person, RoleGrant
from app.services import sealed
from tests.integration.forms import post_form


async def roles_of(person_id, estate) -> set[str]:
    rows = await RoleGrant.select(RoleGrant.role).where((RoleGrant.person == person_id) & (RoleGrant.estate == estate.id))
    return {r["role"] for r in rows}


async def test_an_admin_adds_a_person_with_roles_and_a_unit(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    await sign_in_en(await estate.person("Zhou Min", Role.ADMIN))

    response = await post_form(client, csrf, f"/e/{estate.slug}/people", {
        "name": "Ma Jun", "phone": "138-0000-1111", "roles": ["resident", "gate_guard"],
        "unit": "2-1-0102", "relation": "tenant",
    })

    assert response.status_code == 303
    person_id = re.search(r"/people/([0-9a-f-]{36})\?done=created", response.headers["location"]).group(1)
    person = await Person.objects().where(Person.id == person_id).first()
    assert (person.name, sealed.open_value(Person, "phone", person.phone)) == ("Ma Jun", "13800001111")
    assert person.phone_hash == sealed.hash_of(sealed.PHONE, "138 0000 1111") and person.phone_masked == "138****1111"
    assert await roles_of(person.id, estate) == {"resident", "gate_guard"}
    membership = await HouseholdMember.objects().where(HouseholdMember.person == person.id).first()
    assert (membership.unit, membership.relation) == (estate.units["2-1-0102"].id, "tenant")
    page = await client.get(response.headers["location"])
    assert page.status_code == 200 and "Ma Jun" in page.text and "2-1-0102" in page.text


async def test_a_new_person_form_with_mistakes_comes_back_with_what_was_typed(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    await sign_in_en(await estate.person("Zhou Min", Role.ADMIN))

    response = await post_form(client, csrf, f"/e/{estate.slug}/people", {
        "name": "Typed Person", "phone": "not a phone", "roles": ["resident"], "unit": "9-9-9999", "relation": "owner",
    })

    assert response.status_code == 422
    assert 'value="Typed Person"' in response.text and 'value="9-9-9999"' in response.text
    assert "Enter a phone number of digits only" in response.text
    assert "There is no unit with this label in this estate." in response.text
    assert re.search(r'value="resident" checked', response.text)
    assert not await Person.exists().where(Person.name == "Typed Person")


async def test_a_person_needs_a_role(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    await sign_in_en(await estate.person("Zhou Min", Role.ADMIN))

    response = await post_form(client, csrf, f"/e/{estate.slug}/people", {"name": "No Role"})

    assert response.status_code == 422 and "Choose at least one role." in response.text


async def test_an_admin_changes_a_persons_roles_and_it_is_audited(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    admin = await estate.person("Zhou Min", Role.ADMIN)
    guard = await estate.person("Li Qiang", Role.GATE_GUARD)
    await sign_in_en(admin)

    response = await post_form(client, csrf, f"/e/{estate.slug}/people/{guard}/roles",
                               {"roles": ["patrol_guard", "supervisor"]})

    assert response.status_code == 303
    assert await roles_of(guard, estate) == {"patrol_guard", "supervisor"}
    event = await AuditEvent.objects().where(
        (AuditEvent.action == "person.roles_changed") & (AuditEvent.subject == str(guard))).first()
    data = json.loads(event.data) if isinstance(event.data, str) else event.data
    assert data["added"] == ["patrol_guard", "supervisor"] and data["removed"] == ["gate_guard"]


async def test_an_admin_cannot_remove_their_own_admin_role(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    admin = await estate.person("Zhou Min", Role.ADMIN)
    await sign_in_en(admin)

    response = await post_form(client, csrf, f"/e/{estate.slug}/people/{admin}/roles", {"roles": ["manager"]})

    assert response.status_code == 422 and "You cannot remove your own admin role" in response.text
    assert await roles_of(admin, estate) == {"admin"}


async def test_an_admin_adds_and_removes_a_household_membership(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    resident = await estate.person("Wang Fang", Role.RESIDENT, unit="1-1-0101")
    await sign_in_en(await estate.person("Zhou Min", Role.ADMIN))
    base = f"/e/{estate.slug}/people/{resident}/households"

    assert (await post_form(client, csrf, base, {"unit": "2-1-0101", "relation": "family"})).status_code == 303
    again = await post_form(client, csrf, base, {"unit": "2-1-0101", "relation": "owner"})
    assert again.status_code == 422 and "already belongs to that unit's household" in again.text
    unit_id = estate.units["1-1-0101"].id
    assert (await post_form(client, csrf, f"{base}/{unit_id}/remove", {})).status_code == 303
    rows = await HouseholdMember.select(HouseholdMember.unit, HouseholdMember.relation).where(
        HouseholdMember.person == resident)
    assert rows == [{"unit": estate.units["2-1-0101"].id, "relation": "family"}]


async def test_the_front_desk_sees_only_residents(client, sign_in_en, make_estate):
    estate = await make_estate()
    await estate.person("Wang Fang", Role.RESIDENT, unit="1-1-0101")
    guard = await estate.person("Li Qiang", Role.GATE_GUARD)
    await sign_in_en(await estate.person("Chen Jing", Role.FRONT_DESK))

    page = await client.get(f"/e/{estate.slug}/people")
    everyone = await client.get(f"/e/{estate.slug}/people?role=gate_guard")

    assert page.status_code == 200 and "Wang Fang" in page.text
    assert "Li Qiang" not in page.text and "Chen Jing" not in page.text
    assert "Li Qiang" not in everyone.text
    assert (await client.get(f"/e/{estate.slug}/people/{guard}")).status_code == 403


async def test_an_admin_sees_everyone_and_filters_by_role_and_search(client, sign_in_en, make_estate):
    estate = await make_estate()
    await estate.person("Wang Fang", Role.RESIDENT, unit="1-1-0101", phone="13912345678")
    await estate.person("Li Qiang", Role.GATE_GUARD)
    await sign_in_en(await estate.person("Zhou Min", Role.ADMIN))

    everyone = await client.get(f"/e/{estate.slug}/people")
    guards = await client.get(f"/e/{estate.slug}/people?role=gate_guard")
    by_unit = await client.get(f"/e/{estate.slug}/people?q=1-1-0101")
    by_phone = await client.get(f"/e/{estate.slug}/people?q=139 1234 5678")  # whole (sealed: no part search)
    by_end = await client.get(f"/e/{estate.slug}/people?q=5678")  # the last four, as the masked form keeps

    assert all(name in everyone.text for name in ("Wang Fang", "Li Qiang", "Zhou Min"))
    assert "Li Qiang" in guards.text and "Wang Fang" not in guards.text
    assert "Wang Fang" in by_unit.text and "Li Qiang" not in by_unit.text
    assert "Wang Fang" in by_phone.text and "Zhou Min" not in by_phone.text
    assert "Wang Fang" in by_end.text and "Zhou Min" not in by_end.text
    assert "Not enrolled yet" in everyone.text


async def test_the_front_desk_adds_a_resident_and_cannot_make_staff(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    await sign_in_en(await estate.person("Chen Jing", Role.FRONT_DESK))

    response = await post_form(client, csrf, f"/e/{estate.slug}/people", {
        "name": "Guo Tao", "roles": ["admin"], "unit": "1-1-0102", "relation": "owner",
    })

    assert response.status_code == 303
    person = await Person.objects().where(Person.name == "Guo Tao").first()
    assert await roles_of(person.id, estate) == {"resident"}


async def test_the_front_desk_must_name_a_unit_for_a_new_resident(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    await sign_in_en(await estate.person("Chen Jing", Role.FRONT_DESK))

    response = await post_form(client, csrf, f"/e/{estate.slug}/people", {"name": "No Unit", "relation": "owner"})

    assert response.status_code == 422 and "A resident needs a unit" in response.text


async def test_the_front_desk_gives_a_resident_a_sign_in_link(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    resident = await estate.person("Wang Fang", Role.RESIDENT, unit="1-1-0101")
    await sign_in_en(await estate.person("Chen Jing", Role.FRONT_DESK))

    response = await post_form(client, csrf, f"/e/{estate.slug}/people/{resident}/link", {})

    assert response.status_code == 200
    assert re.search(r'value="http://localhost:8000/enrol/[^"]+"', response.text)
    assert await EnrolmentLink.exists().where(EnrolmentLink.person == resident)


async def test_the_front_desk_is_refused_a_sign_in_link_for_staff(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    guard = await estate.person("Li Qiang", Role.GATE_GUARD, Role.RESIDENT, unit="1-1-0102")
    await sign_in_en(await estate.person("Chen Jing", Role.FRONT_DESK))

    response = await post_form(client, csrf, f"/e/{estate.slug}/people/{guard}/link", {})

    assert response.status_code == 403
    assert not await EnrolmentLink.exists().where(EnrolmentLink.person == guard)


async def test_an_admin_issues_a_link_that_will_revoke_a_lost_phones_passkeys(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    guard = await estate.person("Li Qiang", Role.GATE_GUARD)
    await Passkey(person=guard, credential_id=secrets.token_urlsafe(16), public_key="x", name="Old phone").save()
    await sign_in_en(await estate.person("Zhou Min", Role.ADMIN))

    page = await client.get(f"/e/{estate.slug}/people/{guard}")
    assert "Old phone" in page.text and "revoke their old passkeys" in page.text
    response = await post_form(client, csrf, f"/e/{estate.slug}/people/{guard}/link", {"revoke_old": "yes"})

    assert response.status_code == 200 and "/enrol/" in response.text
    link = await EnrolmentLink.objects().where(EnrolmentLink.person == guard).first()
    assert link.revoke_old_passkeys is True
    assert await AuditEvent.exists().where((AuditEvent.action == "enrolment.issued") & (AuditEvent.subject == str(guard)))


async def test_revoking_everything_signs_the_person_out_at_once(client, csrf, sign_in, sign_in_en, make_estate):
    estate = await make_estate()
    guard = await estate.person("Li Qiang", Role.GATE_GUARD)
    await Passkey(person=guard, credential_id=secrets.token_urlsafe(16), public_key="x", name="Lost phone").save()
    guard_session = await sign_in(guard)
    assert (await client.get(f"/e/{estate.slug}/", follow_redirects=False)).status_code == 200
    await sign_in_en(await estate.person("Zhou Min", Role.ADMIN))

    response = await post_form(client, csrf, f"/e/{estate.slug}/people/{guard}/revoke-all", {})

    assert response.status_code == 303
    assert not await Passkey.exists().where((Passkey.person == guard) & Passkey.revoked_at.is_null())
    assert not await Session.exists().where(Session.person == guard)
    client.cookies.clear()
    client.cookies.set("gp_session", guard_session)
    after = await client.get(f"/e/{estate.slug}/", follow_redirects=False)
    assert after.status_code == 303 and after.headers["location"].startswith("/signin")


async def test_an_admin_revokes_one_passkey(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    guard = await estate.person("Li Qiang", Role.GATE_GUARD)
    key = Passkey(person=guard, credential_id=secrets.token_urlsafe(16), public_key="x", name="Tablet")
    await key.save()
    await sign_in_en(await estate.person("Zhou Min", Role.ADMIN))

    response = await post_form(client, csrf, f"/e/{estate.slug}/people/{guard}/passkeys/{key.id}/revoke", {})

    assert response.status_code == 303
    assert (await Passkey.objects().where(Passkey.id == key.id).first()).revoked_at is not None


async def test_a_deactivated_person_is_signed_out_and_can_be_made_active_again(client, csrf, sign_in, sign_in_en, make_estate):
    estate = await make_estate()
    guard = await estate.person("Li Qiang", Role.GATE_GUARD)
    await sign_in(guard)
    await sign_in_en(await estate.person("Zhou Min", Role.ADMIN))

    assert (await post_form(client, csrf, f"/e/{estate.slug}/people/{guard}/deactivate", {})).status_code == 303
    assert (await Person.objects().where(Person.id == guard).first()).active is False
    assert not await Session.exists().where(Session.person == guard)
    assert "Deactivated" in (await client.get(f"/e/{estate.slug}/people")).text
    assert (await post_form(client, csrf, f"/e/{estate.slug}/people/{guard}/reactivate", {})).status_code == 303
    assert (await Person.objects().where(Person.id == guard).first()).active is True


async def test_an_admin_cannot_deactivate_someone_who_also_works_in_another_estate(client, csrf, sign_in_en, make_estate):
    mine = await make_estate("Mine")
    theirs = await make_estate("Theirs")
    guard = await mine.person("Li Qiang", Role.GATE_GUARD)
    await RoleGrant(person=guard, estate=theirs.id, role=Role.GATE_GUARD.value).save()
    await sign_in_en(await mine.person("Zhou Min", Role.ADMIN))

    response = await post_form(client, csrf, f"/e/{mine.slug}/people/{guard}/deactivate", {})

    assert response.status_code == 422 and "also has roles in an estate you do not administer" in response.text
    assert (await Person.objects().where(Person.id == guard).first()).active is True


async def test_another_estates_people_are_not_found_under_my_estates_address(client, csrf, sign_in_en, make_estate):
    mine = await make_estate("Mine")
    theirs = await make_estate("Theirs")
    stranger = await theirs.person("Stranger", Role.RESIDENT, unit="1-1-0101", relation=Relation.OWNER)
    await sign_in_en(await mine.person("Zhou Min", Role.ADMIN))

    assert (await client.get(f"/e/{mine.slug}/people/{stranger}")).status_code == 404
    assert (await client.get(f"/e/{theirs.slug}/people")).status_code == 404
    for action, data in (("link", {}), ("roles", {"roles": ["admin"]}), ("revoke-all", {}), ("deactivate", {})):
        response = await post_form(client, csrf, f"/e/{mine.slug}/people/{stranger}/{action}", data)
        assert response.status_code == 404, action
    assert await roles_of(stranger, mine) == set()
    assert not await EnrolmentLink.exists().where(EnrolmentLink.person == stranger)
    assert (await Person.objects().where(Person.id == stranger).first()).active is True


async def test_a_search_by_part_of_a_name_ignores_case(client, sign_in_en, make_estate):
    estate = await make_estate()
    await estate.person("Wang Fang", Role.RESIDENT, unit="1-1-0101")
    await sign_in_en(await estate.person("Chen Jing", Role.FRONT_DESK))
    found = await client.get(f"/e/{estate.slug}/people?q=wang f")
    assert "Wang Fang" in found.text


async def test_a_long_list_shows_the_first_people_by_name_and_asks_for_a_search(client, sign_in_en, make_estate):
    from app.services.people_directory import LIST_LIMIT

    estate = await make_estate()
    for i in range(LIST_LIMIT + 1):
        await estate.person(f"Resident {i:03d}", Role.RESIDENT)
    await sign_in_en(await estate.person("Chen Jing", Role.FRONT_DESK))
    page = await client.get(f"/e/{estate.slug}/people")
    assert f"Resident {LIST_LIMIT - 1:03d}" in page.text
    assert f"Resident {LIST_LIMIT:03d}" not in page.text
    assert "Search to narrow the list" in page.text
