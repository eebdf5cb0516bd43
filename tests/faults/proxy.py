"""A TCP fault proxy on 127.0.0.1 for fault-injection tests.

It sits between a client and a real server and, for the next ``count``
connections, applies one fault:

* ``reset_request``: reset the connection after N bytes of the request;
* ``reset_response``: reset after N bytes of the response;
* ``stall``: read the request and never answer (for timeouts);
* ``status``: answer itself with an HTTP status (e.g. 503) and an optional
  ``Retry-After``, without contacting the server;
* ``truncate``: pass the response but close after N bytes of its body;
* ``flip``: pass the response with one byte of its body flipped at offset N;
* ``refuse``: stop listening for a while, so connections are refused.

Everything stays on loopback and every loop is bounded.
"""

from __future__ import annotations

import select
import socket
import struct
import threading
import time
from typing import List, Optional, Tuple

__all__ = ["FaultProxy"]

_IO_TIMEOUT = 30.0


def _rst_close(sock: socket.socket) -> None:
    """Close with a TCP reset instead of a FIN."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


class FaultProxy:
    """Forward ``127.0.0.1:<port>`` to ``target``, injecting faults on demand.

    :param target: ``(host, port)`` of the real server (loopback only).
    """

    def __init__(self, target: Tuple[str, int]) -> None:
        if target[0] not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the fault proxy only forwards to loopback")
        self.target = target
        self._lock = threading.Lock()
        self._fault: Optional[Tuple[str, dict]] = None
        self._count = 0
        self.connections = 0
        self.faults_applied = 0
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._listening.set()
        self._listener = self._listen(0)
        self.port = self._listener.getsockname()[1]
        self._threads: List[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)
        self._acceptor.start()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    def _listen(self, port: int) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen(64)
        sock.settimeout(0.2)
        return sock

    # -- control ------------------------------------------------------------------
    def inject(self, kind: str, count: int = 1, **params: object) -> None:
        """Apply fault ``kind`` to the next ``count`` connections."""
        if kind == "refuse":
            self._refuse(float(params.get("seconds", 1.0)))  # type: ignore[arg-type]
            return
        with self._lock:
            self._fault = (kind, dict(params))
            self._count = count

    def clear(self) -> None:
        """Back to plain forwarding."""
        with self._lock:
            self._fault = None
            self._count = 0

    def wait_listening(self, timeout: float = 5.0) -> bool:
        """Wait for the end of a ``refuse`` window; True when listening."""
        return self._listening.wait(timeout)

    def _refuse(self, seconds: float) -> None:
        with self._lock:
            self._listening.clear()
            self._listener.close()

        def reopen() -> None:
            time.sleep(seconds)
            if not self._stop.is_set():
                with self._lock:
                    self._listener = self._listen(self.port)
                    self._listening.set()
        threading.Thread(target=reopen, daemon=True).start()

    def _take(self) -> Optional[Tuple[str, dict]]:
        with self._lock:
            self.connections += 1
            if self._fault is None or self._count <= 0:
                return None
            self._count -= 1
            self.faults_applied += 1
            fault = self._fault
            if self._count == 0:
                self._fault = None
            return fault

    def close(self) -> None:
        """Stop accepting and close the listener."""
        self._stop.set()
        with self._lock:
            self._listener.close()
        self._acceptor.join(2)

    def __enter__(self) -> "FaultProxy":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- forwarding ----------------------------------------------------------------
    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                listener = self._listener
            try:
                client, _addr = listener.accept()
            except socket.timeout:
                continue
            except OSError:
                time.sleep(0.05)  # closed for a 'refuse' window
                continue
            thread = threading.Thread(target=self._serve, args=(client, self._take()),
                                      daemon=True)
            thread.start()

    def _serve(self, client: socket.socket, fault: Optional[Tuple[str, dict]]) -> None:
        kind, params = fault if fault else ("pass", {})
        client.settimeout(_IO_TIMEOUT)
        if kind == "status":
            self._answer_status(client, params)
            return
        if kind == "stall":
            self._stall(client, float(params.get("seconds", 10.0)))  # type: ignore[arg-type]
            return
        try:
            server = socket.create_connection(self.target, timeout=_IO_TIMEOUT)
        except OSError:
            _rst_close(client)
            return
        self._pump(client, server, kind, params)

    def _answer_status(self, client: socket.socket, params: dict) -> None:
        status = int(params.get("status", 503))
        _read_request_head(client)
        extra = ""
        if params.get("retry_after") is not None:
            extra = f"Retry-After: {params['retry_after']}\r\n"
        body = b"injected fault"
        head = (f"HTTP/1.1 {status} Injected\r\nContent-Length: {len(body)}\r\n"
                f"Content-Type: text/plain\r\nConnection: close\r\n{extra}\r\n")
        try:
            client.sendall(head.encode() + body)
        except OSError:
            pass
        client.close()

    def _stall(self, client: socket.socket, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self._stop.is_set():
            ready, _w, _x = select.select([client], [], [], 0.2)
            if ready:
                try:
                    if not client.recv(65536):
                        break
                except OSError:
                    break
        client.close()

    def _pump(self, client: socket.socket, server: socket.socket, kind: str,
              params: dict) -> None:
        limit = int(params.get("after", 0))  # type: ignore[arg-type]
        sent_up = 0
        sent_down = 0
        body_seen = 0
        header_done = False
        header_buf = b""
        socks = [client, server]
        deadline = time.monotonic() + 120
        try:
            while time.monotonic() < deadline and not self._stop.is_set():
                ready, _w, _x = select.select(socks, [], [], 0.5)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    if sock is client:
                        if kind == "reset_request" and sent_up + len(data) > limit:
                            server.sendall(data[:max(0, limit - sent_up)])
                            _rst_close(client)
                            _rst_close(server)
                            return
                        sent_up += len(data)
                        server.sendall(data)
                        continue
                    # response bytes
                    if kind == "reset_response" and sent_down + len(data) > limit:
                        client.sendall(data[:max(0, limit - sent_down)])
                        _rst_close(client)
                        _rst_close(server)
                        return
                    if kind in ("truncate", "flip"):
                        if not header_done:
                            header_buf += data
                            end = header_buf.find(b"\r\n\r\n")
                            if end < 0:
                                continue
                            header_done = True
                            head, data = header_buf[:end + 4], header_buf[end + 4:]
                            client.sendall(head)
                            sent_down += len(head)
                        if kind == "truncate" and body_seen + len(data) > limit:
                            client.sendall(data[:max(0, limit - body_seen)])
                            client.close()
                            server.close()
                            return
                        if kind == "flip" and body_seen <= limit < body_seen + len(data):
                            i = limit - body_seen
                            data = data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1:]
                        body_seen += len(data)
                    sent_down += len(data)
                    client.sendall(data)
        except OSError:
            return
        finally:
            for sock in (client, server):
                try:
                    sock.close()
                except OSError:
                    pass


def _read_request_head(sock: socket.socket) -> bytes:
    buf = b""
    deadline = time.monotonic() + 5
    while b"\r\n\r\n" not in buf and time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except OSError:
            break
        if not chunk:
            break
        buf += chunk
    return buf
