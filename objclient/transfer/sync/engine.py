"""One key range of a sync: merge the two listings, check, copy, delete.

:func:`sync_range` reads the source and destination listings of a range as
a merge join and acts on each name as it comes: the decisions that need no
request are taken inline, those that need reading data (a folder's MD5 in
``checksum`` mode) go to ``checkers`` threads, copies and deletes to
``transfers`` threads.  Each lane holds at most twice its threads in
pending work, so memory stays flat whatever the object count.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Optional

import attrs

from ...exceptions import ClientError, InvalidArgument
from ...models import ObjectInfo
from .compare import MODES, comparable_hash, needs_copy
from .copying import Location, copy_object
from .filters import Filter
from .merge import in_byte_order, merge_join, side_listing
from .report import SyncReport

__all__ = ["SyncPlan", "sync_range", "ProgressFn", "MaxDeleteExceeded", "DeleteBudget",
           "check_extras"]

#: ``progress(action, name, size)``: action is copied, skipped, deleted or failed.
ProgressFn = Callable[[str, str, int], None]


class MaxDeleteExceeded(ClientError):
    """A sync would delete more than ``max_delete`` objects; it deleted none
    past the limit."""


@attrs.frozen
class SyncPlan:
    """What a sync does, the same for every shard (picklable).

    :param compare: ``"mtime"``, ``"size"`` or ``"checksum"`` (see :mod:`.compare`).
    :param update: leave alone destinations newer than their source.
    :param delete: delete destination objects the source lacks.
    :param deleting: delete now (False: only count them, in ``extras``).
    :param only_deletes: a second pass after one that copied and counted the
        extras: delete them, look at nothing else.  Copying again there would
        send a second PUT of every object that still compares as changed
        (a source whose time is ahead of the destination server's clock).
    :param dry_run: decide and count, change nothing.
    :param resume: each copy takes over what an interrupted one stored.
    """

    compare: str = "mtime"
    update: bool = False
    filter: Filter = attrs.field(factory=Filter)
    delete: bool = False
    deleting: bool = True
    only_deletes: bool = False
    dry_run: bool = False
    checkers: int = 8
    transfers: int = 4
    resume: bool = True

    def __attrs_post_init__(self) -> None:
        if self.compare not in MODES:
            raise InvalidArgument(f"compare is one of {', '.join(MODES)}")
        if self.checkers < 1 or self.transfers < 1:
            raise InvalidArgument("checkers and transfers must be >= 1")


def check_extras(extras: int, max_delete: Optional[int]) -> None:
    """:raises MaxDeleteExceeded: ``extras`` objects to delete are more than
    ``max_delete`` (checked before any is deleted)."""
    if max_delete is not None and extras > max_delete:
        raise MaxDeleteExceeded(f"sync stopped: {extras} objects to delete, more than "
                                f"max_delete={max_delete} (none was deleted)")


class DeleteBudget:
    """How many more deletes a sync may make (``max_delete``), shared by the
    threads of one process."""

    def __init__(self, limit: Optional[int]) -> None:
        self.left = limit
        self.lock = threading.Lock()

    def take(self) -> None:
        """Take one delete. :raises MaxDeleteExceeded: none is left."""
        if self.left is None:
            return
        with self.lock:
            if self.left <= 0:
                raise MaxDeleteExceeded("sync stopped: deleting more objects would exceed "
                                        "max_delete (nothing past it was deleted)")
            self.left -= 1


class _Lane:
    """A thread pool that takes new work only while fewer than twice its
    threads' worth is pending (back-pressure on the merge loop)."""

    def __init__(self, threads: int, name: str) -> None:
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix=f"objclient-{name}")
        self.slots = threading.BoundedSemaphore(2 * threads)
        self.error: Optional[BaseException] = None

    def submit(self, func: Callable[..., None], *args: Any) -> None:
        if self.error is not None:
            raise self.error
        self.slots.acquire()
        fut: Future = self.pool.submit(func, *args)
        fut.add_done_callback(self._done)

    def _done(self, fut: Future) -> None:
        self.slots.release()
        exc = fut.exception()
        if exc is not None and self.error is None:
            self.error = exc

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        if self.error is not None:
            raise self.error


