"""S3 backend logic that needs no server: names, metadata, XML, listing, setup."""

import pytest
import responses

import objclient
from objclient.backends.s3 import create_backend, refine, resolve_credentials
from objclient.backends.s3.container import etag_hash, start_after
from objclient.backends.s3.names import (S3_NAME_RULES, decode_meta_value, encode_meta_value,
                                         key_path, meta_from_headers, meta_headers)
from objclient.backends.s3.xml import embedded_error, parse
from objclient.contract import Capability
from objclient.exceptions import (ChecksumMismatch, Conflict, ContainerNotEmpty,
                                  InvalidArgument, InvalidName, NoSuchContainer, NoSuchObject,
                                  NotFound, ServerError)


@pytest.mark.parametrize("name", ["abc", "oc-c-0123456789", "a.b-c", "x" * 63])
def test_valid_bucket_names_pass(name):
    assert S3_NAME_RULES.check_container(name) == name


@pytest.mark.parametrize("name", ["ab", "x" * 64, "Abc", "a_b", "-ab", "ab-", "a..b",
                                  "a.-b", "10.0.0.1", "a/b", ""])
def test_invalid_bucket_names_are_refused(name):
    with pytest.raises(InvalidName):
        S3_NAME_RULES.check_container(name)


def test_property_keys_are_limited_to_what_headers_keep():
    S3_NAME_RULES.check_property_key("author-2.x")
    for bad in ("Author", "a_b", "a b"):
        with pytest.raises(InvalidArgument):
            S3_NAME_RULES.check_property_key(bad)


@pytest.mark.parametrize("value", ["plain", "Zoë", "名前", " padded ", "=?UTF-8?B?eA==?=",
                                   "tab\there", ""])
def test_metadata_values_round_trip_through_ascii_headers(value):
    encoded = encode_meta_value(value)
    assert all(0x20 <= ord(c) < 0x7f for c in encoded)
    assert decode_meta_value(encoded) == value


def test_non_ascii_values_use_rfc2047_words():
    assert encode_meta_value("é") == "=?UTF-8?B?w6k=?="
    assert encode_meta_value("plain") == "plain"


def test_meta_headers_and_back():
    headers = meta_headers({"owner": "Zoë", "n": "1"})
    assert headers == {"x-amz-meta-owner": "=?UTF-8?B?Wm/Dqw==?=", "x-amz-meta-n": "1"}
    assert meta_from_headers({"X-Amz-Meta-Owner": headers["x-amz-meta-owner"],
                              "Content-Type": "x"}) == {"owner": "Zoë"}


def test_key_path_escapes_dot_segments_and_reserved_characters():
    assert key_path("a/../b/./c") == "a/%2E%2E/b/%2E/c"
    assert key_path("sp ace?#%+é") == "sp%20ace%3F%23%25%2B%C3%A9"
    assert key_path("/a//b") == "/a//b"


