"""Contract tests: every router route as shared/protocols/mictlanx.md describes it.

The fake logs each request (router, method, path, headers, body); these tests
check what the backend sends, path by path and header by header.
"""

import hashlib
import json

import pytest

from objclient.exceptions import BadRequest, InvalidName, NoSuchAccount
from tests.fakes.mictlanx import sanitize_str

from .conftest import R1, R2

DTO_FIELDS = {"bucket_id", "key", "ball_id", "checksum", "size", "tags", "producer_id",
              "content_type", "is_disabled", "replication_factor"}


def _calls(fake, method=None, contains=""):
    return [c for c in fake.log if (method is None or c["method"] == method)
            and contains in c["path"]]


def test_put_sends_metadata_then_chunked_data_for_each_chunk_and_chunk_0_last(fake, mx):
    value = bytes(range(25))
    assert mx.put("bkt", "ball", value, chunk_size=10, rf=2, tags={"k": "v"},
                  max_concurrency=1) is True
    first = fake.log[0]
    assert (first["method"], first["path"]) == ("GET", "/api/v4/buckets/bkt/metadata/ball/chunks")
    metas = _calls(fake, "POST", "/api/v4/buckets/bkt/metadata")
    assert len(metas) == 3
    docs = [json.loads(c["body"]) for c in metas]
    assert docs[-1]["key"] == "ball_0"  # chunk 0 commits the ball
    for call, doc in zip(metas, docs):
        assert set(doc) == DTO_FIELDS
        assert call["headers"]["update"] == "0"
        assert call["headers"]["content-type"] == "application/json"
        index = int(doc["key"].rsplit("_", 1)[1])
        chunk = value[index * 10:(index + 1) * 10]
        assert doc["bucket_id"] == "bkt" and doc["ball_id"] == "ball"
        assert doc["size"] == len(chunk)
        assert doc["checksum"] == hashlib.sha256(chunk).hexdigest()
        assert doc["replication_factor"] == 2
        assert doc["tags"]["index"] == str(index) and doc["tags"]["group_id"] == "ball"
        assert doc["tags"]["chunk_size"] == str(len(chunk))
    tags0 = docs[-1]["tags"]
    assert tags0["num_chunks"] == "3" and tags0["k"] == "v"
    assert tags0["full_checksum"] == hashlib.sha256(value).hexdigest()
    assert tags0["objclient_md5"] == hashlib.md5(value).hexdigest()
    for doc in docs:  # every chunk describes the whole ball, as the official client's do
        assert doc["tags"]["k"] == "v" and doc["tags"]["num_chunks"] == "3"
        assert doc["tags"]["full_checksum"] == tags0["full_checksum"]
    stamps = {doc["key"]: int(doc["tags"]["updated_at"]) for doc in docs}
    assert stamps["ball_0"] < stamps["ball_1"] < stamps["ball_2"]  # chunk 0 is listed first
    datas = _calls(fake, "POST", "/chunked")
    assert len(datas) == 3
    for meta_call, data_call in zip(metas, datas):
        assert data_call["path"].startswith("/api/v4/buckets/data/task-")
        assert data_call["router"] == meta_call["router"]  # tasks live in one router
        assert data_call["headers"]["content-type"] == "application/octet-stream"
    assert sorted(len(fake.holders("bkt", f"ball_{i}")) for i in range(3)) == [2, 2, 2]


def test_get_lists_chunks_then_reads_each_with_identity_encoding(fake, mx):
    mx.put("bkt", "ball", b"0123456789abcdefghij!", chunk_size=10)
    fake.log.clear()
    assert mx.get("bkt", "ball", force=True) == b"0123456789abcdefghij!"
    assert fake.log[0]["path"] == "/api/v4/buckets/bkt/metadata/ball/chunks"
    reads = _calls(fake, "GET", "/api/v4/buckets/bkt/ball_")
    assert sorted(c["path"] for c in reads) == [f"/api/v4/buckets/bkt/ball_{i}"
                                                for i in range(3)]
    for call in reads:
        assert call["headers"]["accept-encoding"] == "identity"
        assert call["headers"]["force-get"] == "1"


def test_get_metadata_by_key_reads_one_chunk_record(fake, mx):
    mx.put("bkt", "ball", b"abc")
    rec = mx.get_metadata_by_key("bkt", "ball_0")
    assert fake.log[-1]["path"] == "/api/v4/buckets/bkt/metadata/ball_0"
    assert rec.size == 3 and rec.index == 0 and rec.tags["num_chunks"] == "1"


def test_delete_by_ball_id_goes_to_every_router_with_force(fake, mx):
    mx.put("bkt", "ball", b"x" * 25, chunk_size=10)
    fake.log.clear()
    assert mx.delete("bkt", "ball") == 3
    calls = _calls(fake, "DELETE")
    assert {c["router"] for c in calls} == {R1, R2}
    assert {c["path"] for c in calls} == {"/api/v4/buckets/bkt/bid/ball"}
    assert all(c["headers"]["force"] == "1" for c in calls)
    assert fake.stored_keys("bkt") == []


