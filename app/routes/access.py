"""Who may use each route, declared beside the route and enforced here, in one place.

Every handler carries ``opt={"roles": ...}``:

- ``PUBLIC``: anyone, signed in or not (sign-in, enrolment links, the PWA files);
- ``SIGNED_IN``: any signed-in person (their own account);
- a set of ``Role``: on a route with an ``{estate}`` path parameter, the person must hold one
  of them *in that estate*; elsewhere, in some estate.

A person who holds no role in the estate named in the path gets 404, exactly as if the estate
did not exist; a person of the estate without the right role gets 403. A route without a
declaration is refused with 500 and fails the authorisation-matrix test.
"""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from app.domain.roles import Role
from app.services.scope import Viewer, scope_in

PUBLIC = "public"
# Beside the roles: a page a guard needs with no signal (the service worker keeps a copy), for
# everyone allowed on it, or (a set of roles) for those holding one of them in the estate.
OFFLINE = {"offline": True}
GUARD_ROLES = frozenset({Role.GATE_GUARD, Role.PATROL_GUARD})


def kept_offline(handler, state: dict) -> bool:
    """Whether the service worker should keep this page for use with no signal."""
    wanted = handler.opt.get("offline") if handler is not None else None
    if not wanted:
        return False
    if wanted is True:
        return True
    scope = state.get("scope")
    return scope is not None and bool(scope.roles & wanted)
SIGNED_IN = "signed_in"
ANY_ROLE = frozenset(Role)


class UndeclaredAccess(RuntimeError):
    pass


def is_automatic_options(handler: BaseRouteHandler) -> bool:
    """Litestar answers OPTIONS for every path by itself; those answers reveal nothing."""
    return getattr(handler, "http_methods", None) == {"OPTIONS"} and "roles" not in handler.opt


def declared_roles(handler: BaseRouteHandler):
    if is_automatic_options(handler):
        return PUBLIC
    roles = handler.opt.get("roles")
    if roles is None:
        raise UndeclaredAccess(f"route {handler.handler_name!r} declares no roles")
    return roles


async def access_guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    roles = declared_roles(handler)
    if roles == PUBLIC:
        return
    viewer: Viewer | None = connection.scope.get("user")
    if viewer is None:
        raise NotAuthorizedException()
    if roles == SIGNED_IN:
        return
    roles = frozenset(roles)
    slug = connection.path_params.get("estate")
    if slug is None:
        if not viewer.holds_anywhere(roles):
            raise PermissionDeniedException()
        return
    scope = scope_in(viewer, slug)  # NotFound for an estate the person has no part in
    connection.state.scope = scope
    if not scope.roles & roles:
        raise PermissionDeniedException()
