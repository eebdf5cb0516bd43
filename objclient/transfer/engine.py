"""The transfer engine: parts moved by a bounded pool of threads.

Every segmented transfer (Swift SLO segments, S3 multipart parts, parallel
ranged downloads, chunked backends) runs through :class:`TransferEngine`:

* a bounded thread pool, and back-pressure: at most ``max_in_flight`` parts
  exist at once, so memory stays at ``max_in_flight * part_size`` whatever
  the object's size;
* per-part retries (a part is bytes, so it can always be sent again);
* cancellation on the first fatal error: no new part starts, the caller's
  ``cleanup`` gets the parts that did finish (to delete segments or abort a
  multipart upload), and the error is raised;
* a deadline for the whole transfer;
* ordered reassembly for downloads: parts are fetched in parallel and
  yielded in order;
* streamed parts (:meth:`TransferEngine.upload_stream`) for parts too big
  to hold (Swift's 1 GiB segments): the source is read once, in order, and
  each part's bytes flow through a small queue into its request body;
* resumed uploads: parts that an interrupted upload already stored (``reuse``,
  planned by :func:`~objclient.transfer.resume.plan_resume`) are not sent
  again when their checksum matches the local bytes.

Planning (:func:`plan_parts`) is pure and tested without any server.
"""

from __future__ import annotations

import hashlib
import queue
import tempfile
import threading
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import (Any, Callable, Deque, Dict, Generic, Iterable, Iterator, List, Mapping,
                    NoReturn, Optional, Tuple, TypeVar)

import attrs

from ..exceptions import ChecksumMismatch, ClientError, ConnectionFailed, DeadlineReached, \
    InvalidArgument, ServerError, Timeout
from .resume import PartCheck, StoredPart

__all__ = ["TransferEngine", "Part", "PartBody", "plan_parts", "read_parts", "DEFAULT_PART_SIZE",
           "DEFAULT_BLOCK_SIZE"]

T = TypeVar("T")

#: 8 MiB: large enough that per-request costs vanish on loopback, small
#: enough that 4 workers plus back-pressure stay under 50 MiB.
DEFAULT_PART_SIZE = 8 * 1024 * 1024

#: Streamed parts (:meth:`TransferEngine.upload_stream`) move in blocks of
#: this size, at most :data:`DEFAULT_QUEUE_DEPTH` queued per part.
DEFAULT_BLOCK_SIZE = 1024 * 1024
DEFAULT_QUEUE_DEPTH = 4

#: A streamed part that may be reused is held while its checksum is checked:
#: in memory up to this size, in a temporary file beyond (only when it does
#: not match is it read back, to be sent).
RESUME_SPOOL_MEMORY = 8 * 1024 * 1024

#: Errors worth another try of the same part (the HTTP layer already retried
#: the request itself; this covers a part whose checksum did not match or
#: whose connection broke mid-body).
_PART_RETRYABLE = (ChecksumMismatch, ConnectionFailed, Timeout, ServerError)


@attrs.frozen
class Part:
    """One part of an object: its 0-based ``index``, ``offset`` and ``size``."""

    index: int
    offset: int
    size: int

    @property
    def last(self) -> int:
        """Offset of the part's last byte."""
        return self.offset + self.size - 1


def _clean_up_and_raise(cleanup: Optional[Callable[[List[Any]], None]],
                        results: Dict[int, Any], error: BaseException) -> NoReturn:
    """Hand the finished parts, in order, to ``cleanup`` (its own errors are
    dropped: the first error is the one to report), then raise ``error``."""
    if cleanup is not None:
        try:
            cleanup([results[i] for i in sorted(results)])
        except ClientError:
            pass
    raise error


