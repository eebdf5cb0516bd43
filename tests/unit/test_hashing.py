"""BackgroundHash: the same digest as hashlib, whatever the block sizes, and no thread left."""

import hashlib
import threading

import pytest

from objclient.hashing import BackgroundHash


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
