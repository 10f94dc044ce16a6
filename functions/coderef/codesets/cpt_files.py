"""CPT importer for the AMA data files that a licensed operator holds.

The operator points the importer at the folder of the AMA's release. CodeRef never ships CPT
text: it reads these files on the operator's machine, and pages carry the licence notice the
operator configures. Every file opens with a copyright header that ends at the first blank
line. The files read:

- LONGULT.txt (required): code, TAB, long descriptor, upper and lower case.
- MEDU.txt, SHORTU.txt: code, space, medium or short descriptor.
- ConsumerDescriptor.txt: concept id, code, consumer-friendly descriptor (TAB-separated);
  becomes the plain-language text.
- ClinicianDescriptor.txt: concept id, code, [descriptor id,] clinician descriptor; several
  rows per code.
- MODUL.txt: modifier, TAB (or space), descriptor; each modifier becomes a record.

Descriptors for codes that LONGULT.txt does not list are left out.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from coderef.catalog.records import Attribute, CodeRecord, Release
from coderef.codesets.release_naming import MONTHS, release_id, undated
from coderef.codesets.textfile import read_lines
from coderef.errors import SourceError

SYSTEM = "cpt"
LONG = "LONGULT.txt"
MEDIUM = "MEDU.txt"
SHORT = "SHORTU.txt"
CONSUMER = "ConsumerDescriptor.txt"
CLINICIAN = "ClinicianDescriptor.txt"
MODIFIERS = "MODUL.txt"

CONSUMER_SOURCE = "AMA CPT consumer-friendly descriptor"

# Category I (five digits), II (four digits and F), III (T), PLA (U) and MAAA (M) codes.
_CODE = re.compile(r"^[0-9]{4}[0-9FMTU]$")
_MODIFIER = re.compile(r"^[0-9A-Z]{2}$")
_HEADER_YEAR = re.compile(r"\bCPT\b[^0-9\n]{0,12}(20\d\d)(?!\d)")
_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")

Row = tuple[int, str]  # line number, text


def _find_files(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        raise SourceError(str(folder), "folder", "is not a folder of AMA CPT data files")
    present = {p.name.lower(): p for p in folder.iterdir() if p.is_file()}
    if LONG.lower() not in present:
        raise SourceError(str(folder), "folder", f"holds no {LONG}")
    return present


def _split_header(path: Path) -> tuple[list[str], list[Row]]:
    """The copyright header (up to the first blank line) and the numbered rows after it."""
    lines = read_lines(path)
    blank = next((i for i, line in enumerate(lines) if not line.strip()), None)
    if blank is None:
        raise SourceError(
            str(path), "line 1", "no blank line ends the copyright header: not an AMA data file"
        )
    rows = [(n, line) for n, line in enumerate(lines[blank + 1 :], start=blank + 2) if line.strip()]
    if not rows:
        raise SourceError(str(path), f"line {blank + 1}", "nothing follows the copyright header")
    return lines[:blank], rows


def release_for(folder: Path, effective_from: date | None = None) -> Release:
    """CPT releases take effect on January 1; the year comes from the LONGULT.txt header
    (`CPT 2026 ...`) or the folder's name unless the effective date is given."""
    effective = effective_from
    if effective is None:
        header, _ = _split_header(_find_files(folder)[LONG.lower()])
        found = _HEADER_YEAR.search("\n".join(header)) or _YEAR.search(folder.name)
        if not found:
            raise undated(folder, "CPT")
        effective = date(int(found.group(1)), 1, 1)
    name = (
        f"CPT {effective.year} release"
        if (effective.month, effective.day) == (1, 1)
        else f"CPT release of {MONTHS[effective.month - 1]} {effective.day}, {effective.year}"
    )
    return Release(
        id=release_id(SYSTEM, effective),
        system=SYSTEM,
        name=name,
        source=f"AMA CPT data files licensed to this site's operator ({folder.name})",
        effective_from=effective.isoformat(),
    )


