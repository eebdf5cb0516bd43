"""Secrets never reach logs, errors, timings or reprs; their hashes do."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import shlex
from typing import List

import pytest

from objclient.auth import TempAuth, TokenAuth
from objclient.exceptions import ClientError, NotFound
from objclient.http import HTTPClient, RetryPolicy
from objclient.http.redact import (curl_command, loggable_body, redact_headers, redact_json,
                                   redact_url, redact_value)
from tests.serverfixture import ScriptedServer, Step

HASHED = re.compile(r"\{SHA256\}[0-9a-f]{16}")


def _hashed(secret: str) -> str:
    return "{SHA256}" + hashlib.sha256(secret.encode()).hexdigest()[:16]


def test_redact_value_is_sha256_prefix_of_16_hex() -> None:
    assert redact_value("abc") == "{SHA256}ba7816bf8f01cfea"
    assert redact_value(b"abc") == redact_value("abc")
    assert HASHED.fullmatch(redact_value(12345))


def test_redact_url_hides_password_and_query_signatures_only() -> None:
    url = ("https://alice:pa55word@host:8080/v1/AUTH_a/c/o?temp_url_sig=deadbeef"
           "&temp_url_expires=99&X-Amz-Signature=cafe01&X-Amz-Credential=AKID%2F1&part=2")
    out = redact_url(url)
    for secret in ("pa55word", "deadbeef", "cafe01", "AKID"):
        assert secret not in out
    assert "alice:" + _hashed("pa55word") + "@host:8080" in out
    assert "temp_url_sig=" + _hashed("deadbeef") in out
    assert "X-Amz-Signature=" + _hashed("cafe01") in out
    assert "temp_url_expires=99" in out and "part=2" in out and "/v1/AUTH_a/c/o" in out


def test_redact_url_leaves_a_plain_url_alone() -> None:
    url = "http://host/v1/a/c/o?prefix=x&limit=10"
    assert redact_url(url) == url


def test_redact_headers_hides_every_secret_header_case_insensitively() -> None:
    headers = {"authorization": "Bearer t1", "X-AUTH-TOKEN": "t2", "X-Auth-Key": "t3",
               "X-Amz-Security-Token": "t4", "X-Storage-Token": "t5", "X-Custom": "t6",
               "Content-Type": "text/plain"}
    out = redact_headers(headers, extra=["x-custom"])
    assert out["Content-Type"] == "text/plain"
    for name in ("authorization", "X-AUTH-TOKEN", "X-Auth-Key", "X-Amz-Security-Token",
                 "X-Storage-Token", "X-Custom"):
        assert out[name] == redact_value(headers[name])


def test_redact_json_hides_secret_looking_keys_at_any_depth() -> None:
    doc = {"auth": {"identity": {"password": {"user": {"name": "u", "password": "pw"}}}},
           "list": [{"secret_key": "sk"}, {"name": "keep"}], "temp_url_sig": "sig"}
    out = redact_json(doc)
    text = repr(out)
    assert "'pw'" not in text and "'sk'" not in text and "'sig'" not in text
    assert out["list"][1] == {"name": "keep"}
    assert out["auth"]["identity"]["password"]["user"]["name"] == "u"


def test_only_small_json_bodies_are_loggable() -> None:
    assert loggable_body(b'{"a": 1}', "application/json") == '{"a": 1}'
    assert loggable_body(b"plain", "text/plain") is None
    assert loggable_body(b'{"a": "' + b"x" * 5000 + b'"}', "application/json") is None
    assert loggable_body(b"{broken", "application/json") is None
    assert loggable_body(b"\xff\xfe", "application/json") is None


def test_curl_command_shlex_splits_back_to_a_valid_command() -> None:
    line = curl_command("PUT", "http://h/a b/it's?temp_url_sig=s3cr3t",
                        {"X-Auth-Token": "tok", "X-Object-Meta-Quote": "it's \"q\""},
                        body='{"k": 1}')
    argv = shlex.split(line)
    assert argv[:4] == ["curl", "-i", "-X", "PUT"]
    assert argv[4] == "http://h/a b/it's?temp_url_sig=" + _hashed("s3cr3t")
    assert argv[5:] == ["-H", "X-Auth-Token: " + _hashed("tok"),
                        "-H", "X-Object-Meta-Quote: it's \"q\"", "-d", '{"k": 1}']
    assert line.startswith("curl -i -X PUT 'http://h/")


def test_debug_log_has_one_pasteable_curl_line_per_request(
        server: ScriptedServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="objclient.http")
    http = HTTPClient(server.url, debug=True)
    http.put("/c/o", data=b"data", headers={"X-Object-Meta-A": "b"})
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("REQ: ")]
    assert len(lines) == 1
    argv = shlex.split(lines[0][len("REQ: "):])
    assert argv[:5] == ["curl", "-i", "-X", "PUT", server.url + "/c/o"]
    assert "X-Object-Meta-A: b" in argv
    responses = [r.getMessage() for r in caplog.records if r.getMessage().startswith("RESP: ")]
    assert len(responses) == 1 and responses[0].startswith("RESP: [200]")


def test_nothing_is_logged_without_debug(server: ScriptedServer,
                                         caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="objclient.http")
    HTTPClient(server.url).get("/x")
    assert not [r for r in caplog.records if "curl" in r.getMessage()]


def test_no_secret_appears_in_logs_errors_timings_or_reprs(
        server: ScriptedServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    secrets = {
        "authorization": "Bearer-authz-SECRET-1", "x-auth-token": "token-SECRET-2",
        "x-auth-key": "key-SECRET-3", "x-amz-security-token": "sts-SECRET-4",
        "x-storage-token": "storage-SECRET-5", "temp_url_sig": "tempurlsig-SECRET-6",
        "x-amz-signature": "amzsig-SECRET-7", "password": "urlpass-SECRET-8",
        "json_password": "jsonpass-SECRET-9", "static": "static-SECRET-10",
        "tempauth_key": "tempauth-SECRET-11",
    }
    port = server.server_address[1]
    http = HTTPClient(server.url, debug=True, timings=True,
                      auth=TokenAuth(secrets["static"], header="X-Auth-Token"))
    http.get("/o", headers={"Authorization": secrets["authorization"],
                            "X-Auth-Key": secrets["x-auth-key"],
                            "X-Amz-Security-Token": secrets["x-amz-security-token"],
                            "X-Storage-Token": secrets["x-storage-token"]})
    http.get("/o", headers={"X-Auth-Token": secrets["x-auth-token"]}, authenticated=False)
    http.get(f"/o?temp_url_sig={secrets['temp_url_sig']}&temp_url_expires=1")
    http.get(f"/o?X-Amz-Signature={secrets['x-amz-signature']}&X-Amz-Date=1")
    http.get(f"http://user:{secrets['password']}@127.0.0.1:{port}/userinfo")
    http.post("/auth", json={"auth": {"passwordCredentials": {
        "username": "u", "password": secrets["json_password"]}}})
    errors: List[str] = []
    server.script("/missing", Step(status=404, body=b"nope"))
    with pytest.raises(NotFound) as info:
        http.get(f"/missing?temp_url_sig={secrets['temp_url_sig']}")
    errors.append(str(info.value))
    with pytest.raises(ClientError) as info2:
        HTTPClient(f"http://user:{secrets['password']}@127.0.0.1:1",
                   retries=RetryPolicy.disabled()).get(
                       f"/x?temp_url_sig={secrets['temp_url_sig']}")
    errors.append(str(info2.value))
    errors.append(repr(info2.value.url))
    reprs = [repr(TokenAuth(secrets["static"])),
             repr(TempAuth(f"http://u:{secrets['password']}@h/auth/v1.0", "a:u",
                           secrets["tempauth_key"]))]
    timings = [repr(t) for t in http.get_timing_records()]
    captured = "\n".join([caplog.text, *errors, *reprs, *timings])

    basic = base64.b64encode(f"user:{secrets['password']}".encode()).decode()
    for secret in [*secrets.values(), basic]:
        assert secret not in captured, secret
    for key in ("x-auth-key", "x-amz-security-token", "x-storage-token", "x-auth-token",
                "temp_url_sig", "x-amz-signature", "password", "static", "tempauth_key"):
        assert _hashed(secrets[key]) in captured, key
    assert _hashed("Bearer-authz-SECRET-1") in captured or \
        _hashed(secrets["authorization"]) in captured
    assert captured.count("curl -i -X") == 7
