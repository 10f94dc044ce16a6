"""Imports through the pipeline and the `coderef` command, on the small fixtures (fast).

Every importer is all or nothing: a malformed file is refused with a message naming the file
and the line, and the release already loaded keeps serving, search included.
"""

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from coderef import cli
from coderef.adapters.sqlite_catalog import SqliteCatalog
from coderef.codesets.pipeline import import_release
from coderef.errors import SourceError
from coderef.search.engine import SearchIndex
from coderef.settings import Settings
from tests.conftest import (
    CM_FIXTURE,
    CM_ORDER_2025,
    CM_ORDER_2026,
    CPT_FIXTURE,
    HCPCS_FIXTURE,
    PCS_ORDER_2026,
    PCS_TABLES_2026,
    import_fixture_catalog,
)
from tests.fixtures.edit import edited_copy, edited_folder, replace_at


def _cut_line(number: int, length: int):
    def edit(lines):
        lines[number - 1] = lines[number - 1][:length]

    return edit


# system, good source, tables, a malformed copy of the source, line named, a code it serves
CASES = {
    "icd10cm order file": (
        "icd10cm",
        CM_ORDER_2026,
        None,
        lambda tmp: edited_copy(CM_ORDER_2026, tmp, _cut_line(9, 40)),
        "line 9",
        "R00.1",
    ),
    "icd10pcs order file and tables": (
        "icd10pcs",
        PCS_ORDER_2026,
        PCS_TABLES_2026,
        lambda tmp: edited_copy(
            PCS_ORDER_2026, tmp, lambda ls: ls.__setitem__(4, replace_at(ls[4], 15, "7"))
        ),
        "line 5",
        "0FT44ZZ",
    ),
    "hcpcs fixed-width file": (
        "hcpcs",
        HCPCS_FIXTURE,
        None,
        lambda tmp: edited_copy(HCPCS_FIXTURE, tmp, _cut_line(7, 150)),
        "line 7",
        "A4253",
    ),
    "cpt data files": (
        "cpt",
        CPT_FIXTURE,
        None,
        lambda tmp: edited_folder(
            CPT_FIXTURE, tmp / "2026", "ClinicianDescriptor.txt", _cut_line(7, 12)
        ),
        "line 7",
        "10001",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_a_malformed_source_changes_nothing_and_the_live_release_keeps_serving(tmp_path, case):
    system, good, tables, make_bad, line, code = CASES[case]
    settings = Settings.from_env({"CODEREF_DATA_DIR": str(tmp_path / "var")})
    catalog = SqliteCatalog(settings.catalog_path)
    # Given a live release of the system, indexed
    loaded = import_release(catalog, settings.index_path, system, good, tables=tables)
    index_before = os.stat(settings.index_path).st_ino
    bad = make_bad(tmp_path / "bad")
    # When a malformed file of the same kind is imported as another release
    with pytest.raises(SourceError) as err:
        import_release(catalog, settings.index_path, system, bad, tables=tables)
    # Then the message names the file and the line
    assert err.value.where == line
    assert str(bad) in err.value.message
    # And the live release, its records and the search index are as they were
    assert [r.id for r in catalog.all_releases(system)] == [loaded.release.id]
    assert catalog.get(system, code.replace(".", "")).release == loaded.release.id
    assert os.stat(settings.index_path).st_ino == index_before
    assert SearchIndex(settings.index_path).search(code).results[0].code == code


# -- the command line --------------------------------------------------------------------------


@pytest.fixture
def coderef(tmp_path, monkeypatch, capsys):
    """Run `coderef ...` in this process against a fresh data folder."""
    monkeypatch.setenv("CODEREF_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("CODEREF_CPT_LICENCE_NOTICE", raising=False)

    def run(*args: str) -> tuple[int, str, str]:
        status = cli.main([str(a) for a in args])
        out, err = capsys.readouterr()
        return status, out, err

    return run


def test_cli_imports_each_system_and_lists_the_releases(coderef):
    assert coderef("import", "--system", "icd10cm", "--source", CM_ORDER_2026)[0] == 0
    status, _, err = coderef("import", "--system", "icd10cm", "--source", CM_ORDER_2025)
    assert status == 0 and "kept for history" in err
    assert coderef("import", "--system", "hcpcs", "--source", HCPCS_FIXTURE)[0] == 0
    status, _, err = coderef("import", "--system", "cpt", "--source", CPT_FIXTURE)
    assert status == 0 and "CODEREF_CPT_LICENCE_NOTICE is not set" in err
    status, _, err = coderef(
        "import", "--system", "icd10pcs", "--source", PCS_ORDER_2026, "--tables", PCS_TABLES_2026
    )
    assert status == 0 and "loaded ICD-10-PCS FY2026 release: 12 records" in err

    status, out, _ = coderef("releases", "list")
    assert status == 0
    assert "* icd10cm-2025-10" in out and "  icd10cm-2024-10" in out
    assert "HCPCS Level II January 2026 release" in out and "CPT 2026 release" in out

    listed = json.loads(coderef("releases", "list", "--system", "cpt", "--json")[1])
    assert [s["id"] for s in listed["systems"]] == ["cpt"]

    status, out, _ = coderef("search", "reagent strips", "--system", "hcpcs")
    assert status == 0 and "A4253" in out


def test_cli_diff_and_dated_code_and_switching_the_live_release(coderef):
    coderef("import", "--system", "icd10cm", "--source", CM_ORDER_2026)
    coderef("import", "--system", "icd10cm", "--source", CM_ORDER_2025)

    status, out, _ = coderef("releases", "diff", "icd10cm", "2025-01-01", "icd10cm-2025-10")
    assert status == 0
    assert "1 added, 1 deleted, 2 revised" in out
    assert "+ E11.40" in out and "- R00.8" in out and "~ I10" in out
    assert "title was: Essential hypertension" in out

    diff = json.loads(coderef("releases", "diff", "cm", "2024-10", "2025-10", "--json")[1])
    assert diff["counts"] == {"added": 1, "deleted": 1, "revised": 2}

    page = json.loads(coderef("code", "icd10cm", "R00.8", "--date", "2025-06-01", "--json")[1])
    assert page["release"]["id"] == "icd10cm-2024-10"
    status, out, _ = coderef("code", "icd10cm", "I10")
    assert "History:" in out and "ICD-10-CM FY2026 release: revised" in out

    # When the older release is made live, the default answers and search follow it
    assert coderef("releases", "use", "icd10cm-2024-10")[0] == 0
    status, out, _ = coderef("search", "R00.8")
    assert "R00.8" in out


def test_cli_refuses_a_malformed_file_naming_file_and_line(coderef, tmp_path):
    bad = edited_copy(HCPCS_FIXTURE, tmp_path / "bad", _cut_line(2, 100))
    status, _, err = coderef("import", "--system", "hcpcs", "--source", bad)
    assert status == 1
    assert f"{bad}: line 2:" in err and "cut short" in err


@pytest.mark.parametrize(
    "args, message",
    [
        (["releases", "diff", "icd10cm", "2025-01-01", "2026-01-01"], "No loaded ICD-10-CM"),
        (["code", "icd10cm", "R00.1", "--date", "2025-01-01"], "No loaded ICD-10-CM"),
        (["import", "--system", "hcpcs"], "give its file or folder"),
        (["import", "--system", "icd10cm", "--tables", "x.xml", "--source", "y.txt"], "tables"),
        (["releases", "use", "nothing-2020-01"], "No release 'nothing-2020-01'"),
    ],
)
def test_cli_errors_are_one_clear_line(coderef, args, message):
    status, _, err = coderef(*args)
    assert status == 1 and message in err and "Traceback" not in err


def test_cli_rejects_a_malformed_date_before_doing_anything(coderef):
    with pytest.raises(SystemExit) as exit_:
        coderef("code", "icd10cm", "R00.1", "--date", "2025-02-30")
    assert exit_.value.code == 2
    assert not Path(os.environ["CODEREF_DATA_DIR"]).exists()


def test_an_index_left_behind_by_a_crash_is_rebuilt_at_the_next_start(tmp_path):
    # Given a catalog and its index, both from the same release
    from coderef.codesets.icd10cm_xml import read_tabular
    from coderef.codesets.pipeline import ensure_bundled, index_is_current

    settings = import_fixture_catalog(tmp_path / "data")
    catalog = SqliteCatalog(settings.catalog_path)
    assert index_is_current(catalog, settings.index_path)
    # When a newer release goes live but the process dies before rebuilding the index
    release, records = read_tabular(CM_FIXTURE)
    renamed = [
        replace(r, title="Heartbeat unusually slow, not specified") if r.key == "R001" else r
        for r in records
    ]
    catalog.load_release(replace(release, id="icd10cm-2026-10", name="October 2026"), renamed)
    assert not index_is_current(catalog, settings.index_path)
    # Then the next start sees the index is stale and rebuilds it from the live releases
    ensure_bundled(catalog, settings.index_path, None)
    assert index_is_current(catalog, settings.index_path)
    hits = SearchIndex(settings.index_path).search("heartbeat unusually slow").results
    assert hits and hits[0].code == "R00.1"


def _table_rows(index: Path) -> dict[str, list]:
    import sqlite3

    conn = sqlite3.connect(index)
    try:
        names = [
            n
            for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if n not in ("fts", "spell")  # spell's row order follows a set's (hash seed)
        ]
        rows = {n: conn.execute(f"SELECT * FROM {n}").fetchall() for n in names}
        rows["spell"] = sorted(conn.execute("SELECT * FROM spell").fetchall())
        return rows
    finally:
        conn.close()


def test_the_index_fed_by_an_import_equals_the_index_read_back_from_the_catalog(tmp_path):
    # Given releases of every system imported with an index feed (records made into index
    # documents as they are written, the way `coderef import` builds the index)
    from coderef.codesets.pipeline import IndexFeed, load_release, rebuild_index
    from tests.fixtures.pcs import write_pcs_db

    catalog = SqliteCatalog(tmp_path / "catalog.db")
    feed = IndexFeed()
    load_release(catalog, "icd10cm", CM_FIXTURE, feed=feed)
    load_release(catalog, "icd10cm", CM_ORDER_2025, feed=feed)  # older: not live, not fed
    load_release(catalog, "icd10pcs", write_pcs_db(tmp_path / "pcs.db"), feed=feed)
    load_release(catalog, "hcpcs", HCPCS_FIXTURE)  # loaded without the feed: read back
    # When the index is built from the feed, and again from the catalog alone
    rebuild_index(catalog, tmp_path / "fed.db", feed=feed)
    rebuild_index(catalog, tmp_path / "read-back.db")
    # Then both hold the same documents, ranking rows, signatures, spelling and crosswalks
    fed, read_back = _table_rows(tmp_path / "fed.db"), _table_rows(tmp_path / "read-back.db")
    assert fed == read_back
    assert {row[1] for row in fed["docs"]} == {"icd10cm", "icd10pcs", "hcpcs"}
    hits = SearchIndex(tmp_path / "fed.db").search("bradycardia").results
    assert hits and hits[0].code == "R00.1"


def test_a_first_import_that_fails_leaves_no_half_written_catalog(tmp_path):
    # Given a new, empty catalog
    from coderef.codesets.pipeline import fresh_import, load_release

    catalog = SqliteCatalog(tmp_path / "catalog.db")
    broken = edited_copy(CM_ORDER_2026, tmp_path, _cut_line(9, 40))
    # When a first import writes one release, then stops on a malformed source
    with pytest.raises(SourceError), fresh_import(catalog) as target:
        load_release(target, "icd10cm", CM_ORDER_2025)
        load_release(target, "icd10cm", broken)
    # Then the catalog is as it was (empty, usable) and nothing half-written is left beside it
    assert catalog.releases() == []
    assert sorted(p.name for p in tmp_path.iterdir() if "importing" in p.name) == []
    # And a first import that completes is read from the catalog's own file, in WAL mode
    with fresh_import(catalog) as target:
        load_release(target, "icd10cm", CM_ORDER_2026)
    assert [r.id for r in catalog.releases()] == [SqliteCatalog(catalog.path).releases()[0].id]
    assert catalog.get("icd10cm", "R001") is not None
    assert catalog._query("PRAGMA journal_mode")[0][0] == "wal"
    assert not (tmp_path / "catalog.db.importing").exists()


def test_an_import_into_a_catalog_with_releases_writes_in_place(tmp_path):
    # Given a catalog that already holds a release
    from coderef.codesets.pipeline import fresh_import, load_release

    catalog = SqliteCatalog(tmp_path / "catalog.db")
    load_release(catalog, "icd10cm", CM_ORDER_2025)
    # When another import fails part-way
    broken = edited_copy(CM_ORDER_2026, tmp_path, _cut_line(9, 40))
    with pytest.raises(SourceError), fresh_import(catalog) as target:
        assert target is catalog
        load_release(target, "icd10cm", broken)
    # Then the release already loaded keeps serving
    assert [r.effective_from for r in catalog.releases()] == ["2024-10-01"]
