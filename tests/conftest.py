"""Shared fixtures: a small catalog imported from fixture sources, and an app over it."""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from coderef.codesets.pipeline import load_release, rebuild_index
from coderef.local import create_local_app
from coderef.settings import Settings
from coderef.store.sqlite_catalog import SqliteCatalog
from tests.fixtures.pcs import write_pcs_db

FIXTURES = Path(__file__).parent / "fixtures"
CM_FIXTURE = FIXTURES / "icd10cm" / "icd10cm-tabular-April-1-2026.xml"


def import_fixture_catalog(data_dir: Path) -> Settings:
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings.from_env({"CODEREF_DATA_DIR": str(data_dir)})
    catalog = SqliteCatalog(settings.catalog_path)
    load_release(catalog, "icd10cm", CM_FIXTURE)
    load_release(catalog, "icd10pcs", write_pcs_db(data_dir / "pcs-fixture.db"))
    rebuild_index(catalog, settings.index_path)
    return settings


@pytest.fixture(scope="session")
def fixture_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return import_fixture_catalog(tmp_path_factory.mktemp("catalog"))


@pytest.fixture(scope="session")
def app(fixture_settings: Settings) -> FastAPI:
    # A generous guest-meter cap: every test client below is a new visitor.
    return create_local_app(replace(fixture_settings, guest_meters_per_address_per_day=100_000))


_addresses = itertools.count(1)


def new_client(app: FastAPI) -> TestClient:
    """A fresh browser: its own cookie jar and its own client address."""
    n = next(_addresses)
    address = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
    return TestClient(
        app, base_url="https://testserver", raise_server_exceptions=False, client=(address, 50000)
    )


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return new_client(app)


_emails = itertools.count(1)


def register(client: TestClient, password: str = "correct horse battery staple") -> str:
    email = f"coder{next(_emails)}@example.org"
    response = client.post("/api/auth/register", json={"email": email, "password": password})
    assert response.status_code == 201, response.text
    return email


@pytest.fixture
def member(app: FastAPI) -> TestClient:
    """A browser signed in to a new free account."""
    client = new_client(app)
    register(client)
    return client
