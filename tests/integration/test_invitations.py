"""Invitations: a resident invites a guest, the household sees and revokes its passes, the guest's
pass page shows that pass and nothing else, and the household's visitor history."""

from __future__ import annotations

import re
from datetime import timedelta
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import segno

from app.domain.roles import Relation, Role
from app.domain.tokens import Kind
from app.models.audit import AuditEvent
from app.models.estates import Gate
from app.models.visitors import Registration, Visit, VisitorPass
from app.routes.invitations import render_qr
from app.services import codes, invitations, sealed
from app.services.clock import utcnow
from tests.integration.forms import post_form

PASS_LINK = re.compile(r'value="(https?://[^"]+/p/([a-z2-7]+))"')


async def household(make_estate):
    """An estate with Wang Fang (owner) and Wang Xiaoming (family) of 1-1-0101, and a neighbour."""
    estate = await make_estate()
    fang = await estate.person("Wang Fang", Role.RESIDENT, unit="1-1-0101", phone="13911112222")
    son = await estate.person("Wang Xiaoming", Role.RESIDENT, unit="1-1-0101", relation=Relation.FAMILY)
    neighbour = await estate.person("Liu Yang", Role.RESIDENT, unit="1-1-0102", relation=Relation.TENANT)
    return estate, fang, son, neighbour


async def invite(client, csrf, estate, **fields) -> UUID:
    """Create a pass through the form with its defaults, as the three taps would."""
    form = (await client.get(f"/e/{estate.slug}/invitations/new")).text
    values = {name: value for name, value in re.findall(r'<input id="f-[a-z_]+" name="([a-z_]+)" type="(?:date|time|text|number|tel)" value="([^"]*)"', form)}
    data = {**values, "purpose": "family_friend", "schedule": "once", "entry": "single",
            "weekdays": ["0", "1", "2", "3", "4"], **fields}
    response = await post_form(client, csrf, f"/e/{estate.slug}/invitations", data)
    assert response.status_code == 303, response.text
    match = re.search(r"/invitations/([0-9a-f-]{36})\?done=created", response.headers["location"])
    return UUID(match.group(1))


async def test_a_resident_invites_a_guest_with_the_defaults(client, csrf, sign_in_en, make_estate):
    estate, fang, _, _ = await household(make_estate)
    await sign_in_en(fang)

    form = await client.get(f"/e/{estate.slug}/invitations/new")
    assert form.status_code == 200
    assert 'name="end" type="time" value="23:59"' in form.text
    pass_id = await invite(client, csrf, estate, guest_name="Zhang Wei")

    row = await VisitorPass.objects().where(VisitorPass.id == pass_id).first()
    assert (row.guest_name, row.max_entries, row.party_size, row.purpose) == ("Zhang Wei", 1, 1, "family_friend")
    assert row.unit == estate.units["1-1-0101"].id and row.host == fang and row.estate == estate.id
    assert row.starts_at <= utcnow() <= row.ends_at
    assert row.link_hash == invitations.link_hash(invitations.link_token(pass_id))
    assert await AuditEvent.exists().where((AuditEvent.action == "pass.created") & (AuditEvent.subject == str(pass_id)))

    page = await client.get(f"/e/{estate.slug}/invitations/{pass_id}?done=created")
    assert page.status_code == 200
    assert "Pass created" in page.text and "Valid now" in page.text
    link = PASS_LINK.search(page.text)
    assert link and link.group(1) == "http://localhost:8000" + invitations.pass_link(pass_id)
    assert len(link.group(2)) == 32  # 160 bits in base32


async def test_bad_input_comes_back_at_422_with_the_typed_values_and_nothing_is_stored(
        client, csrf, sign_in_en, make_estate):
    estate, fang, _, _ = await household(make_estate)
    await sign_in_en(fang)
    before = await VisitorPass.count().where(VisitorPass.estate == estate.id)

    response = await post_form(client, csrf, f"/e/{estate.slug}/invitations", {
        "guest_name": "Zhang Wei", "guest_phone": "call me", "purpose": "repair", "party_size": "3",
        "vehicle_plate": "粤B12345", "schedule": "once", "entry": "multiple",
        "date": "2026-11-23", "start": "18:00", "end": "17:00",
    })

    assert response.status_code == 422
    assert "Enter a phone number of digits only" in response.text
    assert "The end must come after the start." in response.text
    assert 'value="Zhang Wei"' in response.text and 'value="call me"' in response.text
    assert 'value="粤B12345"' in response.text and 'name="party_size" type="number" value="3"' in response.text
    assert 'value="repair" checked' in response.text and 'value="multiple" checked' in response.text
    assert await VisitorPass.count().where(VisitorPass.estate == estate.id) == before


