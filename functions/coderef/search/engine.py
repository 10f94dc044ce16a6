"""The query engine: codes in any form, words in any order, synonyms, typos, ranking, paging.

Opened read-only on the index file; safe to share across threads (one connection per thread)
and reopened by itself when an import renames a new index into place.
"""

from __future__ import annotations

import functools
import os
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from coderef.catalog.codes import looks_like_code
from coderef.errors import ServiceUnavailable
from coderef.search.sqlite_fts import sqlite3
from coderef.search.text import clean_query, deletes, edit_distance, synonyms, words

STOPWORDS = frozenset("a an and the of in on or for to by at as is are with".split())
# When a query matches more codes than this, only the first ones in row-id order are ranked
# (see index_build._doc_order); this bounds the cost of one query.
CANDIDATES = 300
# Most codes a code-prefix query pages through (S62 alone has thousands of 7th-char codes).
_CODE_LIMIT = 500


HIT_FIELDS = ("system", "code", "title", "billable", "kind")


@dataclass
class Hit:
    system: str
    code: str
    title: str
    billable: bool
    kind: str

    def to_dict(self) -> dict:
        return hit_fields(self)


def hit_fields(found: object) -> dict:
    """What every list of codes in the API shows for each code (search hits, candidates)."""
    return {name: getattr(found, name) for name in HIT_FIELDS}


@dataclass
class SearchPage:
    query: str
    total: int
    results: list[Hit] = field(default_factory=list)
    did_you_mean: str | None = None

    def to_dict(self) -> dict:
        out = {
            "query": self.query,
            "total": self.total,
            "results": [h.to_dict() for h in self.results],
        }
        if self.did_you_mean:
            out["did_you_mean"] = self.did_you_mean
        return out


def _quote(word: str) -> str:
    return '"' + word.replace('"', "") + '"'


