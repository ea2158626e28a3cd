"""Unit labels such as ``5-2-1301`` (building 5, entrance 2, room 1301), fee status, and the
units CSV an admin imports."""

from __future__ import annotations

import csv
import enum
import re
from dataclasses import dataclass

_LABEL = re.compile(r"^\s*([0-9A-Za-z]{1,8})-([0-9A-Za-z]{1,4})-([0-9A-Za-z]{1,8})\s*$")


@dataclass(frozen=True)
class UnitLabel:
    building: str
    entrance: str
    room: str

    def __str__(self) -> str:
        return f"{self.building}-{self.entrance}-{self.room}"


def parse_unit_label(text: str) -> UnitLabel | None:
    """Parse ``building-entrance-room``; ``None`` when the text is not such a label."""
    match = _LABEL.match(text or "")
    if not match:
        return None
    building, entrance, room = match.groups()
    return UnitLabel(building.upper(), entrance.upper(), room.upper())


class FeeStatus(str, enum.Enum):
    """A unit's fees as the front desk records them: arrears block goods release approval."""

    PAID = "paid"
    ARREARS = "arrears"


# Units CSV ---------------------------------------------------------------------------------
# An admin pastes or uploads ``label,owner_name,owner_phone`` (the header row is optional, and
# a paste from a spreadsheet arrives tab-separated). Parsing checks the shape of each line;
# the service then checks names and phones and what already exists. Codes, not sentences: the
# service maps them to messages the template translates.

HEADER_WORDS = {"label", "unit", "单元", "房号", "房间"}
MAX_COLUMNS = 3


@dataclass(frozen=True)
class UnitRow:
    line: int
    label: UnitLabel
    owner_name: str
    owner_phone: str


@dataclass(frozen=True)
class LineProblem:
    line: int
    code: str  # bad_label, too_many_columns, duplicate_label, phone_without_name
    text: str


def decode_upload(data: bytes) -> str:
    """UTF-8 (with or without a BOM), else GB18030, which is what Excel in China saves."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def _delimiter(lines: list[str]) -> str:
    first = next((line for line in lines if line.strip()), "")
    return "\t" if "\t" in first and "," not in first else ","


def parse_units_csv(text: str) -> tuple[list[UnitRow], list[LineProblem]]:
    """Rows with their line numbers, and every problem found; both in line order."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    reader = csv.reader(lines, delimiter=_delimiter(lines))
    rows: list[UnitRow] = []
    problems: list[LineProblem] = []
    seen: dict[str, int] = {}
    first = True
    for cells in reader:
        line = reader.line_num
        cells = [c.strip() for c in cells]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            continue
        raw = ",".join(cells)
        if first and cells[0].lower() in HEADER_WORDS:
            first = False
            continue
        first = False
        if len(cells) > MAX_COLUMNS:
            problems.append(LineProblem(line, "too_many_columns", raw))
            continue
        label = parse_unit_label(cells[0])
        if label is None:
            problems.append(LineProblem(line, "bad_label", raw))
            continue
        name = cells[1] if len(cells) > 1 else ""
        phone = cells[2] if len(cells) > 2 else ""
        if phone and not name:
            problems.append(LineProblem(line, "phone_without_name", raw))
            continue
        if str(label) in seen:
            problems.append(LineProblem(line, "duplicate_label", raw))
            continue
        seen[str(label)] = line
        rows.append(UnitRow(line, label, name, phone))
    return rows, problems
