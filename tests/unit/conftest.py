"""Code records for the unit tests, read once from the small fixture files."""

from __future__ import annotations

import pytest

from coderef.catalog.records import CodeRecord, Release
from coderef.codesets.cms_order import read_icd10pcs_order
from coderef.codesets.icd10cm_xml import read_tabular
from tests.conftest import CM_FIXTURE, PCS_ORDER_2026, PCS_TABLES_2026
from tests.fakes import FakeCatalog


@pytest.fixture(scope="session")
def fixture_releases() -> list[tuple[Release, list[CodeRecord]]]:
    return [read_tabular(CM_FIXTURE), read_icd10pcs_order(PCS_ORDER_2026, PCS_TABLES_2026)]


@pytest.fixture
def catalog(fixture_releases) -> FakeCatalog:
    """A fresh in-memory catalog with the ICD-10-CM and ICD-10-PCS fixtures loaded."""
    fake = FakeCatalog()
    for release, records in fixture_releases:
        fake.load_release(release, records)
    fake.reads = 0
    return fake
