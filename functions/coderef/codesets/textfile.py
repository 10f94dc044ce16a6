"""Reading the plain-text distribution files (CMS fixed-width files, AMA data files)."""

from __future__ import annotations

from pathlib import Path

from coderef.errors import SourceError


def read_lines(path: Path) -> list[str]:
    """Every line of a text file, without its line ending.

    UTF-8 (with or without a byte-order mark) is tried first; CMS and AMA files have also been
    published in Windows-1252 and Latin-1, so those follow.
    """
    try:
        data = Path(path).read_bytes()
    except IsADirectoryError:
        raise SourceError(str(path), "file", "is a folder, not a file") from None
    except OSError as exc:
        raise SourceError(str(path), "file", f"cannot be read ({exc.strerror})") from None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = data.decode("latin-1")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def column(line: str, first: int, last: int) -> str:
    """The text in 1-based, inclusive character positions, as record layouts state them."""
    return line[first - 1 : last].strip()