def plan_parts(total: int, part_size: int, max_parts: int = 10000) -> List[Part]:
    """Cut ``total`` bytes into parts of ``part_size`` (the last may be shorter).

    The part size grows (doubling) when ``total`` would need more than
    ``max_parts`` parts, as S3 allows at most 10,000.

    :raises InvalidArgument: a size is negative or the part size is not positive.
    """
    if total < 0 or part_size <= 0:
        raise InvalidArgument("sizes must be positive")
    while total > part_size * max_parts:
        part_size *= 2
    parts = []
    offset = 0
    index = 0
    while offset < total or (total == 0 and index == 0):
        size = min(part_size, total - offset)
        parts.append(Part(index, offset, size))
        offset += size
        index += 1
        if total == 0:
            break
    return parts


def read_parts(reader: Any, part_size: int, head: bytes = b"",
               max_parts: Optional[int] = None) -> Iterator[Tuple[Part, bytes]]:
    """Parts read one after the other from a file-like ``reader`` (size unknown).

    :param head: bytes already read from ``reader``, which come first.
    :param max_parts: refuse to make more parts than this.
    :raises InvalidArgument: the data needs more than ``max_parts`` parts.
    """
    index = 0
    offset = 0
    while True:
        data = _read_exactly(reader, part_size, head[:part_size])
        head = head[part_size:]
        if not data and index > 0:
            return
        if max_parts is not None and index >= max_parts:
            raise InvalidArgument(f"the data needs more than {max_parts} parts of "
                                  f"{part_size} bytes: raise the part size")
        size = len(data)
        # The caller holds the part while it is sent; this frame lets go of it
        # before reading the next, so memory is the parts in flight only.
        yield Part(index, offset, size), data
        del data
        if size < part_size:
            return
        offset += size
        index += 1


def _read_exactly(reader: Any, size: int, first: bytes = b"") -> bytes:
    chunks = [first] if first else []
    left = size - len(first)
    while left > 0:
        block = reader.read(left)
        if not block:
            break
        chunks.append(block)
        left -= len(block)
    return b"".join(chunks)


@attrs.define
class _Progress:
    callback: Optional[Callable[[int, Optional[int]], None]]
    total: Optional[int]
    done: int = 0
    lock: threading.Lock = attrs.field(factory=threading.Lock)

    def add(self, count: int) -> None:
        if self.callback is None:
            return
        with self.lock:
            self.done += count
            done = self.done
        self.callback(done, self.total)


