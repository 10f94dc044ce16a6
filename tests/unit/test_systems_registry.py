"""One registry of code systems: every system has its facts and its importer, the names people
type resolve through it, and what is derived from it (display form, CLI choices) follows."""

from __future__ import annotations

import pytest

from coderef.catalog.codes import display_code, resolve_system
from coderef.catalog.systems import SYSTEMS, system_list
from coderef.codesets.pipeline import read_source
from coderef.codesets.registry import BUNDLED, IMPORTERS, importer_for
from coderef.errors import InvalidInput, SourceError, UnknownSystem


def test_every_system_has_an_importer_and_every_importer_a_system():
    assert list(IMPORTERS) == list(SYSTEMS)
    assert BUNDLED == ("icd10cm", "icd10pcs")


@pytest.mark.parametrize(
    ("typed", "system"),
    [("ICD-10-CM", "icd10cm"), (" cm ", "icd10cm"), ("PCS", "icd10pcs"), ("hcpcs-ii", "hcpcs")],
)
def test_the_names_people_type_resolve_through_the_registry(typed, system):
    assert resolve_system(typed).id == system


def test_an_unknown_system_names_the_known_ones():
    with pytest.raises(UnknownSystem, match="cpt, hcpcs, icd10cm, icd10pcs"):
        resolve_system("snomed")


def test_the_display_form_follows_the_systems_rule():
    assert display_code("icd10cm", "R001") == "R00.1"
    assert display_code("icd10cm", "A00-A09") == "A00-A09"
    assert display_code("icd10pcs", "0FT44ZZ") == "0FT44ZZ"
    assert display_code("hcpcs", "A0021") == "A0021"


def test_help_texts_list_the_systems():
    assert system_list() == "icd10cm, icd10pcs, hcpcs or cpt"


def test_a_system_with_no_bundled_release_needs_its_file():
    with pytest.raises(SourceError, match="not bundled"):
        read_source("hcpcs", None)


def test_a_tables_xml_goes_only_with_an_icd10pcs_order_file(tmp_path):
    with pytest.raises(InvalidInput, match="tables XML"):
        read_source("icd10cm", tmp_path / "order.txt", tables=tmp_path / "tables.xml")
    with pytest.raises(InvalidInput, match="No importer"):
        importer_for("snomed")


@pytest.mark.parametrize("system", list(SYSTEMS))
def test_the_import_command_takes_every_system_of_the_registry(system):
    from coderef.cli import build_parser

    assert build_parser().parse_args(["import", "--system", system]).system == system


def test_the_import_command_refuses_a_system_the_registry_lacks(capsys):
    from coderef.cli import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["import", "--system", "snomed"])
    assert "invalid choice" in capsys.readouterr().err
