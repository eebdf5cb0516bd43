"""A request body, and whether it can be sent again."""

from __future__ import annotations

import os
from typing import Any, Iterable, Iterator, Optional
from urllib.parse import urlencode

from ..exceptions import InvalidArgument

__all__ = ["RequestBody"]


class RequestBody:
    """A request body that knows its length and whether it can be resent.

    :param data: None, bytes, str (sent as UTF-8), a file object (resent
        from where it stood when it is seekable), a ``dict`` (sent as a
        form), or an iterable of bytes (sent chunked, never resent once
        started).
    :raises InvalidArgument: another type.
    """

    def __init__(self, data: Any) -> None:
        self.sent = 0
        self.started = False
        self.rewindable = True
        self.form = False
        #: the ``Content-Length`` to announce, when known
        self.size: Optional[int] = None
        self._start: Optional[int] = None
        if data is None:
            self.data: Any = None
        elif isinstance(data, (bytes, bytearray, memoryview, str)):
            self.data = data.encode("utf-8") if isinstance(data, str) else bytes(data)
            self.size = len(self.data)
        elif hasattr(data, "read"):
            self.data = data
            self._file(data)
        elif isinstance(data, dict):
            self.data = urlencode(data, doseq=True).encode("ascii")
            self.size = len(self.data)
            self.form = True
        elif isinstance(data, Iterable):
            self.data = self._counting(iter(data))
            self.rewindable = False
        else:
            raise InvalidArgument(f"cannot send a body of type {type(data).__name__}")

    def _file(self, data: Any) -> None:
        try:
            self._start = data.tell()
            data.seek(self._start)
        except (AttributeError, OSError, ValueError):
            self._start = None
            self.rewindable = False
            return
        try:
            end = os.fstat(data.fileno()).st_size
        except (AttributeError, OSError, ValueError):
            try:
                end = data.seek(0, os.SEEK_END)
                data.seek(self._start)
            except (AttributeError, OSError, ValueError):
                return
        self.size = max(0, end - self._start)

    def _counting(self, it: Iterator[Any]) -> Iterator[bytes]:
        for piece in it:
            self.started = True
            if isinstance(piece, str):
                piece = piece.encode("utf-8")
            self.sent += len(piece)
            yield piece

    @property
    def length(self) -> int:
        """Bytes sent so far (all of them for bytes)."""
        if isinstance(self.data, bytes):
            return len(self.data)
        if self._start is not None:
            try:
                return max(0, self.data.tell() - self._start)
            except (OSError, ValueError):
                return 0
        return self.sent

    @property
    def may_have_started(self) -> bool:
        """True when a resend could not repeat the same body."""
        return not self.rewindable and self.started

    def mark_sent(self) -> None:
        """Called once an attempt went past connecting."""
        if not self.rewindable:
            self.started = True

    def rewind(self) -> None:
        """Back to where the body started (for a resend)."""
        if self._start is not None:
            self.data.seek(self._start)
