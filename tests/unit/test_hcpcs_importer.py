"""HCPCS Level II: CMS's fixed-width file, on a fixture in the real 320-character layout."""

from datetime import date

import pytest

from coderef.catalog.notices import ADA_CDT_NOTICE, licence_notice
from coderef.catalog.plain_language import compose
from coderef.codesets.hcpcs_fixed_width import read_hcpcs, release_for
from coderef.errors import SourceError
from tests.conftest import HCPCS_FIXTURE
from tests.fixtures.edit import edited_copy, replace_at


@pytest.fixture(scope="module")
def imported():
    release, records = read_hcpcs(HCPCS_FIXTURE)
    return release, {r.key: r for r in records}


def test_the_release_is_the_quarter_the_file_name_gives(imported):
    release, _ = imported
    assert release.id == "hcpcs-2026-01"
    assert release.name == "HCPCS Level II January 2026 release"
    assert release.effective_from == "2026-01-01"


def test_continuation_records_complete_the_long_description(imported):
    _, by_key = imported
    strips = by_key["A4253"]
    assert strips.title == (
        "Blood glucose test or reagent strips for home blood glucose monitor, per 50 strips"
    )
    assert strips.kind == "code" and strips.billable


def test_modifiers_are_records_of_their_own(imported):
    _, by_key = imported
    waiver = by_key["GA"]
    assert waiver.kind == "modifier" and not waiver.billable
    assert waiver.title.endswith("as required by payer policy, individual case")
    assert {"LT", "RT"} <= set(by_key)


def test_administrative_fields_are_kept_with_their_meanings(imported):
    _, by_key = imported
    facts = {a.id: a for a in by_key["A4253"].attributes}
    assert facts["short_description"].value == "Blood glucose/reagent strips"
    assert facts["pricing_indicator"].value == "34"
    assert (facts["coverage"].value, facts["coverage"].meaning) == ("M", "Non-covered by Medicare")
    assert facts["betos"].value == "D1C"
    assert facts["type_of_service"].value == "S"
    assert facts["date_added"].value == "1984-01-01"
    assert facts["action"].meaning == "No change"
    assert "anesthesia_base_units" not in facts  # zeros mean none
    assert {a.id: a.value for a in by_key["E0100"].attributes}["type_of_service"] == "P, R"


def test_a_code_terminated_before_the_release_is_not_part_of_it(imported):
    _, by_key = imported
    assert "G0000" not in by_key  # terminated 2025-12-31
    ending = by_key["G0001"]  # terminated during the quarter: still in force on January 1
    assert ending.attribute("termination_date").value == "2026-03-31"
    assert "It ends on March 31, 2026." in compose(ending)


def test_dental_codes_carry_the_ada_notice_and_others_none(imported):
    _, by_key = imported
    assert licence_notice(by_key["D0120"]) == ADA_CDT_NOTICE
    assert licence_notice(by_key["A0021"]) is None
    assert licence_notice(by_key["LT"]) is None


def _set(line_no: int, position: int, text: str):
    def edit(lines: list[str]) -> None:
        lines[line_no - 1] = replace_at(lines[line_no - 1], position, text)

    return edit


@pytest.mark.parametrize(
    "edit, line, problem",
    [
        (lambda lines: lines.__setitem__(3, lines[3][:200]), 4, "cut short"),
        (_set(2, 11, "5"), 2, "record id '5'"),
        (_set(3, 1, "A9999"), 3, "continuation record for 'A9999'"),
        (_set(1, 269, "20261399"), 1, "date added '20261399'"),
        (lambda lines: lines.__setitem__(5, lines[5] + "X"), 6, "321 characters"),
        (_set(1, 1, "A00!1"), 1, "'A00!1' (positions 1-5) is not a HCPCS code"),
        (_set(1, 266, "1X0"), 1, "anesthesia base units"),
        (lambda lines: lines.insert(1, lines[0]), 2, "A0021 has a second first record"),
    ],
)
def test_a_malformed_record_is_refused_naming_file_and_line(tmp_path, edit, line, problem):
    bad = edited_copy(HCPCS_FIXTURE, tmp_path, edit)
    with pytest.raises(SourceError) as err:
        read_hcpcs(bad)
    assert err.value.path == str(bad)
    assert err.value.where == f"line {line}"
    assert problem in err.value.problem


def test_an_empty_file_is_refused(tmp_path):
    empty = tmp_path / HCPCS_FIXTURE.name
    empty.write_text("\n")
    with pytest.raises(SourceError, match="no HCPCS records"):
        read_hcpcs(empty)


def test_a_file_name_without_the_quarter_needs_the_effective_date(tmp_path):
    renamed = edited_copy(HCPCS_FIXTURE, tmp_path, lambda lines: None, name="hcpcs-update.txt")
    with pytest.raises(SourceError, match="--effective-from"):
        release_for(renamed)
    release = release_for(renamed, date(2026, 4, 1))
    assert release.id == "hcpcs-2026-04" and release.name == "HCPCS Level II April 2026 release"
