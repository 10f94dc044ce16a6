"""The ports domain and API code talk to. Adapters implement them; nothing else touches storage."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from coderef.domain.records import CodeRecord, Release

Progress = Callable[[int, int], None]


class CodeCatalog(Protocol):
    def get(self, system: str, key: str) -> CodeRecord | None:
        """The live record for a code key, or None."""

    def get_many(self, system: str, keys: Iterable[str]) -> dict[str, CodeRecord]:
        """Live records for several keys; missing keys are left out."""

    def releases(self) -> list[Release]:
        """The live release of every loaded system."""

    def iter_live(self) -> Iterable[CodeRecord]:
        """Every live record of every system (to build the search index)."""


class CatalogLoader(Protocol):
    def load_release(
        self, release: Release, records: list[CodeRecord], progress: Progress | None = None
    ) -> None:
        """Write a whole release and make it live; on any failure the previous one stays live."""
