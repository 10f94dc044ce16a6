"""SQLite adapter for the consultant's threads (var/consultant.db). Expired threads are hidden
on every read and deleted by `sweep` (the local server sweeps at start and hourly)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from coderef.adapters.sqlite_files import SqliteFile
from coderef.consultant.model import Message, Thread, ThreadStatus
from coderef.errors import ServiceUnavailable

_SCHEMA = """
CREATE TABLE IF NOT EXISTS threads (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    email TEXT NOT NULL,
    subject TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    context_system TEXT NOT NULL DEFAULT '',
    context_code TEXT NOT NULL DEFAULT '',
    refs TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS threads_user ON threads(user_id, updated_at);
CREATE INDEX IF NOT EXISTS threads_status ON threads(status, updated_at);
CREATE TABLE IF NOT EXISTS messages (
    thread_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    role TEXT NOT NULL,
    text TEXT NOT NULL,
    at TEXT NOT NULL,
    message_id TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (thread_id, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS messages_mail ON messages(message_id);
"""

_COLUMNS = (
    "id, user_id, email, subject, status, created_at, updated_at, expires_at, "
    "context_system, context_code, refs"
)


class SqliteConsultant:
    def __init__(self, path: Path, busy_timeout_ms: int = 5000) -> None:
        self._file = SqliteFile(
            Path(path),
            synchronous="FULL",
            busy_timeout_ms=busy_timeout_ms,
            explicit_transactions=True,
        )
        self._file.thread_connection.executescript(_SCHEMA)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        conn = self._file.thread_connection
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise ServiceUnavailable("The consultant store is busy; try again shortly.") from exc
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _rows(self, sql: str, *args: object) -> list[tuple]:
        return self._file.thread_connection.execute(sql, args).fetchall()

    def create_thread(self, thread: Thread) -> None:
        with self._tx() as conn:
            conn.execute(
                f"INSERT INTO threads ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)", _row(thread)
            )

    def update_thread(self, thread: Thread) -> None:
        with self._tx() as conn:
            conn.execute(
                "UPDATE threads SET status=?, updated_at=?, expires_at=?, context_system=?, "
                "context_code=?, refs=? WHERE id=?",
                (
                    thread.status,
                    thread.updated_at,
                    thread.expires_at,
                    thread.context_system,
                    thread.context_code,
                    json.dumps(list(thread.references)),
                    thread.id,
                ),
            )

    def thread(self, thread_id: str, now: int) -> Thread | None:
        rows = self._rows(
            f"SELECT {_COLUMNS} FROM threads WHERE id=? AND expires_at>?", thread_id, now
        )
        return _thread(rows[0]) if rows else None

    def add_message(self, message: Message, expires_at: int) -> None:
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO messages (thread_id, seq, role, text, at, message_id) "
                "VALUES (?,?,?,?,?,?)",
                (
                    message.thread_id,
                    message.seq,
                    message.role,
                    message.text,
                    message.at,
                    message.message_id,
                ),
            )

    def messages(self, thread_id: str) -> list[Message]:
        rows = self._rows(
            "SELECT thread_id, seq, role, text, at, message_id FROM messages "
            "WHERE thread_id=? ORDER BY seq",
            thread_id,
        )
        return [Message(*row) for row in rows]

    def thread_for_mail(self, message_ids: list[str], now: int) -> Thread | None:
        for message_id in message_ids:
            if not message_id:
                continue
            rows = self._rows(
                f"SELECT {', '.join('t.' + c.strip() for c in _COLUMNS.split(','))} "
                "FROM messages m JOIN threads t ON t.id = m.thread_id "
                "WHERE m.message_id=? AND t.expires_at>? LIMIT 1",
                message_id,
                now,
            )
            if rows:
                return _thread(rows[0])
        return None

    def threads_of(self, user_id: str, now: int) -> list[Thread]:
        rows = self._rows(
            f"SELECT {_COLUMNS} FROM threads WHERE user_id=? AND expires_at>? "
            "ORDER BY updated_at DESC, rowid DESC",
            user_id,
            now,
        )
        return [_thread(r) for r in rows]

    def waiting(self, now: int) -> list[Thread]:
        rows = self._rows(
            f"SELECT {_COLUMNS} FROM threads WHERE status=? AND expires_at>? "
            "ORDER BY updated_at, rowid",
            ThreadStatus.WAITING_FOR_CODER,
            now,
        )
        return [_thread(r) for r in rows]

    def delete_thread(self, thread_id: str) -> None:
        with self._tx() as conn:
            conn.execute("DELETE FROM messages WHERE thread_id=?", (thread_id,))
            conn.execute("DELETE FROM threads WHERE id=?", (thread_id,))

    def sweep(self, now: int) -> int:
        with self._tx() as conn:
            conn.execute(
                "DELETE FROM messages WHERE thread_id IN "
                "(SELECT id FROM threads WHERE expires_at<=?)",
                (now,),
            )
            return conn.execute("DELETE FROM threads WHERE expires_at<=?", (now,)).rowcount


def _row(thread: Thread) -> tuple:
    return (
        thread.id,
        thread.user_id,
        thread.email,
        thread.subject,
        thread.status,
        thread.created_at,
        thread.updated_at,
        thread.expires_at,
        thread.context_system,
        thread.context_code,
        json.dumps(list(thread.references)),
    )


def _thread(row: tuple) -> Thread:
    (id_, user_id, email, subject, status, created, updated, expires, system, code, refs) = row
    return Thread(
        id=id_,
        user_id=user_id,
        email=email,
        subject=subject,
        status=status,
        created_at=created,
        updated_at=updated,
        expires_at=expires,
        context_system=system,
        context_code=code,
        references=tuple(json.loads(refs)),
    )
