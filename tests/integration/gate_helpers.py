"""Passes made directly in the database, and the gate's forms posted as the scanner page does."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import datetime, timedelta

from app.domain.tokens import Kind as CodeKind
from app.models.estates import Gate
from app.models.visitors import VisitorPass
from app.services import codes, invitations
from app.services.clock import utcnow

VERDICT = re.compile(r'data-verdict="([a-z_]+)"')


async def make_pass(estate, unit: str = "1-1-0101", *, name: str = "Zhang Wei", phone: str = "",
                    starts: datetime | None = None, ends: datetime | None = None, max_entries: int | None = 1,
                    host=None, **fields) -> tuple[VisitorPass, str]:
    now = utcnow()
    row = invitations.pass_row(
        estate=estate.id, unit=estate.units[unit].id, host=host, guest_name=name, guest_phone=phone,
        purpose="family_friend", party_size=fields.pop("party_size", 2), vehicle_plate=fields.pop("vehicle_plate", "沪A12345"),
        max_entries=max_entries, starts_at=starts or now - timedelta(hours=1), ends_at=ends or now + timedelta(hours=2),
        **fields,
    )
    await row.save()
    return row, await codes.sign(estate.id, CodeKind.VISITOR_PASS, row.id)


async def gate_id(estate) -> str:
    row = await Gate.select(Gate.id).where(Gate.estate == estate.id).first()
    return str(row["id"])


class GateClient:
    """The scanner page's requests, as htmx sends them."""

    def __init__(self, client, csrf, estate):
        self.client, self.csrf, self.estate = client, csrf, estate
        self._token = ""
        self._fetching = asyncio.Lock()

    async def _post(self, path: str, data: dict):
        # One token per page, as the browser has: requests sent together must not each fetch
        # a new one (each fetch may set a new CSRF cookie under the others).
        async with self._fetching:
            if not self._token or "gp_csrf" not in self.client.cookies:
                self._token = await self.csrf()
        headers = {"hx-request": "true", "x-csrftoken": self._token}
        return await self.client.post(f"/e/{self.estate.slug}{path}", data=data, headers=headers,
                                      follow_redirects=False)

    async def verify(self, token: str):
        return await self._post("/gate/verify", {"token": token})

    async def admit(self, token: str, key: str | None = None, gate: str = ""):
        return await self._post("/gate/admit", {"token": token, "gate": gate or await gate_id(self.estate),
                                                "idem_key": key or uuid.uuid4().hex,
                                                "device_time": utcnow().isoformat()})

    async def exit(self, token: str, key: str | None = None):
        return await self._post("/gate/exit", {"token": token, "gate": await gate_id(self.estate),
                                               "idem_key": key or uuid.uuid4().hex})


def verdict(response) -> str:
    assert response.status_code == 200, response.text[:500]
    found = VERDICT.search(response.text)
    assert found, response.text[:1000]
    return found.group(1)
