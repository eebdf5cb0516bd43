"""What decides whether objclient may delete the segments of static large
objects in a container, asked once per container.

An upload that replaces an object, and a delete, remove the segments of a
static large object (Swift keeps them, unused, forever) -- unless the
container keeps old versions (:func:`~.versions.keeps_old_versions`): the
manifest of an older version still points at those segments, so they stay.

Finding out whether an object is a large one costs a request per object;
objclient asks instead whether its container has a segment container
(``<container>_segments``, the name objclient, python-swiftclient and rclone
use), and only when segments are about to be deleted, whether it keeps
versions.  Each is one HEAD per container, remembered by a
:class:`ContainerFlags`: for good when the answer is yes, for
:data:`NO_TTL` seconds (:data:`VERSIONING_NO_TTL` for versioning) when it is
no (a "yes" that turns into "no" costs unused segments at worst; the wrong
way round it would cost data, so a "no" is asked again).  Threads that need
an answer at the same time share one HEAD (a lock per container), so 16
threads starting to upload into one container send one probe, not 16.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Dict, Optional, Tuple

__all__ = ["ContainerFlags", "segment_container", "NO_TTL", "VERSIONING_NO_TTL"]

#: Seconds a "no segment container" is believed (wrong, it costs unused
#: segments left behind at worst).
NO_TTL = 60.0
#: Seconds a "keeps no versions" is believed: long enough for the HEAD of the
#: container an operation made to serve the same operation, short enough that
#: a container whose versioning was just turned on is asked again (wrong, it
#: would cost an older version's segments).
VERSIONING_NO_TTL = 5.0

_Key = Tuple[str, str]


def segment_container(container: str) -> str:
    """Where the segments of ``container``'s large objects go."""
    return f"{container}_segments"


class ContainerFlags:
    """A yes/no fact about each container (it has a segment container, it
    keeps versions), probed once per container at a time.

    :param ttl: seconds a "no" answer is kept ("yes" is kept for good).
    :param clock: monotonic seconds (a parameter so tests need not sleep).
    """

    def __init__(self, ttl: float = NO_TTL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        #: container -> until when its answer holds (``inf``: yes)
        self._until: Dict[_Key, float] = {}
        self._locks: Dict[_Key, threading.Lock] = {}
        self._guard = threading.Lock()

    def known(self, account: str, container: str) -> Optional[bool]:
        """The fact for the container, without asking: None when it is not
        known (never asked, or the "no" expired)."""
        until = self._until.get((account, container))
        if until is None:
            return None
        if until == float("inf"):
            return True
        return False if self._clock() < until else None

    def has(self, account: str, container: str, probe: Callable[[], bool]) -> bool:
        """The fact for the container; ``probe()`` asks the server when
        nobody knows, and only one thread per container asks
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

    def learn(self, account: str, container: str, answer: bool) -> None:
        """Remember an answer learnt on the way (a large upload made the
        segment container; a HEAD of the container told its versioning)."""
        self._remember((account, container), answer)

    def _remember(self, key: _Key, has: bool) -> None:
        self._until[key] = float("inf") if has else self._clock() + self.ttl

    def _lock_of(self, key: _Key) -> threading.Lock:
        with self._guard:
            lock = self._locks.get(key)
            if lock is None:
                lock = self._locks[key] = threading.Lock()
            return lock
