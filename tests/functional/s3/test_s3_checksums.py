"""``checksum_algorithm`` on the real S3 servers: SeaweedFS checks and returns
SHA-256/CRC32C; Swift's s3api ignores them (MD5 still protects the data)."""

import hashlib
import os
import uuid

import pytest

from objclient.exceptions import ChecksumMismatch
from objclient.integrity import checksum_b64

from .conftest import SEAWEED, SEAWEED_AK, SEAWEED_SK, SWIFT, SWIFT_AK, SWIFT_SK, make

MiB = 1 << 20


@pytest.fixture(params=["sha256", "crc32c"])
def seaweed_ck(request):
    api = make(SEAWEED, SEAWEED_AK, SEAWEED_SK, path_keys=True, checksum_algorithm=request.param,
               multipart_threshold=5 * MiB, part_size=5 * MiB, concurrency=2)
    bucket = f"oc-s3ck-{uuid.uuid4().hex[:10]}"
    api.container_create(None, bucket)
    yield api, bucket, request.param
    api.container_flush(None, bucket)
    api.container_delete(None, bucket)
    api.close()


def test_single_put_checksum_is_confirmed_and_downloads_are_verified(seaweed_ck, tmp_path):
    api, bucket, algorithm = seaweed_ck
    small = b"checked " * 100
    *_rest, meta = api.object_create_ext(None, bucket, data=small, obj_name="small")
    assert meta.extra[f"checksum_{algorithm}"] == checksum_b64(algorithm, small)
    _meta, stream = api.object_fetch(None, bucket, "small")
    assert stream.checksum == (algorithm, checksum_b64(algorithm, small))
    assert stream.read() == small
    mid = tmp_path / "mid.bin"
    mid.write_bytes(os.urandom(int(1.5 * MiB)))
    api._backend.multipart_threshold = 64 * MiB  # a streamed (file) PUT
    try:
        *_rest, meta = api.object_create_ext(None, bucket, file_or_path=str(mid),
                                             obj_name="mid")
    finally:
        api._backend.multipart_threshold = 5 * MiB
    assert meta.extra[f"checksum_{algorithm}"] == checksum_b64(algorithm, mid.read_bytes())


def test_multipart_parts_and_composite_checksum_are_confirmed(seaweed_ck):
    api, bucket, algorithm = seaweed_ck
    data = os.urandom(11 * MiB)
    *_rest, meta = api.object_create_ext(None, bucket, data=data, obj_name="mp")
    assert meta.extra[f"checksum_{algorithm}"].endswith("-3")
    _meta, stream = api.object_fetch(None, bucket, "mp")
    assert hashlib.md5(stream.read()).hexdigest() == hashlib.md5(data).hexdigest()


def test_swift_s3api_ignores_checksums_and_still_round_trips():
    api = make(SWIFT, SWIFT_AK, SWIFT_SK, tagging=False, checksum_algorithm="sha256",
               multipart_threshold=5 * MiB, part_size=5 * MiB)
    bucket = f"oc-s3ck-{uuid.uuid4().hex[:10]}"
    api.container_create(None, bucket)
    try:
        data = os.urandom(6 * MiB)
        for name, body in (("small", b"abc"), ("mp", data)):
            *_rest, meta = api.object_create_ext(None, bucket, data=body, obj_name=name)
            assert "checksum_sha256" not in meta.extra
            assert api.object_fetch(None, bucket, name)[1].read() == body
    finally:
        api.container_flush(None, bucket)
        api.container_delete(None, bucket)
        api.close()


def test_checksum_off_sends_no_md5_and_reports_the_server_etag(monkeypatch):
    api = make(SEAWEED, SEAWEED_AK, SEAWEED_SK, path_keys=True, checksum=False,
               multipart_threshold=5 * MiB, part_size=5 * MiB, concurrency=2)
    bucket = f"oc-s3ck-{uuid.uuid4().hex[:10]}"
    api.container_create(None, bucket)
    sent = []
    real = api.http.request

    def spy(method, url, **kwargs):
        if method == "PUT" and ("uploadId=" not in url or "partNumber=" in url):
            sent.append((kwargs.get("headers") or {}).get("Content-MD5"))
        return real(method, url, **kwargs)

    monkeypatch.setattr(api.http, "request", spy)
    try:
        small = b"unchecked " * 100
        _chunks, _size, md5 = api.object_create(None, bucket, data=small, obj_name="small")
        assert md5 == hashlib.md5(small).hexdigest()  # SeaweedFS's ETag of a single PUT
        meta, stream = api.object_fetch(None, bucket, "small")
        assert stream.read() == small and stream.expected_md5 is None
        big = os.urandom(11 * MiB)
        *_rest, meta = api.object_create_ext(None, bucket, data=big, obj_name="mp")
        assert meta.hash_method == "etag" and meta.hash.endswith("-3")
        assert meta.extra["parts"] == 3
        assert api.object_fetch(None, bucket, "mp")[1].read() == big
        assert sent and set(sent) == {None}
        # A caller's etag still goes as Content-MD5, which the server checks.
        with pytest.raises(ChecksumMismatch):
            api.object_create(None, bucket, data=b"abc", obj_name="wrong", etag="0" * 32)
    finally:
        monkeypatch.undo()
        api.container_flush(None, bucket)
        api.container_delete(None, bucket)
        api.close()


@pytest.mark.parametrize("server", ["seaweedfs", "swift"])
def test_small_objects_go_with_crc32_where_the_server_confirms_it(server):
    if server == "seaweedfs":
        api = make(SEAWEED, SEAWEED_AK, SEAWEED_SK, path_keys=True)
    else:
        api = make(SWIFT, SWIFT_AK, SWIFT_SK, tagging=False)
    bucket = f"oc-s3crc-{uuid.uuid4().hex[:10]}"
    api.container_create(None, bucket)
    try:
        for n in range(2):
            data = os.urandom(1000 + n)
            *_rest, meta = api.object_create_ext(None, bucket, data=data, obj_name=f"o{n}")
            assert meta.hash == hashlib.md5(data).hexdigest() and meta.hash_method == "md5"
            _meta, stream = api.object_fetch(None, bucket, f"o{n}")
            assert stream.read() == data
        if server == "seaweedfs":
            # SeaweedFS checks the CRC32, keeps it and reports it on GET.
            assert api._backend.crc32_confirmed is True
            assert meta.extra["checksum_crc32"] == checksum_b64("crc32", data)
            assert stream.checksum == ("crc32", checksum_b64("crc32", data))
        else:
            # Swift's s3api ignores it: the MD5 was checked after the first PUT,
            # and the second went with Content-MD5.
            assert api._backend.crc32_confirmed is False
            assert "checksum_crc32" not in meta.extra
    finally:
        api.container_flush(None, bucket)
        api.container_delete(None, bucket)
        api.close()
