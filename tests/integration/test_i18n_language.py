"""Pages speak Simplified Chinese unless the person, their cookie or their browser asks for English;
a signed-in person's choice follows them to every phone they sign in on."""

import pytest

from app.domain.roles import Role
from app.models.people import Person
from app.services import sessions


async def _language_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.headers["content-language"]


@pytest.mark.parametrize(("header", "language", "heading"), [
    ("zh-CN,zh;q=0.9", "zh-Hans", "登录"),
    ("zh-TW", "zh-Hans", "登录"),
    ("en-US,en;q=0.9", "en", "Sign in to Gatepost"),
    (None, "zh-Hans", "登录"),
    ("tlh", "zh-Hans", "登录"),  # a tag no locale database knows is passed over, not an error
])
async def test_the_sign_in_page_speaks_the_browsers_language(client, header, language, heading):
    response = await client.get("/signin", headers={"Accept-Language": header} if header else {})
    assert await _language_of(response) == language
    assert f'<html lang="{language}">' in response.text
    assert heading in response.text


async def test_choosing_a_language_signed_out_sets_a_cookie(client, csrf):
    response = await client.post("/language", data={"language": "en", "next": "/signin"},
                                 headers={"X-CSRFToken": await csrf(), "Accept-Language": "zh-CN"},
                                 follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/signin"
    assert client.cookies["gp_lang"] == "en"
    assert await _language_of(await client.get("/signin", headers={"Accept-Language": "zh-CN"})) == "en"


async def test_choosing_a_language_signed_in_follows_the_person_to_a_new_phone(client, csrf, make_estate, sign_in):
    estate = await make_estate()
    resident = await estate.person("Wang Fang", Role.RESIDENT, unit="1-1-0101")
    await sign_in(resident)

    await client.post("/language", data={"language": "en", "next": "/account"},
                      headers={"X-CSRFToken": await csrf()})

    person = await Person.select(Person.locale).where(Person.id == resident).first()
    assert person["locale"] == "en"
    client.cookies.clear()  # another phone: no language cookie, a Chinese browser
    client.cookies.set("gp_session", await sessions.start(resident, "second phone"))
    page = await client.get("/account", headers={"Accept-Language": "zh-CN"})
    assert await _language_of(page) == "en"


async def test_the_persons_choice_beats_a_cookie_left_on_the_phone(client, make_estate, sign_in):
    estate = await make_estate()
    resident = await estate.person("Wang Fang", Role.RESIDENT, unit="1-1-0101")
    await Person.update({Person.locale: "zh-Hans"}).where(Person.id == resident)
    await sign_in(resident)
    client.cookies.set("gp_lang", "en")
    assert await _language_of(await client.get("/account", headers={"Accept-Language": "en-US"})) == "zh-Hans"


async def test_a_person_who_never_chose_gets_their_browsers_language(client, make_estate, sign_in):
    estate = await make_estate()
    resident = await estate.person("Wang Fang", Role.RESIDENT, unit="1-1-0101")
    await sign_in(resident)
    assert await _language_of(await client.get("/account", headers={"Accept-Language": "en-US"})) == "en"
    assert await _language_of(await client.get("/account", headers={"Accept-Language": "zh-CN"})) == "zh-Hans"


async def test_a_language_we_do_not_offer_is_refused_and_not_stored(client, csrf, make_estate, sign_in):
    estate = await make_estate()
    resident = await estate.person("Wang Fang", Role.RESIDENT, unit="1-1-0101")
    await sign_in(resident)

    response = await client.post("/language", data={"language": "fr"},
                                 headers={"X-CSRFToken": await csrf()}, follow_redirects=False)

    assert response.status_code == 422
    person = await Person.select(Person.locale).where(Person.id == resident).first()
    assert person["locale"] == ""


async def test_error_messages_are_translated_for_the_person_looking(client, csrf):
    response = await client.post(
        "/signin/verify", headers={"X-CSRFToken": await csrf(), "Accept-Language": "zh-CN"},
        json={"challengeId": "nope", "credential": {"id": "x"}},
    )
    assert response.status_code == 422
    assert response.json() == {"error": "操作超时，请重试。"}
