"""The SQLite module every search process uses: sqlean-py, which bundles SQLite with FTS5.

Lambda runtimes have shipped system SQLite builds without FTS5, so the stdlib module is not
trusted here. Import fails with a clear message rather than a confusing query error later.
"""

from __future__ import annotations

try:
    import sqlean as sqlite3
except ImportError as exc:  # pragma: no cover - only on a broken install
    raise ImportError(
        "coderef search needs the sqlean-py package (SQLite with FTS5); "
        "install the project with `pip install -e .`"
    ) from exc


def has_fts5() -> bool:
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='trigram')")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        conn.close()


__all__ = ["has_fts5", "sqlite3"]
