"""Disclosing visitor records: only a manager records a hand-over to an authority, the extract
holds the matching records and nothing else, the estate's admins and other managers are told,
and what is downloaded later is exactly what was stored. A resident's look-up at the desk shows
their own household's visitors only, masked; a resident's own history never shows another
household's or another estate's visits, whatever the query says."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.domain import disclosure as rules
from app.domain.roles import Relation, Role
from app.models.audit import AuditEvent
from app.models.notifications import Notification
from app.models.records import Disclosure
from app.models.visitors import Registration, Visit, VisitorPass
from app.services import sealed
from app.services.clock import utcnow
from tests.integration.forms import post_form
from tests.integration.release_helpers import jpeg

TZ = ZoneInfo("Asia/Shanghai")
ZHANG_ID = "110105199001011234"


def at(day, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=TZ)


async def visit(estate, unit, name: str, when: datetime, *, registration=None, visitor_pass=None) -> Visit:
    row = Visit(estate=estate.id, unit=estate.units[unit].id, guest_name=name, entered_at=when,
                registration=registration, visitor_pass=visitor_pass, purpose="family_friend")
    await row.save()
    return row


async def registration(estate, unit, name: str, when: datetime, *, state="approved", phone="", id_number=""):
    row = Registration(**sealed.seal(Registration, dict(  # as the app writes it: the numbers sealed
        estate=estate.id, unit=estate.units[unit].id, name=name, phone=phone, id_type="id_card",
        id_number=id_number, state=state, created_at=when, purpose="family_friend")))
    await row.save()
    return row


@dataclass
class World:
    a: object
    b: object
    day: object
    people: dict
    other_manager: object
    outsider: object
    resident_b: object


@pytest.fixture
async def world(make_estate) -> World:
    a, b = await make_estate("Harbour View"), await make_estate("Other Estate")
    people = {}
    for role in Role:
        unit = "1-1-0101" if role is Role.RESIDENT else None
        people[role] = await a.person(f"{role.value} of A", role, unit=unit, relation=Relation.OWNER)
    other_manager = await a.person("Li Manager", Role.MANAGER)
    outsider = await b.person("Manager of B", Role.MANAGER, Role.ADMIN)
    resident_b = await b.person("Resident of B", Role.RESIDENT, unit="1-1-0101")
    day = utcnow().astimezone(TZ).date() - timedelta(days=5)
    # Zhang Wei, who registered at the gate and came in, to unit 1-1-0101 on the day asked for.
    zhang = await registration(a, "1-1-0101", "Zhang Wei", at(day), phone="13911112222", id_number=ZHANG_ID)
    await visit(a, "1-1-0101", "Zhang Wei", at(day), registration=zhang.id)
    # The same day, refused by the household: a registration with no entry.
    await registration(a, "1-1-0101", "ZHANG wei", at(day, 15), state="refused", phone="139 1111 2222")
    # Zhang Wei invited to the neighbours on the same day (another unit).
    invite = VisitorPass(**sealed.seal(VisitorPass, dict(
        estate=a.id, unit=a.units["1-1-0102"].id, guest_name="Zhang Wei", guest_phone="+86 139-1111-2222",
        purpose="other", starts_at=at(day, 0), ends_at=at(day, 23), link_hash=secrets.token_hex(32))))
    await invite.save()
    await visit(a, "1-1-0102", "Zhang Wei", at(day, 11), visitor_pass=invite.id)
    # Zhang Wei a month earlier (out of the days asked for), someone else on the day, and Zhang
    # Wei in another estate with a unit of the same number.
    await visit(a, "1-1-0101", "Zhang Wei", at(day - timedelta(days=30)))
    await visit(a, "1-1-0101", "Li Na", at(day, 12))
    other = await registration(b, "1-1-0101", "Zhang Wei", at(day), phone="13911112222", id_number=ZHANG_ID)
    await visit(b, "1-1-0101", "Zhang Wei", at(day), registration=other.id)
    return World(a, b, day, people, other_manager, outsider, resident_b)


def request_fields(world: World, **changes) -> dict:
    fields = {
        "authority": "police", "authority_name": "Harbour Road Police Station", "officer_name": "Officer Wang",
        "officer_badge": "012345", "case_reference": "HR-2026-118", "document": "Evidence collection notice No. 77",
        "asked_name": "zhang  wei", "asked_phone": "", "asked_id_number": "", "unit": "1-1-0101",
        "since": (world.day - timedelta(days=1)).isoformat(), "until": (world.day + timedelta(days=1)).isoformat(),
        "handed_over": "Printed, signed for by the officer",
    }
    fields.update(changes)
    return fields


def photo():
    return {"document_photo": ("notice.jpg", jpeg(), "image/jpeg")}


async def record(client, csrf, world: World, **changes):
    return await post_form(client, csrf, f"/e/{world.a.slug}/disclosures", request_fields(world, **changes),
                           files=photo())


async def recorded(response) -> dict:
    """The disclosure just recorded, its sealed columns (sealed in the database) opened."""
    assert response.status_code == 303, response.text[:2000]
    disclosure_id = re.search(r"/disclosures/([0-9a-f-]{36})", response.headers["location"]).group(1)
    row = await Disclosure.select().where(Disclosure.id == disclosure_id).first()
    assert sealed.is_sealed(row["extract_csv"])
    return sealed.open_row(Disclosure, row)


def extract_rows(row: dict) -> list[dict[str, str]]:
    """The extract's records, keyed by column."""
    return [dict(zip(rules.KEYS, line, strict=True)) for line in rules.read_csv(row["extract_csv"])[1:]]


