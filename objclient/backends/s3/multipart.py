"""S3 multipart uploads: parallel parts in bounded memory, always cleaned up.

:class:`MultipartUploader` reads the source one part at a time and hands the
parts to the shared :class:`~objclient.transfer.TransferEngine` (bounded
pool, per-part retries, deadline, cancellation on the first fatal error):
at most ``concurrency`` parts are in flight while the next one is read, so
memory stays near ``(concurrency + 1) * part_size`` whatever the object's
size.  Each part is sent with its ``Content-MD5`` (and an unsigned payload:
the server checks the MD5, a SHA-256 of it would only cost CPU), and
its ETag is checked against the MD5 (with the ``crc32c`` package
installed, its CRC-32C instead, where the server checks and echoes it, and
the completion's composite CRC-32C is checked against the parts');
``CompleteMultipartUpload`` is checked for an ``<Error>`` even when it
answers 200, and its ETag against the one
the parts' MD5s make (``md5(the binary MD5s)-<count>``).  That chain covers
every byte once, so the whole object's MD5 is not computed as well (a
second hash pass that the server never confirms: the object's ETag is not
an MD5); it is computed only to check a caller's ``etag``.  On any failure
(including KeyboardInterrupt) the upload is aborted so no orphan parts
remain.

A resumed upload (:meth:`MultipartUploader.resume`) takes over the newest
unfinished upload of exactly the same key (ListMultipartUploads, then
ListParts): a part whose size follows the plan and whose ETag (the part's
MD5) or additional checksum matches the local bytes is not sent again.
When the stored parts follow another part size, that upload is aborted and
a new one started.  A resumed upload that fails before completing keeps its
parts for the next resume.  ListMultipartUploads does not say which content
type and metadata the old upload was created with: the object keeps those.
"""

from __future__ import annotations

import base64
import hashlib
import re
import time
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Mapping, Optional, Tuple

from ... import integrity
from ...auth.sigv4 import UNSIGNED_PAYLOAD
from ...contract import DEFAULT_OPTS, CallOptions
from ...exceptions import (ChecksumMismatch, ClientError, ConnectionFailed, NoSuchContainer,
                           NoSuchObject, PreconditionFailed, ServerError, Timeout)
from ...integrity import (CHECKSUM_ALGORITHMS, checksum_b64, checksum_header, combined_etag,
                          new_hasher)
from .account import parse_time
from .container import UNDERIVED_ETAG_PROPERTY, etag_hash
from .names import meta_headers
from .versions import version_of
from .xml import complete_body, embedded_error, parse, text_of

if TYPE_CHECKING:  # pragma: no cover
    from ...source import Source
    from ...transfer.engine import Part
    from ...transfer.resume import StoredPart
    from . import S3Backend

# The transfer engine is imported where a multipart upload or copy needs it:
# importing it loads the whole transfer package (sync, folders), which a
# short-lived process that never uploads a large object should not pay for
# (issue 26).

__all__ = ["MultipartUploader", "list_uploads", "list_parts", "abort_stale_uploads",
           "MAX_PARTS", "fitting_part_size", "composite_checksum", "etag_underived"]

