"""Swift wire formats, without a server."""

import hashlib
import hmac

import pytest
import responses

import objclient
from objclient.backends.swift.wire import (bulk_delete_body, decode_header_value,
                                           encode_header_value, etag_of_etags,
                                           iter_byteranges, object_path,
                                           parse_bulk_response, parse_content_type_boundary,
                                           quote_name, read_meta, split_storage_url,
                                           temp_url_signature)
from objclient.exceptions import ChecksumMismatch

STORAGE = "http://swift.test/v1/AUTH_t"


def test_quote_name_keeps_slashes_and_hides_dot_segments():
    assert quote_name("a/../b") == "a/%2E%2E/b"
    assert quote_name("/a//b") == "/a//b"
    assert quote_name("q?#%+ é") == "q%3F%23%25%2B%20%C3%A9"
    assert object_path("AUTH_t", "c", ".") == "/AUTH_t/c/%2E"


def test_split_storage_url():
    assert split_storage_url("http://h:8080/v1/AUTH_a%20b/") == ("http://h:8080/v1", "AUTH_a b")


def test_header_values_travel_as_utf8():
    wire = encode_header_value("Zoë")
    assert wire.encode("latin-1") == "Zoë".encode("utf-8")
    assert decode_header_value(wire) == "Zoë"
    assert read_meta("object", {"X-Object-Meta-Author": wire, "X-Other": "x"}) == \
        {"author": "Zoë"}


def test_bulk_delete_body_quotes_each_path():
    assert bulk_delete_body("c 1", ["a/b?", "é"]) == b"/c%201/a/b%3F\n/c%201/%C3%A9"


def test_parse_bulk_response_unquotes_error_paths():
    doc = {"Number Deleted": 2, "Number Not Found": 1, "Response Status": "400 Bad Request",
           "Errors": [["/c/a%20b", "409 Conflict"]]}
    assert parse_bulk_response(doc) == (2, 1, [("/c/a b", "409 Conflict")],
                                        "400 Bad Request")


def _multipart(parts, boundary="XyZ"):
    out = b""
    for i, data in enumerate(parts):
        out += (f"--{boundary}\r\nContent-Type: application/octet-stream\r\n"
                f"Content-Range: bytes {i}-{i}/9\r\n\r\n").encode() + data + b"\r\n"
    return out + f"--{boundary}--".encode()


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 1000])
def test_byteranges_parts_are_concatenated_whatever_the_chunking(chunk):
    parts = [b"first\r\n--Xy", b"", b"\r\n\r\nthird"]
    body = _multipart(parts)
    chunks = [body[i:i + chunk] for i in range(0, len(body), chunk)]
    assert b"".join(iter_byteranges(chunks, "XyZ")) == b"".join(parts)


def test_truncated_byteranges_body_is_an_error():
    body = _multipart([b"abc"])[:-12]
    with pytest.raises(ValueError):
        b"".join(iter_byteranges([body], "XyZ"))


def test_boundary_of_content_type():
    assert parse_content_type_boundary("multipart/byteranges;boundary=abc") == "abc"
    assert parse_content_type_boundary('multipart/byteranges; boundary="q"') == "q"
    assert parse_content_type_boundary("text/plain") is None


def test_temp_url_signature_is_hmac_of_method_expiry_and_path():
    expected = hmac.new(b"k", b"GET\n1700000000\n/v1/AUTH_t/c/o", hashlib.sha256).hexdigest()
    assert temp_url_signature("k", "GET", 1700000000, "/v1/AUTH_t/c/o") == expected
    assert len(temp_url_signature("k", "GET", 1, "/p", "sha1")) == 40


def test_etag_of_etags():
    assert etag_of_etags(["a", "b"]) == hashlib.md5(b"ab").hexdigest()


def _api():
    # A plain PUT first asks (once) whether the container has a segment
    # container, whose segments the PUT would leave behind: here it has none.
    responses.add(responses.HEAD, f"{STORAGE}/c_segments", status=404)
    return objclient.ObjectStorageApi(f"swift+{STORAGE}", token="tok", retries=None)


@responses.activate
def test_chunked_upload_with_wrong_stored_etag_is_deleted_and_refused():
    url = f"{STORAGE}/c/o"
    responses.add(responses.HEAD, f"{STORAGE}/c", status=204)
    responses.add(responses.PUT, url, status=201, headers={"Etag": "0" * 32})
    responses.add(responses.DELETE, url, status=204)
    api = _api()
    with pytest.raises(ChecksumMismatch):
        api.object_create(None, "c", data=iter([b"ab", b"cd"]), obj_name="o")
    assert [(c.request.method, c.request.url.rsplit("/", 1)[1]) for c in responses.calls] == \
        [("HEAD", "c"), ("HEAD", "c_segments"), ("PUT", "o"), ("DELETE", "o")]
    put = responses.calls[2].request
    assert "Transfer-Encoding" in put.headers or "Content-Length" not in put.headers


@responses.activate
def test_known_size_upload_sends_its_md5_as_etag():
    url = f"{STORAGE}/c/o"
    md5 = hashlib.md5(b"data").hexdigest()
    responses.add(responses.PUT, url, status=201, headers={"Etag": md5})
    _c, size, digest = _api().object_create(None, "c", data=b"data", obj_name="o")
    assert (size, digest) == (4, md5)
    assert responses.calls[-1].request.headers["ETag"] == md5


@responses.activate
def test_unprocessable_entity_is_a_checksum_mismatch():
    responses.add(responses.PUT, f"{STORAGE}/c/o", status=422)
    with pytest.raises(ChecksumMismatch):
        _api().object_create(None, "c", data=b"data", obj_name="o")
