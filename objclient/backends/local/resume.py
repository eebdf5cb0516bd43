"""Resumed local uploads: the temporary file a killed upload left, reused.

A resumed upload (``object_create(..., resume=True)``) writes to a temporary
file named after its container and object
(:meth:`~objclient.backends.local.store.LocalStore.resume_path`) instead of a
fresh one, so that the file a killed process left behind is found again.
Each block of the new data is compared with the bytes already at its offset
in that file: equal bytes are not written again; from the first difference
on, the file is cut and written anew, and it is cut to the new size at the
end.  The file is locked (``flock``) while it is used: a second upload of
the same object at the same time writes a fresh temporary file instead.
Such files are collected after a day, like the other temporary files.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from typing import Any, Iterator, Optional, Tuple

from .store import storage_errors

__all__ = ["resumable_file", "write_resumed"]


@contextlib.contextmanager
def resumable_file(path: str) -> Iterator[Optional[int]]:
    """A descriptor of ``path`` (created if missing) locked for this upload,
    or None when another upload holds it; closed (unlocked) at the end."""
    with storage_errors("opening the temporary file of a resumed upload"):
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if not _lock(fd, path):
            os.close(fd)
            fd = -1
        yield fd if fd >= 0 else None
    finally:
        if fd >= 0:
            os.close(fd)


def _lock(fd: int, path: str) -> bool:
    """Lock ``fd``; False when another process holds it, or when ``path`` no
    longer names that file (it was committed while this one waited)."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    try:
        return os.stat(path).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False


def write_resumed(fd: int, chunks: Any, fsync: bool) -> Tuple[int, str, int]:
    """Make the file of ``fd`` hold exactly ``chunks``, writing only the
    bytes it does not hold yet.

    :returns: ``(size, hex md5, bytes kept from the earlier upload)``.
    :raises InsufficientStorage: the disk filled up (the file stays, for
        the next resume).
    """
    md5 = hashlib.md5()
    with storage_errors("reading the temporary file of a resumed upload"):
        held = os.fstat(fd).st_size
    size = kept = 0
    for block in chunks:
        md5.update(block)
        if size < held and _holds(fd, size, block):
            kept += len(block)
        else:
            held = min(held, size)
            _write_at(fd, size, block)
        size += len(block)
    with storage_errors("writing object data"):
        os.ftruncate(fd, size)
        if fsync:
            os.fsync(fd)
    return size, md5.hexdigest(), kept


def _holds(fd: int, offset: int, block: bytes) -> bool:
    with storage_errors("reading the temporary file of a resumed upload"):
        return os.pread(fd, len(block), offset) == block


def _write_at(fd: int, offset: int, block: bytes) -> None:
    view = memoryview(block)
    with storage_errors("writing object data"):
        while view:
            written = os.pwrite(fd, view, offset)
            view = view[written:]
            offset += written
