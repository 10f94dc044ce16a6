"""SQLite adapter for Accounts. Every decision is one guarded write inside one transaction; a
re-opened code page, which changes nothing, is answered by one read first."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from coderef.accounts.model import (
    Meter,
    Plan,
    SessionCheck,
    Unlocked,
    UnlockedPage,
    User,
    WindowCount,
    parse_unlocked_cursor,
    unlocked_cursor,
    user_meter_id,
)
from coderef.adapters.sqlite_files import SqliteFile
from coderef.errors import (
    EmailTaken,
    MeterClosed,
    NotSignedIn,
    ServiceUnavailable,
    ViewLimitReached,
    WindowFull,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    plan TEXT NOT NULL,
    created_at TEXT NOT NULL,
    email_confirmed INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS meters (
    id TEXT PRIMARY KEY,
    remaining INTEGER NOT NULL CHECK (remaining >= 0),
    plan TEXT NOT NULL,
    closed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS unlocked (
    meter_id TEXT NOT NULL,
    system TEXT NOT NULL,
    key TEXT NOT NULL,
    unlocked_at TEXT NOT NULL,
    PRIMARY KEY (meter_id, system, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user_id);
CREATE TABLE IF NOT EXISTS reset_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    used INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS reset_tokens_user ON reset_tokens(user_id);
CREATE TABLE IF NOT EXISTS confirm_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS windows (
    key TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
"""


_HIT_WINDOW = (
    "INSERT INTO windows (key, count, expires_at) VALUES (?, 1, ?) "
    "ON CONFLICT(key) DO UPDATE SET count = count + 1 RETURNING count"
)
_USER_COLUMNS = "id, email, plan, created_at, email_confirmed"
_LIVE_SESSION = "SELECT 1 FROM sessions WHERE token_hash = ? AND user_id = ? AND expires_at > ?"


