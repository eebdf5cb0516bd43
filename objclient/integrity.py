"""Integrity of object data: the digests objclient computes while bytes move.

One module for every check of a body against what a server says of it, so
each layer (the wire's body streams, the sources of uploads, the backends,
the transfer engine) uses the same helpers and none imports another layer
to get them.  It sits at the bottom of the package: it imports only
:mod:`objclient.exceptions` and :mod:`objclient.streaming`.

MD5, on another thread.  Checking a large body's MD5 costs about as much CPU
as moving it over loopback.  hashlib releases the GIL while it hashes a
block, so a second thread can hash block N while the transfer thread sends
or receives block N+1.  :class:`BackgroundHash` does that: blocks are handed
over in order through a short queue (so at most a few blocks are held), and
the digest is read once the stream is over.  Small bodies are hashed inline:
a thread is started only once more than ``inline_limit`` bytes have gone by.
:class:`PartsCheck` checks a body made of parts against S3's multipart or
Swift's SLO ETag.

Checksums beyond MD5: SHA-256, CRC32C and CRC32.  S3 servers that implement
the "additional checksums" of the AWS API take ``x-amz-checksum-sha256`` /
``x-amz-checksum-crc32c`` on PUT (the base64 of the big-endian digest),
check the data against it, and return it on HEAD/GET when asked with
``x-amz-checksum-mode: ENABLED``.  CRC32 (zlib's, about four times faster
than MD5) is what the S3 backend sends by default where the server confirms
it.  CRC32C has no standard-library implementation: the ``crc32c`` package
(``pip install objclient[fast]``) is used whenever it is installed (see
:data:`CRC32C_FAST`), else the table-driven one below, slow but exact.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import importlib.util
import queue
import threading
import zlib
from typing import Any, Callable, List, Optional, Tuple

from .exceptions import ChecksumMismatch, InvalidArgument

__all__ = ["BackgroundHash", "INLINE_LIMIT", "new_md5", "close_hash", "PartsCheck",
           "combined_etag",
           "CHECKSUM_ALGORITHMS", "crc32c", "Crc32c", "Crc32", "new_hasher", "checksum_b64",
           "checksum_header", "check_algorithm", "check_digest",
           "CRC32C_FAST"]

#: Bodies up to this size are hashed on the calling thread.
INLINE_LIMIT = 4 * 1024 * 1024
_DONE = None


def _run(blocks: "queue.Queue[Optional[bytes]]", digest: Any,
         errors: List[BaseException]) -> None:
    while True:
        block = blocks.get()
        if block is _DONE:
            return
        try:
            digest.update(block)
        except BaseException as exc:  # noqa: BLE001 - reported by hexdigest()
            errors.append(exc)


class BackgroundHash:
    """A hash object (``update``, ``hexdigest``) that hashes on its own thread.

    :param factory: the hashlib constructor (``hashlib.md5`` ...).
    :param inline_limit: bytes hashed inline before the thread starts.
    :param depth: blocks that may wait for the hashing thread.
    """

    def __init__(self, factory: Callable[[], Any] = hashlib.md5,
                 inline_limit: int = INLINE_LIMIT, depth: int = 4) -> None:
        self._hash = factory()
        self._inline_left = inline_limit
        self._depth = depth
        self._queue: Optional["queue.Queue[Optional[bytes]]"] = None
        self._thread: Optional[threading.Thread] = None
        self._errors: List[BaseException] = []

    def update(self, data: bytes) -> None:
        """Add ``data`` (in order with the earlier blocks)."""
        if self._queue is not None and self._thread is None:
            self._hash.update(data)  # after a digest was read: inline from now on
            return
        if self._queue is None:
            if self._inline_left >= len(data):
                self._inline_left -= len(data)
                self._hash.update(data)
                return
            self._queue = queue.Queue(self._depth)
            # The thread holds the queue and the hash, not this object, so an
            # abandoned BackgroundHash is still collected (and stops it).
            self._thread = threading.Thread(target=_run,
                                            args=(self._queue, self._hash, self._errors),
                                            name="objclient-hash", daemon=True)
            self._thread.start()
        self._queue.put(data)

    def _finish(self) -> None:
        if self._thread is not None:
            assert self._queue is not None
            self._queue.put(_DONE)
            self._thread.join()
            self._thread = None

    def hexdigest(self) -> str:
        """The hex digest of everything given so far (waits for the thread)."""
        self._finish()
        if self._errors:
            raise self._errors[0]
        return self._hash.hexdigest()  # type: ignore[no-any-return]

    @property
    def error(self) -> Optional[BaseException]:
        """The first error the hash object raised on the thread (after
        :meth:`close`), else None."""
        return self._errors[0] if self._errors else None

    def close(self) -> None:
        """Stop the thread (what is queued is still hashed, so a digest read
        later is right; further blocks are hashed inline)."""
        self._finish()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - never raise from a finaliser
            pass


def new_md5(size: Optional[int] = None) -> Any:
    """An MD5 for a body of ``size`` bytes: plain hashlib when the size is
    known and small enough to be hashed inline anyway (no thread, no
    finaliser), else a :class:`BackgroundHash`."""
    if size is not None and size <= INLINE_LIMIT:
        return hashlib.md5()
    return BackgroundHash()


def close_hash(digest: Any) -> None:
    """Stop a :class:`BackgroundHash`'s thread; nothing for a hashlib object."""
    if type(digest) is BackgroundHash:
        digest.close()