async def test_a_manager_records_a_disclosure_and_the_extract_holds_the_matching_records_and_nothing_else(
        client, csrf, sign_in_en, world):
    await sign_in_en(world.people[Role.MANAGER])
    row = await recorded(await record(client, csrf, world))

    assert row["kind"] == "authority" and row["authority"] == "police" and row["officer_badge"] == "012345"
    assert row["case_reference"] == "HR-2026-118" and row["document_photo"] is not None
    assert row["row_count"] == 2
    rows = extract_rows(row)
    # Unit 1-1-0101 on those days, Zhang Wei by name: the entry and the refused registration.
    assert [(r["visitor"], r["unit"], r["arrived"][:10]) for r in rows] == [
        ("Zhang Wei", "1-1-0101", world.day.isoformat()), ("ZHANG wei", "1-1-0101", world.day.isoformat())]
    assert rows[0]["id_number"] == ZHANG_ID and rows[0]["phone"] == "13911112222"  # in full, for the authority
    assert rows[1]["outcome"] == "Refused by the household"
    lines = row["extract_csv"].lstrip("\ufeff").splitlines()
    assert len(lines) == 3 and lines[0].startswith("Record,How they came,Visitor")
    assert "Li Na" not in row["extract_csv"]


async def test_a_phone_asked_for_finds_the_person_at_any_unit_of_the_estate_and_never_another_estate(
        client, csrf, sign_in_en, world):
    await sign_in_en(world.people[Role.MANAGER])
    row = await recorded(await record(client, csrf, world, asked_name="", asked_phone="+86 139 1111 2222", unit=""))
    rows = extract_rows(row)
    assert sorted((r["unit"], r["source"]) for r in rows) == [
        ("1-1-0101", "Walk-in"), ("1-1-0101", "Walk-in"), ("1-1-0102", "Invited")]
    assert world.b.slug not in row["extract_csv"]


async def test_only_a_manager_may_record_a_disclosure(client, csrf, sign_in, world):
    for role, person in world.people.items():
        if role is Role.MANAGER:
            continue
        await sign_in(person)
        response = await record(client, csrf, world)
        assert response.status_code == 403, f"{role.value} got {response.status_code}"
    await sign_in(world.outsider)  # a manager and admin of another estate
    assert (await record(client, csrf, world)).status_code == 404
    assert await Disclosure.count().where(Disclosure.estate == world.a.id) == 0


async def test_the_admins_and_the_other_managers_are_told_and_an_audit_entry_is_written(
        client, csrf, sign_in_en, world):
    manager = world.people[Role.MANAGER]
    await sign_in_en(manager)
    row = await recorded(await record(client, csrf, world))

    told = await Notification.select(Notification.person, Notification.params, Notification.url).where(
        (Notification.kind == "records_disclosed") & (Notification.estate == world.a.id))
    told_people = {n["person"] for n in told}
    assert told_people == {world.people[Role.ADMIN], world.other_manager}
    params = told[0]["params"] if isinstance(told[0]["params"], dict) else json.loads(told[0]["params"])
    assert params["case"] == "HR-2026-118" and params["count"] == 2 and params["authority"] == "police"
    assert str(row["id"]) in told[0]["url"]

    await sign_in_en(world.other_manager)
    page = await client.get("/notifications")
    assert "Visitor records disclosed to Police (public security)" in page.text

    entry = await AuditEvent.select().where(AuditEvent.subject == str(row["id"])).first()
    data = entry["data"] if isinstance(entry["data"], dict) else json.loads(entry["data"])
    assert entry["action"] == "records.disclosed" and entry["actor"] == manager
    assert data["sha256"] == row["extract_sha256"] and data["rows"] == 2 and data["case"] == "HR-2026-118"


