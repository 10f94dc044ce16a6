"""Independent store reads issued side by side, so a request waits for one round trip to
DynamoDB instead of one after another."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

A = TypeVar("A")

# Shared by every request of the process: starting a thread per request would cost more than
# the overlap saves. Sized for the local server's thread pool; a Lambda uses one at a time.
_POOL = ThreadPoolExecutor(max_workers=16, thread_name_prefix="coderef-io")


def start_beside(call: Callable[[], A]) -> Callable[[], A]:
    """Start `call` on the shared pool; the returned function waits for its result (or raises
    its error)."""
    return _POOL.submit(call).result