def test_delete_by_key_removes_one_chunk_object_on_every_replica(fake, mx):
    mx.put("bkt", "ball", b"abc", rf=3)
    fake.log.clear()
    assert mx.delete_by_key("ball_0", "bkt").n_deletes == 3
    assert {c["path"] for c in fake.log} == {"/api/v4/buckets/bkt/ball_0"}
    assert {c["router"] for c in fake.log} == {R1, R2}


def test_bucket_listing_and_delete_bucket(fake, mx):
    mx.put("bkt", "one", b"1")
    mx.put("bkt", "two", b"22" * 10, chunk_size=10)
    records = mx.get_chunks_by_bucket_id("bkt").balls
    assert _calls(fake, "GET")[-1]["path"] == "/api/v4/buckets/bkt/metadata"
    assert sorted({r.key for r in records}) == ["one_0", "two_0", "two_1"]
    result = mx.delete_bucket("bkt")
    assert (result.deleted, result.failed, result.total) == (3, 0, 3)
    assert fake.stored_keys("bkt") == []


def test_properties_update_posts_the_whole_record_to_the_update_route(fake, api):
    api.object_create("acct", "cont", data=b"abc", obj_name="obj", properties={"a": "1"})
    fake.log.clear()
    api.object_set_properties("acct", "cont", "obj", {"b": "2"})
    post = _calls(fake, "POST")[-1]
    assert post["path"] == "/api/v4/u/buckets/cont/obj_0"
    doc = json.loads(post["body"])
    assert set(doc) == DTO_FIELDS
    assert doc["tags"]["a"] == "1" and doc["tags"]["b"] == "2"
    assert doc["tags"]["num_chunks"] == "1" and doc["size"] == 3


def test_overwrite_deletes_the_old_ball_then_puts_without_update(fake, mx):
    mx.put("bkt", "ball", b"x" * 25, chunk_size=10)
    fake.log.clear()
    mx.put("bkt", "ball", b"short", chunk_size=10, replace=True)
    calls = [(c["method"], c["path"]) for c in fake.log]
    assert calls[:2] == [("GET", "/api/v4/buckets/bkt/metadata/ball/chunks"),
                         ("DELETE", "/api/v4/buckets/bkt/bid/ball")]
    assert [c["headers"]["update"] for c in _calls(fake, "POST", "/metadata")] == ["0"]
    assert fake.stored_keys("bkt") == ["ball_0"]
    assert mx.get("bkt", "ball") == b"short"


def test_empty_ball_is_one_padded_chunk_that_reads_back_empty(fake, mx, api):
    mx.put("bkt", "empty", b"")
    doc = json.loads(_calls(fake, "POST", "/metadata")[-1]["body"])
    assert doc["size"] == 1 and doc["tags"]["objclient_size"] == "0"
    assert doc["tags"]["full_checksum"] == hashlib.sha256(b"").hexdigest()
    assert mx.get("bkt", "empty") == b""


def test_router_error_detail_message_and_code_are_kept(fake, mx):
    fake.fail("GET", r"/metadata/ball/chunks$", status=400,
              detail={"msg": "Bucket ID mismatch", "code": 400})
    with pytest.raises(BadRequest) as err:
        mx.get("bkt", "ball")
    assert err.value.server_message == "Bucket ID mismatch" and err.value.code == "400"


def test_keys_the_router_would_strip_are_refused_before_any_request(fake, mx):
    with pytest.raises(InvalidName):
        mx.put("bkt", "a.txt", b"x")
    with pytest.raises(InvalidName):
        mx.get("b kt", "a")
    assert fake.log == []


def test_the_fake_router_sanitizes_keys_as_the_real_one(fake):
    assert sanitize_str("photo.2024.jpg_0") == "photo2024jpg_0"


def test_facade_names_are_stored_under_reversible_router_safe_keys(fake, api):
    api.object_create("acct", "my.container", data=b"abc", obj_name="dir/a.txt")
    bucket = "ocx-" + b"my.container".hex()
    assert fake.stored_keys(bucket) == ["ocx-" + b"dir/a.txt".hex() + "_0"]
    assert [o["name"] for o in api.object_list("acct", "my.container")["objects"]] \
        == ["dir/a.txt"]


def test_container_is_recorded_as_a_catalog_ball_with_properties_as_tags(fake, api):
    api.container_create("acct", "photos", properties={"owner": "Zoë"})
    rec = fake.records("ocx-catalog")[0]
    assert rec["key"] == "photos_0" and rec["tags"]["owner"] == "Zoë"
    assert [c["name"] for c in api.container_list("acct")] == ["photos"]


def test_only_the_configured_account_exists(api):
    with pytest.raises(NoSuchAccount):
        api.container_create("someone-else", "c")
    assert api.account_show("acct")["id"] == "acct"


def test_router_health_probe_reads_peer_stats(fake, mx):
    stats = mx.check_routers()
    assert set(stats) == {R1, R2}
    assert set(stats[R1]) == set(fake.peer_ids)
    assert _calls(fake, "GET")[-1]["path"] == "/api/v4/peers/stats"
