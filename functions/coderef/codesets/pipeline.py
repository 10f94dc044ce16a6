"""Import a release end to end: read the source, add plain-language text, write the catalog,
rebuild the search index. A bad source stops before anything is written."""

from __future__ import annotations

import gc
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import cast

from coderef.adapters.sqlite_catalog import SqliteCatalog
from coderef.catalog.notes import ancestor_keys
from coderef.catalog.plain_language import (
    OFFICIAL_SOURCE,
    common_words,
    compose,
    forget_levels,
)
from coderef.catalog.ports import CatalogLoader, CodeCatalog, SavedChanges
from coderef.catalog.records import CodeRecord, Release
from coderef.catalog.releases import ReleaseHistory
from coderef.codesets import (
    bundled,
    icd10cm_history,
    icd10cm_xml,
    icd10pcs_code_list,
    pcs_index,
    reference_data,
)
from coderef.codesets.icd10pcs_bundled import BUNDLED_PCS, pcs_fy2024
from coderef.codesets.lay_text import read_lay_text, source_label
from coderef.codesets.registry import BUNDLED, importer_for, is_sqlite
from coderef.errors import InvalidInput
from coderef.search.index_build import (
    build_index_from_docs,
    index_built_from,
    index_doc,
)

Reporter = Callable[[str, int, int], None]


@dataclass
class ImportResult:
    release: Release
    records: int
    live: bool = True  # False when a release that took effect later keeps serving


def _quiet(stage: str, done: int, total: int) -> None:
    pass


class IndexFeed:
    """The search index's documents of the live releases an import has just written, made
    from the records while they are in memory: the index build then reads back only the
    systems this run did not load, and holds documents rather than whole records."""

    def __init__(self) -> None:
        self._docs: dict[str, tuple[str, list[bytes]]] = {}  # system -> (release, docs)
        self._terms: pcs_index.IndexTerms | None = None

    def terms(self) -> pcs_index.IndexTerms:
        if self._terms is None:
            # The ICD-10-PCS Alphabetic Index entries, as index terms (below inclusion terms)
            self._terms = pcs_index.read_index_terms(bundled.icd10pcs_database())
        return self._terms

    def written(self, release: Release, records: list[CodeRecord], live: bool) -> None:
        """A release was written: keep its documents if it is the live one of its system."""
        self.forget(release.id)
        if live:
            terms = self.terms()
            self._docs[release.system] = (
                release.id,
                [index_doc(r, terms.terms_for(r)) for r in records],
            )

    def forget(self, release_id: str) -> None:
        for system, (held, _) in list(self._docs.items()):
            if held == release_id:
                del self._docs[system]

    def take(self, live: list[Release]) -> dict[str, list[bytes]]:
        """The documents held for releases that are live now, by system; the feed is emptied."""
        ids = {r.system: r.id for r in live}
        out = {s: docs for s, (rid, docs) in self._docs.items() if ids.get(s) == rid}
        self._docs.clear()
        return out


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


def add_reference_data(records: list[CodeRecord], system: str) -> None:
    """GEM crosswalks on ICD-10-CM and ICD-10-PCS codes; HCC categories and Medicare Code
    Editor edits on ICD-10-CM codes."""
    if system not in ("icd10cm", "icd10pcs"):
        return
    reference_data.add_crosswalks(records, system)
    if system == "icd10cm":
        first_year = first_years()
        files = reference_data.read_edit_files(first_year)
        reference_data.add_edits(records, files, first_year)


_FIRST_YEARS: dict[str, int] = {}


def first_years() -> dict[str, int]:
    """The fiscal year each ICD-10-CM code first appears in, FY2019 to FY2025 (2019 for codes
    older than that); codes newer than FY2025 are not in it."""
    if not _FIRST_YEARS:
        _FIRST_YEARS.update(icd10cm_history.read_first_years(bundled.icd10cm_first_years()))
    return _FIRST_YEARS


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
    forget_levels()


def load_release(
    catalog: CatalogLoader,
    system: str,
    source: Path | None = None,
    lay_csv: Path | None = None,
    report: Reporter = _quiet,
    tables: Path | None = None,
    effective_from: date | None = None,
    feed: IndexFeed | None = None,
) -> ImportResult:
    """Read, enrich and write one release; the search index is not touched (`feed` keeps the
    release's index documents for the next rebuild_index)."""
    report(f"reading {system}", 0, 1)
    release, records = read_source(system, source, tables, effective_from)
    add_plain_language(records, lay_csv)
    add_reference_data(records, system)
    report(f"reading {system}", 1, 1)
    catalog.load_release(release, records, lambda d, t: report(f"writing {release.name}", d, t))
    if isinstance(catalog, SavedChanges):
        # A store that cannot compare releases per request keeps each comparison now.
        report(f"comparing {release.name} with the other releases", 0, 1)
        # A catalog that keeps comparisons reads releases too (the DynamoDB catalog).
        ReleaseHistory(cast(CodeCatalog, catalog)).save_changes_of(release.id)
        report(f"comparing {release.name} with the other releases", 1, 1)
    live = any(r.id == release.id for r in catalog.releases())
    if feed is not None:
        feed.written(release, records, live)
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
    feed = IndexFeed()
    result = load_release(catalog, system, source, lay_csv, report, tables, effective_from, feed)
    rebuild_index(catalog, index_path, report, feed)
    return result


