"""A small progress bar for terminals (no dependency)."""

from __future__ import annotations

import sys
import threading
import time
from typing import Optional, TextIO

__all__ = ["ProgressBar"]

_MIN_SIZE = 1024 * 1024


class ProgressBar:
    """``bar(done, total)`` redraws one line on stderr, at most 10 times a second.

    Draws nothing when stderr is not a terminal, when disabled, or for
    transfers under 1 MiB.
    """

    def __init__(self, label: str, enabled: bool = True,
                 stream: Optional[TextIO] = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled and self.stream.isatty()
        self.label = label if len(label) <= 40 else "…" + label[-39:]
        self._last = 0.0
        self._start = time.monotonic()
        self._lock = threading.Lock()
        self._drawn = False

    def __call__(self, done: int, total: Optional[int]) -> None:
        if not self.enabled or (total is not None and total < _MIN_SIZE):
            return
        now = time.monotonic()
        with self._lock:
            if now - self._last < 0.1 and (total is None or done < total):
                return
            self._last = now
            rate = done / max(1e-6, now - self._start) / 1e6
            if total:
                width = 30
                fill = int(width * done / total)
                line = (f"\r{self.label:40} [{'#' * fill}{'.' * (width - fill)}] "
                        f"{100 * done / total:5.1f}% {rate:7.1f} MB/s")
            else:
                line = f"\r{self.label:40} {done / 1e6:10.1f} MB {rate:7.1f} MB/s"
            self.stream.write(line)
            self.stream.flush()
            self._drawn = True

    def close(self) -> None:
        """End the line."""
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
