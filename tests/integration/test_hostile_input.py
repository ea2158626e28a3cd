"""Bad input never becomes a server error: every form and query parameter of every route, sent
hostile values by a person allowed on the route.

Nothing here lists routes or fields by hand, so a route added later is tried the moment it exists:

- routes come from the router (as the authorisation matrix reads them);
- a route's query parameters come from what its handler declares, and from the fields of the
  ``<form method="get">`` that the templates point at it;
- a posted route's fields come from every ``<input>``, ``<select>`` and ``<textarea>`` in the
  templates and every field name the routes and rules read (``text(data, "name")``,
  ``form.get("name")`` ...): a route that parses its form by hand still gets all of them;
- string path parameters (links' tokens, file paths) get hostile values too.

Each request fills every field with a plausible value (read from the templates: a date for a
date input, an option of a select ...) and then replaces a few, drawn by hypothesis, with hostile
ones: control characters and NUL, very long strings, emoji and combining marks, dates at the ends
of the calendar, numbers out of range, malformed UUIDs. The assertion: no 5xx, and afterwards
every page still renders for every person (nothing was stored that a page cannot show).
"""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from app.domain.roles import Relation, Role
from app.models.estates import Estate, Unit
from app.services import people
from app.services.people import NewPerson
from app.routes.access import PUBLIC, SIGNED_IN, declared_roles
from tests.integration.streams import holding
from tests.integration.test_access_matrix import ROUTES, UNSAFE, fill, world  # noqa: F401 (fixture)

APP = Path(__file__).resolve().parents[2] / "app"
EXAMPLES = 4  # hostile requests per route and method (each one fills every field)

# What every request sends besides its fields; the CSRF token is added for unsafe methods.
NOT_FIELDS = {"_csrf_token"}
# Parameters of a handler that are not read from the query string.
NOT_QUERY = {"request", "data", "state", "scope", "headers", "cookies", "socket", "body"}

# --- the fields, read from the templates and the code -------------------------------------------

_TAG = re.compile(r"<(input|select|textarea)\b([^>]*)>", re.S)
_WITH = re.compile(r"\{%-?\s*with\s+(.*?)-?%\}", re.S)  # a field drawn by _partials/field.html
_ATTR = re.compile(r'([a-zA-Z_:-]+)="([^"]*)"')
_OPTION = re.compile(r'<option\b[^>]*value="([^"{]+)"')
_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
_ROUTE_NAME = re.compile(r"url_for\('([a-z_]+)'")
_READ = re.compile(r"""(?:text|many|_field|_many|_text|get|getall|_file)\(\s*(?:data|form|values|v|fields)\s*,\s*["']([a-z_]+)["']"""
                   r"""|(?:data|form|values)\.get\(\s*["']([a-z_]+)["']"""
                   r"""|(?:data|form)\[\s*["']([a-z_]+)["']\s*\]""")


def _controls(source: str):
    """Each form control of a template: its tag, attributes and where it ends."""
    for match in _TAG.finditer(source):
        yield match.group(1), dict(_ATTR.findall(match.group(2))), match.end()
    for match in _WITH.finditer(source):
        attrs = dict(_ATTR.findall(match.group(1)))
        if "name" in attrs:
            yield ("select" if "options" in match.group(1) else "input"), attrs, match.end()


def _plausible(tag: str, attrs: dict, body: str) -> str:
    kind = attrs.get("type", "text")
    value = attrs.get("value", "")
    if tag == "select":
        options = _OPTION.findall(body)
        return next((o for o in options if o), "")
    if "{" in value:
        value = ""
    later = any(word in attrs.get("name", "") for word in ("end", "last", "until"))
    if kind == "date":
        return (date.today() + timedelta(days=3 if later else 1)).isoformat()
    if kind == "time":
        return "18:00" if later else "10:00"
    if kind == "number":
        return attrs.get("min", "1") if "{" not in attrs.get("min", "{") else "1"
    if kind == "tel":
        return "13800138000"
    if kind in ("checkbox", "radio"):
        return value or "on"
    return value or "Test 1"


def _template_fields() -> tuple[dict[str, str], dict[str, set[str]], dict[str, set[str]], dict[str, str]]:
    """Every field name in the templates with a plausible value and its input type, and the
    fields of each GET and each POST form by the route it is sent to."""
    plausible: dict[str, str] = {}
    kinds: dict[str, str] = {}
    get_forms: dict[str, set[str]] = {}
    post_forms: dict[str, set[str]] = {}
    for path in sorted((APP / "templates").rglob("*.html")):
        source = path.read_text()
        for tag, attrs, end in _controls(source):
            name = attrs.get("name", "")
            if not name or "{" in name or name in NOT_FIELDS:
                continue
            body = source[end:end + 4000].split("</select>", 1)[0] if tag == "select" else ""
            value = _plausible(tag, attrs, body)
            kinds.setdefault(name, attrs.get("type", tag))
            if name not in plausible or (not plausible[name] and value):
                plausible[name] = value
        for form in _FORM.finditer(source):
            forms = get_forms if 'method="get"' in form.group(1) else post_forms
            names = {attrs.get("name", "") for _, attrs, _ in _controls(form.group(2))}
            for route in _ROUTE_NAME.findall(form.group(1)):
                forms.setdefault(route, set()).update(n for n in names if n and "{" not in n and n not in NOT_FIELDS)
    return plausible, get_forms, post_forms, kinds


