"""objclient.integrity: SHA-256 / CRC32C helpers (RFC 3720 vectors, header values,
verified streams), BackgroundHash (the same digest as hashlib, whatever the block
sizes, and no thread left) and PartsCheck (a large object's body checked against its
S3 or Swift ETag)."""

import base64
import hashlib
import threading

import pytest

from objclient import integrity
from objclient.exceptions import InvalidArgument
from objclient.integrity import (BackgroundHash, Crc32c, PartsCheck,
                                 check_algorithm, checksum_b64, checksum_header, crc32c)


@pytest.mark.parametrize("impl", ["python", "default"])
def test_crc32c_matches_the_rfc_3720_vectors(impl):
    func = integrity._crc32c_python if impl == "python" else crc32c
    assert func(b"123456789") == 0xE3069283
    assert func(b"\x00" * 32) == 0x8A9136AA
    assert func(b"\xff" * 32) == 0x62A8AB43
    assert func(bytes(range(32))) == 0x46DD794E
    assert func(bytes(range(31, -1, -1))) == 0x113FDB5C
    assert func(b"") == 0


class _FakeCrc32cPackage:
    """Stands for the ``crc32c`` package: records what it was handed."""

    def __init__(self):
        self.seen = []

    def crc32c(self, data, value=0):
        self.seen.append(data)
        return integrity._crc32c_python(data, value)


def test_crc32c_package_gets_every_block_in_place_when_installed(monkeypatch):
    fake = _FakeCrc32cPackage()
    monkeypatch.setattr(integrity, "_crc32c_module", fake)
    view = memoryview(b"0123456789")[1:]
    hasher = Crc32c()
    hasher.update(view)
    assert hasher.crc == 0xE3069283
    assert fake.seen == [view] and fake.seen[0] is view  # the C code reads it, no copy


def test_pure_python_crc32c_serves_when_the_package_is_missing(monkeypatch):
    monkeypatch.setattr(integrity, "_crc32c_module", None)
    assert crc32c(memoryview(b"x123456789")[1:]) == 0xE3069283
    assert checksum_b64("crc32c", b"123456789") == base64.b64encode(
        bytes.fromhex("e3069283")).decode()


def test_fast_crc32c_flag_says_whether_the_package_is_importable():
    try:
        import crc32c as package  # noqa: F401
    except ImportError:
        assert integrity.CRC32C_FAST is False
    else:
        assert integrity.CRC32C_FAST is True


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


def _threads():
    return [t for t in threading.enumerate() if t.name == "objclient-hash"]


@pytest.mark.parametrize("limit", [0, 10, 1 << 30])
def test_digest_matches_hashlib_inline_or_on_a_thread(limit):
    blocks = [bytes([i % 251]) * (i * 997 % 5000 + 1) for i in range(300)]
    digest = BackgroundHash(inline_limit=limit)
    for block in blocks:
        digest.update(block)
    assert digest.hexdigest() == hashlib.md5(b"".join(blocks)).hexdigest()
    assert not _threads()


def test_reading_the_digest_midway_then_going_on_stays_right():
    digest = BackgroundHash(inline_limit=0)
    digest.update(b"a" * 5000)
    assert digest.hexdigest() == hashlib.md5(b"a" * 5000).hexdigest()
    digest.update(b"b" * 5000)
    assert digest.hexdigest() == hashlib.md5(b"a" * 5000 + b"b" * 5000).hexdigest()


def test_close_and_abandon_stop_the_thread():
    digest = BackgroundHash(inline_limit=0)
    digest.update(b"x" * 100)
    assert _threads()
    digest.close()
    assert not _threads()
    assert digest.hexdigest() == hashlib.md5(b"x" * 100).hexdigest()
    abandoned = BackgroundHash(inline_limit=0)
    abandoned.update(b"y" * 100)
    del abandoned
    import gc
    gc.collect()
    for thread in _threads():
        thread.join(2)
    assert not _threads()

PARTS = [b"a" * 10, b"b" * 10, b"c" * 3]


def _s3_etag(parts):
    return hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest() + \
        f"-{len(parts)}"


def _swift_etag(parts):
    return hashlib.md5("".join(hashlib.md5(p).hexdigest() for p in parts).encode()).hexdigest()


@pytest.mark.parametrize("style,etag", [("s3", _s3_etag(PARTS)), ("swift", _swift_etag(PARTS))])
@pytest.mark.parametrize("chunks", [[b"".join(PARTS)],
                                    [b"a" * 7, b"a" * 3 + b"b" * 10 + b"c" * 2, b"c"],
                                    [bytes([c]) for c in b"".join(PARTS)]])
@pytest.mark.parametrize("inline_limit", [integrity.INLINE_LIMIT, 0])  # 0: on the thread
def test_body_fed_in_any_chunks_makes_the_etag_of_its_parts(style, etag, chunks, inline_limit):
    check = PartsCheck([10, 10, 3], f'"{etag}"', style, inline_limit=inline_limit)
    for chunk in chunks:
        check.update(chunk)
    assert check.actual() == check.expected == etag


@pytest.mark.parametrize("body", [b"a" * 10 + b"b" * 9 + b"x" + b"c" * 3,  # one byte changed
                                  b"a" * 10 + b"b" * 10 + b"c" * 2,  # one byte short
                                  b"a" * 10 + b"b" * 10 + b"c" * 4])  # one byte more
def test_changed_short_or_long_body_does_not_make_the_etag(body):
    check = PartsCheck([10, 10, 3], _s3_etag(PARTS), "s3", inline_limit=0)
    check.update(body)
    assert check.actual() != check.expected


@pytest.mark.parametrize("body", [b"a" * 10 + b"b" * 9 + b"x" + b"c" * 3])
def test_changed_body_does_not_make_the_etag_when_hashed_inline(body):
    check = PartsCheck([10, 10, 3], _s3_etag(PARTS), "s3")
    check.update(body)
    assert check.actual() != check.expected


@pytest.mark.parametrize("algorithm", ["crc32c", "sha256"])
@pytest.mark.parametrize("inline_limit", [integrity.INLINE_LIMIT, 0])
def test_body_makes_the_composite_checksum_of_its_parts(algorithm, inline_limit):
    digests = b"".join(_digest(algorithm, p) for p in PARTS)
    expected = f"{base64.b64encode(_digest(algorithm, digests)).decode()}-3"
    check = PartsCheck([10, 10, 3], expected, "s3", inline_limit=inline_limit,
                       algorithm=algorithm)
    for part in PARTS:
        check.update(part)
    assert check.actual() == check.expected == expected
    wrong = PartsCheck([10, 10, 3], expected, "s3", algorithm=algorithm)
    wrong.update(b"x" + b"".join(PARTS)[1:])
    assert wrong.actual() != expected


def _digest(algorithm, data):
    hasher = integrity.new_hasher(algorithm)
    hasher.update(data)
    return hasher.digest()
