"""Moving bytes: objects through the filer, raw blobs on the volume servers.

Objects (``upload`` / ``download``) are filer files: the body is streamed
(constant memory, ``Transfer-Encoding: chunked`` when the size is unknown),
the filer cuts it into chunks on the volume servers and keeps the whole
file's MD5, which is checked both ways: a caller's ``etag`` is sent as
``Content-MD5`` (the filer refuses a mismatch and stores nothing), the MD5
the filer computed is compared with ours after the upload, and a whole
download is checked against the filer's ETag (the same MD5).

Raw blobs by file id are for SeaweedFS power users: ``upload_fid`` sends a
streamed multipart form to ``http://VOLUME/FID``; ``read_fid``, ``head_fid``
and ``delete_fid`` find the volume through the master (cached), try each
replica in turn, and drop the cached locations to look them up again when
every replica failed or answered 404.  A volume server's ETag is the blob's
CRC-32C (see :mod:`.checksum`), checked on upload and on whole reads up to
``verify_limit`` bytes; an upload whose MD5 is known beforehand (bytes, a
seekable file, or ``md5=``) also carries ``Content-MD5``, which the volume
server verifies itself.
"""

from __future__ import annotations

import hashlib
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    cast,
)

import attrs

from ...contract import DEFAULT_OPTS, BlobClient, CallOptions, Range
from ...exceptions import (
    ChecksumMismatch,
    ClientError,
    ConnectionFailed,
    InvalidArgument,
    NoSuchContainer,
    NoSuchObject,
    NotFound,
    ServerError,
    Timeout,
)
from ...http import BodyStream
from ...http.retry import RetryPolicy
from ...models import ChunkInfo, ObjectInfo
from ...ranges import range_header
from ...source import Source, open_source
from ...streaming import ChunkStream
from .checksum import Crc32c
from .directory import VolumeLocation, volume_of
from .multipart import MultipartBody
from .names import (
    encode_property_value,
    extended_to_properties,
    hex_to_md5_b64,
    md5_b64_to_hex,
    property_header,
)

if TYPE_CHECKING:  # pragma: no cover
    from . import SeaweedBackend
    from .container import SeaweedContainerClient
    from .directory import SeaweedDirectoryClient

__all__ = ["SeaweedBlobClient", "BlobInfo", "CrcStream", "ChainedStream"]

_FAILOVER = (ConnectionFailed, Timeout, ServerError, NotFound)
_NO_RETRY = RetryPolicy.disabled()


@attrs.frozen
class BlobInfo:
    """A raw blob on a volume server.

    :param fid: its file id.
    :param size: its length in bytes (None when the server sent it
        compressed without saying the plain length).
    :param etag: the volume server's ETag: hex CRC-32C of the bytes.
    :param url: the volume server that answered (``http://host:port``).
    :param mime_type: the type given at upload, if any.
    :param name: the file name given at upload, if any.
    """

    fid: str
    size: Optional[int]
    etag: Optional[str] = None
    url: Optional[str] = None
    mime_type: Optional[str] = None
    name: Optional[str] = None


class CrcStream(ChunkStream):
    """A stream that checks the CRC-32C of what passes through it at the end.

    :param inner: an iterator of bytes with ``close()`` (a BodyStream).
    :param expected: the hex CRC-32C the bytes must have.
    """

    def __init__(self, inner: Any, expected: str) -> None:
        self._inner = inner
        self._expected = expected.lower()
        self._crc = Crc32c()

    def _generate(self) -> Iterator[bytes]:
        for block in self._inner:
            self._crc.update(block)
            yield block
        if self._crc.hexdigest() != self._expected:
            raise ChecksumMismatch(f"blob has CRC-32C {self._crc.hexdigest()}, the volume "
                                   f"server's ETag says {self._expected}",
                                   expected=self._expected, actual=self._crc.hexdigest())

    def _release(self) -> None:
        self._inner.close()


class ChainedStream(ChunkStream):
    """Several streams read one after the other (several ranges), opened lazily."""

    def __init__(self, openers: Sequence[Callable[[], Any]]) -> None:
        self._openers = list(openers)
        self._current: Any = None

    def _generate(self) -> Iterator[bytes]:
        while self._openers:
            self._current = self._openers.pop(0)()
            try:
                yield from self._current
            finally:
                self._current.close()

    def _release(self) -> None:
        self._openers = []
        if self._current is not None:
            self._current.close()


