"""MictlanX backend: object bytes (chunked replicated puts, verified reads)."""

from __future__ import annotations

import time
from typing import Any, Iterator, List, Mapping, Optional, Sequence, Tuple

from ...contract import DEFAULT_OPTS, BlobClient, CallOptions, Range
from ...exceptions import NotSupported, ServerError
from ...models import ChunkInfo, ObjectInfo
from ...source import Source
from ...streaming import ChunkStream
from .client import LowLevelAccess
from .container import ball_to_info

__all__ = ["MictlanXBlobClient", "BallStream", "CACHE_FILL_LIMIT"]

#: Whole reads up to this size fill the read cache as they are streamed.
CACHE_FILL_LIMIT = 4 * 1024 * 1024


class BallStream(ChunkStream):
    """The bytes of a ball as an iterator of chunks, also file-like.

    Chunks are fetched ahead by worker threads and checked (sha256 per chunk,
    then the whole ball's sha256 and MD5 at the end); ``close()`` stops the
    prefetching.
    """

    def __init__(self, pieces: Iterator[bytes]) -> None:
        self._pieces = pieces

    def _generate(self) -> Iterator[bytes]:
        try:
            yield from self._pieces
        finally:
            self.close()

    def _release(self) -> None:
        close = getattr(self._pieces, "close", None)
        if close is not None:
            close()


class MictlanXBlobClient(LowLevelAccess, BlobClient):
    """Uploads as chunked replicated puts; downloads reassemble chunks in order."""

    def upload(self, account: str, container: str, obj: str, source: Source, *,
               mime_type: Optional[str], properties: Mapping[str, str],
               etag: Optional[str], append: bool, policy: Optional[str],
               autocreate: bool, container_properties: Optional[Mapping[str, str]],
               opts: CallOptions = DEFAULT_OPTS) -> Tuple[ObjectInfo, List[ChunkInfo]]:
        backend = self.backend
        backend.container.ensure(account, container, autocreate, container_properties, opts)
        bucket, ball = backend.bucket_of(container), backend.ball_of(obj)
        result = self.mictlanx.put_stream(
            bucket, ball, source, tags=properties,
            content_type=mime_type or "application/octet-stream", expected_md5=etag,
            opts=opts)
        now = time.time()
        info = ObjectInfo(
            name=obj, size=result.size, hash=result.md5, hash_method="md5",
            mime_type=mime_type or "application/octet-stream", ctime=now, mtime=now,
            properties=dict(properties), chunk_method=f"mictlanx/chunks={len(result.chunks)}",
            id=ball, container=container, account=account,
            extra={"sha256": result.checksum, "bucket_id": bucket})
        chunks = [ChunkInfo(url=f"mictlanx://{bucket}/{c.key}", pos=str(c.index), size=c.size,
                            extra={"replicas": list(c.replicas), "attempts": c.attempts})
                  for c in result.chunks]
        return info, chunks

    def download(self, account: str, container: str, obj: str, *,
                 version: Optional[Any], ranges: Optional[Sequence[Range]],
                 opts: CallOptions = DEFAULT_OPTS) -> Tuple[ObjectInfo, Any]:
        if version is not None:
            raise NotSupported("MictlanX keeps no object versions", capability="versioning",
                               backend="mictlanx")
        info = self.backend.ball_info(account, container, obj, opts)
        meta = ball_to_info(info, obj, account, container)
        client = self.mictlanx
        if ranges:
            return meta, BallStream(client.iter_ball(info, ranges=list(ranges), opts=opts))
        if not info.complete:
            raise ServerError(f"object {obj!r} lacks chunks ({len(info.chunks)} of "
                              f"{info.num_chunks} found)")
        cached = client.cache.get(info.bucket_id, info.ball_id, info.checksum) \
            if info.checksum else None
        if cached is not None:
            return meta, BallStream(iter([cached] if cached else []))
        pieces = client.iter_ball(info, opts=opts)
        if info.checksum and 0 < info.size <= min(CACHE_FILL_LIMIT, client.cache.capacity):
            pieces = _filling(pieces, client.cache, info.bucket_id, info.ball_id, info.checksum)
        return meta, BallStream(pieces)


def _filling(pieces: Iterator[bytes], cache: Any, bucket: str, ball: str,
             checksum: str) -> Iterator[bytes]:
    """Pass pieces through; once all were read (and verified), cache them."""
    parts = []
    for piece in pieces:
        parts.append(piece)
        yield piece
    cache.put(bucket, ball, checksum, b"".join(parts))
