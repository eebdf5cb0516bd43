"""Retries, failover, checksums, cache, bulk puts, ranges and the facade mapping."""

import io
import hashlib

import pytest

from objclient.backends.mictlanx import BulkItem, create_backend
from objclient.exceptions import (BadRequest, ChecksumMismatch, ConnectionFailed,
                                  InvalidArgument, NoSuchObject, NotFound, ServerError)

from .conftest import R1, R2


def _posts(fake, part):
    return [c for c in fake.log if c["method"] == "POST" and part in c["path"]]


def test_chunk_is_retried_with_growing_capped_jittered_backoff(fake, make_api):
    api = make_api(backoff_base=1.0, max_backoff=3.0)
    mx = api.blob_client.mictlanx
    fake.fail("POST", r"/buckets/bkt/metadata$", status=500, times=3)
    result = mx.put_stream("bkt", "ball", io.BytesIO(b"abc"))
    assert result.chunks[0].attempts == 4
    assert len(api.sleeps) == 3
    for number, wait in enumerate(api.sleeps, start=1):
        base = min(3.0, 2 ** (number - 1))
        assert base * 0.5 <= wait <= min(3.0, base * 1.5)
    assert mx.get("bkt", "ball") == b"abc"


def test_chunk_that_keeps_failing_raises_and_commits_nothing(fake, make_api):
    api = make_api(max_tries=3)
    mx = api.blob_client.mictlanx
    fake.fail("POST", r"/chunked$", status=503, times=100)
    with pytest.raises(ServerError):
        mx.put("bkt", "ball", b"x" * 35, chunk_size=10)
    assert len(api.sleeps) >= 2
    assert fake.stored_keys("bkt") == []
    with pytest.raises(NotFound):
        mx.get("bkt", "ball")


def test_client_errors_are_not_retried(fake, api):
    fake.fail("POST", r"/buckets/bkt/metadata$", status=400, detail="Bucket ID mismatch")
    with pytest.raises(BadRequest):
        api.blob_client.mictlanx.put("bkt", "ball", b"abc")
    assert api.sleeps == [] and len(_posts(fake, "/metadata")) == 1


def test_failed_facade_upload_leaves_no_object(fake, make_api):
    api = make_api(max_tries=2)
    api.container_create("acct", "c")
    fake.fail("POST", r"/buckets/c/metadata$", status=500, times=100)
    with pytest.raises(ServerError):
        api.object_create("acct", "c", data=b"x" * 50, obj_name="o")
    assert api.object_head("acct", "c", "o") is False
    assert fake.stored_keys("c") == []


def test_corrupted_chunk_raises_checksum_mismatch_after_a_forced_reread(fake, api):
    mx = api.blob_client.mictlanx
    mx.put("bkt", "ball", b"0123456789" * 3, chunk_size=10)
    fake.corrupt("bkt", "ball_1")
    mx.cache.clear()
    fake.log.clear()
    with pytest.raises(ChecksumMismatch):
        mx.get("bkt", "ball")
    forced = [c["headers"]["force-get"] for c in fake.log if c["path"].endswith("ball_1")]
    assert forced == ["0", "1"]
    with pytest.raises(ChecksumMismatch):
        _meta, stream = api.object_fetch("acct", "bkt", "ball")
        b"".join(stream)


def test_stale_router_cache_is_bypassed_with_force_get(fake, api):
    mx = api.blob_client.mictlanx
    fake.router_down(R2)
    mx.put("bkt", "ball", b"old-value!")  # R1 caches the old bytes
    fake.router_up(R2)
    fake.router_down(R1)
    mx.put("bkt", "ball", b"new-value!", replace=True)  # through R2
    fake.router_up(R1)
    fake.router_down(R2)
    mx.cache.clear()
    assert mx.get("bkt", "ball") == b"new-value!"
    reads = [c for c in fake.log if c["path"] == "/api/v4/buckets/bkt/ball_0"]
    assert [c["headers"]["force-get"] for c in reads[-2:]] == ["0", "1"]


def test_connection_errors_fail_over_to_the_next_router(fake, api):
    fake.router_down(R1)
    api.object_create("acct", "c", data=b"hello", obj_name="o")
    assert b"".join(api.object_fetch("acct", "c", "o")[1]) == b"hello"
    assert {c["router"] for c in fake.log} == {R2}
    health = {h.url: h for h in api.directory.health()}
    assert health[R1].healthy is False and health[R1].failures >= 1
    assert health[R2].healthy is True


