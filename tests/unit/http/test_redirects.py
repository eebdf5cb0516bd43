"""Redirects are followed by objclient, and secrets never follow them to
another server."""

import http.server
import threading

import pytest

from objclient.auth import TokenAuth
from objclient.http import HTTPClient


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: list = []
    target: str = ""

    def do_GET(self):  # noqa: N802 - http.server's naming
        type(self).seen.append((self.server.server_address[1], self.path, dict(self.headers)))
        if self.path.startswith("/jump") and type(self).target:
            self.send_response(302)
            self.send_header("Location", type(self).target + "/landed")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self):  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture
def two_servers():
    handler = type("H", (_Recorder,), {"seen": [], "target": ""})
    servers = [http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) for _ in range(2)]
    for srv in servers:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield handler, servers
    for srv in servers:
        srv.shutdown()
        srv.server_close()


def test_secret_headers_do_not_follow_a_redirect_to_another_server(two_servers):
    handler, (first, second) = two_servers
    handler.target = f"http://127.0.0.1:{second.server_address[1]}"
    http = HTTPClient(f"http://127.0.0.1:{first.server_address[1]}",
                      auth=TokenAuth("sekrit-token", header="X-Auth-Token"))
    resp = http.get("/jump", headers={"X-Amz-Security-Token": "sekrit-2"})
    assert resp.status_code == 200 and resp.content == b"ok"
    port, path, headers = handler.seen[-1]
    assert port == second.server_address[1] and path == "/landed"
    lowered = {k.lower(): v for k, v in headers.items()}
    assert "x-auth-token" not in lowered and "x-amz-security-token" not in lowered


def test_same_server_redirect_keeps_credentials(two_servers):
    handler, (first, _second) = two_servers
    handler.target = f"http://127.0.0.1:{first.server_address[1]}"
    http = HTTPClient(f"http://127.0.0.1:{first.server_address[1]}",
                      auth=TokenAuth("sekrit-token", header="X-Auth-Token"))
    assert http.get("/jump").status_code == 200
    _port, path, headers = handler.seen[-1]
    assert path == "/landed" and headers.get("X-Auth-Token") == "sekrit-token"


def test_redirects_are_not_followed_for_put(two_servers):
    handler, (first, second) = two_servers
    handler.target = f"http://127.0.0.1:{second.server_address[1]}"
    http = HTTPClient(f"http://127.0.0.1:{first.server_address[1]}")
    resp = http.put("/jump", data=b"x")
    assert resp.status_code == 302
    assert [port for port, _p, _h in handler.seen] == [first.server_address[1]]


# -- the pure parts ----------------------------------------------------------------------
def test_redirect_target_resolves_relative_locations_and_303_becomes_get() -> None:
    from objclient.http.redirects import redirect_target
    assert redirect_target(301, "/b", "http://h/a", "GET") == ("http://h/b", "GET")
    assert redirect_target(303, "http://o/c", "http://h/a", "POST") == ("http://o/c", "GET")
    assert redirect_target(303, "/c", "http://h/a", "HEAD") == ("http://h/c", "HEAD")
    assert redirect_target(200, "/b", "http://h/a", "GET") is None
    assert redirect_target(302, None, "http://h/a", "GET") is None


def test_secrets_go_and_origins_compare_scheme_host_and_port() -> None:
    from objclient.http.redirects import same_origin, without_secrets
    kept = without_secrets({"X-Auth-Token": "t", "X-Custom-Secret": "s", "Accept": "a"},
                           frozenset({"x-custom-secret"}))
    assert kept == {"Accept": "a"}
    assert same_origin("http://H:1/a", "http://h:1/b")
    assert not same_origin("http://h:1/a", "https://h:1/a")
