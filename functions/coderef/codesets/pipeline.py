"""Import a release end to end: read the source, add plain-language text, write the catalog,
rebuild the search index. A bad source stops before anything is written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from coderef.codesets import bundled, icd10cm_xml, icd10pcs_coder_db
from coderef.codesets.lay_text import read_lay_text, source_label
from coderef.domain.plain_language import OFFICIAL_SOURCE, compose
from coderef.domain.records import CodeRecord, Release
from coderef.search.index_build import build_index
from coderef.store.ports import CatalogLoader, CodeCatalog
from coderef.store.sqlite_catalog import SqliteCatalog

Reporter = Callable[[str, int, int], None]


@dataclass
class ImportResult:
    release: Release
    records: int


def _quiet(stage: str, done: int, total: int) -> None:
    pass


def read_source(system: str, path: Path | None) -> tuple[Release, list[CodeRecord]]:
    if system == "icd10cm":
        return icd10cm_xml.read_tabular(path or bundled.icd10cm_tabular())
    if system == "icd10pcs":
        return icd10pcs_coder_db.read_database(path or bundled.icd10pcs_database())
    raise ValueError(f"no importer for {system}")


def add_plain_language(records: list[CodeRecord], lay_csv: Path | None) -> None:
    lay = read_lay_text(lay_csv) if lay_csv else {}
    label = source_label(lay_csv) if lay_csv else ""
    for rec in records:
        operator_text = lay.get((rec.system, rec.key))
        if operator_text:
            rec.plain_language, rec.plain_language_source = operator_text, label
        else:
            rec.plain_language, rec.plain_language_source = compose(rec), OFFICIAL_SOURCE


def load_release(
    catalog: CatalogLoader,
    system: str,
    source: Path | None = None,
    lay_csv: Path | None = None,
    report: Reporter = _quiet,
) -> ImportResult:
    """Read, enrich and write one release; the search index is not touched."""
    report(f"reading {system}", 0, 1)
    release, records = read_source(system, source)
    add_plain_language(records, lay_csv)
    report(f"reading {system}", 1, 1)
    catalog.load_release(release, records, lambda d, t: report(f"writing {release.name}", d, t))
    return ImportResult(release, len(records))


def import_release(
    catalog: SqliteCatalog,
    index_path: Path,
    system: str,
    source: Path | None = None,
    lay_csv: Path | None = None,
    report: Reporter = _quiet,
) -> ImportResult:
    result = load_release(catalog, system, source, lay_csv, report)
    rebuild_index(catalog, index_path, report)
    return result


def rebuild_index(catalog: CodeCatalog, index_path: Path, report: Reporter = _quiet) -> int:
    report("building search index", 0, 1)
    count = build_index(catalog.iter_live(), index_path)
    report("building search index", 1, 1)
    return count


def ensure_bundled(
    catalog: SqliteCatalog, index_path: Path, lay_csv: Path | None, report: Reporter = _quiet
) -> list[ImportResult]:
    """First run: load each bundled system that has no live release; build a missing index."""
    loaded = {r.system for r in catalog.releases()}
    results = [
        load_release(catalog, system, None, lay_csv, report)
        for system in ("icd10cm", "icd10pcs")
        if system not in loaded
    ]
    if results or not index_path.exists():
        rebuild_index(catalog, index_path, report)
    return results
