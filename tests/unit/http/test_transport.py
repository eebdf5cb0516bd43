"""The transport seam: one way out per client, the same wire whichever it is."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from typing import Any, List

import pytest
import requests
import requests.adapters

from objclient.auth import AuthPlugin, SigV4Auth
from objclient.exceptions import ConnectionFailed, InvalidArgument
from objclient.http import HTTPClient, RetryPolicy
from objclient.http.requests_transport import RequestsTransport
from objclient.http.transport import (Request, Response, Urllib3Transport, environment_proxies,
                                      split_url, with_query)
from tests.serverfixture import ScriptedServer, Step, unused_port

NO_RETRY = RetryPolicy.disabled()


class _Counting(Urllib3Transport):
    """The default transport, counting what it sends."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: List[str] = []

    def send(self, request: Request, timeout: Any) -> Response:
        self.sent.append(request.method)
        return super().send(request, timeout)


def test_every_body_goes_through_the_one_transport(server: ScriptedServer) -> None:
    transport = _Counting()
    http = HTTPClient(server.url, transport=transport)
    http.put("/a", data=b"bytes")
    http.get("/b")
    http.put("/c", data=io.BytesIO(b"file"))
    http.put("/d", data=iter([b"gen", b"erator"]))
    assert transport.sent == ["PUT", "GET", "PUT", "PUT"]
    lengths = [s.headers.get("Content-Length") for s in server.seen]
    assert lengths[:3] == ["5", None, "4"]
    assert server.seen[3].headers.get("Transfer-Encoding") == "chunked"
    assert [s.body for s in server.seen] == [b"bytes", b"", b"file", b"generator"]


def test_both_transports_send_the_same_request_line_and_headers(
        server: ScriptedServer) -> None:
    for http in (HTTPClient(server.url, extra_headers={"X-Extra": "1"}),
                 HTTPClient(server.url, extra_headers={"X-Extra": "1"},
                            session=requests.Session())):
        http.request("POST", "/p/a%20b", params={"q": "x y", "n": "1"}, data=b"12")
    ours, theirs = server.seen
    assert (ours.method, ours.path, ours.query) == (theirs.method, theirs.path, theirs.query)
    # requests' sessions add Accept and Connection headers HTTP/1.1 implies.
    skip = {"host", "accept", "connection"}
    assert ({k.lower(): v for k, v in ours.headers.items() if k.lower() not in skip}
            == {k.lower(): v for k, v in theirs.headers.items() if k.lower() not in skip})


def test_an_empty_put_sends_content_length_zero(server: ScriptedServer) -> None:
    HTTPClient(server.url).put("/empty", data=b"")
    HTTPClient(server.url).delete("/none")
    assert [s.headers.get("Content-Length") for s in server.seen] == ["0", "0"]


def test_a_signing_plugin_signs_what_is_sent(server: ScriptedServer) -> None:
    http = HTTPClient(server.url, auth=SigV4Auth("AKID", "secret", "us-east-1"))
    http.put("/bucket/key", data=b"payload")
    seen = server.seen[0].headers
    assert seen["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKID/")
    assert seen["X-Amz-Content-SHA256"] != "UNSIGNED-PAYLOAD"


def test_the_default_transport_is_urllib3_and_a_session_gets_requests() -> None:
    assert isinstance(HTTPClient("http://h").transport, Urllib3Transport)
    session = requests.Session()
    http = HTTPClient("http://h", session=session)
    assert isinstance(http.transport, RequestsTransport) and http.session is session


