"""Resuming an upload that a killed process left unfinished.

An interrupted S3 multipart upload, or the segments of an interrupted Swift
static large object, holds parts that are already stored.  A new upload of
the same object (``object_create(..., resume=True)``) may reuse them instead
of sending them again, on two conditions:

* the stored parts follow the new upload's plan (:func:`plan_resume`): same
  part size, no part beyond the end.  When they do not (the interrupted
  upload used another part size), nothing can be reused and the backend
  drops the old upload and starts over;
* each stored part's checksum matches the local bytes of that part
  (:class:`PartCheck`): its MD5 (an S3 part's ETag, a Swift segment's hash)
  or the additional checksum the engine sent with it (S3's CRC32, SHA-256
  ...).  A part that does not match is sent again.

The bytes of every part are read locally either way (the whole object's MD5
needs them); only the network transfer is saved.  This module is pure logic,
tested without any server.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any, Dict, Iterable, Optional, Tuple

import attrs

from ..integrity import new_hasher

__all__ = ["StoredPart", "PartCheck", "plan_resume"]


@attrs.frozen
class StoredPart:
    """A part that an unfinished upload stored on the server.

    :param index: 0-based, as :class:`~objclient.transfer.engine.Part`.
    :param size: its size in bytes, as the server reports it.
    :param md5: hex MD5 of its bytes (an S3 part's plain ETag, a Swift
        segment's hash), when the server says it.
    :param checksum: ``(algorithm, base64 value)`` the server kept for it.
    :param result: what the backend's ``send`` would have returned for this
        part, given back when the part is reused.
    """

    index: int
    size: int
    md5: Optional[str] = None
    checksum: Optional[Tuple[str, str]] = None
    result: Any = attrs.field(default=None, eq=False)

    def matches(self, data: bytes) -> bool:
        """Whether ``data`` (the local bytes of this part) is what is stored."""
        check = PartCheck(self)
        check.update(data)
        return check.matches()


class PartCheck:
    """Hashes the local bytes of a part as they are read, then says whether
    they are the stored part's (the same size and checksum).

    The additional checksum is preferred to the MD5 when the server kept
    one (a CRC32 costs a quarter of an MD5); a part with neither can never
    be checked, so it never matches and is sent again.
    """

    def __init__(self, stored: StoredPart) -> None:
        self.stored = stored
        self.size = 0
        self._hasher: Any = None
        if stored.checksum is not None:
            self._hasher = new_hasher(stored.checksum[0])
        elif stored.md5:
            self._hasher = hashlib.md5()

    def update(self, block: bytes) -> None:
        """Add the next local bytes of the part."""
        self.size += len(block)
        if self._hasher is not None:
            self._hasher.update(block)

    def matches(self) -> bool:
        """True when the bytes given so far are the stored part."""
        stored = self.stored
        if self._hasher is None or self.size != stored.size:
            return False
        if stored.checksum is not None:
            got = base64.b64encode(self._hasher.digest()).decode("ascii")
            return got == stored.checksum[1]
        return bool(self._hasher.hexdigest() == (stored.md5 or "").lower())


def _planned_size(index: int, total: Optional[int], part_size: int) -> Optional[int]:
    """The size of part ``index`` in the plan (None: no such part)."""
    if index < 0:
        return None
    if total is None:
        return part_size
    offset = index * part_size
    if offset >= total:
        return 0 if total == 0 and index == 0 else None
    return min(part_size, total - offset)


def plan_resume(total: Optional[int], part_size: int,
                stored: Iterable[StoredPart]) -> Optional[Dict[int, StoredPart]]:
    """The stored parts a new upload may reuse, by index, each still to be
    checked against the local bytes (:meth:`StoredPart.matches`).

    :param total: the object's size (None when unknown: every part is then
        planned at ``part_size``, and a shorter stored part cannot be placed).
    :param part_size: the part size the new upload will use (after any
        growth to fit the server's part limit).
    :returns: None when a stored part does not fit the plan (another part
        size, or past the end): the old upload cannot be resumed and must be
        dropped.
    """
    out: Dict[int, StoredPart] = {}
    for part in stored:
        if part.size != _planned_size(part.index, total, part_size) or part.index in out:
            return None
        out[part.index] = part
    return out
