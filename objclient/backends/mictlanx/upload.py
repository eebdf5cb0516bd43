"""What one MictlanX ball upload needs besides the network: its settings,
its running checksums, and the tags that describe the whole ball.

Pure values and functions, testable without a router.
"""

from __future__ import annotations

import hashlib
from typing import Any, Dict, Mapping

import attrs

from ...contract import CallOptions
from .models import ChunkMeta
from .names import chunk_key

__all__ = ["UploadPlan", "Checksums", "ChunkCreated", "whole_tags", "whole_tags_from",
           "whole_tags_of_file"]


@attrs.frozen
class UploadPlan:
    """The settings of one ball upload.

    :param whole: tags describing the whole ball when known before the
        upload (written on every chunk); else only chunk 0 carries them.
    :param stamp: the upload's start (ns); chunk ``i``'s ``updated_at`` is
        ``stamp + i``, so that the router lists chunk 0 first.
    """

    bucket: str
    ball: str
    size_each: int
    rf: int
    tries: int
    cap: float
    content_type: str
    user: Dict[str, str]
    whole: Dict[str, str]
    stamp: int
    opts: CallOptions

    def record(self, index: int, data: bytes, extra: Mapping[str, str],
               producer_id: str) -> ChunkMeta:
        """The metadata record of chunk ``index`` holding ``data``."""
        tags = {"index": str(index), "chunk_size": str(len(data)), "group_id": self.ball,
                "updated_at": str(self.stamp + index)}
        tags.update(self.user)
        tags.update(self.whole)
        tags.update(extra)
        return ChunkMeta(key=chunk_key(self.ball, index), ball_id=self.ball,
                         bucket_id=self.bucket, size=len(data),
                         checksum=hashlib.sha256(data).hexdigest(), tags=tags,
                         content_type=self.content_type, producer_id=producer_id)


class Checksums:
    """The sha256, MD5 and length of the bytes read so far."""

    def __init__(self) -> None:
        self.sha = hashlib.sha256()
        self.md5 = hashlib.md5()
        self.total = 0

    def add(self, block: bytes) -> bytes:
        """Account for ``block``; :returns: it unchanged."""
        self.sha.update(block)
        self.md5.update(block)
        self.total += len(block)
        return block


class ChunkCreated(Exception):
    """A chunk's record was created but its data upload failed with ``error``."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def whole_tags_from(sha_hex: str, md5_hex: str, size: int, num_chunks: int) -> Dict[str, str]:
    """The tags that describe a whole ball (the official client reads
    ``num_chunks`` and ``full_checksum``; objclient also its size and MD5)."""
    return {"num_chunks": str(num_chunks), "full_checksum": sha_hex,
            "objclient_size": str(size), "objclient_md5": md5_hex}


def whole_tags(value: bytes, num_chunks: int) -> Dict[str, str]:
    """:func:`whole_tags_from` for bytes in memory."""
    return whole_tags_from(hashlib.sha256(value).hexdigest(), hashlib.md5(value).hexdigest(),
                           len(value), num_chunks)


def whole_tags_of_file(fh: Any, size_each: int) -> Dict[str, str]:
    """:func:`whole_tags_from` for an open file, read once in blocks of
    ``size_each`` (the caller seeks back)."""
    sums = Checksums()
    while sums.add(fh.read(size_each)):
        pass
    count = max(1, -(-sums.total // size_each))
    return whole_tags_from(sums.sha.hexdigest(), sums.md5.hexdigest(), sums.total, count)
