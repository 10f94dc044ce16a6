"""Reading CasePilot questions: kinds, named codes, encounters, topics."""

import pytest

from coderef.assistant.questions import kind_of, read_question


@pytest.mark.parametrize(
    "text, subjects, kind",
    [
        ("What is ICD-10-CM code R00.1?", 1, "define"),
        ("what does 0FT44ZZ mean", 1, "define"),
        ("Difference between I10 and I11.9", 2, "compare"),
        ("I10 vs I11.9", 2, "compare"),
        ("Can E11.9 be coded with E10.9?", 2, "together"),
        ("E11.9 and E10.9 together?", 2, "together"),
        ("Which 7th character for a subsequent encounter for S62.101?", 1, "seventh_character"),
        ("Codes for type 2 diabetes with neuropathy", 0, "codes_for"),
        ("What does the guideline say about multiple procedures?", 0, "guideline"),
        ("slow heart rate", 0, "open"),
    ],
)
def test_kinds_of_question(text, subjects, kind):
    assert kind_of(read_question(text), subjects) == kind


def test_the_topic_drops_codes_and_question_phrasing():
    question = read_question("What are the ICD-10-CM codes for type 2 diabetes with neuropathy?")
    assert question.codes_for_topic == "type 2 diabetes with neuropathy"
    assert question.system_hint == "icd10cm"
    assert read_question("What is the weather in Paris tomorrow?").topic() == (
        "weather in Paris tomorrow"
    )


def test_encounter_words_are_read():
    question = read_question("7th character for a subsequent encounter with delayed healing?")
    assert question.encounter == ["subsequent", "delayed"]


def test_control_characters_and_spacing_are_cleaned():
    assert read_question("  What\x00 is\n\tR00.1 ?").text == "What is R00.1 ?"
