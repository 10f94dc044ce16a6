"""How both SQLite stores open their database file: write-ahead log, a busy timeout, and one
connection per thread (a connection must not be shared by two threads mid-statement)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any


class SqliteFile:
    def __init__(
        self,
        path: Path,
        *,
        synchronous: str,
        busy_timeout_ms: int,
        explicit_transactions: bool = False,
        journal_mode: str = "WAL",
    ) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.synchronous = synchronous
        self.busy_timeout_ms = busy_timeout_ms
        # explicit_transactions: the caller opens every transaction itself (BEGIN IMMEDIATE),
        # instead of Python's module opening one before the first write.
        self.explicit_transactions = explicit_transactions
        # "OFF" only for a file no one reads until it is complete (a first import's new file).
        self.journal_mode = journal_mode
        self._local = threading.local()

    def connect(self) -> sqlite3.Connection:
        """A new connection, for work that must not share the thread's (a long import)."""
        # isolation_level is passed only when None: the module's own default otherwise.
        options: dict[str, Any] = {"isolation_level": None} if self.explicit_transactions else {}
        conn = sqlite3.connect(
            self.path,
            timeout=self.busy_timeout_ms / 1000,
            check_same_thread=False,
            **options,
        )
        conn.execute(f"PRAGMA journal_mode={self.journal_mode}")
        conn.execute(f"PRAGMA synchronous={self.synchronous}")
        conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_ms)}")
        return conn

    @property
    def thread_connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self.connect()
        return conn

    def close(self) -> None:
        """Close this thread's connection (a later query opens a new one)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            self._local.conn = None
            conn.close()
