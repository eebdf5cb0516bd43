"""The MictlanX low-level client: chunked replicated puts, verified gets.

Synchronous and raising (the official client is asyncio-only and returns
``Result`` values).  Reached as ``api.blob_client.mictlanx`` (the same object
on every sub-client, ``backend.mictlanx``).

A put splits the value into chunks ``"{key}_{i}"``; each chunk is one
put-metadata (``POST /api/v4/buckets/{bucket}/metadata``) and one streamed
data upload to each task the router returned, done in worker threads with
per-chunk retries (exponential backoff with jitter, capped).  Chunk 0 is sent
last, once every other chunk is stored and the whole value's checksums are
known, so a ball only becomes visible to objclient when it is complete; its
``updated_at`` tag is the smallest, so the router lists it first (see
:meth:`MictlanXClient.put_stream`, which also says how a ball is replaced).
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import random
import threading
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import (Any, Callable, Deque, Dict, Iterator, List, Mapping, Optional, Sequence,
                    Tuple, Union)

import attrs

from ...contract import DEFAULT_OPTS, CallOptions
from ...exceptions import (ChecksumMismatch, ClientError, Conflict, DeadlineReached,
                           InvalidArgument, NotFound, ServerError)
from ...http.retry import RetryPolicy
from .bulk import BulkJobs, ballk_key
from .cache import BallCache
from .chunking import (MAX_AVAILABILITY_CODE, as_client_error, check_rf, collect, is_refusal,
                       plan_reads, positive, read_full, refusal_conflict, retryable)
from .models import (BallInfo, BulkFailure, BulkItem, BulkResult, Chunk, ChunkMeta, ChunkOutcome,
                     DeleteBucketResponse, DeletedByKeyResponse,
                     GetRouterBucketMetadataResponse, PutResult, ball_from_records,
                     dedupe_records)
from .names import check_key, check_user_tags, chunk_key, parse_size
from .routers import API_PREFIX, Router, RouterTransport
from .upload import (Checksums, ChunkCreated, UploadPlan, whole_tags, whole_tags_from,
                     whole_tags_of_file)

__all__ = ["MictlanXClient", "LowLevelAccess", "MAX_AVAILABILITY_CODE"]

_EMPTY_PAD = b"\0"
_FORCED_QUERY = {"force_get": "true"}
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
    :param logger: where the client logs its operations (the official
        client's event dicts: ``PUT``, ``DELETE``, ...).
    """

    def __init__(self, transport: RouterTransport, *, client_id: str = "objclient",
                 chunk_size: Size = "256kb", rf: int = 1, max_workers: int = 8,
                 max_tries: int = 5, max_backoff: float = 5.0, backoff_base: float = 0.5,
                 cache: Optional[BallCache] = None,
                 logger: Optional[logging.Logger] = None) -> None:
        self.transport = transport
        self.client_id = client_id
        self.chunk_size = positive(parse_size(chunk_size, "chunk_size"), "chunk_size")
        self.rf = check_rf(rf)
        self.max_workers = max(1, int(max_workers))
        self.max_tries = max(1, int(max_tries))
        self.max_backoff = float(max_backoff)
        self.backoff_base = float(backoff_base)
        self.cache = cache if cache is not None else BallCache(0)
        self.log = logger if logger is not None else logging.getLogger("objclient.mictlanx")
        self.bulk_jobs = BulkJobs()
        self.sleep: Callable[[float], None] = time.sleep
        self._rng = random.Random()
        self._rng_lock = threading.Lock()

    # -- put -----------------------------------------------------------------------
    def put(self, bucket_id: str, key: str, value: bytes, chunk_size: Size = "256kb",
            rf: int = 1, timeout: Optional[float] = 120, max_tries: int = 5,
            max_concurrency: int = 10, max_backoff: float = 5,
            tags: Optional[Mapping[str, str]] = None, *,
            content_type: str = "application/octet-stream", replace: bool = False,
            max_workers: Optional[int] = None, opts: CallOptions = DEFAULT_OPTS) -> bool:
        """Store ``value`` as ball ``key`` of ``bucket_id`` (the official
        ``AsyncClient.put``: same parameters, order and defaults).

        As the official client, a key that is already stored is not
        overwritten: the router refuses it and ``put`` returns False.  With
        ``replace=True`` the ball is deleted first and written again (see
        :meth:`put_stream`, which also returns the per-chunk outcomes).

        :param chunk_size: bytes per chunk (int or ``"256kb"``, ``"1MB"``;
            the client's ``chunk_size`` option applies to the facade's uploads).
        :param rf: replicas per chunk.
        :param timeout: seconds each request may take.
        :param max_tries: attempts per chunk.
        :param max_concurrency: chunks uploaded at once (``max_workers`` is
            its former name).
        :param max_backoff: cap of the wait between attempts, seconds.
        :param tags: user tags (written on every chunk, as the official client does).
        :param replace: replace an existing ball instead of returning False.
        :returns: True when stored, False when the key was already stored.
        :raises InvalidName: the key or bucket id would be changed by the router.
        :raises ClientError: the last error of a chunk that could not be stored.
        """
        value = bytes(value)
        size_each = self._chunk_size(chunk_size)
        whole = whole_tags(value, max(1, -(-len(value) // size_each)))
        workers = max_workers if max_workers is not None else max_concurrency
        try:
            self.put_stream(bucket_id, key, io.BytesIO(value), chunk_size=size_each, rf=rf,
                            max_tries=max_tries, max_backoff=max_backoff, max_workers=workers,
                            tags=tags, content_type=content_type, replace=replace,
                            whole=whole, opts=call_opts(opts, timeout))
        except Conflict:
            self.log.warning({"event": "MAX.AVAILABILITY.REACHED", "bucket_id": bucket_id,
                              "key": key})
            return False
        self.log.info({"event": "PUT", "bucket_id": bucket_id, "key": key, "size": len(value)})
        return True

    def put_single_chunk(self, bucket_id: str, ball_id: str, chunk: Chunk,
                         chunk_size: Size = "256kb", rf: int = 1, timeout: Optional[float] = 120,
                         max_tries: int = 5, max_concurrency: int = 10, max_backoff: float = 5,
                         tags: Optional[Mapping[str, str]] = None, *,
                         opts: CallOptions = DEFAULT_OPTS) -> bool:
        """Store one chunk object, ``chunk.chunk_id``, of ball ``ball_id``
        (the official ``put_single_chunk``): its record carries ``index``,
        ``chunk_size``, ``group_id`` and ``tags`` only, no whole-ball tags.
        ``chunk_size`` and ``max_concurrency`` are accepted as the official
        client does (one chunk is one upload).

        :returns: True when stored, False when the key was already stored.
        :raises ClientError: the chunk could not be stored after ``max_tries``.
        """
        bucket, ball = check_key(bucket_id, "bucket id"), check_key(ball_id, "ball id")
        plan = UploadPlan(
            bucket=bucket, ball=ball, size_each=max(1, chunk.size), rf=check_rf(rf),
            tries=max(1, int(max_tries)), cap=float(max_backoff),
            content_type="application/octet-stream", user=check_user_tags(tags or {}),
            whole={}, stamp=time.time_ns(), opts=call_opts(opts, timeout))
        outcome = self._put_chunk(plan, chunk.index, chunk.data, {},
                                  key=check_key(chunk.chunk_id, "chunk id"))
        self.cache.invalidate(bucket, ball)
        if outcome.ok:
            return True
        if isinstance(outcome.error, Conflict):
            return False
        raise as_client_error(outcome.error)

    def put_file(self, bucket_id: str, key: str, path: Union[str, "os.PathLike[str]"], *,
                 tags: Optional[Mapping[str, str]] = None, **kwargs: Any) -> PutResult:
        """Like :meth:`put`, streaming from a file with constant memory
        (about ``(max_workers + 1) * chunk_size``; the file is read twice, so
        that every chunk carries the whole file's checksum); tags
        ``fullname`` and ``extension`` are added as the official client does."""
        base = os.path.basename(os.fspath(path))
        all_tags = {"fullname": base, "extension": os.path.splitext(base)[1].lstrip(".")}
        all_tags.update(tags or {})
        size_each = self._chunk_size(kwargs.pop("chunk_size", None))
        try:
            fh = open(path, "rb")
        except OSError as exc:
            raise InvalidArgument(f"cannot open {os.fspath(path)!r}: {exc.strerror}") from None
        with fh:
            whole = whole_tags_of_file(fh, size_each)
            fh.seek(0)
            return self.put_stream(bucket_id, key, fh, tags=all_tags, chunk_size=size_each,
                                   whole=whole, **kwargs)

    def _chunk_size(self, chunk_size: Optional[Size]) -> int:
        if chunk_size is None:
            return self.chunk_size
        return positive(parse_size(chunk_size, "chunk_size"), "chunk_size")

    def put_stream(self, bucket_id: str, key: str, reader: Any, *,
                   chunk_size: Optional[Size] = None, rf: Optional[int] = None,
                   max_tries: Optional[int] = None, max_backoff: Optional[float] = None,
                   max_workers: Optional[int] = None, tags: Optional[Mapping[str, str]] = None,
                   content_type: str = "application/octet-stream",
                   expected_md5: Optional[str] = None,
                   system_tags: Optional[Mapping[str, str]] = None, replace: bool = True,
                   whole: Optional[Mapping[str, str]] = None,
                   opts: CallOptions = DEFAULT_OPTS) -> PutResult:
        """Store what ``reader.read()`` yields (any length, read once).

        Chunks ``1..n-1`` go first and chunk 0 last, so a ball is only
        visible to objclient when complete.  Chunk ``i``'s ``updated_at`` tag
        is the put's start time plus ``i`` ns: the router lists a ball's
        records sorted by ``updated_at``, and readers that take a ball's
        metadata from the first record listed (the official client) find
        chunk 0, which carries ``num_chunks``, ``full_checksum`` and the tags.

        An existing ball (seen in the chunk listing) is deleted before the
        first chunk is sent: the router refuses a put-metadata for a key
        with replicas (404 with ``detail.code`` 666, or 409), ``Update``
        header or not.  So a replacement is not atomic: if it fails, the
        previous version is gone too (the error says so).  A chunk key the
        router refuses although objclient had not seen it belongs to another
        writer: the put stops with :class:`Conflict`, and objclient deletes
        only the chunk records this put created.

        :param expected_md5: hex MD5 the data must have; on a mismatch the
            ball is not committed and :class:`ChecksumMismatch` is raised.
        :param system_tags: objclient's own tags for chunk 0.
        :param replace: replace an existing ball (else :class:`Conflict`).
        :param whole: ``num_chunks``/``full_checksum``/size/MD5 tags known
            before the upload (then written on every chunk, not only chunk 0).
        """
        bucket, ball = check_key(bucket_id, "bucket id"), check_key(key, "key")
        plan = UploadPlan(
            bucket=bucket, ball=ball, size_each=self._chunk_size(chunk_size),
            rf=check_rf(rf if rf is not None else self.rf),
            tries=max(1, int(max_tries)) if max_tries is not None else self.max_tries,
            cap=float(max_backoff) if max_backoff is not None else self.max_backoff,
            content_type=content_type, user=check_user_tags(tags or {}),
            whole=dict(whole or {}), stamp=time.time_ns(), opts=opts)
        workers = max(1, int(max_workers)) if max_workers is not None else self.max_workers
        old = self._records(bucket, ball, opts)
        if old and not replace:
            raise Conflict(f"ball {ball!r} already exists in MictlanX bucket {bucket!r}")
        if old:
            self.delete(bucket, ball, opts=opts)
        sums = Checksums()
        first = sums.add(read_full(reader, plan.size_each))
        outcomes: List[ChunkOutcome] = []
        failure = self._put_rest(plan, reader, bool(first), sums, outcomes, workers)
        md5_hex, sha_hex = sums.md5.hexdigest(), sums.sha.hexdigest()
        if failure is None and expected_md5 is not None and expected_md5.lower() != md5_hex:
            failure = ChecksumMismatch(
                f"data has MD5 {md5_hex}, the caller expected {expected_md5}; "
                "nothing was stored", expected=expected_md5.lower(), actual=md5_hex)
        if failure is None:
            tags0 = whole_tags_from(sha_hex, md5_hex, sums.total, len(outcomes) + 1)
            tags0.update(system_tags or {})
            outcome = self._put_chunk(plan, 0, first if sums.total else _EMPTY_PAD, tags0)
            outcomes.insert(0, outcome)
            failure = None if outcome.ok else as_client_error(outcome.error)
        self.cache.invalidate(bucket, ball)
        if failure is not None:
            self._discard(bucket, outcomes, opts)
            if old:
                failure.message += ("; the previous version had been deleted first "
                                    "(MictlanX routers refuse to overwrite a stored key)")
            raise failure
        outcomes.sort(key=lambda o: o.index)
        return PutResult(bucket_id=bucket, key=ball, size=sums.total, checksum=sha_hex,
                         md5=md5_hex, chunks=outcomes)

    def _put_rest(self, plan: UploadPlan, reader: Any, more: bool, sums: Checksums,
                  outcomes: List[ChunkOutcome], workers: int) -> Optional[ClientError]:
        """Upload chunks 1.. from ``reader``, ``workers`` at a time.

        :returns: the first failure (reading stops at it), or None.
        """
        failure: Optional[ClientError] = None
        pending: Deque[Future] = deque()
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mictlanx-put") as pool:
            index = 1
            while failure is None and more:
                block = sums.add(read_full(reader, plan.size_each))
                if not block:
                    break
                pending.append(pool.submit(self._put_chunk, plan, index, block, {}))
                index += 1
                while len(pending) > workers:
                    failure = collect(pending.popleft(), outcomes) or failure
            while pending:
                failure = collect(pending.popleft(), outcomes) or failure
        return failure

    def _discard(self, bucket: str, outcomes: List[ChunkOutcome], opts: CallOptions) -> None:
        """Best-effort removal of the chunk records this put created (never
        a record another writer stored)."""
        for outcome in outcomes:
            if outcome.created:
                try:
                    self.delete_by_key(outcome.key, bucket, timeout=None, opts=opts)
                except ClientError:
                    pass

    def _backoff(self, attempt: int, cap: float) -> float:
        policy = RetryPolicy(total=self.max_tries, backoff_factor=self.backoff_base,
                             backoff_max=cap, jitter=0.5)
        with self._rng_lock:
            return policy.backoff(attempt, self._rng)

    def _put_chunk(self, plan: UploadPlan, index: int, data: bytes,
                   extra: Mapping[str, str], key: Optional[str] = None) -> ChunkOutcome:
        """Put one chunk (metadata, then its data to every task), retrying;
        never raises except when the deadline passes.

        A retry after the record was created deletes that record first (the
        router would refuse it); a refusal of a record this put did not
        create is not retried (:class:`Conflict`).
        """
        meta = plan.record(index, data, extra, self.client_id)
        if key is not None and key != meta.key:
            meta = attrs.evolve(meta, key=key)
        key = meta.key
        created, attempt = False, 0
        error: Optional[Exception] = None
        while attempt < plan.tries:
            attempt += 1
            try:
                if created:
                    self.delete_by_key(key, plan.bucket, timeout=None, opts=plan.opts)
                    created = False
                replicas = self._send_chunk(plan, meta, data)
                return ChunkOutcome(index=index, key=key, ok=True, attempts=attempt,
                                    size=len(data), replicas=replicas, created=True)
            except ChunkCreated as done:
                created, error = True, done.error
            except DeadlineReached:
                raise
            except (ClientError, ValueError, AttributeError) as exc:
                error = exc
                if isinstance(exc, ClientError) and is_refusal(exc):
                    error = refusal_conflict(exc, plan.bucket, key)
                    break
            if not retryable(error) or attempt >= plan.tries:
                break
            wait = self._backoff(attempt, plan.cap)
            if plan.opts.deadline is not None and time.monotonic() + wait >= plan.opts.deadline:
                break
            self.sleep(wait)
        return ChunkOutcome(index=index, key=key, ok=False, attempts=attempt, size=len(data),
                            error=error, created=created)

    def _send_chunk(self, plan: UploadPlan, meta: ChunkMeta, data: bytes) -> List[str]:
        """One attempt: put-metadata, then the bytes to each task it returned.

        :returns: the replicas.
        :raises ChunkCreated: the record was created but the data failed.
        """
        router, resp = self.transport.request(
            "POST", f"{API_PREFIX}/buckets/{plan.bucket}/metadata", plan.opts,
            headers={"Update": "0"}, json=meta.to_dto(plan.rf),
            service="put_metadata", retries=_NO_RETRY)
        try:
            body = resp.json()
            task_ids = list(dict.fromkeys(body.get("tasks_ids") or []))
            if not task_ids:
                raise ServerError("the router returned no task for the chunk")
            for task_id in task_ids:
                self.transport.request(
                    "POST", f"{API_PREFIX}/buckets/data/{task_id}/chunked", plan.opts,
                    router=router, data=data, retries=_NO_RETRY, write=True,
                    headers={"Content-Type": "application/octet-stream"}, service="put_data")
        except DeadlineReached:
            raise
        except (ClientError, ValueError, AttributeError) as exc:
            raise ChunkCreated(exc) from None
        return list(body.get("replicas") or [])

    # -- bulk ----------------------------------------------------------------------
    def put_bulk(self, bulk_id: Any, balls: Optional[Sequence[Mapping[str, Any]]] = None,
                 max_concurrency: int = 10, stop_on_failure: bool = False,
                 **old_keywords: Any) -> Any:
        """Start putting ``balls`` under the bulk job ``bulk_id`` (the official
        ``put_bulk``); :meth:`await_bulk` waits for them and gives the results.

        Each ball is a ``BallK`` dict: ``bucket_id``, ``ball_id`` (or ``key``),
        ``source`` (bytes, or a file path str) and optional ``tags``, ``rf``,
        ``chunk_size``, ``timeout``, ``max_tries``, ``max_concurrency`` (per
        ball's chunks) and ``max_backoff``.  Calling again with the same id
        adds balls to the job.  ``stop_on_failure`` is accepted as the
        official client does, which does not act on it.

        The former form, ``put_bulk([BulkItem, ...], max_workers=...)``, is told
        apart by its first argument (a list, not an id str) and still returns
        a :class:`BulkResult` at once.

        :returns: True once the balls are registered.
        :raises Conflict: the job was already awaited.
        """
        if not isinstance(bulk_id, str):
            return self._put_items(list(bulk_id), stop_on_failure=stop_on_failure,
                                   **old_keywords)
        if old_keywords:
            raise TypeError("put_bulk() got unexpected keyword(s) " + ", ".join(old_keywords))
        items = list(balls or [])
        self.bulk_jobs.submit(bulk_id, max_concurrency, self._put_ballk, items)
        self.log.info({"event": "PUT.BULK", "bulk_id": bulk_id, "balls": len(items)})
        return True

    def await_bulk(self, bulk_id: str, remove_on_completion: bool = False) -> Dict[str, Any]:
        """Wait for every ball of bulk job ``bulk_id`` (the official ``await_bulk``).

        :param remove_on_completion: forget the job once answered; else a
            later call answers the same results again.
        :returns: the ``BulkPutResponse`` dict: ``successes`` (``{"item": dto}``)
            and ``failures`` (``{"item": dto, "error": ClientError}``), where
            ``dto`` is the ball without its bytes (``BallKDTO``).
        :raises NotFound: no bulk job has this id.
        """
        return self.bulk_jobs.wait(bulk_id, remove_on_completion)

    def _put_ballk(self, item: Mapping[str, Any]) -> bool:
        """One ``BallK`` item, through :meth:`put` or :meth:`put_file`."""
        source = item.get("source")
        params = {"tags": item.get("tags") or {}, "rf": item.get("rf", 1),
                  "chunk_size": item.get("chunk_size", "256kb"),
                  "timeout": item.get("timeout", 120), "max_tries": item.get("max_tries", 5),
                  "max_concurrency": item.get("max_concurrency", 10),
                  "max_backoff": item.get("max_backoff", 5)}
        bucket, key = item.get("bucket_id"), ballk_key(item)
        if isinstance(source, str):
            params["max_workers"] = params.pop("max_concurrency")
            params["opts"] = call_opts(DEFAULT_OPTS, params.pop("timeout"))
            self.put_file(bucket, key, source, **params)  # type: ignore[arg-type]
            return True
        if isinstance(source, (bytes, bytearray, memoryview)):
            return self.put(bucket, key, bytes(source), **params)  # type: ignore[arg-type]
        raise InvalidArgument(f"Invalid source type for key {key!r}: {type(source).__name__}; "
                              "it must be bytes or a file path str")

    def _put_items(self, items: Sequence[BulkItem], *, max_workers: int = 4,
                   stop_on_failure: bool = False, rf: Optional[int] = None,
                   chunk_size: Optional[Size] = None,
                   opts: CallOptions = DEFAULT_OPTS) -> BulkResult:
        """objclient's former ``put_bulk``: many :class:`BulkItem`, ``max_workers``
        at a time, answered at once.

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
                    result = self.put_stream(
                        item.bucket_id, item.key, io.BytesIO(item.value or b""),
                        content_type=item.content_type or "application/octet-stream",
                        **kwargs)
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

    def get_chunks_by_bucket_id(self, bucket_id: str, timeout: Any = 120,
                                headers: Optional[Mapping[str, str]] = None, *,
                                opts: CallOptions = DEFAULT_OPTS
                                ) -> GetRouterBucketMetadataResponse:
        """Every chunk record of a bucket as one router lists it (the official
        ``get_chunks_by_bucket_id``: ``GET /api/v4/buckets/{bucket_id}/metadata``).

        :param timeout: seconds the request may take (a :class:`CallOptions`
            here, objclient's former third argument, is taken as ``opts``).
        :param headers: extra request headers.
        :returns: ``bucket_id``, ``peers_ids`` and ``balls``, the records in the
            router's order (a key may repeat: see :func:`dedupe_records`).
        """
        bucket = check_key(bucket_id, "bucket id")
        doc = self.transport.json("GET", f"{API_PREFIX}/buckets/{bucket}/metadata",
                                  call_opts(opts, timeout, headers), service="list") or {}
        return GetRouterBucketMetadataResponse(
            bucket_id=str(doc.get("bucket_id") or bucket),
            peers_ids=[str(p) for p in doc.get("peers_ids") or []],
            balls=[ChunkMeta.from_json(b, bucket) for b in doc.get("balls") or []
                   if isinstance(b, dict)])

    # -- get -----------------------------------------------------------------------
    def get_chunk(self, bucket_id: str, key: str, index: int, *, force: bool = False,
                  expected: Optional[ChunkMeta] = None,
                  opts: CallOptions = DEFAULT_OPTS) -> bytes:
        """One chunk's bytes, checked against its record's sha256.

        A mismatch is read again once past the router's cache before
        :class:`ChecksumMismatch` is raised: with the ``Force-Get: 1``
        header (router HEAD) and the ``force_get=true`` query flag (older
        routers' ``get_data`` reads it from the query string).
        """
        bucket, ball = check_key(bucket_id, "bucket id"), check_key(key)
        ckey = chunk_key(ball, index)
        if expected is None:
            expected = self.get_metadata_by_key(bucket, ckey, opts)
        for forced in ((True,) if force else (False, True)):
            _r, resp = self.transport.request(
                "GET", f"{API_PREFIX}/buckets/{bucket}/{ckey}", opts, service="get_data",
                headers={"Accept-Encoding": "identity", "Force-Get": "1" if forced else "0"},
                params=_FORCED_QUERY if forced else None)
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
    def delete_by_key(self, key: str, bucket_id: str = "", timeout: Any = 120,
                      force: bool = True, headers: Optional[Mapping[str, str]] = None, *,
                      opts: CallOptions = DEFAULT_OPTS) -> DeletedByKeyResponse:
        """Delete one chunk object, ``key``, on every router (the official
        ``delete_by_key(key, bucket_id, ...)``: key first).  To delete a whole
        ball use :meth:`delete`.

        A router answers 404 for a key without replicas (it never existed,
        or an earlier router of this call deleted it): that counts as 0.
        objclient's former order, ``delete_by_key(bucket_id, key, opts)``, is
        still understood when its third argument is a :class:`CallOptions`;
        two strings alone are read in the official order.

        :param force: sent as the ``Force`` header (``"1"``/``"0"``).
        :returns: ``n_deletes`` summed over routers (0 when absent) and the key.
        :raises InvalidName: ``bucket_id`` is empty or would be changed.
        """
        if isinstance(timeout, CallOptions):
            key, bucket_id = bucket_id, key
        bucket, ckey = check_key(bucket_id, "bucket id"), check_key(key)
        merged = dict(headers or {}, Force=str(int(bool(force))))
        answers = self.transport.broadcast("DELETE", f"{API_PREFIX}/buckets/{bucket}/{ckey}",
                                           call_opts(opts, timeout), headers=merged,
                                           service="delete", absent=(NotFound,))
        count = sum(int((body or {}).get("n_deletes") or 0) for _r, body in answers)
        self.log.info({"event": "DELETE", "bucket_id": bucket, "key": ckey, "n_deletes": count})
        return DeletedByKeyResponse(n_deletes=count, key=key)

    def delete(self, bucket_id: str, key: str, opts: CallOptions = DEFAULT_OPTS) -> int:
        """Delete every chunk of ball ``key`` (``DELETE .../bid/{key}`` on every
        router); :returns: ``n_deletes`` summed."""
        bucket, ball = check_key(bucket_id, "bucket id"), check_key(key)
        answers = self.transport.broadcast("DELETE", f"{API_PREFIX}/buckets/{bucket}/bid/{ball}",
                                           opts, headers={"Force": "1"}, service="delete")
        self.cache.invalidate(bucket, ball)
        return sum(int((body or {}).get("n_deletes") or 0) for _r, body in answers)

    def delete_bucket(self, bucket_id: str, headers: Any = None, timeout: Any = 120,
                      force: bool = True, *,
                      opts: CallOptions = DEFAULT_OPTS) -> DeleteBucketResponse:
        """Delete every chunk object listed in a bucket (the official
        ``delete_bucket``), one :meth:`delete_by_key` per listed key.

        :param headers: extra request headers (a :class:`CallOptions` here,
            objclient's former second argument, is taken as ``opts``).
        :param force: sent as the ``Force`` header of each delete.
        :returns: deleted / failed / total counts, the keys and the time taken.
        """
        started = time.monotonic()
        if isinstance(headers, CallOptions):
            opts, headers = headers, None
        call = call_opts(opts, timeout, headers)
        records = dedupe_records(self.get_chunks_by_bucket_id(bucket_id, opts=call).balls)
        deleted = failed = 0
        for rec in records:
            try:
                self.delete_by_key(rec.key, rec.bucket_id or bucket_id, force=force,
                                   timeout=None, opts=call)
                deleted += 1
            except ClientError:
                failed += 1
        self.cache.invalidate(bucket_id)
        self.log.info({"event": "DELETED.BUCKET", "bucket_id": bucket_id, "deleted": deleted,
                       "failed": failed, "total": len(records)})
        return DeleteBucketResponse(bucket_id=bucket_id, deleted=deleted, failed=failed,
                                    total=len(records), keys=[r.key for r in records],
                                    response_time=time.monotonic() - started)

    # -- routers -------------------------------------------------------------------
    @property
    def routers(self) -> List[Router]:
        """The routers as the official client's ``Router`` helpers
        (:meth:`Router.get_metadata`, :meth:`Router.get_by_checksum_to_file`),
        sharing this client's HTTP connections."""
        return [Router.from_url(url, http=self.transport.http)
                for url in self.transport.pool.urls]

    def close(self) -> None:
        """Close the HTTP connections (of the whole API when this client is
        ``api.blob_client.mictlanx``)."""
        self.transport.http.close()

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


def call_opts(opts: CallOptions, timeout: Any = None,
              headers: Optional[Mapping[str, str]] = None) -> CallOptions:
    """``opts`` with the official client's per-call ``timeout`` (seconds, for
    connecting and for each read, where ``opts`` sets none) and ``headers``.

    A :class:`CallOptions` given as ``timeout`` (objclient's former positional
    ``opts``) is used as the options.
    """
    if isinstance(timeout, CallOptions):
        opts, timeout = timeout, None
    changes: Dict[str, Any] = {}
    if timeout is not None:
        if opts.connection_timeout is None:
            changes["connection_timeout"] = float(timeout)
        if opts.read_timeout is None:
            changes["read_timeout"] = float(timeout)
    if headers:
        changes["headers"] = {**opts.headers, **headers}
    return attrs.evolve(opts, **changes) if changes else opts


class LowLevelAccess:
    """Mixin of the four sub-clients: ``.mictlanx`` is the low-level client."""

    backend: Any

    @property
    def mictlanx(self) -> MictlanXClient:
        """The backend's :class:`MictlanXClient` (rf, bulk puts, chunk gets,
        router health)."""
        return self.backend.mictlanx  # type: ignore[no-any-return]
