"""Rendered JSON bodies of a code's public summary and page, kept per process.

What a summary or a page says depends only on the code, the loaded releases, the day (a
release's standing is judged against today) and, for a page, whether the reader is a member:
never on who the reader is. So its JSON is rendered once and kept, keyed on all of those, and
a page's per-reader part (the meter) is added to the kept bytes as they are. A key holds the
catalog's release token (catalog/ports.py ReleaseTokens), so loading or switching a release
leaves every kept body behind. Memory is bounded (CODEREF_BODY_CACHE_MB); the least recently
used bodies go first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from pydantic_core import to_json


class RenderedBodies:
    """A least-recently-used map of keys to JSON bytes, bounded by their total size. Safe to
    share between threads (the local server's code pages run on its thread pool)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._bodies: OrderedDict[Hashable, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._bodies)

    @property
    def size(self) -> int:
        """Bytes of the bodies kept."""
        return self._size

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            body = self._bodies.get(key)
            if body is not None:
                self._bodies.move_to_end(key)
            return body

    def put(self, key: Hashable, body: bytes) -> None:
        if len(body) > self.max_bytes // 4:  # none may take more than a quarter of the room
            return
        with self._lock:
            old = self._bodies.pop(key, None)
            if old is not None:
                self._size -= len(old)
            self._bodies[key] = body
            self._size += len(body)
            while self._size > self.max_bytes:
                _, dropped = self._bodies.popitem(last=False)
                self._size -= len(dropped)


def with_member(body: bytes, name: str, value: object) -> bytes:
    """A rendered JSON object with one more member at its end: the same bytes as rendering
    the object with that member added last, without rendering the rest again."""
    if body == b"{}":
        return b'{"' + name.encode() + b'":' + to_json(value) + b"}"
    return body[:-1] + b',"' + name.encode() + b'":' + to_json(value) + b"}"
