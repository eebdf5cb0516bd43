"""PartsCheck: a large object's body checked against its S3 or Swift ETag."""

import hashlib

import pytest

from objclient.hashing import PartsCheck

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
def test_body_fed_in_any_chunks_makes_the_etag_of_its_parts(style, etag, chunks):
    check = PartsCheck([10, 10, 3], f'"{etag}"', style)
    for chunk in chunks:
        check.update(chunk)
    assert check.actual() == check.expected == etag


@pytest.mark.parametrize("body", [b"a" * 10 + b"b" * 9 + b"x" + b"c" * 3,  # one byte changed
                                  b"a" * 10 + b"b" * 10 + b"c" * 2,  # one byte short
                                  b"a" * 10 + b"b" * 10 + b"c" * 4])  # one byte more
def test_changed_short_or_long_body_does_not_make_the_etag(body):
    check = PartsCheck([10, 10, 3], _s3_etag(PARTS), "s3")
    check.update(body)
    assert check.actual() != check.expected
