"""What medspaCy's ConText and sectionizer read about each finding of a note."""

import logging

from coderef.assistant.clinical_text import assert_findings


def read(text, *findings):
    """The status (and cue) of each finding, found in order in the text."""
    spans, position = [], 0
    for finding in findings:
        start = text.index(finding, position)
        spans.append((start, start + len(finding)))
        position = start + len(finding)
    return [(a.status, a.cue) for a in assert_findings(text, spans)]


def statuses(text, *findings):
    return [status for status, _ in read(text, *findings)]


def test_a_denial_covers_a_list_until_the_note_moves_on():
    text = "Denies fever, chills or cough but reports nausea."
    assert statuses(text, "fever", "chills", "cough", "nausea") == [
        "negated",
        "negated",
        "negated",
        "present",
    ]


def test_a_denial_ends_at_the_end_of_its_sentence():
    assert statuses("No fever. Cough for two days.", "fever", "Cough") == ["negated", "present"]


def test_cues_after_the_finding_reach_back():
    text = "Pneumonia was ruled out. Bradycardia ruled out. Cough resolved."
    assert statuses(text, "Pneumonia", "Bradycardia", "Cough") == ["negated"] * 3


def test_uncertain_history_family_and_hypothetical():
    text = (
        "R/o appendicitis. History of MI 2019. Family history of diabetes. "
        "Return if chest pain. Possible UTI."
    )
    found = read(text, "appendicitis", "MI", "diabetes", "chest pain", "UTI")
    assert found == [
        ("uncertain", "r/o"),
        ("history", "history"),
        ("family_history", "family"),
        ("hypothetical", "if"),
        ("uncertain", "possible"),
    ]


def test_a_chronic_condition_in_the_past_medical_history_is_current():
    # Given a PMH list: conditions still treated are coded as current
    text = "PMH: hypertension on lisinopril, asthma. Presents with bronchitis."
    found = assert_findings(text, [(5, 17), (33, 39)])
    assert [a.status for a in found] == ["present", "present"]
    assert {a.section for a in found} == {"past_medical_history"}


def test_a_heading_inside_running_text_governs_its_own_sentence_only():
    text = "Family history: bipolar disorder. History of MI."
    assert statuses(text, "bipolar disorder", "MI") == ["family_history", "history"]


def test_a_past_procedure_and_a_dated_one_are_history():
    text = "Appendectomy done ten days ago. Cholecystectomy in 2015. S/p hernia repair."
    assert statuses(text, "Appendectomy", "Cholecystectomy", "hernia repair") == ["history"] * 3


def test_the_finding_s_own_words_are_not_its_cue():
    assert statuses("GERD without esophagitis.", "GERD without esophagitis") == ["present"]


def test_history_of_present_illness_is_not_a_history_cue():
    assert statuses("History of present illness: fever for 3 days.", "fever") == ["present"]


def test_the_note_never_reaches_the_logs(caplog, capfd):
    # PyRuSH logs every token at DEBUG through loguru: CodeRef switches it off
    with caplog.at_level(logging.DEBUG):
        statuses("Secretnote hypertension.", "hypertension")
    out, err = capfd.readouterr()
    assert "Secretnote" not in caplog.text + out + err
