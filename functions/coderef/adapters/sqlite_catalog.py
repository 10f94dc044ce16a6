"""SQLite adapter for the code catalog: one JSON record per code, releases switched atomically."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from coderef.adapters.record_blobs import pack_record, unpack_record
from coderef.adapters.sqlite_files import SqliteFile
from coderef.catalog.ports import Progress
from coderef.catalog.records import CodeRecord, Release, ReleaseDelta
from coderef.catalog.releases import fingerprint
from coderef.errors import ReleaseNotFound, ServiceUnavailable

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
    record BLOB NOT NULL,
    kind TEXT NOT NULL DEFAULT '',
    digest TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX IF NOT EXISTS codes_release_key ON codes(release, key);
"""

# Added with releases side by side: a code's history reads one key across releases.
_INDEXES = "CREATE INDEX IF NOT EXISTS codes_key ON codes(key);"

_RELEASE_COLUMNS = "id, system, name, source, effective_from, effective_to, live = 1, record_count"


_BATCH = 2000


class SqliteCatalog:
    """Reads are served from whichever release is live for a system; writes replace a release
    inside one transaction, so readers see either the old release or the new one, never half."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        # synchronous=NORMAL: a release can always be imported again, unlike an account.
        self._file = SqliteFile(self.path, synchronous="NORMAL", busy_timeout_ms=30_000)
        conn = self._connect()
        try:
            conn.executescript(_SCHEMA)
            self._add_revision_columns(conn)
            conn.executescript(_INDEXES)
        finally:
            conn.close()

    @staticmethod
    def _add_revision_columns(conn: sqlite3.Connection) -> None:
        """A store written before releases could be compared lacks `kind` and `digest`: add
        them and fill them in from the records, once."""
        columns = {row[1] for row in conn.execute("PRAGMA table_info(codes)")}
        if "digest" in columns:
            return
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ALTER TABLE codes ADD COLUMN kind TEXT NOT NULL DEFAULT ''")
            conn.execute("ALTER TABLE codes ADD COLUMN digest TEXT NOT NULL DEFAULT ''")
            # By rowid: each update is one B-tree seek whatever the table's declared columns.
            rows = conn.execute("SELECT rowid, record FROM codes").fetchall()
            updates = []
            for row_id, blob in rows:
                record = unpack_record(blob)
                updates.append((record.kind, fingerprint(record), row_id))
            conn.executemany("UPDATE codes SET kind = ?, digest = ? WHERE rowid = ?", updates)

    def _connect(self) -> sqlite3.Connection:
        return self._file.connect()

    @property
    def _conn(self) -> sqlite3.Connection:
        return self._file.thread_connection

    def _query(self, sql: str, params: tuple = ()) -> list[tuple]:
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            raise ServiceUnavailable("The code catalog is busy; try again shortly.") from exc

    @staticmethod
    def _which(release: str | None) -> tuple[str, tuple]:
        """The SQL condition choosing the live release, or the named one."""
        return ("r.live = 1", ()) if release is None else ("r.id = ?", (release,))

    def get(self, system: str, key: str, release: str | None = None) -> CodeRecord | None:
        which, params = self._which(release)
        rows = self._query(
            "SELECT c.record FROM codes c JOIN releases r ON r.id = c.release "
            f"WHERE r.system = ? AND {which} AND c.key = ?",
            (system, *params, key),
        )
        return unpack_record(rows[0][0]) if rows else None

    def get_many(
        self, system: str, keys: Iterable[str], release: str | None = None
    ) -> dict[str, CodeRecord]:
        which, params = self._which(release)
        wanted = list(dict.fromkeys(keys))
        found: dict[str, CodeRecord] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._query(
                "SELECT c.record FROM codes c JOIN releases r ON r.id = c.release "
                f"WHERE r.system = ? AND {which} AND c.key IN ({marks})",
                (system, *params, *chunk),
            )
            for (raw,) in rows:
                rec = unpack_record(raw)
                found[rec.key] = rec
        return found

    def releases(self) -> list[Release]:
        rows = self._query(
            f"SELECT {_RELEASE_COLUMNS} FROM releases WHERE live = 1 ORDER BY system"
        )
        return [_release(row) for row in rows]

    def all_releases(self, system: str | None = None) -> list[Release]:
        where, params = ("WHERE system = ?", (system,)) if system else ("", ())
        rows = self._query(
            f"SELECT {_RELEASE_COLUMNS} FROM releases {where} ORDER BY system, effective_from, id",
            params,
        )
        return [_release(row) for row in rows]

    def versions(self, system: str, key: str) -> dict[str, CodeRecord]:
        rows = self._query(
            "SELECT c.release, c.record FROM codes c JOIN releases r ON r.id = c.release "
            "WHERE r.system = ? AND c.key = ?",
            (system, key),
        )
        return {release: unpack_record(blob) for release, blob in rows}

    def compare_releases(self, before: str, after: str) -> ReleaseDelta:
        def only_in(one: str, other: str) -> list[str]:
            rows = self._query(
                "SELECT a.key FROM codes a WHERE a.release = ? AND NOT EXISTS "
                "(SELECT 1 FROM codes b WHERE b.release = ? AND b.key = a.key) ORDER BY a.key",
                (one, other),
            )
            return [r[0] for r in rows]

        changed = self._query(
            "SELECT a.key FROM codes a JOIN codes b ON b.key = a.key AND b.release = ? "
            "WHERE a.release = ? AND a.digest != b.digest ORDER BY a.key",
            (before, after),
        )
        return ReleaseDelta(
            added=only_in(after, before),
            deleted=only_in(before, after),
            changed=[r[0] for r in changed],
        )

    def iter_live(self) -> Iterator[CodeRecord]:
        conn = self._connect()
        try:
            cursor = conn.execute(
                "SELECT c.record FROM codes c JOIN releases r ON r.id = c.release "
                "WHERE r.live = 1 ORDER BY r.system, c.key"
            )
            for (raw,) in cursor:
                yield unpack_record(raw)
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
                        "INSERT INTO codes (release, key, kind, digest, record) "
                        "VALUES (?, ?, ?, ?, ?)",
                        [
                            (release.id, r.key, r.kind, fingerprint(r), pack_record(r))
                            for r in batch
                        ],
                    )
                    if progress:
                        progress(min(start + _BATCH, total), total)
                live = conn.execute(
                    "SELECT id, effective_from FROM releases WHERE system = ? AND live = 1",
                    (release.system,),
                ).fetchone()
                # An older release loaded for its history does not take over from a newer one.
                make_live = (
                    live is None or live[0] == release.id or release.effective_from >= live[1]
                )
                if make_live:
                    conn.execute("UPDATE releases SET live = 0 WHERE system = ?", (release.system,))
                conn.execute(
                    "INSERT OR REPLACE INTO releases (id, system, name, source, effective_from, "
                    "effective_to, live, record_count, loaded_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        release.id,
                        release.system,
                        release.name,
                        release.source,
                        release.effective_from,
                        release.effective_to,
                        int(make_live),
                        total,
                        datetime.now(UTC).isoformat(timespec="seconds"),
                    ),
                )
        finally:
            conn.close()

    def set_live(self, release_id: str) -> Release:
        conn = self._connect()
        try:
            with conn:
                conn.execute("BEGIN IMMEDIATE")
                row = conn.execute(
                    "SELECT system FROM releases WHERE id = ?", (release_id,)
                ).fetchone()
                if row is None:
                    raise ReleaseNotFound(f"No release '{release_id[:40]}' is loaded.")
                conn.execute(
                    "UPDATE releases SET live = (id = ?) WHERE system = ?", (release_id, row[0])
                )
        finally:
            conn.close()
        return next(r for r in self.all_releases() if r.id == release_id)


def _release(row: tuple) -> Release:
    release_id, system, name, source, effective_from, effective_to, live, count = row
    return Release(
        release_id, system, name, source, effective_from, effective_to, bool(live), count
    )
