"""What the MictlanX low-level client returns: small frozen attrs models.

The router speaks of *chunk objects*: every chunk ``"{ball_id}_{index}"`` of
a ball has its own metadata record (:class:`ChunkMeta`).  :class:`BallInfo`
is a ball put back together from those records.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional

import attrs

from .names import parse_chunk_key, user_tags

__all__ = ["ChunkMeta", "BallInfo", "ChunkOutcome", "PutResult", "BulkItem",
           "BulkFailure", "BulkResult", "DeleteBucketResponse", "DeleteBucketResult",
           "DeletedByKeyResponse", "GetRouterBucketMetadataResponse", "GetMetadataResponse",
           "Chunk", "ball_from_records", "dedupe_records"]


def _str_tags(value: Optional[Mapping[str, Any]]) -> Dict[str, str]:
    return {str(k): str(v) for k, v in (value or {}).items()}


@attrs.frozen
class ChunkMeta:
    """One chunk object's metadata record (the router's ``Metadata``)."""

    key: str
    ball_id: str
    bucket_id: str = ""
    size: int = 0
    checksum: str = ""
    tags: Dict[str, str] = attrs.field(factory=dict, converter=_str_tags)
    content_type: str = "application/octet-stream"
    producer_id: str = ""
    is_disabled: bool = False

    @classmethod
    def from_json(cls, doc: Mapping[str, Any], bucket_id: str = "") -> "ChunkMeta":
        """Build from the router's JSON ``Metadata``."""
        return cls(key=str(doc.get("key", "")), ball_id=str(doc.get("ball_id") or ""),
                   bucket_id=str(doc.get("bucket_id") or bucket_id),
                   size=int(doc.get("size") or 0), checksum=str(doc.get("checksum") or ""),
                   tags=doc.get("tags") or {},
                   content_type=str(doc.get("content_type") or "application/octet-stream"),
                   producer_id=str(doc.get("producer_id") or ""),
                   is_disabled=bool(doc.get("is_disabled", False)))

    @property
    def index(self) -> Optional[int]:
        """The chunk's position in its ball (tag ``index``, else the key's suffix)."""
        value = self.tags.get("index")
        if value is not None and value.isdigit():
            return int(value)
        parsed = parse_chunk_key(self.key)
        return parsed[1] if parsed and parsed[0] == self.ball_id else None

    @property
    def updated_at(self) -> int:
        """Tag ``updated_at`` (ns since the epoch), -1 when absent."""
        try:
            return int(self.tags.get("updated_at", "-1"))
        except ValueError:
            return -1

    def to_dto(self, replication_factor: int) -> Dict[str, Any]:
        """The router's ``PutMetadataDTO`` for this record."""
        return {"bucket_id": self.bucket_id, "key": self.key, "ball_id": self.ball_id,
                "checksum": self.checksum, "size": self.size, "tags": dict(self.tags),
                "producer_id": self.producer_id, "content_type": self.content_type,
                "is_disabled": self.is_disabled, "replication_factor": replication_factor}


@attrs.frozen
class BallInfo:
    """A ball assembled from its chunk records.

    :param chunks: the records of chunks ``0 .. num_chunks-1`` in order
        (only those found; see :attr:`complete`).
    :param size: the ball's size in bytes.
    :param checksum: sha256 of the whole ball (tag ``full_checksum``), if known.
    :param md5: hex MD5 of the whole ball (objclient's tag), if known.
    :param tags: chunk 0's tags (user properties and system tags).
    """

    bucket_id: str
    ball_id: str
    num_chunks: int
    size: int
    chunks: List[ChunkMeta]
    checksum: Optional[str] = None
    md5: Optional[str] = None
    content_type: str = "application/octet-stream"
    tags: Dict[str, str] = attrs.field(factory=dict)
    mtime: Optional[float] = None

    @property
    def complete(self) -> bool:
        """Whether every chunk record is present."""
        return len(self.chunks) == self.num_chunks

    @property
    def properties(self) -> Dict[str, str]:
        """User tags of the ball (chunk 0's tags without system tags)."""
        return user_tags(self.tags)


def dedupe_records(records: List[ChunkMeta]) -> List[ChunkMeta]:
    """One record per key, keeping the newest ``updated_at`` (the router lists
    one record per replica)."""
    best: Dict[str, ChunkMeta] = {}
    for rec in records:
        cur = best.get(rec.key)
        if cur is None or rec.updated_at > cur.updated_at:
            best[rec.key] = rec
    return list(best.values())


def ball_from_records(bucket_id: str, ball_id: str,
                      records: List[ChunkMeta]) -> Optional[BallInfo]:
    """A :class:`BallInfo` from chunk records, or None without a chunk 0.

    Chunks at or beyond chunk 0's ``num_chunks`` (left by an older, longer
    version) are ignored.
    """
    by_index: Dict[int, ChunkMeta] = {}
    for rec in dedupe_records([r for r in records if r.ball_id == ball_id]):
        index = rec.index
        if index is not None and not rec.is_disabled:
            by_index[index] = rec
    first = by_index.get(0)
    if first is None:
        return None
    try:
        count = int(first.tags.get("num_chunks", "0")) or len(by_index)
    except ValueError:
        count = len(by_index)
    chunks = []
    for i in range(count):
        if i not in by_index:
            break
        chunks.append(by_index[i])
    size_tag = first.tags.get("objclient_size")
    size = int(size_tag) if size_tag and size_tag.isdigit() else sum(c.size for c in chunks)
    mtime = first.updated_at / 1e9 if first.updated_at > 0 else None
    return BallInfo(bucket_id=bucket_id, ball_id=ball_id, num_chunks=count, size=size,
                    chunks=chunks, checksum=first.tags.get("full_checksum") or None,
                    md5=first.tags.get("objclient_md5") or None,
                    content_type=first.content_type, tags=dict(first.tags), mtime=mtime)