class SqliteAccounts:
    def __init__(self, path: Path, busy_timeout_ms: int = 5000) -> None:
        self.path = Path(path)
        # busy_timeout: how long a request waits for another writer before answering 503 (a
        # page should fail fast and say "try again" rather than hang). synchronous=FULL: an
        # account or a charge survives a crash. Explicit transactions, BEGIN IMMEDIATE for
        # writes, so two writers never both read-then-write on stale data.
        self._file = SqliteFile(
            self.path,
            synchronous="FULL",
            busy_timeout_ms=busy_timeout_ms,
            explicit_transactions=True,
        )
        self._writers = threading.Lock()
        self._conn.executescript(_SCHEMA)  # executescript manages its own transaction
        self._migrate()

    def _migrate(self) -> None:
        """Columns added since a store was made. Accounts from before email confirmation count
        as confirmed: they were given their bonus when they registered."""
        columns = {row[1] for row in self._conn.execute("PRAGMA table_info(users)")}
        if "email_confirmed" not in columns:
            with self._tx() as conn:
                conn.execute(
                    "ALTER TABLE users ADD COLUMN email_confirmed INTEGER NOT NULL DEFAULT 1"
                )

    @property
    def _conn(self) -> sqlite3.Connection:
        return self._file.thread_connection

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        # This process's writers queue on a lock, in turn, instead of in SQLite's busy handler,
        # which sleeps and retries and gave a burst of page views a tail of over a second.
        # Other processes still meet at BEGIN IMMEDIATE.
        if not self._writers.acquire(timeout=self._file.busy_timeout_ms / 1000):
            raise ServiceUnavailable("The account store is busy; try again shortly.")
        try:
            with self._locked_tx() as conn:
                yield conn
        finally:
            self._writers.release()

    @contextmanager
    def _locked_tx(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise ServiceUnavailable("The account store is busy; try again shortly.") from exc
        try:
            yield conn
        except sqlite3.OperationalError as exc:
            conn.execute("ROLLBACK")
            raise ServiceUnavailable(
                "The account store is unavailable; try again shortly."
            ) from exc
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            try:
                conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                conn.execute("ROLLBACK")
                raise ServiceUnavailable("The account store is busy; try again shortly.") from exc

    def _read(self, sql: str, params: tuple = ()) -> list[tuple]:
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            raise ServiceUnavailable("The account store is busy; try again shortly.") from exc

    def _write(self, sql: str, params: tuple = ()) -> int:
        with self._tx() as conn:
            return conn.execute(sql, params).rowcount

    # -- users ---------------------------------------------------------------------------
    def create_user(
        self, user: User, password_hash: str, meter_remaining: int, carry_from: str | None
    ) -> None:
        meter_id = f"u:{user.id}"
        try:
            with self._tx() as conn:
                conn.execute(
                    "INSERT INTO users (id, email, password_hash, plan, created_at, "
                    "email_confirmed) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        user.id,
                        user.email,
                        password_hash,
                        user.plan,
                        user.created_at,
                        int(user.email_confirmed),
                    ),
                )
                conn.execute(
                    "INSERT INTO meters (id, remaining, plan) VALUES (?, ?, ?)",
                    (meter_id, meter_remaining, user.plan),
                )
                if carry_from:
                    conn.execute(
                        "INSERT OR IGNORE INTO unlocked (meter_id, system, key, unlocked_at) "
                        "SELECT ?, system, key, unlocked_at FROM unlocked WHERE meter_id = ?",
                        (meter_id, carry_from),
                    )
                    conn.execute(
                        "UPDATE meters SET closed = 1, remaining = 0 WHERE id = ?", (carry_from,)
                    )
        except sqlite3.IntegrityError as exc:
            raise EmailTaken("An account with that email already exists. Log in instead.") from exc

    def _user(self, row: tuple) -> User:
        return User(
            id=row[0], email=row[1], plan=row[2], created_at=row[3], email_confirmed=bool(row[4])
        )

    def user_by_id(self, user_id: str) -> User | None:
        rows = self._read(f"SELECT {_USER_COLUMNS} FROM users WHERE id = ?", (user_id,))
        return self._user(rows[0]) if rows else None

    def user_by_email(self, email: str) -> tuple[User, str] | None:
        rows = self._read(
            f"SELECT {_USER_COLUMNS}, password_hash FROM users WHERE email = ?", (email,)
        )
        return (self._user(rows[0]), rows[0][5]) if rows else None

    def list_users(self) -> list[User]:
        rows = self._read(f"SELECT {_USER_COLUMNS} FROM users ORDER BY created_at")
        return [self._user(r) for r in rows]

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        self._write("UPDATE users SET password_hash = ? WHERE id = ?", (password_hash, user_id))

    def set_plan(self, user_id: str, plan: Plan) -> None:
        with self._tx() as conn:
            conn.execute("UPDATE users SET plan = ? WHERE id = ?", (plan, user_id))
            conn.execute("UPDATE meters SET plan = ? WHERE id = ?", (plan, f"u:{user_id}"))

    def grant_views(self, meter_id: str, views: int) -> Meter:
        with self._tx() as conn:
            conn.execute(
                "UPDATE meters SET remaining = max(0, remaining + ?) WHERE id = ?",
                (views, meter_id),
            )
        meter = self.meter(meter_id)
        assert meter is not None
        return meter

    # -- sessions ------------------------------------------------------------------------
    def create_session(self, token_hash: str, user_id: str, expires_at: int) -> None:
        self._write(
            "INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (?, ?, ?)",
            (token_hash, user_id, expires_at),
        )

    def session_meter(self, user_id: str, token_hash: str, now: int) -> Meter | None:
        rows = self._read(
            "SELECT m.id, m.remaining, m.plan FROM sessions s JOIN meters m ON m.id = ? "
            "WHERE s.token_hash = ? AND s.user_id = ? AND s.expires_at > ? AND m.closed = 0",
            (user_meter_id(user_id), token_hash, user_id, now),
        )
        return Meter(*rows[0]) if rows else None

    def delete_session(self, user_id: str, token_hash: str) -> None:
        self._write(
            "DELETE FROM sessions WHERE token_hash = ? AND user_id = ?", (token_hash, user_id)
        )

    def delete_user_sessions(self, user_id: str) -> None:
        self._write("DELETE FROM sessions WHERE user_id = ?", (user_id,))

    # -- meters --------------------------------------------------------------------------
    def create_meter(
        self,
        meter_id: str,
        remaining: int,
        plan: Plan,
        first: tuple[str, str, str] | None = None,
        expires_at: int | None = None,  # local guest meters are kept
        counted_in: WindowCount | None = None,
    ) -> Meter:
        with self._tx() as conn:
            if counted_in:
                row = conn.execute(
                    "SELECT count FROM windows WHERE key = ?", (counted_in.key,)
                ).fetchone()
                if row and row[0] >= counted_in.limit:
                    raise WindowFull("This window is full.")
                conn.execute(_HIT_WINDOW, (counted_in.key, counted_in.expires_at))
            conn.execute(
                "INSERT INTO meters (id, remaining, plan) VALUES (?, ?, ?)",
                (meter_id, remaining, plan),
            )
            if first:
                conn.execute(
                    "INSERT INTO unlocked (meter_id, system, key, unlocked_at) VALUES (?, ?, ?, ?)",
                    (meter_id, *first),
                )
        return Meter(meter_id, remaining, plan)

    def meter(self, meter_id: str) -> Meter | None:
        rows = self._read(
            "SELECT id, remaining, plan FROM meters WHERE id = ? AND closed = 0", (meter_id,)
        )
        return Meter(*rows[0]) if rows else None

    def charge_view(
        self,
        meter_id: str,
        system: str,
        key: str,
        now: str,
        session: SessionCheck | None = None,
    ) -> tuple[Meter, bool]:
        reopened = self.reopened(meter_id, system, key, session)
        if reopened is not None:
            return reopened, False
        with self._tx() as conn:
            if (
                session
                and not conn.execute(
                    _LIVE_SESSION, (session.token_hash, meter_id.removeprefix("u:"), session.now)
                ).fetchone()
            ):
                raise NotSignedIn("Your session has ended. Log in again.")
            row = conn.execute(
                "SELECT remaining, plan FROM meters WHERE id = ? AND closed = 0", (meter_id,)
            ).fetchone()
            if row is None:
                raise MeterClosed("This meter no longer exists.")
            remaining, plan = row
            added = conn.execute(
                "INSERT OR IGNORE INTO unlocked (meter_id, system, key, unlocked_at) "
                "VALUES (?, ?, ?, ?)",
                (meter_id, system, key, now),
            ).rowcount
            if not added:
                return Meter(meter_id, remaining, plan), False
            if plan == Plan.UNLIMITED:
                return Meter(meter_id, remaining, plan), False
            # The guarded write: it takes a view only while one is left.
            charged = conn.execute(
                "UPDATE meters SET remaining = remaining - 1 WHERE id = ? AND remaining > 0",
                (meter_id,),
            ).rowcount
            if not charged:
                raise ViewLimitReached(
                    "You have used all your code page views.", meter=Meter(meter_id, 0, plan)
                )
            return Meter(meter_id, remaining - 1, plan), True

    def reopened(
        self, meter_id: str, system: str, key: str, session: SessionCheck | None = None
    ) -> Meter | None:
        """The meter, when this code is already open on it (and the session, if any, live):
        what the write below would answer, read in one statement (one snapshot) without
        queueing for the write lock. Anything else goes through the write."""
        live = (
            "(SELECT 1 FROM sessions s WHERE s.token_hash = ? AND s.user_id = ? "
            "AND s.expires_at > ?)"
            if session
            else "1"
        )
        params = (session.token_hash, meter_id.removeprefix("u:"), session.now) if session else ()
        rows = self._read(
            f"SELECT m.remaining, m.plan, {live} FROM meters m "
            "JOIN unlocked u ON u.meter_id = m.id "
            "WHERE m.id = ? AND m.closed = 0 AND u.system = ? AND u.key = ?",
            (*params, meter_id, system, key),
        )
        if not rows or not rows[0][2]:
            return None
        return Meter(meter_id, rows[0][0], rows[0][1])

    def refund_view(self, meter_id: str, system: str, key: str) -> None:
        with self._tx() as conn:
            removed = conn.execute(
                "DELETE FROM unlocked WHERE meter_id = ? AND system = ? AND key = ?",
                (meter_id, system, key),
            ).rowcount
            if removed:
                conn.execute(
                    "UPDATE meters SET remaining = remaining + 1 "
                    "WHERE id = ? AND plan != 'unlimited'",
                    (meter_id,),
                )

    def unlocked(self, meter_id: str) -> list[Unlocked]:
        rows = self._read(
            "SELECT system, key, unlocked_at FROM unlocked WHERE meter_id = ? "
            "ORDER BY unlocked_at DESC, system, key",
            (meter_id,),
        )
        return [Unlocked(*r) for r in rows]

    def unlocked_page(self, meter_id: str, limit: int, after: str | None = None) -> UnlockedPage:
        # Keyset paging on the primary key (meter_id, system, key): each page is one range read.
        start = parse_unlocked_cursor(after) if after else ("", "")
        rows = self._read(
            "SELECT system, key, unlocked_at FROM unlocked WHERE meter_id = ? "
            "AND (system, key) > (?, ?) ORDER BY system, key LIMIT ?",
            (meter_id, *start, limit + 1),
        )
        codes = [Unlocked(*r) for r in rows[:limit]]
        more = len(rows) > limit
        return UnlockedPage(
            codes, unlocked_cursor(codes[-1].system, codes[-1].key) if more else None
        )

    # -- reset tokens --------------------------------------------------------------------
    def create_reset_token(self, token_hash: str, user_id: str, expires_at: int) -> None:
        self._write(
            "INSERT INTO reset_tokens (token_hash, user_id, expires_at) VALUES (?, ?, ?)",
            (token_hash, user_id, expires_at),
        )

    def reset_password(self, token_hash: str, now: int, password_hash: str) -> str | None:
        with self._tx() as conn:
            user_id = _spend_token(conn, "reset_tokens", token_hash, now)
            if user_id is None:
                return None
            conn.execute(
                "UPDATE users SET password_hash = ? WHERE id = ?", (password_hash, user_id)
            )
            conn.execute("UPDATE reset_tokens SET used = 1 WHERE user_id = ?", (user_id,))
            conn.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))
        return user_id

    # -- email confirmation tokens -------------------------------------------------------
    def create_confirm_token(self, token_hash: str, user_id: str, expires_at: int) -> None:
        self._write(
            "INSERT INTO confirm_tokens (token_hash, user_id, expires_at) VALUES (?, ?, ?)",
            (token_hash, user_id, expires_at),
        )

    def confirm_email(self, token_hash: str, now: int, bonus_views: int) -> str | None:
        with self._tx() as conn:
            user_id = _spend_token(conn, "confirm_tokens", token_hash, now)
            if user_id is None:
                return None
            # The guarded write: only the first confirmation of the user grants the bonus.
            newly = conn.execute(
                "UPDATE users SET email_confirmed = 1 WHERE id = ? AND email_confirmed = 0",
                (user_id,),
            ).rowcount
            if newly:
                conn.execute(
                    "UPDATE meters SET remaining = remaining + ? WHERE id = ?",
                    (bonus_views, user_meter_id(user_id)),
                )
        return user_id

    # -- rate-limit windows --------------------------------------------------------------
    def count_window(self, key: str) -> int:
        rows = self._read("SELECT count FROM windows WHERE key = ?", (key,))
        return rows[0][0] if rows else 0

    def reserve(self, *windows: WindowCount) -> None:
        with self._tx() as conn:
            for i, window in enumerate(windows):
                row = conn.execute(
                    "SELECT count FROM windows WHERE key = ?", (window.key,)
                ).fetchone()
                if row and row[0] >= window.limit:
                    raise WindowFull("This window is full.", window=i)  # rolls back the others
                conn.execute(_HIT_WINDOW, (window.key, window.expires_at))

    def release(self, key: str) -> None:
        self._write("UPDATE windows SET count = count - 1 WHERE key = ? AND count > 0", (key,))

    def clear_window(self, key: str) -> None:
        self._write("DELETE FROM windows WHERE key = ?", (key,))

    def purge_expired(self, now: int) -> None:
        """Housekeeping DynamoDB does with TTL."""
        with self._tx() as conn:
            conn.execute("DELETE FROM sessions WHERE expires_at <= ?", (now,))
            conn.execute("DELETE FROM reset_tokens WHERE expires_at <= ?", (now,))
            conn.execute("DELETE FROM windows WHERE expires_at <= ?", (now,))


def _spend_token(conn: sqlite3.Connection, table: str, token_hash: str, now: int) -> str | None:
    """Mark a single-use token of `table` (reset or confirmation) used, if it is unused and
    unexpired, and return its user; None otherwise. One guarded UPDATE, so it is spent once."""
    row = conn.execute(
        f"UPDATE {table} SET used = 1 "
        "WHERE token_hash = ? AND used = 0 AND expires_at > ? RETURNING user_id",
        (token_hash, now),
    ).fetchone()
    return row[0] if row else None
