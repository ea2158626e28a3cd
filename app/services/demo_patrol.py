"""Patrol in the demo estate: nine checkpoints with their checklists, a night route walked in
order and an around-the-clock route, and the last twelve hours of rounds (most done on time,
one late, one missed), so ``make run`` shows the guard's next round and the supervisor's board
at once. Made once, when the estate has no checkpoints yet."""

from __future__ import annotations

import random
from datetime import time, timedelta
from uuid import UUID

from app.domain import patrol as rules
from app.models.estates import Estate
from app.models.patrol import Checkpoint, CheckIn, PatrolRound, PatrolRoute, RouteStop
from app.services.clock import utcnow

CHECKPOINTS = (
    ("Building 3 stairwell B1", "Building 3, basement level 1", "stairwell_door"),
    ("Building 5 stairwell B1", "Building 5, basement level 1", "stairwell_door"),
    ("Building 7 stairwell B1", "Building 7, basement level 1", "stairwell_door"),
    ("Pump room", "Building 5, basement level 2", "pump_room"),
    ("Transformer room", "East side, beside the car park ramp", "transformer_room"),
    ("Bike shed", "Between buildings 3 and 5", "bike_shed"),
    ("North-east corner", "Perimeter wall behind building 7", "perimeter"),
    ("Car park B1", "Underground car park, level 1", "car_park"),
    ("Central garden", "The bamboo grove by the pond", "garden"),
)
# name, ordered, every (minutes), shift from, until, checkpoints (by index)
ROUTES = (
    ("Basements and plant rooms", True, 60, "00:00", "00:00", (0, 1, 2, 3, 4, 7)),
    ("Grounds and perimeter", False, 120, "18:00", "06:00", (5, 6, 8)),
)


async def load(estate: Estate, cast: dict[str, UUID]) -> None:
    """``cast``: the demo people by name (Zhao Gang patrols)."""
    if await Checkpoint.exists().where(Checkpoint.estate == estate.id):
        return
    rng = random.Random(20261207)
    now = utcnow()
    made = now - timedelta(hours=12)
    ids = []
    for name, place, kind in CHECKPOINTS:
        row = Checkpoint(estate=estate.id, name=name, place=place, kind=kind, created_at=made,
                         checklist="\n".join(rules.DEFAULT_CHECKLISTS[rules.CheckpointKind(kind)]))
        await row.save()
        ids.append(row.id)
    guard = cast["Zhao Gang"]
    for name, ordered, every, start, until, stops in ROUTES:
        route = PatrolRoute(estate=estate.id, name=name, ordered=ordered, every_minutes=every, shift_from=start,
                            shift_until=until, created_at=made)
        await route.save()
        await RouteStop.insert(*[RouteStop(route=route.id, checkpoint=ids[i], position=n) for n, i in enumerate(stops)])
        h, m = (int(x) for x in start.split(":"))
        hu, mu = (int(x) for x in until.split(":"))
        schedule = rules.Schedule(timedelta(minutes=every), time(h, m), time(hu, mu), estate.timezone)
        past = [s for s in rules.slots(schedule, made, now) if s.deadline < now]
        for index, slot in enumerate(past):
            if index == len(past) - 3:  # one missed
                continue
            late = index == len(past) - 5
            started = slot.at + timedelta(minutes=rng.randint(18, 30) if late else rng.randint(0, 8))
            walked = PatrolRound(estate=estate.id, route=route.id, guard=guard, slot_at=slot.at, state="done",
                                 started_at=started, finished_at=started + timedelta(minutes=5 * len(stops)),
                                 checkpoints=len(stops))
            await walked.save()
            for n, i in enumerate(stops):
                questions = rules.DEFAULT_CHECKLISTS[rules.CheckpointKind(CHECKPOINTS[i][2])]
                answers = ["yes"] * len(questions)
                checked = started + timedelta(minutes=5 * n + rng.randint(0, 3))
                await CheckIn(estate=estate.id, round=walked.id, checkpoint=ids[i], guard=guard, device_time=checked,
                              checked_at=checked, received_at=checked, answers="\n".join(answers),
                              questions="\n".join(questions)).save()
