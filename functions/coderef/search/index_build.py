"""Build the search index file from catalog records.

The file is SQLite with an FTS5 table (porter stemming) over titles, alternative terms and
notes, a table of codes for prefix lookups by code, and a spelling table (symmetric deletes)
for typo correction. It is written to a temporary file and renamed into place, so a reader
never sees a half-built index.
"""

from __future__ import annotations

import hashlib
import marshal
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from coderef.catalog.records import CodeRecord
from coderef.search.sqlite_fts import sqlite3
from coderef.search.text import deletes, words
from coderef.search.title_signals import context_mask, significant

SCHEMA_VERSION = "5"

_SCHEMA = """
CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE docs (
    id INTEGER PRIMARY KEY,
    system TEXT NOT NULL,
    key TEXT NOT NULL,
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    billable INTEGER NOT NULL,
    kind TEXT NOT NULL,
    terms TEXT NOT NULL,
    generated INTEGER NOT NULL,
    index_terms TEXT NOT NULL DEFAULT '',
    parent_title TEXT NOT NULL DEFAULT '',
    complete INTEGER NOT NULL DEFAULT 0
);
-- What ranking needs of each code that no query changes, in small rows of their own so that
-- SQLite orders candidates by them without reading the codes' texts.
CREATE TABLE ranks (
    id INTEGER PRIMARY KEY,
    system TEXT NOT NULL,
    base INTEGER NOT NULL,      -- the code's part of the engine's sort key (rank_base)
    ctx INTEGER NOT NULL,       -- contexts the title narrows to (title_signals.context_mask)
    sig_bloom INTEGER NOT NULL  -- signature_bit of each of the code's sigs rows, or-ed
);
CREATE VIRTUAL TABLE fts USING fts5(
    title, terms, notes, sys, index_terms,
    content='', detail=full, prefix='3',
    tokenize='porter unicode61 remove_diacritics 2'
);
-- Signatures of short titles and terms (place 2: title, 1: term): exact wordings by lookup.
CREATE TABLE sigs (
    sig INTEGER NOT NULL, id INTEGER NOT NULL, place INTEGER NOT NULL, PRIMARY KEY (sig, id)
) WITHOUT ROWID;
CREATE TABLE vocab (word TEXT PRIMARY KEY, freq INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE spell (del TEXT NOT NULL, word TEXT NOT NULL);
CREATE TABLE icd9 (
    code TEXT NOT NULL,
    procedure INTEGER NOT NULL,
    title TEXT NOT NULL,
    no_map INTEGER NOT NULL,
    PRIMARY KEY (procedure, code)
) WITHOUT ROWID;
CREATE TABLE icd9_map (
    code TEXT NOT NULL,
    procedure INTEGER NOT NULL,
    doc INTEGER NOT NULL,  -- the ICD-10 code's docs row (its system, code and title)
    approximate INTEGER NOT NULL,
    combination INTEGER NOT NULL,
    scenario INTEGER NOT NULL,
    choice_list INTEGER NOT NULL
);
"""

# Notes that describe what a code covers (unlike excludes, which name what it does not).
_SEARCHABLE_NOTES = ("includes", "notes", "clinician_descriptors")


def _doc_order(record: CodeRecord) -> tuple:
    # Row ids follow this order. The engine ranks only the first matches in row-id order when
    # a query matches thousands of codes, so short titles (which BM25 favours anyway) and
    # codes written out in the source come before generated 7th-character codes.
    return (record.is_generated, len(words(record.title)), record.system, record.key)


def _complete(record: CodeRecord) -> bool:
    """A code a coder can pick: billable, or a code that only needs its 7th character
    (S72.001 and its S72.001A...), which ranks with billable codes, not with categories."""
    return record.billable or (
        record.kind == "code" and bool(record.seventh_characters) and not record.is_generated
    )


# Longest wording (in significant words) whose signature is stored: queries naming more are
# rare, and the table stays small.
SIGNATURE_WORDS = 5


