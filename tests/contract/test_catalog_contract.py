"""The CodeCatalog contract. It runs unchanged against every adapter: SQLite on a temporary
file, and DynamoDB on moto with the table made from template.yaml's own definition."""

from dataclasses import replace

import pytest

from coderef.codesets.icd10cm_xml import read_tabular
from coderef.store.sqlite_catalog import SqliteCatalog
from tests import aws
from tests.conftest import CM_FIXTURE


@pytest.fixture(scope="module")
def moto_dynamodb():
    with aws.fake_aws():
        yield aws.dynamodb()


@pytest.fixture(params=["sqlite", "dynamodb"])
def catalog(request, tmp_path):
    if request.param == "sqlite":
        return SqliteCatalog(tmp_path / "catalog.db")
    from coderef.store.dynamodb_catalog import DynamoCatalog

    client = request.getfixturevalue("moto_dynamodb")  # a new table for every test
    return DynamoCatalog(aws.create_table(client, "CodesTable"), client=client)


@pytest.fixture(scope="module")
def release_and_records():
    return read_tabular(CM_FIXTURE)


def test_a_loaded_release_serves_its_records(catalog, release_and_records):
    release, records = release_and_records
    catalog.load_release(release, records)
    assert catalog.get("icd10cm", "R001").title == "Bradycardia, unspecified"
    assert catalog.get("icd10cm", "NOPE") is None
    assert catalog.get("icd10pcs", "R001") is None
    assert [r.id for r in catalog.releases()] == [release.id]


def test_get_many_returns_found_keys_only(catalog, release_and_records):
    release, records = release_and_records
    catalog.load_release(release, records)
    found = catalog.get_many("icd10cm", ["R000", "R001", "ZZZ"])
    assert sorted(found) == ["R000", "R001"]


def test_a_failed_load_leaves_the_previous_release_serving(catalog, release_and_records):
    # Given a live release
    release, records = release_and_records
    catalog.load_release(release, records)
    # When a newer release fails part-way through writing
    newer = replace(release, id="icd10cm-2026-10", name="October")
    broken = [*records[:10], None]
    with pytest.raises(AttributeError):
        catalog.load_release(newer, broken)
    # Then the old release still answers, and nothing of the new one is visible
    assert [r.id for r in catalog.releases()] == [release.id]
    assert catalog.get("icd10cm", "R001").release == release.id


def test_loading_a_new_release_switches_every_record_at_once(catalog, release_and_records):
    release, records = release_and_records
    catalog.load_release(release, records)
    newer = replace(release, id="icd10cm-2026-10", name="October")
    catalog.load_release(newer, [replace(r, release=newer.id) for r in records])
    assert [r.id for r in catalog.releases()] == [newer.id]
    assert catalog.get("icd10cm", "R001").release == newer.id
    assert sum(1 for _ in catalog.iter_live()) == len(records)
