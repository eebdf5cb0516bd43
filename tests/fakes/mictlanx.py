"""An in-memory fake of MictlanX routers (API v4), on ``responses`` callbacks.

Test-only, NOT a real server.  Every route follows the router's own source,
``jub-ecosystem/mictlanx-service`` ``mictlanxrouter/controllers/buckets.py``
(class ``BucketsController``, stored versions 126bcae / f17b6f8) and the
replica manager it calls (``mictlanxrouter/replication_manager/__init__.py``,
``ReplicaManager``); each route's method says which function it follows.
Where that source and the protocol notes (``shared/protocols/mictlanx.md``,
written from router HEAD ce8c91c6) disagree, or where the behaviour lives in
code that is not public (the storage peer, the replica manager daemon), the
fake takes an option and the tests run objclient against each answer:

* ``existing``: how put-metadata refuses a key that already has replicas.
  ``"666"`` (the tracker and the notes: 404 with ``detail.code == 666``) or
  ``"409"`` (the stored ``put_metadata``: 409 "b/k already exists.").  Both
  refuse *before and regardless of* the ``Update`` header: the router only
  forwards ``Update`` to peers for keys that have no replica yet.
* ``tasks``: ``"group"`` (HEAD, per the notes: one task id whose upload the
  router fans out to every replica) or ``"per_replica"`` (the stored
  ``put_metadata``: one ``TaskX`` per replica peer, ``peers=[peer]``).
* ``placement``: the replica manager's choice of peers (not public):
  ``"rotate"`` or ``"fixed"`` (always the first ``rf`` peers).
* ``peer_order``: the order in which a peer lists its records (the peer is
  not public): ``"insertion"`` or ``"reverse"``.
* ``force_get``: how a read bypasses the router cache: the ``Force-Get``
  header (HEAD, per the notes) or the ``force_get`` query flag (the stored
  ``get_data``'s ``force_get: bool`` parameter).  ``"either"`` honours both.

The replica map is shared by all routers (HEAD asks one replica manager
daemon); each router keeps its own upload tasks and its own byte cache, which
deletes do not evict (``delete_data_by_key`` never touches ``self.cache``).

Faults: :meth:`router_down` (connections refused), :meth:`fail` (the next
matching requests get an error status), :meth:`corrupt` (flip stored bytes).
Every request is logged in :attr:`log`.  :class:`FakeRouterAdapter` lets a
``requests.Session`` reach the fake without patching every adapter.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import threading
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, unquote, urlsplit

import requests
import requests.adapters
import responses
import urllib3

__all__ = ["FakeMictlanX", "FakeRouterAdapter", "sanitize_str", "ADAPTER_TARGET",
           "EXISTING_MODES", "TASK_MODES", "PLACEMENTS", "PEER_ORDERS"]

Reply = Tuple[int, Dict[str, str], bytes]
ADAPTER_TARGET = "tests.fakes.mictlanx.FakeRouterAdapter.send"
EXISTING_MODES = ("666", "409")
TASK_MODES = ("group", "per_replica")
PLACEMENTS = ("rotate", "fixed")
PEER_ORDERS = ("insertion", "reverse")
_SAFE = re.compile(r"^[a-zA-Z0-9]+([a-zA-Z0-9]|[-_](?=[a-zA-Z0-9]))*$")
_METADATA_FIELDS = ("bucket_id", "key", "ball_id", "checksum", "size", "tags", "producer_id",
                    "content_type", "is_disabled")
_REQUIRED = ("bucket_id", "key", "ball_id", "checksum", "size")


class FakeRouterAdapter(requests.adapters.HTTPAdapter):
    """An adapter whose ``send`` a ``responses.RequestsMock(target=ADAPTER_TARGET)``
    replaces: mount it on the fake routers' URLs of one session."""

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover
        raise requests.exceptions.ConnectionError("the MictlanX fake is not started")


def sanitize_str(value: str) -> str:
    """The router's ``Utils.sanitize_str``: keep ``[A-Za-z0-9_-]``, collapse
    runs of ``-``/``_``, strip ``-``; ``""`` if the result is not a safe key."""
    kept = re.sub(r"[^A-Za-z0-9_-]", "", value)
    kept = re.sub(r"[-_]{2,}", "-", kept).strip("-")
    return kept if _SAFE.match(kept) else ""