def rank_base(sig_len: int, ctx: int, generated: bool, complete: bool, length: int) -> int:
    """What a code brings to the engine's sort key (smaller first), packed into one integer
    so that SQLite reads one column instead of five: significant title words (bits 24-35),
    contexts the title narrows to (20-23), generated (19), not a code a coder can pick (18),
    title words (0-17). The engine adds what depends on the query above bit 36 and takes
    back the contexts a query asks for."""
    return (
        (sig_len << 24)
        + (ctx.bit_count() << 20)
        + (int(generated) << 19)
        + (int(not complete) << 18)
        + length
    )


def signature_bit(sig: int) -> int:
    """The bit (of 63) that stands for a signature in a code's `sig_bloom`: the engine looks a
    code up in `sigs` only when one of the query's signatures has its bit set there, instead
    of once for every code a query matches."""
    return 1 << (sig % 63)


def signature(stems: Iterable[str]) -> int:
    """A wording's significant stems as one number (a 64-bit hash of them in a fixed order):
    equal for the query and the title (or term) that names exactly what the query names."""
    text = " ".join(sorted(set(stems))).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big", signed=True)


class _Signatures:
    """(signature, row id, place) rows for the title (place 2) and each alternative term
    (place 1) of a code: how the engine finds, in one indexed read, the codes whose wording
    names the query and no more (engine._rank's "exact"). Terms repeat across thousands of
    codes (an alphabetic-index entry on every code of a table): each is worked out once."""

    def __init__(self) -> None:
        self._known: dict[str, int | None] = {}
        self._said_len: dict[str, int] = {}

    def of(self, text: str) -> int | None:
        if text not in self._known:
            said = significant(text)
            self._said_len[text] = len(said)
            self._known[text] = signature(said) if 0 < len(said) <= SIGNATURE_WORDS else None
        return self._known[text]

    def said_len(self, text: str) -> int:
        """How many significant words `text` has (after `of(text)`)."""
        return self._said_len[text]

    def rows(self, rowid: int, title: str, terms: Sequence[str]) -> list[tuple[int, int, int]]:
        out: dict[int, int] = {}
        for place, text in ((2, title), *((1, t) for t in terms)):
            key = self.of(text)
            if key is not None:
                out[key] = max(out.get(key, 0), place)
        return [(key, rowid, place) for key, place in out.items()]


def index_like_terms(record: CodeRecord) -> list[str]:
    """Other names a code answers to beyond its own inclusion terms, the way an alphabetic
    index lists them: the Includes note of a category ("diabetes NOS" under E11) names
    what the category is called when nothing more is said."""
    if record.billable:
        return []  # a billable code's Includes note is already among its search terms
    return [item for item in record.notes.get("includes", []) if item]


class IndexDoc(NamedTuple):
    """What the index keeps of one record, made while the record is at hand: an import feeds
    these from the records it has just written instead of reading every record back, and
    holds them (packed, see index_doc) until the whole index is sorted and written."""

    system: str
    key: str
    code: str
    title: str
    billable: int
    kind: str
    terms: str
    generated: int
    lexicon: str
    parent: str
    complete: int
    notes: str
    sig_texts: tuple[str, ...]  # search terms, then index-like terms (signature rows)
    # Forward GEM rows: (ICD-9 code, approximate, combination, scenario, choice list, title)
    from_icd9: tuple[tuple[str, int, int, int, int, str], ...]


