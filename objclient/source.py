"""What an upload reads from: bytes, str, a path, a file object or an iterable.

:func:`open_source` turns any of those into a :class:`Source`, one file-like
reader that computes the MD5 of what was read, knows its size when it can,
and says whether it can be read again (rewound) for a retry.
"""

from __future__ import annotations

import io
import os
from typing import Any, Callable, Iterable, Iterator, Optional

from .exceptions import InvalidArgument
from .integrity import close_hash, new_md5

__all__ = ["Source", "open_source", "read_up_to"]

_DEFAULT_BLOCK = 1024 * 1024


class Source:
    """A readable upload body that hashes what passes through it.

    :param reader: a binary file-like object, or None with ``chunks``.
    :param chunks: an iterator of byte strings (not rewindable).
    :param size: the number of bytes, when known.
    :param close_reader: close ``reader`` when this source is closed.
    """

    def __init__(self, reader: Any = None, chunks: Optional[Iterator[bytes]] = None,
                 size: Optional[int] = None, close_reader: bool = False) -> None:
        self._reader = reader
        self._chunks = chunks
        self._pending = b""
        self.size = size
        self._close_reader = close_reader
        self._md5: Optional[Any] = new_md5(size)
        self._hashing = True
        self._digest = ""
        self.bytes_read = 0
        #: ``progress(bytes_read, size)`` after each read; a rewind (for a
        #: retry) reports the count going back.
        self.progress: Optional[Callable[[int, Optional[int]], None]] = None
        self._start: Optional[int] = None
        if reader is not None:
            try:
                if reader.seekable():
                    self._start = reader.tell()
            except (AttributeError, OSError, ValueError):
                self._start = None

    @property
    def rewindable(self) -> bool:
        """Whether :meth:`rewind` can start the source over."""
        return self._start is not None

    def rewind(self, keep_digest: bool = False) -> None:
        """Start over from the first byte (and restart the MD5).

        :param keep_digest: the pass just finished read the whole source,
            and its MD5 stands for the next pass, which is not hashed again
            (for a server that checks the data against that MD5 itself).
        """
        if self._start is None:
            raise InvalidArgument("this upload source cannot be read twice")
        self._reader.seek(self._start)
        if keep_digest and self._md5 is not None:
            self._digest = self._md5.hexdigest()
            self._md5 = None
        else:
            if self._md5 is not None:
                close_hash(self._md5)
            self._md5 = new_md5(self.size) if self._hashing else None
        self.bytes_read = 0
        if self.progress is not None:
            self.progress(0, self.size)

    # requests/urllib3 use seek/tell to rewind and size bodies.
    def seekable(self) -> bool:
        """File-object protocol."""
        return self.rewindable

    def tell(self) -> int:
        """Bytes read so far."""
        return self.bytes_read

    def seek(self, offset: int, whence: int = 0) -> int:
        """Only ``seek(0)`` (rewind) and ``seek(0, 2)`` style probes are allowed."""
        if whence == 0 and offset == 0:
            if not self.rewindable:
                raise io.UnsupportedOperation("this upload source cannot be read twice")
            self.rewind()
            return 0
        if whence == 2 and offset == 0 and self.size is not None:
            return self.size
        if whence == 1 and offset == 0:
            return self.bytes_read
        raise io.UnsupportedOperation("an upload source can only be rewound")

    @property
    def len(self) -> Optional[int]:
        """The size, as ``requests`` looks for it (None when unknown)."""
        return self.size

    def read(self, size: int = -1) -> bytes:
        """Read up to ``size`` bytes (all if negative)."""
        if self._reader is not None:
            data = self._reader.read() if size is None or size < 0 else self._reader.read(size)
            if isinstance(data, str):
                data = data.encode("utf-8")
            if data is None:
                data = b""
        else:
            data = self._read_chunks(size)
        if data:
            if self._md5 is not None:
                self._md5.update(data)
            self.bytes_read += len(data)
            if self.progress is not None:
                self.progress(self.bytes_read, self.size)
        return data

    def _read_chunks(self, size: int) -> bytes:
        assert self._chunks is not None
        want = None if size is None or size < 0 else size
        parts = [self._pending] if self._pending else []
        have = len(self._pending)
        self._pending = b""
        while want is None or have < want:
            try:
                piece = next(self._chunks)
            except StopIteration:
                break
            if isinstance(piece, str):
                piece = piece.encode("utf-8")
            if not isinstance(piece, (bytes, bytearray, memoryview)):
                raise InvalidArgument(
                    f"an upload iterable must yield bytes, not {type(piece).__name__}")
            parts.append(bytes(piece))
            have += len(piece)
        data = b"".join(parts)
        if want is not None and len(data) > want:
            data, self._pending = data[:want], data[want:]
        return data

    def __iter__(self) -> Iterator[bytes]:
        while True:
            block = self.read(_DEFAULT_BLOCK)
            if not block:
                return
            yield block

    def skip_hash(self) -> None:
        """Stop hashing (for a backend told not to check data, ``checksum=False``);
        :meth:`md5_hex` then answers ``""``."""
        if self._md5 is not None:
            close_hash(self._md5)
        self._md5, self._hashing, self._digest = None, False, ""

    def md5_hex(self) -> str:
        """Hex MD5 of the bytes read so far (or of the earlier whole pass,
        after ``rewind(keep_digest=True)``); ``""`` after :meth:`skip_hash`."""
        if self._md5 is None:
            return self._digest
        return self._md5.hexdigest()

    def close(self) -> None:
        """Close the underlying file if this source opened it."""
        if self._md5 is not None:
            close_hash(self._md5)
        if self._close_reader and self._reader is not None:
            self._reader.close()

    def __enter__(self) -> "Source":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def read_up_to(reader: Any, size: int) -> bytes:
    """``size`` bytes from ``reader`` (fewer only at its end): reads may come
    back short, so it reads until it has them."""
    pieces = []
    have = 0
    while have < size:
        more = reader.read(size - have)
        if not more:
            break
        pieces.append(more)
        have += len(more)
    return pieces[0] if len(pieces) == 1 else b"".join(pieces)