def rebuild_index(
    catalog: CodeCatalog, index_path: Path, report: Reporter = _quiet, feed: IndexFeed | None = None
) -> int:
    """Build the index from the live releases: the documents `feed` holds for those an import
    has just written, and records read back from the catalog for the others (streamed: only
    their documents are kept)."""
    report("building search index", 0, 1)
    feed = feed or IndexFeed()
    live = catalog.releases()
    fed = feed.take(live)
    terms = feed.terms()
    rest = [r.system for r in live if r.system not in fed]
    docs: list[bytes] = [d for system_docs in fed.values() for d in system_docs]
    fed.clear()
    if rest:
        records = (
            catalog.iter_live(rest) if isinstance(catalog, SqliteCatalog) else catalog.iter_live()
        )
        docs.extend(index_doc(r, terms.terms_for(r)) for r in records if r.system in rest)
    count = build_index_from_docs(
        docs,
        index_path,
        ",".join(sorted(r.id for r in live)),
        reference_data.icd9_codes(),  # every ICD-9-CM code, for CasePilot's crosswalk answers
    )
    report("building search index", 1, 1)
    return count


def live_releases(catalog: CodeCatalog) -> str:
    """The live releases, as the index records them."""
    return ",".join(sorted(r.id for r in catalog.releases()))


def index_is_current(catalog: CodeCatalog, index_path: Path) -> bool:
    """True when the index was built from the releases that are live now. An import switches
    the catalog first and rebuilds the index after, so a crash in between leaves them apart."""
    return index_built_from(index_path) == live_releases(catalog)


def load_history(
    catalog: SqliteCatalog,
    lay_csv: Path | None,
    report: Reporter = _quiet,
    only_missing: bool = False,
    systems: tuple[str, ...] = ("icd10cm", "icd10pcs"),
) -> list[ImportResult]:
    """The bundled older releases: ICD-10-CM FY2019-FY2025 and ICD-10-PCS FY2024. The newest
    CM year is stored whole and each older one as its changes against it; PCS FY2024 is stored
    as its changes against the bundled FY2025 release (whose other sections it supplied)."""
    results: list[ImportResult] = []
    if "icd10cm" in systems:
        results += _load_cm_history(catalog, lay_csv, report, only_missing)
    if "icd10pcs" in systems:
        results += _load_pcs_history(catalog, lay_csv, report, only_missing)
    return results


def _load_cm_history(
    catalog: SqliteCatalog, lay_csv: Path | None, report: Reporter, only_missing: bool
) -> list[ImportResult]:
    loaded = {r.id for r in catalog.all_releases()}
    results: list[ImportResult] = []
    report("reading ICD-10-CM FY2019-FY2025", 0, 1)
    last = icd10cm_history.LAST_YEAR
    # The newest year first (the others are stored as changes against it), then one at a
    # time: only two years' rows are held at once.
    years = icd10cm_history.stream_years(
        bundled.icd10cm_history(), [last, *range(icd10cm_history.FIRST_YEAR, last)]
    )
    _, base_rows = next(years)
    report("reading ICD-10-CM FY2019-FY2025", 1, 1)
    base_release = icd10cm_history.release_for(last)
    if not (only_missing and base_release.id in loaded):
        records = icd10cm_history.records(base_rows, base_rows, base_release)
        add_plain_language(records, lay_csv)
        catalog.load_release(
            base_release, records, lambda d, t: report(f"writing {base_release.name}", d, t)
        )
        results.append(ImportResult(base_release, len(records), live=False))
        del records  # written: 98,000 records need not wait for the older years
    for year, rows in years:
        release = icd10cm_history.release_for(year)
        if only_missing and release.id in loaded:
            continue
        changed, removed = icd10cm_history.differences(rows, base_rows)
        records = icd10cm_history.records(changed, rows, release)
        add_plain_language(records, lay_csv)
        catalog.load_changes(release, base_release.id, records, removed, len(rows))
        report(f"writing {release.name}", 1, 1)
        results.append(ImportResult(release, len(rows), live=False))
    return results