class TransferEngine(Generic[T]):
    """Runs part transfers on a bounded pool.

    :param workers: threads moving parts at once.
    :param max_in_flight: parts held in memory at once (default workers + 1).
    :param part_retries: extra attempts for a part that failed in a
        retryable way (checksum, broken connection, 5xx).
    :param deadline: absolute ``time.monotonic()`` for the whole transfer.
    """

    def __init__(self, workers: int = 4, max_in_flight: Optional[int] = None,
                 part_retries: int = 2, deadline: Optional[float] = None) -> None:
        if workers < 1:
            raise InvalidArgument("workers must be >= 1")
        self.workers = workers
        self.max_in_flight = max(workers, max_in_flight or workers + 1)
        self.part_retries = part_retries
        self.deadline = deadline

    def _check_deadline(self) -> None:
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise DeadlineReached("the transfer's deadline passed")

    def _attempt(self, func: Callable[[Part, bytes], T], part: Part, data: bytes,
                 cancelled: threading.Event) -> T:
        attempt = 0
        while True:
            if cancelled.is_set():
                raise _Cancelled()
            self._check_deadline()
            try:
                return func(part, data)
            except _PART_RETRYABLE:
                attempt += 1
                if attempt > self.part_retries:
                    raise
                time.sleep(min(2.0, 0.2 * 2 ** attempt))

    def upload(self, parts: Iterable[Tuple[Part, bytes]],
               send: Callable[[Part, bytes], T], *,
               cleanup: Optional[Callable[[List[T]], None]] = None,
               progress: Optional[Callable[[int, Optional[int]], None]] = None,
               total: Optional[int] = None,
               reuse: Optional[Mapping[int, StoredPart]] = None) -> List[T]:
        """Send every part with ``send(part, data)``; results in part order.

        Parts are pulled from ``parts`` only when a slot is free, so a
        generator reading a file or a network stream is read at the pace of
        the uploads (back-pressure).

        :param cleanup: called with the results of the parts that succeeded
            when the transfer fails (abort, delete segments); its own errors
            are suppressed so the first error is the one raised.
        :param reuse: parts already stored, by index: one whose checksum
            matches its data is not sent, its stored ``result`` stands for it.
        :raises ClientError: the first fatal error.
        """
        if reuse:
            send = _reusing(send, reuse)
        tracker = _Progress(progress, total)
        results: Dict[int, T] = {}
        cancelled = threading.Event()
        pending: Dict[Future, Part] = {}
        error: Optional[BaseException] = None
        source = iter(parts)
        with ThreadPoolExecutor(self.workers, thread_name_prefix="objclient-part") as pool:
            try:
                exhausted = False
                while not exhausted or pending:
                    while not exhausted and len(pending) < self.max_in_flight:
                        self._check_deadline()
                        try:
                            part, data = next(source)
                        except StopIteration:
                            exhausted = True
                            break
                        fut = pool.submit(self._attempt, send, part, data, cancelled)
                        pending[fut] = part
                        del data
                    if not pending:
                        break
                    done, _ = wait(list(pending), return_when=FIRST_COMPLETED,
                                   timeout=self._wait_timeout())
                    if not done:
                        self._check_deadline()
                    for fut in done:
                        part = pending.pop(fut)
                        results[part.index] = fut.result()
                        tracker.add(part.size)
            except BaseException as exc:  # noqa: BLE001 - cleanup then re-raise
                error = exc
                cancelled.set()
                for fut in pending:
                    fut.cancel()
                for fut, part in pending.items():
                    if not fut.cancelled():
                        try:
                            results[part.index] = fut.result()
                        except BaseException:  # noqa: BLE001 - first error wins
                            pass
        if error is not None:
            _clean_up_and_raise(cleanup, results, error)
        return [results[i] for i in sorted(results)]

    def upload_stream(self, reader: Any, part_size: int,
                      send: Callable[["PartBody"], T], *,
                      block_size: int = DEFAULT_BLOCK_SIZE, depth: int = DEFAULT_QUEUE_DEPTH,
                      cleanup: Optional[Callable[[List[T]], None]] = None,
                      max_parts: Optional[int] = None,
                      reuse: Optional[Mapping[int, StoredPart]] = None) -> List[T]:
        """Send ``reader``'s bytes as consecutive parts, none held whole in memory.

        The calling thread reads ``reader`` once, in order, in blocks of
        ``block_size``; each part's blocks go through a queue of ``depth``
        blocks to ``send(body)`` running on the pool, which streams the
        :class:`PartBody` as a request body.  Memory is therefore
        ``max_in_flight * depth * block_size`` whatever ``part_size`` is
        (Swift segments are 1 GiB by default).  A streamed part cannot be
        read again, so parts are not retried here: the first error cancels
        the transfer (the parts still being sent are cut short), ``cleanup``
        gets the results of the parts that finished, and the error is raised.

        :param send: sends one part; ``body.index``, ``body.offset`` are set,
            ``body.size`` and ``body.md5_hex()`` are final once the body is
            exhausted.
        :param max_parts: refuse to make more parts than this.
        :param reuse: parts already stored, by index.  Such a part is read
            and checked before anything is sent (held in memory up to
            :data:`RESUME_SPOOL_MEMORY`, in a temporary file beyond): when it
            matches, its stored ``result`` stands for it; else it is sent.
        :returns: ``send``'s results in part order.
        :raises ClientError: the first error (or :class:`DeadlineReached`).
        """
        if part_size <= 0 or block_size <= 0:
            raise InvalidArgument("part and block sizes must be positive")
        results: Dict[int, T] = {}
        inflight: Deque[Tuple["PartBody", Future]] = deque()
        failed = threading.Event()
        with ThreadPoolExecutor(self.workers, thread_name_prefix="objclient-part") as pool:
            try:
                index = 0
                offset = 0
                while True:
                    self._check_deadline()
                    stored = reuse.get(index) if reuse else None
                    if stored is not None:
                        size, reader = _check_stored(reader, stored, part_size, block_size)
                        if size is not None:
                            results[index] = stored.result
                            index += 1
                            offset += size
                            if size < part_size:
                                break
                            continue
                    block = reader.read(min(block_size, part_size))
                    if not block and index > 0:
                        break
                    if max_parts is not None and index >= max_parts:
                        raise InvalidArgument(f"the data needs more than {max_parts} parts "
                                              f"of {part_size} bytes: raise the part size")
                    body = PartBody(index, offset, depth)
                    fut = pool.submit(send, body)
                    fut.add_done_callback(lambda f: _flag_failure(f, failed))
                    inflight.append((body, fut))
                    while True:
                        body.feed(block, fut, failed, self._check_deadline)
                        left = part_size - body.size
                        if left <= 0:
                            break
                        block = reader.read(min(block_size, left))
                        if not block:
                            break
                    body.feed(None, fut, failed, self._check_deadline)
                    index += 1
                    offset += body.size
                    while len(inflight) >= self.max_in_flight or (
                            inflight and inflight[0][1].done()):
                        done_body, done_fut = inflight.popleft()
                        results[done_body.index] = self._result(done_fut)
                    if body.size < part_size:
                        break
                while inflight:
                    done_body, done_fut = inflight.popleft()
                    results[done_body.index] = self._result(done_fut)
            except BaseException as exc:  # noqa: BLE001 - cancel, clean up, re-raise
                error: BaseException = exc
                if isinstance(exc, _WorkerFailed):
                    error = _first_error(f for _b, f in inflight) or exc
                for body, _fut in inflight:
                    body.abort()
                for body, fut in inflight:
                    try:
                        results[body.index] = fut.result()
                    except BaseException:  # noqa: BLE001 - the first error is raised
                        pass
            else:
                return [results[i] for i in sorted(results)]
        _clean_up_and_raise(cleanup, results, error)

    def download(self, parts: List[Part], fetch: Callable[[Part, bytes], bytes], *,
                 progress: Optional[Callable[[int, Optional[int]], None]] = None,
                 total: Optional[int] = None) -> Iterator[bytes]:
        """Fetch parts in parallel with ``fetch(part, b"")``; yield them in order.

        At most ``max_in_flight`` parts are held; a part is yielded as soon
        as every part before it has been.
        """
        tracker = _Progress(progress, total)
        cancelled = threading.Event()
        pool = ThreadPoolExecutor(self.workers, thread_name_prefix="objclient-range")
        futures: Dict[int, Future] = {}
        next_submit = 0
        try:
            for index in range(len(parts)):
                while next_submit < len(parts) and len(futures) < self.max_in_flight:
                    part = parts[next_submit]
                    futures[part.index] = pool.submit(
                        self._attempt, fetch, part, b"", cancelled)  # type: ignore[arg-type]
                    next_submit += 1
                fut = futures.pop(parts[index].index)
                data = self._result(fut)
                if len(data) != parts[index].size:
                    raise ConnectionFailed(
                        f"part {index} has {len(data)} bytes, expected {parts[index].size}")
                tracker.add(len(data))
                yield data
        finally:
            cancelled.set()
            for fut in futures.values():
                fut.cancel()
            pool.shutdown(wait=True)

    def _wait_timeout(self) -> Optional[float]:
        if self.deadline is None:
            return None
        return max(0.01, self.deadline - time.monotonic())

    def _result(self, fut: Future) -> Any:
        while True:
            try:
                return fut.result(timeout=self._wait_timeout())
            except TimeoutError:
                self._check_deadline()


