"""Checksums beyond MD5, computed while streaming: SHA-256, CRC32C and CRC32.

S3 servers that implement the "additional checksums" of the AWS API take
``x-amz-checksum-sha256`` / ``x-amz-checksum-crc32c`` on PUT (the base64 of
the big-endian digest), check the data against it, and return it on
HEAD/GET when asked with ``x-amz-checksum-mode: ENABLED``.  CRC32 (zlib's,
about four times faster than MD5) is what the S3 backend sends by default
where the server confirms it.  This module
holds the pieces that do not depend on a backend: the hashers (CRC32C has
no standard-library implementation: the ``crc32c`` package is used when it
is installed, else the table-driven one below, slow but exact), the header
names and values, and :class:`VerifiedStream`, which checks a download
against the checksum the server reported.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from typing import Any, Iterator, Optional

from ..exceptions import ChecksumMismatch, InvalidArgument
from ..streaming import ChunkStream

__all__ = ["CHECKSUM_ALGORITHMS", "crc32c", "Crc32c", "Crc32", "new_hasher", "checksum_b64",
           "checksum_header", "check_algorithm", "check_digest", "VerifiedStream"]

#: The algorithms objclient can send and verify, by option value.
CHECKSUM_ALGORITHMS = ("sha256", "crc32c", "crc32")

_POLY = 0x82F63B78  # CRC-32C (Castagnoli), reflected


def _table() -> tuple:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ _POLY if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_TABLE = _table()


def _crc32c_python(data: bytes, crc: int = 0) -> int:
    table = _TABLE
    crc ^= 0xFFFFFFFF
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


try:  # the optional C implementation (pip install crc32c)
    import crc32c as _crc32c_module

    def _crc32c_fast(data: bytes, crc: int = 0) -> int:
        return int(_crc32c_module.crc32c(data, value=crc))

    _crc32c_impl = _crc32c_fast
except ImportError:  # pragma: no cover - depends on the environment
    _crc32c_impl = _crc32c_python


def crc32c(data: bytes, crc: int = 0) -> int:
    """CRC-32C (RFC 3720) of ``data``, continuing from ``crc`` (like
    :func:`binascii.crc32`): ``crc32c(b"123456789") == 0xE3069283``."""
    return _crc32c_impl(bytes(data), crc)


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


class VerifiedStream(ChunkStream):
    """A download stream checked, at its end, against a base64 checksum.

    :param stream: the stream to read (a ``BodyStream``: size and MD5 are
        checked there).
    :param algorithm: ``sha256``, ``crc32c`` or ``crc32``.
    :param expected: the base64 digest the server reported for the body.
    """

    def __init__(self, stream: Any, algorithm: str, expected: str) -> None:
        self._stream = stream
        self.algorithm = algorithm
        self.expected = expected
        self._hasher = new_hasher(algorithm)

    @property
    def headers(self) -> Any:
        """The response headers of the wrapped stream."""
        return getattr(self._stream, "headers", {})

    def _generate(self) -> Iterator[bytes]:
        for chunk in self._stream:
            self._hasher.update(chunk)
            yield chunk
        try:
            check_digest(self.algorithm, self._hasher, self.expected)
        except ChecksumMismatch:
            self.close()
            raise

    def _release(self) -> None:
        self._stream.close()
