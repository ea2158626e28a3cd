"""What any text, date or number that comes in must be before a rule or the database sees it.

The request layer (``app/routes/input.py``) applies ``control_characters`` and ``stripped`` to
every form field, query parameter and path of every request; the rules use ``day``,
``day_between``, ``clamp_day`` and ``whole_number`` to read dates and numbers held to a range
that makes sense for the field. No database, no clock: the caller says what "today" is.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

# C0 controls (NUL among them), DEL and the C1 controls. PostgreSQL refuses NUL in text (the
# request would end in a server error) and SQLite stores it; the others are invisible in a page.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# In a field that may hold several lines (a note, a list of plates), tab and line ends are text.
_CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

# The longest query parameter kept: a search or a filter is never longer; the rest is dropped.
MAX_QUERY_VALUE = 200
# The widest range of days any field accepts before its own rule narrows it (with a message of
# its own): every day Python can add a year to, or take one from, in any time zone.
EARLIEST_DAY = date(2, 1, 1)
LATEST_DAY = date(9998, 12, 31)


def control_characters(value: str) -> bool:
    """Whether ``value`` holds a control character other than tab and line ends."""
    return _CONTROL_BUT_LINES.search(value) is not None


def stripped(value: str, *, lines: bool = True) -> str:
    """``value`` without control characters (tab and line ends kept when ``lines``)."""
    return (_CONTROL_BUT_LINES if lines else _CONTROL).sub("", value)


def query_value(value: str) -> str:
    """A query parameter as a filter reads it: one line, no control characters, not endless."""
    return _CONTROL.sub("", value)[:MAX_QUERY_VALUE]


def day(text: str | None, earliest: date = EARLIEST_DAY, latest: date = LATEST_DAY) -> date | None:
    """A day written ``YYYY-MM-DD`` (ASCII digits only) between ``earliest`` and ``latest``
    (inclusive), else None."""
    text = (text or "").strip()
    if len(text) != 10 or not text.isascii():
        return None
    try:
        found = date.fromisoformat(text)
    except ValueError:
        return None
    return found if earliest <= found <= latest else None


def day_between(found: date, earliest: date, latest: date) -> str | None:
    """Where a parsed day falls against a field's range: ``"early"``, ``"late"`` or None."""
    if found < earliest:
        return "early"
    if found > latest:
        return "late"
    return None


def clamp_day(found: date | None, earliest: date, latest: date) -> date | None:
    """A filter's day held inside its range (None stays None)."""
    if found is None:
        return None
    return min(max(found, earliest), latest)


def whole_number(text: str | None, low: int, high: int) -> int | None:
    """A whole number of ASCII digits between ``low`` and ``high``, else None. ``"²"`` and
    ``"١٢"`` count as digits to ``str.isdigit`` and are refused here."""
    text = (text or "").strip()
    if not text or not text.isascii() or not text.isdigit() or len(text) > 12:
        return None
    number = int(text)
    return number if low <= number <= high else None


def days_around(today: date, *, back: int, ahead: int) -> tuple[date, date]:
    """The range from ``back`` days before ``today`` to ``ahead`` days after it."""
    return today - timedelta(days=back), today + timedelta(days=ahead)