async def test_a_recurring_pass_for_domestic_help_is_stored_as_a_recurrence(client, csrf, sign_in_en, make_estate):
    estate, fang, _, _ = await household(make_estate)
    await sign_in_en(fang)
    today = utcnow().date()
    pass_id = await invite(client, csrf, estate, guest_name="Chen Ayi", purpose="domestic_help", schedule="recurring",
                           weekdays=["0", "1", "2", "3", "4", "5", "6"], daily_start="00:00", daily_end="23:59",
                           first_day=(today - timedelta(days=1)).isoformat(),
                           last_day=(today + timedelta(days=90)).isoformat())
    row = await VisitorPass.objects().where(VisitorPass.id == pass_id).first()
    assert (row.weekdays, row.daily_start, row.daily_end, row.max_entries) == ("0,1,2,3,4,5,6", "00:00", "23:59", None)
    page = await client.get(f"/e/{estate.slug}/invitations/{pass_id}")
    assert "Mon, Tue, Wed, Thu, Fri, Sat, Sun · 00:00–23:59" in page.text
    assert "Multiple entries" in page.text


async def test_the_list_sorts_the_households_passes_into_active_upcoming_and_past(
        client, csrf, sign_in_en, make_estate):
    estate, fang, son, neighbour = await household(make_estate)
    await sign_in_en(fang)
    tomorrow = (utcnow() + timedelta(days=2)).date().isoformat()
    await invite(client, csrf, estate, guest_name="Guest Now")
    await invite(client, csrf, estate, guest_name="Guest Later", date=tomorrow, start="10:00", end="12:00")
    used = await invite(client, csrf, estate, guest_name="Guest Used")
    await VisitorPass.update({VisitorPass.entries: 1}).where(VisitorPass.id == used)
    await sign_in_en(neighbour)
    await invite(client, csrf, estate, guest_name="Neighbour's Guest")

    await sign_in_en(son)  # another member of the household sees the same passes
    page = (await client.get(f"/e/{estate.slug}/invitations")).text

    active, upcoming, past = (page.index(f'id="sec-{s}"') for s in ("active", "upcoming", "past"))
    assert active < page.index("Guest Now") < upcoming < page.index("Guest Later") < past < page.index("Guest Used")
    assert "Used up" in page
    assert "Neighbour&#39;s Guest" not in page and "Neighbour's Guest" not in page


async def test_a_household_member_revokes_a_pass_and_its_link_says_so(client, csrf, sign_in_en, make_estate):
    estate, fang, son, _ = await household(make_estate)
    await sign_in_en(fang)
    pass_id = await invite(client, csrf, estate, guest_name="Zhang Wei")

    await sign_in_en(son)
    response = await post_form(client, csrf, f"/e/{estate.slug}/invitations/{pass_id}/revoke", {})
    assert response.status_code == 303 and "done=revoked" in response.headers["location"]
    row = await VisitorPass.objects().where(VisitorPass.id == pass_id).first()
    assert row.revoked_at is not None and row.revoked_by == son
    assert await AuditEvent.exists().where((AuditEvent.action == "pass.revoked") & (AuditEvent.subject == str(pass_id))
                                           & (AuditEvent.actor == son))
    again = await post_form(client, csrf, f"/e/{estate.slug}/invitations/{pass_id}/revoke", {})
    assert again.status_code == 303
    assert await AuditEvent.count().where((AuditEvent.action == "pass.revoked") & (AuditEvent.subject == str(pass_id))) == 1

    detail = await client.get(f"/e/{estate.slug}/invitations/{pass_id}")
    assert "Revoked" in detail.text and "Wang Xiaoming" in detail.text and "/p/" not in detail.text

    client.cookies.clear()
    page = await client.get(invitations.pass_link(pass_id), headers={"accept-language": "en"})
    assert page.status_code == 200
    assert "This pass has been revoked" in page.text
    assert "Zhang Wei" not in page.text and "<svg" not in page.text and "1-1-0101" not in page.text


async def test_another_households_or_estates_pass_is_not_found(client, csrf, sign_in_en, make_estate):
    estate, fang, _, neighbour = await household(make_estate)
    other = await make_estate("Other")
    stranger = await other.person("Tan Mei", Role.RESIDENT, unit="1-1-0101")
    await sign_in_en(fang)
    pass_id = await invite(client, csrf, estate, guest_name="Zhang Wei")

    await sign_in_en(neighbour)
    for url in (f"/e/{estate.slug}/invitations/{pass_id}", f"/e/{estate.slug}/invitations/{uuid4()}"):
        assert (await client.get(url)).status_code == 404
    response = await post_form(client, csrf, f"/e/{estate.slug}/invitations/{pass_id}/revoke", {})
    assert response.status_code == 404

    await sign_in_en(stranger)
    assert (await client.get(f"/e/{other.slug}/invitations/{pass_id}")).status_code == 404
    assert (await client.get(f"/e/{estate.slug}/invitations/{pass_id}")).status_code == 404
    assert (await VisitorPass.objects().where(VisitorPass.id == pass_id).first()).revoked_at is None


