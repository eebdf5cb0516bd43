"""OpenIO's ``BlobClient`` call forms (oio-sds ``oio/blob/client.py``) on
``api.blob_client``, over objclient's one HTTP client.

Each call is one rawx route (rawx/handler_chunk.go, served route by route
by ``tests/fakes/openio.py``): ``chunk_put`` a ``PUT`` (uploadChunk),
``chunk_get`` a ``GET`` (downloadChunk), ``chunk_head`` a ``HEAD``
(checkChunk), ``chunk_delete`` a ``DELETE`` (removeChunk, 204),
``chunk_link`` a ``COPY`` with ``Destination`` (copyChunk, 201);
``chunk_copy`` is oio's ``chunk_get`` then ``chunk_put``.  The keywords
oio's calls pass to its HTTP layer (``headers``, ``reqid``,
``connection_timeout``, ``read_timeout``, ``write_timeout``, ``deadline``,
``perfdata``) are honoured; errors are objclient's typed ones.
"""

from __future__ import annotations

import hashlib
import secrets
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Dict, Iterable, Iterator, List, Mapping, Optional, Tuple
from urllib.parse import unquote

from ...contract import CallOptions
from ...exceptions import ChecksumMismatch, ClientError
from ...http.stream import BodyStream
from ...http.retry import RetryPolicy
from .protocol import encode_fullpath, request_id
from .proxy_client import ProxyResponse, call_options
from .rawx import CHUNK_META, chunk_put_headers

if TYPE_CHECKING:  # pragma: no cover
    from . import OioBackend

__all__ = ["BlobClientCalls", "chunk_meta_of"]

_NO_RETRY = RetryPolicy.disabled()
#: oio's CHUNK_HEADERS names where they are not the header's own
#: (``content_chunkmethod``, ``content_policy``); the others are the
#: ``X-oio-Chunk-Meta-*`` name lower-cased with ``_`` for ``-``.
_OIO_NAMES = {"content_chunk_method": "content_chunkmethod",
              "content_storage_policy": "content_policy"}
_BLOCK = 1 << 16


def chunk_meta_of(headers: Mapping[str, str]) -> Dict[str, Any]:
    """oio's ``extract_headers_meta``: each ``X-oio-Chunk-Meta-*`` header
    under oio's name (unescaped, ``full_path`` as sent) and ``chunk_mtime``
    (seconds) from ``Last-Modified``."""
    prefix = CHUNK_META.lower()
    meta: Dict[str, Any] = {}
    for key, value in headers.items():
        if key.lower().startswith(prefix):
            name = key[len(prefix):].lower().replace("-", "_")
            name = _OIO_NAMES.get(name, name)
            meta[name] = value if name == "full_path" else unquote(value)
    modified = headers.get("Last-Modified")
    if modified:
        meta["chunk_mtime"] = parsedate_to_datetime(modified).timestamp()
    return meta


