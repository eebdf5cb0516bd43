"""SigV4 against AWS's published vectors, and the plugin on prepared requests.

Test data written down from AWS's published facts:

* the SigV4 test suite ("aws-sig-v4-test-suite": credentials AKIDEXAMPLE,
  region us-east-1, service "service", time 20150830T123600Z); the
  ``normalize-path/*`` cases are signed with path normalisation, which S3
  must not do (a flag, off for S3);
* the S3 API reference, "Authenticating Requests (AWS Signature Version 4)":
  header-signing examples (GET Object with Range, PUT Object, GET bucket
  lifecycle, GET bucket list objects) and "Authenticating Requests: Using
  Query Parameters" (presigned GET of test.txt), credentials
  AKIAIOSFODNN7EXAMPLE, 20130524T000000Z.
"""

import hashlib
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from objclient.auth.sigv4 import (EMPTY_SHA256, UNSIGNED_PAYLOAD, SigV4Auth, canonical_query,
                                  canonical_uri, presign_url, sign_headers)
from objclient.exceptions import InvalidArgument

SUITE_AK = "AKIDEXAMPLE"
SUITE_SK = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SUITE_DATE = "20150830T123600Z"
SUITE_HOST = "example.amazonaws.com"
TOKEN = ("AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMic"
         "RXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZamp"
         "KsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7Z"
         "D0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/o"
         "LxBA==")

