"""Links opened without signing in (a guest's pass, an enrolment link) are slowed per address
once it has asked for too many unknown ones, while the real guest's link keeps working; and
every 429 the app sends says when to try again (``Retry-After``), on a page in the person's
language, a partial for htmx, or JSON for the passkey and push scripts."""

from __future__ import annotations

import pytest

from app import i18n
from app.domain.roles import Role
from app.services import enrolment, invitations
from tests.integration.authenticator import link_token
from tests.integration.gate_helpers import make_pass

TOO_MANY = "Too many attempts. Please wait a minute and try again."
ENGLISH = {"accept-language": "en"}
FLOOD, GUEST = "203.0.113.50", "198.51.100.20"


def unknown_pass(n: int) -> str:
    return f"/p/{'a' * 30}{n:02d}"


def unknown_enrolment(n: int) -> str:
    return f"/enrol/{'b' * 40}{n:02d}"


@pytest.fixture
def sent_from(rate_clock, rate_limit, from_address):
    """Requests from several addresses, each allowed three unknown links a minute; the clock
    stands one second into its minute."""
    rate_limit(3)
    return from_address


async def test_an_address_asking_for_unknown_pass_links_is_slowed_and_the_guest_is_not(client, make_estate, sent_from):
    estate = await make_estate()
    row, _ = await make_pass(estate)
    link = invitations.pass_link(row.id)
    flood, guest = {**sent_from(FLOOD), **ENGLISH}, {**sent_from(GUEST), **ENGLISH}

    for n in range(3):
        assert (await client.get(unknown_pass(n), headers=flood)).status_code == 404
    refused = await client.get(unknown_pass(3), headers=flood)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "59"
    assert TOO_MANY in refused.text
    # Over the limit, a real link is refused too: the answers tell a flood nothing.
    assert (await client.get(link, headers=flood)).status_code == 429

    for _ in range(5):  # the guest, elsewhere, opens their pass as often as they like
        opened = await client.get(link, headers=guest)
        assert opened.status_code == 200 and "<svg" in opened.text


async def test_the_next_minute_serves_the_address_again(client, sent_from, rate_clock):
    flood = {**sent_from(FLOOD), **ENGLISH}
    for n in range(3):
        await client.get(unknown_pass(n), headers=flood)
    assert (await client.get(unknown_pass(3), headers=flood)).status_code == 429
    rate_clock.advance(minutes=1)
    assert (await client.get(unknown_pass(3), headers=flood)).status_code == 404


async def test_an_address_asking_for_unknown_enrolment_links_is_slowed_and_the_newcomer_is_not(
    client, csrf, make_estate, sent_from
):
    estate = await make_estate()
    issued = await enrolment.issue_by_operator(estate.slug, await estate.person("Li Qiang", Role.GATE_GUARD))
    flood, newcomer = {**sent_from(FLOOD), **ENGLISH}, {**sent_from(GUEST), **ENGLISH}

    for n in range(3):
        assert (await client.get(unknown_enrolment(n), headers=flood)).status_code == 404
    refused = await client.get(unknown_enrolment(3), headers=flood)
    assert refused.status_code == 429 and refused.headers["retry-after"] == "59"
    # The passkey ceremony's script gets the same answer, as JSON.
    ceremony = await client.post(unknown_enrolment(4) + "/options", headers={**flood, "x-csrftoken": await csrf(), "accept": "application/json"})
    assert ceremony.status_code == 429
    assert ceremony.json() == {"error": TOO_MANY} and ceremony.headers["retry-after"] == "59"

    page = await client.get(f"/enrol/{link_token(issued.url)}", headers=newcomer)
    assert page.status_code == 200 and "Li Qiang" in page.text


async def test_a_refusal_is_in_the_persons_language_and_a_partial_for_htmx(client, sent_from):
    chinese = {**sent_from(FLOOD), "accept-language": "zh-Hans"}
    for n in range(3):
        await client.get(unknown_pass(n), headers=chinese)

    page = await client.get(unknown_pass(3), headers=chinese)
    assert page.status_code == 429 and page.headers["retry-after"] == "59"
    assert i18n.translations("zh-Hans").gettext(TOO_MANY) in page.text
    assert page.headers["content-language"] == "zh-Hans" and "<html" in page.text

    partial = await client.get(unknown_pass(4), headers={**chinese, "hx-request": "true"})
    assert partial.status_code == 429 and partial.headers["retry-after"] == "59"
    assert partial.headers["hx-retarget"] == "#flash" and "<html" not in partial.text
    assert i18n.translations("zh-Hans").gettext(TOO_MANY) in partial.text


# Every place that can answer 429 (push subscriptions: tests/integration/test_push.py), each
# made to, and what it answers. An address gets ten times an account's room.


async def _sign_in_options(client, csrf, estate):
    return [await client.post("/signin/options", headers={"x-csrftoken": await csrf(), **ENGLISH})
            for _ in range(3 * 10 + 1)][-1]


async def _sign_in_verify(client, csrf, estate):
    unknown = {"challengeId": "x", "credential": {"id": "not-a-passkey-of-ours"}}
    return [await client.post("/signin/verify", json=unknown, headers={"x-csrftoken": await csrf(), **ENGLISH})
            for _ in range(3 * 10 + 1)][-1]


async def _enrolment(client, csrf, estate):
    issued = await enrolment.issue_by_operator(estate.slug, await estate.person("Wu Lei", Role.GATE_GUARD))
    url = f"/enrol/{link_token(issued.url)}/options"
    return [await client.post(url, headers={"x-csrftoken": await csrf(), **ENGLISH}) for _ in range(4)][-1]


async def _unknown_links(client, csrf, estate):
    return [await client.get(unknown_enrolment(n), headers=ENGLISH) for n in range(4)][-1]


@pytest.mark.parametrize("provoke", [_sign_in_options, _sign_in_verify, _enrolment, _unknown_links],
                         ids=lambda f: f.__name__.strip("_"))
async def test_every_429_says_when_to_try_again(client, csrf, make_estate, sent_from, provoke):
    response = await provoke(client, csrf, await make_estate())
    assert response.status_code == 429
    assert response.headers["retry-after"] == "59"
