"""``write_timeout`` bounds the requests that send object data, on every
backend with a network; the other requests of the same call keep
``connection_timeout`` and ``read_timeout`` (mocked servers, no network).

A data write gets ``(7.0, 7.0)``: urllib3 sends a body under its connect
timeout, so the connect timeout becomes the larger of the two, and the reply
is awaited ``write_timeout`` (see ``CallOptions.http_kwargs``).
"""

import hashlib
import json
import re

import pytest
import responses

import objclient
from objclient.backends.reduct import Batch, RecordBatch
from objclient.contract import CallOptions
from tests.fakes.mictlanx import FakeMictlanX
from tests.fakes.reductstore import FakeReductStore

TIMEOUTS = {"connection_timeout": 1.0, "read_timeout": 4.0, "write_timeout": 7.0}
WRITE, NORMAL = (7.0, 7.0), (1.0, 4.0)


def _spy(http):
    """Record ``(method, url, (connect, read))`` of each request ``http`` sends."""
    seen, send = [], http.request

    def request(method, url, **kwargs):
        seen.append((method, url, (kwargs.get("connection_timeout"),
                                   kwargs.get("read_timeout"))))
        return send(method, url, **kwargs)
    http.request = request
    return seen


def _written(seen):
    """How many requests got the write timeouts."""
    return sum(1 for _m, _u, t in seen if t == WRITE)


def _timeouts(seen, method, pattern):
    """The timeouts of the requests whose method and URL match."""
    return [t for m, url, t in seen if m == method and re.search(pattern, url)]


# -- Swift ---------------------------------------------------------------------------------
SWIFT = "http://swift.test/v1/AUTH_t"


def _etag(request):
    body = request.body if isinstance(request.body, bytes) else b"".join(request.body)
    return 201, {"Etag": hashlib.md5(body).hexdigest()}, b""


@responses.activate
def test_swift_object_put_gets_the_write_timeouts():
    responses.add(responses.HEAD, f"{SWIFT}/c_segments", status=404)
    responses.add_callback(responses.PUT, f"{SWIFT}/c/o", callback=_etag)
    api = objclient.ObjectStorageApi(f"swift+{SWIFT}", token="tok", retries=None)
    seen = _spy(api.http)
    api.object_create(None, "c", data=b"data", obj_name="o", **TIMEOUTS)
    assert _timeouts(seen, "PUT", "/c/o$") == [WRITE]
    assert _timeouts(seen, "HEAD", "") == [NORMAL]


@responses.activate
def test_swift_slo_segments_get_the_write_timeouts_and_the_manifest_does_not():
    responses.add(responses.GET, "http://swift.test/info",
                  json={"slo": {"max_manifest_segments": 1000}})
    responses.add(responses.HEAD, f"{SWIFT}/box", status=204)
    responses.add(responses.PUT, f"{SWIFT}/box_segments", status=201)
    responses.add(responses.HEAD, f"{SWIFT}/box/big", status=404)
    responses.add_callback(responses.PUT, re.compile(re.escape(SWIFT) + "/box_segments/.+"),
                           callback=_etag)

    def manifest(request):
        etags = "".join(s["etag"] for s in json.loads(request.body))
        return 201, {"Etag": hashlib.md5(etags.encode()).hexdigest()}, b""
    responses.add_callback(responses.PUT, f"{SWIFT}/box/big", callback=manifest)
    api = objclient.ObjectStorageApi(f"swift+{SWIFT}", token="tok", retries=None,
                                     segment_threshold=10, segment_size=100)
    seen = _spy(api.http)
    api.object_create(None, "box", data=bytes(250), obj_name="big", **TIMEOUTS)
    assert _timeouts(seen, "PUT", "/box_segments/.+") == [WRITE] * 3
    assert _timeouts(seen, "PUT", "/box/big$") == [NORMAL]
    assert _timeouts(seen, "HEAD", "") == [NORMAL] * 2
    assert _written(seen) == 3


# -- S3 ------------------------------------------------------------------------------------
S3 = "http://127.0.0.1:9/bkt"
MiB = 1 << 20


def _s3(**options):
    return objclient.ObjectStorageApi("s3+http://127.0.0.1:9", access_key="a", secret_key="s",
                                      retries=None, **options)


@responses.activate
def test_s3_put_object_gets_the_write_timeouts_and_a_head_does_not():
    responses.add_callback(responses.PUT, f"{S3}/o", callback=lambda r: (
        200, {"ETag": '"' + hashlib.md5(r.body).hexdigest() + '"'}, b""))
    responses.add(responses.HEAD, f"{S3}/o", headers={"ETag": '"x"', "Content-Length": "4"})
    api = _s3()
    seen = _spy(api.http)
    api.object_create(None, "bkt", data=b"data", obj_name="o", **TIMEOUTS)
    api.object_get_properties(None, "bkt", "o", **TIMEOUTS)
    assert _timeouts(seen, "PUT", "/o$") == [WRITE]
    assert _timeouts(seen, "HEAD", "/o$") == [NORMAL]


