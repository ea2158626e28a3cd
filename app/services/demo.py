"""The demo estate "Harbour View": three buildings, sixty units, two gates, a lobby desk,
households of owners, tenants and family, and one person for every role.

Loading is idempotent: run twice, the data stays and every demo person gets a fresh link.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.domain.roles import Relation, Role
from app.domain import invitations as invite_rules
from app.models.estates import Building, Estate, Gate, LobbyDesk, Unit
from app.models.visitors import Visit, VisitorPass
from app.services import demo_duty, demo_patrol, demo_releases, demo_requests, enrolment, invitations, people
from app.services.errors import NotFound
from app.services.clock import utcnow
from app.services.people import NewPerson

SLUG = "harbour-view"
NAME = "Harbour View 海景苑"
BUILDINGS = ("3", "5", "7")
ENTRANCES = ("1", "2")
FLOORS = (9, 10, 11, 12, 13)
ROOMS = ("01", "02")

# name, roles, (unit label, relation) for residents
CAST: tuple[tuple[str, tuple[Role, ...], tuple[str, Relation] | None], ...] = (
    ("Zhou Min", (Role.ADMIN,), None),
    ("Sun Hao", (Role.MANAGER,), None),
    ("Wu Lei", (Role.SUPERVISOR,), None),
    ("Chen Jing", (Role.FRONT_DESK,), None),
    ("Li Qiang", (Role.GATE_GUARD,), None),
    ("Zhao Gang", (Role.PATROL_GUARD,), None),
    ("Wang Fang", (Role.RESIDENT,), ("5-2-1301", Relation.OWNER)),
    ("Wang Xiaoming", (Role.RESIDENT,), ("5-2-1301", Relation.FAMILY)),
    ("Liu Yang", (Role.RESIDENT,), ("3-1-0902", Relation.TENANT)),
    ("Tang Wei", (Role.RESIDENT,), ("3-1-0902", Relation.OWNER)),  # Liu Yang's landlord
)

SURNAMES = ("Zhang", "Huang", "Lin", "He", "Guo", "Ma", "Luo", "Liang", "Song", "Zheng", "Xie", "Han",
            "Tang", "Feng", "Yu", "Dong", "Xiao", "Cheng", "Cao", "Yuan")
GIVEN = ("Wei", "Jun", "Li", "Na", "Jie", "Tao", "Xin", "Ying", "Bo", "Hui", "Ping", "Yan", "Qing", "Lan")

RULES = (
    "Visitors register at the gate and show their pass. Keep to the paths; no smoking in lobbies. "
    "Renovation noise is not allowed 20:00–08:00.\n"
    "访客请在门岗登记并出示通行码。请走人行道，大堂内禁止吸烟。20:00–08:00 禁止装修噪音。"
)


@dataclass(frozen=True)
class DemoLink:
    name: str
    roles: tuple[Role, ...]
    unit: str
    url: str


async def load() -> list[DemoLink]:
    estate = await Estate.objects().where(Estate.slug == SLUG).first()
    if estate is None:
        estate = await _create_estate()
    cast = await _cast(estate)
    await _invitations(estate)
    await demo_releases.load(estate, cast)
    await demo_duty.load(estate, cast)
    await demo_patrol.load(estate, cast)
    await demo_requests.load(estate, cast)
    links = []
    for name, roles, home in CAST:
        person_id = cast[name]
        issued = await enrolment.issue_by_operator(SLUG, person_id)
        links.append(DemoLink(name=name, roles=roles, unit=home[0] if home else "", url=issued.url))
    return links


async def _cast(estate: Estate) -> dict:
    """The demo people by name; one added to the cast since the estate was made is made now."""
    found = {}
    for name, roles, home in CAST:
        try:
            found[name], _ = await people.find_in_estate(SLUG, name)
        except NotFound:
            unit = await Unit.select(Unit.id).where((Unit.estate == estate.id) & (Unit.label == home[0])).first() \
                if home else None
            found[name] = await people.create(estate.id, NewPerson(
                name=name, roles=roles, unit_id=unit["id"] if unit else None, relation=home[1] if home else None),
                actor=None)
    return found


async def _create_estate() -> Estate:
    estate = Estate(name=NAME, slug=SLUG, timezone="Asia/Shanghai", visitor_rules=RULES)
    await estate.save()
    rng = random.Random(20261123)  # the same demo every time
    units: dict[str, Unit] = {}
    for code in BUILDINGS:
        building = Building(estate=estate.id, code=code, name="")
        await building.save()
        for entrance in ENTRANCES:
            for floor in FLOORS:
                for room in ROOMS:
                    label = f"{code}-{entrance}-{floor:02d}{room}"
                    arrears = rng.random() < 0.1
                    unit = Unit(
                        estate=estate.id, building=building.id, label=label,
                        fee_status="arrears" if arrears else "paid",
                        fee_note="Property fee for Q3 unpaid" if arrears else "",
                    )
                    units[label] = unit
        await Unit.insert(*[u for u in units.values() if u.building == building.id])
    for gate in ("North Gate 北门", "South Gate 南门"):
        await Gate(estate=estate.id, name=gate).save()
    await LobbyDesk(estate=estate.id, name="Main Lobby 大堂").save()

    for name, roles, home in CAST:
        unit_id, relation = (units[home[0]].id, home[1]) if home else (None, None)
        await people.create(
            estate.id, NewPerson(name=name, roles=roles, unit_id=unit_id, relation=relation), actor=None
        )
    # Other households: an owner in most units, some with a tenant or family.
    taken = {home[0] for _, _, home in CAST if home}
    for label, unit in units.items():
        if label in taken or rng.random() < 0.3:
            continue
        owner = f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}"
        phone = f"139{rng.randrange(10**8):08d}"
        await people.create(
            estate.id, NewPerson(name=owner, phone=phone, roles=(Role.RESIDENT,), unit_id=unit.id,
                                 relation=Relation.OWNER), actor=None,
        )
        if rng.random() < 0.25:
            await people.create(
                estate.id, NewPerson(name=f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}", roles=(Role.RESIDENT,),
                                     unit_id=unit.id, relation=Relation.TENANT), actor=None,
            )
    return estate




async def _invitations(estate: Estate) -> None:
    """Wang Fang's passes for 5-2-1301: a guest today, a repair tomorrow, a recurring pass for
    the domestic help, and yesterday's delivery that came and went. Made once, when the
    household has no passes yet."""
    unit = await Unit.select(Unit.id).where((Unit.estate == estate.id) & (Unit.label == "5-2-1301")).first()
    if unit is None or await VisitorPass.exists().where(VisitorPass.unit == unit["id"]):
        return
    host, _ = await people.find_in_estate(SLUG, "Wang Fang")
    guard, _ = await people.find_in_estate(SLUG, "Li Qiang")
    gate = await Gate.select(Gate.id).where((Gate.estate == estate.id) & (Gate.name == "North Gate 北门")).first()
    tz = estate.timezone
    today = utcnow().astimezone(ZoneInfo(tz)).date()

    def at(day, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(tz))

    def visitor_pass(**fields) -> VisitorPass:
        return invitations.pass_row(estate=estate.id, unit=unit["id"], host=host, **fields)

    yesterday, tomorrow = today - timedelta(days=1), today + timedelta(days=1)
    delivered = visitor_pass(guest_name="Huang Bo", purpose="delivery", starts_at=at(yesterday, 14),
                             ends_at=at(yesterday, 18), entries=1)
    passes = [
        visitor_pass(guest_name="Zhang Wei", purpose="family_friend", party_size=2, starts_at=at(today, 0),
                     ends_at=at(today, 23, 59) + timedelta(seconds=59)),
        visitor_pass(guest_name="Li Na", purpose="repair", guest_phone="13700001234", vehicle_plate="粤B3K721",
                     starts_at=at(tomorrow, 9), ends_at=at(tomorrow, 12)),
        visitor_pass(guest_name="Chen Ayi", purpose="domestic_help", guest_phone="13600005678", max_entries=None,
                     starts_at=at(today, 8), ends_at=at(invite_rules.add_months(today, 3), 18),
                     weekdays="0,1,2,3,4", daily_start="08:00", daily_end="18:00"),
        delivered,
    ]
    await VisitorPass.insert(*passes)
    await Visit.insert(Visit(
        estate=estate.id, unit=unit["id"], visitor_pass=delivered.id, guest_name="Huang Bo", purpose="delivery",
        entered_at=at(yesterday, 15, 10), exited_at=at(yesterday, 15, 40), entry_gate=gate["id"],
        exit_gate=gate["id"], admitted_by=guard, exited_by=guard,
    ))
