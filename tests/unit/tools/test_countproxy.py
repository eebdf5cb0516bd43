"""The counting proxy of tools/bench_sync: its request framing, and a real
forward through it."""

from __future__ import annotations

import http.client
import http.server
import threading
from typing import Iterator

import pytest

from tools.countproxy import CountingProxy, ProtocolError, RequestCounter


def _fed(data: bytes, piece: int = 0) -> RequestCounter:
    counter = RequestCounter()
    if piece:
        for i in range(0, len(data), piece):
            counter.feed(data[i:i + piece])
    else:
        counter.feed(data)
    return counter


PIPELINE = (b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
            b"PUT /b HTTP/1.1\r\nContent-Length: 30\r\n\r\n"
            b"GET /fake HTTP/1.1\r\n\r\nxxxxxxxx"  # a body that looks like a request
            b"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"5;ext=1\r\nHEAD \r\n11\r\nDELETE / HTTP/1.1\r\n0\r\nX-Trailer: 1\r\n\r\n"
            b"DELETE /d HTTP/1.1\r\nContent-Length: 0\r\n\r\n")


def test_counts_each_request_once_and_never_a_body_that_looks_like_one() -> None:
    counter = _fed(PIPELINE)
    assert counter.methods == {"GET": 1, "PUT": 1, "POST": 1, "DELETE": 1}
    assert counter.requests == 4


@pytest.mark.parametrize("piece", [1, 2, 3, 7, 64])
def test_counts_the_same_whatever_the_pieces_the_bytes_arrive_in(piece: int) -> None:
    assert _fed(PIPELINE, piece).methods == _fed(PIPELINE).methods


def test_a_request_is_counted_once_its_head_is_complete() -> None:
    counter = RequestCounter()
    counter.feed(b"PUT /big HTTP/1.1\r\nContent-Length: 1000000\r\n\r\n" + b"x" * 10)
    assert counter.requests == 1
    counter.feed(b"y" * 999_990 + b"GET / HTTP/1.1\r\n")
    assert counter.requests == 1
    counter.feed(b"\r\n")
    assert counter.requests == 2


def test_a_head_split_before_its_blank_line_counts_once() -> None:
    counter = RequestCounter()
    counter.feed(b"HEAD /o HTTP/1.1\r\nHost: x\r\n")
    counter.feed(b"\r\n")
    assert counter.methods == {"HEAD": 1}


def test_bytes_that_are_not_http_raise_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="request line"):
        RequestCounter().feed(b"\x16\x03\x01 tls hello\r\n\r\n")


def test_a_bad_content_length_raises_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="Content-Length"):
        RequestCounter().feed(b"PUT / HTTP/1.1\r\nContent-Length: many\r\n\r\n")


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        self._reply()

    def do_PUT(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        self._reply()

    def _reply(self) -> None:
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[http.server.ThreadingHTTPServer]:
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def test_the_proxy_forwards_replies_and_counts_requests_per_method(server) -> None:
    with CountingProxy("127.0.0.1", server.server_address[1]) as proxy:
        conn = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=10)
        for _ in range(3):
            conn.request("PUT", "/o", body=b"GET / HTTP/1.1\r\n\r\n" * 1000)
            assert conn.getresponse().read() == b"ok"
        conn.request("GET", "/o")
        assert conn.getresponse().read() == b"ok"
        conn.close()
        seen = proxy.snapshot(reset=True)
        assert (seen["requests"], seen["methods"], seen["errors"]) == (4, {"GET": 1, "PUT": 3}, 0)
        assert proxy.snapshot()["requests"] == 0
