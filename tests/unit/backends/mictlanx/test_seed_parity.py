"""The official MictlanX client's API reference (``AsyncClient``, ``Router``),
row by row of ``doc/parity/mictlanx.rst``, written as its users write code
(its examples with ``await`` removed and ``Result`` unwrapped), against the
MictlanX fake.

``SEED_SIGNATURES`` is the reference's signature of each item; the first test
checks objclient's against it (names, order, defaults), the others what each
call does.
"""

import hashlib
import inspect
import json
import logging
import os

import pytest

from objclient.backends.mictlanx import (AsyncClient, Chunk, DeleteBucketResponse,
                                         DeletedByKeyResponse, GetMetadataResponse,
                                         GetRouterBucketMetadataResponse, Router)
from objclient.exceptions import InvalidName, NotFound, ServerError

from .conftest import R1, R2

URI = ("mictlanx://mictlanx-router-1@mictlanx-router-1:60666,"
       "mictlanx-router-2@mictlanx-router-2:60666/?protocol=http")

#: ``(name, default)`` of each parameter, in the reference's order.
REQUIRED = inspect.Parameter.empty
SEED_SIGNATURES = {
    (AsyncClient, "__init__"): [
        ("uri", REQUIRED), ("client_id", REQUIRED), ("debug", True), ("max_workers", 12),
        ("log_output_path", os.environ.get("MICTLANX_LOG_PATH", "/mictlanx/client")),
        ("log_when", "m"), ("log_interval", 30), ("eviction_policy", "LRU"),
        ("capacity_storage", "1GB"), ("verify", False)],
    (AsyncClient, "await_bulk"): [("bulk_id", REQUIRED), ("remove_on_completion", False)],
    (AsyncClient, "delete_bucket"): [("bucket_id", REQUIRED), ("headers", {}),
                                     ("timeout", 120), ("force", True)],
    (AsyncClient, "delete_by_key"): [("key", REQUIRED), ("bucket_id", ""), ("timeout", 120),
                                     ("force", True), ("headers", {})],
    (AsyncClient, "get_chunks_by_bucket_id"): [("bucket_id", REQUIRED), ("timeout", 120),
                                               ("headers", {})],
    (AsyncClient, "put"): [
        ("bucket_id", REQUIRED), ("key", REQUIRED), ("value", REQUIRED),
        ("chunk_size", "256kb"), ("rf", 1), ("timeout", 120), ("max_tries", 5),
        ("max_concurrency", 10), ("max_backoff", 5), ("tags", {})],
    (AsyncClient, "put_bulk"): [("bulk_id", REQUIRED), ("balls", REQUIRED),
                                ("max_concurrency", 10), ("stop_on_failure", False)],
    (AsyncClient, "put_single_chunk"): [
        ("bucket_id", REQUIRED), ("ball_id", REQUIRED), ("chunk", REQUIRED),
        ("chunk_size", "256kb"), ("rf", 1), ("timeout", 120), ("max_tries", 5),
        ("max_concurrency", 10), ("max_backoff", 5), ("tags", {})],
    (Router, "get_by_checksum_to_file"): [
        ("checksum", REQUIRED), ("chunk_size", "1MB"), ("sink_folder_path", "/mictlanx/data"),
        ("timeout", 300), ("filename", ""), ("headers", {}), ("extension", ""),
        ("verify", False)],
    (Router, "get_metadata"): [("bucket_id", REQUIRED), ("key", REQUIRED), ("timeout", 300),
                               ("headers", {}), ("verify", False)],
}

#: objclient writes ``None`` where the reference's default is a shared mutable
#: ``{}`` (the same empty mapping for the caller); ``balls`` is required in
#: the reference and optional here only so that the former call form parses.
_SAME = [(None, {})]


