"""Translations: Babel catalogues for Simplified Chinese and English, read once at start.

The language of the request in hand lives in a context variable, set by the middleware from
the person's choice, then a cookie, then the browser's Accept-Language. Services mark
messages with ``N_`` (extracted, not translated); templates and error pages translate them
when they render, in the language of the person looking.
"""

from __future__ import annotations

import gettext as _gettext
from contextvars import ContextVar
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

HERE = Path(__file__).parent
DOMAIN = "messages"
# Our language codes as they appear in URLs, cookies and the person's record.
LANGUAGES = {"zh-Hans": "zh_Hans", "en": "en"}
DEFAULT_LANGUAGE = "zh-Hans"
LANGUAGE_NAMES = {"zh-Hans": "简体中文", "en": "English"}

_current: ContextVar[str] = ContextVar("language", default=DEFAULT_LANGUAGE)
_catalogues: dict[str, _gettext.NullTranslations] = {}


def _load(language: str) -> _gettext.NullTranslations:
    po = HERE / LANGUAGES[language] / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.exists():
        return _gettext.NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=LANGUAGES[language])
    buf = BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return _gettext.GNUTranslations(buf)


def translations(language: str) -> _gettext.NullTranslations:
    if language not in _catalogues:
        _catalogues[language] = _load(language)
    return _catalogues[language]


def set_language(language: str) -> None:
    _current.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)


def current_language() -> str:
    return _current.get()


def gettext(message: str, **variables) -> str:
    text = translations(_current.get()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables) -> str:
    text = translations(_current.get()).ngettext(singular, plural, n)
    variables.setdefault("num", n)
    return text % variables


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated later, where it is shown."""
    return message


# Primary language subtags read as Chinese: zh itself, and Mandarin or Cantonese written as such.
_CHINESE = {"zh", "cmn", "yue"}


def pick_language(chosen: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The person's choice, else the cookie, else the best match in Accept-Language.

    Only the primary subtag matters (zh-TW and zh-Hans-CN both read Chinese, and Simplified is
    all we offer); a tag we do not know is passed over, never an error: the header is the
    browser's to write.
    """
    for candidate in (chosen, cookie):
        if candidate in LANGUAGES:
            return candidate  # type: ignore[return-value]
    for tag in _parse_accept_language(accept_language or ""):
        primary = tag.replace("_", "-").split("-", 1)[0].lower()
        if primary in _CHINESE:
            return "zh-Hans"
        if primary == "en":
            return "en"
    return DEFAULT_LANGUAGE


def _parse_accept_language(header: str) -> list[str]:
    """Tags best first: by q-value, then in the browser's order; q=0 means "not this one"."""
    weighted = []
    for i, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip()
        if not tag or tag == "*":
            continue
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if q > 0:
            weighted.append((-q, i, tag))
    return [tag for _, _, tag in sorted(weighted)]


def gettext_in(language: str, message: str) -> str:
    """A message in a given language, whatever the request's: for pages shown in both."""
    return translations(language).gettext(message)
