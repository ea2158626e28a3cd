"""What every template may call: translations, static URLs with cache-busting, the bottom
navigation, language names, and times shown in the estate's time zone.

These are presentation helpers of the routes layer; templates themselves decide nothing.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from jinja2 import Environment, pass_context, pass_eval_context
from jinja2.nodes import EvalContext
from jinja2.runtime import Context
from markupsafe import Markup, escape

from app import i18n
from app.domain.masking import mask_id_number, mask_phone
from app.domain.roles import Role
from app.i18n import N_
from app.routes.access import GUARD_ROLES
from app.routes.middleware import mark_unmasked
from app.services import clock

STATIC = Path(__file__).resolve().parent.parent / "static"


@lru_cache(maxsize=1)
def static_version() -> str:
    """A digest of every static file: changes whenever any of them does (and with it the SW cache)."""
    digest = hashlib.sha256()
    for path in sorted(STATIC.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(STATIC)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def static_url(path: str) -> str:
    return f"/static/{path}?v={static_version()}"


def static_files() -> list[str]:
    return sorted(
        str(p.relative_to(STATIC)) for p in STATIC.rglob("*")
        if p.is_file() and p.name not in ("LICENSE", "VERSION") and not p.name.endswith(".md")
    )


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str
    icon: str
    badge: int = 0  # e.g. unread notifications
    unread: bool = False  # the badge is the unread count, live (_partials/unread_badge.html)


ROLE_NAMES = {
    Role.GATE_GUARD: N_("Gate guard"),
    Role.PATROL_GUARD: N_("Patrol guard"),
    Role.RESIDENT: N_("Resident"),
    Role.FRONT_DESK: N_("Front desk"),
    Role.SUPERVISOR: N_("Supervisor"),
    Role.MANAGER: N_("Manager"),
    Role.ADMIN: N_("Admin"),
}

RELATION_NAMES = {"owner": N_("Owner"), "tenant": N_("Tenant"), "family": N_("Family member")}


def role_name(role: Role | str) -> str:
    return i18n.gettext(ROLE_NAMES[Role(role)])


def relation_name(relation: str) -> str:
    return i18n.gettext(RELATION_NAMES.get(relation, relation))


def nav_items(request) -> list[NavItem]:
    """The bottom bar: home, the person's main areas in this estate (at most ``NAV_AREAS``, in
    the order of their roles), notifications, account. Only pages that exist appear."""
    viewer = request.user if "user" in request.scope else None
    if viewer is None:
        return []
    scope = getattr(request.state, "scope", None)
    app = request.app
    items: list[NavItem] = []
    if scope is not None:
        slug = scope.estate.slug
        items.append(NavItem(i18n.gettext("Home"), app.route_reverse("estate_home", estate=slug), "home"))
        areas: dict[str, NavItem] = {}
        for roles, label, route, icon in NAV_AREAS:
            if route not in areas and scope.has(*roles):
                areas[route] = NavItem(i18n.gettext(label), app.route_reverse(route, estate=slug), icon)
        items.extend(list(areas.values())[:MAX_NAV_AREAS])
    else:
        items.append(NavItem(i18n.gettext("Home"), app.route_reverse("root"), "home"))
    items.append(NavItem(i18n.gettext("Notifications"), app.route_reverse("notification_list"), "bell",
                         badge=getattr(viewer, "unread", 0), unread=True))
    items.append(NavItem(i18n.gettext("Account"), app.route_reverse("account"), "account"))
    return items


def live_stream_url(request) -> str:
    """Where a page's live regions hear of changes (routes/live.py): the person's stream in this
    estate, or outside any (their unread count); '' for nobody signed in."""
    if request.scope.get("user") is None:
        return ""
    scope = getattr(request.state, "scope", None)
    if scope is not None:
        return request.app.route_reverse("live_estate_stream", estate=scope.estate.slug)
    return request.app.route_reverse("live_stream")


# (roles, label, route, icon): a role's main areas, most used first. The bar has room for
# home, three areas, notifications and account; the rest are on the home page.
NAV_AREAS = (
    ({Role.GATE_GUARD}, N_("Scan"), "gate_scanner", "scan"),
    ({Role.GATE_GUARD}, N_("On site"), "onsite", "onsite"),
    ({Role.PATROL_GUARD}, N_("Patrol"), "patrol_home", "scan"),
    ({Role.PATROL_GUARD}, N_("Escorts"), "escort_list", "escort"),
    ({Role.RESIDENT}, N_("Invitations"), "invitation_list", "ticket"),
    ({Role.RESIDENT}, N_("Goods"), "release_list", "slip"),
    ({Role.FRONT_DESK}, N_("Slips"), "desk_queue", "slip"),
    ({Role.MANAGER, Role.SUPERVISOR}, N_("Decisions"), "escalation_list", "decide"),
    ({Role.SUPERVISOR}, N_("Approvals"), "slip_approvals", "slip"),
    ({Role.FRONT_DESK}, N_("Lobby"), "lobby", "lobby"),
    ({Role.ADMIN}, N_("Estate"), "admin_estate", "building"),
    ({Role.ADMIN, Role.FRONT_DESK}, N_("People"), "people_list", "people"),
    ({Role.MANAGER, Role.SUPERVISOR}, N_("On site"), "onsite", "onsite"),
)
MAX_NAV_AREAS = 3




# Whose actions go through the phone's outbox: guards, and whoever keeps the duty log (the lobby's
# tablet loses its Wi-Fi too).
OUTBOX_ROLES = GUARD_ROLES | {Role.FRONT_DESK, Role.SUPERVISOR}


def outbox_strip(request) -> dict | None:
    """The outbox strip's settings on this page, or None where it has no place: shown to guards
    and the duty log's other keepers, and to anyone signed out (actions may wait on this phone
    for its guard to sign in again). Supervisors and managers may clear another guard's waiting
    actions from a shared phone."""
    viewer = request.scope.get("user")
    if viewer is None:
        return {"clear_others": False}
    if not viewer.holds_anywhere(OUTBOX_ROLES):
        return None
    return {"clear_others": viewer.holds_anywhere({Role.SUPERVISOR, Role.MANAGER})}


COMMON_TIMEZONES = ("Asia/Shanghai", "Asia/Hong_Kong", "Asia/Macau", "Asia/Taipei", "Asia/Singapore",
                    "Asia/Kuala_Lumpur", "Asia/Tokyo", "Asia/Seoul")


def timezone_options(selected: str) -> Markup:
    """The <option>s of a time-zone select, common zones first. Six hundred options cost
    milliseconds to render, so each selection's list is rendered once per language and kept."""
    return _timezone_options(selected, i18n.current_language())


