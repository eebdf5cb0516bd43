"""HTTPClient on the wire: auth, timeouts, deadlines, short bodies, timings, threads, fork."""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Dict, List

import pytest
import responses

from objclient.auth import AuthPlugin, TokenAuth
from objclient.exceptions import (ClientError, ConnectionFailed, DeadlineReached,
                                  InvalidArgument, NotFound, Timeout, Unauthorized)
from objclient.http import HTTPClient, RetryPolicy
from tests.serverfixture import ScriptedServer, Step, unresponsive_port

NO_RETRY = RetryPolicy.disabled()


class CountingAuth(AuthPlugin):
    """Hands out token-1, token-2 ...; counts authentications and invalidations."""

    def __init__(self) -> None:
        self.authentications = 0
        self.invalidations = 0
        self._token = None

    @property
    def valid(self) -> bool:
        return self._token is not None

    def authenticate(self, http: HTTPClient) -> None:
        self.authentications += 1
        self._token = f"token-{self.authentications}"

    def get_headers(self) -> Dict[str, str]:
        return {"X-Auth-Token": self._token} if self._token else {}

    def invalidate(self) -> bool:
        self.invalidations += 1
        self._token = None
        return True


# -- JSON ---------------------------------------------------------------------------

def test_request_json_decodes_the_echoed_request(server: ScriptedServer) -> None:
    http = HTTPClient(server.url)
    resp, body = http.request_json("GET", "/echo", params={"a": "1"},
                                   headers={"X-Req-Id": "r1"})
    assert resp.status_code == 200
    assert body["path"] == "/echo" and body["query"] == {"a": ["1"]} and body["id"] == "r1"
    assert resp.json() == body


def test_json_argument_is_encoded_compactly_with_a_json_content_type() -> None:
    http = HTTPClient("http://example.invalid")
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, "http://example.invalid/doc", json={"ok": True})
        resp, body = http.request_json("POST", "doc", json={"name": "é", "n": [1, 2]})
        sent = rsps.calls[0].request
    assert body == {"ok": True} and resp.status_code == 200
    assert json.loads(sent.body) == {"name": "é", "n": [1, 2]}
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.headers["Accept"] == "application/json"


def test_json_and_data_together_are_refused() -> None:
    with pytest.raises(InvalidArgument):
        HTTPClient("http://example.invalid").request("POST", "x", json={}, data=b"x")


def test_request_json_returns_none_for_an_empty_or_non_json_body() -> None:
    http = HTTPClient("http://example.invalid")
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, "http://example.invalid/empty", body=b"")
        rsps.add(responses.GET, "http://example.invalid/text", body=b"hello",
                 content_type="text/plain")
        assert http.request_json("GET", "empty")[1] is None
        assert http.request_json("GET", "text")[1] is None


def test_request_json_raises_client_error_for_invalid_json() -> None:
    http = HTTPClient("http://example.invalid")
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, "http://example.invalid/bad", body=b"{not json",
                 content_type="application/json")
        with pytest.raises(ClientError, match="not valid JSON"):
            http.request_json("GET", "bad")


def test_http_error_status_raises_the_typed_error_with_request_id() -> None:
    http = HTTPClient("http://example.invalid")
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, "http://example.invalid/gone", status=404,
                 json={"message": "no such thing"}, headers={"X-Trans-Id": "tx123"})
        with pytest.raises(NotFound) as info:
            http.get("gone")
    assert info.value.status == 404 and info.value.request_id == "tx123"
    assert info.value.server_message == "no such thing" and info.value.method == "GET"


# -- headers ------------------------------------------------------------------------------

@pytest.mark.parametrize("headers", [
    {"X-Evil": "a\r\nX-Injected: 1"}, {"X-Evil": "a\nb"}, {"X-Ev\r\nil": "a"},
    {"X-Nul": "a\0b"}, {"": "a"}, {"X Space": "a"},
])
def test_crlf_in_header_name_or_value_raises_invalid_argument_before_any_request(
        headers: Dict[str, str]) -> None:
    http = HTTPClient("http://example.invalid")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.GET, "http://example.invalid/x")
        with pytest.raises(InvalidArgument):
            http.get("x", headers=headers)
        assert len(rsps.calls) == 0


def test_crlf_in_extra_headers_is_refused_at_construction() -> None:
    with pytest.raises(InvalidArgument):
        HTTPClient("http://example.invalid", extra_headers={"X-A": "1\r\n2"})