@attrs.frozen
class ChunkOutcome:
    """How the upload of one chunk went.

    :param error: the last error when ``ok`` is False.
    :param created: this put created the chunk's record.
    """

    index: int
    key: str
    ok: bool
    attempts: int
    size: int = 0
    replicas: List[str] = attrs.field(factory=list)
    error: Optional[Exception] = attrs.field(default=None, eq=False)
    #: Whether this put created the chunk's record (only such records are
    #: deleted when the put fails).
    created: bool = False


@attrs.frozen
class PutResult:
    """The result of a ball put: per-chunk outcomes and the ball's checksums."""

    bucket_id: str
    key: str
    size: int
    checksum: str
    md5: str
    chunks: List[ChunkOutcome]

    @property
    def ok(self) -> bool:
        """True when every chunk was stored."""
        return all(c.ok for c in self.chunks)


@attrs.frozen
class BulkItem:
    """One ball of :meth:`MictlanXClient.put_bulk`: ``value`` bytes or a ``path``.

    ``rf``/``chunk_size``/``tags`` default to the call's (or client's) values.
    """

    bucket_id: str
    key: str
    value: Optional[bytes] = None
    path: Optional[str] = None
    tags: Dict[str, str] = attrs.field(factory=dict)
    rf: Optional[int] = None
    chunk_size: Optional[Any] = None
    content_type: Optional[str] = None


@attrs.frozen
class BulkFailure:
    """An item of a bulk put that failed, with its error."""

    item: BulkItem
    error: Exception = attrs.field(eq=False)


@attrs.frozen
class BulkResult:
    """Successes and failures of :meth:`MictlanXClient.put_bulk`."""

    successes: List[PutResult]
    failures: List[BulkFailure]
    skipped: List[BulkItem] = attrs.field(factory=list)

    @property
    def uploaded_size(self) -> int:
        """Bytes stored by the successful items."""
        return sum(r.size for r in self.successes)


@attrs.frozen
class DeleteBucketResponse:
    """What :meth:`MictlanXClient.delete_bucket` removed (the official
    client's ``DeleteBucketResponse``, same fields).

    :param deleted: chunk objects deleted; ``failed`` those that could not be.
    :param total: chunk objects listed.
    :param keys: their keys (the official client leaves this list empty).
    :param response_time: seconds the call took.
    """

    bucket_id: str
    deleted: int
    failed: int
    total: int
    keys: List[str] = attrs.field(factory=list)
    response_time: float = 0.0


#: The name this model had before it took the official client's.
DeleteBucketResult = DeleteBucketResponse


@attrs.frozen
class DeletedByKeyResponse:
    """What :meth:`MictlanXClient.delete_by_key` did (the official client's
    ``DeletedByKeyResponse``): ``n_deletes`` summed over routers (0 when the
    key had no replica) and the ``key`` asked for."""

    n_deletes: int
    key: str


@attrs.frozen
class GetRouterBucketMetadataResponse:
    """A bucket's chunk records as the router lists them (the official
    client's ``GetRouterBucketMetadataResponse``).

    :param balls: every record the router sent, in its order; a key may
        appear more than once (the router re-appends per peer, see
        :func:`dedupe_records`).
    """

    bucket_id: str
    peers_ids: List[str]
    balls: List[ChunkMeta]


@attrs.frozen
class GetMetadataResponse:
    """One chunk object's record as a router answers it (the official
    client's ``GetMetadataResponse``)."""

    service_time: float
    peer_id: str
    local_peer_id: str
    metadata: ChunkMeta

    @classmethod
    def from_json(cls, doc: Mapping[str, Any], bucket_id: str = "") -> "GetMetadataResponse":
        """Build from the router's JSON answer."""
        return cls(service_time=float(doc.get("service_time") or 0.0),
                   peer_id=str(doc.get("peer_id") or ""),
                   local_peer_id=str(doc.get("local_peer_id") or ""),
                   metadata=ChunkMeta.from_json(doc.get("metadata") or {}, bucket_id))


@attrs.frozen
class Chunk:
    """One chunk of a ball, for :meth:`MictlanXClient.put_single_chunk` (the
    official client's ``mictlanx.utils.segmentation.Chunk``: ``group_id`` is
    the ball, ``chunk_id`` the chunk object's key, ``"{group_id}_{index}"``
    unless given)."""

    group_id: str
    index: int
    data: bytes = attrs.field(converter=bytes)
    chunk_id: str = attrs.field(default="")
    metadata: Dict[str, str] = attrs.field(factory=dict, converter=_str_tags)

    def __attrs_post_init__(self) -> None:
        if not self.chunk_id:
            object.__setattr__(self, "chunk_id", f"{self.group_id}_{self.index}")

    @property
    def size(self) -> int:
        """Bytes in the chunk."""
        return len(self.data)

    @classmethod
    def from_bytes(cls, group_id: str, index: int, data: bytes,
                   metadata: Optional[Mapping[str, str]] = None,
                   chunk_id: Optional[str] = None) -> "Chunk":
        """The official client's ``Chunk.from_bytes`` (``chunk_id`` a plain
        str or None, not an ``Option``)."""
        return cls(group_id=group_id, index=index, data=data, chunk_id=chunk_id or "",
                   metadata=dict(metadata or {}))
