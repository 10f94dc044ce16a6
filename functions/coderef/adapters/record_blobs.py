"""How both catalog stores keep a record: one small compressed blob per record.

Format 1 (written now): a marker byte, then raw DEFLATE of the record as a positional JSON
list (field values in `_FIELDS` order, trailing defaults left out), compressed against a
preset dictionary shipped in `data/record_blobs_1.zdict`. A 1.6 KB record is mostly wording
that other records repeat (ancestor titles, note phrasing, crosswalk flags): the dictionary
lets each record refer to it, so a record takes about half the bytes zlib alone gives it.
The dictionary was trained on the bundled ICD-10-CM and ICD-10-PCS records
(tools/train_record_dict.py); it is fixed per format number, so every blob stays readable.

Legacy (read only): zlib-compressed JSON object with field names, as stores written before
format 1 hold. Its first byte is always 0x78 (zlib's header), never a format marker.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

from coderef.catalog.records import (
    Ancestor,
    Attribute,
    Axis,
    CodeRecord,
    Crosswalk,
    SeventhCharacter,
)

_FORMAT_1 = b"\x01"
_DICTIONARY = (Path(__file__).parent / "data" / "record_blobs_1.zdict").read_bytes()
_LEVEL = 6
_WBITS = -15  # raw DEFLATE: a 32 KB window, the largest dictionary zlib uses

# The positional order of format 1. Append new CodeRecord fields at the end only: a blob
# written before a field existed is then a shorter list, and the field takes its default.
_FIELDS: tuple[str, ...] = (
    "system",
    "code",
    "key",
    "kind",
    "billable",
    "title",
    "description",
    "release",
    "parent",
    "ancestors",
    "children",
    "notes",
    "inherited_notes",
    "seventh_characters",
    "axes",
    "attributes",
    "plain_language",
    "plain_language_source",
    "crosswalks",
)
# Fields holding lists of dataclasses, each element kept as a list in its class's field order.
_NESTED: dict[str, type] = {
    "ancestors": Ancestor,
    "seventh_characters": SeventhCharacter,
    "axes": Axis,
    "attributes": Attribute,
    "crosswalks": Crosswalk,
}
_NESTED_FIELDS = {name: tuple(f.name for f in fields(cls)) for name, cls in _NESTED.items()}


def _default(name: str) -> Any:
    spec = next(f for f in fields(CodeRecord) if f.name == name)
    if spec.default is not MISSING:
        return spec.default
    if spec.default_factory is not MISSING:
        return spec.default_factory()
    return MISSING  # a required field: always written


_DEFAULTS = tuple(_default(name) for name in _FIELDS)
_REQUIRED = sum(1 for d in _DEFAULTS if d is MISSING)

# A compressor already primed with the dictionary: copying it is cheaper than priming anew.
_PRIMED = zlib.compressobj(_LEVEL, zlib.DEFLATED, _WBITS, 8, zlib.Z_DEFAULT_STRATEGY, _DICTIONARY)
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


def record_values(record: CodeRecord) -> list[Any]:
    """The record as format 1's positional list, without its trailing default values."""
    values: list[Any] = []
    for name in _FIELDS:
        value = getattr(record, name)
        nested = _NESTED_FIELDS.get(name)
        if nested is not None:
            value = [[getattr(item, f) for f in nested] for item in value]
        values.append(value)
    end = len(values)
    while end > _REQUIRED and values[end - 1] == _DEFAULTS[end - 1]:
        end -= 1
    return values[:end]


def record_from_values(values: list[Any]) -> CodeRecord:
    for position, name in enumerate(_FIELDS[: len(values)]):
        cls = _NESTED.get(name)
        if cls is not None:
            values[position] = [cls(*item) for item in values[position]]
    return CodeRecord(*values)


def pack_record(record: CodeRecord) -> bytes:
    compressor = _PRIMED.copy()
    raw = _ENCODER.encode(record_values(record)).encode()
    return _FORMAT_1 + compressor.compress(raw) + compressor.flush()


def unpack_record(blob: bytes) -> CodeRecord:
    if blob[:1] == _FORMAT_1:
        inflater = zlib.decompressobj(_WBITS, _DICTIONARY)
        raw = inflater.decompress(blob[1:])
        if not inflater.eof:
            raise zlib.error("a catalog record blob is cut short")
        return record_from_values(json.loads(raw))
    return CodeRecord.from_dict(json.loads(zlib.decompress(blob)))
