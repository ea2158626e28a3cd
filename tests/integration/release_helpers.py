"""A small estate for goods release tests, and slips made as their requesters make them."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from io import BytesIO
from time import sleep
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from app.domain.calendar import Calendar
from app.domain.roles import Relation, Role
from app.domain.tokens import Kind as CodeKind
from app.models.estates import Gate
from app.services import codes, idempotency, release_slips
from app.services.clock import utcnow
from app.services.release_slips import ItemRow, SlipForm
from tests.integration.test_walkins import scope_of

ZONE = ZoneInfo("Asia/Shanghai")
# Tests that need a release window around now, started this close to the estate's midnight,
# wait for the new day.
LAST_MINUTES = timedelta(minutes=3)


def working_day_ahead(days: int = 5):
    """A weekday at least ``days`` working days from today (no holidays in test estates)."""
    today = utcnow().astimezone(ZONE).date()
    return Calendar().add_working_days(today, days)


def jpeg(width: int = 64, height: int = 48, exif_gps: bool = False) -> bytes:
    from PIL import Image

    picture = Image.new("RGB", (width, height), (200, 120, 40))
    out = BytesIO()
    if exif_gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        exif.get_ifd(0x8825)[2] = (31.0, 14.0, 0.0)  # GPSLatitude
        picture.save(out, "JPEG", exif=exif)
    else:
        picture.save(out, "JPEG")
    return out.getvalue()


class ReleaseCast:
    """Harbour-like estate: Wang Fang owns 1-1-0101 (Wang Xiaoming, family, lives there too;
    Lin Tao is a second owner); Liu Yang rents 1-1-0102 from its owner Huang Li; Chen Jing at the
    front desk, Wu Lei supervising, Li Qiang and Zhao Gang on two gates."""

    async def setup(self, estate):
        self.estate = estate
        p = estate.person
        self.fang = await p("Wang Fang", Role.RESIDENT, unit="1-1-0101", relation=Relation.OWNER)
        self.ming = await p("Wang Xiaoming", Role.RESIDENT, unit="1-1-0101", relation=Relation.FAMILY)
        self.lin = await p("Lin Tao", Role.RESIDENT, unit="1-1-0101", relation=Relation.OWNER)
        self.liu = await p("Liu Yang", Role.RESIDENT, unit="1-1-0102", relation=Relation.TENANT)
        self.huang = await p("Huang Li", Role.RESIDENT, unit="1-1-0102", relation=Relation.OWNER)
        self.other = await p("Guo Bo", Role.RESIDENT, unit="2-1-0101", relation=Relation.OWNER)
        self.chen = await p("Chen Jing", Role.FRONT_DESK)
        self.wu = await p("Wu Lei", Role.SUPERVISOR)
        self.li = await p("Li Qiang", Role.GATE_GUARD)
        self.zhao = await p("Zhao Gang", Role.GATE_GUARD)
        names = {"fang": "Wang Fang", "ming": "Wang Xiaoming", "lin": "Lin Tao", "liu": "Liu Yang",
                 "huang": "Huang Li", "other": "Guo Bo", "chen": "Chen Jing", "wu": "Wu Lei", "li": "Li Qiang",
                 "zhao": "Zhao Gang"}
        self.scopes = {k: await scope_of(estate, getattr(self, k), n) for k, n in names.items()}
        self.gates = await Gate.select(Gate.id, Gate.name).where(Gate.estate == estate.id)
        if len(self.gates) < 2:
            second = Gate(estate=estate.id, name="South Gate")
            await second.save()
            self.gates.append({"id": second.id, "name": "South Gate"})
        return self

    def act(self, who: str, key: str | None = None):
        return idempotency.action(getattr(self, who), key or uuid4().hex, utcnow().isoformat())

    def form(self, *, day=None, start: str = "09:00", end: str = "12:00", items=None, **text) -> SlipForm:
        day = day or working_day_ahead()
        base = {"reason": "repair", "carrier_name": "Zhao Lei", "carrier_id_type": "resident_id",
                "carrier_id_number": "110105199003071234", "carrier_phone": "13912345678", "vehicle_plate": "沪A12345"}
        contractor = text.pop("contractor", False)
        proof = text.pop("proof", None)
        unit = text.pop("unit", "")
        member = text.pop("member", "")
        rows = items if items is not None else [ItemRow("Sofa", "1", True), ItemRow("Boxes", "4", False)]
        return SlipForm(text={**base, **text}, date=day.isoformat(), start=start, end=end, items=rows,
                        contractor=contractor, proof=proof, unit=unit, member=member)

    async def submit(self, who: str = "fang", **changes) -> dict:
        return await release_slips.save(self.scopes[who], self.form(**changes), submit=True)

    async def token(self, slip_id) -> str:
        return await codes.sign(self.estate.id, CodeKind.RELEASE_SLIP, UUID(str(slip_id)))


def window_now(hours_before: int = 1, hours_after: int = 2):
    """A window around now (for the gate), as local date and HH:MM (may straddle midnight:
    callers that need one day use times within today)."""
    now = utcnow().astimezone(ZONE)
    left = datetime.combine(now.date() + timedelta(days=1), time(0, 0), tzinfo=ZONE) - now
    if left < LAST_MINUTES:  # a window kept within today would end before the test is through
        sleep(left.total_seconds() + 1)
        now = utcnow().astimezone(ZONE)
    start = (now - timedelta(hours=hours_before))
    end = (now + timedelta(hours=hours_after))
    if start.date() != now.date():
        start = datetime.combine(now.date(), time(0, 0), tzinfo=ZONE)
    if end.date() != now.date():
        end = datetime.combine(now.date(), time(23, 59), tzinfo=ZONE)
    return now.date(), start.strftime("%H:%M"), end.strftime("%H:%M")
