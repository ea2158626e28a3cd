"""Disclosing visitor records: what a request must say, which records it matches, and the
extract exactly as it is handed over.

Police and state security may see visitor records only on showing their documents; staff hand
records to no one else. A manager records who asked (the authority, the officer and badge, the
case, the document shown) and what for (a person by name, phone or ID number, a unit, a range
of days), and the extract holds the matching records and nothing else. A resident may ask the
front desk to check their own household's visitors: the same record, of kind ``resident``,
limited to that household's units, with phones and ID numbers masked.

A record matches when it falls inside the days asked for, at the unit asked for (if one), and,
if a person was asked for, is that person by any of the identifiers given: a name (case and
spaces ignored, contained in the visitor's name), a phone or an ID number (equal in normal form,
as the watchlist compares them). No database, no clock: ``today`` is an argument.
"""

from __future__ import annotations

import csv
import enum
import hashlib
import io
from dataclasses import dataclass
from datetime import date

from app.domain import inputs
from app.domain.masking import mask_id_number, mask_phone
from app.domain.watchlist import norm_id_number, norm_name, norm_phone
from app.i18n import N_


class Kind(str, enum.Enum):
    AUTHORITY = "authority"
    RESIDENT = "resident"


class Authority(str, enum.Enum):
    POLICE = "police"
    STATE_SECURITY = "state_security"
    COURT = "court"
    OTHER = "other"


AUTHORITY_NAMES = {
    Authority.POLICE.value: N_("Police (public security)"),
    Authority.STATE_SECURITY.value: N_("State security"),
    Authority.COURT.value: N_("Court"),
    Authority.OTHER.value: N_("Other authority"),
}
KIND_NAMES = {Kind.AUTHORITY.value: N_("Disclosure to an authority"), Kind.RESIDENT.value: N_("Resident look-up")}

# How far back a request may reach (records are kept 3 years by default; some estates longer).
MAX_YEARS_BACK = 10
MAX_SPAN_DAYS = 3 * 366

MESSAGES = {
    "authority_missing": N_("Choose who is asking."),
    "authority_name_missing": N_("Write the name of the authority."),
    "officer_missing": N_("Write the officer's name."),
    "badge_missing": N_("Write the officer's badge (warrant card) number."),
    "case_missing": N_("Write the case reference on their document."),
    "document_missing": N_("Write which document they showed."),
    "photo_missing": N_("Take a photo of the document they showed."),
    "since_missing": N_("Choose the first day asked for."),
    "until_missing": N_("Choose the last day asked for."),
    "day_invalid": N_("Write the day as YYYY-MM-DD."),
    "day_too_early": N_("Too far back: records are not kept that long."),
    "day_in_future": N_("This day is still to come."),
    "until_before_since": N_("The last day cannot be before the first."),
    "span_too_long": N_("At most three years at a time."),
    "unit_unknown": N_("There is no unit with this number here."),
    "too_long": N_("This is too long."),
    "resident_missing": N_("Choose the resident who asked."),
    "unit_missing": N_("Write the resident's unit."),
    "identified_missing": N_("Write how the resident was identified (e.g. resident card, face known to the desk)."),
}

LIMITS = {"authority_name": 80, "officer_name": 80, "officer_badge": 40, "case_reference": 80, "document": 200,
          "asked_name": 80, "asked_phone": 32, "asked_id_number": 32, "handed_over": 1000, "unit": 32}


@dataclass
class Request:
    """What was asked for, as typed."""

    kind: str = Kind.AUTHORITY.value
    authority: str = ""
    authority_name: str = ""
    officer_name: str = ""
    officer_badge: str = ""
    case_reference: str = ""
    document: str = ""
    asked_name: str = ""
    asked_phone: str = ""
    asked_id_number: str = ""
    unit: str = ""
    since: str = ""
    until: str = ""
    handed_over: str = ""
    resident: str = ""


@dataclass(frozen=True)
class Days:
    first: date
    last: date


