"""Real servers for tests that need real concurrency: uvicorn on a free loopback port, over the
SQLite account store or over DynamoDB through a moto server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI

from coderef.adapters.outbox_mailer import OutboxMailer
from coderef.adapters.sqlite_accounts import SqliteAccounts
from coderef.adapters.sqlite_catalog import SqliteCatalog
from coderef.api.app import create_app
from coderef.api.services import Services
from coderef.settings import Settings
from tests import aws


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """`app` served by uvicorn in a thread; yields its base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", backlog=256)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def services_on(store: str, settings: Settings, dynamodb: Any = None) -> Services:
    """Services over a fresh account store: "sqlite" (a new file in the data directory) or
    "dynamodb" (a new table on the moto server `dynamodb` is a client of)."""
    if store == "sqlite":
        name = f"accounts-{time.monotonic_ns()}.db"
        accounts: Any = SqliteAccounts(settings.data_dir / name)
    else:
        from coderef.adapters.dynamodb_accounts import DynamoAccounts

        accounts = DynamoAccounts(aws.create_table(dynamodb, "AccountsTable"), client=dynamodb)
    return Services(
        settings=settings,
        catalog=SqliteCatalog(settings.catalog_path),
        accounts=accounts,
        mailer=OutboxMailer(settings.outbox_dir),
    )


def app_on(store: str, settings: Settings, dynamodb: Any = None) -> FastAPI:
    return create_app(services_on(store, settings, dynamodb))