class _PartDigests:
    """The digest of each part of a body, fed in order (what :class:`PartsCheck`
    runs on its hashing thread)."""

    def __init__(self, sizes: List[int], factory: Callable[[], Any] = hashlib.md5) -> None:
        self.sizes = sizes
        self.digests: List[bytes] = []
        self._factory = factory
        self._part = 0
        self._left = sizes[0] if sizes else 0
        self._md5 = factory()

    def update(self, data: bytes) -> None:
        """Feed the next bytes of the body."""
        view = memoryview(data)
        while view:
            if self._left == 0 and not self._next_part():
                self._left = -1  # more bytes than the parts hold: never matches
                return
            take = view[:self._left]
            self._md5.update(take)
            self._left -= len(take)
            view = view[len(take):]

    def _next_part(self) -> bool:
        self.digests.append(self._md5.digest())
        self._md5 = self._factory()
        self._part += 1
        if self._part >= len(self.sizes):
            return False
        self._left = self.sizes[self._part]
        return True

    def complete(self) -> bool:
        """Close the last part; False when the bytes fed do not fill the parts."""
        if self._left == 0 and len(self.digests) < len(self.sizes):
            self._next_part()
        return self._left == 0 and len(self.digests) == len(self.sizes)


class PartsCheck:
    """Checks a body made of parts against the ETag its server gives the
    whole: S3's multipart ETag (``md5(the parts' binary MD5s)-<count>``) or
    Swift's static large object ETag (``md5(the segments' hex MD5s)``).
    Neither is the MD5 of the content, so without this a whole GET of a
    large object is checked by its size only.  Each byte is hashed once, on
    a :class:`BackgroundHash` thread past the first ``inline_limit`` bytes,
    so the hashing overlaps the download.

    With ``algorithm`` (``crc32c``, ``sha256``, ``crc32``) it checks S3's
    composite checksum instead (``x-amz-checksum-*: <base64>-<count>``, the
    checksum of the parts' binary checksums): with the ``crc32c`` package
    that costs a few per cent of an MD5.

    :param sizes: the size of each part, in order.
    :param expected: the ETag (or composite checksum) the whole body must give.
    :param style: ``"s3"`` or ``"swift"`` (how part MD5s are combined).
    :param algorithm: None (MD5s, an ETag) or a composite checksum's algorithm.
    """

    def __init__(self, sizes: List[int], expected: str, style: str,
                 inline_limit: int = INLINE_LIMIT, algorithm: Optional[str] = None) -> None:
        self.sizes = sizes
        self.algorithm = algorithm
        self.expected = expected if algorithm else expected.strip('"').lower()
        self.style = style
        self._parts = _PartDigests(
            sizes, (lambda: new_hasher(algorithm)) if algorithm else hashlib.md5)
        self._hash = BackgroundHash(lambda: self._parts, inline_limit=inline_limit)

    def update(self, data: bytes) -> None:
        """Feed the next bytes of the body (they must not change afterwards:
        the hashing thread may read them later)."""
        self._hash.update(data)

    def actual(self) -> str:
        """The ETag of what was fed (call once, at the end)."""
        self._hash.close()
        if self._hash.error is not None:
            raise self._hash.error
        if not self._parts.complete():
            return "parts do not add up"
        if self.algorithm:
            whole = new_hasher(self.algorithm)
            whole.update(b"".join(self._parts.digests))
            return f"{base64.b64encode(whole.digest()).decode('ascii')}-{len(self.sizes)}"
        return combined_etag(self._parts.digests, self.style)

    def verify(self, **context: Any) -> None:
        """Compare what was fed with :attr:`expected` (call once, at the end).

        :raises ChecksumMismatch: they differ (``context``: method, url ...).
        """
        got = self.actual()
        if got != self.expected:
            raise ChecksumMismatch(f"downloaded data makes ETag {got}, the server's is "
                                   f"{self.expected}", expected=self.expected, actual=got,
                                   **context)

    def close(self) -> None:
        """Stop the hashing thread (an abandoned download)."""
        self._hash.close()


def combined_etag(part_md5s: List[bytes], style: str) -> str:
    """The ETag a server gives an object made of parts with these binary
    MD5s: S3's multipart one (``style="s3"``: ``md5(the MD5s)-<count>``) or
    Swift's static large object one (``"swift"``: ``md5(the hex MD5s)``)."""
    if style == "s3":
        return f"{hashlib.md5(b''.join(part_md5s)).hexdigest()}-{len(part_md5s)}"
    return hashlib.md5("".join(d.hex() for d in part_md5s).encode("ascii")).hexdigest()


