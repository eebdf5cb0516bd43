"""Whether a destination object already holds its source: the compare modes.

* ``"mtime"`` (the default, rclone's): the same size and the same
  modification time.  The time travels with each copy as the ``mtime``
  property (seconds since the epoch, as rclone stores it in
  ``X-Object-Meta-Mtime`` / ``x-amz-meta-mtime``).  Where the destination's
  listing carries properties (a folder, the local backend, OpenIO) the two
  times are compared; where it does not (S3, Swift, SeaweedFS, ReductStore,
  MictlanX list names, sizes, hashes and the server's time only) no HEAD is
  sent: a destination whose server time is not older than the source's
  time was written after the source last changed, and is taken as current.
* ``"size"``: the same size.
* ``"checksum"``: the same size and the same hash, when both sides have a
  hash of one kind (an MD5 on most backends; a folder's MD5 is computed by
  the checkers).  When they have none in common (an S3 multipart ETag
  against an MD5, a Swift SLO's ETag) the sizes decide, as rclone does.

``update`` (rclone's ``--update``) leaves alone a destination that is newer
than its source.  Pure logic, tested without any server.
"""

from __future__ import annotations

from typing import Optional

from ...models import ObjectInfo

__all__ = ["MODES", "MTIME_PROPERTY", "source_time", "needs_copy", "comparable_hash"]

MODES = ("mtime", "size", "checksum")

#: The property that carries an object's modification time.
MTIME_PROPERTY = "mtime"

#: Two times this close (seconds) are the same: the stored property keeps
#: microseconds, a server's own time (S3's Last-Modified) whole seconds.
PRECISE_WINDOW = 0.001
SERVER_WINDOW = 1.0


def source_time(info: ObjectInfo) -> Optional[float]:
    """An object's modification time: its ``mtime`` property when it has one
    (set by a sync, or by rclone), else the store's own time."""
    value = info.properties.get(MTIME_PROPERTY) if info.properties else None
    if value:
        try:
            return float(value)
        except ValueError:
            pass
    return info.mtime


def _stored_time(info: ObjectInfo) -> Optional[float]:
    value = info.properties.get(MTIME_PROPERTY) if info.properties else None
    try:
        return float(value) if value else None
    except ValueError:
        return None


def comparable_hash(info: ObjectInfo) -> Optional[str]:
    """``"method:value"`` of an object's hash, None when it has none that
    another object's can be compared with (a multipart ETag)."""
    if not info.hash:
        return None
    method = info.hash_method or "md5"
    if method == "md5" and len(info.hash) != 32:
        return None
    return f"{method}:{info.hash.lower()}"


def needs_copy(src: ObjectInfo, dst: Optional[ObjectInfo], mode: str = "mtime",
               update: bool = False) -> bool:
    """Whether ``src`` must be copied over ``dst`` (None: absent).

    :param mode: ``"mtime"``, ``"size"`` or ``"checksum"`` (see the module).
    :param update: never overwrite a destination newer than the source.
    """
    if dst is None:
        return True
    src_time = source_time(src)
    if update and src_time is not None:
        dst_time = source_time(dst)
        if dst_time is not None and dst_time > src_time + _window(dst):
            return False
    if src.size != dst.size:
        return True
    if mode == "size":
        return False
    if mode == "checksum":
        a, b = comparable_hash(src), comparable_hash(dst)
        return a is not None and b is not None and a.split(":")[0] == b.split(":")[0] \
            and a != b
    return not _same_time(src_time, dst)


def _window(dst: ObjectInfo) -> float:
    return PRECISE_WINDOW if _stored_time(dst) is not None else SERVER_WINDOW


def _same_time(src_time: Optional[float], dst: ObjectInfo) -> bool:
    if src_time is None:
        return True
    stored = _stored_time(dst)
    if stored is not None:
        return abs(stored - src_time) <= PRECISE_WINDOW
    if dst.mtime is None:
        return True
    return dst.mtime >= src_time - SERVER_WINDOW