def index_doc(record: CodeRecord, extra_terms: Sequence[str] = ()) -> bytes:
    """One record's document, packed (`extra_terms` as build_index's `index_terms` give
    them): _doc_order as text, then the IndexDoc in marshal's format. Packed documents sort
    as their records sort by _doc_order, and one bytes object per code keeps 178,000 of
    them in a fraction of the memory their tuples of strings would take."""
    rec = record
    search_terms = rec.search_terms
    terms = " ; ".join(search_terms)
    notes = " ; ".join(
        item
        for kind in _SEARCHABLE_NOTES
        for item in rec.notes.get(kind, [])
        if item not in search_terms
    )
    lexicon_list = list(dict.fromkeys([*index_like_terms(rec), *extra_terms]))
    doc = IndexDoc(
        rec.system,
        rec.key,
        rec.code,
        rec.title,
        int(rec.billable),
        rec.kind,
        terms,
        int(rec.is_generated),
        " ; ".join(lexicon_list),
        rec.parent or "",
        int(_complete(rec)),
        notes,
        (*search_terms, *lexicon_list),
        tuple(
            (c.code, c.approximate, c.combination, c.scenario, c.choice_list, c.title)
            for c in rec.crosswalks
            if c.direction == "from_icd9" and c.code
        ),
    )
    generated, title_words, system, key = _doc_order(rec)
    # Compares as the tuple does: the flag, the count (padded), then system and key, each
    # ended by NUL (below any character of a code), so a shorter key sorts first.
    order = f"{int(generated)}{title_words:05d}{system}\0{key}\0".encode()
    return order + marshal.dumps(tuple(doc))


def unpack_doc(packed: bytes) -> IndexDoc:
    _, _, doc = packed.split(b"\0", 2)
    return IndexDoc(*marshal.loads(doc))


def build_index(
    records: Iterable[CodeRecord],
    path: Path,
    built_from: str = "",
    index_terms: Mapping[tuple[str, str], Sequence[str]] | None = None,
    icd9_codes: Iterable[tuple[str, bool, str, bool]] = (),
) -> int:
    """Write the index to `path` atomically; returns how many records it holds. `built_from`
    names the releases the records came from, so a stale index can be recognised later.
    `index_terms` adds index-like terms (an alphabetic index's entries, abbreviations) by
    (system, key); they are searched and ranked just below inclusion terms.

    The ICD-9-CM side of the GEMs is kept too, for CasePilot's "ICD-10 for ICD-9 250.00":
    every forward (ICD-9-CM to ICD-10) row on the live records, turned around, and
    `icd9_codes` as (display form, procedure?, title, no map?), so that a code with no ICD-10
    equivalent is told from a number that is no ICD-9-CM code."""
    extra_terms = index_terms or {}
    docs = (index_doc(rec, extra_terms.get((rec.system, rec.key), ())) for rec in records)
    return build_index_from_docs(docs, path, built_from, icd9_codes)


