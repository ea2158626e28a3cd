"""Personal data shown masked: ID numbers and phone numbers reveal only their ends.

``110***********1234`` for an 18-character ID number, ``139****5678`` for a mobile number.
The full value is shown only where a role needs it at that moment (the registration form,
a record's detail for staff); everywhere else goes through these functions.
"""

from __future__ import annotations


def mask_id_number(value: str) -> str:
    value = (value or "").strip()
    if len(value) <= 4:
        return "*" * len(value)
    keep_start = 3 if len(value) >= 10 else 1
    return value[:keep_start] + "*" * (len(value) - keep_start - 4) + value[-4:]


def mask_phone(value: str) -> str:
    value = (value or "").strip()
    digits = value.lstrip("+")
    prefix = value[: len(value) - len(digits)]
    if len(digits) <= 4:
        return prefix + "*" * len(digits)
    keep_start = 3 if len(digits) >= 7 else 1
    return prefix + digits[:keep_start] + "*" * (len(digits) - keep_start - 4) + digits[-4:]