def check(req: Request, *, today: date, has_photo: bool) -> tuple[dict[str, str], Days | None]:
    """Problems by field (codes of ``MESSAGES``), and the days asked for when they are good."""
    problems: dict[str, str] = {}
    for field, limit in LIMITS.items():
        if len(getattr(req, field).strip()) > limit:
            problems[field] = "too_long"
    if req.kind == Kind.AUTHORITY.value:
        if req.authority not in AUTHORITY_NAMES:
            problems["authority"] = "authority_missing"
        elif req.authority == Authority.OTHER.value and not req.authority_name.strip():
            problems["authority_name"] = "authority_name_missing"
        for field, code in (("officer_name", "officer_missing"), ("officer_badge", "badge_missing"),
                            ("case_reference", "case_missing"), ("document", "document_missing")):
            if not getattr(req, field).strip():
                problems.setdefault(field, code)
        if not has_photo:
            problems["document_photo"] = "photo_missing"
    else:
        if not req.resident.strip():
            problems["resident"] = "resident_missing"
        if not req.document.strip():
            problems.setdefault("document", "identified_missing")
    earliest = date(today.year - MAX_YEARS_BACK, 1, 1)
    found = {}
    for field in ("since", "until"):
        text = getattr(req, field).strip()
        if not text:
            problems[field] = f"{field}_missing"
            continue
        day = inputs.day(text)
        if day is None:
            problems[field] = "day_invalid"
            continue
        where = inputs.day_between(day, earliest, today)
        if where:
            problems[field] = "day_too_early" if where == "early" else "day_in_future"
            continue
        found[field] = day
    if "since" in found and "until" in found:
        if found["until"] < found["since"]:
            problems["until"] = "until_before_since"
        elif (found["until"] - found["since"]).days >= MAX_SPAN_DAYS:
            problems["until"] = "span_too_long"
    if problems or len(found) < 2:
        return problems, None
    return problems, Days(found["since"], found["until"])


# Matching ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """A person asked for, in normal form (empty fields ask nothing)."""

    name: str = ""
    phone: str = ""
    id_number: str = ""

    @classmethod
    def asked(cls, name: str, phone: str, id_number: str) -> "Person":
        return cls(norm_name(name), norm_phone(phone), norm_id_number(id_number))

    def __bool__(self) -> bool:
        return bool(self.name or self.phone or self.id_number)


def is_the_person(asked: Person, *, name: str, phone: str, id_number: str) -> bool:
    """Whether a record's visitor is the person asked for, by any identifier given."""
    if not asked:
        return True
    if asked.name and asked.name in norm_name(name):
        return True
    if asked.phone and asked.phone == norm_phone(phone):
        return True
    return bool(asked.id_number and asked.id_number == norm_id_number(id_number))


# The extract ---------------------------------------------------------------------------------

# Its columns, in order, with their headings (translated in the language of the person who
# makes it: the heading row is part of what is handed over).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("record", N_("Record")),
    ("source", N_("How they came")),
    ("visitor", N_("Visitor")),
    ("phone", N_("Phone")),
    ("id_type", N_("ID type")),
    ("id_number", N_("ID number")),
    ("unit", N_("Unit")),
    ("purpose", N_("Purpose")),
    ("party_size", N_("People")),
    ("vehicle", N_("Vehicle")),
    ("arrived", N_("Arrived")),
    ("entry_gate", N_("Entry gate")),
    ("admitted_by", N_("Admitted by")),
    ("left", N_("Left")),
    ("exit_gate", N_("Exit gate")),
    ("outcome", N_("Outcome")),
)
KEYS = tuple(key for key, _ in COLUMNS)


def masked(row: dict[str, str]) -> dict[str, str]:
    """A row as a resident may see it: phones and ID numbers masked."""
    return {**row, "phone": mask_phone(row.get("phone", "")), "id_number": mask_id_number(row.get("id_number", ""))}


_FORMULA_START = ("=", "@", "\t", "\r")


def cell(value: object) -> str:
    """A value as a spreadsheet cell that a spreadsheet will not run: a leading ``=``, ``@``, or
    a ``+``/``-`` not followed by a number, gets an apostrophe (a phone ``+86 139...`` stays)."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    if text[:1] in ("+", "-") and not text[1:].replace(" ", "").replace("-", "").isdigit():
        return "'" + text
    return text


def to_csv(headings: list[str], rows: list[dict[str, str]]) -> str:
    """The extract as CSV text: a byte-order mark (so spreadsheets read Chinese as UTF-8), the
    headings, then one line per record in ``KEYS`` order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([cell(h) for h in headings])
    for row in rows:
        writer.writerow([cell(row.get(key, "")) for key in KEYS])
    return "\ufeff" + out.getvalue()


def read_csv(text: str) -> list[list[str]]:
    """The stored CSV's lines as cells (headings first), for showing it again as it was."""
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()

