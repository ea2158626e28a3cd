"""Every goods-release page renders, in both languages, for the people who use it, with slips
in each state (a template error shows here before a person meets it)."""

from __future__ import annotations

import pytest

from app.domain.tokens import Kind as CodeKind
from app.models.releases import ReleaseSlip
from app.services import codes, release_answers, release_gate, release_permits, release_records, release_slips
from app.services.release_answers import DeskCheck
from app.services.release_slips import ItemRow
from tests.integration.gate_helpers import GateClient, verdict
from tests.integration.release_helpers import ZONE, ReleaseCast, jpeg, window_now

CHECKED = DeskCheck(identity_seen="passport", items_confirmed=True)


@pytest.fixture
async def world(make_estate):
    cast = await ReleaseCast().setup(await make_estate("Harbour"))
    day, start, end = window_now()
    slips = {}
    draft = await release_slips.save(cast.scopes["fang"], cast.form(items=[ItemRow("Sofa", "1", True, photo=jpeg())]))
    slips["draft"] = draft["slip_id"]
    slips["awaiting_consent"] = (await cast.submit("liu"))["slip_id"]
    slips["desk_review"] = (await cast.submit("fang"))["slip_id"]
    approved = await cast.submit("fang", day=day, start=start, end=end, items=[ItemRow("Boxes", "2")])
    await release_answers.desk_approve(cast.scopes["chen"], approved["slip_id"], CHECKED)
    slips["supervisor_review"] = approved["slip_id"]
    released = await cast.submit("fang", day=day, start=start, end=end, items=[ItemRow("Lamp", "1")])
    await release_answers.desk_approve(cast.scopes["chen"], released["slip_id"], CHECKED)
    await release_answers.supervisor_approve(cast.scopes["wu"], released["slip_id"])
    slips["approved"] = released["slip_id"]
    gone = await cast.submit("fang", day=day, start=start, end=end, items=[ItemRow("Chair", "1")])
    await release_answers.desk_approve(cast.scopes["chen"], gone["slip_id"], CHECKED)
    await release_answers.supervisor_approve(cast.scopes["wu"], gone["slip_id"])
    token = await cast.token(gone["slip_id"])
    items = [str(i["id"]) for i in await release_records.items(gone["slip_id"])]
    await release_gate.release(cast.scopes["li"], cast.act("li"), token, cast.gates[0], items, True)
    slips["released"] = gone["slip_id"]
    permit = await release_permits.apply(cast.scopes["fang"], "Tool bag")
    await release_permits.decide(cast.scopes["chen"], permit, True)
    return cast, slips, permit


@pytest.mark.parametrize("lang", ["en", "zh-Hans"])
async def test_every_release_page_renders_for_its_people(world, client, sign_in, lang):
    cast, slips, permit = world
    slug = cast.estate.slug

    async def pages(who, urls):
        await sign_in(getattr(cast, who))
        client.cookies.set("gp_lang", lang)
        for url in urls:
            response = await client.get(f"/e/{slug}{url}")
            assert response.status_code == 200, (who, url, response.status_code, response.text[:800])

    per_slip = [f"/release-slips/{sid}" for sid in slips.values()]
    await pages("fang", ["/release-slips", "/release-slips/new", "/permits", f"/permits/{permit}", "/",
                         f"/release-slips/{slips['draft']}/edit", f"/release-slips/{slips['approved']}/print",
                         f"/release-slips/{slips['approved']}/print?format=half",
                         *[u for u in per_slip if slips["awaiting_consent"] not in u]])
    await pages("huang", [f"/release-slips/{slips['awaiting_consent']}", "/"])
    await pages("chen", ["/desk/slips", "/desk/slips/queue", "/desk/slips/new", "/desk/slips/new?unit=1-1-0102",
                         "/desk/archive", "/desk/archive.csv", "/permits", "/",
                         *[f"/release-slips/{sid}/check" for sid in slips.values()], *per_slip])
    await pages("wu", ["/approvals", f"/release-slips/{slips['supervisor_review']}/check", "/desk/slips", "/"])
    await pages("li", [f"/release-slips/{slips['released']}", "/gate"])
    admin = await cast.estate.person("Zhou Min", __import__("app.domain.roles", fromlist=["Role"]).Role.ADMIN)
    await sign_in(admin)
    client.cookies.set("gp_lang", lang)
    assert (await client.get(f"/e/{slug}/admin/goods-release")).status_code == 200
    assert await ReleaseSlip.count().where(ReleaseSlip.estate == cast.estate.id) == 6


async def test_a_standing_permit_scanned_at_the_gate_shows_until_when_it_is_valid(world, client, sign_in, csrf):
    cast, _, permit = world
    await sign_in(cast.li)
    token = await codes.sign(cast.estate.id, CodeKind.GOODS_PERMIT, permit)

    response = await GateClient(client, csrf, cast.estate).verify(token)

    assert verdict(response) == "permit_valid"
    until = (await release_permits.detail(cast.scopes["fang"], permit))["valid_until"]
    assert f"{until.astimezone(ZONE):%Y-%m-%d}</dd>" in response.text
