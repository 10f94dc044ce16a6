from pathlib import Path

import pytest

from coderef.catalog.notes import inherited_notes
from coderef.codesets.icd10cm_xml import read_tabular
from coderef.errors import SourceError
from tests.conftest import CM_FIXTURE


@pytest.fixture(scope="module")
def records():
    release, records = read_tabular(CM_FIXTURE)
    return release, {r.key: r for r in records}


def test_release_is_named_from_the_file(records):
    release, _ = records
    assert release.id == "icd10cm-2026-04"
    assert release.name == "ICD-10-CM April 1, 2026 release"
    assert release.effective_from == "2026-04-01"


def test_chapters_blocks_categories_and_codes_form_one_hierarchy(records):
    _, by_key = records
    r001 = by_key["R001"]
    assert r001.code == "R00.1" and r001.kind == "code" and r001.billable
    assert [a.code for a in r001.ancestors] == ["18", "R00-R09", "R00"]
    assert by_key["R00"].children == ["R000", "R001", "R002"]
    assert by_key["R00-R09"].children == ["R00", "R05", "R06", "R07"]
    assert by_key["18"].kind == "chapter" and not by_key["18"].billable


def test_every_note_type_is_kept(records):
    _, by_key = records
    r001 = by_key["R001"]
    assert r001.notes["inclusion_terms"][-1] == "Vagal bradycardia"
    assert r001.notes["excludes1"] == ["neonatal bradycardia (P29.12)"]
    assert "use_additional_code" in r001.notes
    assert by_key["R00"].notes["excludes2"] == ["specified arrhythmias (I47-I49)"]
    assert by_key["I10"].notes["includes"][0] == "high blood pressure"
    assert "seventh_character_note" in by_key["S02"].notes
    assert by_key["18"].notes["notes"]


def test_notes_are_stored_once_on_their_level_and_inherited_when_read(records):
    _, by_key = records
    # Given R00.1, under category R00, block R00-R09 and chapter 18
    r001 = by_key["R001"]
    # Then nothing is copied into it, yet reading its ancestors gives every level's notes
    assert r001.inherited_notes == []
    groups = inherited_notes(r001, by_key)
    assert ("R00", "category", "excludes2", ("specified arrhythmias (I47-I49)",)) in [
        (g.code, g.level, g.kind, g.items) for g in groups
    ]
    assert groups[-1].level == "chapter" and groups[-1].code == "18"


def test_seventh_character_codes_are_generated_with_placeholder_x(records):
    _, by_key = records
    # Given S02.0, a five-character stem under a category with a 7th-character table
    stem = by_key["S020"]
    # Then it is not billable, and each 7th character makes a billable code padded with X
    assert not stem.billable
    assert [s.code for s in stem.seventh_characters] == ["S02.0XXA", "S02.0XXB"]
    full = by_key["S020XXA"]
    assert full.billable and full.parent == "S020"
    assert full.title == "Fracture of vault of skull, initial encounter for closed fracture"


def test_a_code_level_seventh_character_table_overrides_the_category_table(records):
    _, by_key = records
    assert [s.char for s in by_key["S62101"].seventh_characters] == ["A", "B", "S"]
    assert "S62101D" not in by_key


def test_s06_death_codes_take_no_subsequent_or_sequela_character(records):
    _, by_key = records
    assert {"S060X0A", "S060X0D", "S060X0S"} <= by_key.keys()
    assert "S060X7A" in by_key
    assert "S060X7D" not in by_key and "S060X7S" not in by_key


def test_placeholder_subcategories_are_records(records):
    _, by_key = records
    assert by_key["S060X"].code == "S06.0X" and by_key["S060X"].kind == "subcategory"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "icd10cm-tabular-April-1-2026.xml"
    path.write_text(text)
    return path


def test_a_truncated_file_is_refused_naming_file_and_line(tmp_path):
    text = CM_FIXTURE.read_text()
    path = _write(tmp_path, text[: len(text) // 2])
    with pytest.raises(SourceError) as err:
        read_tabular(path)
    assert str(path) in err.value.message and "line" in err.value.where


def test_a_diag_without_a_name_is_refused_naming_its_line(tmp_path):
    text = CM_FIXTURE.read_text().replace("<name>R00.2</name>", "", 1)
    path = _write(tmp_path, text)
    with pytest.raises(SourceError) as err:
        read_tabular(path)
    before = text[: text.index("<desc>Palpitations</desc>")]
    line = before[: before.rindex("<diag>")].count("\n") + 1
    assert err.value.where.startswith(f"line {line}")
    assert "diag" in err.value.message


def test_a_code_outside_its_parent_is_refused(tmp_path):
    path = _write(
        tmp_path, CM_FIXTURE.read_text().replace("<name>R00.2</name>", "<name>R01.2</name>")
    )
    with pytest.raises(SourceError, match="does not extend"):
        read_tabular(path)


def test_a_file_that_is_not_the_tabular_list_is_refused(tmp_path):
    path = _write(tmp_path, "<?xml version='1.0'?><catalog/>")
    with pytest.raises(SourceError, match=r"ICD10CM\.tabular"):
        read_tabular(path)


def test_a_seventh_character_clarification_stays_with_its_value(tmp_path):
    # Given a 7th-character table whose value B is clarified by a note, as S52's is
    text = CM_FIXTURE.read_text().replace(
        '<extension char="B">initial encounter for open fracture</extension>',
        '<extension char="B">initial encounter for open fracture</extension>'
        "<note>\tinitial encounter for open fracture NOS</note>",
    )
    _, records = read_tabular(_write(tmp_path, text))
    by_key = {r.key: r for r in records}
    # Then the stem's table and the full code both carry it, beside B
    b = next(v for v in by_key["S020"].seventh_characters if v.char == "B")
    assert b.clarifications == ["initial encounter for open fracture NOS"]
    assert by_key["S020XXB"].seventh_characters[0].clarifications == b.clarifications
    assert by_key["S020XXA"].seventh_characters[0].clarifications == []


def test_a_seventh_character_note_before_any_value_is_refused(tmp_path):
    text = CM_FIXTURE.read_text().replace(
        '<extension char="A">', '<note>stray</note><extension char="A">', 1
    )
    with pytest.raises(SourceError, match="7th-character note before any value"):
        read_tabular(_write(tmp_path, text))