@responses.activate
def test_s3_upload_parts_get_the_write_timeouts_and_initiate_and_complete_do_not():
    base = re.escape(f"{S3}/big")
    responses.add(responses.POST, re.compile(base + r"\?uploads"), body=(
        "<InitiateMultipartUploadResult><Bucket>bkt</Bucket><Key>big</Key>"
        "<UploadId>up-1</UploadId></InitiateMultipartUploadResult>"))
    responses.add_callback(responses.PUT, re.compile(base + r"\?partNumber=\d+"), callback=(
        lambda r: (200, {"ETag": '"' + hashlib.md5(r.body).hexdigest() + '"'}, b"")))
    responses.add(responses.POST, re.compile(base + r"\?uploadId=up-1"), body=(
        '<CompleteMultipartUploadResult><ETag>"abc-2"</ETag></CompleteMultipartUploadResult>'))
    api = _s3(multipart_threshold=5 * MiB, part_size=5 * MiB, concurrency=2)
    seen = _spy(api.http)
    api.object_create(None, "bkt", data=bytes(6 * MiB), obj_name="big", **TIMEOUTS)
    assert _timeouts(seen, "PUT", "partNumber=") == [WRITE] * 2
    assert _timeouts(seen, "POST", "") == [NORMAL] * 2


# -- SeaweedFS -----------------------------------------------------------------------------
def _seaweedfs():
    return objclient.ObjectStorageApi("seaweedfs+http://m1:9333", filer="http://f:8888",
                                      retries=None)


@responses.activate
def test_seaweedfs_filer_put_gets_the_write_timeouts_and_a_stat_does_not():
    url = re.compile(r"http://f:8888/.*/c/o$")
    responses.add_callback(responses.PUT, url, callback=lambda r: (
        201, {}, json.dumps({"name": "o", "size": 4})))
    api = _seaweedfs()
    seen = _spy(api.http)
    api.object_create("acct", "c", data=b"data", obj_name="o", **TIMEOUTS)
    assert _timeouts(seen, "PUT", "/c/o$") == [WRITE]
    assert _written(seen) == 1 and all(t == NORMAL for m, _u, t in seen if m != "PUT")


@responses.activate
def test_seaweedfs_volume_upload_gets_the_write_timeouts_and_a_head_does_not():
    responses.add(responses.POST, "http://v1:8080/3,01637037d6",
                  json={"name": "blob", "size": 4, "eTag": "x"})
    responses.add(responses.HEAD, "http://v1:8080/3,01637037d6",
                  headers={"Content-Length": "4", "Etag": '"x"'})
    responses.add(responses.GET, re.compile(r"http://m1:9333/dir/lookup.*"), json={
        "volumeOrFileId": "3", "locations": [{"url": "v1:8080", "publicUrl": "v1:8080"}]})
    api = _seaweedfs()
    seen = _spy(api.http)
    opts = CallOptions(**TIMEOUTS)
    api.blob_client.upload_fid("3,01637037d6", b"data", url="v1:8080", opts=opts)
    api.blob_client.head_fid("3,01637037d6", opts=opts)
    assert _timeouts(seen, "POST", "v1:8080") == [WRITE]
    assert _timeouts(seen, "HEAD", "v1:8080") == [NORMAL]


# -- ReductStore ---------------------------------------------------------------------------
REDUCT = "http://reduct.test:8383"


@pytest.mark.parametrize("version", ["1.17", "1.21"])
def test_reduct_record_and_batch_writes_get_the_write_timeouts_and_label_updates_do_not(
        version):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        FakeReductStore(REDUCT, version=version, token="tok").install(mock)
        api = objclient.ObjectStorageApi(f"reduct+{REDUCT}", api_token="tok")
        client = api.container.reduct
        seen = _spy(client.http)
        bucket = client.create_bucket("bk")
        api.object_create("reduct", "bk", data=b"v1", obj_name="o", **TIMEOUTS)
        opts = CallOptions(**TIMEOUTS)
        batch = Batch()
        batch.add(10, b"A", labels={"x": "1"})
        bucket.write_batch("e", batch, opts=opts)
        records = RecordBatch()
        records.add("e", 20, b"B")
        bucket.write_record_batch(records, opts=opts)
        labels = Batch()
        labels.add(10, labels={"x": "2"})
        bucket.update_batch("e", labels, opts=opts)
        api.close()
    assert _timeouts(seen, "POST", "/b/bk/o") == [WRITE]
    assert _timeouts(seen, "POST", "/b/bk/e/batch|/io/bk/write") == [WRITE] * 2
    assert _timeouts(seen, "PATCH", "") == [NORMAL]
    assert _written(seen) == 3


# -- MictlanX ------------------------------------------------------------------------------
def test_mictlanx_chunk_data_gets_the_write_timeouts_and_put_metadata_does_not():
    fake = FakeMictlanX(("http://router-1:60666",), peers=3)
    session, mock = fake.session()
    try:
        api = objclient.ObjectStorageApi("mictlanx+http://router-1:60666", session=session,
                                         account="acct", chunk_size=10)
        seen = _spy(api.http)
        api.object_create("acct", "bk", data=bytes(25), obj_name="o", **TIMEOUTS)
        api.close()
    finally:
        mock.stop()
        mock.reset()
    data = _timeouts(seen, "POST", "/buckets/data/.+/chunked")
    assert len(data) >= 3 and set(data) == {WRITE}
    assert set(_timeouts(seen, "POST", "/buckets/bk/metadata")) == {NORMAL}
    assert _written(seen) == len(data)
