"""Shared fixtures: a small catalog imported from fixture sources, and an app over it."""

from __future__ import annotations

from pathlib import Path

import pytest
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
def client(fixture_settings: Settings) -> TestClient:
    return TestClient(create_local_app(fixture_settings), raise_server_exceptions=False)
