"""ChunkStream: the one shape of every object stream objclient returns.

``object_fetch`` gives ``(meta, stream)``; whatever the backend, the stream
is an iterator of byte chunks that is also file-like (``read(n)``,
``readable()``, ``close()``, context manager).  A backend's stream class only
says how chunks are produced (:meth:`ChunkStream._generate`) and what to free
(:meth:`ChunkStream._release`); buffering for ``read(n)`` lives here once.
"""

from __future__ import annotations

from typing import Any, Iterator, Optional

__all__ = ["ChunkStream"]


class ChunkStream:
    """An iterator of byte chunks that can also be ``read()`` like a file."""

    closed: bool = False
    _gen: Optional[Iterator[bytes]] = None
    _buffer: bytes = b""

    @property
    def verifies_body(self) -> bool:
        """True when the stream itself checks the whole body against a digest
        the server gave (an MD5, a checksum, part ETags) and raises
        :class:`~objclient.exceptions.ChecksumMismatch` from its last read
        otherwise, so a caller need not hash the body again."""
        return False

    def _generate(self) -> Iterator[bytes]:
        """Produce the chunks; checks (size, checksum) go at its end."""
        raise NotImplementedError

    def _release(self) -> None:
        """Free connections or files; called once, by :meth:`close`."""

    def _chunks(self) -> Iterator[bytes]:
        if self._gen is None:
            self._gen = self._generate()
        return self._gen

    def __iter__(self) -> "ChunkStream":
        return self

    def __next__(self) -> bytes:
        if self._buffer:
            buf, self._buffer = self._buffer, b""
            return buf
        return next(self._chunks())

    def read(self, size: Optional[int] = -1) -> bytes:
        """Read up to ``size`` bytes (all that is left if ``size`` < 0)."""
        chunks = self._chunks()
        if size is None or size < 0:
            data = self._buffer + b"".join(chunks)
            self._buffer = b""
            return data
        while len(self._buffer) < size:
            try:
                self._buffer += next(chunks)
            except StopIteration:
                break
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out

    def readable(self) -> bool:
        """File-object protocol: always True."""
        return True

    def close(self) -> None:
        """Stop reading and free what the stream holds; safe to repeat."""
        if self.closed:
            return
        self.closed = True
        self._release()

    def __enter__(self) -> "ChunkStream":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
