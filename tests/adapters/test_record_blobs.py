"""The catalog's record blobs: every field survives, stores written before stay readable, and
a record takes far fewer bytes than JSON with field names did."""

import json
import zlib
from dataclasses import fields

import pytest

from coderef.adapters.record_blobs import _FIELDS, pack_record, unpack_record
from coderef.catalog.records import (
    Ancestor,
    Attribute,
    Axis,
    CodeRecord,
    Crosswalk,
    SeventhCharacter,
)


def _every_field_set() -> CodeRecord:
    return CodeRecord(
        system="icd10cm",
        code="S72.001A",
        key="S72001A",
        kind="code",
        billable=True,
        title="Fracture of unspecified part of neck of right femur, initial encounter",
        description="Fracture of unsp part of neck of right femur, init — “closed”",
        release="icd10cm-2026-04",
        parent="S72001",
        ancestors=[Ancestor("19", "Injury, poisoning (S00-T88)", "chapter")],
        children=["S72001A1"],
        notes={"inclusion_terms": ["Hip fracture NOS"], "excludes2": ["Fracture of shaft"]},
        inherited_notes=[{"from": "S72", "kind": "code_also", "items": ["any wound"]}],
        seventh_characters=[SeventhCharacter("A", "initial encounter", "S72.001A", ["open"])],
        axes=[Axis(1, "Section", "0", "Medical and Surgical", None)],
        attributes=[Attribute("hcc_v28", "CMS-HCC V28", "402", "Hip fracture")],
        plain_language="S72.001A is the ICD-10-CM code for a hip fracture.",
        plain_language_source="Assembled by CodeRef",
        crosswalks=[Crosswalk("from_icd9", "820.8", "Fracture of neck of femur", 1, 0, 0, 0, 0)],
    )


def test_every_field_of_a_record_comes_back_as_it_was_written():
    # Given a record with every field holding a value, unicode included
    record = _every_field_set()
    # When it is packed and unpacked
    back = unpack_record(pack_record(record))
    # Then it is the same record
    assert back == record


def test_a_record_with_only_its_required_fields_comes_back_with_the_defaults():
    record = CodeRecord("icd10pcs", "0", "0", "section", False, "Medical", "Medical", "r1")
    assert unpack_record(pack_record(record)) == record


def test_the_blob_layout_names_every_field_of_the_record():
    # A field added to CodeRecord must be appended to the layout, or it would not be stored.
    assert set(_FIELDS) == {f.name for f in fields(CodeRecord)}


def test_a_record_written_by_the_earlier_format_is_still_read():
    # Given a blob as stores written before hold it: zlib-compressed JSON with field names
    record = _every_field_set()
    legacy = zlib.compress(json.dumps(record.to_dict(), separators=(",", ":")).encode(), 6)
    # When it is read, then it is the same record
    assert unpack_record(legacy) == record


def test_a_typical_record_takes_well_under_half_the_bytes_of_the_earlier_format():
    record = _every_field_set()
    record.plain_language = (
        "S72.001A is the ICD-10-CM code for fracture of unspecified part of neck of right "
        "femur, initial encounter. It comes under subcategory S72.0 (Fracture of head and "
        "neck of femur), within category S72 (Fracture of femur), within chapter 19 (Injury, "
        "poisoning and certain other consequences of external causes)."
    )
    legacy = zlib.compress(json.dumps(record.to_dict(), separators=(",", ":")).encode(), 6)
    assert len(pack_record(record)) < 0.5 * len(legacy)


def test_a_blob_cut_short_is_an_error_not_a_partial_record():
    blob = pack_record(_every_field_set())
    with pytest.raises(zlib.error):
        unpack_record(blob[: len(blob) // 2])


def test_a_bulk_read_shares_equal_nested_values_and_changes_no_record():
    # Given two records under the same chapter, read in one bulk read
    first, second = _every_field_set(), _every_field_set()
    second.key, second.code = "S72002A", "S72.002A"
    shared: dict = {}
    # When both are unpacked with one shared dict
    a = unpack_record(pack_record(first), shared)
    b = unpack_record(pack_record(second), shared)
    # Then each equals what was written, and the common ancestor is one object
    assert (a, b) == (first, second)
    assert a.ancestors[0] is b.ancestors[0]