def _params(cls, name):
    params = list(inspect.signature(getattr(cls, name)).parameters.values())[1:]
    return [(p.name, p.default) for p in params
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


@pytest.mark.parametrize("item", list(SEED_SIGNATURES), ids=lambda i: f"{i[0].__name__}.{i[1]}")
def test_signature_has_the_seed_names_order_and_defaults(item):
    ours = _params(*item)
    seed = SEED_SIGNATURES[item]
    assert [n for n, _d in ours][:len(seed)] == [n for n, _d in seed]
    for (name, mine), (_n, theirs) in zip(ours, seed):
        if item == (AsyncClient, "put_bulk") and name == "balls":
            continue
        assert mine == theirs or (mine, theirs) in _SAME, name


@pytest.fixture
def client(fake, tmp_path):
    session, mock = fake.session()
    made = AsyncClient(uri=URI, client_id="client-0", debug=False,
                       log_output_path=str(tmp_path / "log"), session=session)
    made.sleep = lambda _s: None
    yield made
    made.close()
    mock.stop()
    mock.reset()


# -- AsyncClient(...) --------------------------------------------------------------------------

def test_client_is_built_from_the_official_uri_with_router_ids(client):
    assert client.transport.pool.urls == [R1, R2]
    assert client.client_id == "client-0"


def test_log_files_are_written_where_log_output_path_says(client, tmp_path):
    client.put("bkt", "ball", b"abc")
    client.log.error({"event": "TEST.ERROR"})
    folder = tmp_path / "log"
    records = (folder / "client-0").read_text()
    assert '"event": "PUT"' in records and '"bucket_id": "bkt"' in records
    assert "TEST.ERROR" in (folder / "client-0.error").read_text()
    assert "TEST.ERROR" not in records


def test_log_rotation_follows_log_when_and_log_interval(fake, tmp_path):
    session, mock = fake.session()
    try:
        made = AsyncClient(URI, "client-1", False, 12, str(tmp_path), "h", 2, session=session)
        rotating = [h for h in made.log.handlers
                    if isinstance(h, logging.handlers.TimedRotatingFileHandler)]
        assert [(h.when, h.interval) for h in rotating] == [("H", 2 * 3600)]
        made.close()
    finally:
        mock.stop()


def test_debug_logs_to_standard_output(fake, tmp_path, capsys):
    session, mock = fake.session()
    try:
        made = AsyncClient(URI, "client-2", debug=True, log_output_path=str(tmp_path),
                           session=session)
        made.delete_by_key("ball_0", "bkt")
        assert '"event": "DELETE"' in capsys.readouterr().out
        made.close()
    finally:
        mock.stop()


def test_max_workers_is_capped_at_the_cpu_count(client):
    assert client.max_workers == min(12, os.cpu_count() or 1)


def test_capacity_storage_and_eviction_policy_shape_the_read_cache(fake, tmp_path):
    session, mock = fake.session()
    try:
        made = AsyncClient(URI, "client-3", debug=False, log_output_path=str(tmp_path),
                           eviction_policy="LFU", capacity_storage="10B", session=session)
        assert (made.cache.capacity, made.cache.eviction_policy) == (10, "LFU")
        default = AsyncClient(URI, "client-4", debug=False, log_output_path=str(tmp_path),
                              session=session)
        assert (default.cache.capacity, default.cache.eviction_policy) == (10 ** 9, "LRU")
        made.close()
        default.close()
    finally:
        mock.stop()


def test_verify_is_off_by_default_as_in_the_official_client(client):
    assert client.verify is False and client.transport.http.verify is False


# -- put ---------------------------------------------------------------------------------------

def test_put_with_positional_arguments_stores_chunks_of_chunk_size(fake, client):
    res = client.put("bkt", "ball", b"x" * 25, "10", 2, 120, 5, 10, 5, {"kind": "scan"})
    assert res is True
    assert fake.stored_keys("bkt") == ["ball_0", "ball_1", "ball_2"]
    for rec in fake.records("bkt"):
        assert rec["tags"]["kind"] == "scan" and rec["tags"]["num_chunks"] == "3"
        assert len(fake.holders("bkt", rec["key"])) == 2
    assert client.get("bkt", "ball") == b"x" * 25


def test_put_uses_256kb_chunks_by_default(fake, client):
    assert client.put(bucket_id="bkt", key="big", value=b"a" * (256 * 1000 + 1)) is True
    assert fake.stored_keys("bkt") == ["big_0", "big_1"]


def test_put_retries_a_chunk_up_to_max_tries(fake, client):
    fake.fail("POST", r"/buckets/bkt/metadata$", status=500, times=2)
    assert client.put("bkt", "ball", b"abc", max_tries=3) is True
    fake.fail("POST", r"/buckets/bkt/metadata$", status=500, times=2)
    with pytest.raises(ServerError):
        client.put("bkt", "other", b"abc", max_tries=2)


def test_put_of_a_key_already_stored_returns_false_and_keeps_it(fake, client):
    assert client.put("bkt", "ball", b"first") is True
    assert client.put("bkt", "ball", b"second") is False
    assert client.get("bkt", "ball", force=True) == b"first"


def test_put_timeout_is_applied_to_each_request(client, monkeypatch):
    seen = []
    original = client.transport.http.request

    def spy(method, url, **kwargs):
        seen.append((kwargs.get("connection_timeout"), kwargs.get("read_timeout")))
        return original(method, url, **kwargs)

    monkeypatch.setattr(client.transport.http, "request", spy)
    client.put("bkt", "ball", b"abc", timeout=7)
    assert set(seen) == {(7.0, 7.0)}


# -- put_single_chunk ----------------------------------------------------------------------------

def test_put_single_chunk_stores_one_chunk_object_with_its_tags(fake, client):
    chunk = Chunk.from_bytes(group_id="ball", index=3, data=b"0123")
    assert client.put_single_chunk("bkt", "ball", chunk, tags={"k": "v"}) is True
    (rec,) = fake.records("bkt")
    assert rec["key"] == "ball_3" and rec["ball_id"] == "ball"
    assert rec["tags"]["k"] == "v" and rec["tags"]["index"] == "3"
    assert "num_chunks" not in rec["tags"]
    assert rec["checksum"] == hashlib.sha256(b"0123").hexdigest()


def test_put_single_chunk_of_a_stored_key_returns_false(client):
    chunk = Chunk.from_bytes(group_id="ball", index=0, data=b"0123")
    assert client.put_single_chunk("bkt", "ball", chunk) is True
    assert client.put_single_chunk("bkt", "ball", chunk) is False


# -- put_bulk / await_bulk -----------------------------------------------------------------------

def test_put_bulk_then_await_bulk_reports_successes_and_failures(fake, client, tmp_path):
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"jpeg bytes")
    balls = [{"bucket_id": "bkt", "ball_id": "mem", "source": b"in memory"},
             {"bucket_id": "bkt", "ball_id": "file", "source": str(path), "tags": {"a": "1"}},
             {"bucket_id": "bkt", "ball_id": "bad", "source": 42}]
    assert client.put_bulk("job-1", balls, max_concurrency=2) is True
    res = client.await_bulk("job-1")
    assert sorted(s["item"]["ball_id"] for s in res["successes"]) == ["file", "mem"]
    (failure,) = res["failures"]
    assert failure["item"]["ball_id"] == "bad" and "Invalid source" in str(failure["error"])
    mem = [s["item"] for s in res["successes"] if s["item"]["ball_id"] == "mem"][0]
    assert mem["in_memory"] is True and mem["source"] == ""
    assert client.get("bkt", "file") == b"jpeg bytes"
    assert client.get("bkt", "mem") == b"in memory"


