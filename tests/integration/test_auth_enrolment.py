"""Enrolment: a one-time link lets a person create a passkey, once, while the link is fresh."""

from datetime import timedelta

from app.domain.roles import Role
from app.models.auth import Challenge, EnrolmentLink, Passkey, Session
from app.services import enrolment
from app.services.clock import utcnow
from tests.integration.authenticator import ENGLISH, SoftAuthenticator, enrol, link_token, sign_in

FAILED = "Your passkey could not be checked. Please try again."
TOO_LATE = "That took too long. Please try again."
ANDROID_CHROME = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36"


async def _link(estate, person, *, revoke_old=False) -> str:
    issued = await enrolment.issue_by_operator(estate.slug, person, revoke_old=revoke_old)
    return link_token(issued.url)


async def _passkeys(person) -> int:
    return await Passkey.count().where((Passkey.person == person) & Passkey.revoked_at.is_null())


async def _sessions(person) -> int:
    return await Session.count().where(Session.person == person)


async def test_a_guard_creates_a_passkey_from_their_link_and_is_signed_in(client, csrf, make_estate):
    estate = await make_estate()
    guard = await estate.person("Li Qiang", Role.GATE_GUARD)
    token = await _link(estate, guard)
    page = await client.get(f"/enrol/{token}", headers=ENGLISH)
    assert page.status_code == 200
    assert "Welcome, Li Qiang" in page.text

    response = await enrol(client, await csrf(), token, SoftAuthenticator())

    assert response.status_code == 201
    assert response.json() == {"redirect": "/"}
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("gp_session=")
    assert await _passkeys(guard) == 1
    assert await _sessions(guard) == 1
    home = await client.get("/", follow_redirects=True)
    assert home.status_code == 200
    assert "Li Qiang" in home.text
    assert "North Gate" in home.text


async def test_the_passkey_is_named_after_the_phone_that_made_it(client, csrf, make_estate):
    estate = await make_estate()
    resident = await estate.person("Wang Fang", Role.RESIDENT, unit="1-1-0101")
    token = await _link(estate, resident)
    client.headers["User-Agent"] = ANDROID_CHROME
    try:
        await enrol(client, await csrf(), token, SoftAuthenticator())
    finally:
        del client.headers["User-Agent"]
    passkey = await Passkey.select(Passkey.name).where(Passkey.person == resident).first()
    assert passkey["name"] == "Chrome · Android"


async def test_the_same_link_a_second_time_is_refused(client, csrf, make_estate):
    estate = await make_estate()
    guard = await estate.person("Li Qiang", Role.GATE_GUARD)
    token = await _link(estate, guard)
    assert (await enrol(client, await csrf(), token, SoftAuthenticator())).status_code == 201
    client.cookies.clear()

    page = await client.get(f"/enrol/{token}", headers=ENGLISH)
    assert page.status_code == 410
    assert "already been used" in page.text
    options = await client.post(f"/enrol/{token}/options", headers={"X-CSRFToken": await csrf(), **ENGLISH})
    assert options.status_code == 404
    assert await _passkeys(guard) == 1
    assert await _sessions(guard) == 1


async def test_a_verify_replayed_after_enrolment_makes_nothing(client, csrf, make_estate):
    estate = await make_estate()
    guard = await estate.person("Li Qiang", Role.GATE_GUARD)
    token = await _link(estate, guard)
    token_csrf = await csrf()
    headers = {"X-CSRFToken": token_csrf, **ENGLISH}
    options = (await client.post(f"/enrol/{token}/options", headers=headers)).json()
    body = {"challengeId": options["challengeId"], "credential": SoftAuthenticator().create(options["publicKey"])}
    assert (await client.post(f"/enrol/{token}/verify", headers=headers, json=body)).status_code == 201

    replay = await client.post(f"/enrol/{token}/verify", headers=headers, json=body)

    assert replay.status_code == 404
    assert await _passkeys(guard) == 1
    assert await _sessions(guard) == 1


async def test_an_expired_link_shows_its_page_and_makes_nothing(client, csrf, make_estate):
    estate = await make_estate()
    guard = await estate.person("Li Qiang", Role.GATE_GUARD)
    token = await _link(estate, guard)
    await EnrolmentLink.update({EnrolmentLink.expires_at: utcnow() - timedelta(seconds=1)}).where(
        EnrolmentLink.person == guard
    )

    page = await client.get(f"/enrol/{token}", headers=ENGLISH)
    assert page.status_code == 410
    assert "This link has expired" in page.text
    options = await client.post(f"/enrol/{token}/options", headers={"X-CSRFToken": await csrf(), **ENGLISH})
    assert options.status_code == 404
    assert await Challenge.count().where(Challenge.enrolment.person == guard) == 0


async def test_an_unknown_token_shows_its_page(client, csrf):
    page = await client.get("/enrol/not-a-real-token", headers=ENGLISH)
    assert page.status_code == 404
    assert "This link is not valid" in page.text
    options = await client.post("/enrol/not-a-real-token/options", headers={"X-CSRFToken": await csrf()})
    assert options.status_code == 404


async def test_a_new_link_replaces_an_unused_one(client, make_estate):
    estate = await make_estate()
    guard = await estate.person("Li Qiang", Role.GATE_GUARD)
    first = await _link(estate, guard)
    second = await _link(estate, guard)
    assert (await client.get(f"/enrol/{first}")).status_code == 410
    assert (await client.get(f"/enrol/{second}")).status_code == 200


async def test_a_link_of_a_deactivated_person_is_not_valid(client, make_estate):
    from app.models.people import Person

    estate = await make_estate()
    guard = await estate.person("Li Qiang", Role.GATE_GUARD)
    token = await _link(estate, guard)
    await Person.update({Person.active: False}).where(Person.id == guard)
    assert (await client.get(f"/enrol/{token}")).status_code == 404


