"""A bounded least-recently-used map, shared by the caches of immutable facts: records read
from DynamoDB, search answers, rendered summaries and pages."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


def _one(_: object) -> int:
    return 1


class Lru(Generic[V]):
    """Values by key, least recently used out first once their total weight passes `room`
    (each value weighs 1 unless `weight` says otherwise). Safe to share between threads."""

    def __init__(self, room: int, weight: Callable[[V], int] = _one) -> None:
        self.room = room
        self._weight = weight
        self._values: OrderedDict[Hashable, V] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._values)

    @property
    def size(self) -> int:
        """The total weight of the values kept."""
        return self._size

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            value = self._values.get(key)
            if value is not None:
                self._values.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V) -> None:
        with self._lock:
            old = self._values.pop(key, None)
            if old is not None:
                self._size -= self._weight(old)
            self._values[key] = value
            self._size += self._weight(value)
            while self._size > self.room:
                _, dropped = self._values.popitem(last=False)
                self._size -= self._weight(dropped)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._size = 0
