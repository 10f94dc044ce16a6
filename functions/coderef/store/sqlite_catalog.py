"""SQLite adapter for the code catalog: one JSON record per code, releases switched atomically."""

from __future__ import annotations

import json
import sqlite3
import threading
import zlib
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from coderef.domain.errors import ServiceUnavailable
from coderef.domain.records import CodeRecord, Release
from coderef.store.ports import Progress

_SCHEMA = """
CREATE TABLE IF NOT EXISTS releases (
    id TEXT PRIMARY KEY,
    system TEXT NOT NULL,
    name TEXT NOT NULL,
    source TEXT NOT NULL,
    effective_from TEXT NOT NULL,
    effective_to TEXT,
    live INTEGER NOT NULL DEFAULT 0,
    record_count INTEGER NOT NULL DEFAULT 0,
    loaded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS releases_live ON releases(system, live);
CREATE TABLE IF NOT EXISTS codes (
    id INTEGER PRIMARY KEY,
    release TEXT NOT NULL,
    key TEXT NOT NULL,
    record BLOB NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS codes_release_key ON codes(release, key);
"""


def _pack(record: CodeRecord) -> bytes:
    # Records repeat ancestor titles and note wording; zlib keeps the store a fifth the size.
    return zlib.compress(json.dumps(record.to_dict(), separators=(",", ":")).encode(), 6)


def _unpack(blob: bytes) -> CodeRecord:
    return CodeRecord.from_dict(json.loads(zlib.decompress(blob)))


_BATCH = 2000


class SqliteCatalog:
    """Reads are served from whichever release is live for a system; writes replace a release
    inside one transaction, so readers see either the old release or the new one, never half."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._connect() as conn:
            conn.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    @property
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    def _query(self, sql: str, params: tuple = ()) -> list[tuple]:
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            raise ServiceUnavailable("The code catalog is busy; try again shortly.") from exc

    def get(self, system: str, key: str) -> CodeRecord | None:
        rows = self._query(
            "SELECT c.record FROM codes c JOIN releases r ON r.id = c.release "
            "WHERE r.system = ? AND r.live = 1 AND c.key = ?",
            (system, key),
        )
        return _unpack(rows[0][0]) if rows else None

    def get_many(self, system: str, keys: Iterable[str]) -> dict[str, CodeRecord]:
        wanted = list(dict.fromkeys(keys))
        found: dict[str, CodeRecord] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._query(
                "SELECT c.record FROM codes c JOIN releases r ON r.id = c.release "
                f"WHERE r.system = ? AND r.live = 1 AND c.key IN ({marks})",
                (system, *chunk),
            )
            for (raw,) in rows:
                rec = _unpack(raw)
                found[rec.key] = rec
        return found

    def releases(self) -> list[Release]:
        rows = self._query(
            "SELECT id, system, name, source, effective_from, effective_to FROM releases "
            "WHERE live = 1 ORDER BY system"
        )
        return [Release(*row) for row in rows]

    def record_count(self, release_id: str) -> int:
        rows = self._query("SELECT record_count FROM releases WHERE id = ?", (release_id,))
        return rows[0][0] if rows else 0

    def iter_live(self) -> Iterator[CodeRecord]:
        conn = self._connect()
        try:
            cursor = conn.execute(
                "SELECT c.record FROM codes c JOIN releases r ON r.id = c.release "
                "WHERE r.live = 1 ORDER BY r.system, c.key"
            )
            for (raw,) in cursor:
                yield _unpack(raw)
        finally:
            conn.close()

    def load_release(
        self, release: Release, records: list[CodeRecord], progress: Progress | None = None
    ) -> None:
        conn = self._connect()
        try:
            with conn:  # one transaction: commit on success, roll back on any exception
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("DELETE FROM codes WHERE release = ?", (release.id,))
                total = len(records)
                for start in range(0, total, _BATCH):
                    batch = records[start : start + _BATCH]
                    conn.executemany(
                        "INSERT INTO codes (release, key, record) VALUES (?, ?, ?)",
                        [(release.id, r.key, _pack(r)) for r in batch],
                    )
                    if progress:
                        progress(min(start + _BATCH, total), total)
                conn.execute("UPDATE releases SET live = 0 WHERE system = ?", (release.system,))
                conn.execute(
                    "INSERT OR REPLACE INTO releases (id, system, name, source, effective_from, "
                    "effective_to, live, record_count, loaded_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)",
                    (
                        release.id,
                        release.system,
                        release.name,
                        release.source,
                        release.effective_from,
                        release.effective_to,
                        total,
                        datetime.now(UTC).isoformat(timespec="seconds"),
                    ),
                )
        finally:
            conn.close()
