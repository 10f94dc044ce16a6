"""Reading case notes: shorthand, places, denial and other cues, encounters."""

from coderef.assistant.case_notes import read_note


def statuses(text):
    note = read_note(text)
    return {w.text: w.status for w in note.words}


def test_words_keep_their_places_and_shorthand_is_expanded():
    text = "Pt c/o CP and SOB; s/p lap chole."
    note = read_note(text)
    words = {w.text: text[w.start : w.end] for w in note.words}
    assert words["chest pain"] == "CP"
    assert words["laparoscopic cholecystectomy"] == "lap chole"
    assert words["complains of"] == "c/o"


def test_a_denial_covers_a_list_until_the_note_moves_on():
    found = statuses("Denies fever, chills or cough but reports nausea.")
    assert [found[w] for w in ("fever", "chills", "cough")] == ["negated"] * 3
    assert found["nausea"] == "present"


def test_a_denial_ends_at_the_end_of_its_sentence():
    found = statuses("No fever. Cough for two days.")
    assert found["fever"] == "negated" and found["cough"] == "present"


def test_cues_after_the_finding_reach_back():
    found = statuses("Pneumonia was ruled out. Fracture is negative on x-ray.")
    assert found["pneumonia"] == "negated"


def test_uncertain_history_and_family_history():
    found = statuses("R/o appendicitis. PMH: asthma, gout. Family history of diabetes.")
    assert found["appendicitis"] == "uncertain"
    assert found["asthma"] == found["gout"] == "history"
    assert found["diabetes"] == "family_history"


def test_history_of_present_illness_is_not_a_history_cue():
    assert statuses("History of present illness: fever for 3 days.")["fever"] == "present"


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
