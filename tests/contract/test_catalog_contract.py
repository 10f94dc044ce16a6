"""The CodeCatalog contract. It runs unchanged against every adapter: SQLite on a temporary
file, and DynamoDB on moto with the table made from template.yaml's own definition; and
against the in-memory fake the unit tests use (tests/fakes.py)."""

import sqlite3
from dataclasses import replace

import pytest

from coderef.adapters.sqlite_catalog import SqliteCatalog
from coderef.codesets.cms_order import read_icd10cm_order
from coderef.codesets.icd10cm_xml import read_tabular
from coderef.errors import ReleaseNotFound
from tests import aws
from tests.conftest import CM_FIXTURE, CM_ORDER_2025, CM_ORDER_2026
from tests.fakes import FakeCatalog
from tests.fixtures.legacy_store import OLD_SCHEMA


@pytest.fixture(params=["sqlite", "dynamodb", "fake"])
def catalog(request, tmp_path):
    if request.param == "sqlite":
        return SqliteCatalog(tmp_path / "catalog.db")
    if request.param == "fake":
        return FakeCatalog()
    from coderef.adapters.dynamodb_catalog import DynamoCatalog

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


# -- several releases of one system ------------------------------------------------------------


@pytest.fixture(scope="module")
def two_years():
    return read_icd10cm_order(CM_ORDER_2025), read_icd10cm_order(CM_ORDER_2026)


def test_an_older_release_loaded_later_adds_history_without_taking_over(catalog, two_years):
    (fy2025, old_records), (fy2026, new_records) = two_years
    # Given FY2026 live
    catalog.load_release(fy2026, new_records)
    # When FY2025 is loaded afterwards
    catalog.load_release(fy2025, old_records)
    # Then FY2026 still answers by default, and FY2025 answers when named
    assert [r.id for r in catalog.releases()] == [fy2026.id]
    assert catalog.get("icd10cm", "R008") is None
    assert catalog.get("icd10cm", "R008", fy2025.id).title == "Other abnormalities of heart beat"
    assert sorted(catalog.get_many("icd10cm", ["R008", "E1140"], fy2025.id)) == ["R008"]
    listed = {r.id: (r.live, r.record_count) for r in catalog.all_releases("icd10cm")}
    assert listed == {fy2025.id: (False, len(old_records)), fy2026.id: (True, len(new_records))}
    assert catalog.all_releases("hcpcs") == []


def test_versions_hold_a_code_in_every_release_that_has_it(catalog, two_years):
    (fy2025, old_records), (fy2026, new_records) = two_years
    catalog.load_release(fy2025, old_records)
    catalog.load_release(fy2026, new_records)
    assert sorted(catalog.versions("icd10cm", "I10")) == [fy2025.id, fy2026.id]
    assert list(catalog.versions("icd10cm", "E1140")) == [fy2026.id]
    assert catalog.versions("icd10pcs", "I10") == {}


def test_comparing_two_releases_lists_added_deleted_and_changed_keys(catalog, two_years):
    (fy2025, old_records), (fy2026, new_records) = two_years
    catalog.load_release(fy2025, old_records)
    catalog.load_release(fy2026, new_records)
    delta = catalog.compare_releases(fy2025.id, fy2026.id)
    assert (delta.added, delta.deleted, delta.changed) == (["E1140"], ["R008"], ["E114", "I10"])
    back = catalog.compare_releases(fy2026.id, fy2025.id)
    assert (back.added, back.deleted) == (["R008"], ["E1140"])


def test_any_loaded_release_can_be_made_live(catalog, two_years):
    (fy2025, old_records), (fy2026, new_records) = two_years
    catalog.load_release(fy2025, old_records)
    catalog.load_release(fy2026, new_records)
    assert catalog.set_live(fy2025.id).live
    assert catalog.get("icd10cm", "R008").release == fy2025.id
    with pytest.raises(ReleaseNotFound):
        catalog.set_live("icd10cm-1999-10")


def test_a_store_written_before_releases_were_compared_is_upgraded(tmp_path, two_years):
    # SQLite only: a catalog.db from before the kind and digest columns existed.
    (fy2025, old_records), (fy2026, new_records) = two_years
    path = tmp_path / "catalog.db"
    catalog = SqliteCatalog(path)
    catalog.load_release(fy2025, old_records)
    catalog.load_release(fy2026, new_records)
    conn = sqlite3.connect(path)
    conn.executescript(OLD_SCHEMA)
    conn.close()
    # When it is opened again
    upgraded = SqliteCatalog(path)
    # Then it compares releases as a new one does
    assert upgraded.compare_releases(fy2025.id, fy2026.id).changed == ["E114", "I10"]
    assert upgraded.get("icd10cm", "R001").title == "Bradycardia, unspecified"


# The fake catalog keeps no release token: nothing is kept from it.
@pytest.mark.parametrize("catalog", ["sqlite", "dynamodb"], indirect=True)
def test_the_release_token_changes_when_the_releases_do(catalog, two_years):
    from coderef.catalog.ports import ReleaseTokens

    assert isinstance(catalog, ReleaseTokens)
    (fy2025, old_records), (fy2026, new_records) = two_years
    # Given one release loaded, and the token read twice with nothing changed between
    catalog.load_release(fy2025, old_records)
    first = catalog.release_token("icd10cm")
    assert catalog.release_token("icd10cm") == first
    # When another release is loaded, and then the first made live again
    catalog.load_release(fy2026, new_records)
    loaded = catalog.release_token("icd10cm")
    catalog.set_live(fy2025.id)
    # Then each change gives a token not seen before
    assert len({first, loaded, catalog.release_token("icd10cm")}) == 3
