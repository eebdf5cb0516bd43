"""Copy and sync between any two backends, streaming, with no temporary file.

A :class:`Location` names a place in a store: an API, an account, a
container and an optional prefix.  :func:`copy` streams one object from a
location to another; :func:`sync` makes the destination hold what the
source holds and reports what it did.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List, Optional, Tuple

import attrs

from ..exceptions import ClientError, NotFound
from ..models import ObjectInfo
from ..source import Source

__all__ = ["Location", "SyncReport", "copy", "sync"]


@attrs.frozen
class Location:
    """A container (and a prefix in it) of one API."""

    api: Any
    account: Optional[str]
    container: str
    prefix: str = ""

    def key(self, relative: str) -> str:
        """The object name of ``relative`` here."""
        return self.prefix + relative


@attrs.define
class SyncReport:
    """What :func:`sync` did: names copied, skipped, deleted and failed."""

    copied: List[str] = attrs.field(factory=list)
    skipped: List[str] = attrs.field(factory=list)
    deleted: List[str] = attrs.field(factory=list)
    failed: List[Tuple[str, str]] = attrs.field(factory=list)
    bytes_copied: int = 0

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-friendly summary."""
        return {"copied": len(self.copied), "skipped": len(self.skipped),
                "deleted": len(self.deleted), "failed": [list(f) for f in self.failed],
                "bytes_copied": self.bytes_copied}


def copy(src: Location, src_name: str, dst: Location, dst_name: str, *,
         verify: bool = True, resume: bool = False) -> ObjectInfo:
    """Stream one object from ``src`` to ``dst`` (any backends).

    Size, MIME type and properties travel with the data; the destination
    backend checks the MD5 when the source reported one.

    :param resume: reuse what an interrupted copy stored at ``dst`` (see
        ``object_create(..., resume=True)``; a folder ignores it).
    """
    info, stream = src.api.object_fetch(src.account, src.container, src_name)
    try:
        etag = info.hash if verify and (info.hash_method or "md5") == "md5" and info.hash \
            and len(info.hash) == 32 else None
        *_rest, meta = dst.api.object_create_ext(
            dst.account, dst.container, data=Source(stream, size=info.size),
            obj_name=dst_name, mime_type=info.mime_type, properties=dict(info.properties),
            etag=etag.lower() if etag else None, resume=resume)
    finally:
        stream.close()
    return meta  # type: ignore[no-any-return]


def _listing(loc: Location) -> Dict[str, ObjectInfo]:
    out = {}
    try:
        for obj in loc.api.object_list_iter(loc.account, loc.container,
                                            prefix=loc.prefix or None):
            out[obj.name[len(loc.prefix):]] = obj
    except NotFound:
        pass
    return out


_MODIFY_WINDOW = 1.0


def _same(a: ObjectInfo, b: ObjectInfo, checksum: bool) -> bool:
    if a.size != b.size:
        return False
    if checksum and a.hash and b.hash and a.hash_method == b.hash_method == "md5":
        return a.hash.lower() == b.hash.lower()
    if a.mtime is not None and b.mtime is not None:
        # Many servers keep whole seconds (S3's Last-Modified): allow that
        # much, as rclone's modify window does.
        return b.mtime >= a.mtime - _MODIFY_WINDOW
    return True


def sync(src: Location, dst: Location, *, delete: bool = False, checksum: bool = False,
         dry_run: bool = False, workers: int = 4,
         progress: Optional[Callable[[str, str], None]] = None,
         resume: bool = False) -> SyncReport:
    """Make ``dst`` hold what ``src`` holds.

    An object is copied when the destination lacks it, its size differs, or
    (``checksum=True``) its MD5 differs, else when the source is newer.  A
    sync that was interrupted skips what it already copied.

    :param delete: also delete destination objects the source lacks.
    :param dry_run: report what would be done, change nothing.
    :param progress: ``progress(action, name)`` after each object.
    :param resume: each copy reuses what an interrupted one stored (:func:`copy`).
    :returns: a :class:`SyncReport`; failures are reported, not raised.
    """
    report = SyncReport()
    lock = threading.Lock()
    src_objs = _listing(src)
    dst_objs = _listing(dst)
    if not dry_run:
        dst.api.container_create(dst.account, dst.container)
    todo = []
    for rel, info in src_objs.items():
        have = dst_objs.get(rel)
        if have is not None and _same(info, have, checksum):
            report.skipped.append(rel)
        else:
            todo.append(rel)

    def one(rel: str) -> None:
        try:
            if not dry_run:
                copy(src, src.key(rel), dst, dst.key(rel), resume=resume)
            with lock:
                report.copied.append(rel)
                report.bytes_copied += src_objs[rel].size
            if progress is not None:
                progress("copied", rel)
        except ClientError as err:
            with lock:
                report.failed.append((rel, str(err)))

    with ThreadPoolExecutor(max(1, workers)) as pool:
        list(pool.map(one, todo))
    if delete:
        extras = [rel for rel in dst_objs if rel not in src_objs]
        for rel in extras:
            try:
                if not dry_run:
                    dst.api.object_delete(dst.account, dst.container, dst.key(rel))
                report.deleted.append(rel)
            except ClientError as err:
                report.failed.append((rel, str(err)))
    report.copied.sort()
    return report
