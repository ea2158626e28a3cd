"""Sign-in with a passkey: no user name, one challenge per attempt, and every forgery refused."""

import pytest
from webauthn.helpers import bytes_to_base64url

from app.domain.roles import Role
from app.models.auth import Passkey, Session
from app.services import enrolment, sessions
from tests.integration.authenticator import SoftAuthenticator, enrol, link_token, sign_in, sign_in_options

FAILED = "Your passkey could not be checked. Please try again."
TOO_LATE = "That took too long. Please try again."
UNKNOWN = ("This passkey is not known here, or it was revoked. "
           "Ask your front desk or admin for a new sign-in link.")


@pytest.fixture
def guard_with_phone(client, csrf, make_estate):
    """Li Qiang, gate guard, who has made a passkey on his phone and then closed the browser."""

    async def make():
        estate = await make_estate()
        guard = await estate.person("Li Qiang", Role.GATE_GUARD)
        phone = SoftAuthenticator()
        issued = await enrolment.issue_by_operator(estate.slug, guard)
        assert (await enrol(client, await csrf(), link_token(issued.url), phone)).status_code == 201
        await Session.delete().where(Session.person == guard)
        client.cookies.clear()
        return estate, guard, phone

    return make


async def _sessions(person) -> int:
    return await Session.count().where(Session.person == person)


async def test_a_guard_signs_in_with_his_passkey_without_a_user_name(client, csrf, guard_with_phone):
    estate, guard, phone = await guard_with_phone()
    options = await sign_in_options(client, await csrf())
    assert options["publicKey"].get("allowCredentials", []) == []  # the phone picks the passkey

    response = await sign_in(client, await csrf(), phone, options=options)

    assert response.status_code == 201
    assert response.json() == {"redirect": "/"}
    assert await _sessions(guard) == 1
    home = await client.get("/", follow_redirects=True)
    assert home.status_code == 200
    assert "Li Qiang" in home.text
    passkey = await Passkey.select(Passkey.sign_count, Passkey.last_used_at).where(Passkey.person == guard).first()
    assert passkey["sign_count"] == 1
    assert passkey["last_used_at"] is not None


async def test_sign_in_returns_to_the_page_asked_for_but_never_to_another_site(client, csrf, guard_with_phone):
    estate, guard, phone = await guard_with_phone()
    back = await sign_in(client, await csrf(), phone, next=f"/e/{estate.slug}/")
    assert back.json() == {"redirect": f"/e/{estate.slug}/"}
    client.cookies.clear()
    away = await sign_in(client, await csrf(), phone, next="//evil.example/")
    assert away.json() == {"redirect": "/"}


async def test_a_replayed_challenge_is_refused(client, csrf, guard_with_phone):
    estate, guard, phone = await guard_with_phone()
    options = await sign_in_options(client, await csrf())
    assert (await sign_in(client, await csrf(), phone, options=options)).status_code == 201
    client.cookies.clear()

    replay = await sign_in(client, await csrf(), phone, options=options)

    assert replay.status_code == 422
    assert replay.json() == {"error": TOO_LATE}
    assert "gp_session" not in replay.cookies
    assert await _sessions(guard) == 1


async def test_an_answer_from_another_site_is_refused(client, csrf, guard_with_phone):
    estate, guard, phone = await guard_with_phone()

    response = await sign_in(client, await csrf(), phone, origin="https://gatepost.example.net")

    assert response.status_code == 422
    assert response.json() == {"error": FAILED}
    assert "gp_session" not in response.cookies
    assert await _sessions(guard) == 0


async def test_an_answer_to_another_challenge_is_refused(client, csrf, guard_with_phone):
    estate, guard, phone = await guard_with_phone()
    earlier = await sign_in_options(client, await csrf())

    response = await sign_in(client, await csrf(), phone, challenge=earlier["publicKey"]["challenge"])

    assert response.status_code == 422
    assert response.json() == {"error": FAILED}
    assert await _sessions(guard) == 0


async def test_a_tampered_signature_is_refused(client, csrf, guard_with_phone):
    estate, guard, phone = await guard_with_phone()

    response = await sign_in(client, await csrf(), phone, tamper=True)

    assert response.status_code == 422
    assert response.json() == {"error": FAILED}
    assert await _sessions(guard) == 0
    stored = await Passkey.select(Passkey.sign_count).where(Passkey.person == guard).first()
    assert stored["sign_count"] == 0


async def test_a_passkey_the_server_never_saw_is_refused(client, csrf, guard_with_phone):
    estate, guard, phone = await guard_with_phone()
    stranger = SoftAuthenticator()
    stranger.create({"rp": {"id": "localhost"}, "user": {"id": "AAAA"}, "challenge": "AAAA"})  # never posted

    response = await sign_in(client, await csrf(), stranger)

    assert response.status_code == 422
    assert response.json() == {"error": UNKNOWN}
    assert await Session.count().where(Session.person == guard) == 0


async def test_a_revoked_passkey_cannot_sign_in(client, csrf, guard_with_phone):
    estate, guard, phone = await guard_with_phone()
    assert (await sign_in(client, await csrf(), phone)).status_code == 201
    passkey = await Passkey.select(Passkey.id).where(Passkey.person == guard).first()
    revoked = await client.post(f"/account/passkeys/{passkey['id']}/revoke", headers={"X-CSRFToken": await csrf()})
    assert revoked.status_code == 303
    await Session.delete().where(Session.person == guard)
    client.cookies.clear()

    response = await sign_in(client, await csrf(), phone)

    assert response.status_code == 422
    assert response.json() == {"error": UNKNOWN}
    assert await _sessions(guard) == 0


