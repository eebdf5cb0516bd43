"""Hashing beside the transfer: an MD5 computed on another thread.

Checking a large body's MD5 costs about as much CPU as moving it over
loopback.  hashlib releases the GIL while it hashes a block, so a second
thread can hash block N while the transfer thread sends or receives block
N+1.  :class:`BackgroundHash` does that: blocks are handed over in order
through a short queue (so at most a few blocks are held), and the digest is
read once the stream is over.  Small bodies are hashed inline: a thread is
started only once more than ``inline_limit`` bytes have gone by.
"""

from __future__ import annotations

import hashlib
import queue
import threading
from typing import Any, Callable, List, Optional

__all__ = ["BackgroundHash", "INLINE_LIMIT", "new_md5", "close_hash", "PartsCheck"]

#: Bodies up to this size are hashed on the calling thread.
INLINE_LIMIT = 4 * 1024 * 1024
_DONE = None


def _run(blocks: "queue.Queue[Optional[bytes]]", digest: Any,
         errors: List[BaseException]) -> None:
    while True:
        block = blocks.get()
        if block is _DONE:
            return
        try:
            digest.update(block)
        except BaseException as exc:  # noqa: BLE001 - reported by hexdigest()
            errors.append(exc)


class BackgroundHash:
    """A hash object (``update``, ``hexdigest``) that hashes on its own thread.

    :param factory: the hashlib constructor (``hashlib.md5`` ...).
    :param inline_limit: bytes hashed inline before the thread starts.
    :param depth: blocks that may wait for the hashing thread.
    """

    def __init__(self, factory: Callable[[], Any] = hashlib.md5,
                 inline_limit: int = INLINE_LIMIT, depth: int = 4) -> None:
        self._hash = factory()
        self._inline_left = inline_limit
        self._depth = depth
        self._queue: Optional["queue.Queue[Optional[bytes]]"] = None
        self._thread: Optional[threading.Thread] = None
        self._errors: List[BaseException] = []

    def update(self, data: bytes) -> None:
        """Add ``data`` (in order with the earlier blocks)."""
        if self._queue is not None and self._thread is None:
            self._hash.update(data)  # after a digest was read: inline from now on
            return
        if self._queue is None:
            if self._inline_left >= len(data):
                self._inline_left -= len(data)
                self._hash.update(data)
                return
            self._queue = queue.Queue(self._depth)
            # The thread holds the queue and the hash, not this object, so an
            # abandoned BackgroundHash is still collected (and stops it).
            self._thread = threading.Thread(target=_run,
                                            args=(self._queue, self._hash, self._errors),
                                            name="objclient-hash", daemon=True)
            self._thread.start()
        self._queue.put(data)

    def _finish(self) -> None:
        if self._thread is not None:
            assert self._queue is not None
            self._queue.put(_DONE)
            self._thread.join()
            self._thread = None

    def hexdigest(self) -> str:
        """The hex digest of everything given so far (waits for the thread)."""
        self._finish()
        if self._errors:
            raise self._errors[0]
        return self._hash.hexdigest()  # type: ignore[no-any-return]

    def close(self) -> None:
        """Stop the thread (what is queued is still hashed, so a digest read
        later is right; further blocks are hashed inline)."""
        self._finish()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - never raise from a finaliser
            pass


def new_md5(size: Optional[int] = None) -> Any:
    """An MD5 for a body of ``size`` bytes: plain hashlib when the size is
    known and small enough to be hashed inline anyway (no thread, no
    finaliser), else a :class:`BackgroundHash`."""
    if size is not None and size <= INLINE_LIMIT:
        return hashlib.md5()
    return BackgroundHash()


def close_hash(digest: Any) -> None:
    """Stop a :class:`BackgroundHash`'s thread; nothing for a hashlib object."""
    if type(digest) is BackgroundHash:
        digest.close()


class PartsCheck:
    """Checks a body made of parts against the ETag its server gives the
    whole: S3's multipart ETag (``md5(the parts' binary MD5s)-<count>``) or
    Swift's static large object ETag (``md5(the segments' hex MD5s)``).
    Neither is the MD5 of the content, so without this a whole GET of a
    large object is checked by its size only.

    :param sizes: the size of each part, in order.
    :param expected: the ETag the whole body must give.
    :param style: ``"s3"`` or ``"swift"`` (how part MD5s are combined).
    """

    def __init__(self, sizes: List[int], expected: str, style: str) -> None:
        self.sizes = sizes
        self.expected = expected.strip('"').lower()
        self.style = style
        self._digests: List[bytes] = []
        self._part = 0
        self._left = sizes[0] if sizes else 0
        self._md5 = hashlib.md5()

    def update(self, data: bytes) -> None:
        """Feed the next bytes of the body."""
        view = memoryview(data)
        while view:
            if self._left == 0 and not self._next_part():
                self._left = -1  # more bytes than the parts hold: never matches
                return
            take = view[:self._left]
            self._md5.update(take)
            self._left -= len(take)
            view = view[len(take):]

    def _next_part(self) -> bool:
        self._digests.append(self._md5.digest())
        self._md5 = hashlib.md5()
        self._part += 1
        if self._part >= len(self.sizes):
            return False
        self._left = self.sizes[self._part]
        return True

    def actual(self) -> str:
        """The ETag of what was fed (call once, at the end)."""
        if self._left == 0 and len(self._digests) < len(self.sizes):
            self._next_part()
        if self._left != 0 or len(self._digests) != len(self.sizes):
            return "parts do not add up"
        if self.style == "s3":
            whole = hashlib.md5(b"".join(self._digests)).hexdigest()
            return f"{whole}-{len(self._digests)}"
        return hashlib.md5("".join(d.hex() for d in self._digests).encode("ascii")
                           ).hexdigest()
