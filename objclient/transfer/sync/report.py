"""What a sync did, in counts and bytes: :class:`SyncReport`."""

from __future__ import annotations

import threading
from typing import Any, Dict, List, Tuple

import attrs

__all__ = ["SyncReport", "MAX_ERRORS"]

#: A report keeps the first failures' names and reasons (the count is exact).
MAX_ERRORS = 100

_ACTIONS = ("copied", "skipped", "deleted", "failed")


@attrs.define
class SyncReport:
    """Objects copied, skipped, deleted and failed, with their bytes.

    Counts, not names, so that a report of millions of objects stays small;
    the ``progress`` callback of :func:`~objclient.transfer.sync` sees each
    name.  ``errors`` holds the first :data:`MAX_ERRORS` failures as
    ``(name, reason)``; ``server_side`` counts copies the server made itself.
    """

    copied: int = 0
    copied_bytes: int = 0
    skipped: int = 0
    skipped_bytes: int = 0
    deleted: int = 0
    deleted_bytes: int = 0
    failed: int = 0
    failed_bytes: int = 0
    server_side: int = 0
    extras: int = 0
    dry_run: bool = False
    errors: List[Tuple[str, str]] = attrs.field(factory=list)
    _lock: Any = attrs.field(factory=threading.Lock, repr=False, eq=False)

    def __getstate__(self) -> Dict[str, Any]:
        state = {f.name: getattr(self, f.name) for f in attrs.fields(type(self))}
        del state["_lock"]
        return state

    def __setstate__(self, state: Dict[str, Any]) -> None:
        for key, value in state.items():
            object.__setattr__(self, key, value)
        object.__setattr__(self, "_lock", threading.Lock())

    def count(self, action: str, size: int, error: str = "", name: str = "") -> None:
        """Add one object to ``action`` (copied, skipped, deleted, failed)."""
        with self._lock:
            setattr(self, action, getattr(self, action) + 1)
            setattr(self, action + "_bytes", getattr(self, action + "_bytes") + size)
            if action == "failed" and len(self.errors) < MAX_ERRORS:
                self.errors.append((name, error))

    def merge(self, other: "SyncReport") -> None:
        """Add another report's counts (a shard's) to this one."""
        with self._lock:
            for action in _ACTIONS:
                for key in (action, action + "_bytes"):
                    setattr(self, key, getattr(self, key) + getattr(other, key))
            self.server_side += other.server_side
            self.extras += other.extras
            self.errors.extend(other.errors[:MAX_ERRORS - len(self.errors)])

    def add_deletes(self, other: "SyncReport") -> None:
        """Add the deletes (and failures) of a delete-only pass."""
        with self._lock:
            self.deleted += other.deleted
            self.deleted_bytes += other.deleted_bytes
            self.failed += other.failed
            self.failed_bytes += other.failed_bytes
            self.errors.extend(other.errors[:MAX_ERRORS - len(self.errors)])

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-friendly summary."""
        out: Dict[str, Any] = {}
        for action in _ACTIONS:
            out[action] = getattr(self, action)
            out[action + "_bytes"] = getattr(self, action + "_bytes")
        out.update(server_side=self.server_side, dry_run=self.dry_run,
                   errors=[list(e) for e in self.errors])
        return out
