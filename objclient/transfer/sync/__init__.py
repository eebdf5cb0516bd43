"""Copy and sync between any two stores: streaming, resumable, sharded.

:func:`sync` makes a destination hold what a source holds.  Both sides are
listed in UTF-8 byte order and merged as they are read (:mod:`.merge`), so
memory stays flat whatever the object count; each name is compared
(:mod:`.compare`), filtered (:mod:`.filters`), copied, skipped or deleted
(:mod:`.engine`).  Run again after a crash, a sync finishes the job: every
object appears at the destination whole or not at all, a finished copy is
skipped, an interrupted one resumes, and multipart uploads older than the run under
the synced prefix are aborted at its end.  Given an
executor (a process pool, a Dask cluster's), the work is cut into key
ranges that workers list and copy themselves (:mod:`.shards`).
"""

from __future__ import annotations

import time
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Optional

import attrs

from ...contract import Capability

from .compare import MODES, MTIME_PROPERTY, needs_copy
from .copying import Location, StoreRef, copy
from .engine import (DeleteBudget, MaxDeleteExceeded, ProgressFn, SyncPlan, check_extras,
                     sync_range)
from .filters import Filter, glob_to_regex, parse_duration, parse_size
from .merge import ListingOrderError, merge_join
from .report import SyncReport
from .shards import DEFAULT_SHARD_SIZE, run_shards

__all__ = ["Location", "StoreRef", "SyncReport", "SyncPlan", "Filter", "copy", "sync",
           "MaxDeleteExceeded", "ListingOrderError", "merge_join", "needs_copy",
           "glob_to_regex", "parse_duration", "parse_size", "MODES", "MTIME_PROPERTY"]


def sync(src: Location, dst: Location, *, compare: str = "mtime", update: bool = False,
         filter: Optional[Filter] = None, delete: bool = False,
         max_delete: Optional[int] = None, dry_run: bool = False, checkers: int = 8,
         transfers: int = 4, resume: bool = True, executor: Optional[Executor] = None,
         shard_size: int = DEFAULT_SHARD_SIZE,
         progress: Optional[ProgressFn] = None) -> SyncReport:
    """Make ``dst`` hold what ``src`` holds.

    :param compare: when a destination object is current: ``"mtime"`` (same
        size and modification time, the default), ``"size"`` or
        ``"checksum"`` (see :mod:`objclient.transfer.sync.compare`).
    :param update: leave alone destination objects newer than their source.
    :param filter: which names, sizes and ages are synced (:class:`Filter`).
    :param delete: delete destination objects the source lacks.
    :param max_delete: stop with :class:`MaxDeleteExceeded` rather than
        delete more than this many objects.
    :param dry_run: count what would be done, change nothing.
    :param checkers: threads reading data to compare (a folder's MD5s).
    :param transfers: threads copying and deleting (per shard).
    :param resume: a copy takes over what an interrupted one stored.
    :param executor: runs the shards: None runs one range in this thread;
        a :class:`~concurrent.futures.ThreadPoolExecutor` shares the opened
        stores; any other (a process pool, ``distributed.Client.get_executor()``)
        needs a :class:`StoreRef` on both locations.
    :param shard_size: source names per shard, with an executor.
    :param progress: ``progress(action, name, size)`` for each object (with
        a non-thread executor, ``("shard", last name, bytes copied)`` per shard).
    :returns: a :class:`SyncReport`; a failed object is counted, not raised.
    :raises MaxDeleteExceeded: the delete limit was reached.
    :raises ListingOrderError: a side did not list in UTF-8 byte order.
    """
    started = time.time()
    plan = SyncPlan(compare=compare, update=update, filter=filter or Filter(), delete=delete,
                    dry_run=dry_run, checkers=checkers, transfers=transfers, resume=resume)
    src, dst = src.opened(), dst.opened()
    if not dry_run:
        dst.api.container_create(dst.account, dst.container)
        leftovers = getattr(dst.api, "remove_leftovers", None)
        if leftovers is not None:
            leftovers()
    if executor is None:
        report = _in_this_thread(src, dst, plan, max_delete, progress)
    else:
        portable = not isinstance(executor, ThreadPoolExecutor)
        report = run_shards(executor, src, dst, plan, shard_size=shard_size,
                            max_delete=max_delete, progress=None if portable else progress,
                            portable=portable)
    if not dry_run and not report.failed:
        abort_leftover_uploads(dst, time.time() - started)
    return report


def _in_this_thread(src: Location, dst: Location, plan: SyncPlan, max_delete: Optional[int],
                    progress: Optional[ProgressFn]) -> SyncReport:
    """One range, in two passes when deleting: the first copies and counts
    the extras, the second (only when there are some, within
    ``max_delete``) deletes them.  Both listings have then been read whole,
    and found in byte order, before anything is deleted."""
    if not plan.delete:
        return sync_range(src, dst, plan, progress=progress)
    report = sync_range(src, dst, attrs.evolve(plan, deleting=False), progress=progress)
    check_extras(report.extras, max_delete)
    if report.extras:
        second = sync_range(src, dst, attrs.evolve(plan, only_deletes=True),
                            budget=DeleteBudget(max_delete),
                            progress=_only_deletes(progress))
        report.add_deletes(second)
    report.extras = 0
    return report


def _only_deletes(progress: Optional[ProgressFn]) -> Optional[ProgressFn]:
    if progress is None:
        return None

    def relay(action: str, name: str, size: int) -> None:
        if action != "skipped":
            progress(action, name, size)
    return relay


def abort_leftover_uploads(dst: Location, age: float) -> None:
    """Abort the multipart uploads under ``dst``'s prefix begun more than
    ``age`` seconds ago: once a sync of the prefix has finished, an upload
    older than the sync is one an interrupted run left (its object's copy
    was either resumed by this run or is no longer wanted)."""
    if Capability.MULTIPART not in getattr(dst.api, "capabilities", ()):
        return
    abort = getattr(getattr(dst.api, "blob_client", None), "abort_stale_uploads", None)
    if abort is not None:
        abort(dst.container, older_than=age, prefix=dst.prefix or None)
