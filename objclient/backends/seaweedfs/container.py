"""SeaweedFS backend: containers as filer directories, objects as filer files.

A container is ``ROOT/<account>/<container>/``; its objects are the files
below it, named as :mod:`.names` explains (flat, order-preserving encoded
names; long names split over ``+``-suffixed directories).  Listings walk
the filer's own sorted listing with ``lastFileName`` paging and apply
:func:`objclient.listing.list_page`, so prefix, delimiter, marker and
end_marker behave exactly as on every other backend.  Properties are the
filer's extended attributes, changed in place with ``?tagging`` (the data
is not rewritten).

Counters: the filer keeps none, so ``show`` counts by walking the listing,
up to ``COUNT_LIMIT`` objects; past that ``objects`` and ``bytes`` are None
(unknown: a partial count would be a wrong number), and
``extra["counts_exact"]`` is False.  (The master's per-collection volume
statistics are no substitute: they lag by a heartbeat, count needles, not
objects, include needle overhead and deleted data not yet vacuumed, and miss
small files the filer keeps inline.)
"""

from __future__ import annotations

from typing import (TYPE_CHECKING, Any, Dict, Iterator, List, Mapping, Optional, Sequence,
                    Tuple)

from ...contract import DEFAULT_OPTS, CallOptions, ContainerClient
from ...exceptions import (ClientError, ContainerNotEmpty, InvalidArgument, NoSuchContainer,
                           NoSuchObject, NotFound)
from ...listing import list_page
from ...models import ContainerInfo, ObjectInfo, ObjectListing
from .account import NOT_COUNTED
from .filer import entry_to_info, parse_time
from .names import decode_name, encode_name, extended_to_properties, object_parts

if TYPE_CHECKING:  # pragma: no cover
    from . import SeaweedBackend

__all__ = ["SeaweedContainerClient", "COUNT_LIMIT"]

#: Most objects ``show`` walks to count a container.
COUNT_LIMIT = 10000
_PAGE_MAX = 1000


def _no_versions(version: Optional[Any]) -> None:
    if version is not None:
        raise InvalidArgument("the seaweedfs backend keeps no object versions")


