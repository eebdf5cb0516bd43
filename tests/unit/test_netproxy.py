"""The delaying TCP proxy of the network benchmark (tools/netproxy.py), on an
in-process echo server: the delay it adds, the bytes it carries, what it counts."""

from __future__ import annotations

import hashlib
import os
import socket
import threading
import time
from typing import Iterator, Tuple

import pytest

from tools.netproxy import DelayProxy, spawn

DELAY = 0.05


@pytest.fixture
def echo() -> Iterator[Tuple[str, int]]:
    """A loopback server that sends back every byte it receives."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve(conn: socket.socket) -> None:
        with conn:
            while True:
                data = conn.recv(1 << 16)
                if not data:
                    return
                conn.sendall(data)

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _addr = listener.accept()
            except OSError:
                continue
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()
    stop.set()
    thread.join(2)
    listener.close()


def _round_trip(sock: socket.socket, payload: bytes) -> float:
    t0 = time.monotonic()
    sock.sendall(payload)
    got = b""
    while len(got) < len(payload):
        got += sock.recv(1 << 16)
    assert got == payload
    return time.monotonic() - t0


def test_each_round_trip_takes_two_one_way_delays(echo):
    with DelayProxy(echo, DELAY) as proxy, \
            socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as sock:
        _round_trip(sock, b"first")
        rtt = _round_trip(sock, b"ping")
    assert 2 * DELAY <= rtt < 2 * DELAY + 0.1


def test_a_new_connection_pays_one_more_round_trip_before_its_first_bytes(echo):
    with DelayProxy(echo, DELAY) as proxy, \
            socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as sock:
        first = _round_trip(sock, b"hello")
    assert 4 * DELAY <= first < 4 * DELAY + 0.1


def test_bytes_arrive_intact_and_in_order(echo):
    payload = os.urandom(8 << 20)
    with DelayProxy(echo, 0.005) as proxy, \
            socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
        got = []

        def read() -> None:
            size = 0
            while size < len(payload):
                chunk = sock.recv(1 << 20)
                assert chunk
                got.append(chunk)
                size += len(chunk)

        reader = threading.Thread(target=read)
        reader.start()
        sock.sendall(payload)
        reader.join(20)
    assert hashlib.sha256(b"".join(got)).digest() == hashlib.sha256(payload).digest()


def test_a_large_transfer_is_not_paced_by_the_delay(echo):
    """32 MiB in 256 KiB chunks: sleeping the delay per chunk would take
    128 x 50 ms each way, over 12 s; the timestamped queues overlap them."""
    payload = os.urandom(32 << 20)
    with DelayProxy(echo, DELAY) as proxy, \
            socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
        reader_done = threading.Event()

        def read() -> None:
            size = 0
            while size < len(payload):
                size += len(sock.recv(1 << 20))
            reader_done.set()

        t0 = time.monotonic()
        threading.Thread(target=read, daemon=True).start()
        sock.sendall(payload)
        assert reader_done.wait(20)
        took = time.monotonic() - t0
    assert took < 6.0


def test_it_counts_the_connections_it_accepts(echo):
    with DelayProxy(echo, 0.001) as proxy:
        for _ in range(3):
            with socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as sock:
                _round_trip(sock, b"x")
        assert proxy.connections == 3


def test_a_proxy_in_a_child_process_reports_its_port_and_count(echo):
    proxy = spawn(echo[1], 0.001)
    try:
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as sock:
            _round_trip(sock, b"child")
        assert proxy.connections == 1
    finally:
        proxy.close()
    assert proxy.process.returncode is not None


def test_it_refuses_to_forward_off_loopback():
    with pytest.raises(ValueError):
        DelayProxy(("192.0.2.1", 80), DELAY)
