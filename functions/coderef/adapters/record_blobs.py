"""How both catalog stores keep a record: compact JSON, zlib-compressed."""

from __future__ import annotations

import json
import zlib

from coderef.catalog.records import CodeRecord


def pack_record(record: CodeRecord) -> bytes:
    # Records repeat ancestor titles and note wording; zlib keeps the store a fifth the size.
    return zlib.compress(json.dumps(record.to_dict(), separators=(",", ":")).encode(), 6)


def unpack_record(blob: bytes) -> CodeRecord:
    return CodeRecord.from_dict(json.loads(zlib.decompress(blob)))
