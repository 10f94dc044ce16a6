"""Build the search index file from catalog records.

The file is SQLite with an FTS5 table (porter stemming) over titles, alternative terms and
notes, a table of codes for prefix lookups by code, and a spelling table (symmetric deletes)
for typo correction. It is written to a temporary file and renamed into place, so a reader
never sees a half-built index.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from coderef.catalog.records import CodeRecord
from coderef.search.sqlite_fts import sqlite3
from coderef.search.text import deletes, words

SCHEMA_VERSION = "1"

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
    generated INTEGER NOT NULL
);
CREATE VIRTUAL TABLE fts USING fts5(
    title, terms, notes, sys,
    content='', detail=full, prefix='3',
    tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TABLE vocab (word TEXT PRIMARY KEY, freq INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE spell (del TEXT NOT NULL, word TEXT NOT NULL);
"""

# Notes that describe what a code covers (unlike excludes, which name what it does not).
_SEARCHABLE_NOTES = ("includes", "notes", "clinician_descriptors")


def _doc_order(record: CodeRecord) -> tuple:
    # Row ids follow this order. The engine ranks only the first matches in row-id order when
    # a query matches thousands of codes, so short titles (which BM25 favours anyway) and
    # codes written out in the source come before generated 7th-character codes.
    return (record.is_generated, len(words(record.title)), record.system, record.key)


ExtraTerms = Callable[[CodeRecord], list[str]]


def _no_terms(record: CodeRecord) -> list[str]:
    return []


def build_index(
    records: Iterable[CodeRecord],
    path: Path,
    built_from: str = "",
    extra_terms: ExtraTerms = _no_terms,
) -> int:
    """Write the index to `path` atomically; returns how many records it holds. `built_from`
    names the releases the records came from, so a stale index can be recognised later.
    `extra_terms` gives more alternative terms for a record (the ICD-10-PCS index entries
    that point to it); they are indexed and ranked as its other terms are."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".building")
    if tmp.exists():
        tmp.unlink()
    conn = sqlite3.connect(str(tmp))
    try:
        conn.executescript(_SCHEMA)
        vocab: Counter[str] = Counter()
        docs = sorted(records, key=_doc_order)
        doc_rows, fts_rows = [], []
        for rowid, rec in enumerate(docs, start=1):
            own = rec.search_terms
            terms = " ; ".join(dict.fromkeys([*own, *extra_terms(rec)]))
            notes = " ; ".join(
                item
                for kind in _SEARCHABLE_NOTES
                for item in rec.notes.get(kind, [])
                if item not in own
            )
            doc_rows.append(
                (
                    rowid,
                    rec.system,
                    rec.key,
                    rec.code,
                    rec.title,
                    int(rec.billable),
                    rec.kind,
                    terms,
                    int(rec.is_generated),
                )
            )
            fts_rows.append((rowid, rec.title, terms, notes, rec.system))
            vocab.update(w for w in words(f"{rec.title} {terms}") if len(w) >= 4 and w.isalpha())
        conn.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", doc_rows)
        conn.executemany(
            "INSERT INTO fts (rowid, title, terms, notes, sys) VALUES (?, ?, ?, ?, ?)", fts_rows
        )
        conn.execute("CREATE INDEX docs_key ON docs(key, system)")
        conn.executemany("INSERT INTO vocab VALUES (?, ?)", vocab.items())
        conn.executemany(
            "INSERT INTO spell VALUES (?, ?)",
            ((d, w) for w in vocab for d in deletes(w) | {w}),
        )
        conn.execute("CREATE INDEX spell_del ON spell(del)")
        conn.execute("INSERT INTO fts(fts) VALUES ('optimize')")
        conn.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            [
                ("schema", SCHEMA_VERSION),
                ("documents", str(len(doc_rows))),
                ("built_from", built_from),
            ],
        )
        conn.commit()
        conn.execute("VACUUM")
    finally:
        conn.close()
    os.replace(tmp, path)
    return len(doc_rows)


def index_built_from(path: Path) -> str | None:
    """The releases an existing index was built from (None if there is no readable index)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT v FROM meta WHERE k = 'built_from'").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return row[0] if row else ""
