"""Pure logic of the MictlanX backend: key codec, sizes, tags, router pool, cache."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from objclient.backends.mictlanx.cache import BallCache
from objclient.backends.mictlanx.names import (check_key, check_user_tags, decode_name,
                                               encode_name, is_safe_key, parse_chunk_key,
                                               parse_size, sanitize_str)
from objclient.backends.mictlanx.routers import RouterPool, parse_router_list
from objclient.exceptions import InvalidArgument, InvalidName


def test_sanitize_str_strips_like_the_router():
    assert sanitize_str("a.txt") == "atxt"
    assert sanitize_str("a--b") == "a-b"
    assert sanitize_str("-a-") == "a"
    assert sanitize_str("...") == ""


@pytest.mark.parametrize("name", ["report-2024", "a_1", "A9"])
def test_router_safe_names_are_kept_as_they_are(name):
    assert encode_name(name) == name
    assert decode_name(name) == name


@pytest.mark.parametrize("name", ["a.txt", "with space", "ocx-61", "a--b", "-a", "a_", "data",
                                  "ünïcödé/名前", "..", "emoji 🎉"])
def test_other_names_are_hex_encoded_and_decode_back(name):
    key = encode_name(name)
    assert key.startswith("ocx-") and is_safe_key(key)
    assert sanitize_str(key) == key
    assert decode_name(key) == name


@given(st.text(min_size=1).filter(lambda s: "\0" not in s and not any(
    0xD800 <= ord(c) <= 0xDFFF for c in s)))
def test_encoding_is_reversible_and_router_safe(name):
    key = encode_name(name)
    assert sanitize_str(key) == key
    assert decode_name(key) == name


@pytest.mark.parametrize("key", ["ocx-zz", "ocx-6", "ocx-4A", "ocx-ff", "a.b", "ocx-61"])
def test_keys_no_name_encodes_to_decode_to_none(key):
    assert decode_name(key) is None


def test_low_level_keys_the_router_would_change_are_refused():
    with pytest.raises(InvalidName, match="sanitize_str"):
        check_key("a.txt")
    assert check_key("a-b_1") == "a-b_1"


def test_chunk_keys_split_on_the_last_underscore():
    assert parse_chunk_key("a_1_0") == ("a_1", 0)
    assert parse_chunk_key("ball_12") == ("ball", 12)
    assert parse_chunk_key("ball_01") is None
    assert parse_chunk_key("ball") is None


@pytest.mark.parametrize("text,size", [("256kb", 256000), ("1MB", 1000000), ("4MiB", 4194304),
                                       ("10", 10), (" 2 kb ", 2000), (7, 7)])
def test_sizes_parse_like_humanfriendly(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("bad", ["lots", "-1", "1XB", -5, True])
def test_bad_sizes_are_refused(bad):
    with pytest.raises(InvalidArgument):
        parse_size(bad)


def test_user_tags_may_not_overwrite_system_tags():
    with pytest.raises(InvalidArgument, match="num_chunks"):
        check_user_tags({"num_chunks": "9"})
    assert check_user_tags({"k": 1}) == {"k": "1"}


def test_router_list_needs_ports_and_drops_ids():
    assert parse_router_list("r0@h1:60666,h2:1", "http") == ["http://h1:60666", "http://h2:1"]
    with pytest.raises(ValueError):
        parse_router_list("h1", "http")


def test_router_pool_round_robin_skips_failed_router_until_cooldown_ends():
    now = [0.0]
    pool = RouterPool(["http://a:1", "http://b:1", "http://c:1"], cooldown=10,
                      clock=lambda: now[0])
    assert [pool.candidates()[0] for _ in range(3)] == ["http://a:1", "http://b:1",
                                                         "http://c:1"]
    pool.mark_failed("http://b:1", "refused")
    firsts = [pool.candidates()[0] for _ in range(6)]
    assert "http://b:1" not in firsts
    assert pool.candidates()[-1] == "http://b:1"  # still tried, last
    health = {h.url: h for h in pool.health()}
    assert not health["http://b:1"].healthy and health["http://b:1"].retry_in == 10
    now[0] = 10.5
    assert "http://b:1" in [pool.candidates()[0] for _ in range(3)]
    pool.mark_ok("http://b:1")
    assert pool.health()[1].failures == 0


def test_cache_is_lru_bounded_by_bytes_and_checks_checksums():
    cache = BallCache(10)
    cache.put("b", "x", "c1", b"12345")
    cache.put("b", "y", "c2", b"1234")
    assert cache.get("b", "x") == b"12345"  # x is now the most recent
    cache.put("b", "z", "c3", b"123")
    assert cache.get("b", "y") is None and cache.get("b", "x") == b"12345"
    assert cache.used <= 10
    assert cache.get("b", "x", "other") is None
    cache.put("b", "big", "c", b"x" * 11)
    assert cache.get("b", "big") is None
    cache.invalidate("b")
    assert cache.used == 0


def _ball(sizes):
    from objclient.backends.mictlanx.models import BallInfo, ChunkMeta
    chunks = [ChunkMeta(key=f"b_{i}", ball_id="b", size=s, tags={"index": str(i)})
              for i, s in enumerate(sizes)]
    return BallInfo(bucket_id="k", ball_id="b", num_chunks=len(sizes), size=sum(sizes),
                    chunks=chunks)


def test_read_plan_maps_ranges_onto_chunk_slices():
    from objclient.backends.mictlanx.chunking import plan_reads
    ball = _ball([10, 10, 5])
    assert plan_reads(ball, None) == [(0, 0, 10), (1, 0, 10), (2, 0, 5)]
    assert plan_reads(ball, [(8, 12)]) == [(0, 8, 10), (1, 0, 3)]
    assert plan_reads(ball, [(None, 3)]) == [(2, 2, 5)]
    assert plan_reads(ball, [(20, None), (0, 0)]) == [(2, 0, 5), (0, 0, 1)]


def test_only_transient_failures_are_retried():
    from objclient.backends.mictlanx.chunking import retryable
    from objclient.exceptions import (BadRequest, ConnectionFailed, DeadlineReached,
                                      NotFound, ServerError, TooManyRequests)
    assert all(retryable(e) for e in (ConnectionFailed("x"), ServerError("x"),
                                      TooManyRequests("x"), NotFound("no peers")))
    assert not any(retryable(e) for e in (BadRequest("x"), DeadlineReached("x")))


def test_duplicate_replica_records_collapse_to_the_newest():
    from objclient.backends.mictlanx.models import ChunkMeta, ball_from_records
    old = ChunkMeta(key="b_0", ball_id="b", size=3, tags={"index": "0", "num_chunks": "1",
                                                          "updated_at": "1"})
    new = ChunkMeta(key="b_0", ball_id="b", size=4, tags={"index": "0", "num_chunks": "1",
                                                          "updated_at": "2"})
    stale = ChunkMeta(key="b_1", ball_id="b", size=9, tags={"index": "1"})
    ball = ball_from_records("k", "b", [old, new, old, stale])
    assert ball.size == 4 and ball.num_chunks == 1 and ball.complete
    assert ball_from_records("k", "b", [stale]) is None