def _code_fields() -> set[str]:
    """Field names that the routes and the rules read from a form."""
    names: set[str] = set()
    for folder in ("routes", "domain", "services"):
        for path in (APP / folder).glob("*.py"):
            for groups in _READ.findall(path.read_text()):
                names.update(g for g in groups if g)
    return names


PLAUSIBLE, GET_FORMS, POST_FORMS, KINDS = _template_fields()
FIELDS = sorted((set(PLAUSIBLE) | _code_fields()) - NOT_FIELDS)

# --- hostile values -------------------------------------------------------------------------------

CONTROL = st.characters(min_codepoint=0, max_codepoint=31) | st.sampled_from(["\x7f", "\x85", "\u2028", "\ufeff"])
HOSTILE = st.one_of(
    st.sampled_from([
        "\x00", "Ann\x00e", "%00", "\x00" * 3, "a\r\nb", "\t", " ",
        "0001-01-01", "9999-12-31", "0000-00-00", "10000-01-01", "2024-02-30", "-0001-01-01",
        "23:60", "24:00", "99:99", "-1", "0", "1e309", "NaN", "-9223372036854775809",
        "99999999999999999999999999", "²", "١٢", "٠", "𝟗", "1_000",
        "not-a-uuid", "00000000-0000-0000-0000-00000000000g", str(uuid.UUID(int=0)),
        "x" * 5000, "名" * 3000, "👩‍👩‍👧‍👦" * 200, "e" + "\u0301" * 500, "\u202eevil", "<script>",
        "{{ 7*7 }}", "'; drop table person; --", "../../etc/passwd", "http://169.254.169.254/",
    ]),
    st.text(CONTROL, min_size=1, max_size=5).map(lambda c: f"ab{c}cd"),
    st.text(max_size=40),
    st.integers().map(str),
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat),
)


# Beside the drawn values, what every field and query parameter is tried with, one at a time,
# and what each kind of input is tried with besides.
CLASSICS = ["Ann\x00e", "\x1b[2J\x07", "x" * 3000]
EDGES = {
    "date": ["0001-01-01", "9999-12-31", "\x00", "2024-13-01"],
    "time": ["23:60", "\x00", "24:00"],
    "number": ["-1", "99999999999999999999", "²", "1e309"],
}


def _draw(strategy, count: int) -> list:
    """``count`` values of a strategy, the same on every run (drawn by hypothesis, outside the
    async test, which hypothesis cannot drive)."""
    drawn: list = []

    @settings(max_examples=count, database=None, derandomize=True, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), deadline=None)
    @given(strategy)
    def collect(value):
        drawn.append(value)

    collect()
    return drawn[:count]


POOL: list[str] = []  # hostile values to take from, field by field (drawn once, below)
DRAWN: list = []


def _requests_for(names: list[str], count: int, seed: int) -> list[dict[str, str]]:
    """``count`` requests with hostile values for a few of ``names`` each, and one with every
    name hostile. Taken from values hypothesis drew once for the whole run (``seed`` picks
    which), as hypothesis cannot drive the async test itself."""
    if not names:
        return []
    chosen = [{names[i % len(names)]: value for i, value in DRAWN[(seed * count + j) % len(DRAWN)]}
              for j in range(count)]
    everyone = {name: POOL[(seed + i) % len(POOL)] for i, name in enumerate(names)}
    return [*chosen, everyone]


POOL.extend(_draw(HOSTILE, 150))
DRAWN = _draw(st.lists(st.tuples(st.integers(0, 10_000), HOSTILE), min_size=1, max_size=6), 150)

# --- who asks -------------------------------------------------------------------------------------


def _asker(handler, w):
    roles = declared_roles(handler)
    if roles == PUBLIC:
        return None
    if roles == SIGNED_IN:
        return w.people[Role.GATE_GUARD]
    return w.people[sorted(roles, key=lambda r: list(Role).index(r))[0]]


def _query_names(handler, path: str) -> list[str]:
    declared = set(handler.parsed_fn_signature.parameters) - NOT_QUERY - set(re.findall(r"{(\w+)", path))
    return sorted(declared | GET_FORMS.get(handler.name or "", set()))


def _string_path_params(path: str) -> list[str]:
    return [name for name, kind in re.findall(r"{(\w+):(\w+)}", path) if kind in ("str", "path") and name != "estate"]


def _plausible_form(counter: list[int]) -> dict[str, str]:
    counter[0] += 1
    values = {name: PLAUSIBLE.get(name, "Test 1") for name in FIELDS}
    values["idem_key"] = str(uuid.uuid4())  # a guard action's key: a new action each time
    values.pop("device_time", None)
    return values


