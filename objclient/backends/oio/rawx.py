"""rawx chunk I/O: parallel chunk uploads and a failing-over chunk reader.

A :class:`ChunkWriter` streams one chunk copy to one rawx in its own thread
(``PUT`` with chunked transfer encoding), fed block by block, so every copy
of a metachunk receives the same bytes while the source is read only once.
:class:`ObjectReader` reads an object's byte ranges metachunk by metachunk,
moving to another copy when a rawx fails, and checks chunk and object
checksums on full reads.
"""

from __future__ import annotations

import hashlib
import queue
import threading
import time
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Optional, Sequence, Tuple
from urllib.parse import quote, urlsplit

from ...contract import CallOptions
from ...exceptions import (
    ChecksumMismatch,
    ClientError,
    ConnectionFailed,
    DeadlineReached,
    ServiceUnavailable,
)
from ...http.retry import RetryPolicy
from ...models import ChunkInfo
from ...streaming import ChunkStream

if TYPE_CHECKING:  # pragma: no cover
    from . import OioBackend

__all__ = ["chunk_hasher", "chunk_put_headers", "ChunkWriter", "ObjectReader", "chunk_id_of",
           "perfdata_stats", "record_rawx_time"]

_NO_RETRY = RetryPolicy.disabled()
_BLOCK = 64 * 1024
_ABORT = object()


class _Aborted(Exception):
    """Raised inside a chunk body to cut the PUT short (the rawx drops it)."""
CHUNK_META = "X-oio-Chunk-Meta-"


def chunk_hasher(algo: str) -> Any:
    """A hashlib-style object for the chunk checksum algorithm (md5, blake3)."""
    if algo == "blake3":
        import blake3  # optional extra
        return blake3.blake3()
    return hashlib.md5()


def record_rawx_time(perfdata: Optional[Dict[str, Any]], key: str, seconds: float) -> None:
    """``perfdata["rawx"][key] = seconds``: OpenIO's per-chunk keys
    (``connect.<chunk url>``, ``upload.<url>``, ``download.<url>``)."""
    if perfdata is not None:
        perfdata.setdefault("rawx", {})[key] = seconds


def perfdata_stats(perfdata: Optional[Dict[str, Any]], prefix: str) -> None:
    """Add ``<prefix>AVG``, ``<prefix>SD`` and ``<prefix>RSD`` (mean,
    standard deviation, relative deviation) of the ``perfdata["rawx"]``
    timings named ``<prefix><chunk url>``, as oio's
    ``oio.common.utils.compute_perfdata_stats`` does after a transfer."""
    rawx = (perfdata or {}).get("rawx")
    if not rawx:
        return
    values = [v for k, v in rawx.items() if k.startswith(prefix) and "://" in k]
    if not values:
        return
    avg = sum(values) / len(values)
    sdev = max(sum(v * v for v in values) / len(values) - avg * avg, 0.0) ** 0.5
    rawx[prefix + "AVG"] = avg
    rawx[prefix + "SD"] = sdev
    rawx[prefix + "RSD"] = sdev / avg if avg else 0.0


def data_kwargs(opts: CallOptions, write: bool = False) -> Dict[str, Any]:
    """HTTP keywords for moving an object's data to or from a rawx: no
    per-request perfdata, since the facade adds the transfer's time to
    ``perfdata["rawx"]["overall"]`` as OpenIO's ``object_create`` and
    ``object_fetch`` measure it; the request counted too made it twice."""
    kwargs = opts.http_kwargs("rawx", write=write)
    kwargs["perfdata"] = None
    return kwargs


def chunk_id_of(url: str) -> str:
    """The chunk id: the last path segment of its URL."""
    return urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]


def chunk_put_headers(*, url: str, cid: str, account: str, container: str, path: str,
                      version: Any, content_id: str, policy: str, chunk_method: str,
                      pos: str, fullpath: str) -> Dict[str, str]:
    """Every ``X-oio-Chunk-Meta-*`` header a rawx PUT carries."""
    return {
        CHUNK_META + "Content-Storage-Policy": policy,
        CHUNK_META + "Content-Chunk-Method": chunk_method,
        CHUNK_META + "Chunk-Pos": str(pos),
        CHUNK_META + "Full-Path": fullpath,
        CHUNK_META + "Chunk-Id": chunk_id_of(url),
        CHUNK_META + "Container-Id": cid,
        CHUNK_META + "Content-Id": content_id,
        CHUNK_META + "Content-Path": quote(path, safe=""),
        CHUNK_META + "Content-Version": str(version),
    }


