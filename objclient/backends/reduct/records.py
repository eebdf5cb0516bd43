"""What the ReductStore client returns and takes: records, batches, settings."""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Tuple, Union

import attrs

from ...exceptions import (ClientError, InvalidArgument, NoSuchContainer, NoSuchObject,
                           class_for_status)
from .errors import RecordExists, reduct_class
from .models import BucketSettings, QuotaType
from .wire import Timestamp, to_us

__all__ = ["Record", "Batch", "RecordBatch", "BatchItem", "BatchResult", "BucketSettings",
           "QuotaType", "RecordExists", "error_for"]


class Record:
    """One record: timestamp, entry, size, content type, labels and data.

    :param read_chunks: yields the payload in chunks (None for a HEAD read).
    """

    def __init__(self, *, timestamp: int, entry: str, size: int, content_type: str,
                 labels: Mapping[str, str], read_chunks: Optional[Callable[[int],
                                                                          Iterator[bytes]]],
                 last: bool = False, close: Optional[Callable[[], None]] = None) -> None:
        self.timestamp = timestamp
        self.entry = entry
        self.size = size
        self.content_type = content_type
        self.labels = dict(labels)
        self.last = last
        self._chunks = read_chunks
        self._close = close

    def read(self, n: int = 64 * 1024) -> Iterator[bytes]:
        """Yield the payload in chunks of at most ``n`` bytes."""
        if self._chunks is None:
            raise InvalidArgument("this record was read with head=True: it has no data")
        yield from self._chunks(n)

    def read_all(self) -> bytes:
        """The whole payload."""
        return b"".join(self.read(1024 * 1024))

    def close(self) -> None:
        """Release the connection of a streamed record."""
        if self._close is not None:
            self._close()

    def __enter__(self) -> "Record":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"Record(entry={self.entry!r}, timestamp={self.timestamp}, size={self.size}, "
                f"content_type={self.content_type!r}, labels={self.labels!r})")


@attrs.frozen
class BatchItem:
    """One record of a batch."""

    entry: str
    timestamp: int
    data: bytes = b""
    content_type: Optional[str] = None
    labels: Dict[str, str] = attrs.field(factory=dict)


class _Records:
    """What both batch kinds share: their items, total size, clearing, length."""

    _items: Dict[Any, BatchItem]

    @property
    def size(self) -> int:
        """Total payload bytes."""
        return sum(len(i.data) for i in self._items.values())

    def clear(self) -> None:
        """Forget every record."""
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


class Batch(_Records):
    """Records of ONE entry for ``write_batch``/``update_batch``/``remove_batch``."""

    def __init__(self) -> None:
        self._items: Dict[int, BatchItem] = {}

    def add(self, timestamp: Timestamp, data: Union[bytes, str] = b"",
            content_type: Optional[str] = None,
            labels: Optional[Mapping[str, str]] = None) -> None:
        """Add a record (a later add at the same timestamp replaces it)."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        ts = to_us(timestamp)
        self._items[ts] = BatchItem("", ts, bytes(data), content_type,
                                    {k: str(v) for k, v in (labels or {}).items()})

    def items(self) -> List[Tuple[int, BatchItem]]:
        """``[(timestamp, item)]`` in ascending timestamp order."""
        return sorted(self._items.items())


class RecordBatch(_Records):
    """Records of several entries, for the v2 multi-entry protocol (§8)."""

    def __init__(self) -> None:
        self._items: Dict[Tuple[str, int], BatchItem] = {}

    def add(self, entry: str, timestamp: Timestamp, data: Union[bytes, str] = b"", *,
            content_type: Optional[str] = None,
            labels: Optional[Mapping[str, str]] = None) -> None:
        """Add a record of ``entry``."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        ts = to_us(timestamp)
        self._items[(entry, ts)] = BatchItem(entry, ts, bytes(data), content_type,
                                             {k: str(v) for k, v in (labels or {}).items()})

    def entries(self) -> List[str]:
        """Entry names in first-added order (their index in the request)."""
        seen: Dict[str, None] = {}
        for entry, _ts in self._items:
            seen.setdefault(entry, None)
        return list(seen)

    def items(self) -> List[BatchItem]:
        """Items by entry index, then timestamp: the body order of §8."""
        order = {e: i for i, e in enumerate(self.entries())}
        return sorted(self._items.values(), key=lambda i: (order[i.entry], i.timestamp))


def error_for(status: int, message: str) -> ClientError:
    """The error for a per-record ``<status>,<message>``: a :class:`ReductError`
    of the objclient class the status picks."""
    cls = class_for_status(status)
    if status == 409 and "already exists" in message:
        cls = RecordExists
    elif status == 404 and message.startswith("Bucket '"):
        cls = NoSuchContainer
    elif status == 404 and message.startswith(("Entry '", "Record ")):
        cls = NoSuchObject
    return reduct_class(cls)(message, status=status, server_message=message)


@attrs.frozen
class BatchResult:
    """What a batch call reports: the records that failed.

    ``errors`` maps ``entry -> {timestamp: ClientError}`` (v1 batches use the
    entry they were sent to).  A batch with no failure is truthy in ``ok``.
    """

    errors: Dict[str, Dict[int, ClientError]] = attrs.field(factory=dict)

    @property
    def ok(self) -> bool:
        """True when every record succeeded."""
        return not any(self.errors.values())

    def for_entry(self, entry: str) -> Dict[int, ClientError]:
        """``{timestamp: error}`` of one entry."""
        return dict(self.errors.get(entry, {}))
