"""Listing semantics shared by every backend that lists on the client side.

Swift's rules are objclient's rules: names sorted by the bytes of their
UTF-8 form; ``prefix`` keeps names that start with it; ``marker`` keeps
names after it, ``end_marker`` names before it; with a ``delimiter``, the
names that hold it after the prefix fold into one common prefix (ending
with the delimiter) which counts toward ``limit`` like an object; a common
prefix equal to the marker is not repeated on the next page.

:func:`list_page` runs those rules over any sorted source that can seek
(``scan(after)`` yields names after a given one), so the local backend, the
SeaweedFS filer and others list alike without reading a whole container.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator, List, Optional, Sequence, Tuple, TypeVar

import attrs

__all__ = ["ListPage", "list_page", "name_key", "prefix_end"]

T = TypeVar("T")


def name_key(name: str) -> bytes:
    """The sort key of a name: its UTF-8 bytes."""
    return name.encode("utf-8", "surrogatepass")


def prefix_end(prefix: str) -> Optional[str]:
    """The smallest name, in UTF-8 byte order, after every name that starts
    with ``prefix``; None if there is none."""
    chars = list(prefix)
    while chars:
        last = ord(chars[-1])
        if last < 0x10FFFF:
            nxt = last + 1
            if 0xD800 <= nxt <= 0xDFFF:
                nxt = 0xE000
            chars[-1] = chr(nxt)
            return "".join(chars)
        chars.pop()
    return None


@attrs.frozen
class ListPage:
    """One page of results: ``items`` (object records) and ``prefixes``
    in listing order, ``truncated`` and the ``next_marker``."""

    items: list
    prefixes: List[str]
    truncated: bool
    next_marker: Optional[str]


def list_page(scan: Callable[[Optional[str], bool], Iterable[Tuple[str, T]]], *,
              prefix: str = "", delimiter: Optional[str] = None,
              marker: Optional[str] = None, end_marker: Optional[str] = None,
              limit: int = 1000) -> ListPage:
    """Build one listing page from a sorted source.

    :param scan: ``scan(start, inclusive)`` yields ``(name, record)`` in
        UTF-8 byte order for names after ``start`` (or equal to it when
        ``inclusive``), from the first name when ``start`` is None.  It may
        be called again with a later start, to skip past a common prefix.
    :param limit: most entries (objects plus prefixes) in the page.
    """
    if limit <= 0:
        return ListPage([], [], False, None)
    key = name_key
    start: Optional[str] = marker
    inclusive = False
    if prefix and (start is None or key(start) < key(prefix)):
        start, inclusive = prefix, True
    end_key = key(end_marker) if end_marker else None
    prefix_stop = prefix_end(prefix) if prefix else None
    stop_key = key(prefix_stop) if prefix_stop is not None else None

    items: list = []
    prefixes: List[str] = []
    count = 0
    last: Optional[str] = None
    truncated = False
    while True:
        restart = None
        for name, record in scan(start, inclusive):
            nkey = key(name)
            if (end_key is not None and nkey >= end_key) or (
                    stop_key is not None and nkey >= stop_key):
                break
            if count >= limit:
                truncated = True
                break
            if delimiter:
                cut = name.find(delimiter, len(prefix))
                if cut >= 0:
                    common = name[:cut + len(delimiter)]
                    if common != marker:
                        prefixes.append(common)
                        count += 1
                        last = common
                    restart = prefix_end(common)
                    break
            items.append(record)
            count += 1
            last = name
        if restart is None or truncated:
            break
        start, inclusive = restart, True
    return ListPage(items, prefixes, truncated, last if truncated else None)


def merge_listing(objects: Sequence[Any], prefixes: Sequence[str]) -> Iterator[Any]:
    """Objects (each with a ``name``) and common prefixes (plain strings),
    in name order."""
    i = j = 0
    while i < len(objects) or j < len(prefixes):
        if j >= len(prefixes) or (i < len(objects)
                                  and name_key(objects[i].name) < name_key(prefixes[j])):
            yield objects[i]
            i += 1
        else:
            yield prefixes[j]
            j += 1
