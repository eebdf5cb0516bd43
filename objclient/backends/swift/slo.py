"""Static large object uploads: segments in parallel, then a manifest.

The source is read once, in order, by the calling thread; each segment's
bytes go through a small bounded queue to a worker that streams them in a
chunked PUT.  Memory therefore stays flat (``workers x queue depth x
block``) whatever the object's size, while up to ``workers`` segment PUTs
overlap.  Each segment's ETag is checked against the MD5 computed while
reading, the manifest's ETag against the MD5 of the segments' ETags; on any
failure the segments already stored are deleted.
"""

from __future__ import annotations

import hashlib
import queue
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Deque, Dict, Iterator, List, Mapping, Optional, Tuple

from ...contract import CallOptions
from ...exceptions import ChecksumMismatch, ClientError, NotFound
from ...models import ObjectInfo
from ...source import Source
from .common import merged_headers
from .wire import etag_of_etags, object_path, slo_manifest, unquote_etag

if TYPE_CHECKING:  # pragma: no cover
    from .blob import SwiftBlobClient

__all__ = ["upload_slo", "segment_container", "segment_prefix"]

_BLOCK = 1024 * 1024
_QUEUE_DEPTH = 4
_END = None


def segment_container(container: str) -> str:
    """Where the segments of ``container``'s large objects go."""
    return f"{container}_segments"


def segment_prefix(obj: str, size: int, segment_size: int, when: float) -> str:
    """The name prefix of one upload's segments (unique per upload)."""
    return f"{obj}/slo/{when:.6f}/{size}/{segment_size}/"


class _Aborted(Exception):
    """The uploading thread gave up: a worker must stop sending."""


def _queue_body(q: "queue.Queue[Optional[bytes]]") -> Iterator[bytes]:
    while True:
        block = q.get()
        if block is _END:
            return
        if isinstance(block, _Aborted):
            raise block
        yield block


class _Segment:
    """One segment being sent: its queue, its future, what was read."""

    def __init__(self, index: int, name: str) -> None:
        self.index = index
        self.name = name
        self.queue: "queue.Queue[Any]" = queue.Queue(maxsize=_QUEUE_DEPTH)
        self.md5 = hashlib.md5()
        self.size = 0
        self.future: Optional[Future] = None

    def abort(self) -> None:
        """Make the worker's body fail, so that its PUT stops."""
        while True:
            try:
                self.queue.get_nowait()
            except queue.Empty:
                break
        try:
            self.queue.put_nowait(_Aborted("upload aborted"))
        except queue.Full:  # pragma: no cover - only this thread produces
            pass

    def feed(self, block: Any) -> None:
        """Queue a block, without hanging if the worker already failed."""
        while True:
            try:
                self.queue.put(block, timeout=0.5)
                return
            except queue.Full:
                if self.future is not None and self.future.done():
                    self.future.result()  # raises the worker's error
                    raise ClientError(
                        f"segment {self.index} ended before its data") from None


def upload_slo(blob: "SwiftBlobClient", account: str, container: str, obj: str,
               source: Source, *, headers: Mapping[str, str], etag: Optional[str],
               policy: Optional[str], opts: CallOptions) -> ObjectInfo:
    """Store ``source`` as a static large object.

    :returns: the object's metadata (``hash`` is the MD5 of the content).
    :raises ChecksumMismatch: a segment or the manifest was not stored as
        sent, or the content's MD5 is not ``etag``; nothing is left behind.
    """
    backend = blob.swift
    seg_cont = segment_container(container)
    backend.container.create(account, seg_cont, properties={},
                             system={"policy": policy} if policy else {}, opts=opts)
    size = source.size or 0
    prefix = segment_prefix(obj, size, backend.segment_size, time.time())
    replaced = old_segments(blob, account, container, obj, opts)
    done: List[Tuple[str, str, int]] = []
    stored: List[str] = []
    try:
        _send_segments(blob, account, seg_cont, prefix, source, opts, done, stored)
        md5 = source.md5_hex()
        if source.size is not None and source.bytes_read != source.size:
            raise ClientError(f"the source gave {source.bytes_read} bytes, "
                              f"{source.size} were announced")
        if etag and etag != md5:
            raise ChecksumMismatch(f"data has MD5 {md5}, the caller expected {etag}",
                                   expected=etag, actual=md5)
        manifest = [(f"/{seg_cont}/{name}", seg_etag, seg_size)
                    for name, seg_etag, seg_size in done]
        resp = backend.http.request(
            "PUT", backend.url(object_path(account, container, obj)),
            params={"multipart-manifest": "put"}, data=slo_manifest(manifest),
            headers=merged_headers(opts, headers), **opts.http_kwargs("object"))
        expected = etag_of_etags([e for _n, e, _s in done])
        got = unquote_etag(resp.headers.get("Etag"))
        if got != expected:
            raise ChecksumMismatch(f"manifest of {obj!r} stored with ETag {got}, expected "
                                   f"{expected}", expected=expected, actual=got)
    except BaseException:
        _cleanup(blob, account, seg_cont, stored, opts)
        raise
    for old_cont, names in replaced.items():
        _cleanup(blob, account, old_cont, names, opts)
    now = time.time()
    return ObjectInfo(name=obj, size=source.bytes_read, hash=md5, hash_method="md5",
                      mime_type=headers.get("Content-Type") or "application/octet-stream",
                      ctime=now, mtime=now, container=container, account=account,
                      chunk_method="slo", extra={"segments": len(done),
                                                 "segment_container": seg_cont})