def build_index_from_docs(
    documents: Iterable[bytes],
    path: Path,
    built_from: str = "",
    icd9_codes: Iterable[tuple[str, bool, str, bool]] = (),
) -> int:
    """build_index from documents already made (index_doc), in any order."""
    # Sorted packed, unpacked one at a time: what is held is the packed list (and the rows).
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".building")
    if tmp.exists():
        tmp.unlink()
    conn = sqlite3.connect(str(tmp))
    try:
        conn.executescript(_SCHEMA)
        vocab: Counter[str] = Counter()
        packed = sorted(documents)
        count = len(packed)
        # Titles of the codes some code hangs under (its docs row names its parent's title).
        parents = {(doc.system, doc.parent) for doc in map(unpack_doc, packed) if doc.parent}
        titles = {
            (doc.system, doc.key): doc.title
            for doc in map(unpack_doc, packed)
            if (doc.system, doc.key) in parents
        }
        del parents
        doc_rows, fts_rows, sig_rows, rank_rows = [], [], [], []
        signatures = _Signatures()
        icd9_rows: list[tuple[int, str, tuple]] = []
        for rowid, doc in enumerate(map(unpack_doc, packed), start=1):
            if doc.from_icd9:
                icd9_rows.append((rowid, doc.system, doc.from_icd9))
            own_sigs = signatures.rows(rowid, doc.title, doc.sig_texts)
            sig_rows.extend(own_sigs)
            bloom = 0
            for sig, _, _ in own_sigs:
                bloom |= signature_bit(sig)
            title_words = words(doc.title)
            ctx = context_mask(title_words)
            doc_rows.append(
                (
                    rowid,
                    doc.system,
                    doc.key,
                    doc.code,
                    doc.title,
                    doc.billable,
                    doc.kind,
                    doc.terms,
                    doc.generated,
                    doc.lexicon,
                    titles.get((doc.system, doc.parent), ""),
                    doc.complete,
                )
            )
            rank_rows.append(
                (
                    rowid,
                    doc.system,
                    rank_base(
                        signatures.said_len(doc.title),
                        ctx,
                        bool(doc.generated),
                        bool(doc.complete),
                        len(title_words),
                    ),
                    ctx,
                    bloom,
                )
            )
            fts_rows.append((rowid, doc.title, doc.terms, doc.notes, doc.system, doc.lexicon))
            vocab.update(
                w
                for w in words(f"{doc.title} {doc.terms} {doc.lexicon}")
                if len(w) >= 4 and w.isalpha()
            )
            if len(doc_rows) == _ROWS_AT_ONCE or rowid == count:
                # Written as they are made: the rows of all 178,000 codes are never held.
                _write_rows(conn, doc_rows, rank_rows, fts_rows)
                doc_rows, rank_rows, fts_rows = [], [], []
        del titles, packed
        # kind too: counting the codes under a prefix then reads the index alone
        conn.execute("CREATE INDEX docs_key ON docs(key, system, kind)")
        # Code-prefix lookups read the shortest (broadest) codes first, in key order.
        conn.execute("CREATE INDEX docs_key_length ON docs(length(key), key)")
        conn.executemany("INSERT INTO sigs VALUES (?, ?, ?)", sorted(sig_rows))
        conn.executemany("INSERT INTO vocab VALUES (?, ?)", vocab.items())
        conn.executemany(
            "INSERT INTO spell VALUES (?, ?)",
            ((d, w) for w in vocab for d in deletes(w) | {w}),
        )
        conn.execute("CREATE INDEX spell_del ON spell(del)")
        _write_icd9(conn, icd9_rows, icd9_codes)
        conn.execute("INSERT INTO fts(fts) VALUES ('optimize')")
        conn.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            [
                ("schema", SCHEMA_VERSION),
                ("documents", str(count)),
                ("built_from", built_from),
            ],
        )
        conn.commit()
        conn.execute("VACUUM")
    finally:
        conn.close()
    os.replace(tmp, path)
    return count


_ROWS_AT_ONCE = 5000


def _write_rows(conn: sqlite3.Connection, doc_rows: list, rank_rows: list, fts_rows: list) -> None:
    conn.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", doc_rows)
    conn.executemany("INSERT INTO ranks VALUES (?, ?, ?, ?, ?)", rank_rows)
    conn.executemany(
        "INSERT INTO fts (rowid, title, terms, notes, sys, index_terms) VALUES (?, ?, ?, ?, ?, ?)",
        fts_rows,
    )


def _write_icd9(
    conn: sqlite3.Connection,
    forward: Iterable[tuple[int, str, tuple]],
    icd9_codes: Iterable[tuple[str, bool, str, bool]],
) -> None:
    """`forward`: (docs row id, system, IndexDoc.from_icd9) of the codes that have some."""
    known: dict[tuple[int, str], tuple[str, int]] = {
        (int(procedure), code): (title, int(no_map))
        for code, procedure, title, no_map in icd9_codes
    }
    rows = []
    for rowid, system, from_icd9 in forward:  # the docs row ids build_index assigned
        procedure = int(system == "icd10pcs")
        for code, approximate, combination, scenario, choice_list, title in from_icd9:
            known.setdefault((procedure, code), (title, 0))
            rows.append((code, procedure, rowid, approximate, combination, scenario, choice_list))
    conn.executemany(
        "INSERT INTO icd9 VALUES (?, ?, ?, ?)",
        ((code, procedure, title, no_map) for (procedure, code), (title, no_map) in known.items()),
    )
    conn.executemany("INSERT INTO icd9_map VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute("CREATE INDEX icd9_map_code ON icd9_map(procedure, code)")


def index_built_from(path: Path) -> str | None:
    """The releases an existing index was built from (None if there is no readable index, or
    one written in an older layout, which the engine cannot read: it is rebuilt)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            meta = dict(conn.execute("SELECT k, v FROM meta").fetchall())
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    if meta.get("schema") != SCHEMA_VERSION:
        return None
    return meta.get("built_from", "")
