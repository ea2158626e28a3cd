"""The app serves its public pages and refuses the signed-out at signed-in pages."""

from app.domain.roles import Role


async def test_sign_in_page_is_public(client):
    response = await client.get("/signin")
    assert response.status_code == 200
    assert 'name="csrf-token"' in response.text


async def test_signed_out_person_is_sent_to_sign_in(client, make_estate):
    estate = await make_estate()
    response = await client.get(f"/e/{estate.slug}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/signin?next=")


async def test_a_guard_sees_their_home(client, make_estate, sign_in):
    estate = await make_estate()
    guard = await estate.person("Li Qiang", Role.GATE_GUARD)
    await sign_in(guard)
    response = await client.get(f"/e/{estate.slug}")
    assert response.status_code == 200
    assert "Li Qiang" in response.text
    assert "North Gate" in response.text


async def test_the_admin_home_counts_the_estate_and_who_has_not_signed_in_yet(client, make_estate, sign_in):
    from app.models.auth import Passkey

    estate = await make_estate()
    admin = await estate.person("Zhou Min", Role.ADMIN)
    await estate.person("Wang Fang", Role.RESIDENT, unit="1-1-0101")
    await Passkey(person=admin, credential_id="cred-admin", public_key="x").save()
    await sign_in(admin)
    response = await client.get(f"/e/{estate.slug}", headers={"accept-language": "en"})
    assert "2 buildings · 4 units" in response.text
    assert "2 people" in response.text


async def test_the_front_desk_home_says_how_many_people_have_not_signed_in_yet(client, make_estate, sign_in):
    estate = await make_estate()
    desk = await estate.person("Chen Jing", Role.FRONT_DESK)
    await estate.person("Wang Fang", Role.RESIDENT, unit="1-1-0101")
    await sign_in(desk)
    response = await client.get(f"/e/{estate.slug}", headers={"accept-language": "en"})
    assert "2 not signed in yet" in response.text
