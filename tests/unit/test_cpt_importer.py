"""CPT: the AMA data files a licensed operator holds, on made-up files in the real layout."""

from datetime import date

import pytest

from coderef.catalog.notices import DEFAULT_CPT_NOTICE, licence_notice
from coderef.codesets.cpt_files import CONSUMER_SOURCE, read_cpt, release_for
from coderef.codesets.textfile import read_lines
from coderef.errors import SourceError
from tests.conftest import CPT_FIXTURE
from tests.fixtures.edit import edited_folder


@pytest.fixture(scope="module")
def imported():
    release, records = read_cpt(CPT_FIXTURE)
    return release, {r.key: r for r in records}


def test_the_release_year_comes_from_the_file_header(imported):
    release, _ = imported
    assert (release.id, release.name, release.effective_from) == (
        "cpt-2026-01",
        "CPT 2026 release",
        "2026-01-01",
    )


def test_each_code_has_its_long_medium_and_short_descriptors(imported):
    _, by_key = imported
    code = by_key["10001"]
    assert code.title == "Fixture procedure: draining one made-up cyst of the skin, simple"
    assert code.kind == "code" and code.billable
    assert code.attribute("medium_descriptor").value == "FIXTURE DRAIN MADE-UP SKIN CYST SIMPLE"
    assert code.attribute("short_descriptor").value == "FIXT DRAIN CYST SIMPLE"
    assert {"0001F", "0001T"} <= set(by_key)  # Category II and III codes


def test_consumer_descriptors_are_the_plain_language_text(imported):
    _, by_key = imported
    assert by_key["10001"].plain_language.startswith("Draining a single fluid-filled bump")
    assert by_key["10001"].plain_language_source == CONSUMER_SOURCE
    assert by_key["0001F"].plain_language == ""  # none given: CodeRef composes one at import


def test_clinician_descriptors_keep_every_row_of_a_code(imported):
    _, by_key = imported
    assert by_key["10001"].notes["clinician_descriptors"] == [
        "Incision and drainage of a single made-up cutaneous cyst",
        "Drainage of a simple made-up cyst through a small skin incision",
    ]


def test_modifiers_become_records(imported):
    _, by_key = imported
    assert by_key["25"].kind == "modifier" and not by_key["25"].billable
    assert by_key["59"].title == "Fixture modifier: a made-up distinct procedure"


def test_pages_carry_the_operator_notice_or_the_default(imported):
    _, by_key = imported
    assert licence_notice(by_key["10001"], "Operator's notice") == "Operator's notice"
    assert licence_notice(by_key["10001"], None) == DEFAULT_CPT_NOTICE


def test_the_fixtures_hold_only_made_up_text():
    # A tripwire: CPT descriptors are AMA copyright and must never enter the repository.
    for path in CPT_FIXTURE.iterdir():
        body = read_lines(path)[4:]
        rows = [r for r in body if r.strip() and "Descriptor" not in r]
        assert rows and all(("made-up" in r.lower() or "fixt" in r.lower()) for r in rows), path


def test_only_longult_is_required(tmp_path):
    folder = tmp_path / "cpt"
    folder.mkdir()
    (folder / "LONGULT.txt").write_bytes((CPT_FIXTURE / "LONGULT.txt").read_bytes())
    _, records = read_cpt(folder)
    assert len(records) == 5 and all(not r.attributes for r in records)


def test_a_folder_without_longult_is_refused(tmp_path):
    with pytest.raises(SourceError, match=r"holds no LONGULT\.txt"):
        read_cpt(tmp_path)


def test_the_year_can_be_given_when_neither_header_nor_folder_says(tmp_path):
    folder = edited_folder(CPT_FIXTURE, tmp_path / "cpt", "LONGULT.txt", _set(1, "Header"))
    with pytest.raises(SourceError, match="--effective-from"):
        release_for(folder)
    assert release_for(folder, date(2027, 1, 1)).name == "CPT 2027 release"


def _set(line_no: int, text: str):
    def edit(lines: list[str]) -> None:
        lines[line_no - 1] = text

    return edit


@pytest.mark.parametrize(
    "file_name, edit, where, problem",
    [
        ("LONGULT.txt", lambda lines: lines.pop(3), "line 1", "no blank line ends the copyright"),
        ("LONGULT.txt", _set(5, "10001 no tab here"), "line 5", "expected a code, a separator"),
        ("LONGULT.txt", _set(6, "10001\tagain"), "line 6", "10001 appears twice"),
        ("MEDU.txt", _set(6, "1000X SOMETHING"), "line 6", "'1000X' is not a CPT code"),
        ("SHORTU.txt", _set(5, "10001"), "line 5", "expected a code, a separator"),
        ("ConsumerDescriptor.txt", _set(6, "9000001\t10001"), "line 6", "expected 3"),
        ("ClinicianDescriptor.txt", _set(7, "1\t1234\t2\ttext"), "line 7", "not a CPT code"),
        ("MODUL.txt", _set(5, "255\ttoo long"), "line 5", "'255' is not a CPT code or modifier"),
        ("LONGULT.txt", lambda lines: lines.__delitem__(slice(4, None)), "line 4", "nothing"),
    ],
)
def test_a_malformed_file_is_refused_naming_file_and_line(
    tmp_path, file_name, edit, where, problem
):
    folder = edited_folder(CPT_FIXTURE, tmp_path / "cpt", file_name, edit)
    with pytest.raises(SourceError) as err:
        read_cpt(folder, release_for(folder, date(2026, 1, 1)))
    assert err.value.path == str(folder / file_name)
    assert (err.value.where, problem in err.value.problem) == (where, True)
