import re

import pytest

from coderef.search import title_signals
from coderef.search.index_build import signature
from coderef.search.sqlite_fts import has_fts5
from coderef.search.text import clean_query, edit_distance, stem, synonyms, words


def test_the_sqlite_module_used_for_search_has_fts5():
    assert has_fts5()


def test_queries_lose_control_characters_and_accents_and_are_capped():
    assert clean_query("  bradycardie\x00\x1b  vagale ") == "bradycardie vagale"
    assert clean_query("Ménière") == "Meniere"
    assert len(clean_query("x" * 5000)) == 200


def test_edit_distance_counts_a_transposition_as_one_edit():
    assert edit_distance("hypertensoin", "hypertension") == 1
    assert edit_distance("brady", "bradycardia") > 3


def test_the_synonym_list_parses_and_covers_common_abbreviations_and_lay_words():
    table = synonyms()
    assert ("congestive", "heart", "failure") in table[("chf",)]
    assert ("hypertension",) in table[("htn",)]
    assert ("deep", "vein", "thrombosis") in table[("dvt",)]
    assert ("renal", "failure") in table[("kidney", "failure")]
    assert ("diabetes", "mellitus") in table[("sugar", "diabetes")]
    # No entry maps a phrase to itself.
    assert all(key not in alts for key, alts in table.items())


def test_the_coder_vocabulary_covers_shorthand_encounters_injuries_and_history():
    # Given the vocabulary files read together
    table = synonyms()
    # Then coders' shorthand reads as the code sets' wording
    assert ("cerebral", "infarction") in table[("cva",)]
    assert ("transient", "cerebral", "ischemic", "attack") in table[("tia",)]
    assert ("peripheral", "vascular", "disease") in table[("pvd",)]
    assert ("hyperlipidemia",) in table[("hld",)]
    assert ("obstructive", "sleep", "apnea") in table[("osa",)]
    assert ("low", "back", "pain") in table[("lbp",)]
    assert ("benign", "prostatic", "hyperplasia") in table[("bph",)]
    # and so do encounters, statuses, injuries, external causes and history forms
    assert ("encounter", "for", "immunization") in table[("flu", "shot")]
    assert ("presence", "of", "artificial", "knee", "joint") in table[
        ("knee", "replacement", "status")
    ]
    assert ("venom", "of", "spider") in table[("spider", "bite")]
    assert ("collision", "with", "car") in table[("struck", "car")]
    assert ("personal", "history") in table[("history",)]


def test_vocabulary_keys_drop_stop_words_as_queries_do():
    # "shortness of breath" is looked up as the query's content words
    assert ("dyspnea",) in synonyms()[("shortness", "breath")]
    assert ("tinnitus",) in synonyms()[("ringing", "ears")]


def test_the_vocabulary_maps_to_wording_never_to_codes():
    code_like = re.compile(r"^[a-z]\d|^\d[a-z0-9]{2}")
    for typed, wordings in synonyms().items():
        for wording in wordings:
            assert not any(code_like.match(w) and any(c.isdigit() for c in w) for w in wording), (
                typed,
                wording,
            )


def test_stems_match_the_index_tokenizer_for_common_endings():
    assert stem("fractures") == stem("fracture")
    assert stem("diabetic") == stem("diabetes")
    assert stem("falling") == stem("falls")


@pytest.mark.parametrize(
    "title",
    [
        "Gestational diabetes mellitus in pregnancy, diet controlled",
        "Sequelae of tuberculosis",
        "Family history of malignant neoplasm of breast",
        "Juvenile rheumatoid arthritis",
        "Neonatal urinary tract infection",
        "Maternal care for fetal abnormality",
        "Urinary tract infection, site not specified",
        "Fracture of femur, subsequent encounter for closed fracture",
    ],
)
def test_the_contexts_stored_in_the_index_are_those_the_ranking_reads(title):
    # Given a title, when the index build works out its contexts from the title's words
    stored = title_signals.context_mask(words(title))
    # Then they are the contexts the engine's ranking finds in the title's stems
    assert stored == sum(1 << i for i in title_signals.contexts(title))


def test_a_title_naming_the_query_and_no_more_has_the_querys_signature():
    # Qualifiers ("unspecified"), stop words and word order do not change a signature
    title = signature(title_signals.significant("Heart failure, unspecified"))
    assert title == signature(title_signals.significant("failure of the heart"))
    assert title != signature(title_signals.significant("Heart failure, congestive"))
