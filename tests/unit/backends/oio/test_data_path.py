"""Object data through the OpenIO fake: prepare2 -> rawx -> create, reads,
failover, checksums, link.  Every request is checked against the reference."""

import hashlib
import json
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import requests
import responses

import objclient
from objclient.backends.oio.protocol import cid_from_name, compute_chunk_id
from objclient.exceptions import (ChecksumMismatch, InvalidArgument, NoSuchObject,
                                  NotSupported,
                                  ServiceUnavailable)
from objclient.http.retry import RetryPolicy
from tests.fakes.openio import PROXY, RAWX, start_fake

DATA = bytes(range(256)) * 40  # 10240 bytes: three metachunks of 4096


@pytest.fixture
def oio():
    fake, mock = start_fake(chunk_size=4096)
    api = objclient.ObjectStorageApi(f"oio+{PROXY}?namespace=OPENIO",
                                     retries=RetryPolicy(backoff_factor=0))
    yield fake, mock, api
    mock.stop()
    mock.reset()


def _calls(mock, method, part):
    return [c for c in mock.calls if c.request.method == method and part in c.request.url]


def _query(call):
    return {k: v[-1] for k, v in parse_qs(urlsplit(call.request.url).query).items()}


def test_upload_prepares_each_metachunk_puts_every_copy_then_creates(oio):
    fake, mock, api = oio
    chunks, size, md5 = api.object_create("acct", "cont", data=DATA, obj_name="dir/o",
                                          mime_type="text/plain", properties={"k": "v"},
                                          reqid="req-1")
    assert size == len(DATA) and md5 == hashlib.md5(DATA).hexdigest()
    prepares = _calls(mock, "POST", "/content/prepare2")
    assert len(prepares) == 3
    assert [json.loads(c.request.body) for c in prepares] == [
        {"size": 1, "position": p} for p in range(3)]
    assert prepares[0].request.headers["x-oio-action-mode"] == "autocreate"
    version = _query(prepares[1])["version"]
    content_id = _query(prepares[1])["content"]
    assert all(_query(c)["version"] == version for c in prepares[1:])
    puts = _calls(mock, "PUT", ".fake:620")
    assert len(puts) == 9  # THREECOPIES: 3 copies x 3 metachunks
    h = puts[0].request.headers
    assert h["X-oio-Chunk-Meta-Full-Path"] == f"acct/cont/dir%2Fo/{version}/{content_id}"
    assert h["X-oio-Chunk-Meta-Content-Storage-Policy"] == "THREECOPIES"
    assert h["X-oio-Chunk-Meta-Content-Chunk-Method"] == "plain/cca=md5,nb_copy=3,oca=md5"
    assert h["X-oio-Chunk-Meta-Container-Id"] == cid_from_name("acct", "cont")
    assert h["X-oio-Chunk-Meta-Content-Path"] == "dir%2Fo"
    assert h["X-oio-Chunk-Meta-Content-Version"] == version
    assert h["X-oio-Chunk-Meta-Content-Id"] == content_id
    assert h["X-oio-Chunk-Meta-Chunk-Id"] == urlsplit(puts[0].request.url).path[1:]
    assert h["Transfer-Encoding"] == "chunked"
    assert h["x-oio-req-id"] == "req-1"
    assert sorted({p.request.headers["X-oio-Chunk-Meta-Chunk-Pos"] for p in puts}) == \
        ["0", "1", "2"]
    create = _calls(mock, "POST", "/content/create")[0].request
    assert create.headers["x-oio-content-meta-length"] == str(len(DATA))
    assert create.headers["x-oio-content-meta-hash"] == md5.upper()
    assert create.headers["x-oio-content-meta-id"] == content_id
    assert create.headers["x-oio-content-meta-version"] == version
    assert create.headers["x-oio-content-meta-policy"] == "THREECOPIES"
    assert create.headers["x-oio-content-meta-mime-type"] == "text/plain"
    assert create.headers["x-oio-content-meta-chunk-method"] == \
        "plain/cca=md5,nb_copy=3,oca=md5"
    body = json.loads(create.body)
    assert body["properties"] == {"k": "v"} and len(body["chunks"]) == 9
    sizes = {c["pos"]: c["size"] for c in body["chunks"]}
    assert sizes == {"0": 4096, "1": 4096, "2": 2048}
    first = DATA[:4096]
    assert {c["hash"] for c in body["chunks"] if c["pos"] == "0"} == \
        {hashlib.md5(first).hexdigest().upper()}
    assert {c.request.headers["x-oio-req-id"] for c in mock.calls} == {"req-1"}
    assert len(chunks) == 9 and chunks[0]["pos"] == "0"


