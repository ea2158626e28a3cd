"""The services every visitor flow leans on: estate signing keys, one result per guard action
key, and the notification queue's refusal of personal data."""

import asyncio
import base64
from datetime import timedelta
from uuid import uuid4

import pytest

from app.domain import tokens
from app.domain.notifications import Kind
from app.domain.roles import Role
from app.domain.tokens import Code
from app.domain.tokens import Kind as CodeKind
from app.models.estates import EstateKey
from app.models.notifications import Notification
from app.models.visitors import GuardAction
from app.services import codes, idempotency, notify
from app.services.clock import utcnow
from app.services.errors import Invalid


@pytest.fixture
async def guard_act(make_estate):
    """An estate, its gate guard, and an action of theirs with a fresh key."""
    estate = await make_estate()
    guard = await estate.person("Li Qiang", Role.GATE_GUARD)
    return estate, guard, idempotency.action(guard, "k-" + uuid4().hex)


async def kept(act) -> tuple[int, int]:
    """What an action left behind: its notifications and its kept results."""
    return (await Notification.count().where(Notification.subject == act.key),
            await GuardAction.count().where(GuardAction.key == act.key))


async def test_each_estate_signs_with_its_own_key_and_rejects_the_others(make_estate):
    a, b = await make_estate(), await make_estate()
    record = uuid4()
    token = await codes.sign(a.id, CodeKind.VISITOR_PASS, record)
    assert await codes.read(a.id, token) == Code(CodeKind.VISITOR_PASS, record)
    assert await codes.read(b.id, token) is None
    assert await EstateKey.count().where(EstateKey.estate == a.id) == 1


async def test_the_key_is_made_once_even_when_asked_for_at_the_same_time(make_estate):
    estate = await make_estate()
    codes._keys.pop(estate.id, None)
    keys = {tokens.public_key_bytes(key) for key in await asyncio.gather(*[codes.signing_key(estate.id) for _ in range(5)])}
    assert len(keys) == 1
    assert await EstateKey.count().where(EstateKey.estate == estate.id) == 1


async def test_bit_flips_and_truncation_read_as_unknown(make_estate):
    estate = await make_estate()
    token = await codes.sign(estate.id, CodeKind.VISITOR_PASS, uuid4())
    raw = bytearray(base64.b32decode(token + "=" * (-len(token) % 8)))
    for index in (0, 5, 20, len(raw) - 1):
        flipped = bytearray(raw)
        flipped[index] ^= 0x01
        assert await codes.read(estate.id, base64.b32encode(bytes(flipped)).decode().rstrip("=")) is None
    assert await codes.read(estate.id, token[:-4]) is None
    assert await codes.read(estate.id, "") is None


async def test_a_replayed_action_returns_the_first_result_and_does_nothing(guard_act):
    estate, guard, act = guard_act

    async def work():
        # A write, and a result that would differ on a second run.
        await notify.queue(estate.id, [guard], Kind.VISITOR_ARRIVED, params={"guest": "x"}, subject=act.key)
        return {"n": await Notification.count().where(Notification.subject == act.key)}

    first = await idempotency.once(act, "admit", estate.id, work)
    again = await idempotency.once(act, "admit", estate.id, work)
    assert first == again == {"n": 1}
    assert await kept(act) == (1, 1)  # one notification, one kept result


async def test_a_replay_whose_work_now_fails_still_gets_the_first_result(guard_act):
    estate, guard, act = guard_act
    calls = []

    async def work():
        calls.append(1)
        if len(calls) > 1:  # what the first request did makes the same action invalid now
            raise Invalid({"__all__": "already done"})
        return {"done": True}

    assert await idempotency.once(act, "admit", estate.id, work) == {"done": True}
    assert await idempotency.once(act, "admit", estate.id, work) == {"done": True}


