"""The pure rules that keep a candidate honest: "without" clauses, numbered words, stems, and
how a question's topic splits into conditions."""

import pytest

from coderef.assistant.coding_rules import stem
from coderef.assistant.questions import parts_of
from coderef.search.candidates import contradicts, numbers_agree


@pytest.mark.parametrize(
    "phrase, title, wrong",
    [
        ("sepsis and septic shock", "Severe sepsis without septic shock", True),
        ("septic shock", "Severe sepsis with septic shock", False),
        ("GERD without esophagitis", "Gastro-esophageal reflux disease without esophagitis", False),
        ("GERD without esophagitis", "Gastro-esophageal reflux disease with esophagitis", True),
        ("laceration of the left hand", "Laceration without foreign body of left hand", False),
    ],
)
def test_a_title_saying_without_what_the_phrase_names_is_no_match(phrase, title, wrong):
    assert contradicts(phrase, title) is wrong


def test_a_number_belongs_to_the_word_before_it():
    assert numbers_agree("type 2 diabetes", ["Type 2 diabetes mellitus without complications"])
    assert not numbers_agree(
        "type 2 diabetes with stage", ["Type 1 diabetes mellitus, presymptomatic, Stage 2"]
    )
    assert numbers_agree("stage 4 chronic kidney disease", ["... stage 1 through stage 4 ..."])


def test_word_forms_share_a_stem():
    assert stem("hypertension") == stem("hypertensive")
    assert stem("calculi") == stem("calculus")
    assert stem("diabetes") == stem("diabetic")


def test_a_topic_splits_where_it_joins_conditions():
    assert parts_of("hypertension with CKD stage 3a") == ["hypertension", "CKD stage 3a"]
    assert parts_of("sepsis due to E. coli with septic shock") == [
        "sepsis due to E. coli",
        "septic shock",
    ]
