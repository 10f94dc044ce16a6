"""CMS order files for ICD-10-CM and ICD-10-PCS (`icd10cm_order_<year>.txt`,
`icd10pcs_order_<year>.txt`): every code of a fiscal year's release, headers included.

Fixed width (1-based positions): order number 1-5, code 7-13, valid-for-claims flag 15 (1 for
a code reported on claims, 0 for a header), short description 17-76, long description from 78.

ICD-10-CM: categories, subcategories and codes, each under the longest code before it that it
extends. The order file carries no notes, chapters or blocks (the tabular XML does).

ICD-10-PCS: three-character table headers and seven-character codes. Given the tables XML,
each code also gets its seven characters with their official meanings, and sections and body
systems become records above the tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from coderef.catalog.codes import display_code
from coderef.catalog.records import Ancestor, Attribute, CodeRecord, Release
from coderef.codesets.icd10pcs_tables import PcsTable, read_tables
from coderef.codesets.release_naming import icd_effective_date, icd_release, undated
from coderef.codesets.textfile import column, read_lines
from coderef.errors import SourceError

_LONG_STARTS = 78
_CM_CODE = re.compile(r"^[A-Z][0-9][0-9A-Z]{1,5}$")
_PCS_CODE = re.compile(r"^[0-9A-HJ-NP-Z]{3}([0-9A-HJ-NP-Z]{4})?$")  # PCS never uses I or O


@dataclass
class OrderLine:
    line: int
    key: str
    valid: bool
    short: str
    long: str


def read_order_lines(
    path: Path, code_pattern: re.Pattern[str], system_name: str
) -> list[OrderLine]:
    out: list[OrderLine] = []
    previous_number = 0
    seen: set[str] = set()
    for number, line in enumerate(read_lines(path), start=1):
        if not line.strip():
            continue

        def fail(problem: str, number: int = number) -> SourceError:
            return SourceError(str(path), f"line {number}", problem)

        if len(line) < _LONG_STARTS or any(line[i - 1] != " " for i in (6, 14, 16, 77)):
            raise fail(
                "not in the order-file layout (order number 1-5, code 7-13, flag 15, "
                "short description 17-76, long description from 78)"
            )
        order, key, flag = column(line, 1, 5), column(line, 7, 13), line[14]
        if not order.isdigit() or int(order) <= previous_number:
            raise fail(f"order number '{order}' (positions 1-5) is not a number above the last")
        previous_number = int(order)
        if not code_pattern.match(key):
            raise fail(f"'{key}' (positions 7-13) is not an {system_name} code")
        if flag not in "01":
            raise fail(f"valid-for-claims flag '{flag}' (position 15) is not 0 or 1")
        if key in seen:
            raise fail(f"code {key} appears twice")
        seen.add(key)
        long = line[_LONG_STARTS - 1 :].strip()
        if not long:
            raise fail(f"{key} has no long description")
        out.append(OrderLine(number, key, flag == "1", column(line, 17, 76), long))
    if not out:
        raise SourceError(str(path), "line 1", f"the file holds no {system_name} codes")
    return out


def _short(entry: OrderLine) -> list[Attribute]:
    if not entry.short or entry.short == entry.long:
        return []
    return [Attribute("short_description", "Short description", entry.short)]


# -- ICD-10-CM ---------------------------------------------------------------------------------


def icd10cm_release(path: Path, effective_from: date | None = None) -> Release:
    effective = effective_from or icd_effective_date(path.name)
    if effective is None:
        raise undated(path, "ICD-10-CM")
    return icd_release("icd10cm", "ICD-10-CM", effective, f"CMS ICD-10-CM order file ({path.name})")


def read_icd10cm_order(
    path: Path, release: Release | None = None
) -> tuple[Release, list[CodeRecord]]:
    release = release or icd10cm_release(path)
    records: dict[str, CodeRecord] = {}
    for entry in read_order_lines(path, _CM_CODE, "ICD-10-CM"):
        # The longest code above this one (S02.0 for S02.0XXA: the X placeholders have none).
        parent = next(
            (
                records[entry.key[:n]]
                for n in range(len(entry.key) - 1, 2, -1)
                if entry.key[:n] in records
            ),
            None,
        )
        if parent is None and len(entry.key) > 3:
            raise SourceError(
                str(path),
                f"line {entry.line}",
                f"{entry.key} comes before any category it belongs to ({entry.key[:3]})",
            )
        kind = "category" if len(entry.key) == 3 else ("code" if entry.valid else "subcategory")
        record = CodeRecord(
            system="icd10cm",
            code=display_code("icd10cm", entry.key),
            key=entry.key,
            kind=kind,
            billable=entry.valid,
            title=entry.long,
            description=entry.long,
            release=release.id,
            parent=parent.key if parent else None,
            ancestors=_lineage(parent),
            attributes=_short(entry),
        )
        if parent:
            parent.children.append(entry.key)
        records[entry.key] = record
    return release, list(records.values())


# -- ICD-10-PCS --------------------------------------------------------------------------------


def icd10pcs_release(
    path: Path, tables: Path | None = None, effective_from: date | None = None
) -> Release:
    effective = effective_from or icd_effective_date(path.name)
    if effective is None:
        raise undated(path, "ICD-10-PCS")
    source = f"CMS ICD-10-PCS order file ({path.name})"
    if tables:
        source += f" with tables ({tables.name})"
    return icd_release("icd10pcs", "ICD-10-PCS", effective, source)


def read_icd10pcs_order(
    path: Path, tables_path: Path | None = None, release: Release | None = None
) -> tuple[Release, list[CodeRecord]]:
    release = release or icd10pcs_release(path, tables_path)
    entries = read_order_lines(path, _PCS_CODE, "ICD-10-PCS")
    tables = read_tables(tables_path) if tables_path else None
    records: dict[str, CodeRecord] = {}

    def add(record: CodeRecord) -> CodeRecord:
        records[record.key] = record
        if record.parent:
            records[record.parent].children.append(record.key)
        return record

    def group(key: str, kind: str, title: str, parent: CodeRecord | None) -> CodeRecord:
        if key in records:
            return records[key]
        return add(
            CodeRecord(
                system="icd10pcs",
                code=key,
                key=key,
                kind=kind,
                billable=False,
                title=title,
                description=title if parent is None else f"{parent.description}, {title}",
                release=release.id,
                parent=parent.key if parent else None,
                ancestors=_lineage(parent),
            )
        )

    for entry in entries:

        def fail(problem: str, entry: OrderLine = entry) -> SourceError:
            return SourceError(str(path), f"line {entry.line}", problem)

        if len(entry.key) == 3:
            if entry.valid:
                raise fail(f"table header {entry.key} is flagged valid for claims")
            parent = None
            table_info = tables.get(entry.key) if tables else None
            if table_info:
                section = group(entry.key[0], "section", table_info.labels[1][1], None)
                parent = group(entry.key[:2], "body_system", table_info.labels[2][1], section)
            table = add(
                CodeRecord(
                    system="icd10pcs",
                    code=entry.key,
                    key=entry.key,
                    kind="table",
                    billable=False,
                    title=entry.long,
                    description=entry.long,
                    release=release.id,
                    parent=parent.key if parent else None,
                    ancestors=_lineage(parent),
                    attributes=_short(entry),
                )
            )
            if table_info and table_info.definition:
                op_label = table_info.labels[3][1]
                table.notes["notes"] = [f"{op_label}: {table_info.definition}"]
            continue
        if not entry.valid:
            raise fail(f"{entry.key} is a seven-character code flagged 0 (a header)")
        header = records.get(entry.key[:3])
        if header is None:
            raise fail(f"{entry.key} comes before (or without) its table header {entry.key[:3]}")
        table = header
        axes = []
        if tables is not None and tables_path is not None:
            info: PcsTable | None = tables.get(entry.key[:3])
            found = info.axes_for(entry.key) if info else None
            if found is None:
                raise fail(
                    f"{entry.key} has no row in the tables file {tables_path.name} "
                    "(are both files from the same fiscal year?)"
                )
            axes = found
        add(
            CodeRecord(
                system="icd10pcs",
                code=entry.key,
                key=entry.key,
                kind="code",
                billable=True,
                title=entry.long,
                description=entry.long,
                release=release.id,
                parent=table.key,
                ancestors=_lineage(table),
                axes=axes,
                attributes=_short(entry),
            )
        )
    return release, list(records.values())


def _lineage(parent: CodeRecord | None) -> list[Ancestor]:
    if parent is None:
        return []
    return [*parent.ancestors, Ancestor(parent.code, parent.title, parent.kind)]
