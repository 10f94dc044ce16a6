"""The query engine: codes in any form, words in any order, synonyms, typos, ranking, paging.

Opened read-only on the index file; safe to share across threads (one connection per thread)
and reopened by itself when an import renames a new index into place.
"""

from __future__ import annotations

import functools
import itertools
import math
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from operator import itemgetter
from pathlib import Path

from coderef.catalog.codes import looks_like_code
from coderef.catalog.crosswalks import Icd9Code, Icd9Target
from coderef.errors import ServiceUnavailable
from coderef.lru import Lru
from coderef.search.index_build import SIGNATURE_WORDS, signature, signature_bit
from coderef.search.sqlite_fts import sqlite3
from coderef.search.text import (
    STOPWORDS,
    clean_query,
    content_words,
    deletes,
    edit_distance,
    stem,
    stems,
    synonyms,
    words,
)
from coderef.search.title_signals import asked_mask, context_groups, qualifiers
from coderef.search.title_signals import significant as _significant

# When a query matches more codes than this, only the first ones in row-id order are ranked
# (see index_build._doc_order); this bounds the cost of one query.
CANDIDATES = 300
_SUGGEST_POOL = 60
# When no code matches every word of a query, codes matching all words but one are ranked:
# one stray or unindexed word must not empty the list or leave it to chance. (Only then: a
# page's total stays the number of codes matching the whole query.)
_FEW = 1
_PARTIAL_DEPTH = 100
_PARTIAL_CONCEPTS = 6
_MAX_CONCEPT_WORDS = 16
# When codes match only part of a query, a rarer concept counts for more than a common one
# ("history of mi": myocardial infarction says more than history); counts stop here.
_REACH_CAP = 5000
# Rows whose ranking inputs are kept in memory (a few hundred bytes each).
_DOC_CACHE = 20_000
# Most codes a code-prefix query pages through (S62 alone has thousands of 7th-char codes).
_CODE_LIMIT = 500
_MAX_KEY = 7  # the longest code key of any system (ICD-10-CM and ICD-10-PCS: seven characters)
# Codes matching the whole query are ordered by SQLite on the ranking inputs stored in the
# index; only the first ones are fetched and ranked in full (word proximity, exact wording,
# the parent's title...). Pages within the first _HEAD results always come from the same head,
# so paging through them neither repeats nor skips a code.
_HEAD = 50
_HEAD_MARGIN = 10
_DOC_COLUMNS = (
    "d.id, d.system, d.code, d.title, d.billable, d.kind, d.terms, d.generated, "
    "d.index_terms, d.parent_title, d.complete"
)
_SIGNATURES = 64


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


class _Answers:
    """The last answers given (search and suggest pages), least recently used out first. An
    index file never changes in place: when its inode or modification time differs from the
    one the answers came from, they are all dropped."""

    def __init__(self, size: int) -> None:
        self._pages: Lru[SearchPage] = Lru(size)
        self._stamp: tuple[int, int] | None = None
        self._lock = threading.Lock()  # the stamp and the pages change together

    def get(self, key: tuple, stamp: tuple[int, int]) -> SearchPage | None:
        with self._lock:
            if stamp != self._stamp:
                self._pages.clear()
                self._stamp = stamp
                return None
            return self._pages.get(key)

    def put(self, key: tuple, stamp: tuple[int, int], page: SearchPage) -> None:
        with self._lock:
            if stamp != self._stamp:
                return  # the index changed while this answer was worked out
            self._pages.put(key, page)


