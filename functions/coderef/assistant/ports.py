"""The ports the assistant needs: candidate codes for a phrase, guideline passages, and the
ICD-9-CM side of the GEMs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

from coderef.assistant.guidelines import GuidelinePassage
from coderef.catalog.crosswalks import Icd9Code

if TYPE_CHECKING:
    from coderef.search.candidates import Candidate


class CandidateSource(Protocol):
    """Codes whose words match a phrase, best first, each with the reason it matched."""

    def find(
        self,
        phrase: str,
        system: str | None = None,
        limit: int = 5,
        depth: int = 30,
        min_share: float = 0.0,
    ) -> list[Candidate]: ...

    def known_words(self, words: Iterable[str]) -> set[str]: ...


class GuidelineSearch(Protocol):
    """Passages of the official guidelines that answer a question."""

    def search(self, question: str, limit: int = 3) -> list[GuidelinePassage]: ...


class Icd9Crosswalks(Protocol):
    """ICD-9-CM codes with the ICD-10 codes CMS's forward GEMs map them to (the rows the live
    code pages carry, turned around); the search index implements it."""

    def icd9(self, code: str, procedure: bool) -> Icd9Code | None: ...

    def icd9_under(self, prefix: str, procedure: bool, limit: int = 10) -> list[Icd9Code]: ...
