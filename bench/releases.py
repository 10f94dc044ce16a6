"""Releases side by side on the full bundled data: what history, dated lookups and
comparing two releases cost.

    .venv/bin/python -m bench.releases [DATA_DIR]

Imports the bundled ICD-10-CM release twice (the second time dated FY2026, so two full
releases of 98,505 records sit side by side), then times code pages (with their history), the
same pages on a date, a comparison of the two releases, and upgrading a store written before
releases could be compared. Reports figures; passes or fails nothing.
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from tests.fixtures.legacy_store import OLD_SCHEMA

from coderef.adapters.sqlite_catalog import SqliteCatalog
from coderef.api.presenters.catalog import changes_body, page_body
from coderef.catalog.lookup import CodeLookup
from coderef.codesets import bundled
from coderef.codesets.pipeline import ensure_bundled, load_release
from coderef.settings import Settings


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"median {statistics.median(ordered) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms"


def main(data_dir: Path) -> None:
    settings = Settings.from_env({"CODEREF_DATA_DIR": str(data_dir)})
    catalog = SqliteCatalog(settings.catalog_path)
    ensure_bundled(catalog, settings.index_path, None)
    if not any(r.id == "icd10cm-2025-10" for r in catalog.all_releases("icd10cm")):
        started = time.perf_counter()
        load_release(
            catalog, "icd10cm", bundled.icd10cm_tabular(), effective_from=date(2025, 10, 1)
        )
        print(f"second full ICD-10-CM release loaded in {time.perf_counter() - started:.1f} s")
    sys.stdout.flush()

    lookup = CodeLookup(catalog)
    conn = sqlite3.connect(settings.catalog_path)
    keys = [
        row[0]
        for row in conn.execute(
            "SELECT key FROM codes WHERE release = 'icd10cm-2026-04' AND kind = 'code'"
        )
    ]
    conn.close()
    sample = random.Random(6).sample(keys, 1000)
    for label, on_date in (("live release", None), ("dated (2025-12-01)", date(2025, 12, 1))):
        times = []
        for key in sample:
            started = time.perf_counter()
            page_body(lookup.page("icd10cm", key, on_date=on_date))
            times.append(time.perf_counter() - started)
        print(f"code page with history, {label}, 1000 codes: {_ms(times)}")

    times = []
    for _ in range(5):
        started = time.perf_counter()
        changes = changes_body(lookup.releases.changes("icd10cm", "2025-10", "2026-04"))
        times.append(time.perf_counter() - started)
    print(
        f"changes between two full releases (98,505 records each, {changes['counts']}): "
        f"best {min(times) * 1000:.0f} ms"
    )

    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "catalog.db"
        source, conn = sqlite3.connect(settings.catalog_path), sqlite3.connect(old)
        source.backup(conn)  # a consistent copy, write-ahead log included
        source.close()
        conn.executescript(OLD_SCHEMA)
        rows = conn.execute("SELECT count(*) FROM codes").fetchone()[0]
        conn.close()
        started = time.perf_counter()
        SqliteCatalog(old)
        print(f"upgrading a store of {rows} rows: {time.perf_counter() - started:.1f} s (once)")


if __name__ == "__main__":
    main(
        Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="coderef-bench-"))
    )