class SearchIndex:
    def __init__(self, path: Path, cache_size: int = 2048) -> None:
        self.path = Path(path)
        self._answers = _Answers(cache_size) if cache_size > 0 else None
        self._local = threading.local()
        self._doc_cache: dict[int, _Doc] = {}
        self._typo_cache: dict[str, str | None] = {}
        self._counts: dict[tuple, int] = {}
        self._known: dict[str, bool] = {}
        self._docs_ino: int | None = None
        if not self.path.exists():
            raise ServiceUnavailable("The search index has not been built yet.")

    # -- connection handling -------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        local = self._local
        # Within one search or suggest, the file is looked at once (_kept pins what it saw):
        # a stat costs about a tenth of a whole raw FTS5 query on a virtualised disk.
        pinned = getattr(local, "pinned", None)
        if pinned is not None:
            ino = pinned[0]
        else:
            try:
                ino = os.stat(self.path).st_ino
            except FileNotFoundError as exc:
                raise ServiceUnavailable("The search index is missing.") from exc
        if getattr(local, "ino", None) != ino:
            if getattr(local, "conn", None) is not None:
                local.conn.close()
            local.conn = sqlite3.connect(
                f"file:{self.path}?mode=ro&immutable=1", uri=True, check_same_thread=False
            )
            local.ino = ino
        return local.conn

    def _rows(self, sql: str, params: tuple | dict = ()) -> list[tuple]:
        try:
            return self._conn().execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            raise ServiceUnavailable("Search is unavailable; try again shortly.") from exc

    # -- public API ----------------------------------------------------------------------
    def stamp(self) -> tuple[int, int]:
        """The index file as it is now (inode, modification time): a new file, a new stamp."""
        try:
            found = os.stat(self.path)
        except FileNotFoundError as exc:
            raise ServiceUnavailable("The search index is missing.") from exc
        return found.st_ino, found.st_mtime_ns

    def _kept(self, key: tuple, work: Callable[[], SearchPage]) -> SearchPage:
        """The page for `key` from the kept answers, or worked out and kept. A caller gets its
        own page object (the hits are shared; nothing changes them)."""
        stamp = self.stamp()
        local = self._local
        outer = getattr(local, "pinned", None)
        local.pinned = stamp
        try:
            if self._answers is None:
                return work()
            page = self._answers.get(key, stamp)
            if page is None:
                page = work()
                self._answers.put(key, stamp, page)
            return replace(page, results=list(page.results))
        finally:
            local.pinned = outer

    def search(
        self, raw_query: str, system: str | None = None, limit: int = 20, offset: int = 0
    ) -> SearchPage:
        query = clean_query(raw_query)
        return self._kept(
            ("search", query, system, limit, offset),
            lambda: self._search(query, system, limit, offset),
        )

    def _search(self, query: str, system: str | None, limit: int, offset: int) -> SearchPage:
        depth = offset + limit
        ranked = _Ranked(0, [])
        did_you_mean = None
        # A word that is likelier a typo than what it says is corrected first, word by word,
        # rather than let it knock the query down to codes matching the other words.
        tried = self._typos_corrected(query)
        if tried:
            ranked = self._ranked(tried, system, prefix_last=False, depth=depth)
            did_you_mean = tried if ranked.hits else None
        if not ranked.hits:
            ranked = self._ranked(query, system, prefix_last=False, depth=depth)
        if not ranked.hits:
            corrected = self.correct(query)
            if corrected and corrected != tried:
                ranked = self._ranked(corrected, system, prefix_last=False, depth=depth)
                did_you_mean = corrected if ranked.hits else None
        if not ranked.hits:
            # Nothing has every word: fall back to codes that have some of them.
            ranked = self._ranked(query, system, prefix_last=False, any_word=True, depth=depth)
        hits = ranked.hits[offset : offset + limit]
        return SearchPage(query=query, total=ranked.total, results=hits, did_you_mean=did_you_mean)

    def suggest(self, raw_query: str, system: str | None = None, limit: int = 8) -> SearchPage:
        query = clean_query(raw_query)
        return self._kept(
            ("suggest", query, system, limit), lambda: self._suggest(query, system, limit)
        )

    def _suggest(self, query: str, system: str | None, limit: int) -> SearchPage:
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

    # -- ICD-9-CM (the GEMs' other side; assistant.ports.Icd9Crosswalks) -----------------
    def icd9(self, code: str, procedure: bool) -> Icd9Code | None:
        """An ICD-9-CM code (display form, "250.00") with the ICD-10 codes the forward GEM
        maps it to, as the live records carry them; None when there is no such code."""
        found = self._rows(
            "SELECT code, title, no_map FROM icd9 WHERE procedure = ? AND code = ?",
            (int(procedure), code),
        )
        if not found:
            return None
        (written, title, no_map) = found[0]
        rows = self._rows(
            "SELECT d.system, d.code, d.title, m.approximate, m.combination, m.scenario, "
            "m.choice_list FROM icd9_map m JOIN docs d ON d.id = m.doc "
            "WHERE m.procedure = ? AND m.code = ? ORDER BY m.scenario, m.choice_list, d.code",
            (int(procedure), code),
        )
        targets = tuple(
            Icd9Target(system, target, t, bool(a), bool(c), s, cl)
            for system, target, t, a, c, s, cl in rows
        )
        return Icd9Code(written, procedure, title, bool(no_map) and not targets, targets)

    def icd9_under(self, prefix: str, procedure: bool, limit: int = 10) -> list[Icd9Code]:
        """ICD-9-CM codes that extend a category or subcategory ("250.0" -> 250.00...), for
        a question naming a code the GEMs do not map by itself. Titles only."""
        rows = self._rows(
            "SELECT code, title, no_map FROM icd9 WHERE procedure = ? AND code > ? AND code < ? "
            "ORDER BY code LIMIT ?",
            (int(procedure), prefix, prefix + "\uffff", limit),
        )
        return [Icd9Code(c, procedure, t, bool(n)) for c, t, n in rows]

    def near_codes(self, raw_code: str, system: str | None = None, limit: int = 5) -> list[Hit]:
        """Codes close to one that does not exist: the nearest existing prefix and its children,
        or failing that, a text suggestion."""
        key = clean_query(raw_code).upper().replace(".", "").replace(" ", "")
        while len(key) >= 2:
            hits = self._by_code(key, system, limit).hits
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
        """The query with unknown words replaced by the likeliest known word, or None."""
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
    def _typos_corrected(self, query: str) -> str | None:
        """The query with each likely typo corrected, or None. A word is a likely typo when
        it is in no title or term and a near word is far commoner than the codes the typed
        word reaches through its stem ("migrane" stems like the rare "migrans")."""
        if looks_like_code(query):
            return None
        self._conn()
        self._docs(())  # resets the kept answers when the index file has been replaced
        if self._answers is None:
            # Nothing kept per query (every answer worked out afresh); words stay kept.
            return self._correct_typos(query)
        if query in self._typo_cache:
            return self._typo_cache[query]
        if len(self._typo_cache) > _DOC_CACHE // 10:
            self._typo_cache.clear()
        self._typo_cache[query] = self._correct_typos(query)
        return self._typo_cache[query]

    def _correct_typos(self, query: str) -> str | None:
        changed = False
        out = []
        typed = words(query)
        for word in typed:
            context = [w for w in content_words(typed) if w != word]
            fix = self._correction(word, context) if word not in STOPWORDS else None
            if fix:
                reach = self._rows(
                    "SELECT count(*) FROM (SELECT 1 FROM fts WHERE fts MATCH ? LIMIT 50)",
                    (_quote(word),),
                )[0][0]
                if reach == 0 or fix[1] >= 20 * reach:
                    out.append(fix[0])
                    changed = True
                    continue
            out.append(word)
        return " ".join(out) if changed else None

    def _in_vocab(self, word: str) -> bool:
        """Whether some title or term has this word; kept per word (until the index file
        changes), since most words of a new query were typed before."""
        self._fresh_docs()  # resets the kept words when the index file has been replaced
        known = self._known
        found = known.get(word)
        if found is None:
            if len(known) > _DOC_CACHE:
                known.clear()
            found = known[word] = bool(self._rows("SELECT 1 FROM vocab WHERE word = ?", (word,)))
        return found

    def _correct_word(self, word: str) -> str | None:
        fix = self._correction(word)
        return fix[0] if fix else None

    def _correction(self, word: str, context: list[str] | None = None) -> tuple[str, int] | None:
        """The likeliest known word for an unknown one, with its frequency, or None. With
        `context` (the query's other words), near candidates are weighed by how many codes
        have them together with those words ("congestive heart failer": failure, not failed)."""
        if len(word) < 4 or not word.isalpha() or word in _typed_words():
            return None
        if self._in_vocab(word):
            return None
        probes = sorted(deletes(word) | {word})
        marks = ",".join("?" * len(probes))
        candidates = self._rows(
            f"SELECT DISTINCT s.word, v.freq FROM spell s JOIN vocab v ON v.word = s.word "
            f"WHERE s.del IN ({marks})",
            tuple(probes),
        )
        # One deletion each way misses some two-edit slips at a word's end ("failer" for
        # "failure"); words sharing the first four letters cover them.
        head = word[:4]
        candidates += self._rows(
            "SELECT word, freq FROM vocab WHERE word >= ? AND word < ? AND length(word) <= ? "
            "ORDER BY freq DESC LIMIT 100",
            (head, head + "~", len(word) + 2),
        )
        scored = []
        for cand, freq in set(candidates):
            distance = edit_distance(word, cand)
            if distance > 2:
                continue
            # The word coders mean: one more edit is worth a hundredfold frequency, and a
            # typo rarely changes the first letter.
            cost = distance - 0.5 * math.log10(freq + 1) + (0.5 if cand[0] != word[0] else 0)
            scored.append((cost, distance, cand, freq))
        if not scored:
            return None
        scored.sort()
        close = [c for c in scored[:4] if c[0] <= scored[0][0] + 1.5]
        if context and len(close) > 1:
            together = " AND ".join(_quote(w) for w in context)
            close.sort(
                key=lambda c: (
                    -self._rows(
                        "SELECT count(*) FROM (SELECT 1 FROM fts WHERE fts MATCH ? LIMIT 50)",
                        (f"{_quote(c[2])} AND {together}",),
                    )[0][0],
                    c,
                )
            )
        best = close[0]
        return best[2], best[3]

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
            by_code = self._by_code(query, system, depth)
            if by_code.hits:
                return by_code
        modifier = [] if any_word else self._modifier(query, system)
        plan = self._plan(query, prefix_last)
        if not plan.concepts:
            return _Ranked(len(modifier), modifier)
        # Autocomplete shows a handful of rows: a smaller pool of candidates is enough.
        pool = _SUGGEST_POOL if prefix_last else CANDIDATES
        ranked = self._by_text(plan, system, max(depth, pool), count, any_word, wanted=depth)
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

    def _by_code(self, query: str, system: str | None, depth: int = _CODE_LIMIT) -> _Ranked:
        """Codes whose key begins with the typed code: the code itself first, then shorter
        (broader) codes before longer ones. Only the first `depth` are read (one indexed read
        per key length, in key order), and the total counted apart when there are more."""
        key = query.strip().upper().replace(".", "").replace(" ", "")
        # Blocks (R00-R09) share a prefix with their first category; they answer exact keys only.
        where = "key >= ? AND key < ? AND (kind NOT IN ('block', 'chapter') OR key = ?)"
        params: tuple = (key, key + "~", key)
        if system:
            where += " AND system = ?"
            params += (system,)
        need = min(depth, _CODE_LIMIT) + 1
        # One indexed read per key length, each stopping after `need` rows, in one statement:
        # ordering a whole range by length would read every code under "S72".
        parts = [
            f"SELECT * FROM (SELECT system, code, title, billable, kind, key FROM docs "
            f"WHERE length(key) = {size} AND {where} ORDER BY key LIMIT {need})"
            for size in range(len(key), _MAX_KEY + 1)
        ]
        if not parts:
            return _Ranked(0, [])
        rows = self._rows(
            "SELECT system, code, title, billable, kind FROM ("
            + " UNION ALL ".join(parts)
            + f") ORDER BY length(key), key LIMIT {need}",
            params * len(parts),
        )
        hits = [Hit(r[0], r[1], r[2], bool(r[3]), r[4]) for r in rows]
        total = len(hits)
        if total >= need:
            total = self._counted(f"SELECT count(*) FROM docs WHERE {where}", params)
        return _Ranked(total, hits[: need - 1])

    def _plan(self, query: str, prefix_last: bool) -> _Plan:
        """The query read as concepts: the longest phrase the vocabulary knows at each
        position, or one word; each with its typed wording and the official wordings."""
        # A code title is a dozen words: past that a query is a pasted paragraph, and each
        # concept costs a pass over every candidate.
        content = content_words(words(query))[:_MAX_CONCEPT_WORDS]
        table = synonyms()
        concepts: list[_Concept] = []
        i = 0
        while i < len(content):
            for n in range(min(4, len(content) - i), 0, -1):
                phrase = tuple(content[i : i + n])
                if phrase in table:
                    official = [tuple(content_words(list(alt))) for alt in table[phrase]]
                    concepts.append(_Concept.of(phrase, official))
                    i += n
                    break
            else:
                word = content[i]
                if prefix_last and i == len(content) - 1 and len(word) >= 2:
                    completions = [w for w in self._completions(word) if w != word]
                    concepts.append(_Concept.of((word,), [(w,) for w in completions]))
                else:
                    concepts.append(_Concept.of((word,), []))
                i += 1
        return _Plan(concepts)

    def _completions(self, prefix: str) -> list[str]:
        """The commonest known words the word being typed begins.

        FTS5 prefix queries go through the Porter stemmer ("brady" becomes "bradi" and then
        misses "bradycardia"), so completions come from the index's own vocabulary instead.
        """
        rows = self._rows(
            "SELECT word FROM vocab WHERE word >= ? AND word < ? ORDER BY freq DESC LIMIT 12",
            (prefix, prefix + "~"),
        )
        return [r[0] for r in rows]

    def _by_text(
        self,
        plan: _Plan,
        system: str | None,
        depth: int,
        count: bool,
        any_word: bool,
        wanted: int = CANDIDATES,
    ) -> _Ranked:
        """Find codes matching the query's concepts and rank them by relevance (see _rank).

        Candidates: codes with every concept, all of them ranked in full here when they fit
        in the head (`wanted` rows and a margin, at least _HEAD); otherwise (title matches
        fetched apart, so that they are never cut off by codes matching through notes)
        ordered in SQLite on stored ranking inputs, of which only the head is fetched and
        ranked in full here; when there are none, codes with all
        concepts but one; for the any-word fallback, codes with any concept. Each query reads
        at most `depth` rows in row-id order, so a query matching twenty thousand codes costs
        what one matching a few hundred does.
        """
        scope = f"sys:{_quote(system)} AND " if system else ""
        groups = [c.expression for c in plan.concepts]
        everything = frozenset(range(len(groups)))
        found: dict[int, frozenset[int]] = {}
        if any_word:
            match = " OR ".join(groups)
            anywhere = self._rows(
                "SELECT rowid FROM fts WHERE fts MATCH ? LIMIT ?", (f"{scope}({match})", depth)
            )
            for (rowid,) in anywhere:
                found[rowid] = frozenset()
        else:
            match = " AND ".join(groups)
            size = max(_HEAD, wanted + _HEAD_MARGIN)
            # Most queries match fewer codes than the head holds. Then every one of them is
            # ranked in full here and SQLite's order decides nothing: one plain read of the
            # ids (stopping one past the head) answers, without the title-read, the stored
            # keys or the sort. Only a query that matches more pays for it and for the ordered
            # read that picks its head.
            few = self._few(f"{scope}({match})", min(size, depth - 1))
            ordered = few if few is not None else self._ordered(plan, system, match, depth)
            if ordered:
                total = len(ordered) - sum(map(itemgetter(1), ordered))  # 0: anywhere-read
                head = ordered[:size]
                if count and total >= depth:
                    total = self._count(f"{scope}({match})")
                docs = self._docs([row[0] for row in head])
                scored = sorted((_rank(plan, doc, everything), i) for i, doc in docs.items())
                return _Ranked(total, [docs[i].hit for _, i in scored])
            anywhere = []
        total = len(anywhere)
        if count and total >= depth:
            total = self._count(f"{scope}({match})")
        # Bounded: a pasted paragraph must not cost one query per word.
        weighable = 2 <= len(groups) <= _PARTIAL_CONCEPTS
        partial = not any_word and weighable and total < _FEW
        if (partial or any_word) and weighable:
            plan.weigh([self._reach(f"{scope}{g}") for g in groups])
        if partial:
            for left_out in range(len(groups)):
                rest = " AND ".join(g for i, g in enumerate(groups) if i != left_out)
                for (rowid,) in self._rows(
                    "SELECT rowid FROM fts WHERE fts MATCH ? LIMIT ?",
                    (f"{scope}({rest})", _PARTIAL_DEPTH),
                ):
                    found.setdefault(rowid, everything - {left_out})
            total = len(found)
        if not found:
            return _Ranked(0, [])
        docs = self._docs(list(found))
        scored = sorted((_rank(plan, docs[rowid], found[rowid]), rowid) for rowid in docs)
        return _Ranked(total, [docs[rowid].hit for _, rowid in scored])

    def _few(self, match: str, most: int) -> list[tuple] | None:
        """The ids of the codes matching `match` as (id, 0) rows when there are at most
        `most`, else None (read no further than one past)."""
        rows = self._rows(f"SELECT rowid, 0 FROM fts WHERE fts MATCH ? LIMIT {most + 1}", (match,))
        return rows if len(rows) <= most else None

    def _ordered(self, plan: _Plan, system: str | None, match: str, depth: int) -> list[tuple]:
        """The ids of the codes matching every concept, ordered by SQLite on the ranking
        inputs stored in the index: a title (then a term) naming the query and no more (its
        signature is among the query's), every concept in the title, fewer things named
        (significant title words), contexts the query did not ask for, written before
        generated codes, codes a coder can pick, shorter titles, row id. No code's text is
        read here. Each id comes with 0 when the anywhere-read found it (those make a page's
        total), 1 when only the title-read or the signature lookup did.

        Each full-text read stops after `depth` rows in row-id order. Most queries match
        fewer codes: one read, with the title and signature tests as lookups beside it. When
        the read is cut off, title matches and exact titles past its last row are read apart
        too (so that they are never lost) and the two merged."""
        scope = f"sys:{_quote(system)} AND " if system else ""
        # k.base counts every context a title narrows to; those the query asks for are not
        # held against a code, so they are taken back out.
        asked = [i for i in range(len(context_groups())) if plan.asked_mask >> i & 1]
        taken_back = "".join(f" - (((k.ctx >> {i}) & 1) << 20)" for i in asked)
        sigs = plan.signatures()
        bloom = 0
        for sig in sigs:
            bloom |= signature_bit(sig)
        marks = ",".join(f":s{i}" for i in range(len(sigs))) or "NULL"
        # Exact wordings: a code is looked up in `sigs` only when its bloom bits say it may
        # hold one of the query's signatures (most codes a query matches do not).
        exact = (
            "CASE WHEN k.sig_bloom & :bloom THEN coalesce((SELECT max(place) FROM sigs "
            f"WHERE sig IN ({marks}) AND id = k.id), 0) ELSE 0 END"
        )
        # The sort key packed into one integer (smaller first; each input has bits of its own,
        # wider than any value the index holds), so that SQLite hands back two numbers a row
        # rather than seven, and two reads still merge in Python on (key, id).
        keys = f"((2 - {exact}) << 40) + ((1 - in_title) << 36) + k.base{taken_back}"
        title_match, any_match = f"{scope}title : ({match})", f"{scope}({match})"
        params = {
            "title": title_match,
            "any": any_match,
            "bloom": bloom,
            "system": system,
            **{f"s{i}": sig for i, sig in enumerate(sigs)},
        }
        # The limits are written into the statement: bound as parameters, they make SQLite
        # evaluate the title subquery anew for each row (four times slower here).
        limit = int(depth)
        rows = self._rows(
            f"SELECT k.id, 0, {keys} FROM (SELECT a.id, "
            f"a.id IN (SELECT rowid FROM fts WHERE fts MATCH :title LIMIT {limit}) AS in_title "
            f"FROM (SELECT rowid AS id FROM fts WHERE fts MATCH :any LIMIT {limit}) a) m "
            "JOIN ranks k ON k.id = m.id ORDER BY 3, 1",
            params,
        )
        if len(rows) < depth:
            return rows
        # Cut off: the title matches and exact titles past the last code read (exact terms
        # are left there: an index term such as "Breast" is on a thousand codes).
        last = max(map(itemgetter(0), rows))
        past = self._rows(
            f"SELECT k.id, 1, {keys} FROM (SELECT a.id, "
            f"a.id IN (SELECT rowid FROM fts WHERE fts MATCH :title AND rowid > {last} "
            f"LIMIT {limit}) AS in_title FROM ("
            "SELECT id FROM (SELECT rowid AS id FROM fts WHERE fts MATCH :title "
            f"AND rowid > {last} LIMIT {limit}) "
            "UNION SELECT id FROM (SELECT id FROM sigs "
            f"WHERE sig IN ({marks}) AND id > {last} AND place = 2 LIMIT {limit})) a) m "
            "JOIN ranks k ON k.id = m.id WHERE :system IS NULL OR k.system = :system",
            params,
        )
        return sorted([*rows, *past], key=itemgetter(2, 0)) if past else rows

    def _count(self, match: str) -> int:
        return self._counted("SELECT count(*) FROM fts WHERE fts MATCH ?", (match,))

    def _counted(self, sql: str, params: tuple) -> int:
        """A count, kept until the index file changes: counting every code a broad query
        ("fracture", "S72") matches is the costliest read of a query, and each page of it asks
        the same count again."""
        if self._answers is None:  # nothing kept: every answer worked out afresh
            return self._rows(sql, params)[0][0]
        self._fresh_docs()
        key = (sql, params)
        found = self._counts.get(key)
        if found is None:
            if len(self._counts) > _DOC_CACHE // 10:
                self._counts.clear()
            found = self._counts[key] = self._rows(sql, params)[0][0]
        return found

    def _reach(self, match: str) -> int:
        """How many codes an expression matches, counted up to _REACH_CAP."""
        return self._rows(
            "SELECT count(*) FROM (SELECT 1 FROM fts WHERE fts MATCH ? LIMIT ?)",
            (match, _REACH_CAP),
        )[0][0]

    def _fresh_docs(self) -> dict[int, _Doc]:
        """The kept ranking inputs, emptied when the index file was replaced or they grew
        past _DOC_CACHE."""
        ino = getattr(self._local, "ino", None)
        if self._docs_ino != ino or len(self._doc_cache) > _DOC_CACHE:
            self._doc_cache = {}
            self._typo_cache = {}
            self._counts = {}
            self._known = {}
            self._docs_ino = ino
        return self._doc_cache

    def _docs(self, ids: Iterable[int]) -> dict[int, _Doc]:
        """The ranking inputs of these rows. They are worked out once per row and kept (an
        index file never changes in place; a new file resets them), so a popular code costs
        one dictionary lookup per query."""
        cache = self._fresh_docs()
        missing = [i for i in ids if i not in cache]
        for start in range(0, len(missing), 500):
            chunk = tuple(missing[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for row in self._rows(
                f"SELECT {_DOC_COLUMNS} FROM docs d WHERE id IN ({marks})", chunk
            ):
                cache[row[0]] = _Doc.of(row)
        return {i: cache[i] for i in ids if i in cache}


@dataclass
class _Ranked:
    total: int
    hits: list[Hit]


@dataclass(frozen=True)
class _Concept:
    """One thing a query asks for: the words typed, and the official wordings they stand for."""

    typed: tuple[str, ...]
    # Stems of each wording's words, the typed wording first.
    wordings: tuple[frozenset[str], ...]
    expression: str  # FTS5: any wording, each with all its words
    sequences: tuple[tuple[str, ...], ...] = ()  # each wording's stems in order
    said: tuple[frozenset[str], ...] = ()  # each wording's significant stems (see _significant)

    @classmethod
    def of(cls, typed: tuple[str, ...], official: list[tuple[str, ...]]) -> _Concept:
        return _concept(typed, tuple(official))


@functools.lru_cache(maxsize=1 << 12)
def _concept(typed: tuple[str, ...], official: tuple[tuple[str, ...], ...]) -> _Concept:
    """A concept worked out once per wording (stems, FTS5 expression, significant words): a
    query nobody asked before is mostly made of words and phrases asked before."""
    options = list(dict.fromkeys([typed, *(o for o in official if o)]))
    parts = [" AND ".join(_quote(w) for w in option) for option in options]
    expression = parts[0] if len(parts) == 1 else "(" + " OR ".join(f"({p})" for p in parts) + ")"
    return _Concept(
        typed,
        tuple(frozenset(stem(w) for w in o) for o in options),
        expression,
        tuple(tuple(stem(w) for w in o) for o in options),
        tuple(_significant(" ".join(o)) for o in options),
    )


@dataclass
class _Plan:
    concepts: list[_Concept]

    def weigh(self, reach: list[int]) -> None:
        """Weight each concept by its rarity (inverse of how many codes it reaches)."""
        self.weights = [math.log(1 + _REACH_CAP / max(r, 1)) for r in reach]
        self.weight_sum = sum(self.weights)

    def __post_init__(self) -> None:
        # Every stem some wording of the query names: a title word outside this set is
        # something the code says and the query did not.
        self.named = frozenset(s for c in self.concepts for w in c.wordings for s in w)
        # Word pairs the query puts side by side, typed or in an official wording: a title
        # that keeps them together matches more closely than one that scatters them.
        typed = [stem(w) for c in self.concepts for w in c.typed]
        pairs = set(itertools.pairwise(typed))
        for concept in self.concepts:
            for wording in concept.sequences[1:]:
                pairs |= set(itertools.pairwise(wording))
        self.pairs = frozenset(pairs)
        self.weights = [1.0] * len(self.concepts)
        self.weight_sum = float(len(self.concepts))
        # For _has_all: the stems every single-wording concept needs, and the other concepts.
        self.must = frozenset().union(
            *(c.wordings[0] for c in self.concepts if len(c.wordings) == 1)
        )
        self.optional = tuple(c for c in self.concepts if len(c.wordings) > 1)
        self.asked_contexts = frozenset(
            i for i, group in enumerate(context_groups()) if group & self.named
        )
        self.asked_mask = asked_mask(self.named)

    def signatures(self) -> list[int]:
        """The signatures (index_build.signature) of the wordings that name what the query
        names and no more: one wording per concept, each combination, at most _SIGNATURES."""
        options = [dict.fromkeys(w for w in c.said if w) for c in self.concepts]
        found: dict[int, None] = {}
        for combination in itertools.islice(itertools.product(*options), _SIGNATURES):
            said = frozenset().union(*combination)
            if 0 < len(said) <= SIGNATURE_WORDS:
                found[signature(said)] = None
        return list(found)


# Field weights: how much a concept found in each place counts toward coverage.
_IN_TITLE, _IN_TERMS, _IN_INDEX, _IN_NOTES = 1.0, 0.9, 0.85, 0.6


@functools.lru_cache(maxsize=1 << 12)
def _pairs(text: str) -> frozenset[tuple[str, str]]:
    """Neighbouring word stems of a title, stop words and qualifiers left out."""
    seq = [s for s in (stem(w) for w in words(text) if w not in STOPWORDS) if s not in qualifiers()]
    return frozenset(itertools.pairwise(seq))


@functools.lru_cache(maxsize=1 << 12)
def _split_terms(terms: str) -> tuple[str, ...]:
    return tuple(t for t in terms.split(" ; ") if t)


def _found(concept: _Concept, stem_set: frozenset[str]) -> int:
    """0 when the typed wording is in `stem_set`, 1 when only an official one is, else -1."""
    for i, wording in enumerate(concept.wordings):
        if wording <= stem_set:
            return 0 if i == 0 else 1
    return -1


@dataclass(frozen=True, slots=True)
class _Doc:
    """What ranking needs of one row, worked out once."""

    rowid: int
    hit: Hit
    title_stems: frozenset[str]
    term_stems: frozenset[str]
    index_stems: frozenset[str]
    title_said: frozenset[str]
    # (significant stems, stems it has with the title) of each inclusion and index term
    wordings: tuple[tuple[frozenset[str], frozenset[str]], ...]
    pairs: frozenset[tuple[str, str]]
    parent_stems: frozenset[str] | None
    contexts: tuple[int, ...]
    # stems a title negates with "non-" ("Nonmechanical"): it is not what a query naming them asks
    negated: frozenset[str]
    length: int
    generated: int
    complete: int

    @classmethod
    def of(cls, row: tuple) -> _Doc:
        (
            rowid,
            system,
            code,
            title,
            billable,
            kind,
            terms,
            generated,
            index_terms,
            parent,
            complete,
        ) = row
        title_stems = stems(title)
        term_list = _split_terms(terms)
        index_list = _split_terms(index_terms)
        return cls(
            rowid=rowid,
            hit=Hit(system, code, title, bool(billable), kind),
            title_stems=title_stems,
            term_stems=frozenset().union(*(stems(t) for t in term_list)),
            index_stems=frozenset().union(*(stems(t) for t in index_list)),
            title_said=_significant(title),
            wordings=tuple(
                (_significant(t), stems(t) | title_stems) for t in (*term_list, *index_list)
            ),
            pairs=_pairs(title),
            parent_stems=stems(parent) if parent else None,
            contexts=tuple(i for i, group in enumerate(context_groups()) if group & title_stems),
            negated=frozenset(
                stem(w[3:]) for w in words(title) if w.startswith("non") and len(w) > 6
            ),
            length=len(words(title)),
            generated=generated,
            complete=complete,
        )


def _has_all(plan: _Plan, stem_set: frozenset[str]) -> bool:
    # One subset test covers every concept with a single wording (most of them).
    if not plan.must <= stem_set:
        return False
    for concept in plan.optional:
        for wording in concept.wordings:
            if wording <= stem_set:
                break
        else:
            return False
    return True


def _rank(plan: _Plan, doc: _Doc, present: frozenset[int]) -> tuple:
    """How well one code matches the query, as a sort key (smaller first):

    1. exact: the title (or else an inclusion or index term) names the query and no more;
    2. coverage: the share of the query's concepts found, weighted by where (title, terms,
       index terms, notes);
    3. negation: the title says "non-" what the query names ("Nonmechanical");
       context: how many narrowing contexts (family, neonatal, obstetric, sequela...) the
       title adds that the query did not ask for;
    4. written codes before generated 7th-character codes; codes a coder can pick (billable,
       or needing only a 7th character) before categories;
    5. proximity: how many of the query's neighbouring word pairs the title keeps together;
    6. kin: the parent code names the query too (the condition itself, not a manifestation);
    7. closeness: how many things the closest wording says that the query did not;
    8. concepts found only through an official synonym rather than the words typed;
    9. shorter titles, then row-id order.
    """
    # Called for every code of a query's head: written for speed (locals, the typed wording
    # tried first, set tests only where a code has what they test), same result as _found.
    coverage = 0.0
    synonym_only = 0
    in_title = 0
    weights = plan.weights
    title_stems = doc.title_stems
    for i, concept in enumerate(plan.concepts):
        wordings = concept.wordings
        if wordings[0] <= title_stems:
            coverage += weights[i] * _IN_TITLE
            in_title += 1
            continue
        how = _found(concept, title_stems) if len(wordings) > 1 else -1
        if how >= 0:
            coverage += weights[i] * _IN_TITLE
            synonym_only += how
            in_title += 1
            continue
        how = _found(concept, doc.term_stems) if doc.term_stems else -1
        if how >= 0:
            coverage += weights[i] * _IN_TERMS
            synonym_only += how
            continue
        how = _found(concept, doc.index_stems) if doc.index_stems else -1
        if how >= 0:
            coverage += weights[i] * _IN_INDEX
            synonym_only += how
        elif i in present:
            coverage += weights[i] * _IN_NOTES
    coverage /= plan.weight_sum or 1.0
    # Closeness and exactness: the title, or else the alternative term closest to the query
    # among those that have every concept.
    named = plan.named
    # Every concept with one wording (the usual query): "has all" is one subset test.
    must = None if plan.optional else plan.must
    exact = 0
    extra = None
    if in_title == len(plan.concepts):
        extra = len(doc.title_said - named)
        exact = 2 if extra == 0 else 0
    if not exact:
        for said, has in doc.wordings:
            unasked = len(said - named)
            if (extra is None or unasked < extra) and (
                must <= has if must is not None else _has_all(plan, has)
            ):
                extra = unasked
                if unasked == 0:
                    exact = 1
                    break
    if extra is None:
        extra = len(doc.title_said - named) + 1
    context = sum(1 for i in doc.contexts if i not in plan.asked_contexts) if doc.contexts else 0
    negates = bool(doc.negated & named) if doc.negated else False
    together = len(plan.pairs & doc.pairs) if plan.pairs else 0
    # A code under a parent that names the query too is the condition itself, not a
    # manifestation of something else (J18.9 under J18 Pneumonia, not typhoid pneumonia).
    parent = doc.parent_stems
    kin = parent is not None and (must <= parent if must is not None else _has_all(plan, parent))
    return (
        -exact,
        -round(coverage, 2),
        negates,
        context,
        doc.generated,
        not doc.complete,
        -together,
        not kin,
        extra,
        synonym_only,
        doc.length,
        doc.rowid,
    )


@functools.lru_cache(maxsize=1)
def _typed_words() -> frozenset[str]:
    """Every word of a phrase the vocabulary knows: shorthand is never a typo."""
    return frozenset(w for key in synonyms() for w in key)
