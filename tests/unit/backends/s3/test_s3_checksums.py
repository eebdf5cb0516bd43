"""The ``checksum_algorithm`` option against a mocked S3 (AWS additional checksums)."""

import base64
import hashlib
import re

import pytest
import responses

import objclient
from objclient.backends.s3.multipart import composite_checksum
from objclient.exceptions import ChecksumMismatch, InvalidArgument
from objclient.integrity import checksum_b64

MiB = 1 << 20
HOST = "http://127.0.0.1:9"
OBJ = HOST + "/bkt/obj"
INIT = ("<InitiateMultipartUploadResult><Bucket>bkt</Bucket><Key>obj</Key>"
        "<UploadId>up-1</UploadId></InitiateMultipartUploadResult>")


def _api(algorithm="sha256", **options):
    settings = dict(multipart_threshold=5 * MiB, part_size=5 * MiB, concurrency=2)
    settings.update(options)
    return objclient.ObjectStorageApi(f"s3+{HOST}", access_key="a", secret_key="s",
                                      checksum_algorithm=algorithm, retries=None, **settings)


def _echo_put(algorithm, corrupt=False):
    def callback(request):
        body = request.body if isinstance(request.body, bytes) else b"".join(request.body)
        value = checksum_b64(algorithm, body + (b"!" if corrupt else b""))
        return (200, {"ETag": '"' + hashlib.md5(body).hexdigest() + '"',
                      f"x-amz-checksum-{algorithm}": value}, b"")
    return callback


def _calls(method, fragment=""):
    return [c for c in responses.calls
            if c.request.method == method and fragment in c.request.url]


def test_unknown_algorithm_is_refused():
    with pytest.raises(InvalidArgument, match="checksum_algorithm"):
        _api("md4")


@pytest.mark.parametrize("algorithm", ["sha256", "crc32c"])
@responses.activate
def test_put_sends_the_checksum_and_keeps_the_one_confirmed(algorithm):
    responses.add_callback(responses.PUT, OBJ, callback=_echo_put(algorithm))
    _chunks, size, _md5 = _api(algorithm).object_create(None, "bkt", data=b"hello",
                                                        obj_name="obj")
    sent = _calls("PUT")[0].request.headers[f"x-amz-checksum-{algorithm}"]
    assert sent == checksum_b64(algorithm, b"hello") and size == 5


@responses.activate
def test_put_answered_with_another_checksum_removes_the_object():
    responses.add_callback(responses.PUT, OBJ, callback=_echo_put("sha256", corrupt=True))
    responses.add(responses.DELETE, OBJ, status=204)
    with pytest.raises(ChecksumMismatch, match="sha256"):
        _api().object_create(None, "bkt", data=b"hello", obj_name="obj")
    assert len(_calls("DELETE")) == 1


@responses.activate
def test_streamed_file_put_sends_the_checksum_computed_beforehand(tmp_path):
    data = b"z" * (9 * MiB)  # above the in-memory limit: streamed from the file
    path = tmp_path / "mid.bin"
    path.write_bytes(data)
    responses.add_callback(responses.PUT, OBJ, callback=_echo_put("sha256"))
    api = _api(multipart_threshold=64 * MiB)
    api.object_create(None, "bkt", file_or_path=str(path), obj_name="obj")
    assert _calls("PUT")[0].request.headers["x-amz-checksum-sha256"] == \
        checksum_b64("sha256", data)


def _mock_multipart(complete_checksum=None, part_checksums=True):
    responses.add(responses.POST, re.compile(re.escape(OBJ) + r"\?uploads"), body=INIT)

    def part(request):
        headers = {"ETag": '"' + hashlib.md5(request.body).hexdigest() + '"'}
        if part_checksums:
            headers["x-amz-checksum-sha256"] = request.headers["x-amz-checksum-sha256"]
        return 200, headers, b""

    responses.add_callback(responses.PUT, re.compile(re.escape(OBJ) + r"\?partNumber=\d+"),
                           callback=part)
    extra = f"<ChecksumSHA256>{complete_checksum}</ChecksumSHA256>" if complete_checksum else ""
    responses.add(responses.POST, re.compile(re.escape(OBJ) + r"\?uploadId=up-1"),
                  body=f"<CompleteMultipartUploadResult><ETag>\"x-3\"</ETag>{extra}"
                       "</CompleteMultipartUploadResult>")
    responses.add(responses.DELETE, re.compile(re.escape(OBJ) + r"\?uploadId=up-1"),
                  status=204)
    responses.add(responses.DELETE, OBJ, status=204)