def test_failed_router_is_tried_again_after_its_cooldown(fake, make_api):
    api = make_api(router_cooldown=0)
    fake.router_down(R1)
    api.container_create("acct", "c")
    fake.router_up(R1)
    fake.log.clear()
    for _ in range(4):
        api.object_head("acct", "c", "x")
    assert R1 in {c["router"] for c in fake.log}


def test_no_reachable_router_raises_connection_failed(fake, make_api):
    from objclient.http.retry import RetryPolicy
    api = make_api(retries=RetryPolicy.disabled())
    fake.router_down(R1)
    fake.router_down(R2)
    with pytest.raises(ConnectionFailed):
        api.container_show("acct", "c")


def test_bulk_put_reports_the_failing_item_and_stores_the_others(fake, mx):
    fake.fail("POST", r"/buckets/bad/metadata$", status=400, detail="no", times=10)
    items = [BulkItem("good", "one", b"1"), BulkItem("bad", "two", b"2"),
             BulkItem("good", "three", b"333", rf=2)]
    result = mx.put_bulk(items, max_workers=3)
    assert sorted(r.key for r in result.successes) == ["one", "three"]
    assert [f.item.key for f in result.failures] == ["two"]
    assert isinstance(result.failures[0].error, BadRequest)
    assert result.uploaded_size == 4
    assert len(fake.holders("good", "three_0")) == 2


def test_bulk_put_can_stop_on_the_first_failure(fake, mx):
    fake.fail("POST", r"/buckets/bad/metadata$", status=400, detail="no", times=10)
    items = [BulkItem("bad", "a", b"1"), BulkItem("good", "b", b"2"),
             BulkItem("good", "c", b"3")]
    result = mx.put_bulk(items, max_workers=1, stop_on_failure=True)
    assert len(result.failures) == 1 and [i.key for i in result.skipped] == ["b", "c"]


def test_read_cache_serves_repeated_gets_and_is_invalidated_by_puts(fake, mx):
    mx.put("bkt", "ball", b"first")
    assert mx.get("bkt", "ball") == b"first"
    fake.log.clear()
    assert mx.get("bkt", "ball") == b"first"
    assert [c["path"] for c in fake.log] == ["/api/v4/buckets/bkt/metadata/ball/chunks"]
    mx.put("bkt", "ball", b"second", replace=True)
    assert mx.get("bkt", "ball") == b"second"
    mx.delete("bkt", "ball")
    with pytest.raises(NotFound):
        mx.get("bkt", "ball")


def test_ranges_fetch_only_the_chunks_they_cover(fake, api):
    data = bytes(range(25))
    api.object_create("acct", "c", data=data, obj_name="r")
    fake.log.clear()
    _meta, stream = api.object_fetch("acct", "c", "r", ranges=[(8, 12)])
    assert b"".join(stream) == data[8:13]
    assert sorted(c["path"][-3:] for c in fake.log if "/c/r_" in c["path"]) == ["r_0", "r_1"]
    _meta, stream = api.object_fetch("acct", "c", "r", ranges=[(None, 3), (0, 0)])
    assert b"".join(stream) == data[-3:] + data[:1]


def test_get_stream_yields_verified_chunks_in_order(mx):
    mx.put("bkt", "ball", bytes(range(95)), chunk_size=10)
    pieces = list(mx.get_stream("bkt", "ball", max_workers=3))
    assert [len(p) for p in pieces] == [10] * 9 + [5]
    assert b"".join(pieces) == bytes(range(95))


def test_delete_with_one_router_down_still_deletes(fake, api):
    api.object_create("acct", "c", data=b"abc", obj_name="o")
    fake.router_down(R2)
    api.object_delete("acct", "c", "o")
    assert api.object_head("acct", "c", "o") is False


def test_put_file_and_get_to_file_round_trip(tmp_path, mx):
    src = tmp_path / "in.bin"
    src.write_bytes(b"z" * 1234)
    result = mx.put_file("bkt", "file", src, chunk_size=100, max_workers=2)
    assert len(result.chunks) == 13
    info = mx.get_metadata("bkt", "file")
    assert info.tags["fullname"] == "in.bin" and info.tags["extension"] == "bin"
    out = mx.get_to_file("bkt", "file", tmp_path / "out.bin")
    assert open(out, "rb").read() == b"z" * 1234


