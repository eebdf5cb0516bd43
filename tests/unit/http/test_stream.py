"""BodyStream over real responses: whole bodies, short bodies, checksums, deadlines."""

from __future__ import annotations

import hashlib
import time
from typing import List

import pytest

from objclient.exceptions import (ChecksumMismatch, ConnectionFailed, DeadlineReached,
                                  Timeout)
from objclient.http import BodyStream, HTTPClient, RetryPolicy
from tests.serverfixture import ScriptedServer, Step

PAYLOAD = bytes(range(256)) * 1000


def _stream(server: ScriptedServer, path: str, **kwargs: object) -> BodyStream:
    http = HTTPClient(server.url, retries=RetryPolicy.disabled())
    return BodyStream(http.get(path, stream=True), chunk_size=4096, **kwargs)  # type: ignore


def test_iteration_yields_the_whole_body_and_checks_md5_and_size(
        server: ScriptedServer) -> None:
    server.script("/o", Step(body=PAYLOAD))
    stream = _stream(server, "/o", expected_md5=hashlib.md5(PAYLOAD).hexdigest().upper(),
                     expected_size=len(PAYLOAD))
    assert stream.status == 200 and stream.headers["Content-Length"] == str(len(PAYLOAD))
    assert b"".join(stream) == PAYLOAD
    assert stream.bytes_read == len(PAYLOAD) and stream.closed


def test_read_with_sizes_returns_consecutive_pieces(server: ScriptedServer) -> None:
    server.script("/o", Step(body=PAYLOAD))
    stream = _stream(server, "/o")
    first = stream.read(10)
    second = stream.read(5000)
    rest = stream.read()
    assert first + second + rest == PAYLOAD
    assert len(first) == 10 and len(second) == 5000
    assert stream.read(10) == b""


def test_chunked_response_streams_whole(server: ScriptedServer) -> None:
    pieces = [b"a" * 10, b"b" * 70000, b"c"]
    server.script("/c", Step(chunks=pieces))
    stream = _stream(server, "/c", expected_md5=hashlib.md5(b"".join(pieces)).hexdigest())
    assert stream.read() == b"".join(pieces)


def test_md5_mismatch_raises_checksum_mismatch(server: ScriptedServer) -> None:
    server.script("/o", Step(body=PAYLOAD))
    stream = _stream(server, "/o", expected_md5="0" * 32)
    with pytest.raises(ChecksumMismatch) as info:
        stream.read()
    assert info.value.expected == "0" * 32
    assert info.value.actual == hashlib.md5(PAYLOAD).hexdigest()
    assert stream.closed


def test_a_reported_checksum_is_checked_and_a_mismatch_names_the_request(
        server: ScriptedServer) -> None:
    from objclient.integrity import checksum_b64
    server.script("/o", Step(body=PAYLOAD))
    good = _stream(server, "/o", checksum=("crc32", checksum_b64("crc32", PAYLOAD)))
    assert good.read() == PAYLOAD and good.closed
    server.script("/o?X-Amz-Signature=secret", Step(body=PAYLOAD))
    bad = _stream(server, "/o?X-Amz-Signature=secret",
                  checksum=("crc32", checksum_b64("crc32", b"other")))
    with pytest.raises(ChecksumMismatch, match="crc32") as info:
        bad.read()
    assert info.value.method == "GET" and "/o" in info.value.url
    assert "secret" not in str(info.value) and "secret" not in info.value.url
    assert bad.closed


def test_short_body_raises_connection_failed(server: ScriptedServer) -> None:
    server.script("/short", Step(body=b"x" * 1000, content_length=5000))
    stream = _stream(server, "/short")
    with pytest.raises(ConnectionFailed):
        stream.read()


def test_a_short_body_read_in_one_go_raises_connection_failed(server: ScriptedServer) -> None:
    # announced within one chunk: read without urllib3's chunk buffer
    server.script("/short", Step(body=b"x" * 1000, content_length=3000))
    with pytest.raises(ConnectionFailed):
        b"".join(_stream(server, "/short", expected_size=3000))


def test_a_body_within_one_chunk_comes_whole_and_checked(server: ScriptedServer) -> None:
    body = PAYLOAD[:4000]
    server.script("/small", Step(body=body))
    stream = _stream(server, "/small", expected_size=4000,
                     expected_md5=hashlib.md5(body).hexdigest())
    assert list(stream) == [body] and stream.closed
    server.script("/small", Step(body=body))
    with pytest.raises(ChecksumMismatch):
        b"".join(_stream(server, "/small", expected_size=4000, expected_md5="0" * 32))


def test_body_shorter_than_expected_size_raises_connection_failed(
        server: ScriptedServer) -> None:
    server.script("/o", Step(body=b"x" * 1000))
    with pytest.raises(ConnectionFailed, match="1000 bytes, 2000 were announced"):
        b"".join(_stream(server, "/o", expected_size=2000))


def test_connection_reset_mid_body_raises_connection_failed(server: ScriptedServer) -> None:
    server.script("/reset", Step(body=PAYLOAD, reset_after=3000))
    stream = _stream(server, "/reset")
    with pytest.raises(ConnectionFailed):
        for _chunk in stream:
            pass
    assert stream.closed


def test_read_timeout_mid_body_raises_timeout(server: ScriptedServer) -> None:
    server.script("/stall", Step(body=PAYLOAD, stall_after=1000, stall=1.5))
    http = HTTPClient(server.url, retries=RetryPolicy.disabled())
    stream = BodyStream(http.get("/stall", stream=True, read_timeout=0.3), chunk_size=1000)
    start = time.monotonic()
    with pytest.raises(Timeout) as info:
        stream.read()
    assert time.monotonic() - start < 1.2
    assert "after 1000 bytes" in str(info.value) and stream.closed


def test_passed_deadline_stops_reading_with_deadline_reached(server: ScriptedServer) -> None:
    server.script("/o", Step(body=PAYLOAD))
    stream = _stream(server, "/o", deadline=time.monotonic() - 0.01)
    with pytest.raises(DeadlineReached):
        stream.read()
    assert stream.closed


def test_on_close_is_called_once_and_close_is_idempotent(server: ScriptedServer) -> None:
    server.script("/o", Step(body=PAYLOAD))
    calls: List[int] = []
    with _stream(server, "/o", on_close=lambda: calls.append(1)) as stream:
        stream.read(100)
    stream.close()
    assert calls == [1] and stream.closed and stream.readable()