class ChunkWriter:
    """Streams one chunk copy to a rawx from a queue of blocks, in a thread.

    :param backend: the backend (its HTTPClient sends the PUT).
    :param target: the chunk target from ``prepare2`` (url, pos).
    :param headers: the request headers (chunk meta, request id ...).
    :param algo: the chunk checksum algorithm.
    """

    def __init__(self, backend: "OioBackend", target: ChunkInfo, headers: Dict[str, str],
                 algo: str, opts: CallOptions) -> None:
        self.backend = backend
        self.target = target
        self.headers = headers
        self.opts = opts
        self.hasher = chunk_hasher(algo)
        self.size = 0
        self.error: Optional[ClientError] = None
        self.reply_hash: Optional[str] = None
        self._queue: "queue.Queue[Any]" = queue.Queue(maxsize=8)
        self._start = time.monotonic()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name="oio-chunk-writer")
        self._thread.start()

    def _body(self) -> Iterator[bytes]:
        # urllib3 asks for the body once connected and the headers sent:
        # that moment ends OpenIO's ``connect.<url>`` timing.
        record_rawx_time(self.opts.perfdata, "connect." + self.target.url,
                         time.monotonic() - self._start)
        while True:
            block = self._queue.get()
            if block is None:
                return
            if block is _ABORT:
                raise _Aborted("upload aborted")
            yield block

    def _run(self) -> None:
        try:
            resp = self.backend.http.request(
                "PUT", self.target.url, headers=self.headers, data=self._body(),
                idempotent=False, retries=_NO_RETRY,
                **data_kwargs(self.opts, write=True))
            record_rawx_time(self.opts.perfdata, "upload." + self.target.url,
                             time.monotonic() - self._start)
            self.reply_hash = resp.headers.get(CHUNK_META + "Chunk-Hash")
            reply_size = resp.headers.get(CHUNK_META + "Chunk-Size")
            if reply_size is not None and int(reply_size) != self.size:
                raise ClientError(f"rawx stored {reply_size} bytes, {self.size} were sent")
        except ClientError as err:
            self.error = err
        except Exception as exc:  # noqa: BLE001 - a thread must report, not die silently
            self.error = ConnectionFailed(f"chunk upload failed: {type(exc).__name__}")
        finally:
            self._done.set()

    @property
    def alive(self) -> bool:
        """Whether the PUT is still running (and can take more data)."""
        return not self._done.is_set()

    def send(self, block: bytes) -> None:
        """Queue one block (dropped if this copy already failed)."""
        if self.error is not None:
            return
        self.hasher.update(block)
        self.size += len(block)
        while not self._done.is_set():
            try:
                self._queue.put(block, timeout=0.05)
                return
            except queue.Full:
                continue

    def finish(self, abort: bool = False) -> Optional[ChunkInfo]:
        """End the body, wait for the reply; the stored chunk, or None if this
        copy failed.  ``abort`` breaks the body off so that nothing is stored."""
        end = _ABORT if abort else None
        while not self._done.is_set():
            try:
                self._queue.put(end, timeout=0.05)
                break
            except queue.Full:
                continue
        self._thread.join()
        if abort:
            return None
        if self.error is not None:
            return None
        local = self.hasher.hexdigest().upper()
        if self.reply_hash and self.reply_hash.upper() != local:
            self.error = ChecksumMismatch(
                f"rawx computed chunk hash {self.reply_hash}, the client {local}",
                expected=local, actual=self.reply_hash.upper())
            return None
        return ChunkInfo(url=self.target.url, pos=self.target.pos, size=self.size,
                         hash=local, extra=dict(self.target.extra))


