"""A client-side read cache for balls: LRU (or LFU), bounded by bytes.

Entries are keyed by ``(bucket_id, key)`` and remember the ball's sha256
(``full_checksum``), so a reader can check an entry against the ball's
current metadata before trusting it: another client may have overwritten the
ball since.  This client's own puts and deletes invalidate entries at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Dict, Optional, Tuple

__all__ = ["BallCache"]


class BallCache:
    """Ball contents, at most ``capacity`` bytes in all.

    :param capacity: bytes kept; 0 disables the cache.  A ball larger than
        the capacity is never cached.
    :param eviction_policy: ``"LFU"`` evicts the least frequently read ball
        first; anything else the least recently used (the official client's
        ``CacheFactory`` falls back to LRU the same way).
    """

    def __init__(self, capacity: int, eviction_policy: str = "LRU") -> None:
        self.capacity = int(capacity)
        self.eviction_policy = "LFU" if eviction_policy == "LFU" else "LRU"
        self._reads: Dict[Tuple[str, str], int] = {}
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
            self._reads[(bucket_id, key)] = self._reads.get((bucket_id, key), 0) + 1
            self.hits += 1
            return entry[1]

    def put(self, bucket_id: str, key: str, checksum: str, data: bytes) -> None:
        """Remember a ball's bytes, evicting as the policy says."""
        size = len(data)
        if self.capacity <= 0 or size > self.capacity:
            self.invalidate(bucket_id, key)
            return
        with self._lock:
            old = self._items.pop((bucket_id, key), None)
            if old is not None:
                self._used -= len(old[1])
            while self._items and self._used + size > self.capacity:
                self._evict_one()
            self._items[(bucket_id, key)] = (checksum, bytes(data))
            self._used += size

    def _evict_one(self) -> None:
        """Drop the entry the policy picks (the lock is held)."""
        victim = next(iter(self._items))
        if self.eviction_policy == "LFU":
            victim = min(self._items, key=lambda k: self._reads.get(k, 0))
        self._used -= len(self._items.pop(victim)[1])
        self._reads.pop(victim, None)

    def invalidate(self, bucket_id: str, key: Optional[str] = None) -> None:
        """Forget one ball, or every ball of a bucket when ``key`` is None."""
        with self._lock:
            doomed = [k for k in self._items
                      if k[0] == bucket_id and (key is None or k[1] == key)]
            for item in doomed:
                self._used -= len(self._items.pop(item)[1])
                self._reads.pop(item, None)

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._items.clear()
            self._reads.clear()
            self._used = 0
