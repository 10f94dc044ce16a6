from coderef.catalog.references import referenced_keys


def test_codes_named_in_notes_are_found_in_every_written_form():
    assert referenced_keys("neonatal bradycardia (P29.12)") == ["P2912"]
    assert referenced_keys("paroxysmal tachycardia (I47.-)") == ["I47"]
    assert referenced_keys("specified arrhythmias (I47-I49)") == ["I47", "I49"]
    assert referenced_keys("complicating pregnancy (O10-O11, O13-O16)") == [
        "O10",
        "O11",
        "O13",
        "O16",
    ]
    assert referenced_keys("no codes in this sentence") == []