def _parts(data):
    return [data[i:i + 5 * MiB] for i in range(0, len(data), 5 * MiB)]


@responses.activate
def test_multipart_parts_carry_checksums_and_the_composite_is_checked():
    data = bytes(range(256)) * (11 * MiB // 256)
    sums = [checksum_b64("sha256", p) for p in _parts(data)]
    _mock_multipart(composite_checksum("sha256", sums))
    api = _api()
    api.object_create(None, "bkt", data=data, obj_name="obj")
    assert _calls("POST", "uploads")[0].request.headers["x-amz-checksum-algorithm"] == "SHA256"
    sent = sorted(c.request.headers["x-amz-checksum-sha256"] for c in _calls("PUT"))
    assert sent == sorted(sums)
    body = _calls("POST", "uploadId=up-1")[0].request.body.decode()
    assert re.findall(r"<ChecksumSHA256>([^<]+)</ChecksumSHA256>", body) == sums
    assert not _calls("DELETE")


def test_composite_checksum_is_the_checksum_of_the_part_digests():
    parts = [b"a" * 10, b"b" * 3]
    digests = b"".join(hashlib.sha256(p).digest() for p in parts)
    want = base64.b64encode(hashlib.sha256(digests).digest()).decode() + "-2"
    assert composite_checksum("sha256", [checksum_b64("sha256", p) for p in parts]) == want


@responses.activate
def test_multipart_with_a_wrong_composite_checksum_is_removed():
    _mock_multipart("AAAA-3")
    with pytest.raises(ChecksumMismatch):
        _api().object_create(None, "bkt", data=b"q" * (11 * MiB), obj_name="obj")
    assert len(_calls("DELETE", "uploadId=up-1")) == 1


@responses.activate
def test_server_ignoring_checksums_gets_a_plain_complete_document():
    _mock_multipart(part_checksums=False)  # Swift's s3api: no checksum in the answers
    _api().object_create(None, "bkt", data=b"q" * (11 * MiB), obj_name="obj")
    body = _calls("POST", "uploadId=up-1")[0].request.body.decode()
    assert "Checksum" not in body


@responses.activate
def test_a_part_confirmed_with_another_checksum_aborts_the_upload():
    responses.add(responses.POST, re.compile(re.escape(OBJ) + r"\?uploads"), body=INIT)
    responses.add(responses.PUT, re.compile(re.escape(OBJ) + r"\?partNumber=\d+"),
                  headers={"x-amz-checksum-sha256": "AAAA"})
    responses.add(responses.DELETE, re.compile(re.escape(OBJ) + r"\?uploadId=up-1"),
                  status=204)
    with pytest.raises(ChecksumMismatch):
        _api().object_create(None, "bkt", data=b"q" * (6 * MiB), obj_name="obj")
    assert len(_calls("DELETE", "uploadId=up-1")) == 1
    assert not _calls("POST", "uploadId=up-1")


def _get(body, headers):
    responses.add(responses.GET, OBJ, body=body,
                  headers={"ETag": '"' + hashlib.md5(body).hexdigest() + '-2"', **headers})


@pytest.mark.parametrize("algorithm", ["sha256", "crc32c"])
@responses.activate
def test_download_is_checked_against_the_reported_checksum(algorithm):
    _get(b"hello world", {f"x-amz-checksum-{algorithm}": checksum_b64(algorithm, b"hello")})
    _meta, stream = _api().object_fetch(None, "bkt", "obj")
    assert responses.calls[0].request.headers["x-amz-checksum-mode"] == "ENABLED"
    with pytest.raises(ChecksumMismatch, match=algorithm):
        stream.read()


@responses.activate
def test_download_with_the_right_checksum_or_a_composite_one_passes():
    _get(b"hello", {"x-amz-checksum-sha256": checksum_b64("sha256", b"hello")})
    assert _api().object_fetch(None, "bkt", "obj")[1].read() == b"hello"
    responses.replace(responses.GET, OBJ, body=b"hello",
                      headers={"ETag": '"x-2"', "x-amz-checksum-sha256": "AAAA-2",
                               "x-amz-checksum-type": "COMPOSITE"})
    assert _api().object_fetch(None, "bkt", "obj")[1].read() == b"hello"


@responses.activate
def test_download_asks_for_checksums_unless_checksum_is_off():
    _get(b"hello", {})
    assert _api(None).object_fetch(None, "bkt", "obj")[1].read() == b"hello"
    assert responses.calls[0].request.headers["x-amz-checksum-mode"] == "ENABLED"
    assert _api(None, checksum=False).object_fetch(None, "bkt", "obj")[1].read() == b"hello"
    assert "x-amz-checksum-mode" not in responses.calls[1].request.headers


@responses.activate
def test_small_put_sends_crc32_instead_of_md5_and_reports_the_servers_etag():
    responses.add_callback(responses.PUT, OBJ, callback=_echo_put("crc32"))
    api = _api(None)
    _chunks, size, md5 = api.object_create(None, "bkt", data=b"hello", obj_name="obj")
    headers = _calls("PUT")[0].request.headers
    assert headers["x-amz-checksum-crc32"] == checksum_b64("crc32", b"hello")
    assert "Content-MD5" not in headers and md5 == hashlib.md5(b"hello").hexdigest()
    assert api._backend.crc32_confirmed is True


@responses.activate
def test_small_put_whose_crc32_comes_back_different_removes_the_object():
    responses.add_callback(responses.PUT, OBJ, callback=_echo_put("crc32", corrupt=True))
    responses.add(responses.DELETE, OBJ, status=204)
    with pytest.raises(ChecksumMismatch, match="crc32"):
        _api(None).object_create(None, "bkt", data=b"hello", obj_name="obj")
    assert len(_calls("DELETE")) == 1


@pytest.mark.parametrize("stored", [b"hello", b"hellO"])
@responses.activate
def test_a_server_that_ignores_crc32_gets_the_md5_checked_after_and_content_md5_next(stored):
    responses.add(responses.PUT, OBJ, headers={"ETag": f'"{hashlib.md5(stored).hexdigest()}"'})
    responses.add(responses.DELETE, OBJ, status=204)
    api = _api(None)
    if stored != b"hello":
        with pytest.raises(ChecksumMismatch):
            api.object_create(None, "bkt", data=b"hello", obj_name="obj")
        assert len(_calls("DELETE")) == 1
    else:
        assert api.object_create(None, "bkt", data=b"hello", obj_name="obj")[2] == \
            hashlib.md5(b"hello").hexdigest()
    assert api._backend.crc32_confirmed is False
    responses.replace(responses.PUT, OBJ,
                      headers={"ETag": f'"{hashlib.md5(b"again").hexdigest()}"'})
    api.object_create(None, "bkt", data=b"again", obj_name="obj")
    headers = _calls("PUT")[-1].request.headers
    assert "x-amz-checksum-crc32" not in headers
    assert headers["Content-MD5"] == base64.b64encode(hashlib.md5(b"again").digest()).decode()


@responses.activate
def test_download_with_a_reported_crc32_checks_it_and_not_the_md5():
    _get(b"hello", {"x-amz-checksum-crc32": checksum_b64("crc32", b"hellO")})
    with pytest.raises(ChecksumMismatch, match="crc32"):
        _api(None).object_fetch(None, "bkt", "obj")[1].read()


@responses.activate
def test_download_reads_the_body_in_chunks_of_the_chosen_size():
    _get(b"x" * 1000, {})
    _meta, stream = _api(None, chunk_size=300).object_fetch(None, "bkt", "obj")
    assert [len(c) for c in stream] == [300, 300, 300, 100]


def _get_multipart(body, part, composite, etag="0" * 32 + "-2"):
    responses.add(responses.GET, OBJ, body=body,
                  headers={"ETag": f'"{etag}"', "x-amz-checksum-crc32c": composite,
                           "x-amz-checksum-type": "COMPOSITE",
                           "Content-Length": str(len(body))})
    responses.add(responses.HEAD, OBJ + "?partNumber=1", status=206,
                  headers={"ETag": f'"{etag}"', "Content-Length": str(part)})


@pytest.mark.parametrize("corrupt", [False, True])
@responses.activate
def test_multipart_download_is_checked_against_the_composite_crc32c_not_the_md5s(corrupt):
    body = b"a" * 7 + b"b" * 7 + b"c" * 3  # parts of 7 bytes: 7, 7, 3
    wanted = composite_checksum("crc32c", [checksum_b64("crc32c", body[i:i + 7])
                                           for i in (0, 7, 14)])
    _get_multipart(b"X" + body[1:] if corrupt else body, 7, wanted, etag="0" * 32 + "-3")
    # the ETag is wrong for these bytes: only the composite CRC-32C is checked
    _meta, stream = _api(algorithm=None).object_fetch(None, "bkt", "obj")
    if corrupt:
        with pytest.raises(ChecksumMismatch):
            stream.read()
    else:
        assert stream.read() == body


def _ranged_multipart(body, part, composite, etag, damaged_at=None):
    """A multipart object served in ranges (a bit of the byte at
    ``damaged_at`` flipped on the way), with its HEADs."""
    def get(request):
        first, last = (int(n) for n in request.headers["Range"].split("=")[1].split("-"))
        piece = bytearray(body[first:last + 1])
        if damaged_at is not None and first <= damaged_at <= last:
            piece[damaged_at - first] ^= 1
        return 206, {"ETag": f'"{etag}"', "Content-Length": str(len(piece)),
                     "Content-Range": f"bytes {first}-{last}/{len(body)}"}, bytes(piece)

    def head(request):
        if "partNumber=1" in request.url:
            return 206, {"ETag": f'"{etag}"', "Content-Length": str(part)}, b""
        return 200, {"ETag": f'"{etag}"', "Content-Length": str(len(body)),
                     "x-amz-checksum-crc32c": composite,
                     "x-amz-checksum-type": "COMPOSITE"}, b""

    responses.add_callback(responses.GET, OBJ, callback=get)
    responses.add_callback(responses.HEAD, re.compile(re.escape(OBJ) + r"(\?.*)?$"),
                           callback=head)


RANGED = dict(workers=2, part_size=5, parallel_threshold=1)
BODY = b"a" * 7 + b"b" * 7 + b"c" * 3  # parts of 7 bytes: 7, 7, 3
COMPOSITE = composite_checksum("crc32c", [checksum_b64("crc32c", BODY[i:i + 7])
                                          for i in (0, 7, 14)])


@pytest.mark.parametrize("damaged_at", [None, 9])
@responses.activate
def test_a_download_in_ranges_is_checked_against_the_composite_checksum(damaged_at, tmp_path):
    _ranged_multipart(BODY, 7, COMPOSITE, "0" * 32 + "-3", damaged_at)
    out = tmp_path / "obj.bin"
    if damaged_at is None:
        _api(algorithm=None).object_download(None, "bkt", "obj", str(out), **RANGED)
        assert out.read_bytes() == BODY
    else:
        with pytest.raises(ChecksumMismatch):
            _api(algorithm=None).object_download(None, "bkt", "obj", str(out), **RANGED)
        assert not out.exists()
    assert len(_calls("HEAD")) == 3  # the object's, its checksum's, its first part's


@responses.activate
def test_a_download_in_ranges_without_checksum_asks_nothing_more(tmp_path):
    _ranged_multipart(BODY, 7, COMPOSITE, "0" * 32 + "-3", damaged_at=9)
    _api(algorithm=None, checksum=False).object_download(None, "bkt", "obj",
                                                         str(tmp_path / "obj.bin"), **RANGED)
    assert len(_calls("HEAD")) == 1