def _reusing(send: Callable[[Part, bytes], T],
             reuse: Mapping[int, StoredPart]) -> Callable[[Part, bytes], T]:
    """``send``, except for a stored part whose checksum matches the data."""

    def send_or_reuse(part: Part, data: bytes) -> T:
        stored = reuse.get(part.index)
        if stored is not None and stored.matches(data):
            return stored.result  # type: ignore[no-any-return]
        return send(part, data)

    return send_or_reuse


def _check_stored(reader: Any, stored: StoredPart, part_size: int,
                  block_size: int) -> Tuple[Optional[int], Any]:
    """Read the next part from ``reader`` and check it against ``stored``.

    :returns: ``(size, reader)``: the part's size when it matches (its bytes
        are consumed), else None and a reader that gives the part's bytes
        again, then the rest of ``reader``.
    """
    check = PartCheck(stored)
    spool = tempfile.SpooledTemporaryFile(max_size=RESUME_SPOOL_MEMORY)
    while check.size < part_size:
        block = reader.read(min(block_size, part_size - check.size))
        if not block:
            break
        check.update(block)
        spool.write(block)
    if check.matches():
        spool.close()
        return check.size, reader
    spool.seek(0)
    rest = reader.unwrapped() if isinstance(reader, _Replay) else reader
    return None, _Replay(spool, check.size, rest)


