"""Progress bars on stderr for uploads and downloads.

:func:`progress_bar` uses tqdm (``pip install 'objclient[progress]'``) when it
is installed, and a plain one-line bar otherwise; both show the rate and the
time left, and draw nothing when stderr is not a terminal, when disabled, or
for transfers under 1 MiB.  A bar is called as ``bar(done, total)`` (the
transfer engine's ``progress=`` callback) and closed with ``bar.close()``.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any, Dict, Optional, TextIO

__all__ = ["progress_bar", "PlainBar", "TqdmBar"]

_MIN_SIZE = 1024 * 1024


def _short(label: str) -> str:
    return label if len(label) <= 40 else "…" + label[-39:]


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


class PlainBar:
    """One line redrawn at most 10 times a second: percent, MB/s and ETA."""

    def __init__(self, label: str, enabled: bool = True,
                 stream: Optional[TextIO] = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled and self.stream.isatty()
        self.label = _short(label)
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
            self.stream.write("\r" + self.line(done, total, now - self._start))
            self.stream.flush()
            self._drawn = True

    def line(self, done: int, total: Optional[int], elapsed: float) -> str:
        """The text of the bar after ``elapsed`` seconds."""
        rate = done / max(1e-6, elapsed)
        if not total:
            return f"{self.label:40} {done / 1e6:10.1f} MB {rate / 1e6:7.1f} MB/s"
        width = 30
        fill = int(width * done / total)
        eta = _clock((total - done) / rate) if rate > 0 else "?"
        return (f"{self.label:40} [{'#' * fill}{'.' * (width - fill)}] "
                f"{100 * done / total:5.1f}% {rate / 1e6:7.1f} MB/s ETA {eta}")

    def close(self) -> None:
        """End the line."""
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()


class TqdmBar:
    """A tqdm bar in bytes (rate and ETA by tqdm), made at the first call,
    when the size is known."""

    def __init__(self, label: str, enabled: bool = True,
                 stream: Optional[TextIO] = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled and self.stream.isatty()
        self.label = _short(label)
        self._bar: Any = None
        self._lock = threading.Lock()

    def __call__(self, done: int, total: Optional[int]) -> None:
        if not self.enabled or (total is not None and total < _MIN_SIZE):
            return
        with self._lock:
            if self._bar is None:
                from tqdm import tqdm
                self._bar = tqdm(total=total, desc=self.label, unit="B", unit_scale=True,
                                 unit_divisor=1024, file=self.stream, mininterval=0.1,
                                 **_shape(self.stream))
            self._bar.update(done - self._bar.n)

    def close(self) -> None:
        """Draw the last state and end the line."""
        if self._bar is not None:
            self._bar.close()


def _shape(stream: TextIO) -> Dict[str, int]:
    """tqdm's ``ncols`` and ``nrows``: the terminal's, or 80 x 24 where it
    says 0 x 0 (a new pty), on which tqdm would draw nothing."""
    try:
        size = os.get_terminal_size(stream.fileno())
        return {"ncols": size.columns or 80, "nrows": size.lines or 24}
    except (AttributeError, OSError, ValueError):
        return {"ncols": 80, "nrows": 24}


def _has_tqdm() -> bool:
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return False
    return True


def progress_bar(label: str, enabled: bool = True, stream: Optional[TextIO] = None) -> Any:
    """A :class:`TqdmBar` where tqdm is installed, else a :class:`PlainBar`.

    :param enabled: False for ``--no-progress`` (or parallel transfers).
    """
    stream = stream or sys.stderr
    if enabled and stream.isatty() and _has_tqdm():
        return TqdmBar(label, enabled, stream)
    return PlainBar(label, enabled, stream)