@lru_cache(maxsize=64)
def _timezone_options(selected: str, language: str) -> Markup:
    from app.services.estates import timezones

    def option(tz: str) -> str:
        mark = " selected" if tz == selected else ""
        return f'<option value="{escape(tz)}"{mark}>{escape(tz)}</option>'

    common = "".join(option(tz) for tz in COMMON_TIMEZONES)
    rest = "".join(option(tz) for tz in timezones() if tz not in COMMON_TIMEZONES)
    common_label, all_label = escape(i18n.gettext("Common")), escape(i18n.gettext("All time zones"))
    return Markup(f'<optgroup label="{common_label}">{common}</optgroup>'
                  f'<optgroup label="{all_label}">{rest}</optgroup>')


def epoch_ms(value: datetime | None = None) -> int:
    """A moment (by default the server's now) in milliseconds since 1970, as a script reads time."""
    return int((value or clock.utcnow()).timestamp() * 1000)


def local_time(value: datetime | None, tz: str = "Asia/Shanghai", fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(tz)).strftime(fmt)


# ``_``, ``gettext`` and ``ngettext`` as Jinja's i18n extension makes them with newstyle=True:
# the message is looked up, marked safe where the template escapes, and always %-formatted with
# the named variables (escaped). The extension's own go through two context calls and a name
# lookup per message; a verdict shows a dozen messages, a scan two verdicts.
@pass_eval_context
def template_gettext(eval_ctx: EvalContext, message: str, **variables) -> str:
    text = i18n.translations(i18n.current_language()).gettext(message)
    return (Markup(text) if eval_ctx.autoescape else text) % variables


