"""A scripted HTTP/1.1 server on 127.0.0.1 for the wire-layer tests.

The subject of those tests is the client's own behaviour on the wire
(retries, timeouts, broken connections, re-authentication, fork and thread
safety), so they run against a real socket instead of a mock.

Without a script, every request is answered ``200`` with a JSON echo of what
arrived (method, path, query, the ``X-Req-Id`` header, body length and MD5).
A script for a path is a list of :class:`Step` consumed in order; the last
step repeats.  Every request is recorded with the client port and an id of
the connection it came on.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import json
import socket
import struct
import sys
import threading
import time
from typing import Any, Dict, Iterator, List, Optional, Tuple
from urllib.parse import parse_qs, urlsplit

import attrs
from requests.structures import CaseInsensitiveDict

__all__ = ["Step", "Seen", "ScriptedServer", "running_server", "unused_port",
           "unresponsive_port"]


@attrs.define
class Step:
    """One scripted answer.

    :param status: the status to send.
    :param headers: extra response headers.
    :param body: the body (``None``: the JSON echo of the request).
    :param sleep: seconds to wait before answering (timeouts).
    :param content_length: announce this length instead of ``len(body)``
        and close after sending ``body`` (a short body).
    :param reset_after: send headers and this many body bytes, then reset
        the connection (RST).
    :param chunks: send these pieces with ``Transfer-Encoding: chunked``.
    :param stall_after: send this many body bytes, then wait ``stall``
        seconds before the rest (a read timeout in the middle of a body).
    """

    status: int = 200
    headers: Dict[str, str] = attrs.field(factory=dict)
    body: Optional[bytes] = None
    sleep: float = 0.0
    content_length: Optional[int] = None
    reset_after: Optional[int] = None
    chunks: Optional[List[bytes]] = None
    stall_after: Optional[int] = None
    stall: float = 0.0


@attrs.define
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    query: Dict[str, List[str]]
    headers: Dict[str, str]
    body: bytes
    client_port: int
    connection_id: int


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go in separate writes
    server: "ScriptedServer"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        pass

    def setup(self) -> None:
        super().setup()
        self.conn_id = self.server.connection_opened()

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.connection_closed()

    def handle_one_request(self) -> None:
        # A lean parser: http.server's email-based one costs more CPU than
        # the client under test when 32 threads hammer the server.
        line = self.rfile.readline(65537)
        if not line:
            self.close_connection = True
            return
        self.requestline = line.decode("latin-1").rstrip("\r\n")
        try:
            self.command, self.path, self.request_version = self.requestline.split()
        except ValueError:
            self.close_connection = True
            return
        headers = CaseInsensitiveDict()
        while True:
            raw = self.rfile.readline(65537)
            if raw in (b"\r\n", b"\n", b""):
                break
            name, _, value = raw.decode("latin-1").partition(":")
            headers[name.strip()] = value.strip()
        self.headers = headers  # type: ignore[assignment]
        self.close_connection = headers.get("Connection", "").lower() == "close"
        self._handle()
        self.wfile.flush()

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        body = self._read_body()
        split = urlsplit(self.path)
        seen = Seen(method=self.command, path=split.path, query=parse_qs(split.query),
                    headers={k: v for k, v in self.headers.items()}, body=body,
                    client_port=self.client_address[1], connection_id=self.conn_id)
        step = self.server.record_and_next(seen)
        if step.sleep:
            time.sleep(step.sleep)
        payload = step.body
        if payload is None:
            payload = json.dumps({
                "method": seen.method, "path": seen.path, "query": seen.query,
                "id": seen.headers.get("X-Req-Id"), "length": len(body),
                "md5": hashlib.md5(body).hexdigest(),
                "connection": seen.connection_id}).encode()
            step.headers.setdefault("Content-Type", "application/json")
        self.send_response(step.status)
        for name, value in step.headers.items():
            self.send_header(name, value)
        if step.chunks is not None:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for piece in step.chunks:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
            return
        announced = step.content_length if step.content_length is not None else len(payload)
        self.send_header("Content-Length", str(announced))
        self.end_headers()
        if self.command == "HEAD":
            return
        if step.reset_after is not None:
            self.wfile.write(payload[:step.reset_after])
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        if step.stall_after is not None:
            self.wfile.write(payload[:step.stall_after])
            self.wfile.flush()
            time.sleep(step.stall)
            payload = payload[step.stall_after:]
        self.wfile.write(payload)
        if step.content_length is not None and step.content_length != len(payload):
            self.close_connection = True

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = do_PATCH = do_COPY = _handle


class ScriptedServer(http.server.ThreadingHTTPServer):
    """The server; see the module docstring."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.scripts: Dict[str, List[Step]] = {}
        self.seen: List[Seen] = []
        self.open_connections = 0
        self._next_conn = 0
        self.handler: Optional[Any] = None

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up (timeouts, resets) are part of the tests: stay quiet."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.server_address[1]}"

    def script(self, path: str, *steps: Step) -> None:
        """Answer requests for ``path`` with ``steps`` in order (last repeats)."""
        with self.lock:
            self.scripts[path] = list(steps)

    def requests_to(self, path: str) -> List[Seen]:
        """The recorded requests for ``path``."""
        with self.lock:
            return [s for s in self.seen if s.path == path]

    def connection_opened(self) -> int:
        with self.lock:
            self._next_conn += 1
            self.open_connections += 1
            return self._next_conn

    def connection_closed(self) -> None:
        with self.lock:
            self.open_connections -= 1

    def record_and_next(self, seen: Seen) -> Step:
        with self.lock:
            self.seen.append(seen)
            if self.handler is not None:
                step = self.handler(seen)
                if step is not None:
                    return step
            steps = self.scripts.get(seen.path)
            if not steps:
                return Step()
            step = steps.pop(0) if len(steps) > 1 else steps[0]
            return attrs.evolve(step, headers=dict(step.headers))


@contextlib.contextmanager
def running_server() -> Iterator[ScriptedServer]:
    """A started :class:`ScriptedServer`, shut down on exit."""
    server = ScriptedServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def unused_port() -> int:
    """A port on 127.0.0.1 nobody listens on (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def unresponsive_port() -> Iterator[Tuple[int, List[socket.socket]]]:
    """A port whose accept queue is full, so a new connect hangs (connect timeout)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(3):
        sock = socket.socket()
        sock.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            sock.connect(("127.0.0.1", port))
        fillers.append(sock)
    time.sleep(0.05)
    try:
        yield port, fillers
    finally:
        for sock in fillers:
            sock.close()
        listener.close()
