"""Compare two imported data directories row by row: what an import change must leave equal.

    PYTHONPATH=functions python tools/compare_imports.py <data dir A> <data dir B>

Catalog: every release row (but its load time) and every `codes` row of every release (key,
kind, fingerprint, and the record decoded, or the removed marker), so two packings of the
same content compare equal. Search index: every row of every table, FTS5's own included.
`spell` is compared as a set: its row order follows a Python set's, which changes between
any two runs (hash seed). Prints each difference and the count; exits 1 when any.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import sys
from pathlib import Path

from coderef.adapters.record_blobs import unpack_record

_RELEASE_COLUMNS = (
    "id, system, name, source, effective_from, effective_to, live, record_count, base"
)


def _rows(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _decoded(blob: bytes) -> dict | None:
    return dataclasses.asdict(unpack_record(blob)) if blob else None


def compare(a: Path, b: Path) -> int:
    differences = 0
    sql = f"SELECT {_RELEASE_COLUMNS} FROM releases ORDER BY id"
    releases = _rows(a / "catalog.db", sql)
    if releases != _rows(b / "catalog.db", sql):
        print("releases differ")
        differences += 1
    compared = 0
    for release_id, *_ in releases:
        sql = "SELECT key, kind, digest, record FROM codes WHERE release = ? ORDER BY key"
        left = _rows(a / "catalog.db", sql, (release_id,))
        right = _rows(b / "catalog.db", sql, (release_id,))
        if len(left) != len(right):
            print(f"{release_id}: {len(left)} rows against {len(right)}")
            differences += 1
        for x, y in zip(left, right, strict=False):
            compared += 1
            if x[:3] != y[:3] or _decoded(x[3]) != _decoded(y[3]):
                print(f"{release_id} {x[0]}: differs")
                differences += 1
    print(f"catalog: {compared} rows compared")
    sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'fts' ORDER BY name"
    tables = [t for (t,) in _rows(a / "search.db", sql)]
    if tables != [t for (t,) in _rows(b / "search.db", sql)]:
        print("index tables differ")
        differences += 1
    for table in tables:
        left = _rows(a / "search.db", f"SELECT * FROM {table}")
        right = _rows(b / "search.db", f"SELECT * FROM {table}")
        if table == "spell":
            left, right = sorted(left), sorted(right)
        same = left == right
        print(f"index {table}: {len(left)} rows {'identical' if same else 'DIFFER'}")
        differences += not same
    print(f"differences: {differences}")
    return differences


if __name__ == "__main__":
    sys.exit(1 if compare(Path(sys.argv[1]), Path(sys.argv[2])) else 0)
