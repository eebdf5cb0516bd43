"""A sync cut into key ranges that any :class:`concurrent.futures.Executor` runs.

The coordinator reads the source listing once, names only, and cuts it every
``shard_size`` names: shard ``i`` holds the names after the last name of
shard ``i - 1`` and up to its own last name (the first starts at the
beginning, the last runs to the end, so destination names past either end
are covered).  Each shard is submitted as soon as its end is known; the
worker lists both sides of its own range and copies it
(:func:`~.engine.sync_range`).  A :class:`ShardTask` is picklable and holds
no secret: its locations carry a :class:`~.copying.StoreRef`, from which
the worker opens the stores with its own credentials.

A shard that fails or whose worker dies can run again: a copy that finished
is skipped the second time, one that did not resumes.

With ``delete``, the shards first only count the destination's extras;
when the total is within ``max_delete``, the shards that found some run
again to delete them: nothing is deleted when the limit would be passed,
nor before both listings of a range were read whole and found in order.
"""

from __future__ import annotations

from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from typing import Dict, Iterator, List, Optional, Set, Tuple

import attrs

from .copying import Location
from .engine import ProgressFn, SyncPlan, check_extras, sync_range
from .merge import side_listing
from .report import SyncReport

__all__ = ["ShardTask", "run_shard", "shard_bounds", "run_shards", "DEFAULT_SHARD_SIZE"]

#: Names per shard: enough that a shard's listing requests amortise, few
#: enough that a lost worker costs little.
DEFAULT_SHARD_SIZE = 2000

#: Shards submitted and not finished, at most.
MAX_PENDING = 64


@attrs.frozen
class ShardTask:
    """One key range of a sync, as sent to a worker."""

    src: Location
    dst: Location
    plan: SyncPlan
    after: Optional[str]
    upto: Optional[str]


def run_shard(task: ShardTask) -> SyncReport:
    """Run one shard (on a worker): list both sides of its range, act."""
    return sync_range(task.src, task.dst, task.plan, after=task.after, upto=task.upto)


def shard_bounds(src: Location, shard_size: int) -> Iterator[Tuple[Optional[str], Optional[str]]]:
    """``(after, upto)`` of each shard, found while reading ``src``'s listing."""
    after: Optional[str] = None
    count = 0
    for rel, _info in side_listing(src):
        count += 1
        if count == shard_size:
            yield after, rel
            after, count = rel, 0
    yield after, None


def run_shards(executor: Executor, src: Location, dst: Location, plan: SyncPlan, *,
               shard_size: int = DEFAULT_SHARD_SIZE, max_delete: Optional[int] = None,
               progress: Optional[ProgressFn] = None, portable: bool = True) -> SyncReport:
    """Run a sync as shards on ``executor``; :returns: the summed report.

    :param portable: send locations without their opened stores (processes,
        a cluster); False shares them (threads).
    :raises MaxDeleteExceeded: the extras outnumber ``max_delete`` (nothing
        was deleted).
    """
    counting = plan.delete
    first = attrs.evolve(plan, deleting=not counting)
    sent_src, sent_dst = (src.portable(), dst.portable()) if portable else (src, dst)
    report = SyncReport(dry_run=plan.dry_run)
    with_extras: List[Tuple[Optional[str], Optional[str]]] = []
    tasks = (ShardTask(sent_src, sent_dst, first, a, u) for a, u in shard_bounds(src, shard_size))
    for task, part in _each(executor, tasks):
        report.merge(part)
        if part.extras:
            with_extras.append((task.after, task.upto))
        if progress is not None:
            progress("shard", task.upto or "", part.copied_bytes)
    if counting:
        check_extras(report.extras, max_delete)
        only_delete = attrs.evolve(plan, deleting=True, only_deletes=True)
        again = (ShardTask(sent_src, sent_dst, only_delete, a, u) for a, u in with_extras)
        for _task, part in _each(executor, again):
            report.add_deletes(part)
    report.extras = 0
    return report


def _each(executor: Executor, tasks: Iterator[ShardTask]) -> Iterator[Tuple[ShardTask, SyncReport]]:
    """Submit the tasks, at most :data:`MAX_PENDING` at once; yield each
    finished one with its report."""
    pending: Dict[Future, ShardTask] = {}
    done: Set[Future] = set()
    for task in tasks:
        pending[executor.submit(run_shard, task)] = task
        while len(pending) >= MAX_PENDING:
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            for fut in done:
                yield pending.pop(fut), fut.result()
    while pending:
        done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
        for fut in done:
            yield pending.pop(fut), fut.result()
