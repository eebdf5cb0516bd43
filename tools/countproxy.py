"""A counting TCP proxy: forwards bytes to one server and counts the HTTP
requests that pass.

``tools/bench_sync`` puts one in front of each server so that every tool
(objclient, rclone, the AWS CLI) is measured by the same counter, whatever
its own logging says.  The proxy does not rewrite anything: it reads the
client-to-server byte stream with :class:`RequestCounter`, which finds each
request line and skips the body by its framing (``Content-Length`` or
chunked), so bytes of a body are never mistaken for a request.

Usage from Python::

    with CountingProxy("127.0.0.1", 8333) as proxy:
        ...  # point the client at proxy.port
        proxy.snapshot()   # {"requests": N, "methods": {"PUT": n, ...}}
"""

from __future__ import annotations

import socket
import threading
from collections import Counter
from typing import Dict, List, Optional

__all__ = ["RequestCounter", "CountingProxy", "ProtocolError"]

_MAX_HEAD = 64 * 1024
_BUFFER = 256 * 1024


class ProtocolError(ValueError):
    """The client's bytes are not HTTP/1.x requests the counter can frame."""


class RequestCounter:
    """Count the HTTP/1.x requests of one connection's client-to-server bytes.

    Feed it the bytes as they arrive (:meth:`feed`, in pieces of any size);
    :attr:`methods` holds the count per method.  A body is skipped by its
    ``Content-Length`` or its chunked framing; a request without either has
    no body (RFC 9112 section 6.3).
    """

    def __init__(self) -> None:
        self.methods: Counter = Counter()
        self._head = b""
        self._state = "head"  # head, body, chunk-size, chunk-data, chunk-crlf, trailer
        self._remaining = 0
        self._line = b""

    @property
    def requests(self) -> int:
        """Requests seen so far (counted once their head is complete)."""
        return sum(self.methods.values())

    def feed(self, data: bytes) -> None:
        """Account for the next bytes the client sent.

        :raises ProtocolError: a head is too long or its framing is unreadable.
        """
        view = memoryview(data)
        while len(view):
            view = self._step(view)

    def _step(self, view: memoryview) -> memoryview:
        if self._state not in ("body", "chunk-data", "chunk-crlf"):
            return self._lines(view)
        take = min(self._remaining, len(view))
        self._remaining -= take
        if not self._remaining:
            if self._state == "chunk-data":  # the CRLF after a chunk's data
                self._state, self._remaining = "chunk-crlf", 2
            else:
                self._state = "head" if self._state == "body" else "chunk-size"
        return view[take:]

    def _lines(self, view: memoryview) -> memoryview:
        """The states that read lines: a head, a chunk size, a trailer."""
        buf = bytes(view)
        if self._state == "head":
            self._head += buf
            end = self._head.find(b"\r\n\r\n")
            if end < 0:
                if len(self._head.lstrip(b"\r\n")) > _MAX_HEAD:
                    raise ProtocolError("request head longer than 64 KiB")
                return view[len(view):]
            rest = self._head[end + 4:]
            self._start(self._head[:end])
            self._head = b""
            return memoryview(rest)
        self._line += buf
        nl = self._line.find(b"\r\n")
        if nl < 0:
            if len(self._line) > _MAX_HEAD:
                raise ProtocolError("chunk line longer than 64 KiB")
            return view[len(view):]
        line, rest = self._line[:nl], self._line[nl + 2:]
        self._line = b""
        if self._state == "chunk-size":
            self._chunk(line)
        elif not line:  # the empty line that ends the trailer
            self._state = "head"
        return memoryview(rest)

    def _start(self, head: bytes) -> None:
        """One request's head (without the final blank line): count, then frame."""
        lines = head.lstrip(b"\r\n").split(b"\r\n")
        parts = lines[0].split(b" ")
        if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
            raise ProtocolError(f"not an HTTP/1.x request line: {lines[0][:80]!r}")
        self.methods[parts[0].decode("ascii", "replace")] += 1
        headers: Dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
        if "chunked" in headers.get("transfer-encoding", "").lower():
            self._state = "chunk-size"
        elif headers.get("content-length"):
            try:
                self._remaining = int(headers["content-length"])
            except ValueError:
                raise ProtocolError("Content-Length is not a number") from None
            self._state = "body" if self._remaining else "head"
        else:
            self._state = "head"

    def _chunk(self, line: bytes) -> None:
        try:
            size = int(line.split(b";")[0].strip(), 16)
        except ValueError:
            raise ProtocolError(f"bad chunk size line: {line[:40]!r}") from None
        if size:
            self._state, self._remaining = "chunk-data", size
        else:
            self._state = "trailer"


class CountingProxy:
    """A threaded TCP proxy on 127.0.0.1 that counts HTTP requests.

    :param host: the server's host.
    :param port: the server's port.
    :param listen_port: the proxy's port (default: any free one).
    """

    def __init__(self, host: str, port: int, listen_port: int = 0) -> None:
        self.target = (host, port)
        self._sock = socket.create_server(("127.0.0.1", listen_port), backlog=128)
        self.port: int = self._sock.getsockname()[1]
        self._lock = threading.Lock()
        self._counters: List[RequestCounter] = []
        self._errors = 0
        self._connections = 0
        self._closed = False
        self._thread: Optional[threading.Thread] = None

    def __enter__(self) -> "CountingProxy":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Accept connections in a background thread."""
        self._thread = threading.Thread(target=self._accept, name="countproxy", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop accepting (open connections end with their peers)."""
        self._closed = True
        try:
            self._sock.close()
        except OSError:
            pass

    def snapshot(self, reset: bool = False) -> Dict[str, object]:
        """Requests counted so far: total, per method, connections and
        framing errors; ``reset=True`` starts counting from zero again."""
        with self._lock:
            methods: Counter = Counter()
            for counter in self._counters:
                methods.update(counter.methods)
            out = {"requests": sum(methods.values()), "methods": dict(sorted(methods.items())),
                   "connections": self._connections, "errors": self._errors}
            if reset:
                for counter in self._counters:
                    counter.methods.clear()
                self._counters = [c for c in self._counters if not getattr(c, "done", False)]
                self._connections = 0
                self._errors = 0
        return out

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            server = socket.create_connection(self.target)
        except OSError:
            client.close()
            return
        for sock in (client, server):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        counter = RequestCounter()
        with self._lock:
            self._counters.append(counter)
            self._connections += 1
        back = threading.Thread(target=self._pipe, args=(server, client, None), daemon=True)
        back.start()
        self._pipe(client, server, counter)
        back.join()
        counter.done = True  # type: ignore[attr-defined]
        client.close()
        server.close()

    def _pipe(self, src: socket.socket, dst: socket.socket,
              counter: Optional[RequestCounter]) -> None:
        """Copy ``src`` to ``dst`` until EOF, counting when given a counter."""
        try:
            while True:
                data = src.recv(_BUFFER)
                if not data:
                    break
                if counter is not None:
                    with self._lock:
                        try:
                            counter.feed(data)
                        except ProtocolError:
                            self._errors += 1
                            counter = None
                dst.sendall(data)
        except OSError:
            pass
        finally:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass
