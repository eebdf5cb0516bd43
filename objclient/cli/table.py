"""A text table that prints as its rows arrive.

Rows are laid out a batch at a time, so a listing of millions of objects
shows its first lines at once and holds one batch in memory.  Column widths
only grow: when a later batch has a wider cell, the table so far is closed
and a new one starts under a repeated header.
"""

from __future__ import annotations

from typing import Iterable, List, Optional, Sequence, TextIO

__all__ = ["write_table", "fit_widths", "BATCH"]

#: Rows laid out together (a listing page is 1,000 entries on most backends).
BATCH = 1000
_MIN_WIDTH = 4


def fit_widths(widths: Sequence[int], max_width: Optional[int]) -> List[int]:
    """Narrow the widest columns until the table is ``max_width`` characters
    wide (borders included); ``None`` or < 1: no limit.

    :returns: the widths to print, none under 4 characters (or its own width).
    """
    out = list(widths)
    if not max_width or max_width < 1:
        return out
    room = max_width - (3 * len(out) + 1)
    while sum(out) > room:
        widest = max(range(len(out)), key=lambda i: out[i])
        if out[widest] <= _MIN_WIDTH:
            break
        out[widest] -= 1
    return out


def _clip(cell: str, width: int) -> str:
    if len(cell) > width:
        cell = cell[:max(width - 1, 0)] + "…"
    return cell.ljust(width)


class _Table:
    def __init__(self, header: Sequence[str], max_width: Optional[int], out: TextIO) -> None:
        self.header = list(header)
        self.max_width = max_width
        self.out = out
        self.natural = [len(h) for h in header]
        self.widths: Optional[List[int]] = None

    def _rule(self) -> str:
        assert self.widths is not None
        return "+" + "+".join("-" * (w + 2) for w in self.widths) + "+\n"

    def _line(self, cells: Sequence[str]) -> str:
        assert self.widths is not None
        return "| " + " | ".join(_clip(c, w) for c, w in zip(cells, self.widths)) + " |\n"

    def batch(self, rows: List[List[str]]) -> None:
        for row in rows:
            self.natural = [max(n, len(c)) for n, c in zip(self.natural, row)]
        widths = fit_widths(self.natural, self.max_width)
        if widths != self.widths:
            if self.widths is not None:
                self.out.write(self._rule())
            self.widths = widths
            self.out.write(self._rule() + self._line(self.header) + self._rule())
        self.out.write("".join(self._line(r) for r in rows))
        self.out.flush()

    def close(self) -> None:
        if self.widths is None:
            self.batch([])
        self.out.write(self._rule())


def write_table(header: Sequence[str], rows: Iterable[List[str]], out: TextIO,
                max_width: Optional[int] = None) -> None:
    """Print ``rows`` (lists of cell strings) under ``header``, :data:`BATCH`
    rows at a time."""
    table = _Table(header, max_width, out)
    batch: List[List[str]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            table.batch(batch)
            batch = []
    if batch:
        table.batch(batch)
    table.close()