async def test_what_is_downloaded_later_is_exactly_what_was_stored(client, csrf, sign_in_en, world):
    await sign_in_en(world.people[Role.MANAGER])
    row = await recorded(await record(client, csrf, world))
    for person in (world.people[Role.MANAGER], world.people[Role.ADMIN]):
        await sign_in_en(person)
        download = await client.get(f"/e/{world.a.slug}/disclosures/{row['id']}/extract.csv")
        assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
        assert download.content == row["extract_csv"].encode("utf-8")
        assert hashlib.sha256(download.content).hexdigest() == row["extract_sha256"]
    # The visits change afterwards: the extract handed over does not.
    await visit(world.a, "1-1-0101", "Zhang Wei", at(world.day, 18))
    again = await client.get(f"/e/{world.a.slug}/disclosures/{row['id']}/extract.csv")
    assert again.content == row["extract_csv"].encode("utf-8")

    listing = await client.get(f"/e/{world.a.slug}/disclosures")
    assert "HR-2026-118" in listing.text and "2 records" in listing.text
    page = await client.get(f"/e/{world.a.slug}/disclosures/{row['id']}")
    assert page.status_code == 200 and row["extract_sha256"] in page.text and ZHANG_ID in page.text
    assert page.text.count("<tr>") == 3  # the headings and the two records
    document = await client.get(f"/e/{world.a.slug}/disclosures/{row['id']}/document")
    assert document.status_code == 200 and document.content[:2] == b"\xff\xd8"


async def test_another_estate_and_the_front_desk_cannot_see_a_disclosure_to_an_authority(
        client, csrf, sign_in, world):
    await sign_in(world.people[Role.MANAGER])
    row = await recorded(await record(client, csrf, world))
    for person in (world.outsider, world.people[Role.FRONT_DESK]):
        await sign_in(person)
        for tail in ("", "/extract.csv"):
            response = await client.get(f"/e/{world.a.slug}/disclosures/{row['id']}{tail}")
            assert response.status_code == 404


async def test_bad_input_comes_back_with_messages_beside_the_fields_everything_typed_and_the_photo_kept(
        client, csrf, sign_in_en, world):
    await sign_in_en(world.people[Role.MANAGER])
    response = await record(client, csrf, world, officer_badge="", unit="9-9-9999",
                            until=(world.day - timedelta(days=3)).isoformat())
    assert response.status_code == 422
    page = response.text
    assert 'id="e-officer_badge"' in page and "badge (warrant card) number" in page
    assert 'id="e-unit"' in page and "There is no unit with this number here." in page
    assert 'id="e-until"' in page and "The last day cannot be before the first." in page
    assert 'value="Officer Wang"' in page and 'value="HR-2026-118"' in page and 'value="9-9-9999"' in page
    kept = re.search(r'name="kept_photo" value="([0-9a-f-]{36})"', page).group(1)
    preview = await client.get(f"/e/{world.a.slug}/disclosures/kept/{kept}")
    assert preview.status_code == 200 and preview.content[:2] == b"\xff\xd8"
    assert await Disclosure.count().where(Disclosure.estate == world.a.id) == 0

    bad_file = await post_form(client, csrf, f"/e/{world.a.slug}/disclosures", request_fields(world, kept_photo=kept),
                               files={"document_photo": ("x.jpg", b"not a picture", "image/jpeg")})
    assert bad_file.status_code == 422 and 'id="e-document_photo"' in bad_file.text
    assert f'name="kept_photo" value="{kept}"' in bad_file.text  # a bad replacement loses not the good photo

    fixed = request_fields(world, kept_photo=kept)  # sent again, without choosing the photo again
    row = await recorded(await post_form(client, csrf, f"/e/{world.a.slug}/disclosures", fixed))
    assert str(row["document_photo"]) == kept


