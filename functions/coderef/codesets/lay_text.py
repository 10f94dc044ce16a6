"""Operator-supplied plain-language text: a CSV of system, code, text.

It takes precedence over the text CodeRef assembles, and pages name it as the operator's.
"""

from __future__ import annotations

import csv
from pathlib import Path

from coderef.catalog.codes import SYSTEMS, normalize_code
from coderef.errors import CodeRefError, SourceError

LayText = dict[tuple[str, str], str]


def read_lay_text(path: Path) -> LayText:
    table: LayText = {}
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            for number, row in enumerate(csv.reader(fh), start=1):
                if not row or all(not c.strip() for c in row):
                    continue
                if number == 1 and [c.strip().lower() for c in row[:3]] == [
                    "system",
                    "code",
                    "text",
                ]:
                    continue
                if len(row) != 3:
                    raise SourceError(
                        str(path), f"line {number}", "expected 3 columns: system, code, text"
                    )
                system, code, text = (c.strip() for c in row)
                if system not in SYSTEMS:
                    raise SourceError(str(path), f"line {number}", f"unknown system '{system}'")
                try:
                    key = normalize_code(code)
                except CodeRefError:
                    raise SourceError(
                        str(path), f"line {number}", f"malformed code '{code}'"
                    ) from None
                if not text:
                    raise SourceError(str(path), f"line {number}", "empty text")
                table[(system, key)] = text
    except OSError as exc:
        raise SourceError(str(path), "file", f"cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise SourceError(str(path), "file", "is not UTF-8 text") from None
    return table


def source_label(path: Path) -> str:
    return f"Operator-supplied text ({path.name})"