async def test_a_passkey_made_for_another_site_is_refused(client, csrf, make_estate):
    estate = await make_estate()
    guard = await estate.person("Li Qiang", Role.GATE_GUARD)
    token = await _link(estate, guard)

    response = await enrol(client, await csrf(), token, SoftAuthenticator(), origin="https://gatepost.example.net")

    assert response.status_code == 422
    assert response.json() == {"error": FAILED}
    assert "gp_session" not in response.cookies
    assert await _passkeys(guard) == 0
    assert await _sessions(guard) == 0
    # The link itself is still good: the person may try again from the real site.
    assert (await client.get(f"/enrol/{token}")).status_code == 200


async def test_an_enrolment_challenge_is_used_once_even_when_the_answer_fails(client, csrf, make_estate):
    estate = await make_estate()
    guard = await estate.person("Li Qiang", Role.GATE_GUARD)
    token = await _link(estate, guard)
    headers = {"X-CSRFToken": await csrf(), **ENGLISH}
    options = (await client.post(f"/enrol/{token}/options", headers=headers)).json()
    phone = SoftAuthenticator()
    wrong = phone.create(options["publicKey"], origin="https://evil.example")
    assert (await client.post(f"/enrol/{token}/verify", headers=headers,
                              json={"challengeId": options["challengeId"], "credential": wrong})).status_code == 422

    right = phone.create(options["publicKey"])
    response = await client.post(f"/enrol/{token}/verify", headers=headers,
                                 json={"challengeId": options["challengeId"], "credential": right})

    assert response.status_code == 422
    assert response.json() == {"error": TOO_LATE}
    assert await _passkeys(guard) == 0


async def test_a_challenge_of_another_link_is_refused(client, csrf, make_estate):
    estate = await make_estate()
    guard = await estate.person("Li Qiang", Role.GATE_GUARD)
    resident = await estate.person("Wang Fang", Role.RESIDENT, unit="1-1-0101")
    guard_token, resident_token = await _link(estate, guard), await _link(estate, resident)
    headers = {"X-CSRFToken": await csrf(), **ENGLISH}
    options = (await client.post(f"/enrol/{resident_token}/options", headers=headers)).json()
    credential = SoftAuthenticator().create(options["publicKey"])

    response = await client.post(f"/enrol/{guard_token}/verify", headers=headers,
                                 json={"challengeId": options["challengeId"], "credential": credential})

    assert response.status_code == 422
    assert response.json() == {"error": TOO_LATE}
    assert await _passkeys(guard) == 0 and await _passkeys(resident) == 0


async def test_an_expired_challenge_is_refused(client, csrf, make_estate):
    estate = await make_estate()
    guard = await estate.person("Li Qiang", Role.GATE_GUARD)
    token = await _link(estate, guard)
    headers = {"X-CSRFToken": await csrf(), **ENGLISH}
    options = (await client.post(f"/enrol/{token}/options", headers=headers)).json()
    await Challenge.update({Challenge.expires_at: utcnow() - timedelta(seconds=1)}).where(
        Challenge.id == options["challengeId"]
    )
    credential = SoftAuthenticator().create(options["publicKey"])

    response = await client.post(f"/enrol/{token}/verify", headers=headers,
                                 json={"challengeId": options["challengeId"], "credential": credential})

    assert response.status_code == 422
    assert response.json() == {"error": TOO_LATE}
    assert await _passkeys(guard) == 0


async def test_a_new_link_that_revokes_old_passkeys_does_so_once_the_new_one_is_made(client, csrf, make_estate):
    estate = await make_estate()
    guard = await estate.person("Li Qiang", Role.GATE_GUARD)
    lost_phone, new_phone = SoftAuthenticator(), SoftAuthenticator()
    await enrol(client, await csrf(), await _link(estate, guard), lost_phone)
    old_session = client.cookies["gp_session"]
    token = await _link(estate, guard, revoke_old=True)

    # Until the new passkey exists, nothing changes: the link alone locks no one out.
    client.cookies.clear()
    assert (await sign_in(client, await csrf(), lost_phone)).status_code == 201
    assert await _passkeys(guard) == 1

    client.cookies.clear()
    page = await client.get(f"/enrol/{token}", headers=ENGLISH)
    assert "Your old passkeys will stop working" in page.text
    response = await enrol(client, await csrf(), token, new_phone)
    assert response.status_code == 201
    new_session = client.cookies["gp_session"]

    assert await _passkeys(guard) == 1
    assert await _sessions(guard) == 1
    client.cookies.clear()
    client.cookies.set("gp_session", old_session)
    assert (await client.get("/", follow_redirects=False)).headers["location"].startswith("/signin")
    client.cookies.clear()
    refused = await sign_in(client, await csrf(), lost_phone)
    assert refused.status_code == 422
    assert "gp_session" not in refused.cookies
    client.cookies.clear()
    client.cookies.set("gp_session", new_session)
    assert (await client.get("/", follow_redirects=True)).status_code == 200


async def test_a_plain_new_link_keeps_the_old_passkeys(client, csrf, make_estate):
    estate = await make_estate()
    guard = await estate.person("Li Qiang", Role.GATE_GUARD)
    old_phone, tablet = SoftAuthenticator(), SoftAuthenticator()
    await enrol(client, await csrf(), await _link(estate, guard), old_phone)
    client.cookies.clear()
    await enrol(client, await csrf(), await _link(estate, guard), tablet)

    assert await _passkeys(guard) == 2
    assert await _sessions(guard) == 2
    client.cookies.clear()
    assert (await sign_in(client, await csrf(), old_phone)).status_code == 201
