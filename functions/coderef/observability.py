"""Business events counted as metrics ("a search found nothing", later "a view was charged").

Code that notices an event calls `count`; where the count goes is wired once per process:
nowhere locally, and on Lambda to Powertools Metrics (CloudWatch EMF) by handlers/runtime.py.
"""

from __future__ import annotations

from collections.abc import Callable

Sink = Callable[[str, int], None]


def _discard(event: str, amount: int) -> None:
    pass


_sink: Sink = _discard


def count(event: str, amount: int = 1) -> None:
    """Count one occurrence (or `amount`) of a named event."""
    _sink(event, amount)


def send_counts_to(sink: Sink | None) -> None:
    """Route every later `count` to `sink` (None: discard them again)."""
    global _sink
    _sink = sink or _discard
