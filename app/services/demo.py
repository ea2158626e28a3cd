"""The demo estate "Harbour View": three buildings, sixty units, two gates, a lobby desk,
households of owners, tenants and family, and one person for every role.

Loading is idempotent: run twice, the data stays and every demo person gets a fresh link.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from app.domain.roles import Relation, Role
from app.models.estates import Building, Estate, Gate, LobbyDesk, Unit
from app.services import enrolment, people
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
    links = []
    for name, roles, home in CAST:
        person_id, _ = await people.find_in_estate(SLUG, name)
        issued = await enrolment.issue_by_operator(SLUG, person_id)
        links.append(DemoLink(name=name, roles=roles, unit=home[0] if home else "", url=issued.url))
    return links


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