MAX_PARTS = 10000
_HEX32 = re.compile(r"[0-9a-f]{32}")
_MULTIPART_ETAG = re.compile(r"[0-9a-f]{32}-[0-9]+")
#: Seconds before a lost CreateMultipartUpload that an upload it started
#: may say it was initiated (S3 gives whole seconds; clocks differ a little).
UNSEEN_MARGIN = 5.0
#: How many times the look-up for unseen uploads asks for the listing.
_UNSEEN_LISTINGS = 3
_UNDERIVED = meta_headers({UNDERIVED_ETAG_PROPERTY: "copied-parts"})
_UNDERIVED_HEADER = next(iter(_UNDERIVED))


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
        #: CRC-32C instead of each part's Content-MD5 (see :meth:`_put_part`).
        self.crc_parts = (backend.checksum and not backend.checksum_algorithm
                          and integrity.CRC32C_FAST and backend.crc32c_confirmed is not False)
        self.algorithm = "crc32c" if self.crc_parts else backend.checksum_algorithm
        #: The whole object's checksum the server confirmed (composite
        #: ``<base64>-<parts>`` for multipart), when it supports them.
        self.checksum: Optional[str] = None
        #: The version id of the completed object (versioned buckets).
        self.version_id: Optional[str] = None
        #: When :meth:`start` sent CreateMultipartUpload (None: not started here).
        self.began: Optional[float] = None

    def start(self) -> str:
        """CreateMultipartUpload. :returns: the upload id."""
        headers = dict(self.headers)
        if self.algorithm:
            headers["x-amz-checksum-algorithm"] = self.algorithm.upper()
        self.began = began = time.time()
        try:
            resp = self.backend.call("POST", self.bucket, self.key, query=[("uploads", "")],
                                     headers=headers, opts=self.opts, service="blob")
            upload_id = text_of(parse(resp.content), "UploadId")
        except (ConnectionFailed, Timeout, ServerError):
            self._abort_unseen(began)
            raise
        if not upload_id:
            raise ServerError("CreateMultipartUpload returned no UploadId")
        self.upload_id = upload_id
        return upload_id

    def _abort_unseen(self, began: float) -> None:
        """Abort the uploads of this key started since ``began`` (less
        :data:`UNSEEN_MARGIN`): a CreateMultipartUpload whose answer was lost
        may have started one whose id nobody knows (best effort).  Another
        client's upload of the same key started in that window is aborted
        too; its next part or its completion then fails with NoSuchUpload."""
        for _ in range(_UNSEEN_LISTINGS):
            try:
                uploads = list_uploads(self.backend, self.bucket, self.key, DEFAULT_OPTS)
                break
            except ClientError:  # e.g. a listing that arrived garbled: ask again
                continue
        else:
            return
        for upload in uploads:
            started = upload["initiated"]
            if upload["key"] == self.key and started is not None \
                    and started >= began - UNSEEN_MARGIN:
                unseen = MultipartUploader(self.backend, self.bucket, self.key, {})
                unseen.upload_id = upload["upload_id"]
                unseen.abort()

    def _query(self, number: Optional[int] = None) -> List[Tuple[str, str]]:
        assert self.upload_id is not None
        query = [("uploadId", self.upload_id)]
        if number is not None:
            query.insert(0, ("partNumber", str(number)))
        return query

    def _put_part(self, number: int, data: bytes) -> Tuple[int, str, Optional[str]]:
        """UploadPart; :returns: ``(number, etag, checksum the server confirmed)``.

        A part goes with its ``Content-MD5``, or, when :attr:`crc_parts`,
        with its CRC-32C alone (hardware CRC-32C: a few per cent of an MD5's
        CPU), which servers with the additional checksums check and echo.  A
        server that ignores it (Swift's s3api) does not echo it: that part
        is checked after the fact (its MD5 against its ETag) and the next
        parts carry Content-MD5.
        """
        headers = {"X-Amz-Content-SHA256": UNSIGNED_PAYLOAD}
        crc_only = self.crc_parts and self.backend.crc32c_confirmed is not False
        md5 = None
        if self.backend.checksum and not crc_only:
            digest = hashlib.md5(data).digest()
            md5 = digest.hex()
            # Content-MD5 protects the part (the server checks it), so its payload
            # is not hashed a second time, with SHA-256, for the signature.
            headers["Content-MD5"] = base64.b64encode(digest).decode("ascii")
        sent = None
        if self.algorithm:
            sent = checksum_b64(self.algorithm, data)
            headers[checksum_header(self.algorithm)] = sent
        resp = self.backend.call("PUT", self.bucket, self.key, query=self._query(number),
                                 data=data, headers=headers, opts=self.opts, service="blob",
                                 write=True)
        confirmed = resp.headers.get(checksum_header(self.algorithm)) \
            if sent and self.algorithm else None
        if crc_only:
            self.backend.crc32c_confirmed = confirmed is not None
            if confirmed is None:
                md5 = hashlib.md5(data).hexdigest()
        got, method = etag_hash(resp.headers.get("ETag"))
        if md5 is not None and method == "md5" and got != md5:
            raise ChecksumMismatch(f"part {number} of {self.key!r} has ETag {got}, its data "
                                   f"has MD5 {md5}", expected=md5, actual=got)
        if confirmed is not None and confirmed != sent:
            raise ChecksumMismatch(f"part {number} of {self.key!r} has {self.algorithm} "
                                   f"{confirmed}, its data {sent}", expected=sent,
                                   actual=confirmed)
        return number, got or md5 or "", confirmed

    def resume(self, total: Optional[int]) -> Dict[int, StoredPart]:
        """Take over the newest unfinished upload of this key, if any.

        :param total: the size of the whole data (None when unknown).
        :returns: its parts that fit the plan, by 0-based index, still to be
            checked against the data; ``{}`` when there is nothing to resume
            (``upload_id`` then stays None) or the old upload used another
            part size (it is aborted).
        """
        try:
            uploads = [u for u in list_uploads(self.backend, self.bucket, self.key, self.opts)
                       if u["key"] == self.key and u["upload_id"]]
        except NoSuchContainer:
            return {}
        if not uploads:
            return {}
        newest = max(uploads, key=lambda u: u["initiated"] or 0.0)
        self.upload_id = newest["upload_id"]
        stored = list_parts(self.backend, self.bucket, self.key, newest["upload_id"], self.opts)
        from ...transfer.resume import plan_resume
        plan = plan_resume(total, fitting_part_size(self.backend.part_size, total), stored)
        if plan is None:
            self.abort()
            self.upload_id = None
            return {}
        return plan

    def run(self, source: "Source", head: bytes = b"",
            reuse: Optional[Dict[int, StoredPart]] = None) -> Tuple[int, str, str]:
        """Upload every part of ``source`` (after ``head``, bytes already read
        from it, so that its MD5 covers them) and complete; abort on any failure.

        :param reuse: parts of a resumed upload (:meth:`resume`): those that
            match the data are not sent again, and a failure before the
            completion keeps the upload for the next resume.
        :returns: ``(size, hex MD5 of the whole data, final ETag)``; the MD5 is
            ``""`` when ``source`` does not hash (the backend's ``checksum``
            off, or :meth:`Source.skip_hash` called: no caller's ETag to check).
        """
        from ...transfer.engine import TransferEngine, read_parts
        if self.upload_id is None:
            self.start()
        if not self.backend.checksum:
            source.skip_hash()
        total = None if source.size is None else len(head) + source.size
        part_size = fitting_part_size(self.backend.part_size, total)
        workers = self.backend.concurrency
        engine: TransferEngine = TransferEngine(workers=workers, max_in_flight=workers,
                                                deadline=self.opts.deadline)
        size = 0

        def parts() -> Iterator[Tuple[Part, bytes]]:
            nonlocal size
            for part, data in read_parts(source, part_size, head, max_parts=MAX_PARTS):
                size += len(data)
                yield part, data
                del data

        def send(part: Part, data: bytes) -> Tuple[int, str, Optional[str]]:
            stored = reuse.get(part.index) if reuse else None
            if stored is not None and stored.matches(data):
                return self._reused(stored.result, data)
            return self._put_part(part.index + 1, data)

        try:
            done = engine.upload(parts(), send)
        except BaseException:
            if reuse is None:
                self.abort()
            raise
        try:
            self.part_count = len(done)
            final = self._complete(done)
        except BaseException:
            self.abort()
            raise
        return size, source.md5_hex(), final

    def copy(self, source: str, size: int, if_match: Optional[str] = None) -> str:
        """Make the object from the bytes of ``source`` with UploadPartCopy
        (``copy_part_size`` bytes a part, ``concurrency`` parts at a time),
        then complete; abort on any failure, so nothing half-copied is ever
        visible and no upload is left behind.

        The server sends no byte here, so the check is of what it answered:
        the completed ETag against the one the parts' ETags make, when they
        are MD5s (AWS, Swift's s3api).  Where they are not (SeaweedFS), the
        object's ETag cannot be derived from its bytes: it is created with
        the :data:`UNDERIVED_ETAG_PROPERTY` property, or a download checking
        it would report a mismatch where there is none.  The backend learns
        which kind its server is on the first copy (the first part alone; a
        later part that says otherwise starts the copy again, marked).

        :param source: the ``x-amz-copy-source`` value.
        :param size: the source's size in bytes.
        :param if_match: the source's ETag: a part copied after the source
            changed fails instead of mixing two versions.
        :returns: the completed object's ETag.
        :raises PreconditionFailed: the source changed during the copy.
        """
        self.algorithm = None  # parts copied by the server carry no checksum of ours
        self.crc_parts = False
        marked = self.backend.copy_part_md5 is False
        if marked:
            self.headers.update(_UNDERIVED)
        from ...transfer.engine import plan_parts
        plan = plan_parts(size, self.backend.copy_part_size, MAX_PARTS)
        self.start()
        try:
            done = self._copy_parts(source, plan, if_match)
        except PreconditionFailed as err:
            self.abort()
            raise PreconditionFailed(f"{source} changed while it was copied to {self.key!r}; "
                                     "nothing was written, copy it again", status=err.status,
                                     method=err.method, url=err.url,
                                     request_id=err.request_id, code=err.code) from None
        except BaseException:
            self.abort()
            raise
        if not marked and not all(_HEX32.fullmatch(e) for _n, e, _c in done):
            self.backend.copy_part_md5 = False
            self.abort()
            self.upload_id = None
            return self.copy(source, size, if_match)
        try:
            self.part_count = len(done)
            return self._complete(done)
        except BaseException:
            self.abort()
            raise

    def _copy_parts(self, source: str, plan: List[Part], if_match: Optional[str]
                    ) -> List[Tuple[int, str, Optional[str]]]:
        """Copy the parts of ``plan``, the first alone while the backend does
        not know the kind of ETag its server gives them (then only that one
        when it is not an MD5: the copy starts again, marked)."""
        done = []
        if self.backend.copy_part_md5 is None:
            first = self._copy_part(source, plan[0], if_match)
            self.backend.copy_part_md5 = bool(_HEX32.fullmatch(first[1]))
            if not self.backend.copy_part_md5:
                return [first]
            done, plan = [first], plan[1:]
        from ...transfer.engine import TransferEngine
        workers = self.backend.concurrency
        engine: TransferEngine = TransferEngine(workers=workers, max_in_flight=workers,
                                                deadline=self.opts.deadline)
        return done + engine.upload(((part, b"") for part in plan),
                                    lambda part, _data: self._copy_part(source, part, if_match))

    def _copy_part(self, source: str, part: Part, if_match: Optional[str]
                   ) -> Tuple[int, str, Optional[str]]:
        """UploadPartCopy of the bytes ``part`` covers; :returns: ``(number,
        the ETag the server gave it, None)``."""
        headers = {"x-amz-copy-source": source,
                   "x-amz-copy-source-range": f"bytes={part.offset}-{part.last}"}
        if if_match:
            headers["x-amz-copy-source-if-match"] = if_match
        resp = self.backend.call("PUT", self.bucket, self.key,
                                 query=self._query(part.index + 1), headers=headers,
                                 opts=self.opts, service="blob")
        error = embedded_error(resp.content)  # S3 may answer 200, then fail
        if error is not None:
            raise error
        etag = text_of(parse(resp.content), "ETag") if resp.content else None
        return part.index + 1, (etag or resp.headers.get("ETag") or "").strip('"').lower(), None

    def _reused(self, result: Tuple[int, str, Optional[str]], data: bytes
                ) -> Tuple[int, str, Optional[str]]:
        """A stored part's result, which matches ``data``, with its checksum
        when the upload uses one and the listing did not give it (SeaweedFS
        lists none): a server that got checksums with the parts refuses a
        completion without them."""
        number, etag, checksum = result
        if checksum is None and self.algorithm:
            checksum = checksum_b64(self.algorithm, data)
        return number, etag, checksum

    def _complete(self, parts: List[Tuple[int, str, Optional[str]]]) -> str:
        checksums = [c for _n, _e, c in parts]
        with_sums = bool(self.algorithm) and all(checksums)
        if with_sums:
            assert self.algorithm is not None
            body = complete_body(parts, self.algorithm)
        else:
            body = complete_body([(n, e) for n, e, _c in parts])
        resp = self.backend.call("POST", self.bucket, self.key, query=self._query(),
                                 data=body, headers={"Content-Type": "application/xml"},
                                 opts=self.opts, idempotent=True, service="blob")
        error = embedded_error(resp.content)
        if error is not None:
            raise error
        root = parse(resp.content) if resp.content else None
        etag = text_of(root, "ETag") if root is not None else None
        self.version_id = version_of(resp.headers.get("x-amz-version-id"))
        final = (etag or resp.headers.get("ETag") or "").strip('"')
        if self.backend.checksum:
            self._check_final_etag(final, [e for _n, e, _c in parts])
        if with_sums and root is not None:
            assert self.algorithm is not None
            got = text_of(root, "Checksum" + self.algorithm.upper())
            want = composite_checksum(self.algorithm, checksums)  # type: ignore[arg-type]
            if got is not None and got != want:
                raise ChecksumMismatch(f"{self.key!r} completed with {self.algorithm} {got}, "
                                       f"its parts make {want}", expected=want, actual=got)
            self.checksum = got
        return final

    def _check_final_etag(self, final: str, part_etags: List[str]) -> None:
        """Compare the completed object's ETag with the one its parts' MD5s
        make, when it has the multipart form and every part's ETag is an MD5.

        :raises ChecksumMismatch: they differ (the caller aborts the upload).
        """
        digests = [bytes.fromhex(e) for e in part_etags if _HEX32.fullmatch(e)]
        if not _MULTIPART_ETAG.fullmatch(final.lower()) or len(digests) != len(part_etags):
            return
        want = combined_etag(digests, "s3")
        if final.lower() != want:
            raise ChecksumMismatch(f"{self.key!r} completed with ETag {final}, its parts' "
                                   f"MD5s make {want}", expected=want, actual=final)

    def abort(self) -> None:
        """AbortMultipartUpload (errors ignored: nothing more can be done).

        When the server knows no upload by our id although :meth:`start`
        made one, the id we hold is not the one it gave (its answer arrived
        with a changed byte): the uploads of this key started since then are
        aborted instead (see :meth:`_abort_unseen`)."""
        if self.upload_id is None:
            return
        try:
            self.backend.call("DELETE", self.bucket, self.key, query=self._query(),
                              opts=DEFAULT_OPTS, service="blob")
        except NoSuchObject:
            if self.began is not None:
                self._abort_unseen(self.began)
        except ClientError:
            pass


