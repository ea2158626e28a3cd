"""Residents' requests and lost and found in the demo estate: a request in every state (one
done four days ago and not followed up, so the desk's list shows an overdue follow-up), and
found items at the desk with a lost report that matches one of them, and one unclaimed long
enough to be listed for disposal. Made once, when the estate has no requests yet."""

from __future__ import annotations

from datetime import timedelta

from app.models.desk_requests import LostFoundRecord, ResidentRequest
from app.models.estates import Estate, Unit
from app.services import audit
from app.services.clock import utcnow

# kind, unit, who, state, text, team, hours ago raised, what was done
REQUESTS = (
    ("repair", "5-2-1301", "Wang Fang", "new", "Bathroom ceiling light flickers. 卫生间吸顶灯闪烁。", "", 1, ""),
    ("visitor_complaint", "3-1-0902", "Liu Yang", "new",
     "My courier waited 20 minutes at the north gate. 快递员在北门等了 20 分钟。", "", 3, ""),
    ("enquiry", "5-2-1301", "Wang Xiaoming", "assigned", "When is the pool open in winter? 冬季泳池开放时间？",
     "management", 20, ""),
    ("repair", "3-1-0902", "Tang Wei", "in_progress", "Water stain on the living-room wall. 客厅墙面有水渍。",
     "maintenance", 30, ""),
    ("complaint", "5-2-1301", "Wang Fang", "done", "Rubbish left by the lift on floor 13. 13 楼电梯旁有垃圾。",
     "cleaning", 100, "Cleared and the floor mopped. 已清理并拖地。"),
    ("repair", "3-1-0902", "Liu Yang", "done", "Door closer of the entrance is broken. 单元门闭门器坏了。",
     "maintenance", 30, "Door closer replaced. 已更换闭门器。"),
    ("repair", "5-2-1301", "Wang Fang", "followed_up", "Kitchen tap leaks. 厨房水龙头漏水。", "maintenance", 200,
     "Washer replaced. 已更换垫圈。"),
)

# side, category, description, place, hours ago, found by / contact, kept at
RECORDS = (
    ("found", "keys", "Two keys on a blue lanyard 蓝色挂绳上两把钥匙", "Building 3 lobby 3号楼大堂", 5, "Cleaner Xu 保洁徐阿姨",
     "Lobby cabinet, shelf 1 大堂柜第1层"),
    ("found", "umbrella", "Black folding umbrella 黑色折叠伞", "Gym 健身房", 30, "Zhao Gang", "Lobby cabinet, shelf 2"),
    ("found", "clothing", "Child's red jacket 儿童红色外套", "Playground 儿童乐园", 24 * 100, "Zhao Gang",
     "Storeroom box 3 储物间3号箱"),
    ("lost", "keys", "Blue lanyard with two keys 蓝色挂绳钥匙", "Building 3 lobby 3号楼大堂", 8, "", ""),
)


async def load(estate: Estate, cast: dict) -> None:
    if await ResidentRequest.exists().where(ResidentRequest.estate == estate.id):
        return
    now = utcnow()
    units = {u["label"]: u["id"] for u in await Unit.select(Unit.id, Unit.label).where(Unit.estate == estate.id)}
    for kind, unit, who, state, text, team, hours, work in REQUESTS:
        created = now - timedelta(hours=hours)
        done_at = None
        if state in ("done", "followed_up"):
            done_at = created + timedelta(hours=4) if hours < 72 else now - timedelta(days=4)
        request = ResidentRequest(
            estate=estate.id, unit=units[unit], kind=kind, text=text, state=state, raised_by=cast[who],
            resident_name=who, channel="app", created_at=created, team=team,
            assigned_at=created + timedelta(hours=1) if team else None,
            started_at=created + timedelta(hours=2) if state in ("in_progress", "done", "followed_up") else None,
            work_note=work, done_at=done_at, done_by=cast["Chen Jing"] if done_at else None,
        )
        if state == "followed_up":
            request.followed_up_at, request.followed_up_by = done_at + timedelta(days=1), cast[who]
            request.follow_up_channel, request.resolved, request.satisfaction = "notification", True, "satisfied"
        await request.save()
        await audit.record("request.raised", actor=cast[who], estate=estate.id, subject=request.id, kind=kind)
    for side, category, description, place, hours, by, kept in RECORDS:
        record = LostFoundRecord(
            estate=estate.id, side=side, category=category, description=description, place=place,
            happened_at=now - timedelta(hours=hours), state="open", created_by=cast["Chen Jing"],
            found_by=by if side == "found" else "", kept_at=kept,
            unit=units["3-1-0902"] if side == "lost" else None, reporter=cast["Liu Yang"] if side == "lost" else None,
        )
        await record.save()