class SeaweedContainerClient(ContainerClient):
    """Containers and object metadata on the filer."""

    backend: "SeaweedBackend"

    # -- paths -------------------------------------------------------------------------
    @staticmethod
    def levels(account: str, container: str) -> Tuple[str, ...]:
        """Filer path levels (below the root) of a container's directory."""
        return (encode_name(account), encode_name(container))

    def object_levels(self, account: str, container: str, obj: str) -> Tuple[str, ...]:
        """Filer path levels of an object's file."""
        return self.levels(account, container) + tuple(object_parts(encode_name(obj)))

    def not_found(self, account: str, container: str, obj: str,
                  opts: CallOptions) -> NotFound:
        """The right error for an object the filer did not find."""
        if self.backend.filer.stat(self.levels(account, container), opts) is None:
            return NoSuchContainer(f"container {container!r} does not exist in "
                                   f"account {account!r}")
        return NoSuchObject(f"object {obj!r} does not exist in container {container!r}")

    def _dir(self, account: str, container: str, opts: CallOptions) -> Dict[str, Any]:
        entry = self.backend.filer.stat(self.levels(account, container), opts)
        if entry is None:
            raise NoSuchContainer(f"container {container!r} does not exist in "
                                  f"account {account!r}")
        return entry

    def scan(self, account: str, container: str, page: int, opts: CallOptions) -> Any:
        """A ``scan(start, inclusive)`` over the container for :func:`list_page`."""
        levels = self.levels(account, container)
        filer = self.backend.filer

        def scan(start: Optional[str], inclusive: bool) -> Iterator[Tuple[str, Any]]:
            enc = encode_name(start) if start is not None else None
            try:
                for encoded, entry in filer.walk(levels, enc, inclusive, page, opts):
                    name = decode_name(encoded)
                    if name is not None:
                        yield name, (name, entry)
            except NotFound:
                raise NoSuchContainer(f"container {container!r} does not exist in "
                                      f"account {account!r}") from None

        return scan

    # -- containers ----------------------------------------------------------------------
    def create(self, account: str, container: str, *, properties: Mapping[str, str],
               system: Mapping[str, str], opts: CallOptions = DEFAULT_OPTS) -> bool:
        levels = self.levels(account, container)
        filer = self.backend.filer
        if filer.stat(levels, opts) is not None:
            return False
        filer.mkdir(levels, opts)
        filer.set_properties(levels, properties, opts)
        return True

    def delete(self, account: str, container: str, opts: CallOptions = DEFAULT_OPTS) -> None:
        self._dir(account, container, opts)
        for _name, _entry in self.scan(account, container, 1, opts)(None, False):
            raise ContainerNotEmpty(f"container {container!r} is not empty")
        # Only empty directories of long names can be left: remove them too.
        try:
            self.backend.filer.delete(self.levels(account, container), opts, recursive=True)
        except NotFound:
            raise NoSuchContainer(f"container {container!r} does not exist in "
                                  f"account {account!r}") from None

    def show(self, account: str, container: str,
             opts: CallOptions = DEFAULT_OPTS) -> ContainerInfo:
        entry = self._dir(account, container, opts)
        objects, size = self._count(account, container, opts)
        system = {k: v for k, v in (("replication", self.backend.replication),
                                    ("collection", self.backend.collection)) if v}
        return ContainerInfo(
            name=container, account=account, objects=NOT_COUNTED if objects is None else objects,
            bytes=NOT_COUNTED if size is None else size,
            ctime=parse_time(entry.get("Crtime")), mtime=parse_time(entry.get("Mtime")),
            properties=extended_to_properties(entry.get("Extended"), b64=True),
            system=system, extra={"counts_exact": objects is not None})

    def _count(self, account: str, container: str,
               opts: CallOptions) -> Tuple[Optional[int], Optional[int]]:
        """``(objects, bytes)`` walked from the listing; ``(None, None)`` past
        ``COUNT_LIMIT`` objects."""
        objects = size = 0
        for _name, (_same, obj_entry) in self.scan(account, container, _PAGE_MAX,
                                                    opts)(None, False):
            if objects >= COUNT_LIMIT:
                return None, None
            objects += 1
            size += int(obj_entry.get("FileSize") or 0)
        return objects, size

    def update(self, account: str, container: str, *, set_properties: Mapping[str, str],
               del_properties: Sequence[str], system: Mapping[str, str], clear: bool,
               opts: CallOptions = DEFAULT_OPTS) -> None:
        entry = self._dir(account, container, opts)
        self.update_properties(self.levels(account, container), entry, set_properties,
                           del_properties, clear, opts)

    def update_properties(self, levels: Tuple[str, ...], entry: Mapping[str, Any],
                          set_properties: Mapping[str, str], del_properties: Sequence[str],
                          clear: bool, opts: CallOptions) -> None:
        """Change the extended attributes of a filer entry (object, container
        or account directory), checking the result against the name rules."""
        current = extended_to_properties(entry.get("Extended"), b64=True)
        doomed = set(del_properties)
        if clear:
            doomed |= set(current)
        doomed = {k for k in doomed if k in current and k not in set_properties}
        merged = {k: v for k, v in current.items() if k not in doomed}
        merged.update(set_properties)
        self.backend.names.check_properties(merged)
        filer = self.backend.filer
        filer.set_properties(levels, set_properties, opts)
        filer.del_properties(levels, sorted(doomed), opts)

    # -- objects --------------------------------------------------------------------------
    def content_list(self, account: str, container: str, *, prefix: Optional[str],
                     delimiter: Optional[str], marker: Optional[str],
                     end_marker: Optional[str], limit: int, versions: bool,
                     deleted: bool, properties: bool,
                     opts: CallOptions = DEFAULT_OPTS) -> ObjectListing:
        page_size = max(16, min(_PAGE_MAX, limit + 1))
        page = list_page(self.scan(account, container, page_size, opts), prefix=prefix or "",
                         delimiter=delimiter, marker=marker, end_marker=end_marker,
                         limit=limit)
        if not page.items and not page.prefixes:
            self._dir(account, container, opts)  # an empty listing of a missing container
        objects: List[ObjectInfo] = [entry_to_info(entry, name, account, container, properties)
                                     for name, entry in page.items]
        return ObjectListing(objects=objects, prefixes=page.prefixes,
                             truncated=page.truncated, next_marker=page.next_marker)

    def entry(self, account: str, container: str, obj: str, version: Optional[Any],
              opts: CallOptions) -> Tuple[Dict[str, Any], ObjectInfo]:
        """An object's filer entry (with its chunks) and its metadata."""
        _no_versions(version)
        entry = self.backend.filer.stat(self.object_levels(account, container, obj), opts)
        if entry is None or "Mode" in entry and int(entry["Mode"]) & (1 << 31):
            raise self.not_found(account, container, obj, opts)
        return entry, entry_to_info(entry, obj, account, container)

    def content_show(self, account: str, container: str, obj: str,
                     version: Optional[Any] = None,
                     opts: CallOptions = DEFAULT_OPTS) -> ObjectInfo:
        return self.entry(account, container, obj, version, opts)[1]

    def content_update(self, account: str, container: str, obj: str, *,
                       version: Optional[Any], set_properties: Mapping[str, str],
                       del_properties: Sequence[str], clear: bool,
                       opts: CallOptions = DEFAULT_OPTS) -> None:
        entry, _info = self.entry(account, container, obj, version, opts)
        self.update_properties(self.object_levels(account, container, obj), entry,
                           set_properties, del_properties, clear, opts)

    def content_delete(self, account: str, container: str, obj: str,
                       version: Optional[Any] = None,
                       opts: CallOptions = DEFAULT_OPTS) -> Tuple[bool, Optional[Any]]:
        _no_versions(version)
        levels = self.object_levels(account, container, obj)
        # The filer answers 204 to a DELETE of nothing: look first.
        entry = self.backend.filer.stat(levels, opts)
        if entry is None or int(entry.get("Mode") or 0) & (1 << 31):
            raise self.not_found(account, container, obj, opts)
        self.backend.filer.delete(levels, opts)
        # A long name leaves directories behind: drop them while empty (the
        # filer refuses to delete a directory that is not).
        base = len(self.levels(account, container))
        for end in range(len(levels) - 1, base, -1):
            try:
                self.backend.filer.delete(levels[:end], opts, retry=False)
            except ClientError:
                break
        return False, None

    def content_link(self, target_account: str, target_container: str, target_obj: str,
                     link_account: str, link_container: str, link_obj: str, *,
                     target_version: Optional[Any], properties_directive: str,
                     properties: Optional[Mapping[str, str]], target_size: Optional[int] = None,
                     opts: CallOptions = DEFAULT_OPTS) -> ObjectInfo:
        """A server-side copy by the filer (``?cp.from=``): it writes new
        chunks on the volume servers, keeps the MD5, type and extended
        attributes; the bytes never pass through this client."""
        self.entry(target_account, target_container, target_obj, target_version, opts)
        self._dir(link_account, link_container, opts)
        filer = self.backend.filer
        source = "/" + "/".join(self.backend.root + self.object_levels(
            target_account, target_container, target_obj))
        levels = self.object_levels(link_account, link_container, link_obj)
        self.http.request("POST", filer.url(levels), params={"cp.from": source},
                          headers=dict(opts.headers), **opts.http_kwargs("filer"))
        if properties_directive == "REPLACE":
            entry, _info = self.entry(link_account, link_container, link_obj, None, opts)
            self.update_properties(levels, entry, dict(properties or {}), (), True, opts)
        return self.content_show(link_account, link_container, link_obj, None, opts)
