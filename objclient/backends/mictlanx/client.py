"""The MictlanX low-level client: chunked replicated puts, verified gets.

Synchronous and raising (the official client is asyncio-only and returns
``Result`` values).  Reached as ``api.blob_client.mictlanx`` (the same object
on every sub-client, ``backend.mictlanx``).

A put splits the value into chunks ``"{key}_{i}"``; each chunk is one
put-metadata (``POST /api/v4/buckets/{bucket}/metadata``) and one streamed
data upload to the task the router returned, done in worker threads with
per-chunk retries (exponential backoff with jitter, capped).  Chunk 0 is sent
last, once every other chunk is stored and the whole value's checksums are
known: it carries ``num_chunks``, ``full_checksum`` and the tags, so a ball
only becomes visible when it is complete.
"""

from __future__ import annotations

import hashlib
import os
import random
import threading
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import (Any, Callable, Deque, Dict, Iterator, List, Mapping,
                    Optional, Sequence, Tuple, Union)

from ...contract import DEFAULT_OPTS, CallOptions
from ...exceptions import (ChecksumMismatch, ClientError, Conflict,
                           DeadlineReached, InvalidArgument, NotFound,
                           ServerError)
from ...http.retry import RetryPolicy
from .cache import BallCache
from .models import (BallInfo, BulkFailure, BulkItem, BulkResult, ChunkMeta, ChunkOutcome,
                     DeleteBucketResult, PutResult, ball_from_records, dedupe_records)
from .chunking import (as_client_error, check_rf, collect, plan_reads, positive, read_full,
                       retryable)
from .names import check_key, check_user_tags, chunk_key, parse_size
from .routers import API_PREFIX, RouterTransport

__all__ = ["MictlanXClient", "LowLevelAccess", "MAX_AVAILABILITY_CODE"]

#: ``detail.code`` of the router's "already on every candidate peer" 404.
MAX_AVAILABILITY_CODE = "666"
_EMPTY_PAD = b"\0"
#: Chunk puts retry in :meth:`MictlanXClient._put_chunk` (metadata and data
#: together), so the HTTP layer must not retry them on its own.
_NO_RETRY = RetryPolicy.disabled()
Size = Union[int, str]