class _HttpError(Exception):
    def __init__(self, status: int, detail: Any) -> None:
        super().__init__(str(detail))
        self.status = status
        self.detail = detail


def _json(status: int, doc: Any) -> Reply:
    return status, {"Content-Type": "application/json"}, json.dumps(doc).encode("utf-8")


def _updated(meta: Dict[str, Any]) -> int:
    """``int(tags.get("updated_at", "-1"))`` as the router computes it."""
    try:
        return int(meta.get("tags", {}).get("updated_at", "-1"))
    except ValueError:
        return -1


class FakeMictlanX:
    """Routers and storage peers in memory (options: see the module doc).

    :param routers: router base URLs.
    :param peers: number of storage peers.
    """

    def __init__(self, routers: Tuple[str, ...] = ("http://mictlanx-router-1:60666",
                                                   "http://mictlanx-router-2:60666"),
                 peers: int = 3, *, existing: str = "666", tasks: str = "group",
                 placement: str = "rotate", peer_order: str = "insertion",
                 force_get: str = "either") -> None:
        assert existing in EXISTING_MODES and tasks in TASK_MODES
        assert placement in PLACEMENTS and peer_order in PEER_ORDERS
        assert force_get in ("header", "query", "either")
        self.routers = [r.rstrip("/") for r in routers]
        self.peer_ids = [f"mictlanx-peer-{i}" for i in range(peers)]
        # peer -> bucket -> key -> {"metadata": dict, "data": bytes | None}
        self.peers: Dict[str, Dict[str, Dict[str, Dict[str, Any]]]] = {
            p: {} for p in self.peer_ids}
        self.tasks: Dict[str, Dict[str, Dict[str, Any]]] = {r: {} for r in self.routers}
        self.caches: Dict[str, Dict[str, bytes]] = {r: {} for r in self.routers}
        self.existing, self.task_mode = existing, tasks
        self.placement, self.peer_order, self.force_get = placement, peer_order, force_get
        self.down: set = set()
        self.silent: set = set()
        self.faults: List[Dict[str, Any]] = []
        self.log: List[Dict[str, Any]] = []
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._placement = itertools.count()

    # -- wiring ------------------------------------------------------------------------
    def register(self, rsps: responses.RequestsMock) -> None:
        """Add this fake's callbacks for every router to ``rsps``."""
        for base in self.routers:
            pattern = re.compile(re.escape(base) + r"(/.*)?$")
            for method in ("GET", "POST", "DELETE", "PUT", "HEAD"):
                rsps.add_callback(method, pattern, callback=self._callback(base))

    def session(self) -> Tuple[requests.Session, responses.RequestsMock]:
        """A started mock and a session whose requests to the routers reach it."""
        mock = responses.RequestsMock(assert_all_requests_are_fired=False,
                                      target=ADAPTER_TARGET)
        self.register(mock)
        mock.start()
        sess = requests.Session()
        adapter = FakeRouterAdapter()
        for base in self.routers:
            sess.mount(base, adapter)
        return sess, mock

    # -- faults --------------------------------------------------------------------------
    def router_down(self, base: str) -> None:
        """Refuse connections to ``base`` until :meth:`router_up`."""
        self.down.add(base.rstrip("/"))

    def router_up(self, base: str) -> None:
        """Accept connections to ``base`` again."""
        self.down.discard(base.rstrip("/"))

    def fail(self, method: str, path_regex: str, status: int = 500,
             detail: Any = "Injected failure", times: int = 1) -> None:
        """The next ``times`` requests matching ``method`` and ``path_regex``
        get ``status`` with ``{"detail": detail}``."""
        self.faults.append({"method": method.upper(), "re": re.compile(path_regex),
                            "status": status, "detail": detail, "times": times})

    def peer_silent(self, peer: str) -> None:
        """Make ``peer`` fail its listing answers: the router's listings
        (``get_metadata_chunks``, ``get_bucket_metadata``,
        ``delete_data_by_ball_id``) skip a peer whose call fails, while the
        replica map still names it."""
        self.silent.add(peer)

    def corrupt(self, bucket: str, key: str) -> None:
        """Flip the first byte of a stored chunk object on every peer (and
        drop it from every router cache)."""
        with self._lock:
            for store in self.peers.values():
                rec = store.get(bucket, {}).get(key)
                if rec and rec["data"]:
                    data = rec["data"]
                    rec["data"] = bytes([data[0] ^ 0xFF]) + data[1:]
            for cache in self.caches.values():
                cache.pop(f"{bucket}@{key}", None)

    # -- state helpers -------------------------------------------------------------------
    def holders(self, bucket: str, key: str) -> List[str]:
        """Peers holding a chunk object: the replica manager's current replicas."""
        return [p for p in self.peer_ids if key in self.peers[p].get(bucket, {})]

    def listing_peers(self) -> List[str]:
        """The peers whose listing answers arrive (not :meth:`peer_silent`)."""
        return [p for p in self.peer_ids if p not in self.silent]

    def peer_records(self, peer: str, bucket: str) -> List[Dict[str, Any]]:
        """What one peer lists for a bucket, in the peer's order (``peer_order``)."""
        recs = [r["metadata"] for r in self.peers[peer].get(bucket, {}).values()]
        return recs[::-1] if self.peer_order == "reverse" else recs

    def records(self, bucket: str) -> List[Dict[str, Any]]:
        """Every chunk metadata record of a bucket, one per key (newest)."""
        best: Dict[str, Dict[str, Any]] = {}
        for p in self.peer_ids:
            for meta in self.peer_records(p, bucket):
                cur = best.get(meta["key"])
                if cur is None or _updated(meta) > _updated(cur):
                    best[meta["key"]] = meta
        return list(best.values())

    def stored_keys(self, bucket: str) -> List[str]:
        """Keys of a bucket's chunk objects, sorted."""
        return sorted(m["key"] for m in self.records(bucket))

    def store(self, bucket: str, metadata: Dict[str, Any], data: bytes,
              peers: Optional[List[str]] = None) -> None:
        """Put a chunk object straight on peers (as another client left it)."""
        for peer in peers or self.peer_ids[:1]:
            self.peers[peer].setdefault(bucket, {})[metadata["key"]] = {
                "metadata": dict(metadata), "data": bytes(data)}

    # -- dispatch ------------------------------------------------------------------------
    def _callback(self, base: str) -> Any:
        def handle(request: Any) -> Any:
            if base in self.down:
                return requests.exceptions.ConnectionError(urllib3.exceptions.NewConnectionError(
                    None, "Failed to establish a new connection: [Errno 111] "  # type: ignore
                    "Connection refused"))
            parts = urlsplit(request.url)
            segments = [unquote(s) for s in parts.path.split("/")[1:]]
            headers = {k.lower(): v for k, v in request.headers.items()}
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            body = request.body or b""
            if isinstance(body, str):
                body = body.encode("utf-8")
            elif not isinstance(body, bytes):
                body = b"".join(body)
            with self._lock:
                self.log.append({"router": base, "method": request.method,
                                 "path": parts.path, "query": query, "headers": headers,
                                 "size": len(body), "body": body})
                for fault in self.faults:
                    if (fault["times"] > 0 and fault["method"] == request.method
                            and fault["re"].search(parts.path)):
                        fault["times"] -= 1
                        return _json(fault["status"], {"detail": fault["detail"]})
                try:
                    return self._route(base, request.method, segments, headers, query, body)
                except _HttpError as err:
                    return _json(err.status, {"detail": err.detail})
        return handle

    def _route(self, base: str, method: str, seg: List[str], headers: Dict[str, str],
               query: Dict[str, str], body: bytes) -> Reply:
        """FastAPI's matching: the first declared route whose pattern fits
        (``BucketsController.add_routes`` order), 404 for no path, 405 for a
        path declared for another method."""
        if seg[:2] != ["api", "v4"]:
            raise _HttpError(404, "Not Found")
        rest, n = seg[2:], len(seg) - 2
        buckets = n >= 1 and rest[0] == "buckets"
        if method == "GET":
            if buckets and n == 4 and rest[3] == "size":
                return self._size(rest[1], rest[2])
            if buckets and n == 3 and rest[2] == "metadata":
                return self._bucket_metadata(rest[1])
            if buckets and n == 4 and rest[2] == "metadata":
                return self._get_metadata(rest[1], rest[3])
            if buckets and n == 3:
                return self._get_data(base, rest[1], rest[2], headers, query)
            if buckets and n == 5 and rest[2] == "metadata" and rest[4] == "chunks":
                return self._chunks(rest[1], rest[3])
            if rest == ["peers", "stats"]:
                return self._stats()
        if method == "POST":
            if n == 4 and rest[:2] == ["u", "buckets"]:
                return self._update(rest[2], rest[3], body)
            if buckets and n == 3 and rest[2] == "metadata":
                return self._put_metadata(base, rest[1], headers, body)
            if buckets and n == 4 and rest[1] == "data" and rest[3] == "chunked":
                return self._put_chunked(base, rest[2], body)
            if buckets and n == 4 and rest[3] == "disable":
                return self._disable(rest[1], rest[2])
        if method == "DELETE":
            if buckets and n == 3:
                return self._delete_key(rest[1], rest[2])
            if buckets and n == 4 and rest[2] == "bid":
                return self._delete_ball(rest[1], rest[3])
        if method in ("GET", "POST", "DELETE"):
            raise _HttpError(404, "Not Found")
        raise _HttpError(405, "Method Not Allowed")

    # -- routes ----------------------------------------------------------------------------
    @staticmethod
    def _dto(body: bytes) -> Dict[str, Any]:
        """FastAPI/pydantic parsing of the ``Metadata`` body: 422 with a list
        ``detail`` when the JSON is invalid or a required field is missing."""
        try:
            doc = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise _HttpError(422, [{"msg": "JSON decode error", "type": "json_invalid"}]) \
                from None
        missing = [f for f in _REQUIRED if not isinstance(doc, dict) or f not in doc]
        if missing:
            raise _HttpError(422, [{"loc": ["body", f], "msg": "Field required",
                                    "type": "missing"} for f in missing])
        return doc

    def _refuse_existing(self, bucket: str, key: str, replicas: List[str]) -> None:
        """put_metadata's answer for a key that already has replicas."""
        if self.existing == "409":
            raise _HttpError(409, f"{bucket}/{key} already exists.")
        raise _HttpError(404, {"msg": "No available peers.",
                               "suggestion": "The key is already on every candidate peer; "
                                             "delete it first.",
                               "bucket_id": bucket, "key": key, "replicas": replicas,
                               "code": 666})

    def _choose_peers(self, rf: int) -> List[str]:
        """``ReplicaManager.create_replicas``: ``rf`` peers (the choice is
        the replica manager's, not public: ``placement``)."""
        count = min(max(1, rf), len(self.peer_ids))
        start = next(self._placement) if self.placement == "rotate" else 0
        return [self.peer_ids[(start + i) % len(self.peer_ids)] for i in range(count)]

    def _put_metadata(self, base: str, bucket_path: str, headers: Dict[str, str],
                      body: bytes) -> Reply:
        """``put_metadata`` (POST /api/v4/buckets/{bucket_id}/metadata).

        Order of checks: body parsing (422), no available peers (404),
        sanitised path bucket != body bucket (400), current replicas of the
        key (refused whatever ``Update`` says, see ``existing``), then the
        peers' metadata and one task per group or per replica.
        """
        doc = self._dto(body)
        if not self.peer_ids:
            raise _HttpError(404, "Put metadata failed, no available peers.")
        key = sanitize_str(str(doc["key"]))
        bucket = sanitize_str(bucket_path)
        if bucket != doc["bucket_id"]:
            raise _HttpError(400, f"Bucket ID mismatch: {bucket} != {doc['bucket_id']}")
        current = self.holders(bucket, key)
        if current:
            self._refuse_existing(bucket, key, current)
        replicas = self._choose_peers(int(doc.get("replication_factor") or 1))
        metadata = {f: doc.get(f) for f in _METADATA_FIELDS}
        metadata.update({"key": key, "bucket_id": bucket, "size": int(doc["size"]),
                         "tags": {str(k): str(v) for k, v in (doc.get("tags") or {}).items()},
                         "content_type": doc.get("content_type") or "application/octet-stream",
                         "is_disabled": bool(doc.get("is_disabled", False))})
        for peer in replicas:
            self.peers[peer].setdefault(bucket, {})[key] = {"metadata": dict(metadata),
                                                            "data": None}
        groups = [replicas] if self.task_mode == "group" else [[p] for p in replicas]
        task_ids = []
        for peers in groups:
            task_id = f"task-{next(self._ids)}"
            self.tasks[base][task_id] = {"bucket_id": bucket, "key": key, "peers": peers,
                                         "size": metadata["size"], "operation": "PUT"}
            task_ids.append(task_id)
        return _json(200, {"key": key, "service_time": 0.001, "tasks_ids": task_ids,
                           "bucket_id": bucket, "replicas": replicas, "extra": {}})

    def _put_chunked(self, base: str, task_id: str, body: bytes) -> Reply:
        """``put_data_chunked`` (POST /api/v4/buckets/data/{task_id}/chunked).

        Every failure inside it, a missing task included, leaves through its
        ``except HTTPException`` / ``except Exception`` arms as a 500.
        """
        task = self.tasks[base].get(task_id)
        if task is None:
            raise _HttpError(500, f"Task({task_id}) not found")
        bucket, key = task["bucket_id"], task["key"]
        for peer in task["peers"]:
            rec = self.peers[peer].get(bucket, {}).get(key)
            if rec is None:
                raise _HttpError(500, "404: No peers available")
            rec["data"] = bytes(body)
        del self.tasks[base][task_id]
        self.caches[base][f"{bucket}@{key}"] = bytes(body)
        return _json(200, {"peer_ids": task["peers"], "combined_key": f"{bucket}@{key}",
                           "bucket_id": bucket, "key": key, "size": len(body)})

    def _get_metadata(self, bucket: str, key: str) -> Reply:
        """``get_metadata`` (GET /api/v4/buckets/{bucket_id}/metadata/{key}):
        404 "No available peers" without a replica, else the peer's answer."""
        for peer in self.holders(bucket, key):
            meta = self.peers[peer][bucket][key]["metadata"]
            return _json(200, {"service_time": 0.001, "peer_id": peer, "local_peer_id": peer,
                               "metadata": meta})
        raise _HttpError(404, "No available peers")

    def _forced(self, headers: Dict[str, str], query: Dict[str, str]) -> bool:
        by_header = headers.get("force-get", "0") == "1"
        by_query = query.get("force_get", "false").lower() in ("1", "true", "yes", "on")
        if self.force_get == "header":
            return by_header
        if self.force_get == "query":
            return by_query
        return by_header or by_query

    def _get_data(self, base: str, bucket: str, key: str, headers: Dict[str, str],
                  query: Dict[str, str]) -> Reply:
        """``get_data`` (GET /api/v4/buckets/{bucket_id}/{key}): a replica is
        chosen, its metadata read, then the router cache answers unless the
        read is forced; otherwise the peer's bytes (cached on the way)."""
        holders = self.holders(bucket, key)
        if not holders:
            raise _HttpError(404, "No found available replica peer or data, try again later.")
        combined = f"{bucket}@{key}"
        cache = self.caches[base]
        if not self._forced(headers, query) and combined in cache:
            return 200, {"Content-Type": "application/octet-stream"}, cache[combined]
        rec = self.peers[holders[0]][bucket][key]
        if rec["data"] is None:
            raise _HttpError(404, f"Ball({combined}) not found")
        cache[combined] = rec["data"]
        return 200, {"Content-Type": rec["metadata"]["content_type"]}, rec["data"]

    def _chunks(self, bucket: str, ball_id: str) -> Reply:
        """``get_metadata_chunks`` (GET .../metadata/{ball_id}/chunks): every
        available peer's records of the ball, concatenated peer after peer,
        then ``sorted`` by ``int(tags.updated_at or -1)`` (stable: ties keep
        the peers' order).  A bare JSON list; an unknown ball lists ``[]``."""
        found: List[Dict[str, Any]] = []
        for peer in self.listing_peers():
            found += [m for m in self.peer_records(peer, bucket) if m["ball_id"] == ball_id]
        return _json(200, sorted(found, key=_updated))

    def _bucket_metadata(self, bucket: str) -> Reply:
        """``get_bucket_metadata`` (GET /api/v4/buckets/{bucket_id}/metadata).

        For each peer: its records (the peer lists only size > 0, per the
        notes) are merged into one map keeping the highest ``updated_at`` per
        key, and then the *whole* map is appended to ``balls`` again (the
        router's ``response["balls"] += filtered_balls`` sits inside the peer
        loop), so a key appears once per peer that was read after it.
        """
        current: Dict[str, Dict[str, Any]] = {}
        balls: List[Dict[str, Any]] = []
        for peer in self.listing_peers():
            for meta in self.peer_records(peer, bucket):
                if int(meta["size"]) <= 0:
                    continue
                cur = current.get(meta["key"])
                if cur is None or _updated(meta) > _updated(cur):
                    current[meta["key"]] = meta
            balls += list(current.values())
        return _json(200, {"bucket_id": bucket, "peers_ids": self.listing_peers(),
                           "balls": balls})

    def _size(self, bucket: str, key: str) -> Reply:
        """``get_size_by_key`` (GET /api/v4/buckets/{bucket_id}/{key}/size)."""
        return _json(200, [{"bucket_id": bucket, "key": key, "peer_id": p,
                            "size": self.peers[p][bucket][key]["metadata"]["size"]}
                           for p in self.holders(bucket, key)])

    def _delete_key(self, bucket: str, key: str) -> Reply:
        """``delete_data_by_key`` (DELETE /api/v4/buckets/{bucket_id}/{key}):
        404 "b@k not found" when the key has no replica (a second router
        asked after the first deleted it answers this too); else the sum of
        the peers' ``n_deletes``.  The router cache is not touched."""
        holders = self.holders(bucket, key)
        if not holders:
            raise _HttpError(404, f"{bucket}@{key} not found")
        for peer in holders:
            del self.peers[peer][bucket][key]
        return _json(200, {"n_deletes": len(holders), "key": key})

    def _delete_ball(self, bucket: str, ball_id: str) -> Reply:
        """``delete_data_by_ball_id`` (DELETE .../bid/{ball_id}): every
        available peer's chunks of the ball; 200 with ``n_deletes: 0`` when
        there are none (its "NOT.FOUND" branch still answers 200)."""
        count = 0
        for peer in self.listing_peers():
            store = self.peers[peer].get(bucket, {})
            for key in [k for k, r in store.items() if r["metadata"]["ball_id"] == ball_id]:
                del store[key]
                count += 1
        return _json(200, {"n_deletes": count, "ball_id": ball_id})

    def _update(self, bucket: str, key: str, body: bytes) -> Reply:
        """``update_metadata`` (POST /api/v4/u/buckets/{bucket_id}/{key}):
        the body replaces the record on every current replica (sent to the
        peers with ``update: 1``); 500 with an empty detail without one."""
        doc = self._dto(body)
        holders = self.holders(bucket, key)
        if not holders:
            raise _HttpError(500, "")
        for peer in holders:
            rec = self.peers[peer][bucket][key]
            meta = {f: doc.get(f, rec["metadata"].get(f)) for f in _METADATA_FIELDS}
            meta["key"], meta["bucket_id"] = key, bucket
            rec["metadata"] = meta
        return 204, {}, b""

    def _disable(self, bucket: str, key: str) -> Reply:
        """``disable`` (POST /api/v4/buckets/{bucket_id}/{key}/disable): 204."""
        for peer in self.holders(bucket, key):
            self.peers[peer][bucket][key]["metadata"]["is_disabled"] = True
        return 204, {}, b""

    def _stats(self) -> Reply:
        """``PeersController`` GET /api/v4/peers/stats (shape per the notes)."""
        out = {}
        for peer in self.peer_ids:
            balls = [r["metadata"] for b in self.peers[peer].values() for r in b.values()]
            used = sum(len(r["data"] or b"") for b in self.peers[peer].values()
                       for r in b.values())
            out[peer] = {"peer_id": peer, "used_disk": used, "total_disk": 10 ** 9,
                         "available_disk": 10 ** 9 - used, "disk_uf": used / 10 ** 9,
                         "balls": balls, "peers": [p for p in self.peer_ids if p != peer]}
        return _json(200, out)


def sha256_hex(data: bytes) -> str:
    """Hex sha256, as the router's records carry it."""
    return hashlib.sha256(data).hexdigest()
