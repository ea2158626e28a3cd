"""Front desk pages (later issues add the release-slip queue and the shift log here).

The fee status of a unit is kept by the front desk (the admin may set it too): a unit in
arrears cannot have a goods release slip approved until the fees are settled.
"""

from __future__ import annotations

from uuid import UUID

from litestar import Request, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app.domain.roles import Role
from app.routes._util import Form, text
from app.routes.admin_units import unit_page, unit_redirect
from app.services import units
from app.services.errors import Invalid


@post("/e/{estate:str}/units/{unit_id:uuid}/fee", name="unit_fee", opt={"roles": {Role.ADMIN, Role.FRONT_DESK}})
async def unit_fee(request: Request, unit_id: FromPath[UUID], data: Form) -> Template | Redirect:
    try:
        await units.set_fee(request.state.scope, unit_id, text(data, "fee_status"), text(data, "fee_note"))
    except Invalid as exc:
        return await unit_page(request, unit_id, form="fee", errors=exc.errors, values=data, status=422)
    return unit_redirect(request, unit_id, "fee")


HANDLERS: list = [unit_fee]
