"""Watchlist matching: barred people found by ID number, phone or name.

Values are compared in a normal form, so "110105 1990..." matches "110105199...", "+86 139-1234-5678"
matches "13912345678", and names ignore case and spaces. An entry matches when any of its
non-empty fields equals the visitor's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from app.domain import inputs
from zoneinfo import ZoneInfo


def norm_id_number(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "").upper()


def norm_phone(value: str) -> str:
    digits = re.sub(r"\D", "", value or "")
    if len(digits) == 13 and digits.startswith("86"):  # mainland mobile with country code
        digits = digits[2:]
    return digits


def norm_name(value: str) -> str:
    return re.sub(r"\s+", "", value or "").casefold()


def normalised(name: str = "", id_number: str = "", phone: str = "") -> dict[str, str]:
    return {"name": norm_name(name), "id_number": norm_id_number(id_number), "phone": norm_phone(phone)}


# Adding an entry ------------------------------------------------------------------------------
# The front desk types what the barred person is known by: at least one of name, ID number or
# phone, so the entry can ever match; and the reason, so the guard who sees the warning and
# the colleague who later removes the entry know why it was made.

NAME_MAX = 80
ID_NUMBER_MAX = 32
PHONE_MAX = 20
REASON_MAX = 500


@dataclass(frozen=True)
class EntryDraft:
    """An entry ready to store: the name as typed (spaces tidied), ``name_key`` and the other
    fields in normal form, ``until`` the last local day it applies (inclusive), or None for good."""

    name: str
    name_key: str
    id_number: str
    phone: str
    reason: str
    until: date | None


def check_entry(name: str, id_number: str, phone: str, reason: str, until: str, *,
                today: date) -> tuple[EntryDraft | None, dict[str, str]]:
    """The draft and no problems, or None and a problem code per field ("__all__" when none of
    name, ID number and phone is given)."""
    problems: dict[str, str] = {}
    wanted = normalised(name, id_number, phone)
    if not any(wanted.values()):
        problems["__all__"] = "no_identity"
    if len((name or "").strip()) > NAME_MAX:
        problems["name"] = "name_too_long"
    if (id_number or "").strip() and not re.fullmatch(r"[0-9A-Z()]{4,%d}" % ID_NUMBER_MAX, wanted["id_number"]):
        problems["id_number"] = "id_number_invalid"
    if (phone or "").strip() and (
        re.search(r"[^\d\s()+\-.]", phone) or not 5 <= len(wanted["phone"]) <= PHONE_MAX
    ):
        problems["phone"] = "phone_invalid"
    reason = (reason or "").strip()
    if not reason:
        problems["reason"] = "reason_missing"
    elif len(reason) > REASON_MAX:
        problems["reason"] = "reason_too_long"
    day = None
    if (until or "").strip():
        day = inputs.day(until)
        if day is None:
            problems["until"] = "until_invalid"
        elif day < today:
            problems["until"] = "until_past"
    if problems:
        return None, problems
    shown_name = " ".join((name or "").split())
    return EntryDraft(shown_name, wanted["name"], wanted["id_number"], wanted["phone"], reason, day), {}


def end_of_day(day: date, timezone: str) -> datetime:
    """The last second of ``day`` in the estate's time zone: an entry "until 30 November" still
    matches at 23:59:59 that evening and no longer at midnight."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=ZoneInfo(timezone))


def is_active(until: datetime | None, removed_at: datetime | None, *, now: datetime) -> bool:
    """Whether an entry still warns: not removed, and for good or until a moment not yet past."""
    return removed_at is None and (until is None or until >= now)
