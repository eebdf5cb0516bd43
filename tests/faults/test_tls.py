"""Transport security: TLS verification is on by default, and credentials
do not follow a redirect to another host.

In-process servers on loopback (stdlib ``http.server`` + ``ssl``), with a
self-signed certificate made by the ``openssl`` CLI.
"""

from __future__ import annotations

import http.server
import shutil
import ssl
import subprocess
import threading
from typing import Dict, List, Optional

import pytest

import objclient
from objclient.auth import TokenAuth
from objclient.exceptions import ConnectionFailed
from objclient.http import HTTPClient

SECRET = "tok-0123456789-secret"


class _Handler(http.server.BaseHTTPRequestHandler):
    """Answers GET/HEAD with 200 "ok", or a redirect when the server has one."""

    protocol_version = "HTTP/1.1"

    def _answer(self, body: bool) -> None:
        self.server.seen.append(dict(self.headers.items()))  # type: ignore[attr-defined]
        location = self.server.redirect_to  # type: ignore[attr-defined]
        if location:
            self.send_response(302)
            self.send_header("Location", location + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        payload = b"ok"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if body:
            self.wfile.write(payload)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._answer(True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(False)

    def log_message(self, *args: object) -> None:
        pass


class _Server:
    def __init__(self, host: str, tls: Optional[ssl.SSLContext] = None,
                 redirect_to: Optional[str] = None) -> None:
        self.httpd = http.server.ThreadingHTTPServer((host, 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.seen: List[Dict[str, str]] = []  # type: ignore[misc]
        self.httpd.redirect_to = redirect_to  # type: ignore[attr-defined]
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://{host}:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()

    @property
    def seen(self) -> List[Dict[str, str]]:
        return self.httpd.seen  # type: ignore[attr-defined]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    openssl = shutil.which("openssl")
    assert openssl, "the openssl CLI is needed (apt-get install openssl)"
    d = tmp_path_factory.mktemp("tls")
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem"),
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-addext", "basicConstraints=critical,CA:TRUE"],
                   check=True, capture_output=True, timeout=60)
    return d / "cert.pem", d / "key.pem"


@pytest.fixture
def https_server(cert):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert[0]), str(cert[1]))
    server = _Server("127.0.0.1", tls=ctx)
    yield server
    server.close()


def _client(**kw) -> HTTPClient:
    return HTTPClient(retries=objclient.RetryPolicy(total=1, backoff_factor=0.01),
                      timeout=(2.0, 2.0), **kw)


def test_self_signed_https_server_is_refused_by_default(https_server):
    with _client() as http, pytest.raises(ConnectionFailed, match="TLS"):
        http.request("GET", https_server.url + "/x")
    assert https_server.seen == []


def test_api_with_a_token_refuses_a_self_signed_server_by_default(https_server):
    api = objclient.ObjectStorageApi("swift+" + https_server.url + "/v1/AUTH_t", token=SECRET,
                                     retries=objclient.RetryPolicy.disabled(),
                                     timeout=(2.0, 2.0))
    with pytest.raises(ConnectionFailed, match="TLS") as info:
        api.container_show(None, "c")
    assert SECRET not in str(info.value) and SECRET not in repr(api)
    api.close()
    assert https_server.seen == []


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_self_signed_https_server_is_accepted_with_verify_false(https_server):
    with _client(verify=False) as http:
        assert http.request("GET", https_server.url + "/x").content == b"ok"


def test_self_signed_https_server_is_accepted_with_its_ca_given(https_server, cert):
    with _client(verify=str(cert[0])) as http:
        assert http.request("GET", https_server.url + "/x").content == b"ok"


@pytest.fixture
def redirect_pair():
    """A server on 127.0.0.1 that redirects everything to one on 127.0.0.2."""
    other = _Server("127.0.0.2")
    origin = _Server("127.0.0.1", redirect_to=other.url)
    yield origin, other
    origin.close()
    other.close()


def _follow(origin: _Server, auth: TokenAuth) -> None:
    with _client(auth=auth) as http:
        assert http.request("GET", origin.url + "/v1/AUTH_t/c/o").content == b"ok"


def test_authorization_header_is_not_sent_to_another_host_after_a_redirect(redirect_pair):
    origin, other = redirect_pair
    _follow(origin, TokenAuth(SECRET, header="Authorization", endpoint=origin.url))
    assert "Bearer " + SECRET in origin.seen[0].get("Authorization", "")
    assert len(other.seen) == 1
    assert "Authorization" not in other.seen[0]


def test_x_auth_token_is_not_sent_to_another_host_after_a_redirect(redirect_pair):
    origin, other = redirect_pair
    _follow(origin, TokenAuth(SECRET, header="X-Auth-Token", endpoint=origin.url))
    assert origin.seen[0].get("X-Auth-Token") == SECRET
    assert len(other.seen) == 1
    assert SECRET not in repr(other.seen[0])