async def test_a_cloned_authenticator_is_refused(client, csrf, guard_with_phone):
    estate, guard, phone = await guard_with_phone()
    copy = phone.clone()
    assert (await sign_in(client, await csrf(), phone)).status_code == 201
    client.cookies.clear()

    # The copy's counter is one behind the phone's: the server has seen this count already.
    response = await sign_in(client, await csrf(), copy)

    assert response.status_code == 422
    assert response.json() == {"error": FAILED}
    assert await _sessions(guard) == 1
    stored = await Passkey.select(Passkey.sign_count).where(Passkey.person == guard).first()
    assert stored["sign_count"] == 1


async def test_a_deactivated_person_cannot_sign_in(client, csrf, guard_with_phone):
    from app.models.people import Person

    estate, guard, phone = await guard_with_phone()
    await Person.update({Person.active: False}).where(Person.id == guard)

    response = await sign_in(client, await csrf(), phone)

    assert response.status_code == 422
    assert response.json() == {"error": UNKNOWN}
    assert await _sessions(guard) == 0


async def test_a_malformed_answer_is_refused_without_a_session(client, csrf, guard_with_phone):
    estate, guard, phone = await guard_with_phone()
    options = await sign_in_options(client, await csrf())
    credential = phone.get(options["publicKey"])
    credential["response"]["authenticatorData"] = "not base64url!"

    response = await client.post("/signin/verify", headers={"X-CSRFToken": await csrf(), "Accept-Language": "en"},
                                 json={"challengeId": options["challengeId"], "credential": credential})

    assert response.status_code == 422
    assert response.json() == {"error": FAILED}
    assert await _sessions(guard) == 0


async def test_a_phone_and_its_clone_answering_at_once_get_one_session_at_most(client, csrf, guard_with_phone):
    import asyncio

    estate, guard, phone = await guard_with_phone()
    copy = phone.clone()
    token = await csrf()
    first, second = await sign_in_options(client, token), await sign_in_options(client, token)

    answers = await asyncio.gather(
        sign_in(client, token, phone, options=first), sign_in(client, token, copy, options=second)
    )

    assert sorted(a.status_code for a in answers) == [201, 422]
    assert await _sessions(guard) == 1


async def test_a_signed_in_guard_adds_a_second_passkey_and_both_sign_in(client, csrf, guard_with_phone):
    estate, guard, phone = await guard_with_phone()
    assert (await sign_in(client, await csrf(), phone)).status_code == 201
    tablet = SoftAuthenticator()
    headers = {"X-CSRFToken": await csrf(), "Accept-Language": "en"}
    options = (await client.post("/account/passkeys/options", headers=headers)).json()
    excluded = [c["id"] for c in options["publicKey"]["excludeCredentials"]]
    assert excluded == [bytes_to_base64url(phone.newest().credential_id)]  # not twice on one phone

    added = await client.post("/account/passkeys/verify", headers=headers, json={
        "challengeId": options["challengeId"], "credential": tablet.create(options["publicKey"]),
    })

    assert added.json() == {"redirect": "/account?done=added"}
    assert await Passkey.count().where(Passkey.person == guard) == 2
    client.cookies.clear()
    assert (await sign_in(client, await csrf(), tablet)).status_code == 201


async def test_a_challenge_made_for_someone_else_cannot_add_a_passkey(client, csrf, guard_with_phone):
    estate, guard, phone = await guard_with_phone()
    wang = await estate.person("Wang Wei", Role.GATE_GUARD)
    client.cookies.set("gp_session", await sessions.start(wang))
    headers = {"X-CSRFToken": await csrf(), "Accept-Language": "en"}
    wangs = (await client.post("/account/passkeys/options", headers=headers)).json()
    client.cookies.clear()
    assert (await sign_in(client, await csrf(), phone)).status_code == 201
    headers = {"X-CSRFToken": await csrf(), "Accept-Language": "en"}

    added = await client.post("/account/passkeys/verify", headers=headers, json={
        "challengeId": wangs["challengeId"], "credential": SoftAuthenticator().create(wangs["publicKey"]),
    })

    assert added.status_code == 422
    assert added.json() == {"error": TOO_LATE}
    assert await Passkey.count().where(Passkey.person.is_in([guard, wang])) == 1


async def test_revoking_a_passkey_signs_out_the_device_that_used_it_and_no_other(client, csrf, guard_with_phone):
    estate, guard, phone = await guard_with_phone()
    assert (await sign_in(client, await csrf(), phone)).status_code == 201
    phone_session = client.cookies.get("gp_session")
    tablet_session = await sessions.start(guard, "tablet")  # signed in with another passkey, long ago
    passkey = await Passkey.select(Passkey.id).where(Passkey.person == guard).first()

    client.cookies.set("gp_session", tablet_session)
    response = await client.post(
        f"/account/passkeys/{passkey['id']}/revoke", headers={"X-CSRFToken": await csrf()}, follow_redirects=False
    )
    assert response.status_code == 303

    assert await sessions.resolve(phone_session) is None
    assert await sessions.resolve(tablet_session) is not None
