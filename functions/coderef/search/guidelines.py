"""Passage retrieval over loaded guideline text.

The loaded guidelines are small (the ICD-10-PCS set is 60 passages, 31 KB), so the library
is an in-memory FTS5 table built on first use in each process from its sources; nothing is
written to disk and nothing needs rebuilding after an import.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable

from coderef.assistant.guidelines import GuidelinePassage
from coderef.search.engine import STOPWORDS
from coderef.search.sqlite_fts import sqlite3
from coderef.search.text import clean_query, words

# Words of a question that say it is a question, not what it is about.
_QUESTION_WORDS = frozenset(
    """what which when where why how who whom does do did can could should would may might must
    i me my we you it its this that these those be been being was were has have had there
    code codes coded coding coder guideline guidelines convention conventions rule rules official
    pcs icd 10 cm procedure procedures tell explain about say says said please per according
    use used using if than then so not no yes""".split()
)
MIN_SHARE = 0.5  # a passage must hold at least half of the question's words


class GuidelineLibrary:
    def __init__(self, load: Callable[[], Iterable[GuidelinePassage]]) -> None:
        self._load = load
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._passages: list[GuidelinePassage] = []

    def _ready(self) -> sqlite3.Connection:
        with self._lock:
            if self._conn is None:
                passages = list(self._load())
                conn = sqlite3.connect(":memory:", check_same_thread=False)
                conn.execute(
                    "CREATE VIRTUAL TABLE g USING fts5(title, body, "
                    "tokenize='porter unicode61 remove_diacritics 2')"
                )
                conn.executemany(
                    "INSERT INTO g(rowid, title, body) VALUES (?, ?, ?)",
                    [(i, f"{p.group} {p.title}", p.text) for i, p in enumerate(passages)],
                )
                self._passages, self._conn = passages, conn
            return self._conn

    def passages(self) -> list[GuidelinePassage]:
        self._ready()
        return list(self._passages)

    def get(self, source: str, section: str) -> GuidelinePassage | None:
        wanted = section.strip().lower()
        return next(
            (p for p in self.passages() if p.source.id == source and p.section.lower() == wanted),
            None,
        )

    def search(self, question: str, limit: int = 3) -> list[GuidelinePassage]:
        """Passages holding at least half of the question's topic words (and two of them when
        it has three or more), those holding more first, then by BM25."""
        topic = list(
            dict.fromkeys(
                w
                for w in words(clean_query(question))
                if w not in STOPWORDS and w not in _QUESTION_WORDS and len(w) > 1
            )
        )
        if not topic:
            return []
        conn = self._ready()
        with self._lock:
            held: dict[int, int] = {}
            for word in topic:
                for (rowid,) in conn.execute("SELECT rowid FROM g WHERE g MATCH ?", (f'"{word}"',)):
                    held[rowid] = held.get(rowid, 0) + 1
            if not held:
                return []
            expression = " OR ".join(f'"{w}"' for w in topic)
            scores = {
                rowid: score
                for rowid, score in conn.execute(
                    "SELECT rowid, bm25(g, 2.0, 1.0) FROM g WHERE g MATCH ?", (expression,)
                )
            }
        needed = max(1, math.ceil(len(topic) * MIN_SHARE), 2 if len(topic) >= 3 else 1)
        kept = [rowid for rowid, count in held.items() if count >= needed]
        kept.sort(key=lambda rowid: (-held[rowid], scores.get(rowid, 0.0)))
        return [self._passages[rowid] for rowid in kept[:limit]]