def test_the_environment_may_ask_for_the_requests_transport(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OBJCLIENT_TRANSPORT", "requests")
    assert isinstance(HTTPClient("http://h").transport, RequestsTransport)


def test_responses_catches_every_request_through_the_requests_transport() -> None:
    import responses  # here: at module level the conftest would pick requests for all

    with responses.RequestsMock() as mock:
        mock.add(responses.GET, "http://example.invalid/x", body=b"mocked")
        mock.add(responses.PUT, "http://example.invalid/y", body=b"")
        http = HTTPClient("http://example.invalid", session=requests.Session())
        assert http.get("/x").content == b"mocked"
        http.put("/y", data=io.BytesIO(b"file"))


def test_a_closed_client_never_reuses_the_dropped_pool(server: ScriptedServer) -> None:
    http = HTTPClient(server.url)
    http.get("/one")
    http.close()
    http.get("/two")
    first, second = server.seen
    assert first.connection_id != second.connection_id


def test_small_requests_reuse_one_connection(server: ScriptedServer) -> None:
    http = HTTPClient(server.url)
    http.put("/a", data=b"x")
    http.head("/a")
    http.get("/a")
    http.delete("/a")
    assert len({s.connection_id for s in server.seen}) == 1


def test_the_response_reads_like_a_requests_response(server: ScriptedServer) -> None:
    server.script("/r", Step(headers={"Content-Type": "text/plain; charset=utf-8"},
                             body="héllo".encode()))
    resp = HTTPClient(server.url).get("/r")
    assert resp.status_code == 200 and resp.ok and resp.reason == "OK"
    assert resp.headers["content-type"] == resp.headers.get("Content-Type")
    assert resp.text == "héllo"
    assert resp.url == server.url + "/r"
    assert resp.request is not None and resp.request.method == "GET"


def test_a_refused_connection_is_a_typed_error() -> None:
    for session in (None, requests.Session()):
        http = HTTPClient(f"http://127.0.0.1:{unused_port()}", retries=NO_RETRY,
                          session=session)
        with pytest.raises(ConnectionFailed, match="cannot connect"):
            http.get("/x")


class _PathChangingAuth(AuthPlugin):
    def sign(self, request: Any) -> None:
        request.url = request.url.replace("/before", "/after")


def test_a_plugin_may_change_the_url_it_signs(server: ScriptedServer) -> None:
    HTTPClient(server.url, auth=_PathChangingAuth()).get("/before")
    assert [s.path for s in server.seen] == ["/after"]


def test_a_user_session_keeps_its_adapters_cookies_and_hooks(server: ScriptedServer) -> None:
    session = requests.Session()
    session.cookies.set("c", "1")
    hooked: List[int] = []
    session.hooks["response"].append(lambda r, *a, **k: hooked.append(r.status_code))
    HTTPClient(server.url, session=session).get("/x")
    assert server.seen[0].headers.get("Cookie") == "c=1"
    assert hooked == [200]


def test_an_adapter_mounted_on_a_user_session_after_the_client_is_used(
        server: ScriptedServer) -> None:
    calls: List[str] = []

    class Adapter(requests.adapters.HTTPAdapter):
        def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
            calls.append(request.url)
            return super().send(request, *args, **kwargs)

    session = requests.Session()
    http = HTTPClient(server.url, session=session)
    session.mount(server.url + "/special", Adapter())
    http.get("/special/x")
    assert calls == [server.url + "/special/x"]


def test_a_user_session_proxies_are_honoured(server: ScriptedServer) -> None:
    session = requests.Session()
    session.proxies = {"http": server.url}
    HTTPClient("http://example.test", session=session).get("/through")
    assert server.seen[0].headers["Host"] == "example.test"


def test_the_environment_proxy_is_honoured_by_the_default_transport(
        server: ScriptedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("http_proxy", server.url)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    HTTPClient("http://example.test").get("/through")
    assert server.seen[0].headers["Host"] == "example.test"


def test_the_default_path_does_not_import_requests() -> None:
    script = ("import sys, objclient\n"
              "api = objclient.ObjectStorageApi('swift+http://127.0.0.1:9/auth/v1.0',"
              " user='a:b', key='k')\n"
              "print('requests' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, env={"PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("url, origin, target", [
    ("http://h:1/p?a=1", "http://h:1", "/p?a=1"),
    ("http://h", "http://h", "/"),
    ("https://h/a%20b", "https://h", "/a%20b"),
])
def test_split_url_cuts_plain_urls(url: str, origin: str, target: str) -> None:
    assert split_url(url) == (origin, target, None)


def test_split_url_encodes_what_http_cannot_carry_and_keeps_user_info() -> None:
    assert split_url("http://user:pw@h/x") == ("http://h", "/x", "user:pw")
    assert split_url("http://h/é") == ("http://h", "/%C3%A9", None)
    with pytest.raises(InvalidArgument):
        split_url("ftp://h/x")


def test_with_query_adds_params() -> None:
    assert with_query("http://h:1/p?a=1", {"b": "x y"}) == "http://h:1/p?a=1&b=x+y"
    assert with_query("http://h/p", None) == "http://h/p"


def test_no_proxy_exempts_a_host_from_the_environment_proxy(
        server: ScriptedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    HTTPClient(server.url).get("/direct")
    assert server.seen[0].path == "/direct"


def test_environment_proxies_are_read_only_when_a_proxy_variable_is_set(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.lower().endswith("_proxy")]:
        monkeypatch.delenv(name)
    assert environment_proxies() == {}
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.test:3128")
    assert environment_proxies() == {"https": "http://proxy.test:3128"}
