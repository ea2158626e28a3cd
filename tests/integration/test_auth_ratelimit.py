"""Rate limits count per account as well as per address: behind one proxy, a whole gatehouse
shares an address, and one person's failed attempts must not lock out the others."""

import secrets
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from app.domain.roles import Role
from app.models.auth import RateCounter, Session
from app.services import enrolment, ratelimit
from app.services.errors import RateLimited
from app.settings import get_settings
from tests.integration.authenticator import SoftAuthenticator, enrol, link_token, sign_in

TOO_MANY = "Too many attempts. Please wait a minute and try again."


@pytest.fixture
def clock(monkeypatch):
    """The rate limiter's clock, pinned to a minute no other test uses, and moved by hand."""

    class Clock:
        now = datetime(2031, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=secrets.randbelow(10**6), seconds=1)

        def advance(self, **delta):
            self.now += timedelta(**delta)

    pinned = Clock()
    monkeypatch.setattr(ratelimit, "utcnow", lambda: pinned.now)
    return pinned


@pytest.fixture
def limit(monkeypatch):
    """Set the per-minute limit for this test (the suite runs with a high one)."""

    def set_to(per_minute: int) -> None:
        monkeypatch.setattr("app.settings._settings", replace(get_settings(), rate_limit_per_minute=per_minute))

    return set_to


def _key(name: str) -> str:
    return f"test:{name}:{secrets.token_hex(4)}"


async def test_attempts_up_to_the_limit_pass_and_the_next_is_refused(clock):
    key = _key("ip")
    for _ in range(3):
        await ratelimit.hit(key, limit=3)
    with pytest.raises(RateLimited):
        await ratelimit.hit(key, limit=3)


async def test_the_next_minute_starts_afresh(clock):
    key = _key("ip")
    for _ in range(3):
        await ratelimit.hit(key, limit=3)
    clock.advance(minutes=1)
    await ratelimit.hit(key, limit=3)
    assert await RateCounter.count().where(RateCounter.key == key) == 2


async def test_one_account_tried_from_many_addresses_is_limited(clock):
    account = _key("person")
    for n in range(3):
        await ratelimit.hit(f"{_key('ip')}-{n}", account, limit=3)
    with pytest.raises(RateLimited):
        await ratelimit.hit(_key("ip"), account, limit=3)


async def test_a_person_over_their_limit_does_not_use_up_the_shared_address(clock):
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


async def test_an_address_alone_has_a_wider_limit_than_an_account(clock):
    address = _key("ip")
    for _ in range(3 * ratelimit.SHARED_ADDRESS_FACTOR):
        await ratelimit.attempt(address, limit=3)
    with pytest.raises(RateLimited):
        await ratelimit.attempt(address, limit=3)


async def test_sign_in_is_limited_per_account_and_the_gatehouse_still_signs_in(
    client, csrf, make_estate, clock, limit
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
    limit(3)

    for _ in range(3):  # three bad tries at Li's passkey
        assert (await sign_in(client, await csrf(), phones[li], tamper=True)).status_code == 422
    refused = await sign_in(client, await csrf(), phones[li])

    assert refused.status_code == 429
    assert refused.json() == {"error": TOO_MANY}
    assert await Session.count().where(Session.person == li) == 0
    assert (await sign_in(client, await csrf(), phones[wang])).status_code == 201
    clock.advance(minutes=1)
    client.cookies.clear()
    assert (await sign_in(client, await csrf(), phones[li])).status_code == 201
