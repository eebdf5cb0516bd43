"""Both sides of a sync, listed in UTF-8 byte order and merged as they are read.

:func:`side_listing` lists one side's objects under its prefix, within a key
range, as ``(relative name, info)`` (a side whose server lists in tree
order is walked a level at a time, see :mod:`.ordering`);
:func:`in_byte_order` checks the order
as it goes, so a backend that lists otherwise fails loudly instead of making
the merge copy or delete the wrong objects; :func:`merge_join` pairs the two
listings name by name.  Memory is one entry per side whatever the counts.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Optional, Tuple

from ...exceptions import ClientError, NotFound
from ...listing import name_key
from ...models import ObjectInfo
from .ordering import listing_order, tree_walk

__all__ = ["ListingOrderError", "Pair", "side_listing", "in_byte_order", "merge_join",
           "LISTS_PROPERTIES"]

Pair = Tuple[str, Optional[ObjectInfo], Optional[ObjectInfo]]

#: Backends whose listing carries each object's properties at no extra
#: request (the others would send a HEAD per object for them).
LISTS_PROPERTIES = frozenset({"folder", "local", "oio"})


class ListingOrderError(ClientError):
    """A listing was not in UTF-8 byte order: a merge join cannot trust it."""


def side_listing(loc: Any, after: Optional[str] = None,
                 upto: Optional[str] = None) -> Iterator[Tuple[str, ObjectInfo]]:
    """``(name relative to the prefix, info)`` of ``loc``'s objects whose
    relative name is after ``after`` and at most ``upto`` (None: no bound).

    A container that does not exist lists nothing.
    """
    stop = name_key(upto) if upto is not None else None
    cut = len(loc.prefix)
    try:
        for obj in _objects(loc, loc.prefix + after if after is not None else None):
            rel = obj.name[cut:]
            if stop is not None and name_key(rel) > stop:
                return
            yield rel, obj
    except NotFound:
        return


def _objects(loc: Any, marker: Optional[str]) -> Iterator[ObjectInfo]:
    """``loc``'s objects under its prefix after ``marker``, in byte order: a
    side whose server lists in tree order is walked a level at a time."""
    api = loc.api
    extra = {"properties": True} if api.backend in LISTS_PROPERTIES else {}

    def listed(prefix: str, delimiter: Optional[str], after: Optional[str]) -> Iterator[Any]:
        return api.object_list_iter(  # type: ignore[no-any-return]
            loc.account, loc.container, prefix=prefix or None, delimiter=delimiter,
            marker=after, **extra)

    if listing_order(api) == "tree":
        yield from tree_walk(lambda prefix, after: listed(prefix, "/", after), loc.prefix, marker)
        return
    for obj in listed(loc.prefix, None, marker):
        if not isinstance(obj, str):
            yield obj


def in_byte_order(entries: Iterable[Tuple[str, ObjectInfo]],
                  where: str) -> Iterator[Tuple[str, ObjectInfo]]:
    """``entries`` unchanged, checked to be in strictly increasing byte order.

    :raises ListingOrderError: a name came after a larger one.
    """
    last: Optional[bytes] = None
    for rel, info in entries:
        key = name_key(rel)
        if last is not None and key <= last:
            raise ListingOrderError(f"the listing of {where} is not in UTF-8 byte order "
                                    f"({rel!r} came after a larger name): sync cannot "
                                    "merge it (an S3 server that keeps keys as file "
                                    "paths, as SeaweedFS, needs path_keys=True)")
        last = key
        yield rel, info


def merge_join(src: Iterable[Tuple[str, ObjectInfo]],
               dst: Iterable[Tuple[str, ObjectInfo]]) -> Iterator[Pair]:
    """``(name, source info or None, destination info or None)`` for every
    name of either sorted listing, in order."""
    src_it, dst_it = iter(src), iter(dst)
    s = next(src_it, None)
    d = next(dst_it, None)
    while s is not None or d is not None:
        if d is None or (s is not None and name_key(s[0]) < name_key(d[0])):
            assert s is not None
            yield s[0], s[1], None
            s = next(src_it, None)
        elif s is None or name_key(d[0]) < name_key(s[0]):
            yield d[0], None, d[1]
            d = next(dst_it, None)
        else:
            yield s[0], s[1], d[1]
            s = next(src_it, None)
            d = next(dst_it, None)