async def test_a_file_that_is_not_a_photo_is_refused_beside_its_field_and_the_rest_is_kept(
        client, csrf, sign_in_en, world):
    await sign_in_en(world.people[Role.MANAGER])
    response = await post_form(client, csrf, f"/e/{world.a.slug}/disclosures", request_fields(world),
                               files={"document_photo": ("notice.jpg", b"not a picture", "image/jpeg")})
    assert response.status_code == 422
    assert 'id="e-document_photo"' in response.text and "Choose the photo again" in response.text
    assert 'value="Harbour Road Police Station"' in response.text
    missing = await post_form(client, csrf, f"/e/{world.a.slug}/disclosures", request_fields(world))
    assert missing.status_code == 422 and "Take a photo of the document they showed." in missing.text


async def test_the_desk_records_a_residents_look_up_of_their_own_household_only_masked(
        client, csrf, sign_in_en, world):
    desk, resident = world.people[Role.FRONT_DESK], world.people[Role.RESIDENT]
    await sign_in_en(desk)
    household = await client.get(f"/e/{world.a.slug}/desk/record-checks/household?unit=1-1-0101")
    assert household.status_code == 200 and "resident of A" in household.text and "Resident of B" not in household.text
    neighbours = await client.get(f"/e/{world.a.slug}/desk/record-checks/household?unit=1-1-0102")
    assert "resident of A" not in neighbours.text
    fields = {"unit": "1-1-0101", "resident": str(resident), "document": "Resident card", "asked_name": "",
              "asked_phone": "",
              "since": (world.day - timedelta(days=1)).isoformat(), "until": (world.day + timedelta(days=1)).isoformat()}
    row = await recorded(await post_form(client, csrf, f"/e/{world.a.slug}/desk/record-checks", fields))
    assert row["kind"] == "resident" and row["resident"] == resident
    rows = extract_rows(row)
    assert sorted(r["visitor"] for r in rows) == ["Li Na", "ZHANG wei", "Zhang Wei"]  # 1-1-0101 only
    assert {r["unit"] for r in rows} == {"1-1-0101"}
    assert ZHANG_ID not in row["extract_csv"] and "13911112222" not in row["extract_csv"]
    assert "139****2222" in row["extract_csv"]
    page = await client.get(f"/e/{world.a.slug}/disclosures/{row['id']}")
    assert page.status_code == 200 and "Li Na" in page.text
    entry = await AuditEvent.select(AuditEvent.action).where(AuditEvent.subject == str(row["id"])).first()
    assert entry["action"] == "records.resident_lookup"

    # Another estate's resident cannot be named; nothing typed is lost.
    refused = await post_form(client, csrf, f"/e/{world.a.slug}/desk/record-checks",
                              {**fields, "resident": str(world.resident_b), "document": "Card 9"})
    assert refused.status_code == 422 and 'id="e-resident"' in refused.text and 'value="Card 9"' in refused.text
    assert "resident of A" in refused.text  # the unit's household, offered again
    no_unit = await post_form(client, csrf, f"/e/{world.a.slug}/desk/record-checks", {**fields, "unit": ""})
    assert no_unit.status_code == 422 and 'id="e-unit"' in no_unit.text and "s unit." in no_unit.text

    await sign_in_en(world.people[Role.MANAGER])
    listing = await client.get(f"/e/{world.a.slug}/disclosures")
    assert "Resident look-up" in listing.text and "resident of A" in listing.text


async def test_a_residents_history_never_shows_another_household_or_estate_whatever_the_query_says(
        client, sign_in, world):
    await visit(world.a, "1-1-0101", "Own Guest", at(world.day, 9))
    await visit(world.a, "1-1-0102", "Neighbour Guest", at(world.day, 9))
    await visit(world.b, "1-1-0101", "Other Estate Guest", at(world.day, 9))
    await sign_in(world.people[Role.RESIDENT])
    base = f"/e/{world.a.slug}/history"
    queries = ["", f"?unit={world.a.units['1-1-0102'].id}", f"?estate={world.b.slug}",
               f"?household={world.a.units['1-1-0102'].id}&unit_id={world.b.units['1-1-0101'].id}",
               f"?since={world.day.isoformat()}&until={world.day.isoformat()}&unit=1-1-0102",
               "?since=1900-01-01&until=9999-12-31", "?since='%20OR%201=1--"]
    for query in queries:
        page = await client.get(base + query)
        assert page.status_code == 200, query
        assert "Own Guest" in page.text, query
        assert "Neighbour Guest" not in page.text and "Other Estate Guest" not in page.text, query
    assert (await client.get(f"/e/{world.b.slug}/history")).status_code == 404
