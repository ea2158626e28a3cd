"""The one place where everything a request brings in is cleaned, before any route sees it.

``input_middleware`` is the app's outermost middleware (``app/asgi.py``), so it covers every
route, also those added later, with no work in the route:

- **the path**: a control character in it (``/p/%00``) answers 404: no link has one;
- **query parameters**: control characters are taken out and each value is cut at
  ``MAX_QUERY_VALUE`` characters (filters and searches: harmless), before Litestar parses them;
- **JSON bodies**: refused with 400 before they are parsed, and before anyone is signed in,
  when larger than ``MAX_JSON_BYTES``, nested deeper than ``MAX_JSON_DEPTH``, or holding an
  escaped control character (``\\u0000``); only the app's own scripts send JSON;
- **forms** (URL-encoded and multipart): parsed here once (Litestar keeps the result for the
  route's ``data``), every text field stripped of control characters but tab and line ends. A
  field that had some is *refused*: the form the route receives is a ``CheckedForm``, which
  raises ``Invalid({field: message})`` when the rules read that field. The route's usual
  ``except Invalid`` then shows the form again with the message beside the field, in the
  person's language, and what they typed kept (without the control characters).

Dates and numbers are held to each field's range by the rules, with ``app/domain/inputs.py``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

from litestar import Request
from litestar.exceptions import ClientException, NotFoundException
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from app import i18n
from app.domain import inputs
from app.i18n import N_
from app.services.errors import Invalid

MAX_JSON_BYTES = 64 * 1024  # a passkey ceremony or a push subscription is a few kilobytes
MAX_JSON_DEPTH = 32  # theirs is 4 deep at most
CONTROL_IN_FIELD = N_("This held characters that cannot be kept (control characters). They are taken out: "
                      "check what is left and send it again.")

_FORM_TYPES = (b"application/x-www-form-urlencoded", b"multipart/form-data")
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_JSON_CONTROL = re.compile(rb"\\u00(?:0[0-8bBcCeEfF]|1[0-9a-fA-F])|\\u007[fF]")


class CheckedForm(dict):
    """A posted form whose fields with control characters are refused when a rule reads them.

    Holds the values without those characters, so a copy (``dict(data)``) or the template
    shows what the person typed. ``refused`` names the fields that had some.
    """

    refused: frozenset[str] = frozenset()

    def _check(self, key: Any) -> None:
        if key in self.refused:
            raise Invalid({key: CONTROL_IN_FIELD})

    def __getitem__(self, key):
        self._check(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self._check(key)
        return super().get(key, default)


def _clean_value(value: Any) -> tuple[Any, bool]:
    if isinstance(value, str):
        return inputs.stripped(value), inputs.control_characters(value)
    if isinstance(value, list):
        cleaned = [_clean_value(v) for v in value]
        return [v for v, _ in cleaned], any(bad for _, bad in cleaned)
    return value, False  # an uploaded file is the rules' to read


def checked_form(form: dict) -> CheckedForm:
    checked = CheckedForm()
    refused = set()
    for name, value in form.items():
        key = inputs.stripped(name, lines=False)
        checked[key], bad = _clean_value(value)
        if bad or key != name:
            refused.add(key)
    checked.refused = frozenset(refused)
    return checked


def _header(scope: Scope, wanted: bytes) -> bytes:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return value
    return b""


def json_depth(body: bytes) -> int:
    """How deeply a JSON text nests arrays and objects (brackets inside strings not counted)."""
    depth = deepest = 0
    for bracket in re.findall(rb"[\[\]{}]", _JSON_STRING.sub(b'""', body)):
        if bracket in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


async def _read_json(scope: Scope, receive: Receive) -> bytes:
    length = _header(scope, b"content-length")
    if length.isdigit() and int(length) > MAX_JSON_BYTES:
        raise ClientException("JSON body too large")
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_JSON_BYTES:
            raise ClientException("JSON body too large")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    if json_depth(body) > MAX_JSON_DEPTH:
        raise ClientException("JSON body nested too deeply")
    if _JSON_CONTROL.search(body):
        raise ClientException("JSON body holds a control character")
    return body


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


def _clean_query(scope: Scope) -> None:
    raw = scope.get("query_string", b"")
    if not raw:
        return
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="replace")
    cleaned = [(inputs.query_value(k), inputs.query_value(v)) for k, v in pairs]
    if cleaned != pairs:
        scope["query_string"] = urlencode(cleaned).encode("ascii")


def _set_language(scope: Scope) -> None:
    """The language of a refusal made before the session is read (cookie or browser)."""
    from app.routes.middleware import LANGUAGE_COOKIE, _cookies

    i18n.set_language(i18n.pick_language(None, _cookies(scope).get(LANGUAGE_COOKIE),
                                         _header(scope, b"accept-language").decode("latin-1")))


def input_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        path = scope.get("path", "")
        if inputs.control_characters(path) or "\n" in path or "\r" in path or "\t" in path:
            _set_language(scope)
            raise NotFoundException()
        _clean_query(scope)
        content_type = _header(scope, b"content-type").split(b";")[0].strip().lower()
        if content_type == b"application/json" or content_type.endswith(b"+json"):
            try:
                body = await _read_json(scope, receive)
            except ClientException:
                _set_language(scope)
                raise
            receive = _replay(body, receive)
        elif content_type in _FORM_TYPES and scope.get("method") in ("POST", "PUT", "PATCH", "DELETE"):
            request: Request = Request(scope, receive)
            form = await request.form()  # Litestar keeps the parsed form in the scope's state
            state = ScopeState.from_scope(scope)
            parsed = state.form if isinstance(state.form, dict) else dict(form)
            state.form = checked_form(parsed)
        await app(scope, receive, send)

    return middleware