def test_upload_survives_one_failed_copy_of_three(oio):
    fake, mock, api = oio
    fake.fail_put[RAWX[2]] = 500
    api.object_create("acct", "cont", data=DATA, obj_name="o")
    body = json.loads(_calls(mock, "POST", "/content/create")[0].request.body)
    assert len(body["chunks"]) == 6
    assert all(not c["url"].startswith(RAWX[2]) for c in body["chunks"])
    _meta, stream = api.object_fetch("acct", "cont", "o")
    assert b"".join(stream) == DATA


def test_upload_below_quorum_fails_and_deletes_orphan_chunks(oio):
    fake, mock, api = oio
    fake.fail_put[RAWX[1]] = 503
    fake.down.add(RAWX[2])
    with pytest.raises(ServiceUnavailable):
        api.object_create("acct", "cont", data=DATA, obj_name="o")
    deletes = _calls(mock, "DELETE", RAWX[0])
    assert len(deletes) == 1
    assert deletes[0].request.headers["X-oio-Chunk-Meta-Container-Id"] == \
        cid_from_name("acct", "cont")
    assert fake.rawx[RAWX[0]] == {}
    assert not _calls(mock, "POST", "/content/create")
    assert api.object_head("acct", "cont", "o") is False


def test_wrong_etag_removes_the_chunks_and_commits_nothing(oio):
    fake, mock, api = oio
    with pytest.raises(ChecksumMismatch):
        api.object_create("acct", "cont", data=DATA, obj_name="o", etag="0" * 32)
    assert all(store == {} for store in fake.rawx.values())
    assert not _calls(mock, "POST", "/content/create")


def test_prepare2_missing_falls_back_to_prepare(mock_legacy):
    fake, mock, api = mock_legacy
    api.object_create("acct", "cont", data=b"hello", obj_name="o")
    assert [urlsplit(c.request.url).path.rsplit("/", 1)[1] for c in mock.calls
            if "/content/prep" in c.request.url] == ["prepare2", "prepare"]
    _meta, stream = api.object_fetch("acct", "cont", "o")
    assert b"".join(stream) == b"hello"


@pytest.fixture
def mock_legacy():
    fake, mock = start_fake(chunk_size=4096, prepare2=False)
    api = objclient.ObjectStorageApi(f"oio+{PROXY}?namespace=OPENIO")
    yield fake, mock, api
    mock.stop()
    mock.reset()


def test_erasure_coded_policy_is_not_supported_and_writes_nothing(oio):
    fake, mock, api = oio
    with pytest.raises(NotSupported, match="erasure"):
        api.object_create("acct", "cont", data=b"x", obj_name="o", policy="EC")
    assert json.loads(_calls(mock, "POST", "/content/prepare2")[0].request.body)["policy"] \
        == "EC"
    assert not _calls(mock, "PUT", ".fake:620")


def test_download_locates_then_reads_chunks_in_order(oio):
    fake, mock, api = oio
    api.object_create("acct", "cont", data=DATA, obj_name="o")
    mock.calls.reset()
    meta, stream = api.object_fetch("acct", "cont", "o")
    assert b"".join(stream) == DATA and meta["size"] == len(DATA)
    assert urlsplit(mock.calls[0].request.url).path == "/v3.0/OPENIO/content/locate"
    gets = _calls(mock, "GET", ".fake:620")
    assert len(gets) == 3 and all("Range" not in g.request.headers for g in gets)


