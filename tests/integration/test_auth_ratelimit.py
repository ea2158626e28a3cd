"""Rate limits count per account as well as per address: behind one proxy, a whole gatehouse
shares an address, and one person's failed attempts must not lock out the others; and an
account is counted per address, so someone hammering it from elsewhere does not lock its
owner out. Every refusal says when to try again."""

import secrets

import pytest

from app.domain.roles import Role
from app.models.auth import RateCounter, Session
from app.services import enrolment, ratelimit
from app.services.errors import RateLimited
from tests.integration.authenticator import SoftAuthenticator, enrol, link_token, sign_in

TOO_MANY = "Too many attempts. Please wait a minute and try again."


def _key(name: str) -> str:
    return f"test:{name}:{secrets.token_hex(4)}"


async def test_attempts_up_to_the_limit_pass_and_the_next_is_refused(rate_clock):
    key = _key("ip")
    for _ in range(3):
        await ratelimit.hit(key, limit=3)
    with pytest.raises(RateLimited):
        await ratelimit.hit(key, limit=3)


async def test_the_next_minute_starts_afresh(rate_clock):
    key = _key("ip")
    for _ in range(3):
        await ratelimit.hit(key, limit=3)
    rate_clock.advance(minutes=1)
    await ratelimit.hit(key, limit=3)
    assert await RateCounter.count().where(RateCounter.key == key) == 2


async def test_one_account_tried_from_many_addresses_is_limited(rate_clock):
    account = _key("person")
    for n in range(3):
        await ratelimit.hit(f"{_key('ip')}-{n}", account, limit=3)
    with pytest.raises(RateLimited):
        await ratelimit.hit(_key("ip"), account, limit=3)


async def test_a_person_over_their_limit_does_not_use_up_the_shared_address(rate_clock):
    address = _key("ip")
    li, wang = _key("li"), _key("wang")
    for _ in range(3):
        await ratelimit.attempt(address, li, limit=3)
    for _ in range(5):
        with pytest.raises(RateLimited):
            await ratelimit.attempt(address, li, limit=3)

    await ratelimit.attempt(address, wang, limit=3)  # Wang, at the same gatehouse, gets through
    hits = await RateCounter.select(RateCounter.hits).where(RateCounter.key == address).first()
    assert hits["hits"] == 4


async def test_an_address_alone_has_a_wider_limit_than_an_account(rate_clock):
    address = _key("ip")
    for _ in range(3 * ratelimit.SHARED_ADDRESS_FACTOR):
        await ratelimit.attempt(address, limit=3)
    with pytest.raises(RateLimited):
        await ratelimit.attempt(address, limit=3)


async def test_sign_in_is_limited_per_account_and_the_gatehouse_still_signs_in(
    client, csrf, make_estate, rate_clock, rate_limit
):
    estate = await make_estate()
    li = await estate.person("Li Qiang", Role.GATE_GUARD)
    wang = await estate.person("Wang Wei", Role.GATE_GUARD)
    phones = {li: SoftAuthenticator(), wang: SoftAuthenticator()}
    for person, phone in phones.items():
        issued = await enrolment.issue_by_operator(estate.slug, person)
        await enrol(client, await csrf(), link_token(issued.url), phone)
        client.cookies.clear()
    await Session.delete().where(Session.person.is_in([li, wang]))
    rate_limit(3)

    for _ in range(3):  # three bad tries at Li's passkey
        assert (await sign_in(client, await csrf(), phones[li], tamper=True)).status_code == 422
    refused = await sign_in(client, await csrf(), phones[li])

    assert refused.status_code == 429
    assert refused.json() == {"error": TOO_MANY}
    assert refused.headers["retry-after"] == "59"  # the clock stands one second into its minute
    assert await Session.count().where(Session.person == li) == 0
    assert (await sign_in(client, await csrf(), phones[wang])).status_code == 201
    rate_clock.advance(minutes=1)
    client.cookies.clear()
    assert (await sign_in(client, await csrf(), phones[li])).status_code == 201


async def test_someone_hammering_an_account_from_their_address_does_not_lock_the_owner_out(
    client, csrf, make_estate, rate_clock, rate_limit, from_address
):
    estate = await make_estate()
    li = await estate.person("Li Qiang", Role.GATE_GUARD)
    phone = SoftAuthenticator()
    issued = await enrolment.issue_by_operator(estate.slug, li)
    await enrol(client, await csrf(), link_token(issued.url), phone)
    client.cookies.clear()
    await Session.delete().where(Session.person == li)
    rate_limit(3)
    attacker, owner = from_address("203.0.113.66"), from_address("198.51.100.7")

    # Li's passkey's id, answered with forged signatures, again and again from one address.
    for _ in range(3):
        assert (await sign_in(client, await csrf(), phone, tamper=True, headers=attacker)).status_code == 422
    refused = await sign_in(client, await csrf(), phone, tamper=True, headers=attacker)
    assert refused.status_code == 429 and refused.headers["retry-after"] == "59"

    signed_in = await sign_in(client, await csrf(), phone, headers=owner)
    assert signed_in.status_code == 201, signed_in.text
    assert await Session.count().where(Session.person == li) == 1
