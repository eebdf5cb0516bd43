"""Named bulk put jobs: :meth:`MictlanXClient.put_bulk` starts uploads under a
``bulk_id``, :meth:`MictlanXClient.await_bulk` waits for them.

The official client (``mictlanx/asyncx/bulk``, ``_BulkJob``) keeps one job per
id with its own concurrency limit; items are ``BallK`` dicts and the answer is
a ``BulkPutResponse`` dict of ``successes`` (``{"item": BallKDTO}``) and
``failures`` (``{"item": BallKDTO, "error": exception}``).  Here a job is a
thread pool and its futures.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Dict, List, Mapping, Optional

from ...exceptions import ClientError, Conflict, InvalidArgument, NotFound

__all__ = ["BulkJobs", "ballk_dto", "ballk_key"]

#: What ``BallKDTO.from_ballk`` fills in for keys an item leaves out.
_DTO_DEFAULTS = {"rf": 1, "chunk_size": "1MB", "timeout": 30, "max_tries": 3,
                 "max_concurrency": 5, "max_backoff": 60}


def ballk_key(item: Mapping[str, Any]) -> str:
    """The ball key of a ``BallK`` item: ``ball_id`` (the ``BallK`` field),
    or ``key`` (what the official ``put_bulk`` of the seed's version reads).

    :raises InvalidArgument: neither is given, or both and they differ.
    """
    ball, key = item.get("ball_id"), item.get("key")
    if ball is not None and key is not None and ball != key:
        raise InvalidArgument(f"bulk item names two balls: ball_id={ball!r}, key={key!r}")
    if ball is None and key is None:
        raise InvalidArgument("a bulk item needs 'ball_id' (or 'key'), 'bucket_id' and 'source'")
    return str(ball if ball is not None else key)


def ballk_dto(item: Mapping[str, Any]) -> Dict[str, Any]:
    """``BallKDTO.from_ballk``: the item without its bytes (``source`` is the
    path, or ``""`` with ``in_memory`` True for bytes)."""
    source = item.get("source", "")
    dto: Dict[str, Any] = {"bucket_id": item.get("bucket_id"), "ball_id": ballk_key(item),
                           "source": source if isinstance(source, str) else "",
                           "tags": dict(item.get("tags") or {})}
    for name, default in _DTO_DEFAULTS.items():
        dto[name] = item.get(name, default)
    if isinstance(source, (bytes, bytearray, memoryview)) or source == "":
        dto["in_memory"] = True
    return dto


class _Job:
    def __init__(self, max_concurrency: int) -> None:
        self.pool = ThreadPoolExecutor(max_workers=max(1, int(max_concurrency)),
                                       thread_name_prefix="mictlanx-bulk")
        self.futures: List[Future] = []
        self.response: Optional[Dict[str, List[Dict[str, Any]]]] = None


class BulkJobs:
    """The bulk jobs of one client, by id."""

    def __init__(self) -> None:
        self._jobs: Dict[str, _Job] = {}
        self._lock = threading.Lock()

    def submit(self, bulk_id: str, max_concurrency: int,
               run: Callable[[Mapping[str, Any]], Any], items: List[Mapping[str, Any]]) -> None:
        """Start ``run(item)`` for every item under ``bulk_id`` (a new job
        takes ``max_concurrency``; a known one keeps its own).

        :raises Conflict: the job was already awaited (as the official client).
        """
        with self._lock:
            job = self._jobs.get(bulk_id)
            if job is None:
                job = self._jobs[bulk_id] = _Job(max_concurrency)
            if job.response is not None:
                raise Conflict(f"bulk job {bulk_id!r} was already awaited; "
                               "use another bulk_id for more items")
            job.futures += [job.pool.submit(_outcome, run, item) for item in items]

    def wait(self, bulk_id: str, remove_on_completion: bool) -> Dict[str, List[Dict[str, Any]]]:
        """Wait for the job's items; :returns: its ``BulkPutResponse`` (the same
        one again on a later call, unless the job was removed).

        :raises NotFound: no job has this id.
        """
        with self._lock:
            job = self._jobs.get(bulk_id)
        if job is None:
            raise NotFound(f"No bulk job found with id '{bulk_id}'")
        if job.response is None:
            results = [f.result() for f in job.futures]
            job.pool.shutdown(wait=True)
            job.response = {"successes": [r for r in results if "error" not in r],
                            "failures": [r for r in results if "error" in r]}
        if remove_on_completion:
            with self._lock:
                self._jobs.pop(bulk_id, None)
        return job.response


def _outcome(run: Callable[[Mapping[str, Any]], Any],
             item: Mapping[str, Any]) -> Dict[str, Any]:
    """One item's entry: ``{"item": dto}`` or ``{"item": dto, "error": err}``."""
    try:
        dto = ballk_dto(item)
    except InvalidArgument as err:
        return {"item": dict(item, source=""), "error": err}
    try:
        run(item)
    except ClientError as err:
        return {"item": dto, "error": err}
    return {"item": dto}
