"""The abbreviation glossary (catalog/data/abbreviations.tsv) and its use in plain text."""

import re

from coderef.catalog.plain_language import GLOSSARY, abbreviations_in, compose
from coderef.catalog.records import Ancestor, CodeRecord


def test_the_glossary_explains_the_abbreviations_coders_meet_most():
    for abbreviation in ("NSTEMI", "STEMI", "COPD", "ESRD", "CKD", "HFpEF", "HIV", "NOS"):
        assert GLOSSARY[abbreviation]


def test_every_entry_is_an_abbreviation_with_an_explanation_in_words():
    for abbreviation, meaning in GLOSSARY.items():
        assert re.fullmatch(r"[A-Z][A-Za-z0-9-]*", abbreviation), abbreviation
        assert sum(c.isupper() for c in abbreviation) >= 2, abbreviation
        # an explanation, not the abbreviation again
        assert len(meaning.split()) >= 2 and not meaning.startswith(abbreviation + " "), meaning


def test_abbreviations_are_found_as_whole_words_only():
    assert [a for a, _ in abbreviations_in("Non-ST elevation (NSTEMI) myocardial infarction")] == [
        "NSTEMI"
    ]
    # STEMI inside NSTEMI is not STEMI; HIV inside a longer word is not HIV
    assert [a for a, _ in abbreviations_in("NSTEMI and HIVAN")] == ["NSTEMI"]
    assert abbreviations_in("Unspecified anemia") == []


def test_plain_text_explains_an_abbreviation_in_the_title():
    record = CodeRecord(
        system="icd10cm",
        code="I21.4",
        key="I214",
        kind="code",
        billable=True,
        title="Non-ST elevation (NSTEMI) myocardial infarction",
        description="Non-ST elevation (NSTEMI) myocardial infarction",
        release="icd10cm-2026-04",
        ancestors=[Ancestor("I21", "Acute myocardial infarction", "category")],
    )
    text = compose(record)
    assert "NSTEMI stands for non-ST elevation myocardial infarction" in text


def test_an_abbreviation_among_the_other_names_is_explained_too():
    record = CodeRecord(
        system="icd10cm",
        code="I50.30",
        key="I5030",
        kind="code",
        billable=True,
        title="Unspecified diastolic (congestive) heart failure",
        description="Unspecified diastolic (congestive) heart failure",
        release="icd10cm-2026-04",
        notes={"inclusion_terms": ["Heart failure with preserved ejection fraction [HFpEF]"]},
    )
    assert "HFpEF stands for heart failure with preserved ejection fraction" in compose(record)
