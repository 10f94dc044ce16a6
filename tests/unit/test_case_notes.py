"""Reading case notes: shorthand, places, sides, encounters (cues: test_clinical_text.py)."""

from coderef.assistant.case_notes import read_note


def test_words_keep_their_places_and_shorthand_is_expanded():
    text = "Pt c/o CP and SOB; s/p lap chole."
    note = read_note(text)
    words = {w.text: text[w.start : w.end] for w in note.words}
    assert words["chest pain"] == "CP"
    assert words["laparoscopic cholecystectomy"] == "lap chole"
    assert words["complains of"] == "c/o"


def test_a_capital_r_or_l_before_a_word_is_a_side():
    sides = [w.text for w in read_note("R wrist pain and L knee swelling. Grade R.").words]
    assert sides[:2] == ["right", "wrist"] and "left" in sides
    assert sides[-1] == "r"  # a letter at the end of a sentence stays a letter


def test_the_encounter_is_read_from_the_note():
    assert read_note("Follow-up for wrist fracture.").encounter.type == "subsequent"
    assert read_note("Initial encounter for fall.").encounter.type == "initial"
    assert read_note("Sequela of burn.").encounter.type == "sequela"
    assert read_note("Wrist fracture.").encounter is None
    note = read_note("Follow up: open fracture, delayed healing.")
    assert note.open_fracture and note.healing == "delayed healing"


def test_an_encounter_the_note_denies_does_not_count():
    assert read_note("No follow-up needed. Wrist fracture.").encounter is None