class _Replay:
    """Reads the ``length`` bytes of ``first`` (then closes it), then ``rest``."""

    def __init__(self, first: Any, length: int, rest: Any) -> None:
        self._first = first
        self._left = length
        self._rest = rest

    def read(self, size: int = -1) -> bytes:
        if self._left > 0:
            data: bytes = self._first.read(self._left if size < 0 else min(size, self._left))
            self._left -= len(data)
            if self._left <= 0 or not data:
                self._left = 0
                self._first.close()
            if data:
                return data
        return self._rest.read(size)  # type: ignore[no-any-return]

    def unwrapped(self) -> Any:
        """The reader to wrap next (the rest, once the first bytes are read)."""
        return self if self._left > 0 else self._rest


class _Cancelled(Exception):
    """A part skipped because the transfer already failed."""


class _WorkerFailed(Exception):
    """The reading thread stopped because a part's sender failed."""


def _flag_failure(fut: Future, failed: threading.Event) -> None:
    if not fut.cancelled() and fut.exception() is not None:
        failed.set()


def _first_error(futures: Iterable[Future]) -> Optional[BaseException]:
    for fut in futures:
        if fut.done() and not fut.cancelled() and fut.exception() is not None:
            return fut.exception()
    return None


class PartBody:
    """The bytes of one streamed part, as a request body (an iterator of blocks).

    The reading thread :meth:`feed` s blocks; the sending thread iterates.
    ``size`` and :meth:`md5_hex` cover what was fed; they are final when the
    iteration ends.
    """

    def __init__(self, index: int, offset: int, depth: int = DEFAULT_QUEUE_DEPTH) -> None:
        self.index = index
        self.offset = offset
        self.size = 0
        self._md5 = hashlib.md5()
        self._queue: "queue.Queue[Any]" = queue.Queue(maxsize=max(1, depth))

    def md5_hex(self) -> str:
        """Hex MD5 of the bytes fed so far."""
        return self._md5.hexdigest()

    def __iter__(self) -> Iterator[bytes]:
        while True:
            block = self._queue.get()
            if block is None:
                return
            if isinstance(block, _Cancelled):
                raise block
            yield block

    def feed(self, block: Optional[bytes], fut: Future, failed: threading.Event,
             check: Callable[[], None]) -> None:
        """Queue ``block`` (None ends the part) without hanging on a sender
        that failed, another part's failure or a passed deadline."""
        if block:
            self._md5.update(block)
            self.size += len(block)
        elif block is not None:
            return
        while True:
            if failed.is_set():
                raise _WorkerFailed()
            try:
                self._queue.put(block, timeout=0.2)
                return
            except queue.Full:
                check()
                if fut.done():
                    fut.result()
                    raise ClientError(
                        f"part {self.index} was sent before all its data") from None

    def abort(self) -> None:
        """Make the sender's body fail, so that its request stops."""
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        try:
            self._queue.put_nowait(_Cancelled("transfer cancelled"))
        except queue.Full:  # pragma: no cover - the queue was just emptied
            pass
