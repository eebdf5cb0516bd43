"""The transfer engine: planning, back-pressure, retries, cancellation, order."""

import io
import threading
import time

import pytest

from objclient.exceptions import ChecksumMismatch, DeadlineReached, Forbidden, InvalidArgument
from objclient.transfer import Part, TransferEngine, plan_parts, read_parts


def test_plan_parts_covers_every_byte_once():
    parts = plan_parts(10, 4)
    assert parts == [Part(0, 0, 4), Part(1, 4, 4), Part(2, 8, 2)]
    assert plan_parts(0, 4) == [Part(0, 0, 0)]
    assert plan_parts(8, 4)[-1] == Part(1, 4, 4)


def test_plan_parts_grows_the_part_size_past_the_part_limit():
    parts = plan_parts(100, 1, max_parts=10)
    assert len(parts) <= 10 and sum(p.size for p in parts) == 100


def test_plan_parts_refuses_nonsense():
    with pytest.raises(InvalidArgument):
        plan_parts(10, 0)


def test_read_parts_from_a_stream_of_unknown_size():
    parts = list(read_parts(io.BytesIO(b"abcdefghij"), 4))
    assert [(p.index, p.offset, d) for p, d in parts] == \
        [(0, 0, b"abcd"), (1, 4, b"efgh"), (2, 8, b"ij")]
    assert [d for _p, d in read_parts(io.BytesIO(b""), 4)] == [b""]


def _parts(n, size=10):
    for i in range(n):
        yield Part(i, i * size, size), bytes([i % 256]) * size


def test_upload_keeps_at_most_max_in_flight_parts():
    live = []
    peak = []
    lock = threading.Lock()

    def gen():
        for part, data in _parts(30):
            with lock:
                live.append(part.index)
                peak.append(len(live))
            yield part, data

    def send(part, data):
        time.sleep(0.005)
        with lock:
            live.remove(part.index)
        return part.index

    engine = TransferEngine(workers=3, max_in_flight=4)
    assert engine.upload(gen(), send) == list(range(30))
    assert max(peak) <= 4


def test_upload_retries_a_part_that_failed_its_checksum():
    calls = {}

    def send(part, data):
        calls[part.index] = calls.get(part.index, 0) + 1
        if part.index == 2 and calls[2] == 1:
            raise ChecksumMismatch("bad part")
        return part.index

    assert TransferEngine(workers=2).upload(_parts(4), send) == [0, 1, 2, 3]
    assert calls[2] == 2


def test_fatal_error_cancels_and_cleans_up_finished_parts():
    cleaned = []

    def send(part, data):
        if part.index == 5:
            raise Forbidden("no")
        time.sleep(0.001)
        return part.index

    progress = []
    with pytest.raises(Forbidden):
        TransferEngine(workers=2).upload(_parts(50), send, cleanup=cleaned.extend,
                                         progress=lambda d, t: progress.append(d))
    assert cleaned and 5 not in cleaned
    assert len(cleaned) < 50


def test_deadline_stops_the_transfer():
    def send(part, data):
        time.sleep(0.05)
        return part.index

    engine = TransferEngine(workers=1, deadline=time.monotonic() + 0.12)
    start = time.monotonic()
    with pytest.raises(DeadlineReached):
        engine.upload(_parts(100), send)
    assert time.monotonic() - start < 1.0


def test_download_yields_parts_in_order_while_fetching_in_parallel():
    parts = plan_parts(100, 10)

    def fetch(part, _):
        time.sleep(0.02 if part.index % 2 == 0 else 0.001)
        return bytes([part.index]) * part.size

    done = []
    out = list(TransferEngine(workers=4).download(parts, fetch,
                                                  progress=lambda d, t: done.append(d)))
    assert out == [bytes([i]) * 10 for i in range(10)]
    assert done[-1] == 100


def test_download_refuses_a_short_part():
    parts = plan_parts(20, 10)
    with pytest.raises(Exception, match="expected 10"):
        list(TransferEngine(workers=2).download(parts, lambda p, _: b"short"))
