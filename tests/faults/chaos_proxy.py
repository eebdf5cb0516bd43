"""An HTTP-aware fault proxy on 127.0.0.1 that injects faults at random.

:class:`~tests.faults.proxy.FaultProxy` faults whole connections on demand;
under load a pooled connection carries many requests, so the chaos round
needs faults per *request*.  :class:`ChaosProxy` reads each HTTP/1.1
message's framing (``Content-Length`` or chunked) on a kept-alive
connection and, with probability ``rate``, applies one fault of
:data:`FAULT_KINDS` to that request:

* ``reset_request``: forward part of the request, then reset both sides;
* ``reset_response``: forward part of the response, then reset;
* ``status_500`` / ``status_503``: answer 500 or 503 itself (the server never
  sees the request);
* ``retry_after``: answer 503 with ``Retry-After: 1``;
* ``stall``: swallow the request and never answer (the client times out);
* ``truncate``: forward the response head and part of its body, then close;
* ``flip``: forward the response with one body byte inverted.

Every socket operation has a timeout and every loop a bound.
"""

from __future__ import annotations

import random
import select
import socket
import struct
import threading
import time
from typing import Callable, Dict, Optional, Tuple

__all__ = ["ChaosProxy", "FAULT_KINDS", "FAULT_WEIGHTS"]

#: The faults and how often each is picked, relative to the others.
FAULT_WEIGHTS: Dict[str, float] = {
    "reset_request": 2.0, "reset_response": 2.0, "status_500": 1.0, "status_503": 1.0,
    "retry_after": 1.0, "stall": 0.5, "truncate": 1.5, "flip": 1.5,
}
FAULT_KINDS = tuple(FAULT_WEIGHTS)

_IO_TIMEOUT = 30.0
_MAX_HEAD = 64 * 1024
_MAX_REQUESTS_PER_CONNECTION = 100_000
_NO_BODY = -1  # a response that has no body (HEAD, 1xx, 204, 304)
_UNTIL_CLOSE = -2  # a response framed by the end of the connection


