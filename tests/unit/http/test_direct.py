"""The direct path: when HTTPClient skips requests' layers, and that the wire is the same."""

from __future__ import annotations

import io
from typing import Any, List

import pytest
import requests
import responses

from objclient.auth import AuthPlugin, SigV4Auth
from objclient.exceptions import ConnectionFailed
from objclient.http import HTTPClient, RetryPolicy
from objclient.http import client as client_mod
from objclient.http.direct import DirectResponse, split_url
from tests.serverfixture import ScriptedServer, Step

NO_RETRY = RetryPolicy.disabled()


@pytest.fixture
def routes(monkeypatch: pytest.MonkeyPatch) -> List[str]:
    """Which way each request went: "direct" or "requests"."""
    taken: List[str] = []
    direct, full = HTTPClient._send_direct, requests.Session.send

    def via_direct(self: Any, *args: Any, **kwargs: Any) -> Any:
        taken.append("direct")
        return direct(self, *args, **kwargs)

    def via_requests(self: Any, *args: Any, **kwargs: Any) -> Any:
        taken.append("requests")
        return full(self, *args, **kwargs)

    monkeypatch.setattr(HTTPClient, "_send_direct", via_direct)
    # Patching Session.send also turns the direct path off (it steps aside
    # for test doubles): put the original back in the check's reference.
    monkeypatch.setattr(requests.Session, "send", via_requests)
    monkeypatch.setattr(client_mod, "_TRANSPORT", (client_mod._Adapter.send, via_requests,
                                                   requests.Session.get_adapter))
    return taken


def test_small_bodies_go_direct_and_files_and_generators_through_requests(
        server: ScriptedServer, routes: List[str]) -> None:
    http = HTTPClient(server.url)
    http.put("/a", data=b"bytes")
    http.get("/b")
    http.put("/c", data=io.BytesIO(b"file"))
    http.put("/d", data=iter([b"gen", b"erator"]))
    assert routes == ["direct", "direct", "requests", "requests"]
    lengths = [s.headers.get("Content-Length") for s in server.seen]
    assert lengths[:3] == ["5", None, "4"]
    assert [s.body for s in server.seen] == [b"bytes", b"", b"file", b"generator"]


def test_direct_and_requests_paths_send_the_same_request_line_and_headers(
        server: ScriptedServer, routes: List[str]) -> None:
    http = HTTPClient(server.url, extra_headers={"X-Extra": "1"})
    http.request("POST", "/p/a%20b", params={"q": "x y", "n": "1"}, data=b"12")
    http.request("POST", "/p/a%20b", params={"q": "x y", "n": "1"}, data=io.BytesIO(b"12"))
    assert routes == ["direct", "requests"]
    direct, full = server.seen
    assert (direct.method, direct.path, direct.query) == (full.method, full.path, full.query)
    skip = {"host"}
    assert ({k.lower(): v for k, v in direct.headers.items() if k.lower() not in skip}
            == {k.lower(): v for k, v in full.headers.items() if k.lower() not in skip})


def test_an_empty_put_sends_content_length_zero(server: ScriptedServer,
                                                routes: List[str]) -> None:
    HTTPClient(server.url).put("/empty", data=b"")
    assert routes == ["direct"]
    assert server.seen[0].headers.get("Content-Length") == "0"


def test_a_signing_plugin_signs_what_the_direct_path_sends(server: ScriptedServer,
                                                             routes: List[str]) -> None:
    http = HTTPClient(server.url, auth=SigV4Auth("AKID", "secret", "us-east-1"))
    http.put("/bucket/key", data=b"payload")
    assert routes == ["direct"]
    seen = server.seen[0].headers
    assert seen["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKID/")
    assert seen["X-Amz-Content-SHA256"] != "UNSIGNED-PAYLOAD"


def test_debug_logging_an_injected_session_or_a_mounted_adapter_use_requests(
        server: ScriptedServer, routes: List[str]) -> None:
    HTTPClient(server.url, debug=True).get("/debug")
    HTTPClient(server.url, session=requests.Session()).get("/injected")
    mounted = HTTPClient(server.url)
    mounted.session.mount(server.url + "/special", requests.adapters.HTTPAdapter())
    mounted.get("/mounted")
    assert routes == ["requests"] * 3


def test_responses_mocks_still_catch_every_request() -> None:
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, "http://example.invalid/x", body=b"mocked")
        assert HTTPClient("http://example.invalid").get("/x").content == b"mocked"


def test_a_closed_session_never_reuses_the_dropped_pool(server: ScriptedServer) -> None:
    http = HTTPClient(server.url)
    http.get("/one")
    http.close()
    http.get("/two")
    first, second = server.seen
    assert first.connection_id != second.connection_id


@pytest.mark.filterwarnings("ignore:`get_connection` has been deprecated:DeprecationWarning")
def test_a_requests_before_2_32_reaches_the_same_pool_and_reuses_it(
        server: ScriptedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    # requests 2.31 (what OpenIO's client pins) has no pool-key method.
    monkeypatch.delattr(requests.adapters.HTTPAdapter, "build_connection_pool_key_attributes",
                        raising=False)
    http = HTTPClient(server.url)
    assert http.get("/one").status_code == 200
    assert http.get("/two").status_code == 200
    first, second = server.seen
    assert first.connection_id == second.connection_id


def test_the_direct_response_reads_like_a_requests_response(server: ScriptedServer) -> None:
    server.script("/r", Step(headers={"Content-Type": "text/plain; charset=utf-8",
                                      "Set-Cookie": "a=b"}, body="héllo".encode()))
    resp = HTTPClient(server.url).get("/r")
    assert isinstance(resp, DirectResponse) and isinstance(resp, requests.Response)
    assert resp.status_code == 200 and resp.ok and resp.reason == "OK"
    assert resp.headers["content-type"] == resp.headers.get("Content-Type")
    assert resp.text == "héllo" and resp.encoding == "utf-8"
    assert resp.cookies.get("a") == "b"
    assert resp.url == server.url + "/r"


def test_a_refused_connection_is_a_typed_error_on_the_direct_path() -> None:
    from tests.serverfixture import unused_port
    http = HTTPClient(f"http://127.0.0.1:{unused_port()}", retries=NO_RETRY)
    with pytest.raises(ConnectionFailed, match="cannot connect"):
        http.get("/x")


class _PathChangingAuth(AuthPlugin):
    def sign(self, request: Any) -> None:
        request.url = request.url.replace("/before", "/after")


def test_a_plugin_may_change_the_url_it_signs(server: ScriptedServer) -> None:
    HTTPClient(server.url, auth=_PathChangingAuth()).get("/before")
    assert [s.path for s in server.seen] == ["/after"]


@pytest.mark.parametrize("url", ["ftp://h/x", "http://user:pw@h/x", "http://h/x#frag",
                                 "http://hé/x"])
def test_urls_the_direct_path_leaves_to_requests(url: str) -> None:
    assert split_url(url, None) is None


def test_split_url_adds_params_to_the_query() -> None:
    assert split_url("http://h:1/p?a=1", {"b": "x y"}) == (
        "http://h:1", "http://h:1/p?a=1&b=x+y", "/p?a=1&b=x+y")
    assert split_url("http://h", None) == ("http://h", "http://h/", "/")