def test_download_fails_over_to_the_next_copy(oio):
    fake, mock, api = oio
    api.object_create("acct", "cont", data=DATA, obj_name="o", policy="THREECOPIES")
    _meta, chunks = api.object_locate("acct", "cont", "o")
    fake.down.add(urlsplit(chunks[0].url).scheme + "://" + urlsplit(chunks[0].url).netloc)
    host, _, cid = chunks[3].url.rpartition("/")
    del fake.rawx[host][cid]  # another metachunk's first copy is lost (404)
    _meta, stream = api.object_fetch("acct", "cont", "o")
    assert b"".join(stream) == DATA


def test_corrupt_chunk_raises_checksum_mismatch(oio):
    fake, mock, api = oio
    api.object_create("acct", "cont", data=DATA, obj_name="o", policy="SINGLE")
    _meta, chunks = api.object_locate("acct", "cont", "o")
    fake.corrupt.add(chunks[1].url.rsplit("/", 1)[1])
    _meta, stream = api.object_fetch("acct", "cont", "o")
    with pytest.raises(ChecksumMismatch):
        b"".join(stream)


def test_ranges_become_chunk_relative_range_headers(oio):
    fake, mock, api = oio
    api.object_create("acct", "cont", data=DATA, obj_name="o", policy="SINGLE")
    mock.calls.reset()
    _meta, stream = api.object_fetch("acct", "cont", "o", ranges=[(4000, 4200), (None, 10)])
    assert b"".join(stream) == DATA[4000:4201] + DATA[-10:]
    ranges = [g.request.headers["Range"] for g in _calls(mock, "GET", ".fake:620")]
    assert ranges == ["bytes=4000-4095", "bytes=0-104", "bytes=2038-2047"]


def test_locate_returns_openio_shaped_meta_and_chunks(oio):
    fake, mock, api = oio
    api.object_create("acct", "cont", data=b"where", obj_name="loc", properties={"a": "b"})
    meta, chunks = api.object_locate("acct", "cont", "loc")
    assert meta["name"] == "loc" and meta["length"] == 5 and meta["policy"] == "THREECOPIES"
    assert meta["chunk_method"] == "plain/cca=md5,nb_copy=3,oca=md5"
    assert meta["properties"] == {"a": "b"}
    assert len(chunks) == 3 and {c["pos"] for c in chunks} == {"0"}
    assert all(c["hash"] == hashlib.md5(b"where").hexdigest().upper() for c in chunks)
    assert all("score" in c.extra for c in chunks)


def test_link_copies_chunks_on_their_rawx_and_creates_the_new_name(oio):
    fake, mock, api = oio
    api.object_create("acct", "cont", data=DATA, obj_name="src", properties={"k": "v"})
    tmeta, tchunks = api.object_locate("acct", "cont", "src")
    mock.calls.reset()
    api.object_link("acct", "cont", "src", "acct", "cont2", "dst")
    prepare = _calls(mock, "POST", "/content/prepare2")[0]
    assert json.loads(prepare.request.body)["policy"] == "THREECOPIES"
    copies = _calls(mock, "COPY", ".fake:620")
    assert len(copies) == len(tchunks)
    version = _calls(mock, "POST", "/content/create")[0].request.headers[
        "x-oio-content-meta-version"]
    cid = cid_from_name("acct", "cont2")
    for call, chunk in zip(copies, tchunks):
        dest = call.request.headers["Destination"]
        assert dest.rsplit("/", 1)[0] == chunk.url.rsplit("/", 1)[0]
        assert dest.rsplit("/", 1)[1] == compute_chunk_id(cid, "dst", version, chunk.pos,
                                                          "THREECOPIES")
        assert unquote(call.request.headers["X-oio-Chunk-Meta-Full-Path"]).startswith(
            "acct/cont2/dst/")
    meta, stream = api.object_fetch("acct", "cont2", "dst")
    assert b"".join(stream) == DATA and meta["properties"] == {"k": "v"}
    api.object_delete("acct", "cont", "src")
    assert b"".join(api.object_fetch("acct", "cont2", "dst")[1]) == DATA