def test_user_agent_extra_headers_and_forwarded_are_sent(server: ScriptedServer) -> None:
    http = HTTPClient(server.url, user_agent="ua/1", extra_headers={"X-Extra": "e"},
                      original_ip="192.0.2.7")
    http.get("/h")
    seen = server.requests_to("/h")[0].headers
    assert seen["User-Agent"] == "ua/1" and seen["X-Extra"] == "e"
    assert seen["Forwarded"].startswith("for=192.0.2.7")


def test_relative_path_without_any_endpoint_raises_invalid_argument() -> None:
    with pytest.raises(InvalidArgument):
        HTTPClient().get("/x")


# -- auth -----------------------------------------------------------------------------------

def test_401_reauthenticates_exactly_once_then_succeeds(server: ScriptedServer) -> None:
    auth = CountingAuth()
    http = HTTPClient(server.url, auth=auth)
    server.script("/a", Step(status=401), Step(status=200))
    resp = http.get("/a")
    seen = server.requests_to("/a")
    assert resp.status_code == 200
    assert auth.authentications == 2 and auth.invalidations == 1
    assert [s.headers["X-Auth-Token"] for s in seen] == ["token-1", "token-2"]


def test_a_second_401_raises_unauthorized_without_looping(server: ScriptedServer) -> None:
    auth = CountingAuth()
    http = HTTPClient(server.url, auth=auth)
    server.script("/a", Step(status=401))
    with pytest.raises(Unauthorized) as info:
        http.get("/a")
    assert info.value.status == 401
    assert auth.authentications == 2
    assert len(server.requests_to("/a")) == 2


def test_static_token_401_raises_unauthorized_after_one_request(
        server: ScriptedServer) -> None:
    http = HTTPClient(server.url, auth=TokenAuth("static-secret", header="Authorization"))
    server.script("/a", Step(status=401, body=b"token expired",
                             headers={"Content-Type": "text/plain"}))
    with pytest.raises(Unauthorized) as info:
        http.get("/a")
    assert info.value.server_message == "token expired"
    seen = server.requests_to("/a")
    assert len(seen) == 1 and seen[0].headers["Authorization"] == "Bearer static-secret"


def test_unauthenticated_call_sends_no_auth_headers(server: ScriptedServer) -> None:
    auth = CountingAuth()
    HTTPClient(server.url, auth=auth).get("/open", authenticated=False)
    assert "X-Auth-Token" not in server.requests_to("/open")[0].headers
    assert auth.authentications == 0


# -- timeouts and deadlines ------------------------------------------------------------------

def test_connect_timeout_raises_timeout() -> None:
    with unresponsive_port() as (port, _fillers):
        http = HTTPClient(f"http://127.0.0.1:{port}", retries=NO_RETRY)
        start = time.monotonic()
        with pytest.raises(Timeout) as info:
            http.get("/x", connection_timeout=0.2)
        assert time.monotonic() - start < 2
    assert not isinstance(info.value, DeadlineReached)
    assert "connect" in str(info.value)


def test_read_timeout_raises_timeout(server: ScriptedServer) -> None:
    server.script("/slow", Step(sleep=2.0))
    http = HTTPClient(server.url, retries=NO_RETRY)
    start = time.monotonic()
    with pytest.raises(Timeout) as info:
        http.get("/slow", read_timeout=0.2)
    assert time.monotonic() - start < 1.5
    assert "read timeout" in str(info.value)


def test_deadline_raises_deadline_reached_and_never_hangs_past_it(
        server: ScriptedServer) -> None:
    server.script("/slow", Step(sleep=2.5))
    http = HTTPClient(server.url)
    start = time.monotonic()
    with pytest.raises(DeadlineReached):
        http.get("/slow", deadline=start + 0.4)
    elapsed = time.monotonic() - start
    assert 0.35 < elapsed < 1.2  # the server would answer only after 2.5 s


def test_deadline_bounds_retries_of_failing_statuses(server: ScriptedServer) -> None:
    server.script("/busy", Step(status=503, headers={"Retry-After": "5"}))
    http = HTTPClient(server.url, retries=RetryPolicy(total=10))
    start = time.monotonic()
    with pytest.raises(ClientError):
        http.get("/busy", deadline=start + 1.0)
    assert time.monotonic() - start < 1.0
    assert len(server.requests_to("/busy")) == 1  # waiting 5 s would pass the deadline


def test_a_passed_deadline_raises_before_sending(server: ScriptedServer) -> None:
    with pytest.raises(DeadlineReached):
        HTTPClient(server.url).get("/x", deadline=time.monotonic() - 1)
    assert server.requests_to("/x") == []


# -- bodies --------------------------------------------------------------------------------------

def test_short_body_raises_connection_failed_not_a_short_read(server: ScriptedServer) -> None:
    server.script("/short", Step(body=b"abc", content_length=100))
    with pytest.raises(ConnectionFailed):
        HTTPClient(server.url, retries=NO_RETRY).get("/short")