@attrs.define
class _Run:
    src: Location
    dst: Location
    plan: SyncPlan
    report: SyncReport
    budget: DeleteBudget
    progress: Optional[ProgressFn]
    transfers: _Lane
    checkers: _Lane

    def done(self, action: str, rel: str, size: int, error: str = "") -> None:
        self.report.count(action, size, error, rel)
        if self.progress is not None:
            self.progress(action, rel, size)

    def pair(self, rel: str, s: Optional[ObjectInfo], d: Optional[ObjectInfo]) -> None:
        if s is None:
            assert d is not None
            self.extra(rel, d)
        elif self.plan.only_deletes:
            return
        elif self._must_hash(s, d):
            self.checkers.submit(self.check, rel, s, d)
        elif needs_copy(s, d, self.plan.compare, self.plan.update):
            self.transfers.submit(self.copy, rel, s)
        else:
            self.done("skipped", rel, s.size)

    def _must_hash(self, s: ObjectInfo, d: Optional[ObjectInfo]) -> bool:
        return self.plan.compare == "checksum" and d is not None and s.size == d.size \
            and (comparable_hash(s) is None and hasattr(self.src.api, "object_md5")
                 or comparable_hash(d) is None and hasattr(self.dst.api, "object_md5"))

    def check(self, rel: str, s: ObjectInfo, d: ObjectInfo) -> None:
        try:
            s, d = _hashed(self.src, rel, s), _hashed(self.dst, rel, d)
        except (ClientError, OSError) as err:
            self.done("failed", rel, s.size, str(err))
            return
        if needs_copy(s, d, self.plan.compare, self.plan.update):
            self.transfers.submit(self.copy, rel, s)
        else:
            self.done("skipped", rel, s.size)

    def copy(self, rel: str, s: ObjectInfo) -> None:
        if self.plan.dry_run:
            self.done("copied", rel, s.size)
            return
        try:
            _meta, server_side = copy_object(self.src, self.src.key(rel), self.dst,
                                             self.dst.key(rel), resume=self.plan.resume, info=s,
                                             autocreate=False)
        except (ClientError, OSError) as err:
            self.done("failed", rel, s.size, str(err))
            return
        if server_side:
            with self.report._lock:
                self.report.server_side += 1
        self.done("copied", rel, s.size)

    def extra(self, rel: str, d: ObjectInfo) -> None:
        if not self.plan.delete:
            return
        if not self.plan.deleting:
            with self.report._lock:
                self.report.extras += 1
            return
        self.budget.take()
        if self.plan.dry_run:
            self.done("deleted", rel, d.size)
            return
        self.transfers.submit(self.delete, rel, d)

    def delete(self, rel: str, d: ObjectInfo) -> None:
        try:
            self.dst.api.object_delete(self.dst.account, self.dst.container, self.dst.key(rel))
        except ClientError as err:
            self.done("failed", rel, d.size, str(err))
            return
        self.done("deleted", rel, d.size)


def _hashed(loc: Location, rel: str, info: ObjectInfo) -> ObjectInfo:
    if comparable_hash(info) is not None or not hasattr(loc.api, "object_md5"):
        return info
    return attrs.evolve(info, hash=loc.api.object_md5(loc.key(rel)), hash_method="md5")


def sync_range(src: Location, dst: Location, plan: SyncPlan, *, after: Optional[str] = None,
               upto: Optional[str] = None, progress: Optional[ProgressFn] = None,
               budget: Optional[DeleteBudget] = None) -> SyncReport:
    """Sync the names (relative to the prefixes) after ``after`` and up to
    ``upto`` (None: unbounded).

    The destination container must exist (:func:`~objclient.transfer.sync.sync`
    creates it once per run, before any range): uploads do not check it, so
    that a stream Swift cannot rewind goes in one request, not a HEAD of the
    container and a PUT.

    :param budget: the deletes left (``max_delete``) when shared with other
        ranges of this process.
    :returns: the range's report; failures are counted, not raised.
    :raises MaxDeleteExceeded: the delete budget ran out.
    :raises ListingOrderError: a listing was not in byte order.
    """
    src, dst = src.opened(), dst.opened()
    run = _Run(src, dst, plan, SyncReport(dry_run=plan.dry_run), budget or DeleteBudget(None),
               progress, _Lane(plan.transfers, "transfer"), _Lane(plan.checkers, "check"))
    wanted = plan.filter.wants
    src_side = ((r, i) for r, i in in_byte_order(side_listing(src, after, upto), "the source")
                if wanted(r, i))
    dst_side = ((r, i) for r, i in in_byte_order(side_listing(dst, after, upto),
                                                 "the destination") if wanted(r, i))
    try:
        for rel, s, d in merge_join(src_side, dst_side):
            run.pair(rel, s, d)
    finally:
        run.checkers.close()
        run.transfers.close()
    return run.report
