"""Codes named in text, the grounding check both composers pass, and note reference spans."""

import pytest

from coderef.assistant.grounding import code_key, code_tokens, ungrounded_codes
from coderef.catalog.references import referenced_spans, span_covers


@pytest.mark.parametrize(
    "token, key",
    [
        ("R00.1", "R001"),
        ("r001", "R001"),
        ("E11", "E11"),
        ("S62.101A", "S62101A"),
        ("0FT44ZZ", "0FT44ZZ"),
        ("T2DM", None),
        ("7th", None),
        ("2026", None),
        ("ICD", None),
        ("B3.8", None),
        ("ABCDEFG", None),
    ],
)
def test_code_shaped_tokens_and_their_keys(token, key):
    assert code_key(token) == key


def test_codes_are_found_with_their_places_and_words_are_not():
    text = "Is ICD-10-CM code R00.1 the same as r00.0 or 0FT44ZZ? Not T2DM."
    found = code_tokens(text)
    assert [(w, k) for w, k, _, _ in found] == [
        ("R00.1", "R001"),
        ("r00.0", "R000"),
        ("0FT44ZZ", "0FT44ZZ"),
    ]
    for written, _, start, end in found:
        assert text[start:end] == written


def test_text_naming_only_catalog_codes_is_grounded():
    catalog = {"R001", "I10"}
    assert ungrounded_codes("Use R00.1 with I10.", catalog.__contains__) == []


def test_an_invented_code_is_caught_unless_it_was_quoted_or_typed():
    catalog = {"R001"}
    text = "R00.1, or maybe R00.19 or P29.12."
    assert ungrounded_codes(text, catalog.__contains__) == ["R00.19", "P29.12"]
    assert ungrounded_codes(text, catalog.__contains__, allowed={"R0019", "P2912"}) == []


@pytest.mark.parametrize(
    "note, spans",
    [
        ("type 1 diabetes mellitus (E10.-)", [("E10", "E10")]),
        ("neonatal bradycardia (P29.12)", [("P2912", "P2912")]),
        ("specified arrhythmias (I47-I49)", [("I47", "I49")]),
        ("complicating pregnancy (O10-O11, O13-O16)", [("O10", "O11"), ("O13", "O16")]),
        (
            "any condition in I50.- or I51.4-I51.7, I51.89",
            [("I50", "I50"), ("I514", "I517"), ("I5189", "I5189")],
        ),
    ],
)
def test_note_references_become_spans(note, spans):
    assert referenced_spans(note) == spans


@pytest.mark.parametrize(
    "span, key, covered",
    [
        (("E10", "E10"), "E109", True),
        (("E10", "E10"), "E119", False),
        (("I47", "I49"), "I4891", True),
        (("I47", "I49"), "I50", False),
        (("I514", "I517"), "I515", True),
        (("P2912", "P2912"), "P2911", False),
    ],
)
def test_a_span_covers_the_codes_below_its_ends(span, key, covered):
    assert span_covers(span, key) is covered