class _Peer:
    """A socket with a read buffer: heads by line, bodies by length."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = b""

    def fill(self) -> bool:
        chunk = self.sock.recv(65536)
        self.buf += chunk
        return bool(chunk)

    def read_head(self) -> Optional[bytes]:
        """The bytes up to and including the blank line; None at a clean EOF."""
        while b"\r\n\r\n" not in self.buf:
            if len(self.buf) > _MAX_HEAD:
                raise OSError("message head too large")
            if not self.fill():
                if self.buf:
                    raise OSError("connection closed inside a message head")
                return None
        end = self.buf.index(b"\r\n\r\n") + 4
        head, self.buf = self.buf[:end], self.buf[end:]
        return head

    def take(self, limit: int) -> bytes:
        """Up to ``limit`` buffered-or-received bytes (empty at EOF)."""
        if not self.buf and not self.fill():
            return b""
        out, self.buf = self.buf[:limit], self.buf[limit:]
        return out

    def line(self) -> bytes:
        """One CRLF-terminated line (for chunk sizes)."""
        while b"\r\n" not in self.buf:
            if len(self.buf) > _MAX_HEAD or not self.fill():
                raise OSError("bad chunked framing")
        end = self.buf.index(b"\r\n") + 2
        out, self.buf = self.buf[:end], self.buf[end:]
        return out


def _headers(head: bytes) -> Tuple[str, Dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    fields: Dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            fields[name.strip().lower()] = value.strip()
    return lines[0], fields


def _body_length(fields: Dict[str, str]) -> Optional[int]:
    """The body length, or None when the body is chunked."""
    if "chunked" in fields.get("transfer-encoding", "").lower():
        return None
    return int(fields.get("content-length") or 0)


def _body_pieces(peer: _Peer, length: Optional[int]):  # type: ignore[no-untyped-def]
    """Yield the raw bytes of one body, framing included for chunked ones."""
    if length is None:
        for _ in range(10_000_000):
            size_line = peer.line()
            yield size_line
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                for _ in range(1000):  # trailers, then the blank line
                    trailer = peer.line()
                    yield trailer
                    if trailer == b"\r\n":
                        return
                raise OSError("too many trailers")
            left = size + 2
            while left:
                piece = peer.take(left)
                if not piece:
                    raise OSError("closed inside a chunk")
                left -= len(piece)
                yield piece
        return
    left = length
    while left > 0 or length == _UNTIL_CLOSE:
        piece = peer.take(left if left > 0 else 65536)
        if not piece:
            if length == _UNTIL_CLOSE:
                return
            raise OSError("closed inside a body")
        left -= len(piece)
        yield piece


def _closed_by_peer(peer: _Peer) -> bool:
    """Whether an idle upstream connection was closed by the server."""
    ready, _w, _x = select.select([peer.sock], [], [], 0)
    if not ready:
        return False
    try:
        return not peer.sock.recv(65536, socket.MSG_PEEK)
    except OSError:
        return True


def _rst_close(sock: socket.socket) -> None:
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


class ChaosProxy:
    """Forward ``127.0.0.1:<port>`` to ``target``, faulting a share of requests.

    :param target: ``(host, port)`` of the real server (loopback only).
    :param rate: the probability that a request gets a fault.
    :param seed: seeds the choice of faults.
    :param stall: seconds a stalled request is held (longer than the
        client's read timeout).
    :param weights: the faults to pick from and their weights (default
        :data:`FAULT_WEIGHTS`).
    :param match: only requests for which ``match(method, target)`` is true
        may get a fault (``target`` is the path with its query).
    """

    def __init__(self, target: Tuple[str, int], rate: float = 0.05, seed: int = 0,
                 stall: float = 6.0, weights: Optional[Dict[str, float]] = None,
                 match: Optional[Callable[[str, str], bool]] = None) -> None:
        if target[0] not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the chaos proxy only forwards to loopback")
        self.target = target
        self.rate = rate
        self.stall = stall
        self.weights = dict(weights or FAULT_WEIGHTS)
        self.match = match
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.requests = 0
        self.faults: Dict[str, int] = {kind: 0 for kind in self.weights}
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(256)
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)
        self._acceptor.start()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def faults_applied(self) -> int:
        """How many requests got a fault so far."""
        with self._lock:
            return sum(self.faults.values())

    def set_rate(self, rate: float) -> None:
        """Fault this share of the requests from now on (0 stops faulting)."""
        with self._lock:
            self.rate = rate

    def close(self) -> None:
        """Stop accepting; open connections end within their timeouts."""
        self._stop.set()
        self._acceptor.join(2)
        self._listener.close()

    def __enter__(self) -> "ChaosProxy":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _pick(self, method: str, target: str) -> Tuple[str, float]:
        """``(fault or "pass", a random fraction)`` for the next request."""
        with self._lock:
            self.requests += 1
            fraction = self._rng.random()
            if self._rng.random() >= self.rate or (
                    self.match is not None and not self.match(method, target)):
                return "pass", fraction
            kind = self._rng.choices(list(self.weights), weights=list(self.weights.values()))[0]
            self.faults[kind] += 1
            return kind, fraction

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                client, _addr = self._listener.accept()
            except (socket.timeout, OSError):
                continue
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client_sock: socket.socket) -> None:
        client_sock.settimeout(_IO_TIMEOUT)
        client = _Peer(client_sock)
        server: Optional[_Peer] = None
        try:
            for _ in range(_MAX_REQUESTS_PER_CONNECTION):
                if self._stop.is_set():
                    break
                head = client.read_head()
                if head is None:
                    break
                if server is None or _closed_by_peer(server):
                    if server is not None:
                        server.sock.close()
                    sock = socket.create_connection(self.target, timeout=_IO_TIMEOUT)
                    server = _Peer(sock)
                if not self._exchange(client, server, head):
                    break
        except (OSError, ValueError):
            pass
        finally:
            for peer in (client, server):
                if peer is not None:
                    try:
                        peer.sock.close()
                    except OSError:
                        pass

    def _exchange(self, client: _Peer, server: _Peer, head: bytes) -> bool:
        """One request and its response; False when the connection must end."""
        request_line, fields = _headers(head)
        method, _, rest = request_line.partition(" ")
        method = method.upper()
        kind, fraction = self._pick(method, rest.rpartition(" ")[0])
        body = _body_pieces(client, _body_length(fields))
        if kind in ("status_500", "status_503", "retry_after", "stall"):
            for _piece in body:  # read the request out, as a server would
                pass
            if kind == "stall":
                self._hold(client.sock)
            else:
                self._answer(client.sock, kind)
            return False
        if kind == "reset_request":
            self._forward_part(head, body, server.sock, fraction)
            _rst_close(client.sock)
            _rst_close(server.sock)
            return False
        server.sock.sendall(head)
        for piece in body:
            server.sock.sendall(piece)
        return self._relay_response(client, server, method, kind, fraction)

    def _relay_response(self, client: _Peer, server: _Peer, method: str, kind: str,
                        fraction: float) -> bool:
        resp_head = server.read_head()
        if resp_head is None:
            raise OSError("the server closed without answering")
        status_line, fields = _headers(resp_head)
        status = int(status_line.split(" ")[1])
        if method == "HEAD" or status < 200 or status in (204, 304):
            length: Optional[int] = _NO_BODY
        elif "chunked" in fields.get("transfer-encoding", "").lower():
            length = None
        elif "content-length" in fields:
            length = int(fields["content-length"])
        else:
            length = _UNTIL_CLOSE
        pieces = _body_pieces(server, length) if length != _NO_BODY else iter(())
        if kind == "reset_response":
            self._forward_part(resp_head, pieces, client.sock, fraction)
            _rst_close(client.sock)
            _rst_close(server.sock)
            return False
        client.sock.sendall(resp_head)
        size = length if length is not None and length >= 0 else 0
        cut = int(size * fraction)
        sent = 0
        for piece in pieces:
            if kind == "truncate" and size and sent + len(piece) > cut:
                client.sock.sendall(piece[:cut - sent])
                client.sock.close()
                server.sock.close()
                return False
            if kind == "flip" and size and sent <= cut < sent + len(piece):
                i = cut - sent
                piece = piece[:i] + bytes([piece[i] ^ 0xFF]) + piece[i + 1:]
            sent += len(piece)
            client.sock.sendall(piece)
        closing = fields.get("connection", "").lower() == "close" or length == _UNTIL_CLOSE
        return not closing

    @staticmethod
    def _forward_part(head: bytes, body, sock: socket.socket,  # type: ignore[no-untyped-def]
                      fraction: float) -> None:
        """Send a ``fraction`` of the message: part of its head, or (when
        ``fraction >= 0.3`` and there is a body) the head and part of the
        body's first piece; never the whole message."""
        first = next(body, b"")
        if fraction < 0.3 or not first:
            sock.sendall(head[:int(len(head) * fraction)])
            return
        sock.sendall(head)
        sock.sendall(first[:int(len(first) * (fraction - 0.3) / 0.7)])

    def _answer(self, sock: socket.socket, kind: str) -> None:
        status, extra = {"status_500": (500, ""), "status_503": (503, ""),
                         "retry_after": (503, "Retry-After: 1\r\n")}[kind]
        body = b"injected fault"
        head = (f"HTTP/1.1 {status} Injected\r\nContent-Length: {len(body)}\r\n"
                f"Content-Type: text/plain\r\nConnection: close\r\n{extra}\r\n")
        try:
            sock.sendall(head.encode() + body)
        except OSError:
            pass

    def _hold(self, sock: socket.socket) -> None:
        """Keep a request unanswered for ``stall`` seconds or until the client leaves."""
        deadline = time.monotonic() + self.stall
        while time.monotonic() < deadline and not self._stop.is_set():
            ready, _w, _x = select.select([sock], [], [], 0.2)
            if ready:
                try:
                    if not sock.recv(65536):
                        return
                except OSError:
                    return