#: The algorithms objclient can send and verify, by option value.
CHECKSUM_ALGORITHMS = ("sha256", "crc32c", "crc32")

_POLY = 0x82F63B78  # CRC-32C (Castagnoli), reflected


@functools.lru_cache(maxsize=None)
def _table() -> Tuple[int, ...]:
    """The 256 entries, built on first use: most processes never need them."""
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ _POLY if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


def _crc32c_python(data: bytes, crc: int = 0) -> int:
    """The table-driven CRC-32C, for when the ``crc32c`` package is missing."""
    table = _table()
    crc ^= 0xFFFFFFFF
    for byte in bytes(data):
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


#: The optional hardware implementation (``pip install objclient[fast]``), imported
#: on the first CRC-32C: the package's ``__init__`` loads its command line and
#: argparse: about 21 M instructions, which every network backend paid at
#: import even when it computed no CRC-32C (issue 26).
_NOT_LOADED: Any = object()
_crc32c_module: Any = _NOT_LOADED

#: Whether CRC-32C runs in C (the ``crc32c`` package, several GB/s with the
#: CPU's instruction) rather than in pure Python (about 6 MB/s).
CRC32C_FAST = importlib.util.find_spec("crc32c") is not None


def _load_crc32c() -> Any:
    """The ``crc32c`` package, imported once; None when it is missing."""
    global _crc32c_module
    if _crc32c_module is _NOT_LOADED:
        try:
            _crc32c_module = importlib.import_module("crc32c")
        except ImportError:  # pragma: no cover - depends on the environment
            _crc32c_module = None
    return _crc32c_module


def crc32c(data: bytes, crc: int = 0) -> int:
    """CRC-32C (RFC 3720) of ``data``, continuing from ``crc`` (like
    :func:`binascii.crc32`): ``crc32c(b"123456789") == 0xE3069283``.

    ``data`` is any bytes-like object; the C implementation reads it in
    place (no copy), so a ``memoryview`` slice costs nothing extra.
    """
    module = _crc32c_module if _crc32c_module is not _NOT_LOADED else _load_crc32c()
    if module is not None:
        return int(module.crc32c(data, value=crc))
    return _crc32c_python(data, crc)


class Crc32:
    """A hashlib-style CRC32 hasher (``update``, ``digest``, ``hexdigest``): zlib's."""

    name = "crc32"
    digest_size = 4

    def __init__(self, data: bytes = b"") -> None:
        self.crc = 0
        if data:
            self.update(data)

    def update(self, data: bytes) -> None:
        """Add ``data``."""
        self.crc = zlib.crc32(data, self.crc)

    def digest(self) -> bytes:
        """The 4 big-endian bytes (what S3 base64-encodes)."""
        return self.crc.to_bytes(4, "big")

    def hexdigest(self) -> str:
        """The digest in hex."""
        return self.digest().hex()


class Crc32c(Crc32):
    """A hashlib-style CRC32C hasher."""

    name = "crc32c"

    def update(self, data: bytes) -> None:
        """Add ``data``."""
        self.crc = crc32c(data, self.crc)


def check_algorithm(name: Optional[str]) -> Optional[str]:
    """The algorithm option normalised (``None`` stays ``None``).

    :raises InvalidArgument: not one of :data:`CHECKSUM_ALGORITHMS`.
    """
    if name is None or name == "" or str(name).lower() in ("none", "off", "0"):
        return None
    value = str(name).lower().replace("-", "")
    if value not in CHECKSUM_ALGORITHMS:
        raise InvalidArgument(f"checksum_algorithm is one of {', '.join(CHECKSUM_ALGORITHMS)} "
                              f"or None, not {name!r}")
    return value


def new_hasher(algorithm: str) -> Any:
    """A fresh hasher for ``algorithm`` (``sha256``, ``crc32c`` or ``crc32``)."""
    if algorithm == "sha256":
        return hashlib.sha256()
    if algorithm == "crc32c":
        return Crc32c()
    if algorithm == "crc32":
        return Crc32()
    raise InvalidArgument(f"no checksum algorithm {algorithm!r}")


def checksum_b64(algorithm: str, data: bytes) -> str:
    """The header value of ``data``'s checksum: base64 of the digest."""
    hasher = new_hasher(algorithm)
    hasher.update(data)
    return base64.b64encode(hasher.digest()).decode("ascii")


def checksum_header(algorithm: str) -> str:
    """``x-amz-checksum-sha256``, ``-crc32c`` or ``-crc32``."""
    return f"x-amz-checksum-{algorithm}"


def check_digest(algorithm: str, hasher: Any, expected: str, **context: Any) -> None:
    """Compare what ``hasher`` saw with the base64 digest a server reported.

    :raises ChecksumMismatch: they differ (``context``: method, url ...).
    """
    actual = base64.b64encode(hasher.digest()).decode("ascii")
    if actual != expected:
        raise ChecksumMismatch(f"downloaded data has {algorithm} {actual}, the server "
                               f"reported {expected}", expected=expected, actual=actual,
                               **context)
