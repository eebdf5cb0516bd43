"""A streaming ``multipart/form-data`` body for volume server uploads.

A volume server takes a blob as the one file part of a multipart form.
:class:`MultipartBody` wraps an upload :class:`~objclient.source.Source`
between the part's header and the closing boundary and reads through it a
block at a time, so memory stays flat whatever the size.  It knows its
length when the source does (``Content-Length``; otherwise the body goes
out chunked) and can be rewound when the source can, so HTTPClient may
resend it.
"""

from __future__ import annotations

import io
import uuid
from typing import Any, Iterator, List, Optional

from .checksum import Crc32c

__all__ = ["MultipartBody"]


def _quote_filename(name: str) -> str:
    # RFC 7578: a quoted string; drop what would end it or break the header.
    return "".join("_" if c in '"\\\r\n' or ord(c) < 0x20 else c for c in name)


class MultipartBody:
    """One file field (``file``) as a readable, optionally rewindable body.

    :param source: a :class:`~objclient.source.Source` (or any object with
        ``read``; ``size``, ``rewindable`` and ``rewind`` are used if present).
    :param filename: the part's file name (the volume server keeps it).
    :param mime_type: the part's ``Content-Type``.
    :param crc: keep a running CRC-32C of the source's bytes in :attr:`crc`
        (restarted on rewind), to check the volume server's ETag.
    """

    def __init__(self, source: Any, filename: str = "blob",
                 mime_type: str = "application/octet-stream",
                 crc: bool = False, boundary: Optional[str] = None) -> None:
        self.source = source
        self.boundary = boundary or uuid.uuid4().hex
        self._head = (f"--{self.boundary}\r\n"
                      f'Content-Disposition: form-data; name="file"; '
                      f'filename="{_quote_filename(filename)}"\r\n'
                      f"Content-Type: {mime_type}\r\n\r\n").encode("utf-8")
        self._tail = f"\r\n--{self.boundary}--\r\n".encode("ascii")
        self._want_crc = crc
        self.crc: Optional[Crc32c] = Crc32c() if crc else None
        self._stage = 0  # 0 head, 1 data, 2 tail, 3 done
        self._offset = 0
        self._sent = 0

    @property
    def content_type(self) -> str:
        """The request's ``Content-Type`` header."""
        return f"multipart/form-data; boundary={self.boundary}"

    @property
    def len(self) -> Optional[int]:
        """The body's length, or None when the source's size is unknown."""
        size = getattr(self.source, "size", None)
        if size is None:
            return None
        return len(self._head) + size + len(self._tail) - self._sent

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes of the body (``-1``: the rest)."""
        if size is None or size < 0:
            parts: List[bytes] = []
            while True:
                block = self.read(1 << 20)
                if not block:
                    return b"".join(parts)
                parts.append(block)
        out = b""
        while not out and self._stage < 3:
            if self._stage == 0:
                out = self._head[self._offset:self._offset + size]
                self._offset += len(out)
                if self._offset >= len(self._head):
                    self._stage, self._offset = 1, 0
            elif self._stage == 1:
                out = self.source.read(size)
                if out and self.crc is not None:
                    self.crc.update(out)
                if not out:
                    self._stage = 2
            else:
                out = self._tail[self._offset:self._offset + size]
                self._offset += len(out)
                if self._offset >= len(self._tail):
                    self._stage = 3
        self._sent += len(out)
        return out

    # HTTPClient and requests probe these to size and rewind the body.
    def tell(self) -> int:
        """Bytes of the body read so far."""
        return self._sent

    def seek(self, offset: int, whence: int = 0) -> int:
        """Only a rewind (``seek(0)``) is possible, when the source allows it."""
        if offset == 0 and whence == 1:
            return self._sent
        if offset != 0 or whence != 0 or not getattr(self.source, "rewindable", False):
            raise io.UnsupportedOperation("this multipart body can only be rewound")
        if self._sent:
            self.source.rewind()
        self._stage = self._offset = self._sent = 0
        self.crc = Crc32c() if self._want_crc else None
        return 0

    def __iter__(self) -> Iterator[bytes]:
        # requests sends a body with __iter__ as a stream (chunked when its
        # length is unknown) instead of announcing Content-Length: 0.
        while True:
            block = self.read(1 << 16)
            if not block:
                return
            yield block
