"""Swift object data: PUT (checked by MD5), GET with ranges, temp URLs."""

from __future__ import annotations

import re
import secrets
import time
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import unquote, urlsplit

from ...contract import DEFAULT_OPTS, BlobClient, CallOptions, Range
from ...exceptions import (BadRequest, ChecksumMismatch, ClientError, InvalidArgument,
                           NoSuchContainer, NoSuchObject, NotFound)
from ...integrity import PartsCheck
from ...http.headers import lowered
from ...http.stream import BodyStream
from ...models import ChunkInfo, ObjectInfo
from ...ranges import range_header
from ...source import Source
from ...streaming import ChunkStream
from .common import SwiftRequests, merged_headers, refine
from .container import object_info
from .versions import version_of, version_query
from .wire import (etag_of_etags, iter_byteranges, meta_headers, object_path,
                   parse_content_type_boundary, parse_http_date, quote_name,
                   temp_url_signature, unquote_etag)

__all__ = ["SwiftBlobClient", "PartsStream"]

_BLOCK = 1024 * 1024
#: Bodies up to this size are read into memory and sent as bytes.
_IN_MEMORY = 1024 * 1024
_MD5_HEX = re.compile(r"[0-9a-f]{32}")


class PartsStream(ChunkStream):
    """The bodies of a multipart/byteranges response, as one byte stream
    (iterable, with ``read()`` and ``close()``)."""

    def __init__(self, body: BodyStream, boundary: str) -> None:
        self._body = body
        self._parts = iter_byteranges(body, boundary)

    def _generate(self) -> Iterator[bytes]:
        try:
            yield from self._parts
        except ValueError as exc:
            self.close()
            raise ClientError(f"malformed multipart/byteranges response: {exc}") from None

    def _release(self) -> None:
        self._body.close()


def _blocks(source: Source) -> Iterator[bytes]:
    while True:
        block = source.read(_BLOCK)
        if not block:
            return
        yield block


def _prehash(source: Source) -> str:
    """MD5 of a rewindable source, which is then rewound; the send that
    follows is not hashed again (Swift checks it against this MD5)."""
    while source.read(_BLOCK):
        pass
    md5 = source.md5_hex()
    source.rewind(keep_digest=True)
    return md5


