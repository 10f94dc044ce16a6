"""CMS order files for ICD-10-CM and ICD-10-PCS, and the ICD-10-PCS tables XML."""

import pytest

from coderef.catalog.plain_language import compose
from coderef.catalog.releases import GROUPING_KINDS
from coderef.codesets.cms_order import read_icd10cm_order, read_icd10pcs_order
from coderef.codesets.icd10cm_xml import read_tabular
from coderef.codesets.icd10pcs_coder_db import read_database
from coderef.codesets.icd10pcs_tables import read_tables
from coderef.errors import SourceError
from tests.conftest import CM_FIXTURE, CM_ORDER_2026, PCS_ORDER_2026, PCS_TABLES_2026
from tests.fixtures.edit import edited_copy, replace_at
from tests.fixtures.pcs import write_pcs_db


@pytest.fixture(scope="module")
def cm():
    release, records = read_icd10cm_order(CM_ORDER_2026)
    return release, {r.key: r for r in records}


@pytest.fixture(scope="module")
def pcs():
    release, records = read_icd10pcs_order(PCS_ORDER_2026, PCS_TABLES_2026)
    return release, {r.key: r for r in records}


def test_a_bare_year_in_the_file_name_is_that_fiscal_year(cm):
    release, _ = cm
    assert (release.id, release.name) == ("icd10cm-2025-10", "ICD-10-CM FY2026 release")
    assert (release.effective_from, release.effective_to) == ("2025-10-01", "2026-09-30")


def test_cm_codes_sit_under_the_longest_code_they_extend(cm):
    _, by_key = cm
    full = by_key["S020XXA"]  # the X placeholders have no records of their own
    assert full.parent == "S020" and [a.code for a in full.ancestors] == ["S02", "S02.0"]
    assert full.code == "S02.0XXA" and full.billable and full.kind == "code"
    assert by_key["E114"].kind == "subcategory" and not by_key["E114"].billable
    assert by_key["E114"].children == ["E1140"]
    assert by_key["I10"].kind == "category" and by_key["I10"].billable


def test_the_short_description_is_kept_where_it_differs(cm):
    _, by_key = cm
    assert by_key["S020XXA"].attribute("short_description").value == (
        "Fracture of vault of skull, init for clos fx"
    )
    assert by_key["R001"].attribute("short_description") is None


def test_the_order_file_and_the_tabular_xml_agree_on_every_code():
    # Given the same codes from CMS's order file and from CDC's tabular XML
    _, from_order = read_icd10cm_order(CM_ORDER_2026)
    _, from_xml = read_tabular(CM_FIXTURE)

    def facts(records):
        return {(r.key, r.title, r.billable) for r in records if r.kind not in GROUPING_KINDS}

    # Then they hold the same codes, titles and billable flags
    assert facts(from_order) == facts(from_xml)


def test_pcs_codes_get_their_axes_from_the_tables(pcs):
    _, by_key = pcs
    code = by_key["0FT44ZZ"]
    assert [a.code for a in code.ancestors] == ["0", "0F", "0FT"]
    assert [(a.name, a.label) for a in code.axes][2:5] == [
        ("Root Operation", "Resection"),
        ("Body Part", "Gallbladder"),
        ("Approach", "Percutaneous Endoscopic"),
    ]
    assert code.axes[2].definition.startswith("Cutting out or off")
    assert by_key["0F"].kind == "body_system" and by_key["0"].title == "Medical and Surgical"
    assert by_key["0FT"].notes["notes"] == [
        "Resection: Cutting out or off, without replacement, all of a body part"
    ]


def test_pcs_axes_from_the_tables_match_the_bundled_database(pcs, tmp_path):
    _, by_key = pcs
    _, bundled = read_database(write_pcs_db(tmp_path / "pcs.db"))
    from_db = {r.key: r for r in bundled}["0FT44ZZ"]
    assert [(a.name, a.value, a.label) for a in by_key["0FT44ZZ"].axes] == [
        (a.name, a.value, a.label) for a in from_db.axes
    ]
    # The tables XML defines root operations; approach definitions live in another CMS file.
    assert by_key["0FT44ZZ"].axes[2].definition == from_db.axes[2].definition
    assert compose(by_key["0FT44ZZ"]).startswith("This procedure is a resection: cutting out")


