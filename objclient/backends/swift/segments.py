"""Which containers may hold static large objects: those with a segment container.

An upload that replaces an object, and a delete, must remove the segments of
a static large object (Swift keeps them, unused, forever).  Finding out
whether the object is one costs a request per object; objclient asks instead
whether its container has a segment container (``<container>_segments``, the
name objclient, python-swiftclient and rclone use): one HEAD per container,
remembered for good when it has one and for :data:`NO_SEGMENTS_TTL` seconds
when it has none.  Threads that need the answer at the same time share one
HEAD (a lock per container), so 16 threads starting to upload into one
container send one probe, not 16.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Dict, Optional, Tuple

__all__ = ["SegmentContainers", "segment_container", "NO_SEGMENTS_TTL"]

#: Seconds a container without a segment container is believed to have none.
NO_SEGMENTS_TTL = 60.0

_Key = Tuple[str, str]


def segment_container(container: str) -> str:
    """Where the segments of ``container``'s large objects go."""
    return f"{container}_segments"


class SegmentContainers:
    """What is known of each container's segment container, probed once
    per container at a time.

    :param ttl: seconds a "has none" answer is kept.
    :param clock: monotonic seconds (a parameter so tests need not sleep).
    """

    def __init__(self, ttl: float = NO_SEGMENTS_TTL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        #: container -> until when its answer holds (``inf``: it has one)
        self._until: Dict[_Key, float] = {}
        self._locks: Dict[_Key, threading.Lock] = {}
        self._guard = threading.Lock()

    def known(self, account: str, container: str) -> Optional[bool]:
        """Whether the container has a segment container, without asking:
        None when that is not known (never asked, or the answer expired)."""
        until = self._until.get((account, container))
        if until is None:
            return None
        if until == float("inf"):
            return True
        return False if self._clock() < until else None

    def has(self, account: str, container: str, probe: Callable[[], bool]) -> bool:
        """Whether the container has a segment container; ``probe()`` asks
        the server when nobody knows, and only one thread per container asks
        at a time (the others wait for its answer).  An exception of
        ``probe`` is raised and nothing is remembered."""
        answer = self.known(account, container)
        if answer is not None:
            return answer
        with self._lock_of((account, container)):
            answer = self.known(account, container)
            if answer is None:
                answer = probe()
                self._remember((account, container), answer)
        return answer

    def found(self, account: str, container: str) -> None:
        """Remember that the container has a segment container (after a
        large upload made it)."""
        self._remember((account, container), True)

    def _remember(self, key: _Key, has: bool) -> None:
        self._until[key] = float("inf") if has else self._clock() + self.ttl

    def _lock_of(self, key: _Key) -> threading.Lock:
        with self._guard:
            lock = self._locks.get(key)
            if lock is None:
                lock = self._locks[key] = threading.Lock()
            return lock
