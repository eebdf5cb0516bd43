"""Multipart uploads against a mocked S3: failures always abort the upload."""

import hashlib
import re
import time

import pytest
import responses

import objclient
from objclient import integrity
from objclient.exceptions import ChecksumMismatch, ServerError

MiB = 1 << 20
BASE = "http://127.0.0.1:9/bkt/big"
INIT = ("<InitiateMultipartUploadResult><Bucket>bkt</Bucket><Key>big</Key>"
        "<UploadId>up-1</UploadId></InitiateMultipartUploadResult>")


@pytest.fixture(autouse=True)
def _md5_parts(monkeypatch):
    """Parts carry Content-MD5 (as without the crc32c package) unless a test
    says otherwise."""
    monkeypatch.setattr(integrity, "CRC32C_FAST", False)


def _api():
    return objclient.ObjectStorageApi("s3+http://127.0.0.1:9", access_key="a", secret_key="s",
                                      multipart_threshold=5 * MiB, part_size=5 * MiB,
                                      concurrency=2, retries=None)


def _part_etag(request):
    return (200, {"ETag": '"' + hashlib.md5(request.body).hexdigest() + '"'}, b"")


def _mock(complete_body, part=_part_etag):
    responses.add(responses.POST, re.compile(re.escape(BASE) + r"\?uploads"), body=INIT)
    responses.add_callback(responses.PUT, re.compile(re.escape(BASE) + r"\?partNumber=\d+"),
                           callback=part)
    responses.add(responses.POST, re.compile(re.escape(BASE) + r"\?uploadId=up-1"),
                  body=complete_body)
    responses.add(responses.DELETE, re.compile(re.escape(BASE) + r"\?uploadId=up-1"),
                  status=204)


def _calls(method, fragment):
    return [c for c in responses.calls if c.request.method == method and fragment in c.request.url]