# The suite writes paths decoded; they are encoded once.
# name: (method, path, query pairs, extra headers, body, normalize, signed headers, signature)
SUITE = {
    "get-vanilla": ("GET", "/", [], [], b"", False, "host;x-amz-date",
                    "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
    "get-vanilla-query": ("GET", "/", [], [], b"", False, "host;x-amz-date",
                          "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
    "get-vanilla-empty-query-key": (
        "GET", "/", [("Param1", "value1")], [], b"", False, "host;x-amz-date",
        "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"),
    "get-vanilla-query-order-key-case": (
        "GET", "/", [("Param2", "value2"), ("Param1", "value1")], [], b"", False,
        "host;x-amz-date", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
    "get-vanilla-query-unreserved": (
        "GET", "/", [("-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                      "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")],
        [], b"", False, "host;x-amz-date",
        "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"),
    "get-vanilla-utf8-query": (
        "GET", "/", [("\u1234", "bar")], [], b"", False, "host;x-amz-date",
        "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"),
    "get-unreserved": (
        "GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", [], [],
        b"", False, "host;x-amz-date",
        "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"),
    "get-utf8": ("GET", "/\u1234", [], [], b"", False, "host;x-amz-date",
                 "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
    "get-header-key-duplicate": (
        "GET", "/", [], [("My-Header1", "value2"), ("My-Header1", "value2"),
                         ("My-Header1", "value1")], b"", False, "host;my-header1;x-amz-date",
        "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"),
    "get-header-value-order": (
        "GET", "/", [], [("My-Header1", "value4"), ("My-Header1", "value1"),
                         ("My-Header1", "value3"), ("My-Header1", "value2")], b"", False,
        "host;my-header1;x-amz-date",
        "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"),
    "get-header-value-trim": (
        "GET", "/", [], [("My-Header1", " value1"), ("My-Header2", ' "a   b   c"')], b"",
        False, "host;my-header1;my-header2;x-amz-date",
        "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"),
    "post-vanilla": ("POST", "/", [], [], b"", False, "host;x-amz-date",
                     "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
    "post-vanilla-query": ("POST", "/", [("Param1", "value1")], [], b"", False,
                           "host;x-amz-date",
                           "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"),
    "post-header-key-case": ("POST", "/", [], [], b"", False, "host;x-amz-date",
                             "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
    "post-header-key-sort": (
        "POST", "/", [], [("My-Header1", "value1")], b"", False, "host;my-header1;x-amz-date",
        "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"),
    "post-header-value-case": (
        "POST", "/", [], [("My-Header1", "VALUE1")], b"", False, "host;my-header1;x-amz-date",
        "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"),
    "post-x-www-form-urlencoded": (
        "POST", "/", [], [("Content-Type", "application/x-www-form-urlencoded")],
        b"Param1=value1", False, "content-type;host;x-amz-date",
        "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"),
    "post-x-www-form-urlencoded-parameters": (
        "POST", "/", [], [("Content-Type", "application/x-www-form-urlencoded; charset=utf8")],
        b"Param1=value1", False, "content-type;host;x-amz-date",
        "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"),
    "post-sts-header-before": (
        "POST", "/", [], [("X-Amz-Security-Token", TOKEN)], b"", False,
        "host;x-amz-date;x-amz-security-token",
        "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"),
    "normalize-path/get-relative": (
        "GET", "/example/..", [], [], b"", True, "host;x-amz-date",
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
    "normalize-path/get-relative-relative": (
        "GET", "/example1/example2/../..", [], [], b"", True, "host;x-amz-date",
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
    "normalize-path/get-slash": ("GET", "//", [], [], b"", True, "host;x-amz-date",
                                 "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
    "normalize-path/get-slash-dot-slash": (
        "GET", "/./", [], [], b"", True, "host;x-amz-date",
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
    "normalize-path/get-slash-pointless-dot": (
        "GET", "/./example", [], [], b"", True, "host;x-amz-date",
        "ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5"),
    "normalize-path/get-slashes": (
        "GET", "//example//", [], [], b"", True, "host;x-amz-date",
        "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"),
    "normalize-path/get-space": (
        "GET", "/example space/", [], [], b"", True, "host;x-amz-date",
        "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"),
}


@pytest.mark.parametrize("name", sorted(SUITE))
def test_published_sigv4_suite_case(name):
    method, path, query, extra, body, normalize, signed, sig = SUITE[name]
    headers = [("Host", SUITE_HOST), ("X-Amz-Date", SUITE_DATE)] + extra
    auth = sign_headers(method=method, path=path, query=query, headers=headers,
                        payload_hash=hashlib.sha256(body).hexdigest(), access_key=SUITE_AK,
                        secret_key=SUITE_SK, region="us-east-1", service="service",
                        amzdate=SUITE_DATE, normalize=normalize)
    assert auth == (f"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
                    f"aws4_request, SignedHeaders={signed}, Signature={sig}")


def test_s3_paths_are_not_normalized_by_default():
    assert canonical_uri("/a/../b//c/./d") == "/a/../b//c/./d"
    assert canonical_uri("/a/../b", normalize=True) == "/b"
    assert canonical_uri("/example space/\u1234") == "/example%20space/%E1%88%B4"


def test_query_is_sorted_and_encoded_with_aws_rules():
    assert canonical_query([("prefix", "J"), ("max-keys", "2")]) == "max-keys=2&prefix=J"
    assert canonical_query([("a", "b c+d/e*")]) == "a=b%20c%2Bd%2Fe%2A"


S3_AK = "AKIAIOSFODNN7EXAMPLE"
S3_SK = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
S3_DATE = "20130524T000000Z"
S3_HOST = "examplebucket.s3.amazonaws.com"


def _s3_sign(method, path, query, extra, payload):
    headers = [("Host", S3_HOST), ("x-amz-content-sha256", payload),
               ("x-amz-date", S3_DATE)] + extra
    auth = sign_headers(method=method, path=path, query=query, headers=headers,
                        payload_hash=payload, access_key=S3_AK, secret_key=S3_SK,
                        region="us-east-1", service="s3", amzdate=S3_DATE)
    return auth.rsplit("Signature=", 1)[1]


def test_s3_example_get_object_with_range():
    assert _s3_sign("GET", "/test.txt", [], [("Range", "bytes=0-9")], EMPTY_SHA256) == \
        "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"


def test_s3_example_put_object():
    body = b"Welcome to Amazon S3."
    assert _s3_sign("PUT", "/test$file.text", [],
                    [("Date", "Fri, 24 May 2013 00:00:00 GMT"),
                     ("x-amz-storage-class", "REDUCED_REDUNDANCY")],
                    hashlib.sha256(body).hexdigest()) == \
        "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"


def test_s3_example_get_bucket_lifecycle():
    assert _s3_sign("GET", "/", [("lifecycle", "")], [], EMPTY_SHA256) == \
        "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"


def test_s3_example_list_objects():
    assert _s3_sign("GET", "/", [("max-keys", "2"), ("prefix", "J")], [], EMPTY_SHA256) == \
        "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"


def test_s3_example_presigned_get():
    url = presign_url(f"https://{S3_HOST}/test.txt", method="GET", access_key=S3_AK,
                      secret_key=S3_SK, region="us-east-1", expires=86400, amzdate=S3_DATE)
    query = dict(parse_qsl(urlsplit(url).query))
    assert query["X-Amz-Signature"] == \
        "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
    assert query["X-Amz-Credential"] == "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request"
    assert query["X-Amz-SignedHeaders"] == "host" and query["X-Amz-Expires"] == "86400"


def test_presigned_url_carries_the_session_token_and_refuses_long_expiry():
    url = presign_url("http://h:1/b/k", method="PUT", access_key="a", secret_key="s",
                      region="r", expires=60, session_token="tok")
    assert dict(parse_qsl(urlsplit(url).query))["X-Amz-Security-Token"] == "tok"
    with pytest.raises(InvalidArgument):
        presign_url("http://h/b/k", method="GET", access_key="a", secret_key="s",
                    region="r", expires=604801)


def _prepared(method, url, data=None, headers=None):
    return requests.Request(method, url, data=data, headers=headers or {}).prepare()


def test_plugin_signs_bytes_bodies_with_their_sha256():
    auth = SigV4Auth("AK", "SK", "eu-west-1")
    req = _prepared("PUT", "http://127.0.0.1:8333/b/k", data=b"hello")
    auth.sign(req)
    assert req.headers["X-Amz-Content-SHA256"] == hashlib.sha256(b"hello").hexdigest()
    assert req.headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AK/")
    assert "/eu-west-1/s3/aws4_request" in req.headers["Authorization"]


def test_plugin_sends_streams_unsigned_without_reading_them():
    class Stream:
        read_calls = 0

        def read(self, size=-1):
            Stream.read_calls += 1
            return b""

    auth = SigV4Auth("AK", "SK")
    req = _prepared("PUT", "http://h/b/k", data=Stream(), headers={"Content-Length": "0"})
    auth.sign(req)
    assert req.headers["X-Amz-Content-SHA256"] == UNSIGNED_PAYLOAD
    assert Stream.read_calls == 0


def test_plugin_signs_each_attempt_anew_and_adds_the_token():
    auth = SigV4Auth("AK", "SK", session_token="tok")
    req = _prepared("GET", "http://h/b/k")
    auth.sign(req)
    auth.sign(req)
    assert req.headers["X-Amz-Security-Token"] == "tok"
    assert req.headers["Authorization"].count("Signature=") == 1
    assert "x-amz-security-token" in req.headers["Authorization"]


def test_plugin_keeps_dot_segments_of_s3_keys():
    auth = SigV4Auth("AK", "SK")
    req = _prepared("GET", "http://h/b/a/%2E%2E/c")
    auth.sign(req)
    assert urlsplit(req.url).path == "/b/a/%2E%2E/c"


def test_repr_hides_the_secret():
    text = repr(SigV4Auth("AKID", "very-secret-value", session_token="tok-secret"))
    assert "very-secret-value" not in text and "tok-secret" not in text


def test_stale_signing_headers_go_in_any_case():
    """The plugin signs the wire layer's one request type, whose headers are a plain dict."""
    from objclient.http.transport import Request

    auth = SigV4Auth("AK", "SK", clock=lambda: 1_795_564_800.0)  # 2026-11-25, fixed
    base = {"Content-Type": "text/plain", "x-amz-meta-a": "1",
            "x-amz-content-sha256": UNSIGNED_PAYLOAD, "AUTHORIZATION": "stale",
            "x-amz-date": "19990101T000000Z"}
    req = Request("PUT", "http://h/b/k", dict(base), b"data")
    auth.sign(req)
    lower = {k.lower(): v for k, v in req.headers.items()}
    assert len(lower) == len(req.headers)  # no name twice in two cases
    assert lower["x-amz-content-sha256"] == UNSIGNED_PAYLOAD  # the caller's choice
    assert lower["x-amz-date"] != "19990101T000000Z"
    assert lower["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AK/")
