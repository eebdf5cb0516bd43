"""A client-side read cache for balls: LRU, bounded by bytes.

Entries are keyed by ``(bucket_id, key)`` and remember the ball's sha256
(``full_checksum``), so a reader can check an entry against the ball's
current metadata before trusting it: another client may have overwritten the
ball since.  This client's own puts and deletes invalidate entries at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Optional, Tuple

__all__ = ["BallCache"]


class BallCache:
    """Least-recently-used ball contents, at most ``capacity`` bytes in all.

    :param capacity: bytes kept; 0 disables the cache.  A ball larger than
        the capacity is never cached.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = int(capacity)
        self._items: "OrderedDict[Tuple[str, str], Tuple[str, bytes]]" = OrderedDict()
        self._used = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def used(self) -> int:
        """Bytes held now."""
        return self._used

    def get(self, bucket_id: str, key: str, checksum: Optional[str] = None) -> Optional[bytes]:
        """The cached bytes, if present (and of ``checksum`` when given)."""
        with self._lock:
            entry = self._items.get((bucket_id, key))
            if entry is None or (checksum is not None and entry[0] != checksum):
                self.misses += 1
                return None
            self._items.move_to_end((bucket_id, key))
            self.hits += 1
            return entry[1]

    def put(self, bucket_id: str, key: str, checksum: str, data: bytes) -> None:
        """Remember a ball's bytes, evicting the least recently used."""
        size = len(data)
        if self.capacity <= 0 or size > self.capacity:
            self.invalidate(bucket_id, key)
            return
        with self._lock:
            old = self._items.pop((bucket_id, key), None)
            if old is not None:
                self._used -= len(old[1])
            while self._items and self._used + size > self.capacity:
                _k, (_c, evicted) = self._items.popitem(last=False)
                self._used -= len(evicted)
            self._items[(bucket_id, key)] = (checksum, bytes(data))
            self._used += size

    def invalidate(self, bucket_id: str, key: Optional[str] = None) -> None:
        """Forget one ball, or every ball of a bucket when ``key`` is None."""
        with self._lock:
            doomed = [k for k in self._items
                      if k[0] == bucket_id and (key is None or k[1] == key)]
            for item in doomed:
                self._used -= len(self._items.pop(item)[1])

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._items.clear()
            self._used = 0
