"""What a function builds on its first request: only what that request needs. The password
hasher costs an Argon2id hash to build, so the routes that never see a password (the code
page reads sessions on every request) must not build it."""

from __future__ import annotations

import time

from coderef.api.services import Services
from coderef.settings import Settings


def test_reading_a_session_builds_no_password_hasher_and_passwords_still_work(tmp_path):
    # Given a fresh process's services
    services = Services.local(Settings.from_env({"CODEREF_DATA_DIR": str(tmp_path)}))
    # When a code page asks who is behind a session cookie
    assert services.account_service.user_id_for_session("no-such-session") is None
    # Then no password hasher has been built
    assert "password_hasher" not in vars(services)
    # And registering and logging in still hash and check the password
    signed_in = services.account_service.register(
        "reader@example.org", "a long enough pass phrase", None, "address"
    )
    again = services.account_service.login("reader@example.org", "a long enough pass phrase", "a")
    assert again.user.id == signed_in.user.id
    assert "password_hasher" in vars(services)


def test_starting_the_local_app_sweeps_what_dynamodb_would_have_expired(tmp_path):
    # Given a local account store holding a rate window that ended and one still running
    from coderef.accounts.model import WindowCount
    from coderef.adapters.sqlite_accounts import SqliteAccounts

    settings = Settings.from_env({"CODEREF_DATA_DIR": str(tmp_path)})
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = SqliteAccounts(settings.accounts_path)
    now = int(time.time())
    store.reserve(WindowCount("ended", now - 60, limit=10))
    store.reserve(WindowCount("running", now + 3600, limit=10))
    # When the local app's services are built (each start of `coderef serve`)
    Services.local(settings)
    # Then the ended window is gone and the running one keeps its count
    assert store.count_window("ended") == 0
    assert store.count_window("running") == 1
