"""BodyStream: a response body read lazily, safely and verifiably.

Whatever streams bytes to a caller (``object_fetch``, downloads) wraps the
response in a :class:`BodyStream`.  It maps transport errors to objclient
errors, notices a body shorter than announced, honours a deadline, and can
check an MD5 at the end, so a caller never gets a silent short read or
corrupt data.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Iterator, Optional, Tuple

import urllib3

from ..exceptions import ChecksumMismatch, ClientError, ConnectionFailed, DeadlineReached, Timeout
from ..integrity import PartsCheck, check_digest, close_hash, new_hasher, new_md5
from ..streaming import ChunkStream
from .headers import lowered
from .redact import redact_url
from .transport import Response

__all__ = ["BodyStream", "DEFAULT_CHUNK_SIZE"]

DEFAULT_CHUNK_SIZE = 1024 * 1024


class BodyStream(ChunkStream):
    """An iterator of byte chunks over a streamed response, also file-like.

    :param resp: a response obtained with ``stream=True``.
    :param chunk_size: the size of the chunks yielded.
    :param expected_md5: hex MD5 the whole body must have; checked at the end.
    :param expected_size: the number of bytes the body must have.
    :param deadline: absolute ``time.monotonic()`` after which reading stops.
    :param on_close: called once when the stream is closed or exhausted.
    :param checksum: ``(algorithm, base64 digest)`` the whole body must have
        (a server-reported ``x-amz-checksum-*``; see
        :mod:`objclient.integrity`); checked at the end.
    :param parts: checks a large object's body part by part against its
        ETag (:class:`objclient.integrity.PartsCheck`); checked at the end.
    """

    def __init__(self, resp: Response, *, chunk_size: int = DEFAULT_CHUNK_SIZE,
                 expected_md5: Optional[str] = None, expected_size: Optional[int] = None,
                 deadline: Optional[float] = None,
                 on_close: Optional[Callable[[], None]] = None,
                 checksum: Optional[Tuple[str, str]] = None,
                 parts: Optional[PartsCheck] = None) -> None:
        self._resp = resp
        self._parts = parts
        self.chunk_size = chunk_size
        self.expected_md5 = expected_md5.lower() if expected_md5 else None
        self.expected_size = expected_size
        self.deadline = deadline
        self._md5 = new_md5(expected_size) if self.expected_md5 else None
        self.checksum = checksum
        self._hasher: Any = None
        if checksum is not None:
            self._hasher = new_hasher(checksum[0])
        self._on_close = on_close
        self.bytes_read = 0
        self._method = resp.request.method if resp.request is not None else "GET"
        self._raw_url = resp.url or ""

    @property
    def _url(self) -> str:
        # Redacted only when an error needs it.
        return redact_url(self._raw_url)

    @property
    def verifies_body(self) -> bool:
        """Whether the body is checked against an MD5, a checksum or part ETags."""
        return self._md5 is not None or self._hasher is not None or self._parts is not None

    @property
    def headers(self) -> Any:
        """The response headers."""
        return self._resp.headers

    @property
    def status(self) -> int:
        """The response status."""
        return self._resp.status_code

    def _generate(self) -> Iterator[bytes]:
        raw = self._resp.raw
        # A body announced within one chunk, not compressed, is read in one go
        # (urllib3 reads without its chunk buffer); the size is checked at the end.
        whole = (self.expected_size is not None and self.expected_size <= self.chunk_size
                 and "content-encoding" not in lowered(self._resp.headers))
        try:
            while True:
                if self.deadline is not None and time.monotonic() >= self.deadline:
                    raise DeadlineReached("the deadline passed while reading the body",
                                          method=self._method, url=self._url)
                chunk = raw.read(None if whole else self.chunk_size, decode_content=True)
                if not chunk:
                    break
                self.bytes_read += len(chunk)
                if self._md5 is not None:
                    self._md5.update(chunk)
                if self._hasher is not None:
                    self._hasher.update(chunk)
                if self._parts is not None:
                    self._parts.update(chunk)
                yield chunk
                if self.bytes_read == self.expected_size:
                    # All announced bytes are in: http.client has already
                    # ended the body (and urllib3 pooled the connection).
                    break
        except ClientError:
            self.close()
            raise
        except (urllib3.exceptions.ReadTimeoutError, TimeoutError) as exc:
            self.close()
            raise Timeout(f"read timeout after {self.bytes_read} bytes of the body",
                          method=self._method, url=self._url) from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            self.close()
            raise ConnectionFailed(
                f"body cut short after {self.bytes_read} bytes: {type(exc).__name__}",
                method=self._method, url=self._url) from exc
        self._finish()

    def _finish(self) -> None:
        try:
            if self.expected_size is not None and self.bytes_read != self.expected_size:
                raise ConnectionFailed(
                    f"body has {self.bytes_read} bytes, {self.expected_size} were announced",
                    method=self._method, url=self._url)
            if self._hasher is not None:
                try:
                    check_digest(self.checksum[0],  # type: ignore[index]
                                 self._hasher,
                                 self.checksum[1])  # type: ignore[index]
                except ClientError as err:
                    # The URL is redacted only for an error (every read ends here).
                    err.method, err.url = self._method, self._url
                    raise
            if self._parts is not None:
                self._parts.verify(method=self._method, url=self._url)
            if self._md5 is not None:
                actual = self._md5.hexdigest()
                if actual != self.expected_md5:
                    raise ChecksumMismatch(
                        f"downloaded data has MD5 {actual}, expected {self.expected_md5}",
                        expected=self.expected_md5, actual=actual,
                        method=self._method, url=self._url)
        finally:
            self.close()

    def _release(self) -> None:
        if self._md5 is not None:
            close_hash(self._md5)
        try:
            self._resp.close()
        finally:
            if self._on_close is not None:
                self._on_close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - never raise from a finaliser
            pass