def test_other_sections_keep_their_own_axis_names(pcs):
    _, by_key = pcs
    imaging = by_key["BW00ZZZ"]
    assert [a.name for a in imaging.axes] == [
        "Section",
        "Body System",
        "Type",
        "Body Part",
        "Contrast",
        "Qualifier",
        "Qualifier",
    ]
    assert "Character by character: Section B, Imaging; Body System W" in compose(imaging)


def test_without_the_tables_pcs_codes_hang_from_their_table_headers():
    release, records = read_icd10pcs_order(PCS_ORDER_2026)
    by_key = {r.key: r for r in records}
    assert "tables" not in release.source
    assert by_key["0FT44ZZ"].parent == "0FT" and not by_key["0FT44ZZ"].axes
    assert by_key["0FT"].parent is None and "0" not in by_key
    assert compose(by_key["0FT44ZZ"]).startswith("0FT44ZZ is the ICD-10-PCS code for Resection")


def _set(line_no: int, position: int, text: str):
    def edit(lines: list[str]) -> None:
        lines[line_no - 1] = replace_at(lines[line_no - 1], position, text)

    return edit


@pytest.mark.parametrize(
    "edit, line, problem",
    [
        (_set(3, 15, "2"), 3, "flag '2' (position 15) is not 0 or 1"),
        (_set(4, 6, "X"), 4, "not in the order-file layout"),
        (_set(5, 1, "00002"), 5, "order number '00002'"),
        (lambda lines: lines.pop(0), 1, "E114 comes before any category it belongs to (E11)"),
        (lambda lines: lines.__setitem__(6, lines[6][:77]), 7, "not in the order-file layout"),
        (_set(2, 7, "E1!4   "), 2, "'E1!4' (positions 7-13) is not an ICD-10-CM code"),
        (_set(4, 7, "E1140  "), 4, "code E1140 appears twice"),
    ],
)
def test_a_malformed_cm_order_file_is_refused_naming_file_and_line(tmp_path, edit, line, problem):
    bad = edited_copy(CM_ORDER_2026, tmp_path, edit)
    with pytest.raises(SourceError) as err:
        read_icd10cm_order(bad)
    assert (err.value.path, err.value.where) == (str(bad), f"line {line}")
    assert problem in err.value.problem


def test_a_pcs_code_the_tables_do_not_allow_is_refused(tmp_path):
    # Given an order file with a code whose device value (J) the tables XML has no row for
    bad = edited_copy(PCS_ORDER_2026, tmp_path, _set(4, 7, "0FT40JZ"))
    with pytest.raises(SourceError) as err:
        read_icd10pcs_order(bad, PCS_TABLES_2026)
    assert err.value.where == "line 4"
    assert "0FT40JZ has no row in the tables file icd10pcs_tables_2026.xml" in err.value.problem


def test_a_pcs_table_header_flagged_for_claims_is_refused(tmp_path):
    bad = edited_copy(PCS_ORDER_2026, tmp_path, _set(3, 15, "1"))
    with pytest.raises(SourceError, match="table header 0FT is flagged valid"):
        read_icd10pcs_order(bad)


@pytest.mark.parametrize(
    "edit, line, problem",
    [
        (lambda lines: lines.__delitem__(slice(40, None)), 41, "not well-formed or is cut short"),
        (lambda lines: lines.__delitem__(slice(13, 18)), 5, "needs axes 1, 2 and 3"),
        (lambda lines: lines.__setitem__(27, "<axis pos='9' values='1'>"), 28, "pos '9'"),
    ],
)
def test_a_malformed_tables_file_is_refused_naming_its_line(tmp_path, edit, line, problem):
    bad = edited_copy(PCS_TABLES_2026, tmp_path, edit)
    with pytest.raises(SourceError) as err:
        read_tables(bad)
    assert err.value.path == str(bad)
    assert err.value.where.startswith(f"line {line}")
    assert problem in err.value.problem
