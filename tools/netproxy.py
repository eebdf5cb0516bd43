"""A delaying TCP proxy on 127.0.0.1: a network with latency, in user space.

The kernel here has no netem, so ``tools/bench --network`` puts this proxy
between the clients and the TLS front (:mod:`tools.tls_front`).  Each
direction of a connection is a timestamped queue: a reader thread stamps every
chunk it receives with ``now + delay`` and a writer thread sends it once that
time has come.  Reading never waits for the delay, so a large transfer keeps
the pipe full and runs at the bandwidth the machine has, not at one chunk per
round trip; every byte still arrives ``delay`` seconds after it left.

The TCP handshake's round trip is modelled too: the proxy accepts at once (on
loopback), so the first bytes a client sends are held until three one-way
delays after the accept, when they would have reached a server that far away
(SYN, SYN-ACK, then the data).  A reused connection skips that, as on a real
network.

The proxy counts the TCP connections it accepts (:attr:`DelayProxy.connections`).
:func:`spawn` runs one in a child process of its own, so that its threads do
not share the benchmark's GIL.

Usage: ``python -m tools.netproxy TARGET_PORT [--delay-ms 10] [--port N]``.
"""

from __future__ import annotations

import argparse
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from typing import List, Optional, Tuple

__all__ = ["DelayProxy", "ProxyProcess", "spawn"]

#: bytes per read; also the unit the delay applies to
CHUNK = 256 * 1024
#: chunks in flight per direction (bounds the memory a fast sender can fill)
QUEUE_CHUNKS = 256
_IO_TIMEOUT = 300.0


class DelayProxy:
    """Forward ``127.0.0.1:<port>`` to ``target``, delaying each direction.

    :param target: ``(host, port)`` to forward to (loopback only).
    :param delay_s: one-way delay in seconds, applied in each direction.
    :param port: the port to listen on (0: any free one; see :attr:`port`).
    """

    def __init__(self, target: Tuple[str, int], delay_s: float, port: int = 0) -> None:
        if target[0] not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the delay proxy only forwards to loopback")
        self.target = target
        self.delay_s = delay_s
        self._count = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", port))
        self._listener.listen(128)
        self._listener.settimeout(0.2)
        self.port: int = self._listener.getsockname()[1]
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)
        self._acceptor.start()

    @property
    def connections(self) -> int:
        """TCP connections accepted so far."""
        with self._lock:
            return self._count

    def close(self) -> None:
        """Stop accepting (open connections end with their peers)."""
        self._stop.set()
        self._acceptor.join(2)
        self._listener.close()

    def __enter__(self) -> "DelayProxy":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                client, _addr = self._listener.accept()
            except (socket.timeout, OSError):
                continue
            accepted = time.monotonic()
            self._counted()
            threading.Thread(target=self._serve, args=(client, accepted), daemon=True).start()

    def _counted(self) -> None:
        with self._lock:
            self._count += 1

    def _serve(self, client: socket.socket, accepted: float) -> None:
        try:
            server = socket.create_connection(self.target, timeout=_IO_TIMEOUT)
        except OSError:
            client.close()
            return
        for sock in (client, server):
            sock.settimeout(_IO_TIMEOUT)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # the client's first bytes would reach a server that far away after
        # SYN, SYN-ACK and their own trip: three one-way delays
        up = _Direction(client, server, self.delay_s, not_before=accepted + 3 * self.delay_s)
        down = _Direction(server, client, self.delay_s)
        threads = up.start() + down.start()
        for thread in threads:
            thread.join()
        for sock in (client, server):
            sock.close()


class _Direction:
    """One direction of a connection: a reader stamps chunks, a writer sends
    each when its time has come."""

    def __init__(self, src: socket.socket, dst: socket.socket, delay_s: float,
                 not_before: float = 0.0) -> None:
        self.src, self.dst = src, dst
        self.delay_s = delay_s
        self.not_before = not_before
        self.chunks: "queue.Queue[Tuple[float, bytes]]" = queue.Queue(QUEUE_CHUNKS)
        self.broken = threading.Event()

    def start(self) -> List[threading.Thread]:
        threads = [threading.Thread(target=self._read, daemon=True),
                   threading.Thread(target=self._write, daemon=True)]
        for thread in threads:
            thread.start()
        return threads

    def _read(self) -> None:
        """Stamp each chunk with its arrival time; an empty chunk marks the end."""
        while True:
            try:
                data = self.src.recv(CHUNK)
            except OSError:
                data = b""
            due = max(time.monotonic() + self.delay_s, self.not_before)
            self._put((due, data))
            if not data or self.broken.is_set():
                return

    def _put(self, item: Tuple[float, bytes]) -> None:
        while not self.broken.is_set():
            try:
                self.chunks.put(item, timeout=0.5)
                return
            except queue.Full:
                continue

    def _write(self) -> None:
        """Send each chunk at its time; at the end, pass the half-close on."""
        while True:
            due, data = self.chunks.get()
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            if not data:
                _shutdown_write(self.dst)
                return
            try:
                self.dst.sendall(data)
            except OSError:
                self.broken.set()
                _shutdown_read(self.src)
                return


def _shutdown_write(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def _shutdown_read(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RD)
    except OSError:
        pass


# -- in a child process ---------------------------------------------------------------
class ProxyProcess:
    """A :class:`DelayProxy` running in a child process (see :func:`spawn`).

    The child answers each ``count`` line on its stdin with its connection
    count, and stops when its stdin closes.
    """

    def __init__(self, process: "subprocess.Popen[str]") -> None:
        self.process = process
        assert process.stdout is not None and process.stdin is not None
        self._stdin, self._stdout = process.stdin, process.stdout
        line = self._stdout.readline()
        if not line.startswith("port "):
            self.close()
            raise RuntimeError("the delay proxy did not start")
        self.port = int(line.split()[1])

    @property
    def connections(self) -> int:
        """TCP connections the proxy accepted so far."""
        self._stdin.write("count\n")
        self._stdin.flush()
        return int(self._stdout.readline())

    def close(self) -> None:
        """Stop the child process."""
        try:
            self._stdin.close()
            self.process.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait(5)


def spawn(target_port: int, delay_s: float) -> ProxyProcess:
    """Start a :class:`DelayProxy` to ``127.0.0.1:<target_port>`` in a child process.

    :returns: the running proxy: its :attr:`~ProxyProcess.port`, its connection
        count and :meth:`~ProxyProcess.close`.
    """
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    process = subprocess.Popen(
        [sys.executable, "-m", "tools.netproxy", str(target_port),
         "--delay-ms", str(delay_s * 1000), "--control"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=root)
    return ProxyProcess(process)


def _control(proxy: DelayProxy) -> None:
    """Answer ``count`` lines on stdin until it closes."""
    print(f"port {proxy.port}", flush=True)
    for line in sys.stdin:
        if line.strip() == "count":
            print(proxy.connections, flush=True)
    proxy.close()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("target_port", type=int)
    parser.add_argument("--delay-ms", type=float, default=10.0)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--control", action="store_true",
                        help="print the port, answer 'count' lines on stdin, stop at EOF")
    args = parser.parse_args(argv)
    proxy = DelayProxy(("127.0.0.1", args.target_port), args.delay_ms / 1000, args.port)
    if args.control:
        _control(proxy)
        return 0
    print(f"127.0.0.1:{proxy.port} -> 127.0.0.1:{args.target_port}, "
          f"{args.delay_ms:g} ms each way", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        proxy.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