class Tally:
    def __init__(self):
        self.requests = 0
        self.failures: list[str] = []

    def check(self, status: int, what: str) -> None:
        self.requests += 1
        if status >= 500:
            self.failures.append(f"{status} {what}")


async def _send(app, client, token, method: str, url: str, handler, form: dict | None):
    headers = {"accept": "text/html"}
    if handler.opt.get("stream"):
        async with holding(app, url, dict(client.cookies), accept="text/html") as stream:
            return stream.status
    if method in UNSAFE:
        headers["x-csrftoken"] = token
        response = await client.request(method, url, headers=headers, data=form or {}, follow_redirects=False)
    else:
        response = await client.request(method, url, headers=headers, follow_redirects=False)
    return response.status_code


async def _another_resident(slug: str):
    estate = await Estate.select(Estate.id).where(Estate.slug == slug).first()
    unit = await Unit.select(Unit.id).where((Unit.estate == estate["id"]) & (Unit.label == "1-1-0102")).first()
    return await people.create(estate["id"], NewPerson(name="Target of A", phone="", roles=(Role.RESIDENT,),
                                                       unit_id=unit["id"], relation=Relation.OWNER), actor=None)


def _singles(names: list[str]) -> list[dict[str, str]]:
    """Each name alone hostile (the others plausible): the classics, its kind's edges, one drawn."""
    return [{name: value} for i, name in enumerate(names)
            for value in CLASSICS + EDGES.get(KINDS.get(name, ""), []) + [POOL[(7 * i) % len(POOL)]]]


def _short(value: dict) -> str:
    return repr({k: (v[:30] + "…" if len(v) > 30 else v) for k, v in value.items()})


@pytest.mark.parametrize("area", ["estate", "elsewhere"])
async def test_hostile_values_in_every_field_never_answer_5xx_nor_break_a_page(area, app, client, csrf, sign_in,
                                                                                world):  # noqa: F811
    # Pages first, then changes (which may sign people out or take them out of their household);
    # and the people the staff's forms change are others than those who ask.
    routes = sorted((p.values for p in ROUTES if ("{estate" in p.values[0]) == (area == "estate")),
                    key=lambda r: r[1] in UNSAFE)
    target = await _another_resident(world.slug)
    ids = {**world.ids, "person_id": str(target)}
    tally = Tally()
    counter = [0]
    for seed, (path, method, handler) in enumerate(routes):
        asker = _asker(handler, world)
        if asker is None:
            client.cookies.clear()
        else:
            await sign_in(asker)
        token = await csrf() if method in UNSAFE else ""
        base = fill(path, ids)
        # hostile query parameters (declared by the handler or its GET form)
        names = _query_names(handler, path)
        queries = _singles(names) + _requests_for(names, EXAMPLES, seed)
        for query in queries:
            url = base + "?" + "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in query.items())
            status = await _send(app, client, token, method, url, handler, _plausible_form(counter))
            tally.check(status, f"{method} {path} query {_short(query)}")
        # hostile string path parameters (tokens, file paths)
        for name in _string_path_params(path):
            for value in POOL[:EXAMPLES * 2]:
                url = fill(path, {**ids, name: quote(value, safe="")})
                status = await _send(app, client, token, method, url, handler, _plausible_form(counter))
                tally.check(status, f"{method} {path} {name}={value[:30]!r}")
        # hostile form fields: its own form's fields one at a time, all the others a few at a time
        if method in UNSAFE:
            own = sorted(POST_FORMS.get(handler.name or "", set()))
            for hostile in _singles(own) + _requests_for(FIELDS, EXAMPLES, seed):
                form = {**_plausible_form(counter), **hostile}
                status = await _send(app, client, token, method, base, handler, form)
                tally.check(status, f"{method} {path} form {_short(hostile)}")
    # what was stored renders: every page, for everyone allowed on it
    for path, method, handler in [p.values for p in ROUTES]:
        if method != "GET" or handler.opt.get("stream"):
            continue
        roles = declared_roles(handler)
        for role, person in [(None, None), *world.people.items()]:
            if roles == PUBLIC and role is not None or roles != PUBLIC and (role is None or role not in roles
                                                                             and roles != SIGNED_IN):
                continue
            if person is None:
                client.cookies.clear()
            else:
                await sign_in(person)
            status = await _send(app, client, "", method, fill(path, ids), handler, None)
            tally.check(status, f"GET {path} afterwards")
    print(f"\nhostile input ({area}): {tally.requests} requests, {len(tally.failures)} answered 5xx")
    assert tally.failures == [], "\n".join(tally.failures[:40])


def test_the_test_finds_fields_and_query_parameters():
    """The field reader still reads: the invitation form's guest name, the history's dates."""
    assert {"guest_name", "date", "start", "party_size"} <= set(FIELDS)
    assert {"guest_name", "date", "first_day"} <= POST_FORMS["invitation_create"]
    history = next(p.values[2] for p in ROUTES if p.values[0].endswith("/history"))
    assert {"since", "until"} <= set(_query_names(history, "/e/{estate:str}/history"))
