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


def test_read_parts_puts_the_bytes_already_read_first():
    parts = list(read_parts(io.BytesIO(b"efghij"), 4, head=b"abcd"))
    assert [d for _p, d in parts] == [b"abcd", b"efgh", b"ij"]
    assert [p.offset for p, _d in parts] == [0, 4, 8]


def test_read_parts_refuses_more_parts_than_allowed():
    with pytest.raises(InvalidArgument, match="more than 2 parts"):
        list(read_parts(io.BytesIO(b"x" * 9), 4, max_parts=2))


class _Reader:
    """A file-like source of ``size`` bytes that counts what was read."""

    def __init__(self, size, fail_at=None):
        self.data = bytes(i % 251 for i in range(size))
        self.pos = 0
        self.fail_at = fail_at

    def read(self, n):
        if self.fail_at is not None and self.pos >= self.fail_at:
            raise OSError("source broke")
        out = self.data[self.pos:self.pos + n]
        self.pos += len(out)
        return out


def _consume(body):
    data = b"".join(body)
    return body.index, body.offset, body.size, body.md5_hex(), data


def test_upload_stream_sends_consecutive_parts_with_their_md5():
    import hashlib
    reader = _Reader(10_000)
    out = TransferEngine(workers=3).upload_stream(reader, 3000, _consume, block_size=512)
    assert [(i, off, size) for i, off, size, _m, _d in out] == \
        [(0, 0, 3000), (1, 3000, 3000), (2, 6000, 3000), (3, 9000, 1000)]
    assert b"".join(d for *_r, d in out) == reader.data
    assert all(m == hashlib.md5(d).hexdigest() for *_r, m, d in out)


def test_upload_stream_of_nothing_sends_one_empty_part():
    out = TransferEngine(workers=2).upload_stream(io.BytesIO(b""), 100, _consume)
    assert [(i, size, d) for i, _o, size, _m, d in out] == [(0, 0, b"")]


def test_upload_stream_holds_a_bounded_number_of_blocks():
    counts = {"read": 0, "sent": 0, "peak": 0}
    lock = threading.Lock()

    def slow(body):
        total = 0
        for block in body:
            time.sleep(0.001)
            with lock:
                counts["sent"] += 1
            total += len(block)
        return total

    class Counting(_Reader):
        def read(self, n):
            out = super().read(n)
            with lock:
                counts["read"] += 1
                counts["peak"] = max(counts["peak"], counts["read"] - counts["sent"])
            return out

    engine = TransferEngine(workers=2, max_in_flight=2)
    sizes = engine.upload_stream(Counting(200 * 100), 5000, slow, block_size=100, depth=3)
    assert sum(sizes) == 20000
    # 2 parts in flight x 3 queued blocks, + 1 being queued + 1 in each sender's hands
    assert counts["peak"] <= 2 * 3 + 1 + 2


def test_upload_stream_cancels_on_the_first_error_and_cleans_up():
    cleaned = []

    def send(body):
        data = b"".join(body)
        if body.index == 3:
            raise Forbidden("no")
        return body.index, len(data)

    reader = _Reader(100 * 1000)
    with pytest.raises(Forbidden):
        TransferEngine(workers=2).upload_stream(reader, 1000, send, block_size=250,
                                                cleanup=cleaned.extend)
    assert cleaned and all(i != 3 for i, _n in cleaned)
    assert reader.pos < 100 * 1000  # the reading stopped early


def test_upload_stream_reader_error_stops_senders_and_cleans_up():
    cleaned = []
    bodies_failed = []

    def send(body):
        try:
            return len(b"".join(body))
        except Exception as exc:
            bodies_failed.append(type(exc).__name__)
            raise

    with pytest.raises(OSError, match="source broke"):
        TransferEngine(workers=2).upload_stream(_Reader(10_000, fail_at=2500), 1000, send,
                                                block_size=500, cleanup=cleaned.extend)
    # Every part started either finished (and is cleaned up) or was cut short;
    # which of the first two had finished when the reader broke is up to the
    # threads, but the part being read then is always cut short.
    assert len(cleaned) + len(bodies_failed) <= 3
    assert set(cleaned) <= {1000} and set(bodies_failed) == {"_Cancelled"}


def test_upload_stream_refuses_more_parts_than_allowed_and_cleans_up():
    cleaned = []
    cut = []

    def send(body):
        try:
            return _consume(body)
        except Exception:
            cut.append(body.index)
            raise

    with pytest.raises(InvalidArgument, match="more than 3 parts"):
        TransferEngine(workers=2).upload_stream(_Reader(10_000), 1000, send,
                                                max_parts=3, cleanup=cleaned.extend)
    assert sorted([r[0] for r in cleaned] + cut) == [0, 1, 2]


def test_upload_stream_stops_at_the_deadline():
    def send(body):
        for _block in body:
            time.sleep(0.05)
        return body.index

    engine = TransferEngine(workers=1, deadline=time.monotonic() + 0.2)
    start = time.monotonic()
    with pytest.raises(DeadlineReached):
        engine.upload_stream(_Reader(1000 * 100), 1000, send, block_size=100)
    assert time.monotonic() - start < 2.0


def test_upload_stream_notices_a_sender_that_stops_reading():
    def lazy(body):
        return body.index  # returns without reading its body

    with pytest.raises(Exception, match="before all its data"):
        TransferEngine(workers=1).upload_stream(_Reader(10_000), 5000, lazy, block_size=100,
                                                depth=1)