class SearchIndex:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        if not self.path.exists():
            raise ServiceUnavailable("The search index has not been built yet.")

    # -- connection handling -------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        try:
            ino = os.stat(self.path).st_ino
        except FileNotFoundError as exc:
            raise ServiceUnavailable("The search index is missing.") from exc
        local = self._local
        if getattr(local, "ino", None) != ino:
            if getattr(local, "conn", None) is not None:
                local.conn.close()
            local.conn = sqlite3.connect(
                f"file:{self.path}?mode=ro&immutable=1", uri=True, check_same_thread=False
            )
            local.ino = ino
        return local.conn

    def _rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        try:
            return self._conn().execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            raise ServiceUnavailable("Search is unavailable; try again shortly.") from exc

    # -- public API ----------------------------------------------------------------------
    def search(
        self, raw_query: str, system: str | None = None, limit: int = 20, offset: int = 0
    ) -> SearchPage:
        query = clean_query(raw_query)
        depth = offset + limit
        ranked = self._ranked(query, system, prefix_last=False, depth=depth)
        did_you_mean = None
        if not ranked.hits:
            corrected = self.correct(query)
            if corrected:
                ranked = self._ranked(corrected, system, prefix_last=False, depth=depth)
                did_you_mean = corrected if ranked.hits else None
        if not ranked.hits:
            # Nothing has every word: fall back to codes that have some of them.
            ranked = self._ranked(query, system, prefix_last=False, any_word=True, depth=depth)
        hits = ranked.hits[offset : offset + limit]
        return SearchPage(query=query, total=ranked.total, results=hits, did_you_mean=did_you_mean)

    def suggest(self, raw_query: str, system: str | None = None, limit: int = 8) -> SearchPage:
        query = clean_query(raw_query)
        # Autocomplete shows a handful of rows and no count: skip the full count.
        ranked = self._ranked(query, system, prefix_last=True, depth=limit, count=False)
        did_you_mean = None
        if not ranked.hits:
            # A typo ("hypertensoin"): suggest for the corrected words, and say so.
            corrected = self.correct(query)
            if corrected:
                ranked = self._ranked(
                    corrected, system, prefix_last=False, depth=limit, count=False
                )
                did_you_mean = corrected if ranked.hits else None
        return SearchPage(
            query=query, total=ranked.total, results=ranked.hits[:limit], did_you_mean=did_you_mean
        )

    def codes_by_system(self) -> dict[str, list[str]]:
        """Every code the index holds (the live releases), by system: the sitemap's listing,
        one indexed read instead of a pass over every stored record."""
        found: dict[str, list[str]] = {}
        for system, code in self._rows("SELECT system, code FROM docs ORDER BY id"):
            found.setdefault(system, []).append(code)
        return found

    def has_code(self, system: str, key: str) -> bool:
        """Whether the live release of `system` has the code `key` (a normalized key)."""
        return bool(
            self._rows("SELECT 1 FROM docs WHERE key = ? AND system = ? LIMIT 1", (key, system))
        )

    def near_codes(self, raw_code: str, system: str | None = None, limit: int = 5) -> list[Hit]:
        """Codes close to one that does not exist: the nearest existing prefix and its children,
        or failing that, a text suggestion."""
        key = clean_query(raw_code).upper().replace(".", "").replace(" ", "")
        while len(key) >= 2:
            hits = self._by_code(key, system).hits
            if hits:
                return hits[:limit]
            key = key[:-1]
        return self.suggest(raw_code, system=system, limit=limit).results

    def known_words(self, candidates: Iterable[str]) -> set[str]:
        """Which of these (lower-case) words occur in some title or alternative term."""
        wanted = sorted(set(candidates))
        found: set[str] = set()
        for i in range(0, len(wanted), 500):
            chunk = tuple(wanted[i : i + 500])
            marks = ",".join("?" * len(chunk))
            found |= {
                r[0] for r in self._rows(f"SELECT word FROM vocab WHERE word IN ({marks})", chunk)
            }
        return found

    def correct(self, query: str) -> str | None:
        """The query with unknown words replaced by the closest known word, or None."""
        changed = False
        out = []
        for word in words(query):
            fix = self._correct_word(word)
            if fix and fix != word:
                changed = True
                out.append(fix)
            else:
                out.append(word)
        return " ".join(out) if changed else None

    # -- internals -----------------------------------------------------------------------
    def _correct_word(self, word: str) -> str | None:
        if len(word) < 4 or not word.isalpha():
            return None
        if self._rows("SELECT 1 FROM vocab WHERE word = ?", (word,)):
            return None
        probes = sorted(deletes(word) | {word})
        marks = ",".join("?" * len(probes))
        candidates = self._rows(
            f"SELECT DISTINCT s.word, v.freq FROM spell s JOIN vocab v ON v.word = s.word "
            f"WHERE s.del IN ({marks})",
            tuple(probes),
        )
        scored = [
            (edit_distance(word, cand), -freq, cand)
            for cand, freq in candidates
            if edit_distance(word, cand) <= 2
        ]
        return min(scored)[2] if scored else None

    def _ranked(
        self,
        query: str,
        system: str | None,
        prefix_last: bool,
        any_word: bool = False,
        depth: int = CANDIDATES,
        count: bool = True,
    ) -> _Ranked:
        if not query:
            return _Ranked(0, [])
        if looks_like_code(query) and not any_word:
            by_code = self._by_code(query, system)
            if by_code.hits:
                return by_code
        modifier = [] if any_word else self._modifier(query, system)
        match, phrases = self._match_expression(query, prefix_last, any_word)
        if not match:
            return _Ranked(len(modifier), modifier)
        ranked = self._by_text(phrases, match, system, max(depth, CANDIDATES), count)
        if modifier:
            # A two-letter query (LT, GA) names a modifier as well as being a word.
            named = {(h.system, h.code) for h in modifier}
            rest = [h for h in ranked.hits if (h.system, h.code) not in named]
            extra = len(modifier) - (len(ranked.hits) - len(rest))
            return _Ranked(ranked.total + extra, modifier + rest)
        return ranked

    def _modifier(self, query: str, system: str | None) -> list[Hit]:
        key = query.strip().upper()
        if len(key) != 2 or not key.isalnum():
            return []
        where, params = "key = ? AND kind = 'modifier'", [key]
        if system:
            where += " AND system = ?"
            params.append(system)
        rows = self._rows(
            f"SELECT system, code, title, billable, kind FROM docs WHERE {where} ORDER BY system",
            tuple(params),
        )
        return [Hit(r[0], r[1], r[2], bool(r[3]), r[4]) for r in rows]

    def _by_code(self, query: str, system: str | None) -> _Ranked:
        """Codes whose key begins with the typed code: the code itself first, then shorter
        (broader) codes before longer ones."""
        key = query.strip().upper().replace(".", "").replace(" ", "")
        # Blocks (R00-R09) share a prefix with their first category; they answer exact keys only.
        where = "key >= ? AND key < ? AND (kind NOT IN ('block', 'chapter') OR key = ?)"
        params: tuple = (key, key + "~", key)
        if system:
            where += " AND system = ?"
            params += (system,)
        rows = self._rows(
            f"SELECT system, code, title, billable, kind FROM docs WHERE {where} "
            f"ORDER BY length(key), key LIMIT {_CODE_LIMIT + 1}",
            params,
        )
        hits = [Hit(r[0], r[1], r[2], bool(r[3]), r[4]) for r in rows]
        total = len(hits)
        if total > _CODE_LIMIT:
            total = self._rows(f"SELECT count(*) FROM docs WHERE {where}", params)[0][0]
        return _Ranked(total, hits[:_CODE_LIMIT])

    def _match_expression(
        self, query: str, prefix_last: bool, any_word: bool
    ) -> tuple[str, set[str]]:
        """The FTS5 expression for a query, and the phrases that count as an exact match.

        Every word is quoted, so search syntax typed by a user is matched as text, never run.
        """
        tokens = words(query)
        content = [t for t in tokens if t not in STOPWORDS] or tokens
        if not content:
            return "", set()
        table = synonyms()
        groups: list[str] = []
        variants: list[list[str]] = [[]]
        i = 0
        while i < len(content):
            # Longest typed phrase starting here that the synonym list knows.
            for n in range(min(4, len(content) - i), 0, -1):
                phrase = tuple(content[i : i + n])
                if phrase in table:
                    options = [" AND ".join(_quote(w) for w in phrase)]
                    options += [
                        "(" + " AND ".join(_quote(w) for w in alt if w not in STOPWORDS) + ")"
                        for alt in table[phrase]
                    ]
                    groups.append("(" + " OR ".join(options) + ")")
                    choices = [list(phrase)] + [list(alt) for alt in table[phrase]]
                    variants = [v + c for v in variants for c in choices][:16]
                    i += n
                    break
            else:
                word = content[i]
                last = i == len(content) - 1
                if prefix_last and last:
                    groups.append(self._completions(word))
                else:
                    groups.append(_quote(word))
                variants = [[*v, word] for v in variants]
                i += 1
        phrases = {exact_form(" ".join(v)) for v in variants}
        return (" OR " if any_word else " AND ").join(groups), phrases

    def _completions(self, prefix: str) -> str:
        """The word being typed, OR'd with the commonest known words it begins.

        FTS5 prefix queries go through the Porter stemmer ("brady" becomes "bradi" and then
        misses "bradycardia"), so completions come from the index's own vocabulary instead.
        """
        if len(prefix) < 2:
            return _quote(prefix)
        rows = self._rows(
            "SELECT word FROM vocab WHERE word >= ? AND word < ? ORDER BY freq DESC LIMIT 12",
            (prefix, prefix + "~"),
        )
        options = dict.fromkeys([prefix, *(r[0] for r in rows)])
        return "(" + " OR ".join(_quote(w) for w in options) + ")"

    def _by_text(
        self, phrases: set[str], match: str, system: str | None, depth: int, count: bool
    ) -> _Ranked:
        """Rank text matches in tiers: exact title, exact alternative term, every word in the
        title, then matches through inclusion terms or notes.

        Within a tier billable codes come first, then shorter titles: for short field values
        that is what BM25 would say, and FTS5 can only compute BM25 by reading every posting
        of every query word. Generated 7th-character codes follow their stems. Each query
        reads at most `depth` rows in row-id order (the same order), so a query matching
        twenty thousand codes costs what one matching a few hundred does.
        """
        scope = f"sys:{_quote(system)} AND " if system else ""
        in_title = self._rows(
            "SELECT rowid FROM fts WHERE fts MATCH ? LIMIT ?", (f"{scope}title : ({match})", depth)
        )
        anywhere = self._rows(
            "SELECT rowid FROM fts WHERE fts MATCH ? LIMIT ?", (f"{scope}({match})", depth)
        )
        if not anywhere:
            return _Ranked(0, [])
        title_ids = {r[0] for r in in_title}
        ids = list(dict.fromkeys([*title_ids, *(r[0] for r in anywhere)]))
        marks = ",".join("?" * len(ids))
        docs = self._rows(
            "SELECT id, system, code, title, billable, kind, terms, generated FROM docs "
            f"WHERE id IN ({marks})",
            tuple(ids),
        )
        scored = []
        for rowid, system_id, code, title, billable, kind, terms, generated in docs:
            tier = _tier(phrases, title, terms, rowid in title_ids)
            scored.append(
                (
                    (tier, generated, not billable, _title_length(title), rowid),
                    Hit(system_id, code, title, bool(billable), kind),
                )
            )
        scored.sort(key=lambda pair: pair[0])
        total = len(anywhere)
        if count and total >= depth:
            total = self._rows(
                "SELECT count(*) FROM fts WHERE fts MATCH ?", (f"{scope}({match})",)
            )[0][0]
        return _Ranked(total, [hit for _, hit in scored])


@dataclass
class _Ranked:
    total: int
    hits: list[Hit]


_PARENTHESES = re.compile(r"\([^)]*\)|\[[^\]]*\]")
# Words that qualify a title without changing what it names.
_QUALIFIERS = frozenset(("unspecified", "nos"))


# Ranking reduces every candidate's title and terms; the same titles come back query after
# query (popular codes, shared parents), so the reductions are kept, up to a bounded number.
@functools.lru_cache(maxsize=1 << 16)
def exact_form(text: str) -> str:
    """A title or term reduced to what it names: no parentheses, qualifiers or stop words."""
    return " ".join(
        w for w in words(_PARENTHESES.sub(" ", text)) if w not in STOPWORDS and w not in _QUALIFIERS
    )


@functools.lru_cache(maxsize=1 << 16)
def _title_length(title: str) -> int:
    return len(words(title))


def _tier(phrases: set[str], title: str, terms: str, all_words_in_title: bool) -> int:
    if exact_form(title) in phrases:
        return 0
    if any(exact_form(t) in phrases for t in terms.split(" ; ") if t):
        return 1
    return 2 if all_words_in_title else 3