def _fail(path: Path, number: int, problem: str) -> SourceError:
    return SourceError(str(path), f"line {number}", problem)


def _descriptors(path: Path, pattern: re.Pattern[str], separators: str) -> dict[str, str]:
    """A file of `code<separator>descriptor` lines (the separator is the first of
    `separators` that the line holds)."""
    _, rows = _split_header(path)
    table: dict[str, str] = {}
    for number, line in rows:
        separator = next((s for s in separators if s in line), None)
        if separator is None:
            raise _fail(path, number, "expected a code, a separator and a descriptor")
        code, _, text = line.partition(separator)
        code, text = code.strip(), text.strip()
        if not pattern.match(code):
            raise _fail(path, number, f"'{code[:12]}' is not a CPT code or modifier")
        if not text:
            raise _fail(path, number, f"{code} has no descriptor")
        if code in table:
            raise _fail(path, number, f"{code} appears twice")
        table[code] = text
    return table


def _tabbed(path: Path, widths: tuple[int, ...]) -> list[tuple[int, list[str]]]:
    """TAB-separated rows with one of the given column counts; a first row of column names
    (its code column is not a code) is skipped."""
    _, rows = _split_header(path)
    out = []
    for index, (number, line) in enumerate(rows):
        fields = [f.strip() for f in line.split("\t")]
        if index == 0 and len(fields) > 1 and not _CODE.match(fields[1]):
            continue  # column names
        if len(fields) not in widths:
            expected = " or ".join(str(w) for w in widths)
            raise _fail(path, number, f"expected {expected} TAB-separated columns")
        if not _CODE.match(fields[1]):
            raise _fail(path, number, f"'{fields[1][:12]}' (column 2) is not a CPT code")
        if not fields[-1]:
            raise _fail(path, number, f"{fields[1]} has no descriptor")
        out.append((number, fields))
    return out


def read_cpt(folder: Path, release: Release | None = None) -> tuple[Release, list[CodeRecord]]:
    """Read every file present; any malformed line raises SourceError naming file and line."""
    folder = Path(folder)
    files = _find_files(folder)
    release = release or release_for(folder)

    def optional(name: str) -> Path | None:
        return files.get(name.lower())

    long = _descriptors(files[LONG.lower()], _CODE, "\t")
    medium = _descriptors(p, _CODE, " ") if (p := optional(MEDIUM)) else {}
    short = _descriptors(p, _CODE, " ") if (p := optional(SHORT)) else {}
    consumer: dict[str, str] = {}
    if p := optional(CONSUMER):
        for number, fields in _tabbed(p, (3,)):
            if fields[1] in consumer:
                raise _fail(p, number, f"{fields[1]} appears twice")
            consumer[fields[1]] = fields[-1]
    clinician: dict[str, list[str]] = {}
    if p := optional(CLINICIAN):
        for _, fields in _tabbed(p, (3, 4)):
            clinician.setdefault(fields[1], []).append(fields[-1])
    modifiers = _descriptors(p, _MODIFIER, "\t ") if (p := optional(MODIFIERS)) else {}

    records = []
    for code, text in long.items():
        record = CodeRecord(
            system=SYSTEM,
            code=code,
            key=code,
            kind="code",
            billable=True,
            title=text,
            description=text,
            release=release.id,
            attributes=[
                a
                for a in (
                    Attribute("medium_descriptor", "Medium descriptor", medium.get(code, "")),
                    Attribute("short_descriptor", "Short descriptor", short.get(code, "")),
                )
                if a.value
            ],
        )
        if code in clinician:
            record.notes["clinician_descriptors"] = clinician[code]
        if code in consumer:
            record.plain_language = consumer[code]
            record.plain_language_source = CONSUMER_SOURCE
        records.append(record)
    for modifier, text in modifiers.items():
        records.append(
            CodeRecord(
                system=SYSTEM,
                code=modifier,
                key=modifier,
                kind="modifier",
                billable=False,
                title=text,
                description=text,
                release=release.id,
            )
        )
    return release, records
