"""Text helpers shared by the index builder and the query engine."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources
from typing import Any

_WORD = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset("a an and the of in on or for to by at as is are with".split())
# The vocabularies of typed phrases and the official wording they stand for (same format).
VOCABULARY_FILES = ("synonyms.txt", "coder_vocabulary.txt")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_QUERY_LENGTH = 200


def clean_query(raw: str) -> str:
    """Strip control characters, fold accents and whitespace; cap the length."""
    text = _CONTROL.sub(" ", raw)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def deletes(word: str) -> set[str]:
    """Every string one deletion away (the symmetric-delete spelling scheme)."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance, cut off past `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def content_words(tokens: list[str]) -> list[str]:
    """The words that carry meaning (no stop words), or all of them if that leaves none."""
    return [t for t in tokens if t not in STOPWORDS] or tokens


@lru_cache(maxsize=1)
def _porter() -> Any:
    # Imported on the first stem: a function that only asks the index whether a code exists
    # (the code page) never stems. snowballstemmer gives PyStemmer's C stemmer when it is
    # installed (a runtime dependency) and else loads every language's Python tables (~30 ms).
    import snowballstemmer

    return snowballstemmer.stemmer("porter")


@lru_cache(maxsize=1 << 15)
def stem(word: str) -> str:
    """The Porter stem the index's tokenizer gives a word, so ranking can tell which words of
    a title a query matched ("fractures" and "fracture", "diabetic" and "diabetes")."""
    return str(_porter().stemWord(word))


@lru_cache(maxsize=1 << 13)
def stems(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in words(text))


@lru_cache(maxsize=1)
def synonyms() -> dict[tuple[str, ...], list[tuple[str, ...]]]:
    """Parse the vocabulary files: typed phrase (its content words) -> official phrases.

    Keys drop stop words, as a query does before it looks phrases up ("shortness of breath"
    is found as "shortness breath"); entries of both files for one phrase are merged."""
    table: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for name in VOCABULARY_FILES:
        text = resources.files("coderef.search").joinpath(name).read_text("utf-8")
        for number, line in enumerate(text.splitlines(), start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if "=" not in line:
                raise ValueError(f"{name} line {number}: expected 'typed = official'")
            typed, official = line.split("=", 1)
            key = tuple(content_words(words(typed)))
            alternatives = [tuple(words(p)) for p in official.split("|") if words(p)]
            if not key or not alternatives:
                raise ValueError(f"{name} line {number}: empty side")
            known = table.setdefault(key, [])
            known.extend(
                a
                for a in dict.fromkeys(alternatives)
                if tuple(content_words(list(a))) != key and a not in known
            )
    return table
