"""A side's listing in UTF-8 byte order, whatever order its server lists in.

A server that keeps keys as file paths (SeaweedFS's S3 gateway) lists in
directory-tree order: one path segment at a time, a directory ``a/`` sorted
as ``a``, so ``a/b`` comes before ``a b`` and ``a.b``, which sort before it
in bytes (``' '`` and ``'.'`` are below ``'/'``).  :func:`tree_walk` lists
such a side one level at a time (``delimiter="/"``) and emits each level in
byte order: a sub-directory ``d/`` is held back only until a sibling that
sorts after ``d/`` arrives (or the level ends), and is walked at that point.
What a level holds back is the directories whose name, followed by a
character below ``'/'``, starts the sibling being read: a few, whatever the
level's size.  Memory is one listing page and that handful per open level.
"""

from __future__ import annotations

import heapq
from typing import Any, Callable, Iterable, Iterator, List, Optional, Tuple, Union

from ...listing import name_key
from ...models import ObjectInfo

__all__ = ["listing_order", "tree_walk", "level_marker", "LevelLister"]

#: ``lister(prefix, marker)``: one level's objects (ObjectInfo) and
#: sub-directories (``str`` ending with ``/``) under ``prefix``, after
#: ``marker`` (every entry whose name sorts after it in bytes), in any order
#: in which a directory ``d/`` sorts as ``d``.
LevelLister = Callable[[str, Optional[str]], Iterable[Union[str, ObjectInfo]]]


def listing_order(api: Any) -> str:
    """``"bytes"`` or ``"tree"``: the order in which ``api`` lists names.

    An object that declares a ``listing_order`` attribute says so itself.
    Of objclient's backends only S3 with ``path_keys`` (a server that keeps
    keys as file paths: SeaweedFS) lists in tree order; local, Swift (and
    its s3api), SeaweedFS's filer backend (order-preserving encoded names)
    and the OpenIO, ReductStore and MictlanX clients list in byte order, as
    does a :class:`~objclient.transfer.FolderStore`.
    """
    declared = getattr(api, "listing_order", None)
    if declared is not None:
        return str(declared)
    if api.backend == "s3":
        names = getattr(getattr(api, "_backend", None), "names", None)
        if getattr(names, "path_keys", False):
            return "tree"
    return "bytes"


def level_marker(prefix: str, after: Optional[str]) -> Optional[str]:
    """The marker to list the level ``prefix`` from, for names after ``after``.

    It stops before the first character below ``'/'`` of ``after``'s
    segment at this level, so that no directory ``t/`` sorting after
    ``after`` in bytes while ``t`` sorts before it (``d/`` for ``d b``) is
    skipped, whatever the server makes of the marker.  None: from the start.
    """
    if after is None or not after.startswith(prefix):
        return None
    segment = after[len(prefix):].split("/", 1)[0]
    cut = next((i for i, ch in enumerate(segment) if ch < "/"), len(segment))
    return prefix + segment[:cut] if cut else None


def _wanted_dir(name: str, after: Optional[str]) -> bool:
    """Whether directory ``name`` may hold a name after ``after``."""
    return after is None or name_key(name) > name_key(after) or after.startswith(name)


def tree_walk(lister: LevelLister, prefix: str = "",
              after: Optional[str] = None) -> Iterator[ObjectInfo]:
    """Every object under ``prefix`` whose name sorts after ``after``, in
    UTF-8 byte order, read one level at a time from ``lister``."""
    after_key = name_key(after) if after is not None else None
    held: List[Tuple[bytes, str]] = []
    for entry in lister(prefix, level_marker(prefix, after)):
        name = entry if isinstance(entry, str) else entry.name
        key = name_key(name)
        while held and held[0][0] < key:
            yield from tree_walk(lister, heapq.heappop(held)[1], after)
        if isinstance(entry, str):
            if _wanted_dir(entry, after):
                heapq.heappush(held, (key, entry))
        elif after_key is None or key > after_key:
            yield entry
    while held:
        yield from tree_walk(lister, heapq.heappop(held)[1], after)