@responses.activate
def test_parts_are_sent_with_their_md5_and_completed_in_order():
    _mock("<CompleteMultipartUploadResult><ETag>\"abc-3\"</ETag>"
          "</CompleteMultipartUploadResult>")
    data = bytes(range(256)) * (11 * MiB // 256)
    _c, size, md5 = _api().object_create(None, "bkt", data=data, obj_name="big")
    # No caller's ETag: the object's hash is its multipart ETag (what HEAD says too).
    assert size == len(data) and md5 == "abc-3"
    parts = _calls("PUT", "partNumber=")
    assert len(parts) == 3
    assert all("Content-MD5" in c.request.headers for c in parts)
    # The signed Content-MD5 protects each part: no SHA-256 of the payload.
    assert all(c.request.headers["X-Amz-Content-SHA256"] == "UNSIGNED-PAYLOAD" for c in parts)
    assert all("content-md5" in c.request.headers["Authorization"] for c in parts)
    body = _calls("POST", "uploadId=up-1")[0].request.body.decode()
    assert re.findall(r"<PartNumber>(\d+)</PartNumber>", body) == ["1", "2", "3"]
    assert not _calls("DELETE", "uploadId=up-1")


def _multipart_etag(data, part_size=5 * MiB):
    digests = b"".join(hashlib.md5(data[i:i + part_size]).digest()
                       for i in range(0, len(data), part_size))
    return f"{hashlib.md5(digests).hexdigest()}-{-(-len(data) // part_size)}"


@responses.activate
def test_final_etag_made_by_the_parts_md5s_is_the_objects_hash():
    data = bytes(range(256)) * (11 * MiB // 256)
    etag = _multipart_etag(data)
    _mock(f"<CompleteMultipartUploadResult><ETag>\"{etag}\"</ETag>"
          "</CompleteMultipartUploadResult>")
    _c, size, md5 = _api().object_create(None, "bkt", data=data, obj_name="big")
    assert (size, md5) == (len(data), etag)
    assert not _calls("DELETE", "uploadId=up-1")


@responses.activate
def test_final_etag_that_the_parts_md5s_do_not_make_aborts_the_upload():
    data = bytes(range(256)) * (11 * MiB // 256)
    _mock(f"<CompleteMultipartUploadResult><ETag>\"{'0' * 32}-3\"</ETag>"
          "</CompleteMultipartUploadResult>")
    with pytest.raises(ChecksumMismatch) as err:
        _api().object_create(None, "bkt", data=data, obj_name="big")
    assert err.value.expected == _multipart_etag(data)
    assert len(_calls("DELETE", "uploadId=up-1")) == 1


@responses.activate
def test_callers_etag_is_checked_against_the_whole_objects_md5():
    data = bytes(range(256)) * (11 * MiB // 256)
    _mock(f"<CompleteMultipartUploadResult><ETag>\"{_multipart_etag(data)}\"</ETag>"
          "</CompleteMultipartUploadResult>")
    responses.add(responses.DELETE, BASE, status=204)
    md5 = hashlib.md5(data).hexdigest()
    _c, _size, got = _api().object_create(None, "bkt", data=data, obj_name="big", etag=md5)
    assert got == md5
    with pytest.raises(ChecksumMismatch):
        _api().object_create(None, "bkt", data=data, obj_name="big", etag="0" * 32)


@responses.activate
def test_error_inside_a_200_complete_aborts_the_upload():
    _mock("<?xml version='1.0'?>\n<Error><Code>InternalError</Code><Message>x</Message>"
          "</Error>")
    with pytest.raises(ServerError) as err:
        _api().object_create(None, "bkt", data=b"z" * (6 * MiB), obj_name="big")
    assert err.value.code == "InternalError"
    assert len(_calls("DELETE", "uploadId=up-1")) == 1


@responses.activate
def test_a_part_whose_etag_is_not_its_md5_aborts_the_upload():
    _mock("<CompleteMultipartUploadResult/>",
          part=lambda request: (200, {"ETag": '"' + "0" * 32 + '"'}, b""))
    with pytest.raises(ChecksumMismatch):
        _api().object_create(None, "bkt", data=b"z" * (6 * MiB), obj_name="big")
    assert len(_calls("DELETE", "uploadId=up-1")) == 1
    assert not _calls("POST", "uploadId=up-1")


@responses.activate
def test_bucket_outside_us_east_1_is_created_with_its_region():
    responses.add(responses.HEAD, "http://127.0.0.1:9/bkt", status=404)
    responses.add(responses.PUT, "http://127.0.0.1:9/bkt", status=200)
    api = objclient.ObjectStorageApi("s3+http://127.0.0.1:9?region=eu-west-3", access_key="a",
                                     secret_key="s")
    assert api.container_create(None, "bkt") is True
    body = responses.calls[1].request.body.decode()
    assert "<LocationConstraint>eu-west-3</LocationConstraint>" in body
    assert "/eu-west-3/s3/aws4_request" in responses.calls[1].request.headers["Authorization"]


@responses.activate
def test_bucket_already_owned_is_reported_as_existing():
    responses.add(responses.HEAD, "http://127.0.0.1:9/bkt", status=404)
    responses.add(responses.PUT, "http://127.0.0.1:9/bkt", status=409,
                  body="<Error><Code>BucketAlreadyOwnedByYou</Code></Error>",
                  content_type="application/xml")
    api = objclient.ObjectStorageApi("s3+http://127.0.0.1:9", access_key="a", secret_key="s")
    assert api.container_create(None, "bkt") is False


NO_UPLOAD = ("<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist"
             "</Message></Error>")


@responses.activate
def test_an_upload_id_that_arrived_changed_still_gets_the_real_upload_aborted():
    # The chaos round's leak: a byte of CreateMultipartUpload's answer was
    # flipped in the UploadId, so parts and the abort named an upload the
    # server does not know, and the real one stayed behind.
    garbled = INIT.replace("up-1", "uq-1")
    responses.add(responses.POST, re.compile(re.escape(BASE) + r"\?uploads"), body=garbled)
    responses.add(responses.PUT, re.compile(re.escape(BASE) + r"\?partNumber=\d+"),
                  status=404, body=NO_UPLOAD)
    responses.add(responses.DELETE, re.compile(re.escape(BASE) + r"\?uploadId=uq-1"),
                  status=404, body=NO_UPLOAD)
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    listing = ("<ListMultipartUploadsResult><Bucket>bkt</Bucket>"
               f"<Upload><Key>big</Key><UploadId>up-1</UploadId><Initiated>{now}</Initiated>"
               "</Upload><IsTruncated>false</IsTruncated></ListMultipartUploadsResult>")
    responses.add(responses.GET, re.compile(r"http://127\.0\.0\.1:9/bkt\?.*uploads"),
                  body=listing)
    responses.add(responses.DELETE, re.compile(re.escape(BASE) + r"\?uploadId=up-1"),
                  status=204)
    with pytest.raises(objclient.exceptions.NotFound):
        _api().object_create(None, "bkt", data=bytes(11 * MiB), obj_name="big")
    assert _calls("DELETE", "uploadId=uq-1") and _calls("DELETE", "uploadId=up-1")


def _crc_echo(request):
    value = request.headers["x-amz-checksum-crc32c"]
    return (200, {"ETag": '"' + hashlib.md5(request.body).hexdigest() + '"',
                  "x-amz-checksum-crc32c": value}, b"")


@responses.activate
def test_with_fast_crc32c_parts_go_with_their_crc32c_alone_where_the_server_echoes_it(
        monkeypatch):
    monkeypatch.setattr(integrity, "CRC32C_FAST", True)
    data = bytes(range(256)) * (11 * MiB // 256)
    sums = [integrity.checksum_b64("crc32c", data[i:i + 5 * MiB]) for i in (0, 5 * MiB, 10 * MiB)]
    from objclient.backends.s3.multipart import composite_checksum
    _mock(f"<CompleteMultipartUploadResult><ETag>\"{_multipart_etag(data)}\"</ETag>"
          f"<ChecksumCRC32C>{composite_checksum('crc32c', sums)}</ChecksumCRC32C>"
          "</CompleteMultipartUploadResult>", part=_crc_echo)
    api = _api()
    *_rest, meta = api.object_create_ext(None, "bkt", data=data, obj_name="big")
    parts = _calls("PUT", "partNumber=")
    assert all("Content-MD5" not in c.request.headers for c in parts)
    assert [c.request.headers["x-amz-checksum-crc32c"] for c in sorted(
        parts, key=lambda c: c.request.url)] == sums
    assert meta["checksum_crc32c"] == composite_checksum("crc32c", sums)
    assert api._backend.crc32c_confirmed is True
    assert "CRC32C" in _calls("POST", "uploads")[0].request.headers["x-amz-checksum-algorithm"]


@responses.activate
def test_a_server_that_ignores_the_crc32c_gets_md5_checked_parts(monkeypatch):
    monkeypatch.setattr(integrity, "CRC32C_FAST", True)
    data = bytes(range(256)) * (16 * MiB // 256)
    _mock(f"<CompleteMultipartUploadResult><ETag>\"{_multipart_etag(data)}\"</ETag>"
          "</CompleteMultipartUploadResult>")
    api = _api()
    _c, size, etag = api.object_create(None, "bkt", data=data, obj_name="big")
    assert (size, etag) == (len(data), _multipart_etag(data))
    assert api._backend.crc32c_confirmed is False
    # at most the parts in flight (2) went before the server was found out
    parts = sorted(_calls("PUT", "partNumber="), key=lambda c: len(c.request.url))
    assert sum("Content-MD5" not in c.request.headers for c in parts) <= 2
    assert "Content-MD5" in _calls("PUT", "partNumber=4")[0].request.headers


@responses.activate
def test_a_part_the_server_ignored_the_crc32c_of_is_still_checked_by_md5(monkeypatch):
    monkeypatch.setattr(integrity, "CRC32C_FAST", True)
    _mock("<CompleteMultipartUploadResult/>",
          part=lambda request: (200, {"ETag": '"' + "0" * 32 + '"'}, b""))
    with pytest.raises(ChecksumMismatch):
        _api().object_create(None, "bkt", data=b"z" * (6 * MiB), obj_name="big")
    assert len(_calls("DELETE", "uploadId=up-1")) == 1


def test_a_reused_part_gets_its_checksum_when_the_listing_has_none(monkeypatch):
    from objclient.backends.s3.multipart import MultipartUploader
    monkeypatch.setattr(integrity, "CRC32C_FAST", True)
    uploader = MultipartUploader(_api()._backend, "bkt", "big", {})
    data = b"stored part"
    assert uploader._reused((1, "e" * 32, None), data) == (
        1, "e" * 32, integrity.checksum_b64("crc32c", data))
    assert uploader._reused((1, "e" * 32, "kept"), data) == (1, "e" * 32, "kept")
    monkeypatch.setattr(integrity, "CRC32C_FAST", False)
    plain = MultipartUploader(_api()._backend, "bkt", "big", {})
    assert plain._reused((1, "e" * 32, None), data) == (1, "e" * 32, None)
