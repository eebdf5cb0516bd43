"""objclient.source: every kind of upload body, hashed while read."""

import hashlib
import io

import pytest

from objclient.exceptions import InvalidArgument
from objclient.source import open_source


def test_bytes_source_knows_size_and_rewinds():
    src = open_source(data=b"hello")
    assert src.size == 5 and src.rewindable
    assert src.read() == b"hello"
    src.rewind()
    assert src.read(2) == b"he"
    assert src.md5_hex() == hashlib.md5(b"he").hexdigest()


def test_file_object_size_counts_from_current_position():
    fh = io.BytesIO(b"0123456789")
    fh.seek(4)
    src = open_source(data=fh)
    assert src.size == 6
    assert src.read() == b"456789"


def test_generator_is_not_rewindable_and_chunks_are_rebuffered():
    src = open_source(data=(p for p in [b"ab", b"cde", "f"]))
    assert not src.rewindable and src.size is None
    assert src.read(4) == b"abcd"
    assert src.read() == b"ef"
    assert src.md5_hex() == hashlib.md5(b"abcdef").hexdigest()
    with pytest.raises(io.UnsupportedOperation):
        src.seek(0)


def test_generator_yielding_non_bytes_is_refused():
    src = open_source(data=iter([1, 2]))
    with pytest.raises(InvalidArgument, match="must yield bytes"):
        src.read()


def test_path_source(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"x" * 10)
    with open_source(file_or_path=str(path)) as src:
        assert src.size == 10 and src.read() == b"x" * 10


def test_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(InvalidArgument, match="cannot open"):
        open_source(file_or_path=str(tmp_path / "nope"))


def test_exactly_one_of_data_and_path():
    with pytest.raises(InvalidArgument):
        open_source()
    with pytest.raises(InvalidArgument):
        open_source(data=b"", file_or_path="x")


def test_skip_hash_stops_hashing_for_good_even_after_a_rewind():
    with open_source(data=b"abc" * 10) as src:
        src.read(3)
        src.skip_hash()
        assert src.read() == b"abc" * 9 and src.md5_hex() == ""
        src.rewind()
        assert src.read() == b"abc" * 10 and src.md5_hex() == ""
