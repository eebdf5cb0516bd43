"""Pure helpers of the MictlanX low-level client: chunk reading, read
planning over chunk boundaries, and which failures a chunk put retries."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any, Iterable, List, Optional, Tuple

from ...exceptions import (BadRequest, ClientError, Conflict, ConnectionFailed,
                           DeadlineReached, InvalidArgument, NotFound, ServerError, Timeout,
                           TooManyRequests)
from ...ranges import resolve_range
from ...source import read_up_to
from .models import BallInfo, ChunkOutcome

__all__ = ["positive", "check_rf", "read_full", "retryable", "as_client_error", "collect",
           "plan_reads", "MAX_AVAILABILITY_CODE", "is_refusal", "refusal_conflict"]

#: ``detail.code`` of the router's "already on every candidate peer" 404.
MAX_AVAILABILITY_CODE = "666"


def positive(value: int, what: str) -> int:
    """``value`` if it is > 0. :raises InvalidArgument: otherwise."""
    if value <= 0:
        raise InvalidArgument(f"{what} must be > 0")
    return value


def check_rf(rf: Any) -> int:
    """A replication factor (an int >= 1). :raises InvalidArgument: otherwise."""
    if isinstance(rf, bool) or not isinstance(rf, int) or rf < 1:
        raise InvalidArgument(f"rf (replication factor) must be an int >= 1, not {rf!r}")
    return rf


#: ``size`` bytes of a reader, fewer only at its end (the shared helper).
read_full = read_up_to


def retryable(exc: BaseException) -> bool:
    """Whether a chunk put that failed with ``exc`` is worth another attempt
    (connection errors, timeouts, 5xx, 429, the router's "no available
    peers"/"task not found" 404s and malformed answers)."""
    if isinstance(exc, DeadlineReached):
        return False
    return isinstance(exc, (ConnectionFailed, Timeout, ServerError, TooManyRequests, NotFound,
                            ValueError, AttributeError)) and not isinstance(exc, BadRequest)


def is_refusal(exc: BaseException) -> bool:
    """Whether a put-metadata failed because the key already has replicas:
    404 with ``detail.code`` 666 (router HEAD) or 409 "already exists"
    (older routers).  The router answers so whatever ``Update`` says."""
    if isinstance(exc, NotFound):
        return exc.code == MAX_AVAILABILITY_CODE
    return isinstance(exc, Conflict)


def refusal_conflict(exc: ClientError, bucket: str, key: str) -> Conflict:
    """The :class:`Conflict` a refused chunk key ends in (status, code and
    server message kept)."""
    err = Conflict(f"MictlanX refused chunk {key!r} of bucket {bucket!r}: the key is already "
                   "stored (written by another client, or by a put whose answer was lost); "
                   "objclient left it untouched", status=exc.status, method=exc.method,
                   url=exc.url)
    err.code, err.server_message = exc.code, exc.server_message
    return err


def as_client_error(exc: Optional[Exception]) -> ClientError:
    """``exc`` as a :class:`ClientError` (a malformed answer becomes ServerError)."""
    if isinstance(exc, ClientError):
        return exc
    return ServerError(f"the MictlanX router sent an unexpected answer: {exc}")


def collect(fut: Future, outcomes: List[ChunkOutcome]) -> Optional[ClientError]:
    """Wait for a chunk put; record its outcome. :returns: its error, if it failed."""
    outcome = fut.result()
    outcomes.append(outcome)
    return None if outcome.ok else as_client_error(outcome.error)


def plan_reads(info: BallInfo, ranges: Optional[Iterable[Tuple[Any, Any]]]
          ) -> List[Tuple[int, int, int]]:
    """``(chunk_index, start, stop)`` slices that make up the asked bytes."""
    if info.size == 0:
        return []
    if ranges is None:
        return [(i, 0, c.size) for i, c in enumerate(info.chunks)]
    offsets = []
    pos = 0
    for chunk in info.chunks:
        offsets.append(pos)
        pos += chunk.size
    plan = []
    for rng in ranges:
        first, last = resolve_range(rng, info.size)
        for i, chunk in enumerate(info.chunks):
            lo, hi = offsets[i], offsets[i] + chunk.size - 1
            if hi < first or lo > last:
                continue
            plan.append((i, max(first, lo) - lo, min(last, hi) - lo + 1))
    return plan
