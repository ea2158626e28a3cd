"""Watchlist matching: barred people found by ID number, phone or name.

Values are compared in a normal form, so "110105 1990..." matches "110105199...", "+86 139-1234-5678"
matches "13912345678", and names ignore case and spaces. An entry matches when any of its
non-empty fields equals the visitor's.
"""

from __future__ import annotations

import re


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
