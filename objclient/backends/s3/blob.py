"""S3 backend: object bytes (PutObject, GetObject, presigned URLs).

Small objects (up to 8 MiB) are read into memory and sent with their CRC32
as ``x-amz-checksum-crc32``, which S3 servers that implement the additional
checksums check and echo (AWS, SeaweedFS): CRC32 costs a quarter of an MD5,
and the server's ETag, the MD5 of what it stored, becomes the hash.  A
server that ignores the header (Swift's s3api) does not echo it: that
upload is checked after the fact (MD5 of the data against the ETag; on a
mismatch the object is deleted), and from then on small objects carry a
``Content-MD5`` instead.  The payload is never hashed again with SHA-256
for the signature (``UNSIGNED-PAYLOAD``).  Larger objects of known size up
to the multipart threshold are streamed once and their ETag checked against
the MD5 computed while sending; above the threshold (or when the size is
unknown and the data outgrows one part) the upload is multipart (see
:mod:`objclient.backends.s3.multipart`).  Downloads ask for the stored
checksum (``x-amz-checksum-mode``) and check a whole body against it, else
against an MD5 ETag.  With the backend option ``checksum_algorithm``
(``sha256``/``crc32c``/``crc32``) every PUT and part carries that checksum
as well as its MD5.  With ``checksum=False`` nothing is hashed on the
client: the server's ETag is the hash and sizes are checked.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import base64
import binascii
import hashlib
import re
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from ...auth.sigv4 import UNSIGNED_PAYLOAD
from ...contract import DEFAULT_OPTS, BlobClient, CallOptions, Range
from ...exceptions import (ChecksumMismatch, ClientError, InvalidArgument, InvalidName,
                           NoSuchContainer)
from ...http.headers import lowered
from ...http.stream import BodyStream
from ...integrity import CHECKSUM_ALGORITHMS, PartsCheck, checksum_b64, checksum_header, new_hasher
from ...models import ChunkInfo, ObjectInfo
from ...ranges import range_header
from ...source import Source, read_up_to
from .container import etag_hash, info_from_headers
from .multipart import MultipartUploader, abort_stale_uploads, etag_underived, list_uploads
from .names import meta_from_headers, meta_headers
from .versions import version_of, version_query

if TYPE_CHECKING:  # pragma: no cover
    from . import S3Backend

__all__ = ["S3BlobClient", "IN_MEMORY_LIMIT"]

#: Objects up to this size are held in memory, signed and sent with Content-MD5.
IN_MEMORY_LIMIT = 8 * 1024 * 1024

_BLOCK = 1024 * 1024


def _full_object_checksum(headers: Mapping[str, str]) -> Optional[Tuple[str, str]]:
    """``(algorithm, base64 value)`` of a whole-object checksum the server
    reported (a multipart object's composite one, ``...-N``, cannot be checked)."""
    for algorithm, header in _CHECKSUM_HEADERS:
        value = headers.get(header)
        if value and "-" not in value:
            kind = headers.get("x-amz-checksum-type")
            return (algorithm, value) if not kind or kind.upper() == "FULL_OBJECT" else None
    return None


_CHECKSUM_HEADERS = tuple((name, checksum_header(name)) for name in CHECKSUM_ALGORITHMS)


def _composite_checksum(headers: Mapping[str, str]) -> Optional[Tuple[str, str]]:
    """``(algorithm, "<base64>-<parts>")`` of a multipart object's composite
    checksum the server reported, else None."""
    for algorithm, header in _CHECKSUM_HEADERS:
        value = headers.get(header)
        if value and "-" in value:
            return algorithm, value
    return None


def _md5_header(etag: Optional[str]) -> Optional[str]:
    if not etag:
        return None
    try:
        raw = binascii.unhexlify(etag)
    except (binascii.Error, ValueError):
        return None
    return base64.b64encode(raw).decode("ascii") if len(raw) == 16 else None


class S3BlobClient(BlobClient):
    """PutObject / multipart uploads, GetObject with one range, presigning."""

    backend: "S3Backend"

    def upload(self, account: str, container: str, obj: str, source: Source, *,
               mime_type: Optional[str], properties: Mapping[str, str],
               etag: Optional[str], append: bool, policy: Optional[str],
               autocreate: bool, container_properties: Optional[Mapping[str, str]],
               opts: CallOptions = DEFAULT_OPTS,
               resume: bool = False) -> Tuple[ObjectInfo, List[ChunkInfo]]:
        """Store ``source`` as key ``obj``; verified by MD5 before it is reported.

        :param resume: a multipart upload takes over the parts an interrupted
            upload of ``obj`` stored (see :mod:`.multipart`).
        """
        backend = self.backend
        if getattr(backend.names, "path_keys", False) and obj.endswith("/") and (
                source.size or (source.size is None and source.read(1))):
            raise InvalidName(f"object name {obj!r} ends with '/': this server keeps it as "
                              "a folder and drops its content; only an empty object fits")
        if mime_type is not None and not mime_type.isascii():
            raise InvalidArgument("S3 sends the mime type in a header: it must be ASCII")
        headers: Dict[str, str] = {"Content-Type": mime_type or "application/octet-stream"}
        headers.update(meta_headers(properties))
        if policy:
            headers["x-amz-storage-class"] = policy
        if autocreate and container_properties is not None:
            backend.container.create(account, container, properties=container_properties,
                                     system={}, opts=opts)
        size = source.size
        first: Optional[bytes] = None
        if size is not None and size > backend.multipart_threshold:
            return self._multipart(account, container, obj, source, headers, etag, b"",
                                   autocreate, opts, resume)
        if size is None:
            # Unknown size: one part's worth (plus a byte) tells single PUT from multipart.
            first = read_up_to(source, backend.part_size + 1)
            if len(first) > backend.part_size:
                return self._multipart(account, container, obj, source, headers, etag,
                                       first, autocreate, opts, resume)
        crc = False
        if size is not None and size <= IN_MEMORY_LIMIT:
            # CRC32 where the server confirms it (four times cheaper than MD5).
            crc = (backend.checksum and not backend.checksum_algorithm
                   and backend.crc32_confirmed is not False)
            if crc:
                source.skip_hash()
            first = read_up_to(source, size)
        return self._put(account, container, obj, source, first, headers, etag,
                         autocreate, opts, crc, properties)

    def _put(self, account: str, container: str, obj: str, source: Source,
             data: Optional[bytes], headers: Dict[str, str], etag: Optional[str],
             autocreate: bool, opts: CallOptions, crc: bool = False,
             properties: Optional[Mapping[str, str]] = None
             ) -> Tuple[ObjectInfo, List[ChunkInfo]]:
        """One PutObject of ``data`` (held in memory) or of the rest of ``source``.

        How the data is protected (the module docstring says why): with
        ``crc``, by its CRC32, which the server checks and echoes; else, with
        the backend's ``checksum`` on, by ``Content-MD5`` (in memory) or by
        the MD5 computed while sending, checked against the ETag; with it
        off, by its size only.  A caller's ``etag`` always goes as
        ``Content-MD5``.
        """
        checked = self.backend.checksum
        if not checked:
            source.skip_hash()
        wanted = _md5_header(etag)
        md5: Optional[str] = None
        if data is not None:
            # The data is protected by a checksum the server checks (or not at
            # all, checksum off): a SHA-256 of the payload would only cost CPU.
            headers["X-Amz-Content-SHA256"] = UNSIGNED_PAYLOAD
            if checked and not crc:
                md5 = source.md5_hex()  # ``data`` is all the source gave, hashed as read
                wanted = base64.b64encode(bytes.fromhex(md5)).decode("ascii")
                if etag is not None and etag != md5:
                    raise ChecksumMismatch(f"data has MD5 {md5}, the caller expected {etag}; "
                                           "nothing was stored", expected=etag, actual=md5)
        if wanted:
            headers["Content-MD5"] = wanted
        algorithm = "crc32" if crc else (self.backend.checksum_algorithm or "")
        sent = self._checksum(algorithm, data, source) if algorithm else None
        if sent:
            headers[checksum_header(algorithm)] = sent
        resp = self._send_put(container, obj, source if data is None else data, headers,
                              autocreate, opts)
        confirmed = resp.headers.get(checksum_header(algorithm)) if sent else None
        if confirmed is not None and confirmed != sent:
            self._discard(container, obj, opts)
            raise ChecksumMismatch(f"stored object has {algorithm} {confirmed}, the data sent "
                                   f"has {sent}; the object was removed", expected=sent,
                                   actual=confirmed)
        size = len(data) if data is not None else source.bytes_read
        got, method = etag_hash(resp.headers.get("ETag"))
        if crc and confirmed is None:
            # The server ignored the CRC32: check the MD5 now, send Content-MD5 from now on.
            self.backend.crc32_confirmed = False
            md5 = hashlib.md5(data).hexdigest()  # type: ignore[arg-type]
        elif crc or not checked:
            # The server checked the data (crc), or nobody did: its ETag is the hash.
            if crc:
                self.backend.crc32_confirmed = True
            if source.size is not None and size != source.size:
                self._discard(container, obj, opts)
                raise ChecksumMismatch(f"object {obj!r}: {size} bytes sent of {source.size}; "
                                       "the object was removed", expected=str(source.size),
                                       actual=str(size))
        elif data is None:
            md5 = source.md5_hex()
        if md5 is not None and ((etag is not None and etag != md5)
                                or (method == "md5" and got != md5)):
            self._discard(container, obj, opts)
            raise ChecksumMismatch(f"stored object has ETag {got}, the data sent has MD5 "
                                   f"{md5}; the object was removed", expected=etag or md5,
                                   actual=got)
        if md5 is None and method == "md5":
            md5 = got
        info = ObjectInfo(name=obj, size=size, hash=md5 or got,
                          hash_method="md5" if md5 else method,
                          mime_type=headers["Content-Type"], container=container,
                          account=account,
                          version=version_of(resp.headers.get("x-amz-version-id")),
                          properties=_props(headers) if properties is None else properties,
                          extra={f"checksum_{algorithm}": confirmed} if confirmed else {})
        return info, [ChunkInfo(url=self.backend.url(container, obj), size=size,
                                hash=info.hash)]

    @staticmethod
    def _checksum(algorithm: str, data: Optional[bytes], source: Source) -> Optional[str]:
        """The checksum header value of the data about to be sent: of ``data``,
        else of a rewindable ``source`` (read once more, then rewound); None
        for a stream that can be read only once."""
        if data is not None:
            return checksum_b64(algorithm, data)
        if not source.rewindable:
            return None
        hasher = new_hasher(algorithm)
        for block in iter(lambda: source.read(_BLOCK), b""):
            hasher.update(block)
        source.rewind()
        return base64.b64encode(hasher.digest()).decode("ascii")

    def _send_put(self, container: str, obj: str, body: Any, headers: Dict[str, str],
                  autocreate: bool, opts: CallOptions) -> Any:
        try:
            return self.backend.call("PUT", container, obj, data=body, headers=headers,
                                     opts=opts, service="blob", write=True)
        except NoSuchContainer:
            if not autocreate or (not isinstance(body, bytes) and not getattr(
                    body, "rewindable", False)):
                raise
        self.backend.container.create("", container, properties={}, system={}, opts=opts)
        if not isinstance(body, bytes):
            body.rewind()
        return self.backend.call("PUT", container, obj, data=body, headers=headers,
                                 opts=opts, service="blob", write=True)

    def _discard(self, container: str, obj: str, opts: CallOptions) -> None:
        try:
            self.backend.call("DELETE", container, obj, opts=opts, service="blob")
        except ClientError:
            pass

    def _multipart(self, account: str, container: str, obj: str, source: Source,
                   headers: Dict[str, str], etag: Optional[str], head: bytes,
                   autocreate: bool, opts: CallOptions,
                   resume: bool = False) -> Tuple[ObjectInfo, List[ChunkInfo]]:
        uploader = MultipartUploader(self.backend, container, obj, headers, opts)
        reuse = None
        if resume:
            reuse = uploader.resume(None if source.size is None else len(head) + source.size)
        if uploader.upload_id is None:
            try:
                uploader.start()
            except NoSuchContainer:
                if not autocreate:
                    raise
                self.backend.container.create(account, container, properties={}, system={},
                                              opts=opts)
                uploader.start()
        if etag is None:
            # Each part's Content-MD5 and the final ETag's check cover every
            # byte: the whole object's MD5 would be a second pass (see .multipart).
            source.skip_hash()
        size, md5, final_etag = uploader.run(source, head, reuse)
        if not md5:  # no caller's ETag: the server's (multipart) ETag is the hash
            got, method = etag_hash(final_etag)
            info = ObjectInfo(name=obj, size=size, hash=got, hash_method=method,
                              mime_type=headers["Content-Type"], container=container,
                              account=account, properties=_props(headers),
                              version=uploader.version_id,
                              extra=_without_none({"etag": final_etag,
                                                   "parts": uploader.part_count,
                                                   f"checksum_{uploader.algorithm}":
                                                   uploader.checksum}))
            return info, [ChunkInfo(url=self.backend.url(container, obj), size=size,
                                    hash=got)]
        if etag is not None and etag != md5:
            self._discard(container, obj, opts)
            raise ChecksumMismatch(f"data has MD5 {md5}, the caller expected {etag}; the "
                                   "object was removed", expected=etag, actual=md5)
        info = ObjectInfo(name=obj, size=size, hash=md5, hash_method="md5",
                          mime_type=headers["Content-Type"], container=container,
                          account=account, properties=_props(headers),
                          version=uploader.version_id,
                          extra=_without_none({"etag": final_etag,
                                               "parts": uploader.part_count,
                                               f"checksum_{uploader.algorithm}":
                                               uploader.checksum}))
        return info, [ChunkInfo(url=self.backend.url(container, obj), size=size, hash=md5)]

    def download(self, account: str, container: str, obj: str, *,
                 version: Optional[Any], ranges: Optional[Sequence[Range]],
                 opts: CallOptions = DEFAULT_OPTS) -> Tuple[ObjectInfo, Any]:
        """GetObject (one range at most).  A whole body is checked against the
        full-object checksum the server reports (CRC32 for what objclient
        stored, or the backend's ``checksum_algorithm``), else against its
        ETag when that is an MD5; with the ``checksum`` option off only
        against its size (a ``checksum_algorithm`` still counts)."""
        backend = self.backend
        headers = {}
        if backend.checksum or backend.checksum_algorithm:
            headers["x-amz-checksum-mode"] = "ENABLED"
        if ranges:
            if len(ranges) > 1:
                raise InvalidArgument("S3 reads one range per request")
            headers["Range"] = range_header(ranges)
        query = version_query(version, backend)  # NotSupported before any request
        resp = backend.call("GET", container, obj, query=query, headers=headers,
                            opts=opts, stream=True, service="blob")
        got = lowered(resp.headers)
        info = info_from_headers(got, account, container, obj)
        length = got.get("content-length")
        whole = not ranges and resp.status_code == 200
        reported = _full_object_checksum(got) if whole and headers else None
        expected_md5 = info.hash if (whole and info.hash_method == "md5" and backend.checksum
                                     and reported is None) else None
        size = int(length) if length and length.isdigit() else None
        parts = None
        if whole and backend.checksum and reported is None and expected_md5 is None \
                and not etag_underived(resp.headers):
            parts = self._parts_check(container, obj, query, resp.headers.get("ETag"), size,
                                      opts, _composite_checksum(resp.headers))
        return info, BodyStream(resp, expected_size=size, expected_md5=expected_md5,
                                deadline=opts.deadline, chunk_size=backend.chunk_size,
                                checksum=reported, parts=parts)

    def ranged_check(self, account: str, container: str, obj: str, info: Any,
                     opts: CallOptions = DEFAULT_OPTS) -> Optional[PartsCheck]:
        """A multipart object's check for a download in ranges: against its
        composite checksum where the server reports one, else its ETag (see
        :meth:`_parts_check`; a HEAD with ``x-amz-checksum-mode``, which
        ``info``'s did not ask, then one more).  None for another object
        (the download checks its MD5 ETag) or with ``checksum`` off."""
        backend = self.backend
        if not backend.checksum:
            return None
        head = backend.call("HEAD", container, obj, headers={"x-amz-checksum-mode": "ENABLED"},
                            opts=opts, service="blob")
        length = head.headers.get("Content-Length") or ""
        if etag_underived(head.headers) or not length.isdigit():
            return None
        return self._parts_check(container, obj, None, head.headers.get("ETag"), int(length),
                                 opts, _composite_checksum(head.headers))

    def _parts_check(self, bucket: str, key: str, query: Optional[List[Tuple[str, str]]],
                     etag: Optional[str], size: Optional[int], opts: CallOptions,
                     composite: Optional[Tuple[str, str]] = None) -> Optional[PartsCheck]:
        """A check of a multipart object's body against its ETag, with the part
        size HEAD ``?partNumber=1`` gives (every later part but the last has that
        size: what S3 tools upload); None when the ETag is not a multipart one,
        the parts do not fit it, or the server does not tell (one HEAD).  With
        the ``composite`` checksum the server reported (``(algorithm,
        "<base64>-<count>")``), the body is checked against that instead: a
        CRC-32C in C costs a few per cent of the MD5s."""
        match = _MULTIPART_ETAG.fullmatch((etag or "").strip('"').lower())
        if match is None or not size:
            return None
        count = int(match.group(2))
        try:
            head = self.backend.call("HEAD", bucket, key,
                                     query=(query or []) + [("partNumber", "1")],
                                     opts=opts, service="blob")
        except ClientError:
            return None
        first = head.headers.get("Content-Length") or ""
        if head.status_code != 206 or head.headers.get("ETag") != etag \
                or not first.isdigit() or int(first) <= 0:
            return None
        part = int(first)
        if -(-size // part) != count:
            return None
        sizes = [part] * (count - 1) + [size - part * (count - 1)]
        if composite is not None and composite[1].endswith(f"-{count}"):
            return PartsCheck(sizes, composite[1], "s3", algorithm=composite[0])
        return PartsCheck(sizes, f"{match.group(1)}-{count}", "s3")

    def temp_url(self, account: str, container: str, obj: str, method: str = "GET",
                 expires: int = 3600) -> str:
        """A presigned URL (SigV4 query signing) for ``method`` on the object."""
        signer = self.backend.signer
        if signer is None:  # pragma: no cover - create_backend always sets it
            raise self._unsupported("temp_url")
        return signer.presign(self.backend.url(container, obj), method=method, expires=expires)

    def copy_in_parts(self, source: str, bucket: str, key: str, size: int,
                      headers: Mapping[str, str], if_match: Optional[str],
                      opts: CallOptions = DEFAULT_OPTS) -> str:
        """Copy ``size`` bytes of ``source`` (an ``x-amz-copy-source``
        value) to ``key`` with UploadPartCopy (see
        :meth:`.multipart.MultipartUploader.copy`).

        :param headers: the new object's type and metadata.
        :param if_match: the source's ETag (each part is conditional on it).
        :returns: the new object's ETag.
        """
        uploader = MultipartUploader(self.backend, bucket, key, headers, opts)
        return uploader.copy(source, size, if_match)

    # -- multipart housekeeping -----------------------------------------------------
    def list_uploads(self, bucket: str, prefix: Optional[str] = None,
                     opts: CallOptions = DEFAULT_OPTS) -> List[Dict[str, Any]]:
        """Multipart uploads in progress: ``[{"key", "upload_id", "initiated"}]``."""
        return list_uploads(self.backend, bucket, prefix, opts)

    def abort_stale_uploads(self, bucket: str, older_than: float = 86400.0,
                            prefix: Optional[str] = None,
                            opts: CallOptions = DEFAULT_OPTS) -> List[Dict[str, Any]]:
        """Abort uploads started more than ``older_than`` seconds ago.

        :returns: the uploads aborted.
        """
        return abort_stale_uploads(self.backend, bucket, older_than, prefix, opts)




_MULTIPART_ETAG = re.compile(r"([0-9a-f]{32})-([0-9]+)")


def _without_none(values: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _props(headers: Mapping[str, str]) -> Dict[str, str]:
    return meta_from_headers(headers)
