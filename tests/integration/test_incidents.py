"""Incidents: a guard reports one with photos (stored once however often the phone sends it),
urgent ones alert the supervisor and the guards, the supervisor filters, dispatches a patrol
guard who acknowledges from the app or the notification, and resolves it. Photos are decoded,
stripped and served only to the estate's guards and supervisors. Services and routes against
the real database."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo
from io import BytesIO
from uuid import UUID, uuid4

import pytest
from PIL import Image

from app.domain.notifications import Kind as Note
from app.domain.roles import Relation, Role
from app.models.audit import AuditEvent
from app.models.incidents import Incident, IncidentEntry, IncidentPhoto
from app.models.notifications import Notification
from app.models.uploads import Upload
from app.services import idempotency, incidents, notifications, patrol_setup, uploads
from app.services.clock import utcnow
from app.services.errors import Invalid, NotFound
from app.services.handover_sources import estate_ref
from tests.integration.forms import post_form
from tests.integration.release_helpers import jpeg
from tests.integration.test_walkins import scope_of

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Cast:
    """An estate with Zhao Gang and Sun Li on patrol, Li Qiang at the gate, Wu Lei supervising,
    Sun Hao managing and Wang Fang living at 1-1-0101."""

    async def setup(self, estate):
        self.estate = estate
        p = estate.person
        self.gang = await p("Zhao Gang", Role.PATROL_GUARD)
        self.li = await p("Sun Li", Role.PATROL_GUARD)
        self.qiang = await p("Li Qiang", Role.GATE_GUARD)
        self.lei = await p("Wu Lei", Role.SUPERVISOR)
        self.hao = await p("Sun Hao", Role.MANAGER)
        self.fang = await p("Wang Fang", Role.RESIDENT, unit="1-1-0101", relation=Relation.OWNER)
        return self

    async def scope(self, who: str):
        return await scope_of(self.estate, getattr(self, who), who)

    def act(self, who: str, key: str | None = None, device_time: str = ""):
        return idempotency.action(getattr(self, who), key or uuid4().hex, device_time)

    async def report(self, who: str = "gang", key: str | None = None, **fields):
        form = incidents.ReportForm(**{"kind": "theft", "severity": "medium", "place": "Bike shed",
                                       "description": "A bike lock was cut.", **fields})
        return await incidents.report(await self.scope(who), self.act(who, key, fields.pop("device_time", "")), form)


@pytest.fixture
async def cast(make_estate):
    return await Cast().setup(await make_estate("Harbour Court"))


async def notes_of(person, kind: Note) -> list[dict]:
    return await Notification.select().where((Notification.person == person) & (Notification.kind == kind.value))


# Reporting ----------------------------------------------------------------------------------


async def test_a_report_sent_twice_with_one_key_is_stored_once_with_its_photos_once(cast):
    key = uuid4().hex
    first = await cast.report(key=key, photos=[jpeg(800, 600)])
    again = await cast.report(key=key, photos=[jpeg(800, 600)])
    assert again == first
    assert await Incident.count().where(Incident.estate == cast.estate.id) == 1
    assert await IncidentPhoto.count().where(IncidentPhoto.estate == cast.estate.id) == 1
    assert await Upload.count().where(Upload.estate == cast.estate.id) == 1
    assert await AuditEvent.count().where(AuditEvent.action == "incident.reported") >= 1
    assert await AuditEvent.count().where((AuditEvent.action == "incident.reported")
                                          & (AuditEvent.subject == first["incident_id"])) == 1


async def test_the_same_report_posted_twice_through_the_form_lands_once(cast, client, csrf, sign_in_en):
    await sign_in_en(cast.gang)
    slug = cast.estate.slug
    form = (await client.get(f"/e/{slug}/incidents/new?place=Pump%20room")).text
    assert 'value="Pump room"' in form
    key = re.search(r'name="idem_key" value="([0-9a-f]+)"', form).group(1)
    fields = {"kind": "damage", "severity": "high", "place": "Pump room", "description": "Door forced",
              "idem_key": key, "device_time": "2026-12-07T10:00:00Z"}
    first = await post_form(client, csrf, f"/e/{slug}/incidents", fields, files={"photos": ("a.jpg", jpeg(), "image/jpeg")})
    second = await post_form(client, csrf, f"/e/{slug}/incidents", fields, files={"photos": ("a.jpg", jpeg(), "image/jpeg")})
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert await Incident.count().where(Incident.estate == cast.estate.id) == 1
    assert await Upload.count().where(Upload.estate == cast.estate.id) == 1


async def test_the_outbox_gets_the_answer_in_headers_and_a_refused_form_is_marked_refused(cast, client, csrf, sign_in_en):
    await sign_in_en(cast.gang)
    slug = cast.estate.slug
    headers = {"x-gatepost-outbox": "replay", "x-csrftoken": await csrf()}
    sent = await client.post(f"/e/{slug}/incidents", headers=headers, data={
        "kind": "fight", "severity": "high", "place": "Garden", "description": "Two men fighting",
        "idem_key": uuid4().hex}, files={"photos": ("", b"", "application/octet-stream")})
    assert sent.status_code == 200 and sent.headers["x-gatepost-outcome"] == "accepted"
    assert "/incidents/" in sent.headers["x-gatepost-location"]
    refused = await client.post(f"/e/{slug}/incidents", headers=headers, data={
        "kind": "", "severity": "high", "place": "Garden", "description": "x", "idem_key": uuid4().hex},
        files={"photos": ("", b"", "application/octet-stream")})
    assert refused.status_code == 422 and refused.headers["x-gatepost-outcome"] == "refused"


def last_local(hour: int, minute: int = 0, days_back: int = 0) -> datetime:
    """The latest moment at this local time in Shanghai before now, ``days_back`` days earlier."""
    now = utcnow().astimezone(SHANGHAI)
    moment = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if moment > now:
        moment -= timedelta(days=1)
    return (moment - timedelta(days=days_back)).astimezone(timezone.utc)


async def report_made_at(cast, made: datetime, **fields):
    """A report made on the phone at ``made`` and sent now (it waited in the outbox)."""
    act = idempotency.action(cast.gang, uuid4().hex, made.isoformat(), sent_at=utcnow().isoformat())
    form = incidents.ReportForm(**{"kind": "noise", "severity": "low", "place": "Building 2",
                                   "description": "Drilling", **fields})
    return await incidents.report(await cast.scope("gang"), act, form)


async def test_a_report_keeps_the_time_the_guard_made_it_not_when_it_arrived(cast):
    made = last_local(22, 30)
    result = await report_made_at(cast, made)
    row = await Incident.select(Incident.happened_at, Incident.noise_breach).where(
        Incident.id == result["incident_id"]).first()
    assert abs(row["happened_at"].astimezone(timezone.utc) - made) < timedelta(seconds=6)
    assert row["noise_breach"] is True and result["noise_breach"] is True


async def test_noise_reported_in_the_afternoon_is_no_breach(cast):
    assert (await report_made_at(cast, last_local(14, 0)))["noise_breach"] is False


async def test_a_report_in_a_unit_names_the_unit_and_an_unknown_unit_is_refused_beside_it(cast):
    result = await cast.report(unit="1-1-0101", place="")
    row = await Incident.select(Incident.unit).where(Incident.id == result["incident_id"]).first()
    assert row["unit"] == cast.estate.units["1-1-0101"].id
    with pytest.raises(Invalid) as refused:
        await cast.report(unit="9-9-9999", place="")
    assert set(refused.value.errors) == {"unit"}


async def pump_room(estate) -> UUID:
    """A patrol checkpoint of ``estate``, added by its supervisor."""
    boss = await estate.person(f"Boss of {estate.estate.name}", Role.SUPERVISOR)
    return await patrol_setup.add_checkpoint(await scope_of(estate, boss, "Boss"), patrol_setup.CheckpointForm(
        f"Pump room {estate.estate.name}", f"Building 5 basement {estate.estate.name}", "pump_room", "Door locked?"))


async def test_an_incident_from_a_checkpoint_shows_its_name_and_place_on_its_page_the_list_and_the_summary(
        cast, client, sign_in_en):
    checkpoint = await pump_room(cast.estate)
    name, place = f"Pump room {cast.estate.estate.name}", f"Building 5 basement {cast.estate.estate.name}"
    result = await cast.report(checkpoint=str(checkpoint), place=place, kind="fire")
    row = await Incident.select(Incident.checkpoint, Incident.place).where(Incident.id == result["incident_id"]).first()
    assert row == {"checkpoint": checkpoint, "place": place}
    slug = cast.estate.slug
    await sign_in_en(cast.lei)
    shown = f"{name} · {place}"
    detail = await client.get(f"/e/{slug}/incidents/{result['incident_id']}")
    assert shown in detail.text and "(patrol checkpoint)" in detail.text
    assert shown in (await client.get(f"/e/{slug}/incidents")).text
    summary = await client.get(f"/e/{slug}/incidents/summary")
    assert re.search(rf'<th scope="row">{re.escape(shown)}</th><td>1</td>', summary.text), summary.text
    assert shown in (await client.get(f"/e/{slug}/incidents/summary.csv")).text


async def test_an_unknown_or_another_estates_checkpoint_is_ignored_and_shows_nothing_of_it(
        cast, client, sign_in_en, make_estate):
    other = await make_estate("Elsewhere")
    theirs = await pump_room(other)
    slug = cast.estate.slug
    await sign_in_en(cast.gang)
    for asked in (str(theirs), str(uuid4()), "not-an-id", "'; drop table incident;--"):
        form = await client.get(f"/e/{slug}/incidents/new", params={"checkpoint": asked})
        assert form.status_code == 200
        assert 'name="checkpoint" value=""' in form.text and "Elsewhere" not in form.text
    result = await cast.report(checkpoint=str(theirs), place="By the gate")
    row = await Incident.select(Incident.checkpoint).where(Incident.id == result["incident_id"]).first()
    assert row["checkpoint"] is None
    listed = await incidents.listing(await cast.scope("lei"), incidents.Filters())
    assert [r["where"] for r in listed] == ["By the gate"]


async def test_an_urgent_report_alerts_the_supervisor_manager_and_guards_but_not_the_reporter_nor_residents(cast):
    await cast.report(severity="urgent", kind="fire", place="Car park B2")
    for who in ("lei", "hao", "li", "qiang"):
        assert len(await notes_of(getattr(cast, who), Note.INCIDENT_URGENT)) == 1, who
    assert await notes_of(cast.gang, Note.INCIDENT_URGENT) == []
    assert await notes_of(cast.fang, Note.INCIDENT_URGENT) == []


async def test_a_call_to_119_makes_a_report_urgent_and_a_plain_one_alerts_nobody(cast):
    await cast.report(severity="low", calls=["119"])
    assert len(await notes_of(cast.lei, Note.INCIDENT_URGENT)) == 1
    await cast.report(severity="medium")
    assert len(await notes_of(cast.lei, Note.INCIDENT_URGENT)) == 1


async def test_residents_cannot_report_incidents(cast, client, csrf, sign_in_en):
    await sign_in_en(cast.fang)
    assert (await client.get(f"/e/{cast.estate.slug}/incidents/new")).status_code == 403


# Uploads ------------------------------------------------------------------------------------


async def _post_report(client, csrf, slug, photo: tuple):
    return await post_form(client, csrf, f"/e/{slug}/incidents", {
        "kind": "theft", "severity": "medium", "place": "Bike shed", "description": "Lock cut, bike gone",
        "people": "A man in a red jacket", "calls": "110", "idem_key": uuid4().hex}, files={"photos": photo})


@pytest.mark.parametrize("photo,message", [
    (("shell.jpg", b"<?php system($_GET['c']); ?>", "image/jpeg"), "This file is not a photo"),
    (("big.jpg", b"\xff\xd8\xff\xe0" + b"\0" * (30 * 1024 * 1024), "image/jpeg"), "The photo is too large"),
    (("cut.jpg", jpeg(640, 480)[:1500], "image/jpeg"), "This file is not a photo"),
], ids=["a PHP file renamed .jpg", "a 30 MB image", "a truncated JPEG"])
async def test_a_bad_photo_is_refused_with_a_message_keeping_the_rest_of_the_report(cast, client, csrf, sign_in_en,
                                                                                      photo, message):
    await sign_in_en(cast.gang)
    answer = await _post_report(client, csrf, cast.estate.slug, photo)
    assert answer.status_code == 422
    assert message in answer.text
    assert "Lock cut, bike gone" in answer.text and "A man in a red jacket" in answer.text
    assert re.search(r'value="110"\s+checked', answer.text)
    assert await Incident.count().where(Incident.estate == cast.estate.id) == 0
    assert await Upload.count().where(Upload.estate == cast.estate.id) == 0


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
async def test_a_100_megapixel_claim_in_a_tiny_file_is_refused_before_decoding(cast):
    from PIL import PngImagePlugin  # noqa: F401  (a PNG header claiming a huge canvas)
    bomb = BytesIO()
    Image.new("1", (10000, 10000)).save(bomb, "PNG")
    with pytest.raises(Invalid) as refused:
        await cast.report(photos=[bomb.getvalue()])
    assert refused.value.errors == {"photos": uploads.MESSAGES["too_many_pixels"]}


async def test_a_jpeg_with_gps_tags_comes_back_without_them_and_no_bigger_than_the_limit(cast):
    result = await cast.report(photos=[jpeg(4000, 3000, exif_gps=True)])
    view = await incidents.detail(await cast.scope("lei"), result["incident_id"])
    kept = Image.open(BytesIO(await incidents.photo(await cast.scope("lei"), result["incident_id"], view["photos"][0])))
    assert not kept.getexif() and 0x8825 not in kept.getexif()
    assert "exif" not in kept.info
    assert max(kept.size) <= 2048


async def test_photos_are_kept_outside_the_web_root(cast):
    from app.settings import get_settings

    result = await cast.report(photos=[jpeg()])
    upload = (await incidents.detail(await cast.scope("lei"), result["incident_id"]))["photos"][0]
    path = uploads._path(cast.estate.id, upload)
    assert path.is_file() and get_settings().var_dir in path.parents
    assert "static" not in path.parts


async def test_a_photo_is_served_to_the_estates_guards_and_supervisors_only(cast, client, sign_in_en, make_estate):
    result = await cast.report(photos=[jpeg()])
    upload = (await incidents.detail(await cast.scope("lei"), result["incident_id"]))["photos"][0]
    url = f"/e/{cast.estate.slug}/incidents/{result['incident_id']}/photos/{upload}"
    for who in ("lei", "hao", "gang", "li", "qiang"):
        await sign_in_en(getattr(cast, who))
        photo = await client.get(url)
        assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg", who
        assert "no-store" in photo.headers["cache-control"]
    await sign_in_en(cast.fang)
    assert (await client.get(url)).status_code == 403
    other = await make_estate("Elsewhere")
    outsider = await other.person("Guard Elsewhere", Role.PATROL_GUARD, Role.SUPERVISOR)
    await sign_in_en(outsider)
    assert (await client.get(url)).status_code == 404
    assert (await client.get(f"/e/{other.slug}/incidents/{result['incident_id']}/photos/{upload}")).status_code == 404


async def test_another_incidents_photo_is_not_served_through_this_incident(cast, client, sign_in_en):
    with_photo = await cast.report(photos=[jpeg()])
    without = await cast.report()
    upload = (await incidents.detail(await cast.scope("lei"), with_photo["incident_id"]))["photos"][0]
    await sign_in_en(cast.lei)
    assert (await client.get(f"/e/{cast.estate.slug}/incidents/{without['incident_id']}/photos/{upload}")).status_code == 404


# The supervisor's list, dispatch, acknowledgement, notes, resolution ---------------------------


async def test_another_estates_incidents_are_never_listed_nor_found(cast, make_estate):
    result = await cast.report()
    other = await make_estate("Elsewhere")
    boss = await other.person("Boss Elsewhere", Role.SUPERVISOR)
    scope = await scope_of(other, boss, "Boss Elsewhere")
    assert await incidents.listing(scope, incidents.Filters()) == []
    with pytest.raises(NotFound):
        await incidents.detail(scope, result["incident_id"])
    with pytest.raises(NotFound):
        await incidents.dispatch(scope, result["incident_id"], cast.gang)


async def test_the_list_filters_by_kind_state_severity_and_the_estates_days(cast):
    theft_at, fire_at = last_local(10, 0, days_back=4), last_local(1, 0, days_back=1)  # 01:00 local
    theft = await report_made_at(cast, theft_at, kind="theft", place="A")
    fire = await report_made_at(cast, fire_at, kind="fire", severity="urgent", place="B")
    scope = await cast.scope("lei")
    fire_day = fire_at.astimezone(SHANGHAI).date()

    async def ids(**filters):
        return {str(r["id"]) for r in await incidents.listing(scope, incidents.Filters(**filters))}

    assert await ids() == {theft["incident_id"], fire["incident_id"]}
    assert await ids(kind="fire") == {fire["incident_id"]}
    assert await ids(severity="low") == {theft["incident_id"]}
    assert await ids(first=fire_day.isoformat()) == {fire["incident_id"]}  # the day in Shanghai, not UTC
    assert await ids(last=(fire_day - timedelta(days=1)).isoformat()) == {theft["incident_id"]}
    await incidents.resolve(scope, theft["incident_id"], "Bike found")
    assert await ids(state="resolved") == {theft["incident_id"]}
    assert await ids(state="open") == {fire["incident_id"]}


async def test_the_supervisor_dispatches_a_patrol_guard_who_is_pushed_and_acknowledges_in_the_app(cast):
    result = await cast.report(who="qiang")
    iid = result["incident_id"]
    assert (await incidents.dispatch(await cast.scope("lei"), iid, cast.gang))["dispatched"]
    pushed = await notes_of(cast.gang, Note.INCIDENT_DISPATCHED)
    assert len(pushed) == 1 and pushed[0]["subject"] == iid
    tasks = await incidents.tasks(await cast.scope("gang"))
    assert [str(t["id"]) for t in tasks] == [iid] and tasks[0]["can_acknowledge"]
    assert await incidents.tasks(await cast.scope("li")) == []

    key = uuid4().hex
    assert (await incidents.acknowledge(await cast.scope("gang"), cast.act("gang", key), iid))["acknowledged"]
    assert (await incidents.acknowledge(await cast.scope("gang"), cast.act("gang", key), iid))["acknowledged"]
    row = await Incident.select(Incident.state, Incident.acknowledged_by).where(Incident.id == iid).first()
    assert row == {"state": "acknowledged", "acknowledged_by": cast.gang}
    kinds = [e["kind"] for e in await IncidentEntry.select(IncidentEntry.kind).where(IncidentEntry.incident == iid)
             .order_by(IncidentEntry.at)]
    assert kinds == ["reported", "dispatched", "acknowledged"]


async def test_a_guard_not_sent_cannot_acknowledge_and_only_a_patrol_guard_can_be_sent(cast):
    iid = (await cast.report())["incident_id"]
    await incidents.dispatch(await cast.scope("lei"), iid, cast.gang)
    assert not (await incidents.acknowledge(await cast.scope("li"), cast.act("li"), iid))["acknowledged"]
    with pytest.raises(Invalid):
        await incidents.dispatch(await cast.scope("lei"), iid, cast.qiang)  # a gate guard
    with pytest.raises(Invalid):
        await incidents.dispatch(await cast.scope("lei"), iid, "not-a-person")


async def test_the_guard_acknowledges_from_the_notification(cast):
    iid = (await cast.report())["incident_id"]
    await incidents.dispatch(await cast.scope("lei"), iid, cast.gang)
    note = (await notes_of(cast.gang, Note.INCIDENT_DISPATCHED))[0]
    viewer = (await cast.scope("gang")).viewer
    answer = await notifications.act(viewer, note["id"], "acknowledge", csrf_checked=True)
    assert answer.action == "acknowledge"
    row = await Incident.select(Incident.state).where(Incident.id == iid).first()
    assert row["state"] == "acknowledged"
    with pytest.raises(Invalid):  # already acknowledged: the second tap says so
        await notifications.act(viewer, note["id"], "acknowledge", csrf_checked=True)


async def test_the_push_message_offers_im_on_it_and_names_the_incident_in_the_readers_language(cast):
    from app.services import notification_texts

    iid = (await cast.report(kind="fire", place="Car park B2"))["incident_id"]
    await incidents.dispatch(await cast.scope("lei"), iid, cast.gang)
    note = (await notes_of(cast.gang, Note.INCIDENT_DISPATCHED))[0]
    message = notification_texts.push_message(note, "en")
    assert message["title"] == "Go to: Fire" and "Car park B2" in message["body"]
    assert [a["action"] for a in message["actions"]] == ["acknowledge"]
    assert notification_texts.push_message(note, "zh-Hans")["title"] != message["title"]


async def test_notes_go_on_the_timeline_and_a_resolved_incident_takes_no_more(cast):
    iid = (await cast.report())["incident_id"]
    scope = await cast.scope("lei")
    await incidents.add_note(scope, iid, "Called the owner of the bike")
    with pytest.raises(Invalid):
        await incidents.resolve(scope, iid, "   ")
    assert (await incidents.resolve(scope, iid, "Bike returned"))["resolved"]
    assert not (await incidents.resolve(scope, iid, "Again"))["resolved"]
    with pytest.raises(Invalid):
        await incidents.add_note(scope, iid, "late")
    assert not (await incidents.dispatch(scope, iid, cast.gang))["dispatched"]
    view = await incidents.detail(scope, iid)
    assert [e["kind"] for e in view["timeline"]] == ["reported", "note", "resolved"]
    assert view["incident"]["outcome"] == "Bike returned" and not view["can_dispatch"]


async def test_the_supervisors_pages_list_dispatch_and_resolve_through_forms(cast, client, csrf, sign_in_en):
    iid = (await cast.report(kind="suspicious", place="East fence"))["incident_id"]
    slug = cast.estate.slug
    await sign_in_en(cast.lei)
    listing = await client.get(f"/e/{slug}/incidents?kind=suspicious&state=open")
    assert listing.status_code == 200 and "East fence" in listing.text
    assert "East fence" not in (await client.get(f"/e/{slug}/incidents?kind=fire")).text
    page = await client.get(f"/e/{slug}/incidents/{iid}")
    assert "Zhao Gang" in page.text and "Sun Li" in page.text
    refused = await post_form(client, csrf, f"/e/{slug}/incidents/{iid}/dispatch", {"guard": ""})
    assert refused.status_code == 422 and "Choose a patrol guard" in refused.text
    sent = await post_form(client, csrf, f"/e/{slug}/incidents/{iid}/dispatch", {"guard": str(cast.gang)})
    assert sent.status_code == 303 and "done=dispatched" in sent.headers["location"]
    resolved = await post_form(client, csrf, f"/e/{slug}/incidents/{iid}/resolve", {"outcome": "Nobody there"})
    assert resolved.status_code == 303
    assert (await Incident.select(Incident.state).where(Incident.id == iid).first())["state"] == "resolved"


async def test_the_patrol_guards_home_shows_the_dispatch_and_the_guard_acknowledges_through_the_form(
        cast, client, csrf, sign_in_en):
    iid = (await cast.report(who="qiang", place="North lawn"))["incident_id"]
    await incidents.dispatch(await cast.scope("lei"), iid, cast.gang)
    slug = cast.estate.slug
    await sign_in_en(cast.gang)
    home = await client.get(f"/e/{slug}/")
    assert "Dispatch tasks" in home.text
    tasks = await client.get(f"/e/{slug}/incidents/tasks", headers={"hx-request": "true"})
    assert "North lawn" in tasks.text and "m on it" in tasks.text
    done = await post_form(client, csrf, f"/e/{slug}/incidents/{iid}/acknowledge", {"idem_key": uuid4().hex})
    assert done.status_code == 303 and "done=acknowledged" in done.headers["location"]
    assert "m on it" not in (await client.get(f"/e/{slug}/incidents/tasks", headers={"hx-request": "true"})).text


# The weekly security summary -------------------------------------------------------------------


async def test_the_weekly_summary_counts_this_weeks_incidents_with_charts_and_a_csv_that_runs_no_formulas(
        cast, client, sign_in_en):
    made = last_local(23, 15)
    await report_made_at(cast, made, kind="noise", place="=HYPERLINK(\"http://x\")")
    await report_made_at(cast, made, kind="noise", place="Building 2")
    await report_made_at(cast, made - timedelta(days=8), kind="theft", place="Last week")
    day = made.astimezone(SHANGHAI).date().isoformat()
    slug = cast.estate.slug
    await sign_in_en(cast.lei)
    page = await client.get(f"/e/{slug}/incidents/summary?week={day}")
    assert page.status_code == 200
    assert "2 incidents" in page.text and "<svg" in page.text and "Last week" not in page.text
    assert re.search(r'<th scope="row">23:00</th><td>2</td>', page.text)
    exported = await client.get(f"/e/{slug}/incidents/summary.csv?week={day}")
    assert exported.headers["content-type"].startswith("text/csv")
    lines = exported.text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("reported_at,kind,severity") and len(lines) == 3
    assert "'=HYPERLINK" in exported.text and ",=HYPERLINK" not in exported.text
    await sign_in_en(cast.gang)
    assert (await client.get(f"/e/{slug}/incidents/summary")).status_code == 403


async def test_a_manager_sees_the_list_without_a_report_button_and_a_supervisor_with_one(cast, client, sign_in_en):
    slug = cast.estate.slug
    await sign_in_en(cast.hao)
    assert f"/e/{slug}/incidents/new" not in (await client.get(f"/e/{slug}/incidents")).text
    await sign_in_en(cast.lei)
    assert f"/e/{slug}/incidents/new" in (await client.get(f"/e/{slug}/incidents")).text


async def test_the_handover_lists_incidents_not_resolved_with_the_guard_sent_and_not_another_estates(cast, make_estate):
    open_one = (await cast.report(place="Bike shed"))["incident_id"]
    sent = (await cast.report(kind="suspicious", place="East fence"))["incident_id"]
    await incidents.dispatch(await cast.scope("lei"), sent, cast.gang)
    done = (await cast.report(place="Car park"))["incident_id"]
    await incidents.resolve(await cast.scope("lei"), done, "Nobody there")
    other = await Cast().setup(await make_estate("Other Court"))
    await other.report(place="Their gate")

    items = await incidents.open_for_handover(await estate_ref(cast.estate.id), utcnow())
    assert [(i["kind"], i["title"]) for i in items] == [("incident_open", "Bike shed"),
                                                        ("incident_dispatched", "East fence")]
    assert items[1]["detail"] == "Zhao Gang"
    assert items[0]["href"] == f"/e/{cast.estate.slug}/incidents/{open_one}"
