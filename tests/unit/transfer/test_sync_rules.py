"""The pure parts of sync: rclone globs, sizes and durations, compare modes,
the merge join and the byte-order check."""

import pickle

import pytest

from objclient.exceptions import InvalidArgument
from objclient.models import ObjectInfo
from objclient.transfer.sync import (Filter, ListingOrderError, StoreRef, glob_to_regex,
                                     merge_join, needs_copy, parse_duration, parse_size)
from objclient.transfer.sync.merge import in_byte_order


@pytest.mark.parametrize("glob, name, hit", [
    ("*.jpg", "a.jpg", True), ("*.jpg", "x/y/a.jpg", True), ("*.jpg", "a.jpgx", False),
    ("/*.jpg", "x/a.jpg", False), ("/*.jpg", "a.jpg", True),
    ("dir/*", "dir/a", True), ("dir/*", "dir/a/b", False), ("dir/**", "dir/a/b", True),
    ("dir/*", "top/dir/a", True), ("/dir/**", "top/dir/a", False),
    ("?.txt", "a.txt", True), ("?.txt", "ab.txt", False), ("*.{jpg,png}", "p/q.png", True),
    ("[ab].c", "b.c", True), ("[!ab].c", "b.c", False), (r"\*.c", "*.c", True),
    (r"\*.c", "x.c", False),
])
def test_globs_follow_rclone(glob, name, hit):
    assert bool(glob_to_regex(glob).search(name)) is hit


def test_glob_errors_are_typed():
    for bad in ("[abc", "{a,b", "{a,{b}}"):
        with pytest.raises(InvalidArgument):
            glob_to_regex(bad)


def test_first_matching_rule_wins_and_an_include_excludes_the_rest():
    flt = Filter((("-", "secret/**"), ("+", "*.jpg")))
    assert flt.wants_name("a/b.jpg") and not flt.wants_name("secret/b.jpg")
    assert not flt.wants_name("a/b.txt")
    assert Filter((("-", "*.tmp"),)).wants_name("a/b.txt")


def test_size_and_age_limits():
    flt = Filter(min_size=10, max_size=100, max_age=3600, now=10_000.0)
    assert flt.wants("a", ObjectInfo(name="a", size=50, mtime=9000.0))
    assert not flt.wants("a", ObjectInfo(name="a", size=5, mtime=9000.0))
    assert not flt.wants("a", ObjectInfo(name="a", size=500, mtime=9000.0))
    assert not flt.wants("a", ObjectInfo(name="a", size=50, mtime=1000.0))
    old_upload = ObjectInfo(name="a", size=50, mtime=1000.0, properties={"mtime": "9500"})
    assert flt.wants("a", old_upload)


def test_sizes_and_durations_parse_as_rclone():
    assert parse_size("10k") == 10240 and parse_size("1.5M") == 1572864
    assert parse_size("100") == 100 and parse_size("2GiB") == 2 * 1024 ** 3
    assert parse_duration("90") == 90 and parse_duration("2h30m") == 9000
    assert parse_duration("7d") == 7 * 86400
    for bad in ("ten", "10x"):
        with pytest.raises(InvalidArgument):
            parse_duration(bad)


def _info(size=10, mtime=1000.0, props=None, hash=None, method="md5"):
    return ObjectInfo(name="n", size=size, mtime=mtime, properties=props or {}, hash=hash,
                      hash_method=method)


def test_mtime_mode_uses_the_stored_property_when_listed():
    src = _info(mtime=1000.5)
    assert not needs_copy(src, _info(mtime=5000.0, props={"mtime": "1000.500000"}))
    assert needs_copy(src, _info(mtime=5000.0, props={"mtime": "999.0"}))
    assert needs_copy(src, _info(size=11, props={"mtime": "1000.5"}))


def test_mtime_mode_without_the_property_trusts_a_later_upload_and_sends_no_head():
    src = _info(mtime=1000.5)
    assert not needs_copy(src, _info(mtime=1001.0))
    assert needs_copy(src, _info(mtime=900.0))


def test_size_only_and_checksum_modes():
    a = _info(hash="0" * 32)
    assert not needs_copy(a, _info(mtime=1.0), "size")
    assert needs_copy(a, _info(hash="1" * 32), "checksum")
    assert not needs_copy(a, _info(hash="0" * 32, mtime=1.0), "checksum")
    multipart = _info(hash="abc-3", method="md5")
    assert not needs_copy(a, multipart, "checksum")


def test_update_skips_newer_destinations():
    src = _info(mtime=1000.0)
    assert not needs_copy(src, _info(size=99, props={"mtime": "2000"}), update=True)
    assert needs_copy(src, _info(size=99, props={"mtime": "500"}), update=True)


def test_merge_join_pairs_names_in_byte_order():
    src = [("a", 1), ("c", 2), ("é", 3)]
    dst = [("b", 4), ("c", 5), ("z", 6)]
    got = [(n, s, d) for n, s, d in merge_join(src, dst)]
    assert got == [("a", 1, None), ("b", None, 4), ("c", 2, 5), ("z", None, 6),
                   ("é", 3, None)]


def test_a_listing_out_of_byte_order_fails_loudly():
    with pytest.raises(ListingOrderError):
        list(in_byte_order([("b", 1), ("a", 2)], "the source"))
    with pytest.raises(ListingOrderError):
        list(in_byte_order([("é", 1), ("z", 2)], "the source"))


def test_a_store_ref_is_picklable_and_refuses_secrets():
    ref = StoreRef(dict, "s3+http://127.0.0.1:8333", profile="prod")
    assert pickle.loads(pickle.dumps(ref)) == ref
    for bad in (StoreRef, ):
        with pytest.raises(InvalidArgument):
            bad(dict, "swift+http://u:pw@host/auth/v1.0")
        with pytest.raises(InvalidArgument):
            bad(dict, "s3+http://host", options=(("secret_key", "x"),))