def _load_pcs_history(
    catalog: SqliteCatalog, lay_csv: Path | None, report: Reporter, only_missing: bool
) -> list[ImportResult]:
    loaded = {r.id for r in catalog.all_releases()}
    results: list[ImportResult] = []
    pcs = catalog.get("icd10pcs", "1", None)  # the bundled FY2025 release holds section 1
    older, old_records = pcs_fy2024()
    if pcs is not None and not (only_missing and older.id in loaded):
        live = next(r for r in catalog.releases() if r.system == "icd10pcs")
        add_plain_language(old_records, lay_csv)
        add_reference_data(old_records, "icd10pcs")
        # Sections the live release holds records of its own for (FY2025, with axes) always
        # differ from the list's title-only records; only the borrowed sections are compared.
        sections = catalog.get_many("icd10pcs", list(icd10pcs_code_list.SECTIONS), live.id)
        tabled = {k for k, r in sections.items() if r.release == live.id}
        others = [r for r in old_records if r.key[0] not in tabled]
        current = catalog.get_many("icd10pcs", (r.key for r in others), live.id)
        changed = [r for r in old_records if r.key[0] in tabled or current.get(r.key) != r]
        keys = {r.key for r in old_records}
        removed = [k for k in catalog.release_keys(live.id) if k not in keys]
        catalog.load_changes(older, live.id, changed, removed, len(old_records))
        report(f"writing {older.name}", 1, 1)
        results.append(ImportResult(older, len(old_records), live=False))
    return results


@contextmanager
def fresh_import(catalog: SqliteCatalog) -> Iterator[SqliteCatalog]:
    """The catalog an import writes to. Into a catalog that holds no release yet (a first
    import), it writes a new file beside it with no rollback journal and no syncs, then
    switches that file to the write-ahead log and renames it over the empty one: an import
    that fails or is interrupted leaves the empty catalog, never a half-written one. A
    catalog that holds releases is written in place, one transaction per release."""
    if not catalog.is_empty():
        yield catalog
        return
    building = catalog.path.with_name(catalog.path.name + ".importing")
    _remove_database(building)
    fresh = SqliteCatalog(building, bulk=True)
    try:
        yield fresh
        fresh.close()
        conn = sqlite3.connect(building)
        try:
            conn.execute("PRAGMA journal_mode=WAL")  # what every later connection expects
        finally:
            conn.close()
    except BaseException:
        fresh.close()
        _remove_database(building)
        raise
    # The empty catalog's write-ahead log must not outlive it: the new file would read it.
    catalog.close()
    conn = sqlite3.connect(catalog.path)
    try:
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()
    os.replace(building, catalog.path)


def _remove_database(path: Path) -> None:
    for leftover in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal"))):
        leftover.unlink(missing_ok=True)


@contextmanager
def bulk_work() -> Iterator[None]:
    """No cyclic garbage collection while an import runs. It builds millions of records,
    rows and strings that live until it ends, and the collector would walk all of them again
    each time it ran; what an import frees is freed by reference counting, and one
    collection runs at the end."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
            gc.collect()


def ensure_bundled(
    catalog: SqliteCatalog, index_path: Path, lay_csv: Path | None, report: Reporter = _quiet
) -> list[ImportResult]:
    """First run: load each bundled system that has no live release, then the bundled older
    releases not loaded yet; build the index when it is missing or was built from other
    releases than the live ones."""
    with bulk_work():
        return _ensure_bundled(catalog, index_path, lay_csv, report)


def _ensure_bundled(
    catalog: SqliteCatalog, index_path: Path, lay_csv: Path | None, report: Reporter
) -> list[ImportResult]:
    feed = IndexFeed()
    with fresh_import(catalog) as target:
        results = _load_bundled(target, lay_csv, report, feed)
    forget_sources()
    if results or not index_is_current(catalog, index_path):
        rebuild_index(catalog, index_path, report, feed)
    return results


def _load_bundled(
    catalog: SqliteCatalog, lay_csv: Path | None, report: Reporter, feed: IndexFeed
) -> list[ImportResult]:
    live = {r.system: r for r in catalog.releases()}
    pcs = live.get("icd10pcs")
    # A store from before every PCS section was bundled gets the whole release.
    old_pcs = pcs is not None and pcs.id == BUNDLED_PCS.id and pcs.name != BUNDLED_PCS.name
    results = [
        load_release(catalog, system, None, lay_csv, report, feed=feed)
        for system in BUNDLED
        if system not in live or (system == "icd10pcs" and old_pcs)
    ]
    # The history goes beside the bundled releases, not beside an operator's own.
    live = {r.system: r for r in catalog.releases()}
    have = {r.id for r in catalog.all_releases()}
    history: list[str] = []
    cm_source = icd10cm_xml.release_for(bundled.icd10cm_tabular()).source
    cm_years = {icd10cm_history.release_for(y).id for y in range(2019, 2026)}
    if live["icd10cm"].source == cm_source and not cm_years <= have:
        history.append("icd10cm")
    if live["icd10pcs"].name == BUNDLED_PCS.name and icd10pcs_code_list.FY2024.id not in have:
        history.append("icd10pcs")
    if history:
        results += load_history(catalog, lay_csv, report, True, tuple(history))
    return results


def forget_sources() -> None:
    """Free the history rows read for an import (a server keeps running after it)."""
    icd10cm_history.read_years.cache_clear()
    reference_data.forget()
    _FIRST_YEARS.clear()
