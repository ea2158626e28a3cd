"""Two guards (or ten) admitting the same pass at the same moment admit once, on either engine:
the admission is one conditional UPDATE, and the open-visit constraint stands behind it."""

from __future__ import annotations

import asyncio
import uuid

from app.domain.roles import Role
from app.models.visitors import Visit, VisitorPass
from tests.integration.gate_helpers import GateClient, make_pass, verdict

RACERS = 12


async def test_simultaneous_admissions_of_one_single_entry_pass_admit_once(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    await sign_in_en(await estate.person("Li Qiang", Role.GATE_GUARD))
    gate = GateClient(client, csrf, estate)
    row, token = await make_pass(estate, max_entries=1)
    await gate.verify(token)  # the page was open before the rush

    responses = await asyncio.gather(*[gate.admit(token, key=uuid.uuid4().hex) for _ in range(RACERS)])

    outcomes = [verdict(r) for r in responses]
    assert outcomes.count("admitted") == 1, outcomes
    assert set(outcomes) <= {"admitted", "already_inside"}
    assert await Visit.count().where(Visit.visitor_pass == row.id) == 1
    stored = await VisitorPass.select(VisitorPass.entries, VisitorPass.inside).where(VisitorPass.id == row.id).first()
    assert stored == {"entries": 1, "inside": True}


async def test_simultaneous_admissions_of_a_two_entry_pass_still_admit_once_at_a_time(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    await sign_in_en(await estate.person("Li Qiang", Role.GATE_GUARD))
    gate = GateClient(client, csrf, estate)
    row, token = await make_pass(estate, max_entries=2)

    responses = await asyncio.gather(*[gate.admit(token) for _ in range(RACERS)])

    assert [verdict(r) for r in responses].count("admitted") == 1
    assert await Visit.count().where(Visit.visitor_pass == row.id) == 1
    assert (await VisitorPass.select(VisitorPass.entries).where(VisitorPass.id == row.id).first())["entries"] == 1


async def test_racing_replays_of_one_admit_return_one_answer(client, csrf, sign_in_en, make_estate):
    estate = await make_estate()
    await sign_in_en(await estate.person("Li Qiang", Role.GATE_GUARD))
    gate = GateClient(client, csrf, estate)
    row, token = await make_pass(estate, max_entries=None)

    responses = await asyncio.gather(*[gate.admit(token, key="one-tap") for _ in range(RACERS)])

    # The first copy admits; copies that arrive while it is being handled are told to ask again
    # (409, Retry-After), and asking again gets the first one's answer.
    answered = [r for r in responses if r.status_code == 200]
    assert {verdict(r) for r in answered} == {"admitted"}
    assert all(r.status_code == 409 and r.headers["retry-after"] for r in responses if r.status_code != 200)
    assert verdict(await gate.admit(token, key="one-tap")) == "admitted"
    assert await Visit.count().where(Visit.visitor_pass == row.id) == 1
