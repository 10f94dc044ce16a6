"""Rendered JSON bodies of a code's public summary and page (and of search and suggest
answers, api/kept_bodies.py search_key), kept per process.

What a summary or a page says depends only on the code, the loaded releases, the day (a
release's standing is judged against today) and, for a page, whether the reader is a member:
never on who the reader is. So its JSON is rendered once and kept, keyed on all of those, and
a page's per-reader part (the meter) is added to the kept bytes as they are. A key holds the
catalog's release token (catalog/ports.py ReleaseTokens), so loading or switching a release
leaves every kept body behind. Memory is bounded (CODEREF_BODY_CACHE_MB); the least recently
used bodies go first.
"""

from __future__ import annotations

from collections.abc import Hashable

from pydantic_core import to_json

from coderef.lru import Lru


class RenderedBodies(Lru[bytes]):
    """Rendered bodies by key, bounded by their total size in bytes."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(max_bytes, len)

    def put(self, key: Hashable, body: bytes) -> None:
        if len(body) > self.room // 4:  # none may take more than a quarter of the room
            return
        super().put(key, body)


def with_member(body: bytes, name: str, value: object) -> bytes:
    """A rendered JSON object with one more member at its end: the same bytes as rendering
    the object with that member added last, without rendering the rest again."""
    if body == b"{}":
        return b'{"' + name.encode() + b'":' + to_json(value) + b"}"
    return body[:-1] + b',"' + name.encode() + b'":' + to_json(value) + b"}"