def open_source(data: Any = None, file_or_path: Any = None) -> Source:
    """A :class:`Source` for whatever the caller gave.

    :param data: bytes, str (sent as UTF-8), a binary file object or an
        iterable of bytes.
    :param file_or_path: a path (str or ``os.PathLike``) or a file object.
    :raises InvalidArgument: neither or both were given, or a type is wrong.
    """
    if (data is None) == (file_or_path is None):
        raise InvalidArgument("give exactly one of data and file_or_path")
    if isinstance(data, Source):
        return data
    if file_or_path is not None:
        if isinstance(file_or_path, (str, bytes, os.PathLike)):
            try:
                fh = open(file_or_path, "rb")
            except OSError as exc:
                raise InvalidArgument(f"cannot open {os.fsdecode(file_or_path)!r}: "
                                      f"{exc.strerror}") from None
            return Source(fh, size=os.fstat(fh.fileno()).st_size, close_reader=True)
        data = file_or_path
    if isinstance(data, str):
        data = data.encode("utf-8")
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
        return Source(io.BytesIO(raw), size=len(raw))
    if hasattr(data, "read"):
        return Source(data, size=_remaining_size(data))
    if isinstance(data, Iterable):
        return Source(chunks=iter(data))
    raise InvalidArgument(f"cannot upload from a {type(data).__name__}")


def _remaining_size(fh: Any) -> Optional[int]:
    try:
        if fh.seekable():
            pos = fh.tell()
            end = fh.seek(0, os.SEEK_END)
            fh.seek(pos)
            return max(0, end - pos)
    except (AttributeError, OSError, ValueError):
        pass
    try:
        return max(0, os.fstat(fh.fileno()).st_size - fh.tell())
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None
