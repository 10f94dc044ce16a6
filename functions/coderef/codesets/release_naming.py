"""Which release a source file holds, from its name or from a date the operator gives.

Release ids are `{system}-{YYYY}-{MM}` of the effective date, so a release loaded again from
another file of the same date replaces the first.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from coderef.catalog.records import Release
from coderef.errors import SourceError

MONTHS = (
    "January February March April May June July August September October November December"
).split()

_ICD_MONTH = re.compile(r"(january|april|october)[-_ ]*(?:1[-_, ]+)?(20\d\d)", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


def fiscal_year(day: date) -> int:
    """The U.S. federal fiscal year a date falls in (FY2026 runs October 1, 2025 to
    September 30, 2026); ICD-10 releases follow it."""
    return day.year + 1 if day.month >= 10 else day.year


def icd_effective_date(file_name: str) -> date | None:
    """`...April-1-2026...` is that day; a bare year (`icd10cm_order_2026.txt`) is the fiscal
    year, which starts on October 1 of the year before."""
    named = _ICD_MONTH.search(file_name)
    if named:
        return date(int(named.group(2)), MONTHS.index(named.group(1).capitalize()) + 1, 1)
    year = _YEAR.search(file_name)
    return date(int(year.group(1)) - 1, 10, 1) if year else None


def icd_release(system: str, system_name: str, effective: date, source: str) -> Release:
    """An ICD-10 release is in force from its date to the end of that fiscal year (an April
    update amends the October release and ends with it)."""
    if (effective.month, effective.day) == (10, 1):
        name = f"{system_name} FY{fiscal_year(effective)} release"
    else:
        name = (
            f"{system_name} {MONTHS[effective.month - 1]} {effective.day}, {effective.year} release"
        )
    return Release(
        id=release_id(system, effective),
        system=system,
        name=name,
        source=source,
        effective_from=effective.isoformat(),
        effective_to=date(fiscal_year(effective), 9, 30).isoformat(),
    )


def release_id(system: str, effective: date) -> str:
    return f"{system}-{effective:%Y-%m}"


def undated(path: Path, system_name: str) -> SourceError:
    return SourceError(
        str(path),
        "file name",
        f"does not say which {system_name} release it holds; give the release's effective "
        "date (coderef import --effective-from YYYY-MM-DD)",
    )
