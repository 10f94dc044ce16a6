"""A plain progress bar on stderr for long imports (no dependency, no output when not a TTY
except one line per stage)."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    def __init__(self, stream=None, width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self.stage = ""
        self.started = time.monotonic()
        self.tty = self.stream.isatty()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            if self.stage and self.tty:
                self.stream.write("\n")
            self.stage, self.started = stage, time.monotonic()
            if not self.tty:
                self.stream.write(f"{stage} ...\n")
        if not self.tty:
            return
        fraction = done / total if total else 1.0
        filled = int(self.width * fraction)
        elapsed = time.monotonic() - self.started
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r{stage:<40.40} [{bar}] {fraction:4.0%} {elapsed:5.1f}s")
        if done >= total:
            self.stream.write("\n")
            self.stage = ""
        self.stream.flush()