class SeaweedBlobClient(BlobClient):
    """Objects through the filer; raw blobs by file id on the volume servers."""

    backend: "SeaweedBackend"

    @property
    def _containers(self) -> "SeaweedContainerClient":
        return cast("SeaweedContainerClient", self.backend.container)

    @property
    def _directory(self) -> "SeaweedDirectoryClient":
        return cast("SeaweedDirectoryClient", self.backend.directory)

    # -- objects (filer) ----------------------------------------------------------
    def upload(self, account: str, container: str, obj: str, source: Source, *,
               mime_type: Optional[str], properties: Mapping[str, str],
               etag: Optional[str], append: bool, policy: Optional[str],
               autocreate: bool, container_properties: Optional[Mapping[str, str]],
               opts: CallOptions = DEFAULT_OPTS) -> Tuple[ObjectInfo, List[ChunkInfo]]:
        containers = self._containers
        clevels = containers.levels(account, container)
        if not autocreate or container_properties:
            if self.backend.filer.stat(clevels, opts) is None:
                if not autocreate:
                    raise NoSuchContainer(f"container {container!r} does not exist in "
                                          f"account {account!r}")
                containers.create(account, container, properties=container_properties or {},
                                  system={}, opts=opts)
        headers = dict(opts.headers)
        headers["Content-Type"] = mime_type or "application/octet-stream"
        for key, value in properties.items():
            headers[property_header(key)] = encode_property_value(value)
        if etag:
            content_md5 = hex_to_md5_b64(etag)
            if content_md5 is None:
                raise ChecksumMismatch(f"etag {etag!r} is not a hex MD5", expected=etag)
            headers["Content-MD5"] = content_md5
        params = self.backend.placement()
        url = self.backend.filer.url(containers.object_levels(account, container, obj))
        try:
            resp, body = self.http.request_json("PUT", url, params=params or None,
                                                headers=headers, data=source,
                                                **opts.http_kwargs("filer", write=True))
        except ClientError as err:
            if etag and err.status == 400 and "md5" in (err.server_message or "").lower():
                raise ChecksumMismatch(f"the filer refused the data: its MD5 is not {etag}",
                                       expected=etag,
                                       server_message=err.server_message) from None
            raise
        md5 = source.md5_hex()
        size = source.bytes_read
        stored = md5_b64_to_hex(resp.headers.get("Content-MD5"))
        stored_size = (body or {}).get("size")
        if (stored is not None and stored != md5) or (
                stored_size is not None and int(stored_size) != size):
            self._discard(account, container, obj, opts)
            raise ChecksumMismatch(f"the filer stored {stored_size} bytes with MD5 {stored}; "
                                   f"{size} bytes with MD5 {md5} were sent",
                                   expected=md5, actual=stored)
        if etag and etag != md5:
            self._discard(account, container, obj, opts)
            raise ChecksumMismatch(f"the data's MD5 is {md5}, not {etag}", expected=etag,
                                   actual=md5)
        info = ObjectInfo(name=obj, size=size, hash=md5, hash_method="md5",
                          mime_type=headers["Content-Type"], properties=dict(properties),
                          container=container, account=account)
        return info, []

    def _discard(self, account: str, container: str, obj: str, opts: CallOptions) -> None:
        try:
            self.backend.container.content_delete(account, container, obj, None, opts)
        except ClientError:
            pass

    def download(self, account: str, container: str, obj: str, *,
                 version: Optional[Any], ranges: Optional[Sequence[Range]],
                 opts: CallOptions = DEFAULT_OPTS) -> Tuple[ObjectInfo, Iterator[bytes]]:
        if version is not None:
            raise InvalidArgument("the seaweedfs backend keeps no object versions")
        containers = self._containers
        url = self.backend.filer.url(containers.object_levels(account, container, obj))
        if ranges and len(ranges) > 1:
            info = containers.content_show(account, container, obj, version, opts)
            openers = [lambda r=r: self._get(url, [r], account, container, obj, opts)[1]
                       for r in ranges]
            return info, cast(Iterator[bytes], ChainedStream(openers))
        info, stream = self._get(url, ranges, account, container, obj, opts)
        return info, cast(Iterator[bytes], stream)

    def _get(self, url: str, ranges: Optional[Sequence[Range]], account: str, container: str,
             obj: str, opts: CallOptions) -> Tuple[ObjectInfo, BodyStream]:
        headers = dict(opts.headers)
        if ranges:
            headers["Range"] = range_header(ranges)
        try:
            resp = self.http.request("GET", url, headers=headers, stream=True,
                                     **opts.http_kwargs("filer"))
        except NotFound:
            raise self._containers.not_found(account, container, obj, opts) from None
        etag = resp.headers.get("ETag", "").strip('"').lower()
        md5 = etag if len(etag) == 32 and all(c in "0123456789abcdef" for c in etag) else None
        size = _plain_length(resp.headers)
        total = size
        crange = resp.headers.get("Content-Range", "")
        if "/" in crange and crange.rsplit("/", 1)[1].isdigit():
            total = int(crange.rsplit("/", 1)[1])
        partial = resp.status_code == 206
        if partial and size is not None and ranges and resp.headers.get(
                "Content-Type", "").startswith("multipart/"):
            resp.close()
            raise ServerError("the filer answered one range with several parts")
        info = ObjectInfo(
            name=obj, size=total or 0, hash=md5, hash_method="md5" if md5 else None,
            mime_type=resp.headers.get("Content-Type") or "application/octet-stream",
            container=container, account=account,
            properties=_header_properties(resp.headers))
        stream = BodyStream(resp, expected_size=size,
                            expected_md5=None if partial else md5, deadline=opts.deadline)
        return info, stream

    # -- raw blobs by file id (volume servers) --------------------------------------------
    def _locations(self, fid: str, refresh: bool, opts: CallOptions) -> List[VolumeLocation]:
        return self._directory.lookup(volume_of(fid), refresh=refresh, opts=opts)

    def _on_replicas(self, fid: str, send: Callable[[VolumeLocation], Any],
                     opts: CallOptions) -> Tuple[VolumeLocation, Any]:
        """Run ``send`` on each replica of ``fid``'s volume until one answers.

        When every cached location fails (down, or 404 because the volume
        moved), the locations are looked up again once and tried anew.
        """
        errors: List[ClientError] = []
        for refresh in (False, True):
            locations = self._locations(fid, refresh, opts)
            for loc in locations:
                try:
                    return loc, send(loc)
                except _FAILOVER as err:
                    errors.append(err)
            self._directory.invalidate(fid)
        not_found = [e for e in errors if isinstance(e, NotFound)]
        if not_found and len(not_found) == len(errors):
            raise NoSuchObject(f"no replica of volume {volume_of(fid)} holds file id {fid}")
        raise errors[-1]

    def upload_fid(self, fid: str, data: Any, *, url: Optional[str] = None,
                   filename: str = "blob", mime_type: Optional[str] = None,
                   md5: Optional[str] = None, ttl: Optional[str] = None,
                   auth: Optional[str] = None, verify: bool = True,
                   opts: CallOptions = DEFAULT_OPTS) -> BlobInfo:
        """Store a blob under a file id from :meth:`SeaweedDirectoryClient.assign`.

        :param data: bytes, str, a file object or an iterable of bytes
            (streamed; memory stays flat).
        :param url: the volume server to write to (the assignment's ``url``);
            looked up by volume id when None.
        :param md5: the data's hex MD5, sent as ``Content-MD5`` (computed
            first when the data can be read twice).
        :param auth: the assignment's JWT, when the cluster signs writes.
        :param verify: when no MD5 could be sent ahead (a one-pass stream),
            check the server's ETag against our CRC-32C of the bytes sent, or,
            when the server compressed the blob (its ETag is then the CRC of
            the compressed bytes), read it back and compare MD5s.
        :raises ChecksumMismatch: the volume server stored other bytes.
        """
        volume_of(fid)
        with open_source(data=data) as source:
            if md5 is None and source.rewindable and source.size is not None:
                for _block in source:
                    pass
                md5 = source.md5_hex()
                source.rewind()
            content_md5 = hex_to_md5_b64(md5) if md5 else None
            body = MultipartBody(source, filename=filename,
                                 mime_type=mime_type or "application/octet-stream",
                                 crc=verify and content_md5 is None)
            headers = dict(opts.headers)
            headers["Content-Type"] = body.content_type
            if content_md5:
                headers["Content-MD5"] = content_md5
            if auth:
                headers["Authorization"] = f"BEARER {auth}"
            params = {"ttl": ttl or self.backend.ttl} if (ttl or self.backend.ttl) else None
            base = f"http://{url}" if url and "://" not in url else url
            if base is None:
                base = self._locations(fid, False, opts)[0].base
            try:
                _resp, answer = self.http.request_json(
                    "POST", f"{base}/{fid}", params=params, headers=headers, data=body,
                    idempotent=True, **opts.http_kwargs("volume", write=True))
            except ClientError as err:
                if content_md5 and err.status == 400 and "md5" in (
                        err.server_message or "").lower():
                    raise ChecksumMismatch(f"the volume server refused the blob: "
                                           f"{err.server_message}", expected=md5) from None
                raise
            answer = answer or {}
            size = int(answer.get("size", -1))
            etag = str(answer.get("eTag") or "").strip('"').lower() or None
            if size != source.bytes_read:
                raise ChecksumMismatch(f"the volume server stored {size} bytes of "
                                       f"{source.bytes_read}")
            if body.crc is not None and etag != body.crc.hexdigest():
                # The volume server gzips compressible blobs and its ETag is the
                # CRC-32C of what it stored: compare MD5s by reading back.
                self._check_back(fid, source.md5_hex(), opts)
        return BlobInfo(fid=fid, size=size, etag=etag, url=base, mime_type=mime_type,
                        name=filename)

    def _check_back(self, fid: str, md5: str, opts: CallOptions) -> None:
        _info, stream = self.read_fid(fid, verify=False, opts=opts)
        digest = hashlib.md5()
        with stream:
            for block in stream:
                digest.update(block)
        if digest.hexdigest() != md5:
            raise ChecksumMismatch(f"blob {fid} reads back with MD5 {digest.hexdigest()}, "
                                   f"{md5} was sent", expected=md5, actual=digest.hexdigest())

    def read_fid(self, fid: str, ranges: Optional[Sequence[Range]] = None, *,
                 verify: Optional[bool] = None,
                 opts: CallOptions = DEFAULT_OPTS) -> Tuple[BlobInfo, Any]:
        """Read a blob (or one byte range of it) from any replica.

        :param verify: check the whole blob's CRC-32C against the ETag
            (default: when it is at most ``verify_limit`` bytes).
        :returns: ``(info, stream)``; the stream must be read or closed.
        """
        headers = dict(opts.headers)
        if ranges:
            headers["Range"] = range_header(ranges)

        def send(loc: VolumeLocation) -> Any:
            return self.http.request("GET", f"{loc.base}/{fid}", headers=headers, stream=True,
                                     retries=_NO_RETRY, **opts.http_kwargs("volume"))

        loc, resp = self._on_replicas(fid, send, opts)
        info = _blob_info(fid, loc, resp.headers)
        stream: Any = BodyStream(resp, expected_size=_plain_length(resp.headers),
                                 deadline=opts.deadline)
        if verify is None:
            verify = 0 < (info.size or 0) <= self.backend.verify_limit
        # A gzip-encoded answer carries the stored (compressed) bytes, whose
        # CRC-32C is the ETag; urllib3 decodes them and zlib checks gzip's
        # own CRC-32, so only plain answers are checked here.
        if (verify and resp.status_code == 200 and info.etag and len(info.etag) == 8
                and not resp.headers.get("Content-Encoding")):
            stream = CrcStream(stream, info.etag)
        return info, stream

    def head_fid(self, fid: str, opts: CallOptions = DEFAULT_OPTS) -> BlobInfo:
        """A blob's size and ETag, from any replica."""
        headers = dict(opts.headers)
        headers["Accept-Encoding"] = "identity"  # the plain size, even if stored gzipped

        def send(loc: VolumeLocation) -> Any:
            return self.http.request("HEAD", f"{loc.base}/{fid}", headers=headers,
                                     retries=_NO_RETRY, **opts.http_kwargs("volume"))

        loc, resp = self._on_replicas(fid, send, opts)
        return _blob_info(fid, loc, resp.headers)

    def delete_fid(self, fid: str, opts: CallOptions = DEFAULT_OPTS) -> None:
        """Delete a blob (the volume server deletes its replicas too).

        :raises NoSuchObject: no replica holds it.
        """
        def send(loc: VolumeLocation) -> Any:
            return self.http.request("DELETE", f"{loc.base}/{fid}",
                                     headers=dict(opts.headers), retries=_NO_RETRY,
                                     **opts.http_kwargs("volume"))

        self._on_replicas(fid, send, opts)


def _plain_length(headers: Any) -> Optional[int]:
    """The body's decoded length, when the answer says it (not when encoded)."""
    length = headers.get("Content-Length", "")
    if headers.get("Content-Encoding") or not length.isdigit():
        return None
    return int(length)


def _blob_info(fid: str, loc: VolumeLocation, headers: Any) -> BlobInfo:
    etag = headers.get("ETag", "").strip('"').lower() or None
    crange = headers.get("Content-Range", "")
    length = headers.get("Content-Length", "")
    size: Optional[int] = None
    if "/" in crange and crange.rsplit("/", 1)[1].isdigit():
        size = int(crange.rsplit("/", 1)[1])
    elif length.isdigit() and not headers.get("Content-Encoding"):
        size = int(length)
    name = None
    disposition = headers.get("Content-Disposition", "")
    if "filename=" in disposition:
        name = disposition.split("filename=", 1)[1].strip().strip('"') or None
    return BlobInfo(fid=fid, size=size, etag=etag, url=loc.base,
                    mime_type=headers.get("Content-Type"), name=name)


def _header_properties(headers: Any) -> dict:
    return extended_to_properties({k: v for k, v in headers.items()}, b64=False)

