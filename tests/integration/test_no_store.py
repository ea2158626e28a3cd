"""Pages that show an ID number or a phone in full are sent ``Cache-Control: no-store``: no
browser, proxy or service worker keeps a copy of a staff record. Pages with masked data only
are kept as before (revalidated each time).

The header follows from the template (``unmasked(...)``), so each page is asked for here with
the data it shows; tests/unit/test_personal_data_in_templates.py sees that no template shows
one bare.
"""

from __future__ import annotations

from uuid import uuid4

import pytest

from app.domain.roles import Role
from app.models.visitors import Registration, Visit
from tests.integration.forms import post_form
from tests.integration.gate_helpers import GateClient, gate_id, make_pass

NO_STORE = "no-store"
REVALIDATE = "no-cache, private"
GUEST_PHONE = "13912345678"
VISITOR_PHONE = "13687654321"
VISITOR_ID = "110105199003071234"
STAFF_PHONE = "13700001111"


class Records:
    """An estate whose Zhou Min holds every staff role and lives at 1-1-0101, with one
    invited guest admitted at the gate and one walk-in registered (phones and ID number)."""

    async def setup(self, client, csrf, sign_in_en, make_estate):
        self.estate = await make_estate()
        self.slug = self.estate.slug
        self.zhou = await self.estate.person(
            "Zhou Min", Role.ADMIN, Role.FRONT_DESK, Role.GATE_GUARD, Role.MANAGER, Role.RESIDENT,
            unit="1-1-0101", phone=STAFF_PHONE,
        )
        await sign_in_en(self.zhou)
        self.gate = await gate_id(self.estate)
        self.pass_row, token = await make_pass(self.estate, phone=GUEST_PHONE, host=self.zhou)
        await GateClient(client, csrf, self.estate).admit(token)
        self.visit = (await Visit.select(Visit.id).where(Visit.visitor_pass == self.pass_row.id).first())["id"]
        registered = await post_form(client, csrf, f"/e/{self.slug}/walkins", self.walk_in(name="Zhang Wei"))
        assert registered.status_code == 303, registered.text[:500]
        self.registration = (await Registration.select(Registration.id).where(
            (Registration.estate == self.estate.id) & (Registration.name == "Zhang Wei")).first())["id"]
        return self

    def walk_in(self, **fields) -> dict:
        return {"kind": "walk_in", "gate": self.gate, "gender": "male", "id_type": "resident_id",
                "id_number": VISITOR_ID, "phone": VISITOR_PHONE, "unit": "1-1-0101", "purpose": "delivery",
                "party_size": "1", "idem_key": uuid4().hex, **fields}


@pytest.fixture
async def records(client, csrf, sign_in_en, make_estate) -> Records:
    return await Records().setup(client, csrf, sign_in_en, make_estate)


# (route, path under the estate, what it shows in full; None: a blank form or an empty list,
# which shows nothing personal and may be kept, as a guard's phone keeps the blank walk-in form
# for use with no signal; the same forms sent back with what was typed are tested below)
UNMASKED_PAGES = [
    ("visit_detail", "/visits/{visit}", GUEST_PHONE),
    ("walkin_detail", "/walkins/{registration}", VISITOR_ID),
    ("walkin_new", "/walkins/new", None),
    ("walkin_lookup", f"/walkins/lookup?phone={VISITOR_PHONE}", VISITOR_ID),
    ("person_detail", "/people/{zhou}", STAFF_PHONE),
    ("person_new", "/people/new", None),
    ("people_list", "/people?q=Zhou", STAFF_PHONE),
    ("watchlist", "/watchlist", None),
    ("invitation_new", "/invitations/new", None),
    ("units_import_page", "/units/import", None),
]


@pytest.mark.parametrize("route,path,shown", UNMASKED_PAGES, ids=[p[0] for p in UNMASKED_PAGES])
async def test_a_page_showing_a_full_id_number_or_phone_is_never_stored_and_a_blank_form_may_be(client, records, route, path, shown):
    url = f"/e/{records.slug}" + path.format(visit=records.visit, registration=records.registration, zhou=records.zhou)
    page = await client.get(url, headers={"hx-request": "true"} if route == "walkin_lookup" else {})
    assert page.status_code == 200, page.text[:500]
    assert page.headers["cache-control"] == (NO_STORE if shown else REVALIDATE)
    if shown:
        assert shown in page.text


async def test_forms_that_come_back_with_what_was_typed_are_never_stored(client, csrf, records):
    refused = {
        "walkins": records.walk_in(name="Typed Name", unit="9-9-9999"),
        "watchlist": {"phone": VISITOR_PHONE, "reason": ""},
        "people": {"name": "", "phone": STAFF_PHONE},
        "invitations": {"guest_name": "", "guest_phone": GUEST_PHONE},
    }
    for path, form in refused.items():
        page = await post_form(client, csrf, f"/e/{records.slug}/{path}", form)
        assert page.status_code == 422, (path, page.text[:500])
        assert page.headers["cache-control"] == NO_STORE, path


async def test_pages_with_masked_numbers_only_are_revalidated_not_refused_to_caches(client, records):
    for path in ("/onsite", "/walkins", f"/invitations/{records.pass_row.id}", "/history"):
        page = await client.get(f"/e/{records.slug}{path}")
        assert page.status_code == 200, (path, page.text[:500])
        assert page.headers["cache-control"] == REVALIDATE, path
        assert GUEST_PHONE not in page.text and VISITOR_PHONE not in page.text and VISITOR_ID not in page.text


async def test_a_polled_partial_keeps_its_revalidation(client, records):
    poll = await client.get(f"/e/{records.slug}/onsite/list", headers={"hx-request": "true"})
    assert poll.status_code == 200 and poll.headers["cache-control"] == "private, no-cache"
    assert "etag" in poll.headers

