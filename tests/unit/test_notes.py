"""The inherited view of notes (catalog/notes.py) on a small tabular file written here."""

from pathlib import Path

import pytest

from coderef.catalog.notes import NOTE_MEANINGS, ancestor_keys, inherited_notes, notes_in_force
from coderef.catalog.records import NOTE_KINDS
from coderef.codesets.icd10cm_xml import read_tabular

TABULAR = """<?xml version="1.0" encoding="utf-8"?>
<ICD10CM.tabular>
  <chapter>
    <name>15</name>
    <desc>Pregnancy, childbirth and the puerperium (O00-O9A)</desc>
    <notes><note>CODES FROM THIS CHAPTER ARE FOR USE ONLY ON MATERNAL RECORDS</note></notes>
    <useAdditionalCode><note>code from category Z3A, Weeks of gestation</note></useAdditionalCode>
    <excludes1><note>supervision of normal pregnancy (Z34.-)</note></excludes1>
    <section id="O09">
      <desc>Supervision of high risk pregnancy (O09)</desc>
      <diag>
        <name>O09</name>
        <desc>Supervision of high risk pregnancy</desc>
        <diag>
          <name>O09.5</name>
          <desc>Supervision of elderly primigravida and multigravida</desc>
          <inclusionTerm><note>Pregnancy for a female 35 years and older</note></inclusionTerm>
          <diag>
            <name>O09.52</name>
            <desc>Supervision of elderly multigravida</desc>
            <diag>
              <name>O09.523</name>
              <desc>Supervision of elderly multigravida, third trimester</desc>
            </diag>
          </diag>
        </diag>
      </diag>
    </section>
  </chapter>
</ICD10CM.tabular>
"""


@pytest.fixture
def by_key(tmp_path: Path):
    path = tmp_path / "icd10cm-tabular-April-1-2026.xml"
    path.write_text(TABULAR)
    return {r.key: r for r in read_tabular(path)[1]}


def test_a_code_inherits_every_level_up_to_its_chapter_most_specific_first(by_key):
    # Given O09.523, four levels below chapter 15
    code = by_key["O09523"]
    assert ancestor_keys(code) == ["O0952", "O095", "O09", "O09-O09", "15"]
    # When its inherited notes are resolved from the records above it
    groups = inherited_notes(code, by_key)
    # Then the subcategory's come first and the chapter's last, each naming its level
    assert [(g.level, g.code, g.kind) for g in groups] == [
        ("subcategory", "O09.5", "inclusion_terms"),
        ("chapter", "15", "notes"),
        ("chapter", "15", "excludes1"),
        ("chapter", "15", "use_additional_code"),
    ]
    assert groups[-1].where == "chapter 15"
    assert groups[-1].title.startswith("Pregnancy, childbirth")


def test_a_level_the_caller_could_not_read_is_skipped_not_fatal(by_key):
    code = by_key["O09523"]
    only_chapter = [by_key["15"]]
    assert {g.level for g in inherited_notes(code, only_chapter)} == {"chapter"}
    assert inherited_notes(code, {}) == []


def test_notes_in_force_put_the_codes_own_notes_first(by_key):
    groups = notes_in_force(by_key["O095"], by_key)
    assert groups[0].code == "O09.5" and groups[0].kind == "inclusion_terms"


def test_every_note_kind_has_a_meaning_and_excludes_are_told_apart():
    assert set(NOTE_MEANINGS) == set(NOTE_KINDS)
    assert "never coded together" in NOTE_MEANINGS["excludes1"].lower()
    assert "both codes may be reported" in NOTE_MEANINGS["excludes2"]
