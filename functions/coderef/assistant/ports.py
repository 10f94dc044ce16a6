"""The ports the assistant needs: candidate codes for a phrase, and guideline passages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

from coderef.assistant.guidelines import GuidelinePassage

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