def test_await_bulk_keeps_the_job_unless_remove_on_completion(client):
    client.put_bulk("job", [{"bucket_id": "bkt", "ball_id": "a", "source": b"1"}])
    first = client.await_bulk("job")
    assert client.await_bulk("job", remove_on_completion=True) == first
    with pytest.raises(NotFound):
        client.await_bulk("job")


def test_put_bulk_adds_balls_to_a_job_with_the_same_id(client):
    client.put_bulk("job", [{"bucket_id": "bkt", "ball_id": "a", "source": b"1"}])
    client.put_bulk("job", [{"bucket_id": "bkt", "key": "b", "source": b"2"}])
    assert len(client.await_bulk("job")["successes"]) == 2


def test_await_bulk_of_an_unknown_job_raises_not_found(client):
    with pytest.raises(NotFound):
        client.await_bulk("nobody")


# -- deletes -----------------------------------------------------------------------------------

def test_delete_by_key_deletes_one_chunk_object_key_first(fake, client):
    client.put("bkt", "ball", b"x" * 25, chunk_size="10")
    res = client.delete_by_key("ball_1", "bkt")
    assert res == DeletedByKeyResponse(n_deletes=1, key="ball_1")
    assert fake.stored_keys("bkt") == ["ball_0", "ball_2"]


