"""HCPCS Level II importer for CMS's fixed-width file (`HCPC<year>_<MON>_ANWEB*.txt`).

Each record is 320 characters. A code's long description runs over a first record (record
id 3) and continuation records (4); a modifier's likewise (7, then 8). Level II modifiers
become records of their own. Positions (1-based, inclusive) are CMS's record layout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from coderef.catalog.records import Attribute, CodeRecord, Release
from coderef.codesets.release_naming import MONTHS, release_id, undated
from coderef.codesets.textfile import column, read_lines
from coderef.errors import SourceError

SYSTEM = "hcpcs"
RECORD_LENGTH = 320
# A first record must reach the action code; anything shorter was cut off.
FIRST_RECORD_MIN = 293

FIRST_PROCEDURE, PROCEDURE_CONTINUED, FIRST_MODIFIER, MODIFIER_CONTINUED = "3", "4", "7", "8"

_CODE = re.compile(r"^[A-Z][0-9]{4}$")
_MODIFIER = re.compile(r"^[0-9A-Z]{2}$")
_FILE_NAME = re.compile(r"HCPC(20\d\d)_?(JAN|APR|JUL|OCT)", re.IGNORECASE)

# Meanings from CMS's HCPCS record layout documentation.
COVERAGE = {
    "C": "Carrier judgment",
    "D": "Special coverage instructions apply",
    "I": "Not payable by Medicare",
    "M": "Non-covered by Medicare",
    "S": "Non-covered by Medicare statute",
}
ACTION = {
    "A": "Code added",
    "B": "Administrative data and long description changed",
    "C": "Long description changed",
    "D": "Code discontinued",
    "F": "Administrative data changed",
    "N": "No change",
    "P": "Payment change",
    "R": "Discontinued code reactivated",
    "S": "Short description changed",
    "T": "Miscellaneous change",
}


@dataclass
class _Entry:
    """One code or modifier: its first record and the description pieces that follow."""

    key: str
    is_modifier: bool
    line: int
    first: str
    pieces: list[str] = field(default_factory=list)


def release_for(path: Path, effective_from: date | None = None) -> Release:
    """`HCPC2026_JAN_ANWEB.txt` holds the quarterly release in force from January 1, 2026."""
    effective = effective_from
    if effective is None:
        match = _FILE_NAME.search(path.name)
        if not match:
            raise undated(path, "HCPCS")
        month = ("JAN", "APR", "JUL", "OCT").index(match.group(2).upper()) * 3 + 1
        effective = date(int(match.group(1)), month, 1)
    return Release(
        id=release_id(SYSTEM, effective),
        system=SYSTEM,
        name=f"HCPCS Level II {MONTHS[effective.month - 1]} {effective.year} release",
        source=f"CMS HCPCS Level II file ({path.name})",
        effective_from=effective.isoformat(),
    )


def read_hcpcs(path: Path, release: Release | None = None) -> tuple[Release, list[CodeRecord]]:
    """Read the whole file; any malformed record raises SourceError naming its line."""
    release = release or release_for(path)
    entries = _entries(path, read_lines(path))
    records = []
    for entry in entries:
        record = _record(path, entry, release)
        if record is not None:
            records.append(record)
    return release, records


def _entries(path: Path, lines: list[str]) -> list[_Entry]:
    entries: list[_Entry] = []
    seen: set[tuple[str, bool]] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue

        def fail(problem: str, number: int = number) -> SourceError:
            return SourceError(str(path), f"line {number}", problem)

        if len(line) > RECORD_LENGTH:
            raise fail(f"record is {len(line)} characters long; HCPCS records are {RECORD_LENGTH}")
        if len(line) < 12:
            raise fail("record is too short to hold a code, sequence number and record id")
        key, sequence, record_id = column(line, 1, 5), column(line, 6, 10), line[10]
        if not sequence.isdigit():
            raise fail(f"sequence number '{sequence}' (positions 6-10) is not a number")
        if record_id in (FIRST_PROCEDURE, FIRST_MODIFIER):
            is_modifier = record_id == FIRST_MODIFIER
            if not (_MODIFIER if is_modifier else _CODE).match(key):
                what = "modifier" if is_modifier else "HCPCS code"
                raise fail(f"'{key}' (positions 1-5) is not a {what}")
            if len(line) < FIRST_RECORD_MIN:
                raise fail(
                    f"record is {len(line)} characters long; a first record runs at least to "
                    f"position {FIRST_RECORD_MIN} (the action code): the file looks cut short"
                )
            if (key, is_modifier) in seen:
                raise fail(f"{key} has a second first record")
            seen.add((key, is_modifier))
            entries.append(_Entry(key, is_modifier, number, line, [column(line, 12, 91)]))
        elif record_id in (PROCEDURE_CONTINUED, MODIFIER_CONTINUED):
            is_modifier = record_id == MODIFIER_CONTINUED
            current = entries[-1] if entries else None
            if current is None or (current.key, current.is_modifier) != (key, is_modifier):
                raise fail(f"continuation record for '{key}' does not follow that code's records")
            current.pieces.append(column(line, 12, 91))
        else:
            raise fail(f"record id '{record_id}' (position 11) is not one of 3, 4, 7 or 8")
    if not entries:
        raise SourceError(str(path), "line 1", "the file holds no HCPCS records")
    return entries


def _date(path: Path, entry: _Entry, first: int, last: int, label: str) -> str:
    raw = column(entry.first, first, last)
    if not raw:
        return ""
    try:
        if len(raw) != 8 or not raw.isdigit():
            raise ValueError
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:])).isoformat()
    except ValueError:
        raise SourceError(
            str(path),
            f"line {entry.line}",
            f"{label} '{raw}' (positions {first}-{last}) is not a date (YYYYMMDD)",
        ) from None


def _record(path: Path, entry: _Entry, release: Release) -> CodeRecord | None:
    """The record for one code or modifier; None for a code terminated before the release."""
    line = entry.first
    description = " ".join(p for p in entry.pieces if p)
    if not description:
        raise SourceError(str(path), f"line {entry.line}", f"{entry.key} has no long description")
    ends = _date(path, entry, 285, 292, "termination date")
    if ends and ends < release.effective_from:
        return None  # discontinued before this release took effect: not part of it
    pricing = [p for p in (column(line, i, i + 1) for i in range(120, 128, 2)) if p]
    service_types = [c for c in column(line, 261, 265) if c.strip()]
    coverage, action = column(line, 230, 230), column(line, 293, 293)
    base_units = column(line, 266, 268)
    if base_units and not base_units.isdigit():
        raise SourceError(
            str(path),
            f"line {entry.line}",
            f"anesthesia base units '{base_units}' (positions 266-268) is not a number",
        )
    attributes = [
        Attribute("short_description", "Short descriptor", column(line, 92, 119)),
        Attribute("pricing_indicator", "Pricing indicator", ", ".join(pricing)),
        Attribute("multiple_pricing", "Multiple pricing indicator", column(line, 128, 128)),
        Attribute("coverage", "Medicare coverage", coverage, COVERAGE.get(coverage, "")),
        Attribute("betos", "BETOS code", column(line, 257, 259)),
        Attribute("type_of_service", "Type of service", ", ".join(service_types)),
        Attribute(
            "anesthesia_base_units",
            "Anesthesia base units",
            # Codes outside anesthesia carry zeros here.
            str(int(base_units)) if base_units and int(base_units) else "",
        ),
        Attribute("date_added", "Date added", _date(path, entry, 269, 276, "date added")),
        Attribute(
            "action_effective_date",
            "Action effective date",
            _date(path, entry, 277, 284, "action effective date"),
        ),
        Attribute("termination_date", "Termination date", ends),
        Attribute("action", "Action", action, ACTION.get(action, "")),
    ]
    return CodeRecord(
        system=SYSTEM,
        code=entry.key,
        key=entry.key,
        kind="modifier" if entry.is_modifier else "code",
        billable=not entry.is_modifier,
        title=description,
        description=description,
        release=release.id,
        attributes=[a for a in attributes if a.value],
    )
