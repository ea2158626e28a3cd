"""What comes in is cleaned in one place (app/routes/input.py): the findings of issue 14, each as
a person or a careless client met it, on both databases."""

from __future__ import annotations

import re

from app.domain.roles import Role
from app.models.visitors import VisitorPass, WatchlistEntry
from app.routes.input import MAX_JSON_BYTES
from tests.integration.forms import post_form
from tests.integration.test_invitations import household

CONTROL_MESSAGE_EN = "This held characters that cannot be kept (control characters)."
CONTROL_MESSAGE_ZH = "这里有无法保存的字符（控制字符）"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


async def _invite_form(client, slug: str) -> dict:
    form = (await client.get(f"/e/{slug}/invitations/new")).text
    values = dict(re.findall(r'<input id="f-[a-z_]+" name="([a-z_]+)" type="(?:date|time|text|number|tel)" '
                             r'value="([^"]*)"', form))
    return {**values, "purpose": "family_friend", "schedule": "once", "entry": "single",
            "weekdays": ["0", "1", "2", "3", "4"]}


async def test_a_json_body_nested_5000_deep_is_refused_with_400_before_sign_in(client, csrf):
    token = await csrf()
    for path in ("/signin/verify", "/push/subscriptions"):
        response = await client.post(path, content=nested(5000), headers={
            "content-type": "application/json", "x-csrftoken": token, "accept-language": "en"})
        assert response.status_code == 400, (path, response.status_code)
        assert response.json()["error"].startswith("Something in that request was not right")


async def test_a_json_body_too_large_or_with_an_escaped_nul_is_refused_with_400(client, csrf):
    token = await csrf()
    headers = {"content-type": "application/json", "x-csrftoken": token}
    big = '{"a": "' + "x" * MAX_JSON_BYTES + '"}'
    assert (await client.post("/signin/verify", content=big, headers=headers)).status_code == 400
    nul = '{"id": "a\\u0000b"}'
    assert (await client.post("/signin/verify", content=nul, headers=headers)).status_code == 400
    # a shallow, ordinary body still reaches the route (which finds no such passkey)
    ordinary = await client.post("/signin/verify", content='{"id": "a\\tb", "x": [[[1]]]}', headers=headers)
    assert ordinary.status_code not in (400, 500)


async def test_nul_in_a_guest_name_is_refused_beside_the_field_with_what_was_typed_kept(client, csrf, sign_in_en,
                                                                                   make_estate):
    estate, fang, _, _ = await household(make_estate)
    await sign_in_en(fang)
    data = {**await _invite_form(client, estate.slug), "guest_name": "Zhang\x00 Wei"}
    response = await post_form(client, csrf, f"/e/{estate.slug}/invitations", data)
    assert response.status_code == 422
    assert CONTROL_MESSAGE_EN in response.text
    assert 'name="guest_name" type="text" value="Zhang Wei"' in response.text
    assert 'aria-describedby="e-guest_name"' in response.text
    assert await VisitorPass.count().where(VisitorPass.estate == estate.id) == 0


async def test_the_refusal_speaks_chinese_to_a_chinese_reader(client, csrf, sign_in, make_estate):
    estate, fang, _, _ = await household(make_estate)
    await sign_in(fang)  # the default language: Simplified Chinese
    data = {**await _invite_form(client, estate.slug), "guest_name": "张\x07伟"}
    response = await post_form(client, csrf, f"/e/{estate.slug}/invitations", data)
    assert response.status_code == 422
    assert CONTROL_MESSAGE_ZH in response.text and 'value="张伟"' in response.text


async def test_an_invitation_at_the_ends_of_the_calendar_is_refused_with_a_message(client, csrf, sign_in_en,
                                                                                  make_estate):
    estate, fang, _, _ = await household(make_estate)
    await sign_in_en(fang)
    form = await _invite_form(client, estate.slug)
    cases = [
        ({"date": "0001-01-01", "end_date": ""}, "Enter a date."),  # no day before it to work with
        ({"date": "9999-12-31", "end_date": ""}, "Enter a date."),
        ({"date": "1900-01-01", "end_date": ""}, "That time has already passed"),
        ({"date": "9000-01-01", "end_date": ""}, "Invite guests at most a year ahead"),
        ({"end_date": "9998-12-31"}, "A one-off pass lasts at most 31 days"),
        ({"schedule": "recurring", "first_day": "0001-01-01", "last_day": "0001-06-01"}, "Enter a date."),
        ({"schedule": "recurring", "first_day": "0002-01-01", "last_day": "0002-06-01"}, "That time has already passed"),
        ({"schedule": "recurring", "first_day": "9998-01-01", "last_day": "9998-12-31"}, "at most a year ahead"),
        ({"party_size": "²"}, "Enter how many people come, from 1 to 20."),
    ]
    for fields, message in cases:
        response = await post_form(client, csrf, f"/e/{estate.slug}/invitations", {**form, **fields})
        assert response.status_code == 422, (fields, response.status_code)
        assert message in response.text, fields
        for value in fields.values():
            assert f'value="{value}"' in response.text, (fields, value)  # what was typed, kept
    assert await VisitorPass.count().where(VisitorPass.estate == estate.id) == 0


async def test_the_history_filters_at_the_ends_of_the_calendar_are_held_in_range(client, sign_in_en, make_estate):
    estate, fang, _, _ = await household(make_estate)
    await sign_in_en(fang)
    for query in ("since=0001-01-01", "until=9999-12-31", "since=9999-12-31&until=0001-01-01", "since=%00"):
        response = await client.get(f"/e/{estate.slug}/history?{query}")
        assert response.status_code == 200, query


async def test_nul_in_searches_and_in_a_watchlist_entry_never_answers_5xx(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    admin = await estate.person("Admin", Role.ADMIN, Role.FRONT_DESK, Role.SUPERVISOR, Role.GATE_GUARD)
    await sign_in_en(admin)
    for path in ("people", "units", "watchlist", "walk-ins/new"):
        response = await client.get(f"/e/{estate.slug}/{path}?q=Wang%00&search=%00")
        assert response.status_code < 500, path
    response = await post_form(client, csrf, f"/e/{estate.slug}/watchlist",
                               {"name": "Li\x00 Lei", "phone": "", "reason": "Banned", "until": ""})
    assert response.status_code == 422 and CONTROL_MESSAGE_EN in response.text
    assert await WatchlistEntry.count().where(WatchlistEntry.estate == estate.id) == 0


async def test_a_control_character_in_the_path_finds_nothing(client):
    for path in ("/p/abc%00def", "/static/%00", "/enrol/%1b"):
        response = await client.get(path)
        assert response.status_code == 404, path