class MictlanXClient:
    """MictlanX's own operations over the backend's routers.

    :param transport: the router transport (pool + HTTP client).
    :param client_id: sent as ``producer_id``.
    :param chunk_size: default chunk size (``"256kb"`` as the official client).
    :param rf: default replication factor.
    :param max_workers: threads per put or get.
    :param max_tries: attempts per chunk.
    :param max_backoff: longest wait between attempts, seconds.
    :param backoff_base: first wait, seconds; doubles per attempt.
    :param cache: the read cache.
    """

    def __init__(self, transport: RouterTransport, *, client_id: str = "objclient",
                 chunk_size: Size = "256kb", rf: int = 1, max_workers: int = 8,
                 max_tries: int = 5, max_backoff: float = 5.0, backoff_base: float = 0.5,
                 cache: Optional[BallCache] = None) -> None:
        self.transport = transport
        self.client_id = client_id
        self.chunk_size = positive(parse_size(chunk_size, "chunk_size"), "chunk_size")
        self.rf = check_rf(rf)
        self.max_workers = max(1, int(max_workers))
        self.max_tries = max(1, int(max_tries))
        self.max_backoff = float(max_backoff)
        self.backoff_base = float(backoff_base)
        self.cache = cache if cache is not None else BallCache(0)
        self.sleep: Callable[[float], None] = time.sleep
        self._rng = random.Random()
        self._rng_lock = threading.Lock()

    # -- put -----------------------------------------------------------------------
    def put(self, bucket_id: str, key: str, value: bytes, *, chunk_size: Optional[Size] = None,
            rf: Optional[int] = None, max_tries: Optional[int] = None,
            max_backoff: Optional[float] = None, max_workers: Optional[int] = None,
            tags: Optional[Mapping[str, str]] = None,
            content_type: str = "application/octet-stream",
            opts: CallOptions = DEFAULT_OPTS) -> PutResult:
        """Store ``value`` as ball ``key`` of ``bucket_id`` (replacing it).

        :param chunk_size: bytes per chunk (int or ``"256kb"``, ``"1MB"``).
        :param rf: replicas per chunk.
        :param max_tries: attempts per chunk.
        :param max_backoff: cap of the wait between attempts, seconds.
        :param max_workers: chunks uploaded at once.
        :param tags: user tags (written on chunk 0).
        :returns: per-chunk outcomes; :attr:`PutResult.ok` is always True
            (a chunk that fails after its retries raises).
        :raises InvalidName: the key or bucket id would be changed by the router.
        :raises ClientError: the last error of a chunk that could not be stored.
        """
        import io
        return self.put_stream(bucket_id, key, io.BytesIO(bytes(value)), chunk_size=chunk_size,
                               rf=rf, max_tries=max_tries, max_backoff=max_backoff,
                               max_workers=max_workers, tags=tags, content_type=content_type,
                               opts=opts)

    def put_file(self, bucket_id: str, key: str, path: Union[str, "os.PathLike[str]"], *,
                 tags: Optional[Mapping[str, str]] = None, **kwargs: Any) -> PutResult:
        """Like :meth:`put`, streaming from a file with constant memory
        (about ``(max_workers + 1) * chunk_size``); tags ``fullname`` and
        ``extension`` are added as the official client does."""
        base = os.path.basename(os.fspath(path))
        all_tags = {"fullname": base, "extension": os.path.splitext(base)[1].lstrip(".")}
        all_tags.update(tags or {})
        try:
            fh = open(path, "rb")
        except OSError as exc:
            raise InvalidArgument(f"cannot open {os.fspath(path)!r}: {exc.strerror}") from None
        with fh:
            return self.put_stream(bucket_id, key, fh, tags=all_tags, **kwargs)

    def put_stream(self, bucket_id: str, key: str, reader: Any, *,
                   chunk_size: Optional[Size] = None, rf: Optional[int] = None,
                   max_tries: Optional[int] = None, max_backoff: Optional[float] = None,
                   max_workers: Optional[int] = None, tags: Optional[Mapping[str, str]] = None,
                   content_type: str = "application/octet-stream",
                   expected_md5: Optional[str] = None,
                   system_tags: Optional[Mapping[str, str]] = None,
                   opts: CallOptions = DEFAULT_OPTS) -> PutResult:
        """Store what ``reader.read()`` yields (any length, read once).

        :param expected_md5: hex MD5 the data must have; on a mismatch the
            ball is not committed and :class:`ChecksumMismatch` is raised.
        :param system_tags: objclient's own tags for chunk 0.
        """
        bucket = check_key(bucket_id, "bucket id")
        ball = check_key(key, "key")
        size_each = positive(parse_size(chunk_size, "chunk_size"), "chunk_size") \
            if chunk_size is not None else self.chunk_size
        replicas = check_rf(rf if rf is not None else self.rf)
        user = check_user_tags(tags or {})
        tries = max(1, int(max_tries)) if max_tries is not None else self.max_tries
        cap = float(max_backoff) if max_backoff is not None else self.max_backoff
        workers = max(1, int(max_workers)) if max_workers is not None else self.max_workers
        old = self._records(bucket, ball, opts)
        overwrite = bool(old)
        sha, md5 = hashlib.sha256(), hashlib.md5()
        first = read_full(reader, size_each)
        sha.update(first)
        md5.update(first)
        total = len(first)
        outcomes: List[ChunkOutcome] = []
        written: List[int] = []
        pending: Deque[Future] = deque()
        stamp = str(time.time_ns())

        def tags_for(index: int, data: bytes) -> Dict[str, str]:
            return {"index": str(index), "chunk_size": str(len(data)), "group_id": ball,
                    "updated_at": stamp}

        failure: Optional[ClientError] = None
        with ThreadPoolExecutor(max_workers=workers,
                                thread_name_prefix="mictlanx-put") as pool:
            index = 1
            while failure is None:
                block = read_full(reader, size_each) if first else b""
                if not block:
                    break
                sha.update(block)
                md5.update(block)
                total += len(block)
                pending.append(pool.submit(
                    self._put_chunk, bucket, ball, index, block, tags_for(index, block),
                    replicas, content_type, overwrite, tries, cap, opts))
                written.append(index)
                index += 1
                while len(pending) > workers:
                    failure = collect(pending.popleft(), outcomes) or failure
            while pending:
                failure = collect(pending.popleft(), outcomes) or failure
        md5_hex, sha_hex = md5.hexdigest(), sha.hexdigest()
        if failure is None and expected_md5 is not None and expected_md5.lower() != md5_hex:
            failure = ChecksumMismatch(
                f"data has MD5 {md5_hex}, the caller expected {expected_md5}; "
                "nothing was stored", expected=expected_md5.lower(), actual=md5_hex)
        if failure is None:
            data0 = first if total else _EMPTY_PAD
            tags0 = tags_for(0, data0)
            tags0.update(user)
            tags0.update({"num_chunks": str(len(written) + 1), "full_checksum": sha_hex,
                          "objclient_size": str(total), "objclient_md5": md5_hex})
            tags0.update(system_tags or {})
            outcome = self._put_chunk(bucket, ball, 0, data0, tags0, replicas, content_type,
                                      overwrite, tries, cap, opts)
            outcomes.insert(0, outcome)
            if not outcome.ok:
                failure = as_client_error(outcome.error)
        if failure is not None:
            self._discard(bucket, ball, written, overwrite, opts)
            self.cache.invalidate(bucket, ball)
            raise failure
        count = len(written) + 1
        stale = [r.key for r in old if (r.index or 0) >= count]
        for stale_key in stale:
            self.delete_by_key(bucket, stale_key, opts=opts)
        self.cache.invalidate(bucket, ball)
        outcomes.sort(key=lambda o: o.index)
        return PutResult(bucket_id=bucket, key=ball, size=total, checksum=sha_hex, md5=md5_hex,
                         chunks=outcomes)

    def _discard(self, bucket: str, ball: str, written: List[int], overwrite: bool,
                 opts: CallOptions) -> None:
        """Best-effort removal of what a failed put left behind."""
        try:
            if overwrite and written:
                self.delete(bucket, ball, opts=opts)
            else:
                for index in written:
                    self.delete_by_key(bucket, chunk_key(ball, index), opts=opts)
        except ClientError:
            pass

    def _backoff(self, attempt: int, cap: float) -> float:
        policy = RetryPolicy(total=self.max_tries, backoff_factor=self.backoff_base,
                             backoff_max=cap, jitter=0.5)
        with self._rng_lock:
            return policy.backoff(attempt, self._rng)

    def _put_chunk(self, bucket: str, ball: str, index: int, data: bytes,
                   tags: Dict[str, str], rf: int, content_type: str, update: bool,
                   max_tries: int, cap: float, opts: CallOptions) -> ChunkOutcome:
        """Put one chunk (metadata, then data), retrying; never raises except
        when the deadline passes."""
        key = chunk_key(ball, index)
        meta = ChunkMeta(key=key, ball_id=ball, bucket_id=bucket, size=len(data),
                         checksum=hashlib.sha256(data).hexdigest(), tags=tags,
                         content_type=content_type, producer_id=self.client_id)
        error: Optional[Exception] = None
        attempt = 0
        while attempt < max_tries:
            attempt += 1
            try:
                router, resp = self.transport.request(
                    "POST", f"{API_PREFIX}/buckets/{bucket}/metadata", opts,
                    headers={"Update": "1" if update else "0"}, json=meta.to_dto(rf),
                    service="put_metadata", retries=_NO_RETRY)
                body = resp.json()
                update = True  # the record exists now, whatever happens next
                task_id = (body.get("tasks_ids") or [None])[0]
                if not task_id:
                    raise ServerError("the router returned no task for the chunk")
                self.transport.request(
                    "POST", f"{API_PREFIX}/buckets/data/{task_id}/chunked", opts,
                    router=router, data=data, retries=_NO_RETRY,
                    headers={"Content-Type": "application/octet-stream"}, service="put_data")
                return ChunkOutcome(index=index, key=key, ok=True, attempts=attempt,
                                    size=len(data), replicas=list(body.get("replicas") or []))
            except DeadlineReached:
                raise
            except (ClientError, ValueError, AttributeError) as exc:
                error = exc
                if isinstance(exc, ClientError) and not update and (
                        isinstance(exc, (NotFound, Conflict))):
                    update = True  # the key exists (code 666 / "already exists")
                    continue
                if not retryable(exc) or attempt >= max_tries:
                    break
                wait = self._backoff(attempt, cap)
                if opts.deadline is not None and time.monotonic() + wait >= opts.deadline:
                    break
                self.sleep(wait)
        return ChunkOutcome(index=index, key=key, ok=False, attempts=attempt, size=len(data),
                            error=error)

    # -- bulk ----------------------------------------------------------------------
    def put_bulk(self, items: Sequence[BulkItem], *, max_workers: int = 4,
                 stop_on_failure: bool = False, rf: Optional[int] = None,
                 chunk_size: Optional[Size] = None,
                 opts: CallOptions = DEFAULT_OPTS) -> BulkResult:
        """Put many balls, ``max_workers`` at a time.

        :param stop_on_failure: after the first failure, items not yet
            started are skipped (reported in ``skipped``).
        :returns: successes (``PutResult``) and failures (item and error).
        """
        stop = threading.Event()
        successes: List[PutResult] = []
        failures: List[BulkFailure] = []
        skipped: List[BulkItem] = []
        lock = threading.Lock()

        def run(item: BulkItem) -> None:
            if stop.is_set():
                with lock:
                    skipped.append(item)
                return
            kwargs: Dict[str, Any] = {
                "rf": item.rf if item.rf is not None else rf,
                "chunk_size": item.chunk_size if item.chunk_size is not None else chunk_size,
                "tags": item.tags, "opts": opts}
            try:
                if item.path is not None:
                    result = self.put_file(item.bucket_id, item.key, item.path, **kwargs)
                else:
                    result = self.put(item.bucket_id, item.key, item.value or b"",
                                      content_type=item.content_type
                                      or "application/octet-stream", **kwargs)
            except ClientError as err:
                with lock:
                    failures.append(BulkFailure(item=item, error=err))
                if stop_on_failure:
                    stop.set()
                return
            with lock:
                successes.append(result)

        with ThreadPoolExecutor(max_workers=max(1, int(max_workers)),
                                thread_name_prefix="mictlanx-bulk") as pool:
            list(pool.map(run, items))
        return BulkResult(successes=successes, failures=failures, skipped=skipped)

    # -- metadata ------------------------------------------------------------------
    def _records(self, bucket: str, ball: str, opts: CallOptions) -> List[ChunkMeta]:
        try:
            doc = self.transport.json(
                "GET", f"{API_PREFIX}/buckets/{bucket}/metadata/{ball}/chunks", opts,
                service="get_metadata")
        except NotFound:
            return []
        chunks = doc.get("chunks", []) if isinstance(doc, dict) else (doc or [])
        return dedupe_records([ChunkMeta.from_json(c, bucket) for c in chunks
                               if isinstance(c, dict)])

    def get_metadata(self, bucket_id: str, key: str,
                     opts: CallOptions = DEFAULT_OPTS) -> BallInfo:
        """A ball's chunks and checksums (``GET .../metadata/{key}/chunks``).

        :raises NotFound: no committed ball (no chunk 0) with this key.
        """
        bucket, ball = check_key(bucket_id, "bucket id"), check_key(key)
        info = ball_from_records(bucket, ball, self._records(bucket, ball, opts))
        if info is None:
            raise NotFound(f"no ball {ball!r} in MictlanX bucket {bucket!r}")
        return info

    def get_metadata_by_key(self, bucket_id: str, key: str,
                            opts: CallOptions = DEFAULT_OPTS) -> ChunkMeta:
        """One chunk object's record (``GET .../metadata/{key}``)."""
        bucket, ckey = check_key(bucket_id, "bucket id"), check_key(key)
        doc = self.transport.json("GET", f"{API_PREFIX}/buckets/{bucket}/metadata/{ckey}",
                                  opts, service="get_metadata")
        return ChunkMeta.from_json((doc or {}).get("metadata") or {}, bucket)

    def update_metadata(self, record: ChunkMeta, rf: Optional[int] = None,
                        opts: CallOptions = DEFAULT_OPTS) -> None:
        """Replace a chunk object's record (``POST /api/v4/u/buckets/...``)."""
        self.transport.request(
            "POST", f"{API_PREFIX}/u/buckets/{record.bucket_id}/{record.key}", opts,
            json=record.to_dto(rf if rf is not None else self.rf), idempotent=True,
            service="update_metadata")

    def get_chunks_by_bucket_id(self, bucket_id: str,
                                opts: CallOptions = DEFAULT_OPTS) -> List[ChunkMeta]:
        """Every chunk object of a bucket (one record per key)."""
        bucket = check_key(bucket_id, "bucket id")
        doc = self.transport.json("GET", f"{API_PREFIX}/buckets/{bucket}/metadata", opts,
                                  service="list")
        balls = (doc or {}).get("balls") or []
        return dedupe_records([ChunkMeta.from_json(b, bucket) for b in balls
                               if isinstance(b, dict)])

    # -- get -----------------------------------------------------------------------
    def get_chunk(self, bucket_id: str, key: str, index: int, *, force: bool = False,
                  expected: Optional[ChunkMeta] = None,
                  opts: CallOptions = DEFAULT_OPTS) -> bytes:
        """One chunk's bytes, checked against its record's sha256.

        A mismatch is read again once with ``Force-Get: 1`` (past the
        router's cache) before :class:`ChecksumMismatch` is raised.
        """
        bucket, ball = check_key(bucket_id, "bucket id"), check_key(key)
        ckey = chunk_key(ball, index)
        if expected is None:
            expected = self.get_metadata_by_key(bucket, ckey, opts)
        for forced in ((True,) if force else (False, True)):
            _r, resp = self.transport.request(
                "GET", f"{API_PREFIX}/buckets/{bucket}/{ckey}", opts, service="get_data",
                headers={"Accept-Encoding": "identity", "Force-Get": "1" if forced else "0"})
            data = resp.content
            actual = hashlib.sha256(data).hexdigest()
            if len(data) == expected.size and (not expected.checksum
                                               or actual == expected.checksum):
                return data
        raise ChecksumMismatch(
            f"chunk {ckey!r} of bucket {bucket!r} has sha256 {actual} and {len(data)} bytes; "
            f"its metadata says {expected.checksum} and {expected.size} bytes",
            expected=expected.checksum, actual=actual)

    def iter_ball(self, info: BallInfo, *, ranges: Optional[Sequence[Tuple[Any, Any]]] = None,
                  max_workers: Optional[int] = None, force: bool = False,
                  opts: CallOptions = DEFAULT_OPTS) -> Iterator[bytes]:
        """The bytes of a ball (or of ``ranges``), chunk after chunk in order,
        fetched ``max_workers`` chunks ahead; every chunk is checked, and a
        whole read also against ``full_checksum`` and the MD5.

        :raises ServerError: chunk records are missing (incomplete ball).
        :raises ChecksumMismatch: a chunk or the whole ball is corrupt.
        """
        if not info.complete:
            raise ServerError(f"ball {info.ball_id!r} of bucket {info.bucket_id!r} lacks "
                              f"chunks ({len(info.chunks)} of {info.num_chunks} found)")
        plan = plan_reads(info, ranges)
        workers = max(1, int(max_workers or self.max_workers))
        whole = ranges is None
        sha = hashlib.sha256() if whole and info.checksum else None
        md5 = hashlib.md5() if whole and info.md5 else None

        def fetch(index: int) -> bytes:
            return self.get_chunk(info.bucket_id, info.ball_id, index, force=force,
                                  expected=info.chunks[index], opts=opts)

        needed: List[int] = []
        for index, _lo, _hi in plan:
            if not needed or needed[-1] != index:
                needed.append(index)
        with ThreadPoolExecutor(max_workers=workers,
                                thread_name_prefix="mictlanx-get") as pool:
            futures: Dict[int, Future] = {}
            ahead = iter(needed)

            def top_up() -> None:
                while len(futures) < workers:
                    nxt = next(ahead, None)
                    if nxt is None:
                        return
                    futures[nxt] = pool.submit(fetch, nxt)

            current: Tuple[int, bytes] = (-1, b"")
            try:
                top_up()
                for index, lo, hi in plan:
                    if current[0] != index:
                        current = (index, futures.pop(index).result())
                        top_up()
                    piece = current[1][lo:hi]
                    if sha is not None:
                        sha.update(piece)
                    if md5 is not None:
                        md5.update(piece)
                    if piece:
                        yield piece
            finally:
                for fut in futures.values():
                    fut.cancel()
        if sha is not None and sha.hexdigest() != info.checksum:
            raise ChecksumMismatch(f"ball {info.ball_id!r} has sha256 {sha.hexdigest()}, its "
                                   f"full_checksum is {info.checksum}",
                                   expected=info.checksum, actual=sha.hexdigest())
        if md5 is not None and md5.hexdigest() != info.md5:
            raise ChecksumMismatch(f"ball {info.ball_id!r} has MD5 {md5.hexdigest()}, "
                                   f"expected {info.md5}", expected=info.md5,
                                   actual=md5.hexdigest())

    def get(self, bucket_id: str, key: str, *, max_workers: Optional[int] = None,
            force: bool = False, opts: CallOptions = DEFAULT_OPTS) -> bytes:
        """A whole ball, verified; served from the read cache when the cached
        copy has the ball's current ``full_checksum``."""
        info = self.get_metadata(bucket_id, key, opts)
        if info.checksum and not force:
            cached = self.cache.get(info.bucket_id, info.ball_id, info.checksum)
            if cached is not None:
                return cached
        data = b"".join(self.iter_ball(info, max_workers=max_workers, force=force, opts=opts))
        if info.checksum:
            self.cache.put(info.bucket_id, info.ball_id, info.checksum, data)
        return data

    def get_stream(self, bucket_id: str, key: str, *, max_workers: Optional[int] = None,
                   force: bool = False, opts: CallOptions = DEFAULT_OPTS) -> Iterator[bytes]:
        """A ball's bytes chunk by chunk, in order, without holding it all
        (see :meth:`iter_ball`); the metadata is read at once."""
        info = self.get_metadata(bucket_id, key, opts)
        return self.iter_ball(info, max_workers=max_workers, force=force, opts=opts)

    def get_to_file(self, bucket_id: str, key: str, path: Union[str, "os.PathLike[str]"], *,
                    max_workers: Optional[int] = None,
                    opts: CallOptions = DEFAULT_OPTS) -> str:
        """Write a ball to ``path`` (via a temporary file, renamed when the
        checksums hold); :returns: the path."""
        info = self.get_metadata(bucket_id, key, opts)
        target = os.fspath(path)
        tmp = f"{target}.part-{os.getpid()}-{threading.get_ident()}"
        try:
            with open(tmp, "wb") as fh:
                for piece in self.iter_ball(info, max_workers=max_workers, opts=opts):
                    fh.write(piece)
            os.replace(tmp, target)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return target

    # -- delete --------------------------------------------------------------------
    def delete_by_key(self, bucket_id: str, key: str,
                      opts: CallOptions = DEFAULT_OPTS) -> int:
        """Delete one chunk object on every router (``Force: 1``).

        :returns: ``n_deletes`` summed over routers (0 when absent).
        """
        bucket, ckey = check_key(bucket_id, "bucket id"), check_key(key)
        answers = self.transport.broadcast("DELETE", f"{API_PREFIX}/buckets/{bucket}/{ckey}",
                                           opts, headers={"Force": "1"}, service="delete")
        return sum(int((body or {}).get("n_deletes") or 0) for _r, body in answers)

    def delete(self, bucket_id: str, key: str, opts: CallOptions = DEFAULT_OPTS) -> int:
        """Delete every chunk of ball ``key`` (``DELETE .../bid/{key}`` on every
        router); :returns: ``n_deletes`` summed."""
        bucket, ball = check_key(bucket_id, "bucket id"), check_key(key)
        answers = self.transport.broadcast("DELETE", f"{API_PREFIX}/buckets/{bucket}/bid/{ball}",
                                           opts, headers={"Force": "1"}, service="delete")
        self.cache.invalidate(bucket, ball)
        return sum(int((body or {}).get("n_deletes") or 0) for _r, body in answers)

    def delete_bucket(self, bucket_id: str, opts: CallOptions = DEFAULT_OPTS
                      ) -> DeleteBucketResult:
        """Delete every chunk object listed in a bucket."""
        records = self.get_chunks_by_bucket_id(bucket_id, opts)
        deleted = failed = 0
        for rec in records:
            try:
                self.delete_by_key(rec.bucket_id or bucket_id, rec.key, opts)
                deleted += 1
            except ClientError:
                failed += 1
        self.cache.invalidate(bucket_id)
        return DeleteBucketResult(bucket_id=bucket_id, deleted=deleted, failed=failed,
                                  total=len(records), keys=[r.key for r in records])

    # -- routers -------------------------------------------------------------------
    def router_health(self) -> List[Any]:
        """What the client knows of each router (see :class:`RouterState`)."""
        return self.transport.pool.health()

    def check_routers(self, opts: CallOptions = DEFAULT_OPTS) -> Dict[str, Any]:
        """Probe every router with ``GET /api/v4/peers/stats``.

        :returns: router URL to its peer statistics, or to the error.
        """
        out: Dict[str, Any] = {}
        for url in self.transport.pool.urls:
            try:
                _r, resp = self.transport.request("GET", f"{API_PREFIX}/peers/stats", opts,
                                                  router=url, service="health")
                out[url] = resp.json() if resp.content else {}
            except (ClientError, ValueError) as err:
                out[url] = err
        return out


class LowLevelAccess:
    """Mixin of the four sub-clients: ``.mictlanx`` is the low-level client."""

    backend: Any

    @property
    def mictlanx(self) -> MictlanXClient:
        """The backend's :class:`MictlanXClient` (rf, bulk puts, chunk gets,
        router health)."""
        return self.backend.mictlanx  # type: ignore[no-any-return]
