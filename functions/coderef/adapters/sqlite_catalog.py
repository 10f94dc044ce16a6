"""SQLite adapter for the code catalog: one JSON record per code, releases switched atomically."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from coderef.adapters.record_blobs import pack_record, unpack_record
from coderef.adapters.sqlite_files import SqliteFile
from coderef.catalog.ports import Progress
from coderef.catalog.records import CodeRecord, Release, ReleaseDelta
from coderef.catalog.releases import FINGERPRINT_VERSION, fingerprint
from coderef.errors import InvalidInput, ReleaseNotFound, ServiceUnavailable

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

# A release stored as changes keeps rows only for keys that differ from its base release, and
# an empty record for each base key it lacks; every other key reads through to the base.
_REMOVED = b""

_RELEASE_COLUMNS = "id, system, name, source, effective_from, effective_to, live = 1, record_count"


_BATCH = 2000


class SqliteCatalog:
    """Reads are served from whichever release is live for a system; writes replace a release
    inside one transaction, so readers see either the old release or the new one, never half."""

    def __init__(self, path: Path, bulk: bool = False) -> None:
        """`bulk`: a new file no one reads before it is complete (fresh_import): no rollback
        journal and no syncs, SQLite's fastest way to write."""
        self.path = Path(path)
        # synchronous=NORMAL: a release can always be imported again, unlike an account.
        self._file = SqliteFile(
            self.path,
            synchronous="OFF" if bulk else "NORMAL",
            busy_timeout_ms=30_000,
            journal_mode="OFF" if bulk else "WAL",
        )
        # What release_token answers: bumped whenever the watching connection sees the file
        # changed by another connection (an import, `coderef releases live`, another process).
        # One connection for every thread: data_version counts per connection.
        self._generation = 0
        self._watch: sqlite3.Connection | None = None
        self._watch_seen: int | None = None
        self._watch_lock = threading.Lock()
        # The release rows, read once per generation instead of on every summary and page.
        self._release_rows: tuple[int, dict[str | None, list[Release]]] = (-1, {})
        conn = self._connect()
        try:
            conn.executescript(_SCHEMA)
            self._add_revision_columns(conn)
            conn.executescript(_INDEXES)
            self._add_base_column(conn)
            self._refresh_fingerprints(conn)
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

    @staticmethod
    def _add_base_column(conn: sqlite3.Connection) -> None:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(releases)")}
        if "base" not in columns:
            with conn:
                conn.execute("ALTER TABLE releases ADD COLUMN base TEXT")

    @staticmethod
    def _refresh_fingerprints(conn: sqlite3.Connection) -> None:
        """Fingerprints written before titles were compared without punctuation are computed
        again, once (the schema version records which rule wrote them)."""
        if conn.execute("PRAGMA user_version").fetchone()[0] >= FINGERPRINT_VERSION:
            return
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            rows = conn.execute("SELECT rowid, record FROM codes WHERE length(record) > 0")
            updates = [(fingerprint(unpack_record(blob)), row_id) for row_id, blob in rows]
            conn.executemany("UPDATE codes SET digest = ? WHERE rowid = ?", updates)
            conn.execute(f"PRAGMA user_version = {FINGERPRINT_VERSION}")

    def _connect(self) -> sqlite3.Connection:
        return self._file.connect()

    def close(self) -> None:
        """Close this thread's connection and the release watch's; the next read opens the
        file anew (a first import renames a new file over this one: nothing may hold the old)."""
        self._file.close()
        with self._watch_lock:
            if self._watch is not None:
                self._watch.close()
                self._watch = None
            # A new connection counts data_version afresh: whatever it says next is news.
            self._watch_seen = None

    def is_empty(self) -> bool:
        return not self._query("SELECT 1 FROM releases LIMIT 1")

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
            "SELECT r.id, (SELECT c.record FROM codes c WHERE c.release = r.id AND c.key = ?), "
            "(SELECT b.record FROM codes b WHERE b.release = r.base AND b.key = ?) "
            f"FROM releases r WHERE r.system = ? AND {which}",
            (key, key, system, *params),
        )
        return _record(*rows[0]) if rows else None

    def get_many(
        self, system: str, keys: Iterable[str], release: str | None = None
    ) -> dict[str, CodeRecord]:
        which, params = self._which(release)
        chosen = self._query(
            f"SELECT r.id, r.base FROM releases r WHERE r.system = ? AND {which}", (system, *params)
        )
        if not chosen:
            return {}
        release_id, base = chosen[0]
        wanted = list(dict.fromkeys(keys))
        found: dict[str, CodeRecord] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._query(
                f"SELECT key, record FROM codes WHERE release = ? AND key IN ({marks})",
                (release_id, *chunk),
            )
            own = dict(rows)
            rest = [k for k in chunk if k not in own]
            if base and rest:
                marks = ",".join("?" * len(rest))
                rows = self._query(
                    f"SELECT key, record FROM codes WHERE release = ? AND key IN ({marks})",
                    (base, *rest),
                )
                for key, raw in rows:
                    found[key] = _inherited(release_id, raw)
            for key, raw in own.items():
                if raw != _REMOVED:
                    found[key] = unpack_record(raw)
        return found

    def release_token(self, system: str) -> int:
        """A number that changes whenever the store may have changed since this process last
        looked (for every system at once: a commit names no system). One `PRAGMA data_version`
        on a connection kept for it: SQLite changes that on every commit by any other
        connection, this process's imports included (they write through connections of their
        own)."""
        with self._watch_lock:
            try:
                if self._watch is None:
                    self._watch = self._connect()
                version = self._watch.execute("PRAGMA data_version").fetchone()[0]
            except sqlite3.OperationalError as exc:
                raise ServiceUnavailable("The code catalog is busy; try again shortly.") from exc
            if version != self._watch_seen:
                self._watch_seen = version
                self._generation += 1
            return self._generation

    def _listed(self, system: str | None, live_only: bool = False) -> list[Release]:
        generation = self.release_token(system or "")
        cached_at, by_system = self._release_rows
        if cached_at != generation:
            by_system = {}
            self._release_rows = (generation, by_system)
        key = f"live:{system}" if live_only else system
        found = by_system.get(key)
        if found is None:
            if live_only:
                sql = f"SELECT {_RELEASE_COLUMNS} FROM releases WHERE live = 1 ORDER BY system"
                params: tuple = ()
            else:
                where, params = ("WHERE system = ?", (system,)) if system else ("", ())
                sql = (
                    f"SELECT {_RELEASE_COLUMNS} FROM releases {where} "
                    "ORDER BY system, effective_from, id"
                )
            found = by_system[key] = [_release(row) for row in self._query(sql, params)]
        return list(found)  # a copy: callers may sort or extend theirs

    def releases(self) -> list[Release]:
        return self._listed(None, live_only=True)

    def all_releases(self, system: str | None = None) -> list[Release]:
        return self._listed(system)

    def versions(self, system: str, key: str) -> dict[str, CodeRecord]:
        bases = dict(self._query("SELECT id, base FROM releases WHERE system = ?", (system,)))
        blobs = dict(self._query("SELECT release, record FROM codes WHERE key = ?", (key,)))
        out: dict[str, CodeRecord] = {}
        for release_id, base in bases.items():
            record = _record(release_id, blobs.get(release_id), blobs.get(base) if base else None)
            if record is not None:
                out[release_id] = record
        return out

    def _digests(self, release_id: str) -> dict[str, str]:
        """Every key of a release with its revision fingerprint, read through its base."""
        row = self._query("SELECT base FROM releases WHERE id = ?", (release_id,))
        base = row[0][0] if row else None
        digests: dict[str, str] = {}
        if base:
            digests.update(self._query("SELECT key, digest FROM codes WHERE release = ?", (base,)))
        for key, digest, removed in self._query(
            "SELECT key, digest, length(record) = 0 FROM codes WHERE release = ?", (release_id,)
        ):
            if removed:
                digests.pop(key, None)
            else:
                digests[key] = digest
        return digests

    def release_keys(self, release_id: str) -> list[str]:
        """Every key a release holds (read through its base), sorted."""
        return sorted(self._digests(release_id))

    def compare_releases(self, before: str, after: str) -> ReleaseDelta:
        old, new = self._digests(before), self._digests(after)
        return ReleaseDelta(
            added=sorted(k for k in new if k not in old),
            deleted=sorted(k for k in old if k not in new),
            changed=sorted(k for k, d in new.items() if k in old and old[k] != d),
        )

    def iter_live(self, systems: Iterable[str] | None = None) -> Iterator[CodeRecord]:
        """Every live record (of `systems` only, when given), for bulk readers (the index
        build, publishing) that do not change records in place: nested values equal across
        records are shared."""
        shared: dict = {}
        wanted = None if systems is None else set(systems)
        conn = self._connect()
        try:
            live = conn.execute(
                "SELECT id, base, system FROM releases WHERE live = 1 ORDER BY system"
            ).fetchall()
            for release_id, base, system in live:
                if wanted is not None and system not in wanted:
                    continue
                cursor = conn.execute(
                    "SELECT record, 0 FROM codes WHERE release = ? AND length(record) > 0 "
                    "UNION ALL SELECT b.record, 1 FROM codes b WHERE b.release = ? AND NOT EXISTS "
                    "(SELECT 1 FROM codes c WHERE c.release = ? AND c.key = b.key)",
                    (release_id, base or "", release_id),
                )
                for raw, from_base in cursor:
                    record = unpack_record(raw, shared)
                    if from_base:
                        record.release = release_id
                    yield record
        finally:
            conn.close()

    def load_release(
        self, release: Release, records: list[CodeRecord], progress: Progress | None = None
    ) -> None:
        conn = self._connect()
        try:
            with conn:  # one transaction: commit on success, roll back on any exception
                conn.execute("BEGIN IMMEDIATE")
                self._detach_dependents(conn, release.id)
                conn.execute("DELETE FROM codes WHERE release = ?", (release.id,))
                self._write_rows(conn, release.id, records, progress)
                self._register(conn, release, len(records), None)
        finally:
            conn.close()

    def load_changes(
        self,
        release: Release,
        base: str,
        changed: list[CodeRecord],
        removed: list[str],
        total: int,
        progress: Progress | None = None,
    ) -> None:
        """Write a release as its differences from a loaded release: the records that are new
        or differ, and the base's keys it lacks. Every other key reads as the base's record.
        The caller has compared the two; `total` is the release's whole record count."""
        conn = self._connect()
        try:
            with conn:
                conn.execute("BEGIN IMMEDIATE")
                row = conn.execute("SELECT base FROM releases WHERE id = ?", (base,)).fetchone()
                if row is None or row[0] is not None or base == release.id:
                    raise InvalidInput(f"'{base}' is not a loaded release stored whole.")
                self._detach_dependents(conn, release.id)
                conn.execute("DELETE FROM codes WHERE release = ?", (release.id,))
                self._write_rows(conn, release.id, changed, progress)
                conn.executemany(
                    "INSERT INTO codes (release, key, kind, digest, record) "
                    "VALUES (?, ?, '', '', ?)",
                    [(release.id, key, _REMOVED) for key in removed],
                )
                self._register(conn, release, total, base)
        finally:
            conn.close()

    @staticmethod
    def _write_rows(
        conn: sqlite3.Connection,
        release_id: str,
        records: list[CodeRecord],
        progress: Progress | None,
    ) -> None:
        total = len(records)
        for start in range(0, total, _BATCH):
            batch = records[start : start + _BATCH]
            conn.executemany(
                "INSERT INTO codes (release, key, kind, digest, record) VALUES (?, ?, ?, ?, ?)",
                [(release_id, r.key, r.kind, fingerprint(r), pack_record(r)) for r in batch],
            )
            if progress:
                progress(min(start + _BATCH, total), total)

    @staticmethod
    def _detach_dependents(conn: sqlite3.Connection, release_id: str) -> None:
        """Before a release is replaced, the releases stored as changes against it get a full
        copy of the rows they read through it, so they keep their own content."""
        dependents = [
            r[0] for r in conn.execute("SELECT id FROM releases WHERE base = ?", (release_id,))
        ]
        for dependent in dependents:
            rows = conn.execute(
                "SELECT b.key, b.kind, b.digest, b.record FROM codes b WHERE b.release = ? AND "
                "NOT EXISTS (SELECT 1 FROM codes c WHERE c.release = ? AND c.key = b.key)",
                (release_id, dependent),
            ).fetchall()
            copies = []
            for key, kind, digest, blob in rows:
                record = unpack_record(blob)
                record.release = dependent
                copies.append((dependent, key, kind, digest, pack_record(record)))
            conn.executemany(
                "INSERT INTO codes (release, key, kind, digest, record) VALUES (?, ?, ?, ?, ?)",
                copies,
            )
            conn.execute("DELETE FROM codes WHERE release = ? AND length(record) = 0", (dependent,))
            conn.execute("UPDATE releases SET base = NULL WHERE id = ?", (dependent,))

    @staticmethod
    def _register(conn: sqlite3.Connection, release: Release, total: int, base: str | None) -> None:
        """Add or replace the release row; it becomes live unless a later release is."""
        live = conn.execute(
            "SELECT id, effective_from FROM releases WHERE system = ? AND live = 1",
            (release.system,),
        ).fetchone()
        # An older release loaded for its history does not take over from a newer one.
        make_live = live is None or live[0] == release.id or release.effective_from >= live[1]
        if make_live:
            conn.execute("UPDATE releases SET live = 0 WHERE system = ?", (release.system,))
        conn.execute(
            "INSERT OR REPLACE INTO releases (id, system, name, source, effective_from, "
            "effective_to, live, record_count, loaded_at, base) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                base,
            ),
        )

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


def _record(release_id: str, own: bytes | None, base: bytes | None) -> CodeRecord | None:
    """A release's record from its own row, else (read through) from its base release's."""
    if own is not None:
        return None if own == _REMOVED else unpack_record(own)
    if base is None or base == _REMOVED:
        return None
    return _inherited(release_id, base)


def _inherited(release_id: str, base: bytes) -> CodeRecord:
    """A base release's record, read as the record of a release stored as changes."""
    record = unpack_record(base)
    record.release = release_id
    return record


def _release(row: tuple) -> Release:
    release_id, system, name, source, effective_from, effective_to, live, count = row
    return Release(
        release_id, system, name, source, effective_from, effective_to, bool(live), count
    )
