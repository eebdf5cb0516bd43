"""S3 multipart uploads: parallel parts in bounded memory, always cleaned up.

:class:`MultipartUploader` reads the source one part at a time and uploads
parts on a thread pool with at most ``concurrency`` parts in flight, so
memory stays near ``(concurrency + 1) * part_size`` whatever the object's
size.  Each part is sent with its ``Content-MD5`` and signed payload, and its
ETag is checked against the MD5; ``CompleteMultipartUpload`` is checked for
an ``<Error>`` even when it answers 200; on any failure (including
KeyboardInterrupt) the upload is aborted so no orphan parts remain.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import time
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Tuple

from ...contract import DEFAULT_OPTS, CallOptions
from ...exceptions import ChecksumMismatch, ClientError, ServerError
from .account import parse_time
from .container import content_md5, etag_hash
from .xml import complete_body, embedded_error, parse, text_of

if TYPE_CHECKING:  # pragma: no cover
    from ...source import Source
    from . import S3Backend

__all__ = ["MultipartUploader", "list_uploads", "abort_stale_uploads", "MAX_PARTS"]

MAX_PARTS = 10000


class MultipartUploader:
    """One multipart upload of ``key`` into ``bucket``.

    :param headers: headers of CreateMultipartUpload (type, metadata).
    """

    def __init__(self, backend: "S3Backend", bucket: str, key: str,
                 headers: Mapping[str, str], opts: CallOptions = DEFAULT_OPTS) -> None:
        self.backend = backend
        self.bucket = bucket
        self.key = key
        self.headers = dict(headers)
        self.opts = opts
        self.upload_id: Optional[str] = None
        self.part_count = 0

    def start(self) -> str:
        """CreateMultipartUpload. :returns: the upload id."""
        resp = self.backend.call("POST", self.bucket, self.key, query=[("uploads", "")],
                                 headers=self.headers, opts=self.opts, service="blob")
        upload_id = text_of(parse(resp.content), "UploadId")
        if not upload_id:
            raise ServerError("CreateMultipartUpload returned no UploadId")
        self.upload_id = upload_id
        return upload_id

    def _query(self, number: Optional[int] = None) -> List[Tuple[str, str]]:
        assert self.upload_id is not None
        query = [("uploadId", self.upload_id)]
        if number is not None:
            query.insert(0, ("partNumber", str(number)))
        return query

    def _put_part(self, number: int, data: bytes) -> Tuple[int, str]:
        md5 = hashlib.md5(data).hexdigest()
        resp = self.backend.call("PUT", self.bucket, self.key, query=self._query(number),
                                 data=data, headers={"Content-MD5": content_md5(data)},
                                 opts=self.opts, service="blob")
        got, method = etag_hash(resp.headers.get("ETag"))
        if method == "md5" and got != md5:
            raise ChecksumMismatch(f"part {number} of {self.key!r} has ETag {got}, its data "
                                   f"has MD5 {md5}", expected=md5, actual=got)
        return number, got or md5

    def run(self, source: "Source", head: bytes = b"") -> Tuple[int, str, str]:
        """Upload every part of ``source`` (after ``head``, bytes already read)
        and complete; abort on any failure.

        :returns: ``(size, hex MD5 of the whole data, final ETag)``.
        """
        if self.upload_id is None:
            self.start()
        whole = hashlib.md5()
        part_size = self.backend.part_size
        done: List[Tuple[int, str]] = []
        size = 0
        try:
            with cf.ThreadPoolExecutor(max_workers=self.backend.concurrency,
                                       thread_name_prefix="s3-part") as pool:
                pending: set = set()
                number = 0
                buffer = head
                while True:
                    data, buffer = _next_part(source, buffer, part_size)
                    if not data and number > 0:
                        break
                    number += 1
                    if number > MAX_PARTS:
                        raise ClientError(f"more than {MAX_PARTS} parts: raise part_size")
                    whole.update(data)
                    size += len(data)
                    pending.add(pool.submit(self._put_part, number, data))
                    del data
                    if len(pending) >= self.backend.concurrency:
                        finished, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                        done.extend(f.result() for f in finished)
                    if len(buffer) == 0 and size > 0 and _exhausted(source, size):
                        break
                finished, _ = cf.wait(pending)
                done.extend(f.result() for f in finished)
            self.part_count = len(done)
            final = self._complete(done)
        except BaseException:
            self.abort()
            raise
        return size, whole.hexdigest(), final

    def _complete(self, parts: List[Tuple[int, str]]) -> str:
        body = complete_body(parts)
        resp = self.backend.call("POST", self.bucket, self.key, query=self._query(),
                                 data=body, headers={"Content-Type": "application/xml"},
                                 opts=self.opts, idempotent=True, service="blob")
        error = embedded_error(resp.content)
        if error is not None:
            raise error
        etag = text_of(parse(resp.content), "ETag") if resp.content else None
        return (etag or resp.headers.get("ETag") or "").strip('"')

    def abort(self) -> None:
        """AbortMultipartUpload (errors ignored: nothing more can be done)."""
        if self.upload_id is None:
            return
        try:
            self.backend.call("DELETE", self.bucket, self.key, query=self._query(),
                              opts=DEFAULT_OPTS, service="blob")
        except ClientError:
            pass


def _next_part(source: "Source", buffer: bytes, part_size: int) -> Tuple[bytes, bytes]:
    """The next part (``buffer`` first, then the source) and what is left over,
    copying as little as possible."""
    pieces = [buffer] if buffer else []
    have = len(buffer)
    while have < part_size:
        more = source.read(part_size - have)
        if not more:
            break
        pieces.append(more)
        have += len(more)
    joined = pieces[0] if len(pieces) == 1 else b"".join(pieces)
    if len(joined) <= part_size:
        return joined, b""
    return joined[:part_size], joined[part_size:]


def _exhausted(source: "Source", size: int) -> bool:
    return source.size is not None and size >= source.size


def list_uploads(backend: "S3Backend", bucket: str, prefix: Optional[str] = None,
                 opts: CallOptions = DEFAULT_OPTS) -> List[Dict[str, Any]]:
    """Every multipart upload in progress in ``bucket`` (ListMultipartUploads)."""
    out: List[Dict[str, Any]] = []
    key_marker: Optional[str] = None
    id_marker: Optional[str] = None
    while True:
        query: List[Tuple[str, Optional[str]]] = [("uploads", "")]
        if prefix:
            query.append(("prefix", prefix))
        if key_marker:
            query.append(("key-marker", key_marker))
        if id_marker:
            query.append(("upload-id-marker", id_marker))
        resp = backend.call("GET", bucket, query=query, opts=opts,  # type: ignore[arg-type]
                            service="blob")
        root = parse(resp.content)
        for item in root.findall("Upload"):
            out.append({"key": text_of(item, "Key"), "upload_id": text_of(item, "UploadId"),
                        "initiated": parse_time(text_of(item, "Initiated"))})
        if (text_of(root, "IsTruncated") or "").lower() != "true":
            return out
        key_marker = text_of(root, "NextKeyMarker")
        id_marker = text_of(root, "NextUploadIdMarker")
        if not key_marker:
            return out


def abort_stale_uploads(backend: "S3Backend", bucket: str, older_than: float = 86400.0,
                        prefix: Optional[str] = None,
                        opts: CallOptions = DEFAULT_OPTS) -> List[Dict[str, Any]]:
    """Abort the uploads of ``bucket`` started more than ``older_than`` s ago."""
    now = time.time()
    aborted = []
    for upload in list_uploads(backend, bucket, prefix, opts):
        started = upload["initiated"]
        if started is not None and now - started < older_than:
            continue
        uploader = MultipartUploader(backend, bucket, upload["key"], {}, opts)
        uploader.upload_id = upload["upload_id"]
        uploader.abort()
        aborted.append(upload)
    return aborted
