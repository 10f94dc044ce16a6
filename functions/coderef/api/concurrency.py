"""Independent store reads issued side by side, so a request waits for one round trip to
DynamoDB instead of one after another."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

A = TypeVar("A")
B = TypeVar("B")

# Shared by every request of the process: starting a thread per request would cost more than
# the overlap saves. Sized for the local server's thread pool; a Lambda uses one at a time.
_POOL = ThreadPoolExecutor(max_workers=16, thread_name_prefix="coderef-io")


def side_by_side(first: Callable[[], A], second: Callable[[], B]) -> tuple[A, B]:
    """Run `second` on the shared pool while `first` runs here; both finish before either
    result (or error) is used, so nothing is left running behind a failed request."""
    pending = _POOL.submit(second)
    try:
        a = first()
    finally:
        b_error = pending.exception()
    if b_error is not None:
        raise b_error
    return a, pending.result()
