"""Peak memory of a no-change sync of N objects, over two generated listings.

Runs in its own process (``python -m tools.bench_sync_mem N``) so that its
``ru_maxrss`` is this measurement's peak, and prints one JSON object.  Both
sides are fake APIs whose ``object_list_iter`` yields N sorted entries made
on the fly (the listings themselves hold nothing); the destination has every
object, same size, newer, so the sync copies nothing.  What is measured is
``objclient.transfer.sync`` end to end: its listing, its comparison and its
report.  Growth is the peak RSS minus the RSS after a 1,000-object warm-up
sync.  The result also names any merge-join function the engine has
(``merge`` in its name), so the figure can be read against today's engine,
which lists both sides into dicts.
"""

from __future__ import annotations

import inspect
import json
import os
import resource
import sys
import time
from typing import Any, Dict, Iterator, List

from objclient.models import ObjectInfo

MiB = 1 << 20


def _rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class GeneratedListing:
    """A fake API holding ``count`` objects named in byte order, listed on the fly."""

    #: what the sync engine asks of a store it lists
    backend = "generated"
    capabilities: frozenset = frozenset()

    def __init__(self, count: int, mtime: float) -> None:
        self.count = count
        self.mtime = mtime

    def _entries(self, prefix: str = "") -> Iterator[ObjectInfo]:
        for i in range(self.count):
            name = f"{prefix}d{i // 1000:04d}/f{i:08d}.bin"
            yield ObjectInfo(name=name, size=1024 + i % 4096, hash=f"{i:032x}",
                             mtime=self.mtime)

    def object_list_iter(self, account: Any, container: str, prefix: Any = None,
                         **kwargs: Any) -> Iterator[ObjectInfo]:
        """All entries in byte order (the keyword filters are ignored)."""
        return self._entries(prefix or "")

    def object_list(self, account: Any, container: str, limit: Any = None,
                    marker: Any = None, prefix: Any = None, **kwargs: Any) -> Dict[str, Any]:
        """One page after ``marker``, for an engine that pages itself."""
        out: List[ObjectInfo] = []
        for entry in self._entries(prefix or ""):
            if marker and entry.name <= marker:
                continue
            out.append(entry)
            if len(out) >= (limit or 1000):
                break
        return {"objects": out, "truncated": len(out) >= (limit or 1000)}

    def container_create(self, *args: Any, **kwargs: Any) -> bool:
        """Nothing to create."""
        return False


def merge_functions() -> List[str]:
    """Names of the engine's functions that look like a merge join."""
    import importlib

    import objclient.transfer as transfer
    modules = [transfer] + [m for m in vars(transfer).values() if inspect.ismodule(m)]
    try:  # the package, whose name the sync() function shadows in objclient.transfer
        modules.append(importlib.import_module("objclient.transfer.sync"))
    except ImportError:
        pass
    found = set()
    for module in modules:
        for name, value in vars(module).items():
            if callable(value) and "merge" in name.lower():
                found.add(f"{getattr(module, '__name__', '?')}.{name}")
    return sorted(found)


def measure(count: int) -> Dict[str, Any]:
    """A no-change sync of ``count`` objects: RSS growth, time, what it did."""
    from objclient.transfer import Location, sync

    def run(n: int) -> Any:
        src = Location(GeneratedListing(n, 1_000_000_000.0), None, "src")
        dst = Location(GeneratedListing(n, 1_000_000_100.0), None, "dst")
        return sync(src, dst)

    run(1000)
    base = _rss()
    start = time.perf_counter()
    report = run(count)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    summary = report.to_dict() if hasattr(report, "to_dict") else {}
    return {"objects": count, "wall_s": round(wall, 2), "base_rss_mib": round(base / MiB, 1),
            "peak_rss_mib": round(peak / MiB, 1), "growth_mib": round((peak - base) / MiB, 1),
            "copied": summary.get("copied"), "skipped": summary.get("skipped"),
            "merge_functions": merge_functions()}


if __name__ == "__main__":
    print(json.dumps(measure(int(sys.argv[1]))))