def _blocks(data: Any) -> Iterator[bytes]:
    """bytes, a file object (``read``) or an iterable of bytes, as blocks."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        yield bytes(data)
    elif hasattr(data, "read"):
        while True:
            block = data.read(_BLOCK)
            if not block:
                return
            yield block
    else:
        yield from data


class BlobClientCalls:
    """Mixed into the OpenIO blob sub-client: oio's ``BlobClient`` calls."""

    backend: "OioBackend"

    def _rawx(self, method: str, url: str, opts: CallOptions, *,
              headers: Optional[Mapping[str, str]] = None, write: bool = False,
              **kwargs: Any) -> Any:
        hdrs = {"x-oio-req-id": request_id(opts)}
        hdrs.update(headers or {})
        hdrs.update(opts.headers)
        return self.backend.http.request(method, url, headers=hdrs,
                                         **opts.http_kwargs("rawx", write=write), **kwargs)

    def chunk_put(self, url: str, meta: Mapping[str, Any], data: Any,
                  **kwargs: Any) -> Tuple[int, str]:
        """Store one chunk, as oio's ``chunk_put(url, meta, data)``.

        :param meta: ``chunk_pos``, ``container_id``, ``content_path``,
            ``content_version`` (or ``version``), ``content_id`` (or ``id``),
            ``content_policy`` (or ``policy``), ``content_chunkmethod`` (or
            ``chunk_method``) and ``full_path`` (or ``account`` and
            ``container`` to build it).
        :param data: bytes, a file object or an iterable of bytes.
        :returns: ``(bytes_transferred, chunk_hash)`` (upper-case hex MD5).
        :raises ChecksumMismatch: the rawx stored other bytes than were sent.
        """
        opts = call_options(kwargs)
        version = meta.get("content_version", meta.get("version"))
        content_id = str(meta.get("content_id", meta.get("id")))
        path = str(meta["content_path"])
        fullpath = meta.get("full_path") or encode_fullpath(
            meta["account"], meta["container"], path, version, content_id)
        headers = chunk_put_headers(
            url=url, cid=str(meta["container_id"]), account="", container="", path=path,
            version=version, content_id=content_id,
            policy=str(meta.get("content_policy", meta.get("policy"))),
            chunk_method=str(meta.get("content_chunkmethod", meta.get("chunk_method"))),
            pos=str(meta["chunk_pos"]), fullpath=fullpath)
        headers.update(kwargs.get("headers") or {})
        md5, sent = hashlib.md5(), [0]

        def body() -> Iterator[bytes]:
            for block in _blocks(data):
                md5.update(block)
                sent[0] += len(block)
                yield block

        resp = self._rawx("PUT", url, opts, headers=headers, data=body(), write=True,
                          idempotent=False, retries=_NO_RETRY)
        digest = md5.hexdigest().upper()
        stored = resp.headers.get(CHUNK_META + "Chunk-Hash")
        if stored and stored.upper() != digest:
            raise ChecksumMismatch(f"the rawx stored a chunk with hash {stored}, "
                                   f"{digest} was sent", expected=digest, actual=stored)
        return sent[0], digest

    def chunk_get(self, url: str, check_headers: bool = True, verify_checksum: Any = False,
                  buffer_size: Optional[int] = None,
                  **kwargs: Any) -> Tuple[Dict[str, Any], Iterator[bytes]]:
        """Read one chunk, as oio's ``chunk_get(url)``.

        :param check_headers: accepted (the rawx always sends the chunk's
            attributes).
        :param verify_checksum: True: the stream checks the data against
            the chunk's ``chunk_hash``; a string: against that MD5.
        :param buffer_size: the size of the blocks the stream yields.
        :returns: ``(chunk meta, stream)``; the stream has ``close()``.
        """
        opts = call_options(kwargs)
        resp = self._rawx("GET", url, opts, headers=kwargs.get("headers"), stream=True,
                          idempotent=True)
        meta = chunk_meta_of(resp.headers)
        expected = verify_checksum if isinstance(verify_checksum, str) else (
            meta.get("chunk_hash") if verify_checksum else None)
        if expected is not None and len(expected) != 32:
            expected = None  # a blake3 chunk: no MD5 to check
        stream = BodyStream(resp, chunk_size=buffer_size or _BLOCK, expected_md5=expected,
                            deadline=opts.deadline)
        return meta, stream

    def chunk_delete(self, url: str, **kwargs: Any) -> ProxyResponse:
        """Delete one chunk (rawx answers 204), as oio's ``chunk_delete(url)``.

        :raises NotFound: the rawx has no such chunk.
        """
        opts = call_options(kwargs)
        resp = self._rawx("DELETE", url, opts, headers=kwargs.get("headers"), idempotent=True)
        return ProxyResponse.of(resp)

    def chunk_delete_many(self, chunks: Iterable[Mapping[str, Any]], cid: Optional[str] = None,
                          concurrency: int = 3, **kwargs: Any) -> List[Any]:
        """Delete chunks, as oio's ``chunk_delete_many(chunks)``: one reply
        per chunk, in order, each with the chunk as ``.chunk``; a chunk
        that failed gives its error (a :class:`ClientError`, also with
        ``.chunk``) instead of raising.

        :param cid: sent as ``X-oio-Chunk-Meta-Container-Id`` (for the
            rawx's access log, as oio does).
        :param concurrency: accepted; the deletes are sent one by one.
        """
        headers = dict(kwargs.pop("headers", None) or {})
        if cid is not None:
            headers[CHUNK_META + "Container-Id"] = cid
        out: List[Any] = []
        for chunk in chunks:
            try:
                reply: Any = self.chunk_delete(chunk["url"], headers=headers, **kwargs)
                reply = ProxyResponse(reply.status, reply.reason, reply.headers, reply.data,
                                      chunk=dict(chunk))
            except ClientError as err:
                err.chunk = dict(chunk)  # type: ignore[attr-defined]
                reply = err
            out.append(reply)
        return out

    def chunk_link(self, target: str, link: Optional[str], fullpath: str,
                   headers: Optional[Mapping[str, str]] = None,
                   write_timeout: Optional[float] = None,
                   **kwargs: Any) -> Tuple[ProxyResponse, str]:
        """Hard-link a chunk under a new id on the same rawx (``COPY``), as
        oio's ``chunk_link(target, link, fullpath)``.

        :param link: the new chunk URL, or a chunk id (put in place of the
            target's), or None for the target's id with its last 60 hex
            digits drawn at random.
        :param fullpath: the link's ``X-oio-Chunk-Meta-Full-Path``.
        :returns: ``(resp, link URL)``.
        """
        if write_timeout is not None:
            kwargs["read_timeout"] = write_timeout
        opts = call_options(kwargs)
        link = _link_url(target, link)
        hdrs = dict(headers or {})
        hdrs.update({"Destination": link, CHUNK_META + "Full-Path": fullpath})
        resp = self._rawx("COPY", target, opts, headers=hdrs, idempotent=False)
        return ProxyResponse.of(resp), link

    def chunk_copy(self, from_url: str, to_url: str, chunk_id: Optional[str] = None,
                   fullpath: Optional[str] = None, cid: Optional[str] = None,
                   path: Optional[str] = None, version: Optional[Any] = None,
                   content_id: Optional[str] = None, headers: Optional[Mapping[str, str]] = None,
                   buffer_size: Optional[int] = None, **kwargs: Any) -> None:
        """Copy a chunk to another rawx, as oio's ``chunk_copy``: read it
        (checking its hash), write it with the given attributes (else the
        source's), and delete the copy when its size or hash differs."""
        meta, stream = self.chunk_get(from_url, verify_checksum=True, buffer_size=buffer_size,
                                      **kwargs)
        try:
            new = dict(meta, chunk_id=chunk_id or to_url.rsplit("/", 1)[-1],
                       full_path=fullpath or meta.get("full_path"),
                       container_id=cid or meta.get("container_id"),
                       content_path=path or meta.get("content_path"),
                       content_version=version or meta.get("content_version"),
                       content_id=content_id or meta.get("content_id"))
            size, digest = self.chunk_put(to_url, new, stream, headers=headers, **kwargs)
        finally:
            stream.close()  # type: ignore[attr-defined]
        expected_size = meta.get("chunk_size")
        if (expected_size is not None and int(expected_size) != size) or \
                (meta.get("chunk_hash") and meta["chunk_hash"].upper() != digest):
            self.chunk_delete(to_url, **kwargs)
            raise ChecksumMismatch("the copied chunk differs from its source",
                                   expected=meta.get("chunk_hash"), actual=digest)


def _link_url(target: str, link: Optional[str]) -> str:
    """oio's rule for ``chunk_link``'s ``link``: a URL as is; a chunk id in
    place of the target's (cut to its length); None: the target's id with
    its last 60 hex digits drawn at random."""
    if link is not None and "://" in link:
        return link
    base, _, old = target.rpartition("/")
    if link is None:
        keep = max(len(old) - 60, 0)
        return f"{base}/{old[:keep]}{secrets.token_hex(32)[:len(old) - keep].upper()}"
    return f"{base}/{link[:len(old)]}"
