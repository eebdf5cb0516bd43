"""SHA-256 / CRC32C helpers: RFC 3720 vectors, header values, verified streams."""

import base64
import hashlib

import pytest

from objclient.exceptions import ChecksumMismatch, InvalidArgument
from objclient.transfer import checksums
from objclient.transfer.checksums import (Crc32c, VerifiedStream, check_algorithm,
                                          checksum_b64, checksum_header, crc32c)


@pytest.mark.parametrize("impl", ["python", "default"])
def test_crc32c_matches_the_rfc_3720_vectors(impl):
    func = checksums._crc32c_python if impl == "python" else crc32c
    assert func(b"123456789") == 0xE3069283
    assert func(b"\x00" * 32) == 0x8A9136AA
    assert func(b"\xff" * 32) == 0x62A8AB43
    assert func(bytes(range(32))) == 0x46DD794E
    assert func(bytes(range(31, -1, -1))) == 0x113FDB5C
    assert func(b"") == 0


def test_crc32c_continues_from_a_previous_value():
    assert crc32c(b"56789", crc32c(b"1234")) == crc32c(b"123456789")
    hasher = Crc32c()
    hasher.update(b"1234")
    hasher.update(b"56789")
    assert hasher.digest() == bytes.fromhex("e3069283")
    assert hasher.hexdigest() == "e3069283"


def test_checksum_header_values_are_base64_digests():
    assert checksum_b64("sha256", b"abc") == \
        base64.b64encode(hashlib.sha256(b"abc").digest()).decode()
    assert checksum_b64("crc32c", b"123456789") == base64.b64encode(
        bytes.fromhex("e3069283")).decode()
    assert checksum_header("crc32c") == "x-amz-checksum-crc32c"


def test_algorithm_option_is_normalised_or_refused():
    assert check_algorithm(None) is None
    assert check_algorithm("none") is None
    assert check_algorithm("SHA256") == "sha256"
    assert check_algorithm("CRC-32C") == "crc32c"
    with pytest.raises(InvalidArgument, match="checksum_algorithm"):
        check_algorithm("md4")


class _Chunks:
    def __init__(self, chunks):
        self.chunks = chunks
        self.closed = False

    def __iter__(self):
        return iter(self.chunks)

    def close(self):
        self.closed = True


def test_verified_stream_passes_data_with_the_reported_checksum():
    expected = checksum_b64("sha256", b"hello world")
    stream = VerifiedStream(_Chunks([b"hello ", b"world"]), "sha256", expected)
    assert stream.read() == b"hello world"


def test_verified_stream_raises_on_a_checksum_mismatch_and_closes():
    inner = _Chunks([b"hello ", b"w0rld"])
    stream = VerifiedStream(inner, "crc32c", checksum_b64("crc32c", b"hello world"))
    with pytest.raises(ChecksumMismatch, match="crc32c"):
        b"".join(stream)
    assert inner.closed