def old_segments(blob: "SwiftBlobClient", account: str, container: str, obj: str,
                 opts: CallOptions) -> Dict[str, List[str]]:
    """Segments of the static large object that an upload will replace,
    by container (empty when ``obj`` is absent or not an SLO)."""
    backend = blob.swift
    url = backend.url(object_path(account, container, obj))
    query = {"multipart-manifest": "get"}
    try:
        head = backend.http.request("HEAD", url, params=query,
                                    headers=merged_headers(opts), **opts.http_kwargs("object"))
        if head.headers.get("X-Static-Large-Object", "").lower() != "true":
            return {}
        _resp, doc = backend.http.request_json("GET", url, params=query,
                                               headers=merged_headers(opts),
                                               **opts.http_kwargs("object"))
    except NotFound:
        return {}
    out: Dict[str, List[str]] = {}
    for seg in doc if isinstance(doc, list) else []:
        cont, _, name = str(seg.get("name") or "").lstrip("/").partition("/")
        if cont and name:
            out.setdefault(cont, []).append(name)
    return out


def _send_segments(blob: "SwiftBlobClient", account: str, seg_cont: str, prefix: str,
                   source: Source, opts: CallOptions, done: List[Tuple[str, str, int]],
                   stored: List[str]) -> None:
    backend = blob.swift
    workers = backend.segment_workers
    seg_size = backend.segment_size
    inflight: Deque[_Segment] = deque()

    def put(seg: _Segment) -> str:
        path = object_path(account, seg_cont, seg.name)
        resp = backend.http.request(
            "PUT", backend.url(path), data=_queue_body(seg.queue),
            headers=merged_headers(opts, {"Content-Type": "application/octet-stream"}),
            **opts.http_kwargs("object"))
        return unquote_etag(resp.headers.get("Etag")) or ""

    def finish(seg: _Segment) -> None:
        assert seg.future is not None
        got = seg.future.result()
        stored.append(seg.name)
        want = seg.md5.hexdigest()
        if got != want:
            raise ChecksumMismatch(f"segment {seg.index} stored with ETag {got}, sent MD5 "
                                   f"{want}", expected=want, actual=got)
        done.append((seg.name, want, seg.size))

    with ThreadPoolExecutor(workers, thread_name_prefix="objclient-slo") as pool:
        index = 0
        try:
            while True:
                block = source.read(min(_BLOCK, seg_size))
                if not block and index > 0:
                    break
                seg = _Segment(index, f"{prefix}{index:08d}")
                seg.future = pool.submit(put, seg)
                inflight.append(seg)
                while True:
                    seg.md5.update(block)
                    seg.size += len(block)
                    if block:
                        seg.feed(block)
                    left = seg_size - seg.size
                    if left <= 0:
                        break
                    block = source.read(min(_BLOCK, left))
                    if not block:
                        break
                seg.feed(_END)
                index += 1
                if len(inflight) >= workers:
                    finish(inflight.popleft())
                if seg.size < seg_size:
                    break
            while inflight:
                finish(inflight.popleft())
        except BaseException:
            for seg in inflight:
                seg.abort()
                if seg.future is not None:
                    try:
                        seg.future.result(timeout=60)
                        stored.append(seg.name)
                    except Exception:  # noqa: BLE001 - the first error is the one raised
                        pass
            raise


def _cleanup(blob: "SwiftBlobClient", account: str, seg_cont: str, names: List[str],
             opts: CallOptions) -> None:
    """Delete the segments of a failed upload (best effort)."""
    if not names:
        return
    try:
        blob.swift.container.content_delete_many(account, seg_cont, names, opts)
    except ClientError:
        pass

