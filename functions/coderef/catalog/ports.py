"""The ports the catalog needs: adapters implement them; nothing else touches storage."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any, Protocol, runtime_checkable

from coderef.catalog.records import CodeRecord, Release, ReleaseDelta

Progress = Callable[[int, int], None]


class CodeCatalog(Protocol):
    """Every loaded release of every system; one release per system is live (answers when no
    release is named, and feeds the search index)."""

    def get(self, system: str, key: str, release: str | None = None) -> CodeRecord | None:
        """The record for a code key in the live release (or the named one), or None."""

    def get_many(
        self, system: str, keys: Iterable[str], release: str | None = None
    ) -> dict[str, CodeRecord]:
        """Records for several keys in the live release (or the named one); missing keys are
        left out."""

    def releases(self) -> list[Release]:
        """The live release of every loaded system."""

    def all_releases(self, system: str | None = None) -> list[Release]:
        """Every loaded release (of one system, or of all), with `live` and `record_count`."""

    def versions(self, system: str, key: str) -> dict[str, CodeRecord]:
        """The record for a code key in each loaded release that has it, by release id."""

    def compare_releases(self, before: str, after: str) -> ReleaseDelta:
        """Keys added, deleted and changed (different revision fingerprint) between two
        releases."""

    def iter_live(self) -> Iterable[CodeRecord]:
        """Every live record of every system (to build the search index)."""


class CatalogLoader(Protocol):
    def load_release(
        self, release: Release, records: list[CodeRecord], progress: Progress | None = None
    ) -> None:
        """Write a whole release in one step; on any failure nothing of it is visible.

        The release becomes live unless the system's live release took effect later (loading
        last year's release adds history without changing what is served)."""

    def set_live(self, release_id: str) -> Release:
        """Make a loaded release the live one of its system."""

    def releases(self) -> list[Release]:
        """The live release of every loaded system (did a load take over?)."""


@runtime_checkable
class ReleaseTokens(Protocol):
    """A catalog that can say cheaply whether a system's loaded releases may have changed, so
    what is built from its records (a code's summary and page) can be kept until they do."""

    def release_token(self, system: str) -> Hashable:
        """A value that changes whenever the releases of `system` (which are loaded, which is
        live, their records) may have changed; equal values mean the same answers."""


@runtime_checkable
class SavedChanges(Protocol):
    """A catalog that keeps each comparison of two releases, computed once when a release is
    loaded, so that answering one is a single read. The DynamoDB catalog is one: comparing there
    means scanning the table, far too slow for a request (and not allowed to the functions).
    The SQLite catalog compares with three indexed queries and keeps nothing."""

    def saved_changes(self, before: str, after: str) -> dict[str, Any] | None:
        """The changes going from release `before` to release `after`, if saved."""

    def save_changes(self, before: str, after: str, changes: dict[str, Any]) -> None: ...
