"""Import a release end to end: read the source, add plain-language text, write the catalog,
rebuild the search index. A bad source stops before anything is written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import cast

from coderef.adapters.sqlite_catalog import SqliteCatalog
from coderef.catalog.notes import ancestor_keys
from coderef.catalog.plain_language import OFFICIAL_SOURCE, common_words, compose
from coderef.catalog.ports import CatalogLoader, CodeCatalog, SavedChanges
from coderef.catalog.records import CodeRecord, Release
from coderef.catalog.releases import ReleaseHistory
from coderef.codesets.lay_text import read_lay_text, source_label
from coderef.codesets.registry import BUNDLED, importer_for, is_sqlite
from coderef.errors import InvalidInput
from coderef.search.index_build import build_index, index_built_from

Reporter = Callable[[str, int, int], None]


@dataclass
class ImportResult:
    release: Release
    records: int
    live: bool = True  # False when a release that took effect later keeps serving


def _quiet(stage: str, done: int, total: int) -> None:
    pass


def read_source(
    system: str,
    path: Path | None,
    tables: Path | None = None,
    effective_from: date | None = None,
) -> tuple[Release, list[CodeRecord]]:
    """Read a release with the system's importer (codesets/registry.py). A system whose
    release is bundled reads it when no path is given. `effective_from` overrides the date a
    file's name gives."""
    importer = importer_for(system)
    if tables is not None and (not importer.takes_tables or path is None or is_sqlite(path)):
        raise InvalidInput("A tables XML goes with an ICD-10-PCS order file.", field="tables")
    return importer.read(path, tables, effective_from)


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
    if isinstance(catalog, SavedChanges):
        # A store that cannot compare releases per request keeps each comparison now.
        report(f"comparing {release.name} with the other releases", 0, 1)
        # A catalog that keeps comparisons reads releases too (the DynamoDB catalog).
        ReleaseHistory(cast(CodeCatalog, catalog)).save_changes_of(release.id)
        report(f"comparing {release.name} with the other releases", 1, 1)
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
        for system in BUNDLED
        if system not in loaded
    ]
    if results or not index_is_current(catalog, index_path):
        rebuild_index(catalog, index_path, report)
    return results