def test_deleted_object_is_no_such_object(oio):
    fake, mock, api = oio
    api.object_create("acct", "cont", data=b"x", obj_name="o")
    api.object_delete("acct", "cont", "o")
    with pytest.raises(NoSuchObject):
        api.object_fetch("acct", "cont", "o")


def test_fake_passes_other_hosts_through():
    fake, mock = start_fake()
    try:
        with pytest.raises(requests.exceptions.ConnectionError) as info:
            requests.get("http://127.0.0.1:9/", timeout=0.5)
        assert "Responses" not in str(info.value)  # a real attempt, not the mock's refusal
        with pytest.raises(requests.exceptions.ConnectionError) as info:
            requests.get("http://oio-unknown.fake:1/", timeout=0.5)
        assert "Responses" in str(info.value)
    finally:
        mock.stop()
        mock.reset()
    assert isinstance(mock, responses.RequestsMock)


def test_source_failing_mid_upload_leaves_no_chunk_and_no_object(oio):
    fake, mock, api = oio

    def gen():
        yield DATA[:5000]
        yield 12345  # not bytes: the source raises while the second metachunk streams

    with pytest.raises(InvalidArgument):
        api.object_create("acct", "cont", data=gen(), obj_name="o")
    assert all(store == {} for store in fake.rawx.values())
    assert not _calls(mock, "POST", "/content/create")


def _openio_script(api, account):
    """What a script written for OpenIO's ObjectStorageApi does."""
    api.object_create(account, "photos", data=b"jpeg bytes", obj_name="cat.jpg")
    meta, stream = api.object_fetch(account, "photos", "cat.jpg")
    data = b"".join(stream)
    names = [o["name"] for o in api.object_list(account, "photos")["objects"]]
    meta2, chunks = api.object_locate(account, "photos", "cat.jpg")
    api.object_delete(account, "photos", "cat.jpg")
    return data, meta["length"], names, meta2["hash"], isinstance(chunks, list)


def test_an_openio_script_runs_unchanged_on_the_fake_and_on_local(oio, tmp_path):
    _fake, _mock, api = oio
    local = objclient.ObjectStorageApi(f"file://{tmp_path}?fsync=0")
    expected = (b"jpeg bytes", 10, ["cat.jpg"], hashlib.md5(b"jpeg bytes").hexdigest(), True)
    assert _openio_script(api, "acct") == expected
    assert _openio_script(local, "acct") == expected


def test_deadline_stops_a_download(oio):
    import time
    from objclient.exceptions import DeadlineReached
    _fake, _mock, api = oio
    api.object_create("acct", "cont", data=DATA, obj_name="o")
    _meta, stream = api.object_fetch("acct", "cont", "o", deadline=time.monotonic() + 5)
    stream.opts = stream.opts.__class__(deadline=time.monotonic() - 1)
    with pytest.raises(DeadlineReached):
        b"".join(stream)


def test_drained_object_reads_as_gone(oio):
    from objclient.exceptions import NotFound
    fake, mock, api = oio
    api.object_create("acct", "cont", data=b"x", obj_name="o")
    api.container.content_drain("acct", "cont", "o")
    assert all(store == {} for store in fake.rawx.values())
    with pytest.raises(NotFound) as info:
        api.object_fetch("acct", "cont", "o")
    assert info.value.status == 410 and info.value.code == "427"


def test_copy_whose_rawx_reports_another_hash_counts_as_failed_and_is_removed(oio):
    fake, mock, api = oio
    fake.wrong_reply_hash.add(RAWX[0])
    api.object_create("acct", "cont", data=b"abc", obj_name="o")
    body = json.loads(_calls(mock, "POST", "/content/create")[0].request.body)
    assert len(body["chunks"]) == 2 and not any(c["url"].startswith(RAWX[0])
                                                for c in body["chunks"])
    assert fake.rawx[RAWX[0]] == {}