async def test_racing_copies_of_one_action_run_once_and_the_others_are_told_to_ask_again(guard_act):
    estate, guard, act = guard_act

    async def work():
        # A write that must not happen twice: one notification per run.
        await notify.queue(estate.id, [guard], Kind.VISITOR_ARRIVED, params={"guest": "x"}, subject=act.key)
        await asyncio.sleep(0.01)
        return {"ok": True}

    results = await asyncio.gather(*[idempotency.once(act, "admit", estate.id, work) for _ in range(6)],
                                   return_exceptions=True)
    assert results.count({"ok": True}) == 1
    assert all(isinstance(r, idempotency.InFlight) for r in results if r != {"ok": True})
    assert await idempotency.once(act, "admit", estate.id, work) == {"ok": True}  # asked again: the kept result
    assert await kept(act) == (1, 1)  # one notification, one kept result


async def test_a_key_sent_again_with_another_request_is_refused_and_changes_nothing(guard_act):
    estate, guard, _ = guard_act
    key = "k-" + uuid4().hex
    first = idempotency.action(guard, key, fingerprint="admit pass A")
    other = idempotency.action(guard, key, fingerprint="admit pass B")
    runs = []

    async def work():
        runs.append(1)
        return {"ok": len(runs)}

    assert await idempotency.once(first, "admit", estate.id, work) == {"ok": 1}
    with pytest.raises(idempotency.KeyReused):
        await idempotency.once(other, "admit", estate.id, work)
    with pytest.raises(idempotency.KeyReused):
        await idempotency.previous(other)
    assert await idempotency.once(first, "admit", estate.id, work) == {"ok": 1}  # the same request: its result
    assert await GuardAction.select(GuardAction.fingerprint).where(GuardAction.key == key) == [
        {"fingerprint": "admit pass A"}]


async def test_work_that_fails_leaves_no_result_behind(guard_act):
    estate, guard, act = guard_act

    async def broken():
        await notify.queue(estate.id, [guard], Kind.VISITOR_ARRIVED, params={}, subject=act.key)
        raise RuntimeError("the phone's request broke half-way")

    with pytest.raises(RuntimeError):
        await idempotency.once(act, "admit", estate.id, broken)
    assert await kept(act) == (0, 0)


async def test_an_action_needs_a_key_and_believes_only_plausible_phone_times():
    with pytest.raises(Invalid):
        idempotency.action(uuid4(), "")
    with pytest.raises(Invalid):
        idempotency.action(uuid4(), "x" * 65)
    assert idempotency.action(uuid4(), "k", "1999-01-01T00:00:00Z").device_time is None
    assert idempotency.action(uuid4(), "k", "not a time").device_time is None
    assert idempotency.action(uuid4(), "k", utcnow().isoformat()).device_time is not None
    # Kept on a phone with no signal for ten days, then sent: the time it happened still counts.
    queued = idempotency.action(uuid4(), "k", (utcnow() - timedelta(days=10)).isoformat(), sent_at=utcnow().isoformat())
    assert queued.device_time is not None
    assert queued.timing.happened_at == queued.device_time


async def test_notifications_refuse_phone_and_id_numbers_and_go_once_per_person(make_estate):
    estate = await make_estate()
    owner = await estate.person("Wang Fang", Role.RESIDENT, unit="1-1-0101")
    family = await estate.person("Wang Xiaoming", Role.RESIDENT, unit="1-1-0101")
    await estate.person("Neighbour", Role.RESIDENT, unit="1-1-0102")
    with pytest.raises(ValueError):
        await notify.queue(estate.id, [owner], Kind.VISITOR_ARRIVED, params={"phone": "13912345678"})
    members = await notify.household(estate.units["1-1-0101"].id)
    assert set(members) == {owner, family}
    subject = uuid4()
    assert await notify.queue(estate.id, [*members, owner], Kind.VISITOR_ARRIVED, params={"guest": "Zhang Wei"},
                              subject=subject) == 2
    assert await Notification.count().where(Notification.subject == str(subject)) == 2


async def test_holders_are_the_active_people_with_the_roles(make_estate):
    estate = await make_estate()
    manager = await estate.person("Sun Hao", Role.MANAGER)
    await estate.person("Li Qiang", Role.GATE_GUARD)
    assert await notify.holders(estate.id, Role.MANAGER) == [manager]
