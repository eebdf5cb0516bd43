"""Byte ranges: one parser and formatter for every backend.

A range is ``(start, end)`` with ``end`` inclusive, ``end`` None for "to the
end" and ``start`` None for "the last ``end`` bytes", as in HTTP.
"""

from __future__ import annotations

from typing import Optional, Sequence, Tuple

from .exceptions import RangeNotSatisfiable

__all__ = ["range_header", "resolve_range"]

Range = Tuple[Optional[int], Optional[int]]


def _spec(rng: Range) -> str:
    start, end = rng
    if start is None:
        return f"-{end}"
    return f"{start}-" if end is None else f"{start}-{end}"


def range_header(ranges: Sequence[Range]) -> str:
    """The value of an HTTP ``Range`` header: ``bytes=0-99,200-``."""
    return "bytes=" + ",".join(_spec(r) for r in ranges)


def resolve_range(rng: Range, size: int) -> Tuple[int, int]:
    """Absolute ``(first, last)`` byte offsets of ``rng`` in an object of ``size``.

    :raises RangeNotSatisfiable: the range lies wholly outside the object.
    """
    start, end = rng
    if start is None:
        if not end:
            raise RangeNotSatisfiable(f"suffix range {_spec(rng)} selects no byte")
        return max(0, size - end), size - 1
    if start >= size:
        raise RangeNotSatisfiable(f"range {_spec(rng)} starts after the object's "
                                  f"{size} bytes")
    last = size - 1 if end is None else min(end, size - 1)
    return start, last