async def test_the_pass_page_shows_the_pass_and_hides_the_host(client, csrf, sign_in_en, make_estate):
    estate, fang, _, _ = await household(make_estate)
    await estate.estate.update_self({"visitor_rules": "No dogs on the lawn."})
    await sign_in_en(fang)
    pass_id = await invite(client, csrf, estate, guest_name="Zhang Wei", guest_phone="13800001111",
                           vehicle_plate="粤B12345", party_size="2")

    client.cookies.clear()
    page = await client.get(invitations.pass_link(pass_id), headers={"accept-language": "en"})

    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    text = page.text
    for shown in ("Zhang Wei", "1-1-0101", "Valid now", "1 entry left", "No dogs on the lawn.", "粤B12345"):
        assert shown in text, shown
    for hidden in ("Wang Fang", "13911112222", "13800001111", "Wang Xiaoming", "Liu Yang"):
        assert hidden not in text, hidden
    svg = re.search(r'<svg data-qr[^>]*viewBox="0 0 (\d+) \1"', text)
    assert svg, "no inline QR"
    modules = int(svg.group(1)) // 8 - 2 * 4  # scale 8, quiet zone of 4
    assert (modules - 17) // 4 <= 7, "the QR must stay at version 7 or lower"
    token = await codes.sign(estate.id, Kind.VISITOR_PASS, pass_id)
    assert segno.make(token, error="m", boost_error=False).version <= 7
    assert render_qr(token) in text  # the QR carries the signed token, not the link
    assert token not in text.replace(render_qr(token), "")


async def test_an_unknown_link_says_so_and_nothing_else(client):
    for token in ("a" * 32, "nope", invitations.link_token(uuid4())):
        page = await client.get(f"/p/{token}", headers={"accept-language": "en"})
        assert page.status_code == 404
        assert "This pass link is not valid" in page.text and "<svg" not in page.text
        assert page.headers["cache-control"] == "no-store"


async def test_the_households_history_lists_invited_and_walk_in_visits_newest_first(
        client, csrf, sign_in_en, make_estate):
    estate, fang, _, neighbour = await household(make_estate)
    await sign_in_en(fang)
    empty = await client.get(f"/e/{estate.slug}/history")
    assert "No visitors yet" in empty.text
    pass_id = await invite(client, csrf, estate, guest_name="Zhang Wei", guest_phone="13800001111")
    gate = await Gate.select(Gate.id).where(Gate.estate == estate.id).first()
    unit = estate.units["1-1-0101"].id
    now = utcnow()
    await Visit.insert(Visit(estate=estate.id, unit=unit, visitor_pass=pass_id, guest_name="Zhang Wei",
                             entered_at=now - timedelta(hours=2), exited_at=now - timedelta(hours=1),
                             entry_gate=gate["id"], exit_gate=gate["id"], purpose="family_friend"))
    registration = Registration(**sealed.seal(Registration, dict(
        estate=estate.id, unit=unit, name="Courier Sun", phone="13700002222", purpose="delivery", state="approved")))
    await registration.save()
    await Visit.insert(Visit(estate=estate.id, unit=unit, registration=registration.id, guest_name="Courier Sun",
                             entered_at=now - timedelta(minutes=5), entry_gate=gate["id"], purpose="delivery"))
    await Visit.insert(Visit(estate=estate.id, unit=estate.units["1-1-0102"].id, guest_name="Next Door Guest",
                             entered_at=now, entry_gate=gate["id"]))

    page = (await client.get(f"/e/{estate.slug}/history")).text
    assert page.index("Courier Sun") < page.index("Zhang Wei")
    assert "Walk-in" in page and "Invited" in page and "Still inside" in page and "North Gate" in page
    assert "137****2222" in page and "138****1111" in page
    assert "13700002222" not in page and "13800001111" not in page
    assert "Next Door Guest" not in page

    detail = (await client.get(f"/e/{estate.slug}/invitations/{pass_id}")).text
    assert "Arrived" in detail and "Left" in detail and "North Gate" in detail

    # The filter's days are the estate's: at 00:10 in Shanghai the visits of the last minutes are "today".
    estate_today = now.astimezone(ZoneInfo(estate.estate.timezone)).date()
    tomorrow = (estate_today + timedelta(days=1)).isoformat()
    filtered = (await client.get(f"/e/{estate.slug}/history?since={tomorrow}")).text
    assert "Zhang Wei" not in filtered and "No visits on these dates." in filtered


async def test_a_resident_of_two_units_chooses_which_one_the_guest_visits(client, csrf, sign_in_en, make_estate):
    from app.models.people import HouseholdMember

    estate, fang, _, _ = await household(make_estate)
    await HouseholdMember(person=fang, unit=estate.units["2-1-0101"].id, estate=estate.id, relation="owner").save()
    await sign_in_en(fang)
    form = (await client.get(f"/e/{estate.slug}/invitations/new")).text
    assert '<select id="f-unit" name="unit"' in form and "2-1-0101" in form

    refused = await post_form(client, csrf, f"/e/{estate.slug}/invitations", {"guest_name": "Zhang Wei"})
    assert refused.status_code == 422 and "Choose the unit the guest is visiting." in refused.text

    pass_id = await invite(client, csrf, estate, guest_name="Zhang Wei", unit=str(estate.units["2-1-0101"].id))
    row = await VisitorPass.objects().where(VisitorPass.id == pass_id).first()
    assert row.unit == estate.units["2-1-0101"].id