def test_parse_refuses_doctype_and_entities():
    with pytest.raises(ServerError):
        parse(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')
    root = parse(b'<R xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><K>v</K></R>')
    assert root.tag == "R" and root.find("K").text == "v"


def test_error_hidden_in_a_200_body_is_found():
    err = embedded_error(b"<?xml version='1.0'?>\n<Error><Code>InternalError</Code>"
                         b"<Message>boom</Message><RequestId>r1</RequestId></Error>")
    assert isinstance(err, ServerError) and err.code == "InternalError"
    assert err.request_id == "r1"
    assert embedded_error(b"<CompleteMultipartUploadResult/>") is None


def test_start_after_steps_back_before_the_marker():
    assert start_after("b") == ""
    assert start_after("a/2") == "a/"
    assert start_after("obj-00999") == "obj-0099"
    assert start_after("ab-") == "a"


def test_only_md5_etags_count_as_md5():
    assert etag_hash('"5d41402abc4b2a76b9719d911017c592"') == \
        ("5d41402abc4b2a76b9719d911017c592", "md5")
    assert etag_hash('"abc-3"') == ("abc-3", "etag")
    assert etag_hash('"5d41402abc4b2a76b9719d911017c592"',
                     {"x-amz-server-side-encryption": "aws:kms"})[1] == "etag"


def test_s3_error_codes_become_precise_errors():
    assert isinstance(refine(NotFound(code="NoSuchBucket"), "b", "k"), NoSuchContainer)
    assert isinstance(refine(NotFound(code="NoSuchKey"), "b", "k"), NoSuchObject)
    assert isinstance(refine(NotFound(), "b", None), NoSuchContainer)
    assert isinstance(refine(Conflict(code="BucketNotEmpty"), "b"), ContainerNotEmpty)
    assert isinstance(refine(ClientErrorWithCode("BadDigest"), "b", "k"), ChecksumMismatch)


def ClientErrorWithCode(code):  # noqa: N802 - reads like a constructor
    from objclient.exceptions import BadRequest
    return BadRequest(code=code, request_id="req-1")


def test_url_options_choose_region_and_addressing(monkeypatch):
    monkeypatch.delenv("AWS_REGION", raising=False)
    local = create_backend("s3+http://127.0.0.1:8333", access_key="a", secret_key="s")
    assert local.url("b", "k") == "http://127.0.0.1:8333/b/k"
    assert local.region == "us-east-1"
    remote = create_backend("s3+https://s3.example.com?region=eu-west-3", access_key="a",
                            secret_key="s")
    assert remote.url("b", "k") == "https://b.s3.example.com/k"
    assert remote.region == "eu-west-3"
    forced = create_backend("s3+https://s3.example.com?addressing=path", access_key="a",
                            secret_key="s", tagging=False)
    assert forced.url("b") == "https://s3.example.com/b"
    assert Capability.CONTAINER_PROPERTIES not in forced.capabilities
    with pytest.raises(InvalidArgument):
        create_backend("s3+http://h", access_key="a", secret_key="s", part_size=1024)
    with pytest.raises(InvalidArgument):
        create_backend("s3+http://h", access_key="a", secret_key="s", bogus=1)


def test_credentials_from_env_then_shared_file(monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "envak")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "envsk")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "envtok")
    assert resolve_credentials(None, None, None, None) == ("envak", "envsk", "envtok")
    assert resolve_credentials("a", "s", None, None) == ("a", "s", None)
    creds = tmp_path / "credentials"
    creds.write_text("[work]\naws_access_key_id = fileak\naws_secret_access_key = filesk\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
    assert resolve_credentials(None, None, None, "work") == ("fileak", "filesk", None)
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    with pytest.raises(InvalidArgument):
        resolve_credentials(None, None, None, None)


@responses.activate
def test_listing_pages_and_applies_end_marker_client_side():
    body1 = ("<ListBucketResult><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>"
             "<NextContinuationToken>t1</NextContinuationToken>"
             "<Contents><Key>a+b</Key><Size>1</Size><ETag>\"x-2\"</ETag></Contents>"
             "<Contents><Key>c%2Bd</Key><Size>2</Size></Contents></ListBucketResult>")
    body2 = ("<ListBucketResult><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>"
             "<Contents><Key>e</Key><Size>3</Size></Contents>"
             "<Contents><Key>z</Key><Size>4</Size></Contents></ListBucketResult>")
    responses.add(responses.GET, "http://127.0.0.1:9/bkt", body=body1)
    responses.add(responses.GET, "http://127.0.0.1:9/bkt", body=body2)
    api = objclient.ObjectStorageApi("s3+http://127.0.0.1:9", access_key="a", secret_key="s")
    page = api.object_list(None, "bkt", end_marker="y")
    assert [o["name"] for o in page["objects"]] == ["a b", "c+d", "e"]
    assert page["truncated"] is False
    assert page["objects"][0]["hash_method"] == "etag"
    assert "continuation-token=t1" in responses.calls[1].request.url
    assert responses.calls[0].request.headers["Authorization"].startswith("AWS4-HMAC-SHA256")


@pytest.mark.parametrize("key", ["/lead", "a/../b", ".", "..", "back\\slash", "d/" + "x" * 256])
def test_path_keys_refuses_keys_a_path_server_would_change(key):
    rules = create_backend("s3+http://127.0.0.1:1", access_key="a", secret_key="s",
                           path_keys=True).names
    with pytest.raises(InvalidName):
        rules.check_object(key)
    assert S3_NAME_RULES.check_object(key) == key