@pass_eval_context
def template_ngettext(eval_ctx: EvalContext, singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    text = i18n.translations(i18n.current_language()).ngettext(singular, plural, num)
    return (Markup(text) if eval_ctx.autoescape else text) % variables


def remembered_url_for(limit: int = 4096):
    """Litestar's ``url_for`` for one app's templates, remembering each path it makes: a route's
    path for given parameters never changes while the app runs, and working it out again cost
    a tenth of a verdict's rendering."""
    paths: dict[tuple, str] = {}

    def url_for(context: Mapping[str, Any], /, route_name: str, **path_parameters: Any) -> str:
        key = (route_name, *path_parameters.items())
        path = paths.get(key)
        if path is None:
            if len(paths) >= limit:
                paths.clear()
            path = paths[key] = context["request"].app.route_reverse(route_name, **path_parameters)
        return path

    return url_for


_DICT_ATTRIBUTES = frozenset(dir(dict))


class Templates(Environment):
    """Jinja's environment, reading ``row.name`` of a dict row (every database row is one) in one
    step. Jinja tries the attribute first and, when it fails, the key: on a list of a couple of
    hundred rows that failed lookup was most of the page's time. A plain dict has no attribute
    but its methods, so the result is the same: the key's value, or undefined."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


def isoformat(value: datetime | None) -> str:
    return value.isoformat() if value is not None else ""


def template_filters() -> dict:
    """Filters for what a long list formats on every row: Jinja calls a filter directly, where a
    global function goes through the context's ``call`` (several times the cost of the work on a
    list of a couple of hundred rows). ``{{ at | local_time(tz, "%H:%M") }}``, ``{{ at | iso }}``."""
    return {"local_time": local_time, "iso": isoformat}


def template_globals() -> dict:
    return {
        "_": template_gettext,
        "gettext": template_gettext,
        "ngettext": template_ngettext,
        "static_url": static_url,
        "nav_items": nav_items,
        "outbox_strip": outbox_strip,
        "live_stream_url": live_stream_url,
        "role_name": role_name,
        "relation_name": relation_name,
        "local_time": local_time,
        "epoch_ms": epoch_ms,
        "timezone_options": timezone_options,
        "current_language": i18n.current_language,
        "language_names": i18n.LANGUAGE_NAMES,
        "t": i18n.gettext_in,
        "new_key": new_key,
        "mask_phone": mask_phone,
        "mask_id_number": mask_id_number,
        "unmasked": unmasked,
    }


@pass_context
def unmasked(context: Context, value: str | None) -> str:
    """An ID number or a phone shown in full, where a role needs it (a staff record, the form
    that takes it). Everywhere else they go through ``mask_phone`` and ``mask_id_number``
    (tests/unit/test_personal_data_in_templates.py reads every template for it). The page is
    sent ``Cache-Control: no-store``, so no browser, proxy or service worker keeps a copy
    (a guard's phone keeps the blank registration form for use with no signal)."""
    request = context.get("request")
    if request is not None and value:  # an empty field shows nothing: the blank form may be kept
        mark_unmasked(request.scope)
    return value or ""


def new_key() -> str:
    """An idempotency key for a guard action's form, for a browser without the outbox: the outbox
    (static/js/outbox.js) makes its own on the phone for every action."""
    return uuid.uuid4().hex
