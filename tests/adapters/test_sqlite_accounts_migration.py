"""An accounts file made before email confirmation existed opens as it was: its users keep
their accounts and count as confirmed (they had their bonus when they registered)."""

import sqlite3

from coderef.adapters.sqlite_accounts import SqliteAccounts

OLD_USERS = """
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    plan TEXT NOT NULL,
    created_at TEXT NOT NULL
);
INSERT INTO users VALUES ('old1', 'old@example.org', 'hash', 'free', '2026-01-01T00:00:00+00:00');
"""


def test_an_accounts_file_from_before_confirmation_opens_with_its_users_confirmed(tmp_path):
    # Given a store written by the previous version
    path = tmp_path / "accounts.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(OLD_USERS)
    # When this version opens it
    accounts = SqliteAccounts(path)
    # Then the old user is there, confirmed, with its password hash
    user, password_hash = accounts.user_by_email("old@example.org")
    assert user.id == "old1" and user.email_confirmed is True and password_hash == "hash"
    # And opening it again changes nothing
    assert SqliteAccounts(path).user_by_id("old1").email_confirmed is True