class ObjectReader(ChunkStream):
    """The bytes of an object's ranges, read from rawx with failover.

    Iterable (yields blocks), file-like (``read``), must be closed.

    :param groups: ``[(position, [copies...])]`` in position order.
    :param spans: ``[(first, last)]`` absolute inclusive byte offsets.
    :param full: the whole object is read: check chunk hashes and the
        object MD5 (``expected_md5``).
    """

    def __init__(self, backend: "OioBackend", groups: Sequence[Tuple[int, List[ChunkInfo]]],
                 spans: Sequence[Tuple[int, int]], opts: CallOptions, *, full: bool,
                 expected_md5: Optional[str]) -> None:
        self.backend = backend
        self.groups = list(groups)
        self.spans = list(spans)
        self.opts = opts
        self.full = full
        self.expected_md5 = expected_md5.lower() if expected_md5 else None
        self._md5 = hashlib.md5() if full and self.expected_md5 else None
        self._resp: Any = None
        self.bytes_read = 0

    # -- reading -------------------------------------------------------------
    def _pieces(self) -> Iterator[Tuple[List[ChunkInfo], int, int, bool]]:
        """``(copies, first, last, whole_chunk)`` chunk-relative, for every span."""
        starts = []
        offset = 0
        for _pos, copies in self.groups:
            starts.append((offset, copies))
            offset += copies[0].size
        for first, last in self.spans:
            for start, copies in starts:
                end = start + copies[0].size - 1
                if copies[0].size == 0 or end < first or start > last:
                    continue
                a, b = max(first, start) - start, min(last, end) - start
                yield copies, a, b, a == 0 and b == copies[0].size - 1

    def _read_chunk(self, copies: List[ChunkInfo], first: int, last: int,
                    whole: bool) -> Iterator[bytes]:
        errors: List[str] = []
        done = 0
        hasher = chunk_hasher("blake3" if len(copies[0].hash or "") == 64 else "md5") \
            if whole and self.full and copies[0].hash and len(copies[0].hash) in (32, 64) \
            else None
        if hasher is not None and len(copies[0].hash or "") == 64:
            try:
                import blake3  # noqa: F401
            except ImportError:
                hasher = None
        for copy in copies:
            if done > last - first:
                break
            headers = {"x-oio-req-id": self.backend.oio_headers(self.opts)["x-oio-req-id"]}
            if not (whole and done == 0):
                headers["Range"] = f"bytes={first + done}-{last}"
            headers.update(self.opts.headers)
            start = time.monotonic()
            try:
                self._resp = self.backend.http.request(
                    "GET", copy.url, headers=headers, stream=True, retries=_NO_RETRY,
                    **data_kwargs(self.opts))
                record_rawx_time(self.opts.perfdata, "connect." + copy.url,
                                 time.monotonic() - start)
                raw = self._resp.raw
                while True:
                    block = raw.read(_BLOCK, decode_content=True)
                    if not block:
                        break
                    done += len(block)
                    if hasher is not None:
                        hasher.update(block)
                    yield block
                self._resp.close()
                if done < last - first + 1:
                    raise ConnectionFailed(f"chunk body cut short at {done} bytes")
                record_rawx_time(self.opts.perfdata, "download." + copy.url,
                                 time.monotonic() - start)
            except DeadlineReached:
                raise
            except ClientError as err:
                errors.append(f"{chunk_id_of(copy.url)[:12]}: {err.message or err}")
                continue
            except Exception as exc:  # noqa: BLE001 - transport errors mid-body
                errors.append(f"{chunk_id_of(copy.url)[:12]}: {type(exc).__name__}")
                continue
            break
        if done < last - first + 1:
            raise ServiceUnavailable("no copy of the metachunk could be read: "
                                     + "; ".join(errors))
        if hasher is not None and copies[0].hash:
            actual = hasher.hexdigest().upper()
            if actual != copies[0].hash.upper():
                raise ChecksumMismatch(
                    f"chunk {chunk_id_of(copies[0].url)} has hash {actual}, "
                    f"expected {copies[0].hash.upper()}",
                    expected=copies[0].hash.upper(), actual=actual)

    def _generate(self) -> Iterator[bytes]:
        try:
            for copies, first, last, whole in self._pieces():
                for block in self._read_chunk(copies, first, last, whole):
                    if self.opts.deadline is not None and time.monotonic() >= self.opts.deadline:
                        raise DeadlineReached("the deadline passed while reading the object")
                    self.bytes_read += len(block)
                    if self._md5 is not None:
                        self._md5.update(block)
                    yield block
            perfdata_stats(self.opts.perfdata, "connect.")
            perfdata_stats(self.opts.perfdata, "download.")
            if self._md5 is not None and self._md5.hexdigest() != self.expected_md5:
                raise ChecksumMismatch(
                    f"object data has MD5 {self._md5.hexdigest()}, "
                    f"expected {self.expected_md5}",
                    expected=self.expected_md5, actual=self._md5.hexdigest())
        finally:
            self.close()

    def _release(self) -> None:
        """Release the current rawx connection."""
        if self._resp is not None:
            try:
                self._resp.close()
            finally:
                self._resp = None