def test_delete_by_key_keywords_as_the_official_example(fake, client):
    client.put("images", "scan-001", b"abc")
    res = client.delete_by_key(key="scan-001_0", bucket_id="images")
    assert res.n_deletes == 1 and fake.stored_keys("images") == []


def test_delete_by_key_sends_force_and_headers_to_every_router(fake, client):
    client.delete_by_key("k_0", "bkt", 120, False, {"X-Trace": "t1"})
    calls = [c for c in fake.log if c["method"] == "DELETE"]
    assert {c["router"] for c in calls} == {R1, R2}
    assert {(c["headers"]["force"], c["headers"]["x-trace"]) for c in calls} == {("0", "t1")}


def test_delete_by_key_without_bucket_raises_instead_of_an_err(client):
    with pytest.raises(InvalidName):
        client.delete_by_key("ball_0")


def test_delete_bucket_deletes_every_listed_key(fake, client):
    client.put("bkt", "one", b"1")
    client.put("bkt", "two", b"2" * 15, chunk_size="10")
    res = client.delete_bucket("bkt", {}, 120, True)
    assert isinstance(res, DeleteBucketResponse)
    assert (res.bucket_id, res.deleted, res.failed, res.total) == ("bkt", 3, 0, 3)
    assert res.response_time >= 0 and fake.stored_keys("bkt") == []


def test_get_chunks_by_bucket_id_answers_the_router_listing(fake, client):
    client.put("bkt", "one", b"1")
    res = client.get_chunks_by_bucket_id("bkt", 120, {"X-Trace": "t2"})
    assert isinstance(res, GetRouterBucketMetadataResponse)
    assert res.bucket_id == "bkt" and res.peers_ids == fake.peer_ids
    assert {b.key for b in res.balls} == {"one_0"}
    assert fake.log[-1]["headers"]["x-trace"] == "t2"


# -- Router --------------------------------------------------------------------------------------

def test_router_get_metadata_answers_one_chunk_record(client):
    client.put("bkt", "ball", b"abc")
    router = client.routers[0]
    res = router.get_metadata("bkt", "ball_0", verify=client.transport.http.verify)
    assert isinstance(res, GetMetadataResponse)
    assert res.metadata.key == "ball_0" and res.metadata.size == 3
    assert res.peer_id
    with pytest.raises(NotFound):
        router.get_metadata("bkt", "missing_0", verify=False)


def test_router_get_by_checksum_to_file_writes_what_the_router_serves(fake, client, tmp_path):
    data = b"by checksum"
    checksum = hashlib.sha256(data).hexdigest()
    # The router has no checksum route: it serves bucket "checksum", key <checksum>.
    client.put_single_chunk("checksum", checksum,
                            Chunk.from_bytes(checksum, 0, data, chunk_id=checksum))
    router = client.routers[1]
    path = router.get_by_checksum_to_file(checksum, sink_folder_path=str(tmp_path),
                                          extension=".bin")
    assert path == f"{tmp_path}/{checksum}.bin"
    assert open(path, "rb").read() == data
    assert router.get_by_checksum_to_file(checksum, sink_folder_path=str(tmp_path),
                                          extension=".bin") == path


def test_router_get_by_checksum_to_file_of_an_unknown_checksum_raises(client, tmp_path):
    sink = tmp_path / "sink"
    with pytest.raises(NotFound):
        client.routers[0].get_by_checksum_to_file("0" * 64, sink_folder_path=str(sink))
    assert os.listdir(sink) == []


def test_router_from_its_parts_as_the_official_helper(fake):
    router = Router("mictlanx-router-1", "mictlanx-router-1", 60666)
    assert router.base_url() == R1 and router.protocol == "http" and router.api_version == 4


def test_records_as_json_lines_are_parsable(client, tmp_path):
    client.put("bkt", "ball", b"abc")
    text = (tmp_path / "log" / "client-0").read_text()
    first = json.loads(text.split("\n}\n")[0] + "}")
    assert first["level"] == "INFO" and first["logger_name"] == "objclient.mictlanx.client-0"
