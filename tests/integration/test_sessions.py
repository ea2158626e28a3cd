"""Sessions live on the server: signing out, deactivating a person or expiry take effect at the
very next request, whatever the browser still holds."""

from datetime import timedelta

from app.domain.roles import Role
from app.models.auth import Session
from app.models.people import Person
from app.services import sessions
from app.services.clock import utcnow
from app.services.tokens import token_hash


async def _is_signed_in(client, token: str) -> bool:
    client.cookies.clear()
    client.cookies.set("gp_session", token)
    response = await client.get("/account", follow_redirects=False)
    assert response.status_code in (200, 303), response.status_code
    return response.status_code == 200


async def test_sign_out_ends_the_session_on_the_server(client, csrf, make_estate, sign_in):
    estate = await make_estate()
    guard = await estate.person("Li Qiang", Role.GATE_GUARD)
    token = await sign_in(guard)

    response = await client.post("/signout", headers={"X-CSRFToken": await csrf()}, follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/signin"
    assert response.headers["set-cookie"].startswith('gp_session=""')  # the browser forgets it
    assert "Max-Age=0" in response.headers["set-cookie"]
    assert not await Session.exists().where(Session.token_hash == token_hash(token))
    assert not await _is_signed_in(client, token)  # a copy of the old cookie no longer works


async def test_signing_out_on_the_phone_leaves_the_tablet_signed_in(client, csrf, make_estate, sign_in):
    estate = await make_estate()
    guard = await estate.person("Li Qiang", Role.GATE_GUARD)
    tablet = await sessions.start(guard, "tablet")
    phone = await sign_in(guard)

    await client.post("/signout", headers={"X-CSRFToken": await csrf()})

    assert not await _is_signed_in(client, phone)
    assert await _is_signed_in(client, tablet)


async def test_a_deactivated_person_is_signed_out_at_their_next_request(client, make_estate, sign_in):
    estate = await make_estate()
    guard = await estate.person("Li Qiang", Role.GATE_GUARD)
    token = await sign_in(guard)
    assert (await client.get(f"/e/{estate.slug}/")).status_code == 200

    await Person.update({Person.active: False}).where(Person.id == guard)

    response = await client.get(f"/e/{estate.slug}/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/signin?next=")
    assert not await _is_signed_in(client, token)


async def test_an_expired_session_is_signed_out(client, make_estate, sign_in):
    estate = await make_estate()
    guard = await estate.person("Li Qiang", Role.GATE_GUARD)
    token = await sign_in(guard)
    await Session.update({Session.expires_at: utcnow()}).where(Session.token_hash == token_hash(token))

    assert not await _is_signed_in(client, token)


async def test_a_made_up_session_cookie_signs_no_one_in(client):
    assert not await _is_signed_in(client, "made-up-token")


async def test_only_the_hash_of_the_session_token_is_stored(client, make_estate, sign_in):
    estate = await make_estate()
    guard = await estate.person("Li Qiang", Role.GATE_GUARD)
    token = await sign_in(guard)
    stored = await Session.select(Session.token_hash).where(Session.person == guard).first()
    assert stored["token_hash"] == token_hash(token) != token


async def test_a_long_idle_session_records_when_it_was_last_seen(client, make_estate, sign_in):
    estate = await make_estate()
    guard = await estate.person("Li Qiang", Role.GATE_GUARD)
    token = await sign_in(guard)
    long_ago = utcnow() - timedelta(hours=1)
    await Session.update({Session.last_seen_at: long_ago}).where(Session.token_hash == token_hash(token))

    await client.get("/account")

    seen = await Session.select(Session.last_seen_at).where(Session.token_hash == token_hash(token)).first()
    assert seen["last_seen_at"] > long_ago + timedelta(minutes=59)


async def test_a_signed_in_person_visiting_sign_in_goes_on_to_their_page(client, make_estate, sign_in):
    estate = await make_estate()
    guard = await estate.person("Li Qiang", Role.GATE_GUARD)
    await sign_in(guard)
    response = await client.get("/signin?next=/account", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/account"


async def test_a_signed_out_region_sends_the_person_back_to_its_page_not_to_the_partial(client):
    page = str(client.base_url.join("/account"))
    response = await client.get("/notifications/unread", follow_redirects=False,
                                headers={"HX-Request": "true", "HX-Current-URL": page})

    assert response.status_code == 401
    assert response.headers["hx-redirect"] == "/signin?next=/account"

    elsewhere = await client.get("/notifications/unread", follow_redirects=False,
                                 headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example/x"})
    assert elsewhere.headers["hx-redirect"] == "/signin?next=/"
