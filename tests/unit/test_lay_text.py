import pytest

from coderef.codesets.icd10cm_xml import read_tabular
from coderef.codesets.lay_text import read_lay_text
from coderef.codesets.pipeline import add_plain_language
from coderef.errors import SourceError
from tests.conftest import CM_FIXTURE


def test_operator_text_takes_precedence_and_names_its_source(tmp_path):
    csv_path = tmp_path / "clinic-lay-text.csv"
    csv_path.write_text("system,code,text\nicd10cm,r00.1,Your heart beats slower than usual.\n")
    records = read_tabular(CM_FIXTURE)[1]
    add_plain_language(records, csv_path)
    by_key = {r.key: r for r in records}
    assert by_key["R001"].plain_language == "Your heart beats slower than usual."
    assert by_key["R001"].plain_language_source == "Operator-supplied text (clinic-lay-text.csv)"
    assert by_key["R000"].plain_language_source.startswith("Assembled by CodeRef")


@pytest.mark.parametrize(
    "row, problem",
    [
        ("snomed,22298006,text", "unknown system"),
        ("icd10cm,R0/1,text", "malformed code"),
        ("icd10cm,R001", "3 columns"),
        ("icd10cm,R001,", "empty text"),
    ],
)
def test_bad_rows_are_refused_naming_the_line(tmp_path, row, problem):
    csv_path = tmp_path / "lay.csv"
    csv_path.write_text("system,code,text\n" + row + "\n")
    with pytest.raises(SourceError) as err:
        read_lay_text(csv_path)
    assert err.value.where == "line 2" and problem in err.value.problem
