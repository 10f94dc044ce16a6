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
from operator import attrgetter
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
_LEVEL = 3  # 4-6 save under 8% more bytes for half again the time
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
# Short strings most records of a release repeat: a bulk read keeps one copy of each.
_SHARED_TEXT = tuple(
    _FIELDS.index(name) for name in ("system", "kind", "release", "parent", "plain_language_source")
)


def _default(name: str) -> Any:
    spec = next(f for f in fields(CodeRecord) if f.name == name)
    if spec.default is not MISSING:
        return spec.default
    if spec.default_factory is not MISSING:
        return spec.default_factory()
    return MISSING  # a required field: always written


_DEFAULTS = tuple(_default(name) for name in _FIELDS)
# attrgetter reads all of a record's fields in one C call, the hot path of an import.
_GET_FIELDS = attrgetter(*_FIELDS)
_GET_NESTED = [
    (position, attrgetter(*_NESTED_FIELDS[name]))
    for position, name in enumerate(_FIELDS)
    if name in _NESTED
]
_REQUIRED = sum(1 for d in _DEFAULTS if d is MISSING)

# A compressor already primed with the dictionary: copying it is cheaper than priming anew.
_PRIMED = zlib.compressobj(_LEVEL, zlib.DEFLATED, _WBITS, 8, zlib.Z_DEFAULT_STRATEGY, _DICTIONARY)
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


def record_values(record: CodeRecord) -> list[Any]:
    """The record as format 1's positional list, without its trailing default values."""
    values = list(_GET_FIELDS(record))
    for position, get in _GET_NESTED:
        values[position] = [get(item) for item in values[position]]  # tuples write as lists
    end = len(values)
    while end > _REQUIRED and values[end - 1] == _DEFAULTS[end - 1]:
        end -= 1
    del values[end:]
    return values


def record_from_values(values: list[Any], shared: dict | None = None) -> CodeRecord:
    """A record from format 1's list. With `shared`, equal nested values (an ancestor, a PCS
    axis value, an HCC attribute: each repeated across thousands of records) become one
    object for every record decoded with the same dict, which keeps a bulk read small. Only
    for readers that never change a record's nested objects in place."""
    for position, name in enumerate(_FIELDS[: len(values)]):
        cls = _NESTED.get(name)
        if cls is None:
            continue
        if shared is None:
            values[position] = [cls(*item) for item in values[position]]
            continue
        items = []
        for item in values[position]:
            try:
                key = (position, *item)
                found = shared.get(key)
            except TypeError:  # a list inside (a 7th character's clarifications)
                key, found = None, None
            if found is None:
                found = cls(*item)
                if key is not None:
                    shared[key] = found
            items.append(found)
        values[position] = items
    if shared is not None:
        if values[6] == values[5]:
            values[6] = values[5]  # the description repeats the title: one string
        for position in _SHARED_TEXT:
            if position < len(values) and isinstance(values[position], str):
                values[position] = shared.setdefault(values[position], values[position])
    return CodeRecord(*values)


def pack_record(record: CodeRecord) -> bytes:
    compressor = _PRIMED.copy()
    raw = _ENCODER.encode(record_values(record)).encode()
    return _FORMAT_1 + compressor.compress(raw) + compressor.flush()


def stored_json(blob: bytes) -> bytes:
    """The JSON a blob holds, as stored: a positional list (format 1) or a record object
    (format 0)."""
    if blob[:1] == _FORMAT_1:
        inflater = zlib.decompressobj(_WBITS, _DICTIONARY)
        raw = inflater.decompress(blob[1:])
        if not inflater.eof:
            raise zlib.error("a catalog record blob is cut short")
        return raw
    return zlib.decompress(blob)


def unpack_record(blob: bytes, shared: dict | None = None) -> CodeRecord:
    """The record a blob holds; `shared` as in record_from_values."""
    values = json.loads(stored_json(blob))
    if blob[:1] == _FORMAT_1:
        return record_from_values(values, shared)
    return CodeRecord.from_dict(values)
