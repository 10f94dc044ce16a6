"""`make bench` rewrites BENCHMARKS.md: what it cannot measure again must survive the rewrite."""

from __future__ import annotations

from bench.run import by_hand_sections

PREVIOUS = """# Benchmarks

## 1. Search latency

| search | 0.3 |

## 10. Public pages (measured by hand, not by `make bench`)

Publish took 40 s.

### 10b. Later (measured by hand)

Still 40 s.

## 11. Import (issue 16, measured by hand)

139 s of CPU.
"""


def test_sections_measured_by_hand_are_carried_over_and_bench_sections_are_not():
    # Given a BENCHMARKS.md with a bench-written section and two measured by hand
    # When the next bench run collects what to keep
    kept = by_hand_sections(PREVIOUS)
    # Then both hand-measured sections (with their subsections) are kept, in order, and the
    # section the run writes afresh is not
    assert "## 1. Search latency" not in kept
    assert kept.index("## 10. Public pages") < kept.index("### 10b.") < kept.index("## 11.")
    assert "Publish took 40 s." in kept and "139 s of CPU." in kept