class SwiftBlobClient(SwiftRequests, BlobClient):
    """Object data on the proxy."""

    # -- upload --------------------------------------------------------------------
    def upload(self, account: str, container: str, obj: str, source: Source, *,
               mime_type: Optional[str], properties: Mapping[str, str],
               etag: Optional[str], append: bool, policy: Optional[str],
               autocreate: bool, container_properties: Optional[Mapping[str, str]],
               opts: CallOptions = DEFAULT_OPTS,
               resume: bool = False) -> Tuple[ObjectInfo, List[ChunkInfo]]:
        """Store ``source``: one PUT, or a static large object above the
        segment threshold (``resume``: see :mod:`.slo`)."""
        if append:
            raise self._unsupported("append")
        backend = self.swift
        headers = meta_headers("Object", properties)
        headers["Content-Type"] = mime_type or "application/octet-stream"
        if autocreate and not source.rewindable:
            self._ensure_container(account, container, policy, container_properties, opts)
        if source.size is not None and source.size > backend.segment_threshold:
            from .slo import upload_slo
            if autocreate:
                self._ensure_container(account, container, policy, container_properties, opts)
            info = upload_slo(self, account, container, obj, source, headers=headers,
                              etag=etag, policy=policy, opts=opts, resume=resume)
            backend.segment_containers.learn(account, container, True)
            url = backend.url(object_path(account, container, obj))
            return info, [ChunkInfo(url=url, pos="0", size=info.size, hash=info.hash)]
        replaced = self._replaced_segments(account, container, obj, opts)
        try:
            resp, md5, size = self._put(account, container, obj, source, headers, etag, opts)
        except NotFound as err:
            if not autocreate or not source.rewindable:
                raise refine(err, NoSuchContainer,
                             f"container {container!r} does not exist") from None
            self._ensure_container(account, container, policy, container_properties, opts)
            source.rewind()
            resp, md5, size = self._put(account, container, obj, source, headers, etag, opts)
        if replaced:
            from .slo import delete_segments
            delete_segments(self, account, container, replaced, opts)
        when = parse_http_date(resp.headers.get("Last-Modified")) or time.time()
        info = ObjectInfo(name=obj, size=size, hash=md5, hash_method="md5",
                          mime_type=headers["Content-Type"], ctime=when, mtime=when,
                          properties=dict(properties), container=container, account=account,
                          version=version_of(resp.headers.get("X-Object-Version-Id")))
        url = backend.url(object_path(account, container, obj))
        return info, [ChunkInfo(url=url, pos="0", size=size, hash=md5)]

    def _replaced_segments(self, account: str, container: str, obj: str,
                           opts: CallOptions) -> Dict[str, List[str]]:
        """The segments of the large object that a plain PUT of ``obj`` will
        replace (Swift keeps them, unused, forever).  Asked (one HEAD) only in
        containers that have a segment container and are not known to keep
        old versions (:mod:`.segments`)."""
        from .slo import replaced_segments
        if not self.swift.may_hold_large(account, container, opts):
            return {}
        return replaced_segments(self, account, container, obj, opts)

    def _ensure_container(self, account: str, container: str, policy: Optional[str],
                          properties: Optional[Mapping[str, str]], opts: CallOptions) -> None:
        try:
            self.swift.container.show(account, container, opts)
        except NoSuchContainer:
            self.swift.container.create(account, container, properties=properties or {},
                                          system={"policy": policy} if policy else {},
                                          opts=opts)

    def _put(self, account: str, container: str, obj: str, source: Source,
             headers: Mapping[str, str], etag: Optional[str],
             opts: CallOptions) -> Tuple[Any, str, int]:
        """One PUT; returns ``(response, md5, size)`` of what was stored.

        A known size up to ``upfront_md5_limit`` is sent with its MD5 as
        ``ETag`` (Swift refuses the data if it differs); a larger body, or a
        stream of unknown size (sent chunked), is hashed while it is sent and
        the ETag Swift answers is checked against that MD5 (on a mismatch the
        object is deleted).  A caller's ``etag`` always goes as ``ETag``.
        """
        path = object_path(account, container, obj)
        hdrs = dict(headers)
        if not self.swift.checksum:
            return self._put_unchecked(path, obj, source, hdrs, etag, opts)
        known = source.size is not None
        expected = etag
        if known and source.size <= _IN_MEMORY:  # type: ignore[operator]
            # Small: read once, hash once, send as bytes (no second pass).
            data = source.read()
            return self._put_bytes(path, obj, data, source.md5_hex(), hdrs, etag, opts)
        if (known and source.rewindable
                and source.size <= self.swift.upfront_md5_limit):  # type: ignore[operator]
            expected_md5 = _prehash(source)
            if etag and etag != expected_md5:
                raise ChecksumMismatch(f"data has MD5 {expected_md5}, the caller expected "
                                       f"{etag}", expected=etag, actual=expected_md5)
            expected = expected_md5
        if expected:
            hdrs["ETag"] = expected
        if known:
            hdrs["Content-Length"] = str(source.size)
            body: Any = source if source.size else b""
        else:
            body = _blocks(source)
        resp = self._send_put(path, hdrs, body, expected, opts)
        md5 = source.md5_hex()
        size = source.bytes_read
        stored = unquote_etag(resp.headers.get("Etag"))
        wanted = etag or md5
        if stored != md5 or md5 != wanted or (known and size != source.size):
            self._discard(path, opts)
            raise ChecksumMismatch(f"object {obj!r}: sent MD5 {md5}, Swift stored {stored}, "
                                   f"expected {wanted}", expected=wanted, actual=stored)
        return resp, md5, size

    def _put_unchecked(self, path: str, obj: str, source: Source, hdrs: dict,
                       etag: Optional[str], opts: CallOptions) -> Tuple[Any, str, int]:
        """``checksum=False``: nothing hashed here; the hash is the ETag Swift
        computed (Swift still checks a caller's ``etag``)."""
        source.skip_hash()
        known = source.size is not None
        if etag:
            hdrs["ETag"] = etag
        body: Any
        if known and source.size <= _IN_MEMORY:  # type: ignore[operator]
            body = source.read()
        elif known:
            hdrs["Content-Length"] = str(source.size)
            body = source if source.size else b""
        else:
            body = _blocks(source)
        resp = self._send_put(path, hdrs, body, etag, opts)
        size = source.bytes_read
        if known and size != source.size:
            self._discard(path, opts)
            raise ChecksumMismatch(f"object {obj!r}: {size} bytes sent of {source.size}",
                                   expected=str(source.size), actual=str(size))
        return resp, unquote_etag(resp.headers.get("Etag")) or "", size

    def _put_bytes(self, path: str, obj: str, data: bytes, md5: str, hdrs: dict,
                   etag: Optional[str], opts: CallOptions) -> Tuple[Any, str, int]:
        """PUT of a body held in memory, its MD5 (hashed as it was read) sent
        as ``ETag``."""
        if etag and etag != md5:
            raise ChecksumMismatch(f"data has MD5 {md5}, the caller expected {etag}",
                                   expected=etag, actual=md5)
        hdrs["ETag"] = md5
        resp = self._send_put(path, hdrs, data, md5, opts)
        stored = unquote_etag(resp.headers.get("Etag"))
        if stored != md5:
            self._discard(path, opts)
            raise ChecksumMismatch(f"object {obj!r}: sent MD5 {md5}, Swift stored {stored}",
                                   expected=md5, actual=stored)
        return resp, md5, len(data)

    def _send_put(self, path: str, hdrs: dict, body: Any, expected: Optional[str],
                  opts: CallOptions) -> Any:
        """The PUT itself; Swift's 422 (data not matching ``ETag``) is a ChecksumMismatch."""
        try:
            return self.http.request("PUT", self.swift.url(path),
                                     headers=merged_headers(opts, hdrs), data=body,
                                     **opts.http_kwargs("object", write=True))
        except BadRequest as err:
            if err.status == 422:
                raise ChecksumMismatch("Swift refused the data: its MD5 is not the expected "
                                       "one", expected=expected, status=422,
                                       method=err.method, url=err.url,
                                       request_id=err.request_id) from None
            raise

    def _discard(self, path: str, opts: CallOptions) -> None:
        try:
            self.http.request("DELETE", self.swift.url(path),
                              headers=merged_headers(opts), **opts.http_kwargs("object"))
        except ClientError:
            pass

    # -- download ----------------------------------------------------------------------
    def download(self, account: str, container: str, obj: str, *,
                 version: Optional[Any], ranges: Optional[Sequence[Range]],
                 opts: CallOptions = DEFAULT_OPTS) -> Tuple[ObjectInfo, Iterator[bytes]]:
        headers = {}
        if ranges:
            headers["Range"] = range_header(ranges)
        path = object_path(account, container, obj)
        try:
            resp = self.http.request("GET", self.swift.url(path), params=version_query(version),
                                     headers=merged_headers(opts, headers), stream=True,
                                     **opts.http_kwargs("object"))
        except NotFound as err:
            what = "object" if version is None else f"version {version} of object"
            raise refine(err, NoSuchObject, f"{what} {obj!r} does not exist in container "
                         f"{container!r}") from None
        got = lowered(resp.headers)
        info = object_info(obj, got, account, container)
        length = got.get("content-length")
        size = int(length) if length and length.isdigit() else None
        whole = resp.status_code == 200
        md5 = info.hash if whole and info.hash_method == "md5" and self.swift.checksum \
            else None
        parts = None
        if whole and self.swift.checksum and size and info.chunk_method == "slo":
            parts = self._segments_check(path, version, got.get("etag"), size, opts)
        body = BodyStream(resp, expected_size=size, expected_md5=md5, deadline=opts.deadline,
                          parts=parts)
        if resp.status_code == 206:
            boundary = parse_content_type_boundary(got.get("content-type", ""))
            if boundary:
                return info, PartsStream(body, boundary)  # type: ignore[return-value]
        elif ranges and whole:
            # The server ignored the Range header: cut the ranges here.
            return info, _cut_ranges(body, ranges, info.size)  # type: ignore[return-value]
        return info, body  # type: ignore[return-value]

    def ranged_check(self, account: str, container: str, obj: str, info: Any,
                     opts: CallOptions = DEFAULT_OPTS) -> Optional[PartsCheck]:
        """A static large object's check for a download in ranges: its
        segments' MD5s against its ETag, from the manifest (one GET; ``info``,
        the download's HEAD, says whether it is one).  None for another
        object (the download checks its MD5 ETag) or with ``checksum`` off."""
        if not self.swift.checksum or info.chunk_method != "slo" or not info.size:
            return None
        return self._segments_check(object_path(account, container, obj), None, info.hash,
                                    info.size, opts)

    def _segments_check(self, path: str, version: Optional[Any], etag: Optional[str],
                        size: int, opts: CallOptions) -> Optional[PartsCheck]:
        """A check of a static large object's body, segment by segment, with
        the sizes and MD5s of its manifest (one GET); None when the manifest
        cannot be read, has ranges or nested manifests, or no longer makes
        ``etag`` (the object changed in between)."""
        params = dict(version_query(version) or {})
        params["multipart-manifest"] = "get"
        try:
            _resp, doc = self.http.request_json("GET", self.swift.url(path), params=params,
                                                headers=merged_headers(opts),
                                                **opts.http_kwargs("object"))
        except ClientError:
            return None
        if not isinstance(doc, list) or not all(
                isinstance(seg, dict) and not seg.get("range") and not seg.get("sub_slo")
                for seg in doc):
            return None
        try:
            sizes = [int(seg["bytes"]) for seg in doc]
            hashes = [str(seg["hash"]) for seg in doc]
        except (KeyError, TypeError, ValueError):
            return None
        expected = unquote_etag(etag) or ""
        if sum(sizes) != size or not all(_MD5_HEX.fullmatch(h) for h in hashes) \
                or etag_of_etags(hashes) != expected:
            return None
        return PartsCheck(sizes, expected, "swift")

    # -- temp URLs ---------------------------------------------------------------------
    def temp_url(self, account: str, container: str, obj: str, method: str = "GET",
                 expires: int = 3600, opts: CallOptions = DEFAULT_OPTS) -> str:
        """A temporary URL: anyone holding it may ``method`` the object for
        ``expires`` seconds.  Signed with HMAC-SHA256 when the cluster's
        ``/info`` allows it (else SHA1), with the account's temp URL key (one
        is set when the account has none).

        :raises InvalidArgument: bad method or expiry.
        """
        method = method.upper()
        if method not in ("GET", "HEAD", "PUT", "POST", "DELETE"):
            raise InvalidArgument(f"no temporary URL for method {method}")
        if not isinstance(expires, int) or expires <= 0:
            raise InvalidArgument("expires is a positive number of seconds")
        key = self._temp_url_key(account, opts)
        url = self.swift.url(object_path(account, container, obj))
        path = unquote(urlsplit(url).path)
        expires_at = int(time.time()) + expires
        digest = self.swift.tempurl_digest()
        sig = temp_url_signature(key, method, expires_at, path, digest)
        return f"{url}?temp_url_sig={sig}&temp_url_expires={expires_at}"

    def _temp_url_key(self, account: str, opts: CallOptions) -> str:
        keys = self.swift.temp_url_keys
        if account in keys:
            return keys[account]
        resp = self.http.request("HEAD", self.swift.url("/" + quote_name(account)),
                                 headers=merged_headers(opts), **opts.http_kwargs("account"))
        key = resp.headers.get("X-Account-Meta-Temp-URL-Key")
        if not key:
            key = secrets.token_hex(32)
            self.http.request("POST", self.swift.url("/" + quote_name(account)),
                              headers=merged_headers(opts,
                                                     {"X-Account-Meta-Temp-URL-Key": key}),
                              idempotent=True, **opts.http_kwargs("account"))
        keys[account] = key
        return key


class _Cut:
    """Ranges cut from a whole body (when a server ignores ``Range``)."""

    def __init__(self, body: BodyStream, spans: List[Tuple[int, int]]) -> None:
        self._body = body
        self._spans = spans

    def __iter__(self) -> Iterator[bytes]:
        data = self._body.read()
        for first, last in self._spans:
            yield data[first:last + 1]

    def read(self, size: int = -1) -> bytes:
        """Everything left (this path is for rare responses; ``size`` is ignored)."""
        return b"".join(self)

    def close(self) -> None:
        """Release the connection."""
        self._body.close()


def _cut_ranges(body: BodyStream, ranges: Sequence[Range], size: int) -> _Cut:
    from ...ranges import resolve_range
    return _Cut(body, [resolve_range(r, size) for r in ranges])