def test_connection_reset_mid_body_raises_connection_failed(server: ScriptedServer) -> None:
    server.script("/reset", Step(body=b"x" * 5000, reset_after=100))
    with pytest.raises(ConnectionFailed):
        HTTPClient(server.url, retries=NO_RETRY).get("/reset")


def test_chunked_response_is_read_whole(server: ScriptedServer) -> None:
    server.script("/chunked", Step(chunks=[b"abc", b"def" * 1000, b"g"]))
    resp = HTTPClient(server.url).get("/chunked")
    assert resp.content == b"abc" + b"def" * 1000 + b"g"


def test_stream_true_returns_before_the_body_is_read(server: ScriptedServer) -> None:
    server.script("/big", Step(body=b"z" * 200000))
    resp = HTTPClient(server.url).get("/big", stream=True)
    assert not resp.consumed
    assert len(resp.raw.read()) == 200000
    resp.close()


# -- timings and perfdata -----------------------------------------------------------------

def test_timings_record_method_redacted_url_status_and_bytes(server: ScriptedServer) -> None:
    http = HTTPClient(server.url, timings=True)
    http.put("/t?temp_url_sig=sigsecret", data=b"12345")
    server.script("/missing", Step(status=404, body=b""))
    with pytest.raises(NotFound):
        http.get("/missing")
    put, get = http.get_timing_records()
    assert (put.method, put.status, put.bytes_sent) == ("PUT", 200, 5)
    assert put.bytes_received > 0 and put.elapsed >= 0 and put.start > 0
    assert "sigsecret" not in put.url and "temp_url_sig={SHA256}" in put.url
    assert (get.method, get.status) == ("GET", 404)
    http.reset_timings()
    assert http.get_timing_records() == []


def test_timings_are_not_recorded_unless_asked(server: ScriptedServer) -> None:
    http = HTTPClient(server.url)
    http.get("/x")
    assert http.get_timing_records() == []


def test_perfdata_is_filled_per_service(server: ScriptedServer) -> None:
    perfdata: Dict[str, Dict[str, float]] = {}
    http = HTTPClient(server.url)
    http.get("/x", perfdata=perfdata, service="account")
    http.get("/x", perfdata=perfdata, service="account")
    assert perfdata["account"]["requests"] == 2
    assert perfdata["account"]["overall"] > 0


# -- concurrency -----------------------------------------------------------------------------

def test_32_threads_of_200_requests_share_one_client_correctly(
        server: ScriptedServer) -> None:
    http = HTTPClient(server.url, pool_maxsize=32)
    errors: List[str] = []

    def worker(tid: int) -> None:
        for i in range(200):
            rid = f"{tid}-{i}"
            try:
                _resp, body = http.request_json("GET", f"/t/{tid}", headers={"X-Req-Id": rid})
                if body["id"] != rid or body["path"] != f"/t/{tid}":
                    errors.append(f"{rid} got {body}")
            except ClientError as exc:
                errors.append(f"{rid}: {exc}")

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(server.seen) == 32 * 200


def test_pool_maxsize_bounds_the_connections_kept_open(server: ScriptedServer) -> None:
    server.script("/slow", Step(sleep=0.5))
    http = HTTPClient(server.url, pool_maxsize=2)
    threads = [threading.Thread(target=http.get, args=("/slow",)) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({s.connection_id for s in server.seen}) > 2  # more were needed at once
    end = time.monotonic() + 3
    while server.open_connections > 2 and time.monotonic() < end:
        time.sleep(0.02)
    assert server.open_connections == 2


def test_child_after_fork_uses_a_new_connection(server: ScriptedServer) -> None:
    http = HTTPClient(server.url)
    http.get("/parent")
    parent_conn = server.requests_to("/parent")[0].connection_id
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        code = 1
        try:
            os.close(read_fd)
            _resp, body = http.request_json("GET", "/child", headers={"X-Req-Id": "kid"})
            os.write(write_fd, json.dumps(body).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as pipe:
        report = pipe.read()
    _pid, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    child_body = json.loads(report)
    assert child_body["id"] == "kid"
    assert child_body["connection"] != parent_conn
    # The parent's own pooled connection still works after the child used the client.
    http.get("/parent")
    assert [s.connection_id for s in server.requests_to("/parent")] == [parent_conn] * 2


def test_timings_record_the_absolute_url_without_the_query_parameters(
        server: ScriptedServer) -> None:
    http = HTTPClient(server.url, timings=True)
    http.post("/bulk", params={"bulk-delete": ""}, data=b"x")
    assert [r.url for r in http.get_timing_records()] == [server.url + "/bulk"]
