"""A release stored as its changes against another (SQLite): it reads as if stored whole."""

import sqlite3
from dataclasses import replace

import pytest

from coderef.adapters.sqlite_catalog import SqliteCatalog
from coderef.codesets.cms_order import read_icd10cm_order
from coderef.errors import InvalidInput
from tests.conftest import CM_ORDER_2025, CM_ORDER_2026


@pytest.fixture(scope="module")
def two_years():
    return read_icd10cm_order(CM_ORDER_2025), read_icd10cm_order(CM_ORDER_2026)


def _as_changes(catalog, older, old_records, base, new_records):
    newest = {r.key: r for r in new_records}
    changed = [r for r in old_records if newest.get(r.key) != replace(r, release=base.id)]
    keys = {r.key for r in old_records}
    removed = [k for k in newest if k not in keys]
    catalog.load_changes(older, base.id, changed, removed, len(old_records))
    return changed


@pytest.fixture
def stores(tmp_path, two_years):
    """The same two releases, once stored whole and once with FY2025 as changes."""
    (fy2025, old_records), (fy2026, new_records) = two_years
    whole = SqliteCatalog(tmp_path / "whole.db")
    whole.load_release(fy2026, new_records)
    whole.load_release(fy2025, old_records)
    compact = SqliteCatalog(tmp_path / "compact.db")
    compact.load_release(fy2026, new_records)
    _as_changes(compact, fy2025, old_records, fy2026, new_records)
    return whole, compact


def _rows(path, release):
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT COUNT(*) FROM codes WHERE release = ?", (release,)).fetchone()[
            0
        ]
    finally:
        conn.close()


def test_a_release_stored_as_changes_answers_like_one_stored_whole(stores, two_years):
    (fy2025, old_records), _ = two_years
    whole, compact = stores
    # Every key of the older release reads the same, naming the older release
    for record in old_records:
        got = compact.get("icd10cm", record.key, fy2025.id)
        assert got == whole.get("icd10cm", record.key, fy2025.id)
        assert got.release == fy2025.id
    # A code only the newer release has is absent from the older one
    assert compact.get("icd10cm", "E1140", fy2025.id) is None
    keys = [r.key for r in old_records] + ["E1140"]
    assert compact.get_many("icd10cm", keys, fy2025.id) == whole.get_many(
        "icd10cm", keys, fy2025.id
    )


def test_history_comparison_and_listing_see_the_whole_release(stores, two_years):
    (fy2025, old_records), (fy2026, _) = two_years
    whole, compact = stores
    assert compact.versions("icd10cm", "I10") == whole.versions("icd10cm", "I10")
    assert compact.versions("icd10cm", "E1140") == whole.versions("icd10cm", "E1140")
    assert compact.compare_releases(fy2025.id, fy2026.id) == whole.compare_releases(
        fy2025.id, fy2026.id
    )
    assert _record_count(compact, fy2025.id) == len(old_records)
    assert [r.id for r in compact.releases()] == [fy2026.id]


def test_only_the_differences_are_stored(stores, two_years):
    (fy2025, old_records), _ = two_years
    _, compact = stores
    assert _rows(compact.path, fy2025.id) < len(old_records)


def test_the_older_release_made_live_serves_every_record(stores, two_years):
    (fy2025, old_records), _ = two_years
    whole, compact = stores
    compact.set_live(fy2025.id)
    whole.set_live(fy2025.id)
    served = sorted((r.key, r.title, r.release) for r in compact.iter_live())
    assert served == sorted((r.key, r.title, r.release) for r in whole.iter_live())
    assert len(served) == len(old_records)


def test_replacing_the_base_keeps_the_release_stored_as_changes(stores, two_years):
    (fy2025, old_records), (fy2026, new_records) = two_years
    whole, compact = stores
    # When the base release is loaded again with other content
    compact.load_release(fy2026, [replace(r, title="changed") for r in new_records])
    # Then the older release still reads as before
    for record in old_records:
        assert compact.get("icd10cm", record.key, fy2025.id) == whole.get(
            "icd10cm", record.key, fy2025.id
        )


def test_changes_need_a_base_stored_whole(stores, two_years):
    (fy2025, _), _ = two_years
    _, compact = stores
    with pytest.raises(InvalidInput):
        compact.load_changes(replace(fy2025, id="icd10cm-2023-10"), fy2025.id, [], [], 0)


def _record_count(catalog, release_id):
    """The record count a release was registered with (read through its listing)."""
    return next(r for r in catalog.all_releases() if r.id == release_id).record_count