def test_replication_factor_is_a_backend_option_and_a_low_level_argument(fake, make_api):
    api = make_api(rf=2)
    api.object_create("acct", "c", data=b"abc", obj_name="o")
    assert len(fake.holders("c", "o_0")) == 2
    api.blob_client.mictlanx.put("c", "o3", b"abc", rf=3)
    assert len(fake.holders("c", "o3_0")) == 3
    with pytest.raises(InvalidArgument):
        api.blob_client.mictlanx.put("c", "o4", b"abc", rf=0)


def test_object_hash_is_the_md5_and_locate_lists_chunks(api):
    data = b"x" * 25
    _chunks, size, md5 = api.object_create("acct", "c", data=data, obj_name="o")
    assert (size, md5) == (25, hashlib.md5(data).hexdigest())
    meta, chunks = api.object_locate("acct", "c", "o")
    assert meta["hash_method"] == "md5" and meta["hash"] == md5
    assert [c["pos"] for c in chunks] == ["0", "1", "2"]
    assert chunks[1]["hash"] == hashlib.sha256(data[10:20]).hexdigest()


def test_incomplete_ball_is_an_error_not_short_data(fake, api):
    api.object_create("acct", "c", data=b"x" * 25, obj_name="o")
    for peer in fake.peer_ids:
        fake.peers[peer].get("c", {}).pop("o_1", None)
    with pytest.raises(ServerError, match="lacks chunks"):
        api.object_fetch("acct", "c", "o")


def test_missing_object_and_container_errors_are_refined(api):
    api.container_create("acct", "c")
    with pytest.raises(NoSuchObject):
        api.object_get_properties("acct", "c", "nope")
    from objclient.exceptions import NoSuchContainer
    with pytest.raises(NoSuchContainer):
        api.object_get_properties("acct", "gone", "nope")


def test_user_properties_may_not_use_system_tag_names(api):
    with pytest.raises(InvalidArgument, match="num_chunks"):
        api.object_create("acct", "c", data=b"x", obj_name="o", properties={"num_chunks": "1"})


@pytest.mark.parametrize("url", ["mictlanx+http://", "mictlanx+http://host",
                                 "s3+http://h:1", "mictlanx+http://h:1?colour=red"])
def test_bad_urls_are_refused(url):
    with pytest.raises(InvalidArgument):
        create_backend(url)


def test_url_query_options_and_unknown_options(fake):
    backend = create_backend("mictlanx+https://r0@h1:1,h2:2?rf=3&chunk_size=1MB&account=a")
    assert backend.mictlanx.rf == 3 and backend.mictlanx.chunk_size == 1000000
    assert backend.default_account == "a"
    assert backend.mictlanx.transport.pool.urls == ["https://h1:1", "https://h2:2"]
    with pytest.raises(InvalidArgument, match="colour"):
        create_backend("mictlanx+http://h:1", colour="red")


def test_balls_written_by_the_official_client_are_readable(fake, api):
    data = b"from another client"
    meta = {"key": "photo_0", "ball_id": "photo", "bucket_id": "shared", "size": len(data),
            "checksum": hashlib.sha256(data).hexdigest(), "producer_id": "other",
            "content_type": "image/jpeg", "is_disabled": False,
            "tags": {"index": "0", "chunk_size": str(len(data)), "group_id": "photo",
                     "num_chunks": "1", "full_checksum": hashlib.sha256(data).hexdigest(),
                     "camera": "x100"}}
    fake.peers[fake.peer_ids[0]]["shared"] = {"photo_0": {"metadata": meta, "data": data}}
    info = api.object_get_properties("acct", "shared", "photo")
    assert info["hash_method"] == "sha256" and info["size"] == str(len(data))
    assert info["properties"] == {"camera": "x100"} and info["mime_type"] == "image/jpeg"
    assert b"".join(api.object_fetch("acct", "shared", "photo")[1]) == data
    assert [o["name"] for o in api.object_list("acct", "shared")["objects"]] == ["photo"]


def test_every_sub_client_reaches_the_same_low_level_client(api):
    mx = api.blob_client.mictlanx
    assert api.container.mictlanx is mx and api.account.mictlanx is mx
    assert api.directory.mictlanx is mx
    assert api.directory.endpoints() == {"router1": R1, "router2": R2}