def etag_underived(headers: Mapping[str, str]) -> bool:
    """Whether an object's ETag cannot be derived from its bytes: a part copy
    made it on a server whose part ETags are not MD5s (:meth:`MultipartUploader.copy`)."""
    return headers.get(_UNDERIVED_HEADER) is not None


def composite_checksum(algorithm: str, part_checksums: List[str]) -> str:
    """The checksum S3 gives a multipart object: the checksum of the parts'
    binary checksums, then ``-<number of parts>``."""
    hasher = new_hasher(algorithm)
    for value in part_checksums:
        hasher.update(base64.b64decode(value))
    return f"{base64.b64encode(hasher.digest()).decode('ascii')}-{len(part_checksums)}"


def fitting_part_size(part_size: int, total: Optional[int]) -> int:
    """``part_size``, doubled until ``total`` bytes fit in :data:`MAX_PARTS` parts."""
    while total is not None and total > part_size * MAX_PARTS:
        part_size *= 2
    return part_size


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


def list_parts(backend: "S3Backend", bucket: str, key: str, upload_id: str,
               opts: CallOptions = DEFAULT_OPTS) -> List[StoredPart]:
    """The parts an upload holds (ListParts), as :class:`StoredPart` whose
    ``result`` is what :meth:`MultipartUploader._put_part` returns."""
    out: List[StoredPart] = []
    marker: Optional[str] = None
    while True:
        query: List[Tuple[str, str]] = [("uploadId", upload_id)]
        if marker:
            query.append(("part-number-marker", marker))
        resp = backend.call("GET", bucket, key, query=query, opts=opts, service="blob")
        root = parse(resp.content)
        out.extend(_stored_part(item) for item in root.findall("Part"))
        if (text_of(root, "IsTruncated") or "").lower() != "true":
            return out
        marker = text_of(root, "NextPartNumberMarker")
        if not marker:
            return out


def _stored_part(item: Any) -> StoredPart:
    from ...transfer.resume import StoredPart
    number = int(text_of(item, "PartNumber") or 0)
    etag, method = etag_hash(text_of(item, "ETag"))
    checksum = None
    for algorithm in CHECKSUM_ALGORITHMS:
        value = text_of(item, "Checksum" + algorithm.upper())
        if value:
            checksum = (algorithm, value)
            break
    return StoredPart(index=number - 1, size=int(text_of(item, "Size") or -1),
                      md5=etag if method == "md5" else None, checksum=checksum,
                      result=(number, etag or "", checksum[1] if checksum else None))


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
