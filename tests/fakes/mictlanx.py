"""An in-memory fake of MictlanX routers (API v4), on ``responses`` callbacks.

Test-only and protocol-faithful, NOT a real server.  It answers as
``shared/protocols/mictlanx.md`` says the router answers: the same paths in
FastAPI's declaration order, the same headers (``Update``, ``Force``,
``Force-Get``), the same JSON shapes and FastAPI error bodies
(``{"detail": str | {"msg", "code", ...}}``), and the router's own quirks:

* put-metadata runs ``sanitize_str`` on the key and bucket id (a client that
  sends unsafe keys sees its data land under another key), answers 400 on a
  path/body bucket mismatch and 404 with ``detail.code == 666`` when the key
  is already on its peers and ``Update`` is not ``"1"``;
* upload tasks belong to the router that created them;
* each router keeps its own cache of ``bucket@key`` bytes (filled on put and
  get, bypassed by ``Force-Get: 1``, emptied only by deletes sent to that
  router);
* a ball's chunk listing has one record per replica; a bucket listing holds
  chunk objects of size > 0, one per key (newest ``tags.updated_at``); a
  missing ball lists no chunks (200), as the router skips peers that fail.

Several routers share one set of storage peers.  Faults: :meth:`router_down`
(connections refused), :meth:`fail` (the next matching requests get an error
status), :meth:`corrupt` (flip stored bytes).  Every request is logged in
:attr:`log`.  :class:`FakeRouterAdapter` lets a ``requests.Session`` reach the
fake without patching every adapter of the process.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import threading
from typing import Any, Dict, List, Tuple
from urllib.parse import unquote, urlsplit

import requests
import requests.adapters
import responses
import urllib3

__all__ = ["FakeMictlanX", "FakeRouterAdapter", "sanitize_str", "ADAPTER_TARGET"]

Reply = Tuple[int, Dict[str, str], bytes]
ADAPTER_TARGET = "tests.fakes.mictlanx.FakeRouterAdapter.send"
_SAFE = re.compile(r"^[a-zA-Z0-9]+([a-zA-Z0-9]|[-_](?=[a-zA-Z0-9]))*$")
_METADATA_FIELDS = ("bucket_id", "key", "ball_id", "checksum", "size", "tags", "producer_id",
                    "content_type", "is_disabled")


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


def _human(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1000:
            return f"{int(value)} {unit}" if unit == "bytes" else f"{value:.2f} {unit}"
        value /= 1000
    return f"{value:.2f} TB"


class FakeMictlanX:
    """Routers and storage peers in memory.

    :param routers: router base URLs.
    :param peers: number of storage peers.
    """

    def __init__(self, routers: Tuple[str, ...] = ("http://mictlanx-router-1:60666",
                                                   "http://mictlanx-router-2:60666"),
                 peers: int = 3) -> None:
        self.routers = [r.rstrip("/") for r in routers]
        self.peer_ids = [f"mictlanx-peer-{i}" for i in range(peers)]
        # peer -> bucket -> key -> {"metadata": dict, "data": bytes | None}
        self.peers: Dict[str, Dict[str, Dict[str, Dict[str, Any]]]] = {
            p: {} for p in self.peer_ids}
        self.tasks: Dict[str, Dict[str, Dict[str, Any]]] = {r: {} for r in self.routers}
        self.caches: Dict[str, Dict[str, bytes]] = {r: {} for r in self.routers}
        self.down: set = set()
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

    def corrupt(self, bucket: str, key: str) -> None:
        """Flip the first byte of a stored chunk object on every peer (and
        in every router cache)."""
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
        """Peers holding a chunk object."""
        return [p for p in self.peer_ids if key in self.peers[p].get(bucket, {})]

    def records(self, bucket: str) -> List[Dict[str, Any]]:
        """Every (deduplicated) chunk metadata record of a bucket."""
        best: Dict[str, Dict[str, Any]] = {}
        for p in self.peer_ids:
            for key, rec in self.peers[p].get(bucket, {}).items():
                cur = best.get(key)
                if cur is None or _updated(rec["metadata"]) > _updated(cur):
                    best[key] = rec["metadata"]
        return list(best.values())

    def stored_keys(self, bucket: str) -> List[str]:
        """Keys of a bucket's chunk objects, sorted."""
        return sorted(m["key"] for m in self.records(bucket))

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
            body = request.body or b""
            if isinstance(body, str):
                body = body.encode("utf-8")
            elif not isinstance(body, bytes):
                body = b"".join(body)
            with self._lock:
                self.log.append({"router": base, "method": request.method,
                                 "path": parts.path, "headers": headers, "size": len(body),
                                 "body": body})
                for fault in self.faults:
                    if (fault["times"] > 0 and fault["method"] == request.method
                            and fault["re"].search(parts.path)):
                        fault["times"] -= 1
                        return _json(fault["status"], {"detail": fault["detail"]})
                try:
                    return self._route(base, request.method, segments, headers, body)
                except _HttpError as err:
                    return _json(err.status, {"detail": err.detail})
        return handle

    def _route(self, base: str, method: str, seg: List[str], headers: Dict[str, str],
               body: bytes) -> Reply:
        if seg[:2] != ["api", "v4"]:
            raise _HttpError(404, "Not Found")
        rest = seg[2:]
        n = len(rest)
        if method == "GET":
            if n == 5 and rest[0] == "buckets" and rest[4] == "size":
                return self._size(rest[1], rest[2])
            if n == 3 and rest[0] == "buckets" and rest[2] == "metadata":
                return self._bucket_metadata(rest[1])
            if n == 5 and rest[0] == "buckets" and rest[2] == "metadata" and rest[4] == "chunks":
                return self._chunks(rest[1], rest[3])
            if n == 4 and rest[0] == "buckets" and rest[2] == "metadata":
                return self._get_metadata(rest[1], rest[3])
            if n == 3 and rest[0] == "buckets":
                return self._get_data(base, rest[1], rest[2], headers)
            if rest == ["peers", "stats"]:
                return self._stats()
        if method == "POST":
            if n == 4 and rest[:2] == ["buckets", "data"] and rest[3] == "chunked":
                return self._put_chunked(base, rest[2], body)
            if n == 3 and rest[0] == "buckets" and rest[2] == "metadata":
                return self._put_metadata(base, rest[1], headers, body)
            if n == 4 and rest[:2] == ["u", "buckets"]:
                return self._update(rest[2], rest[3], body)
        if method == "DELETE":
            if n == 4 and rest[0] == "buckets" and rest[2] == "bid":
                return self._delete_ball(base, rest[1], rest[3])
            if n == 3 and rest[0] == "buckets":
                return self._delete_key(base, rest[1], rest[2])
        if method in ("GET", "POST", "DELETE"):
            raise _HttpError(404, "Not Found")
        raise _HttpError(405, "Method Not Allowed")

    # -- routes ----------------------------------------------------------------------------
    @staticmethod
    def _dto(body: bytes) -> Dict[str, Any]:
        try:
            doc = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise _HttpError(422, [{"msg": "JSON decode error", "type": "json_invalid"}]) \
                from None
        missing = [f for f in ("bucket_id", "key", "ball_id", "checksum", "size")
                   if not isinstance(doc, dict) or f not in doc]
        if missing:
            raise _HttpError(422, [{"loc": ["body", f], "msg": "Field required",
                                    "type": "missing"} for f in missing])
        return doc

    def _put_metadata(self, base: str, bucket_path: str, headers: Dict[str, str],
                      body: bytes) -> Reply:
        doc = self._dto(body)
        key = sanitize_str(str(doc["key"]))
        bucket = sanitize_str(bucket_path)
        if bucket != doc["bucket_id"]:
            raise _HttpError(400, f"Bucket ID mismatch: {bucket} != {doc['bucket_id']}")
        current = self.holders(bucket, key)
        if current and headers.get("update", "0") != "1":
            raise _HttpError(404, {"msg": "No available peers.",
                                   "suggestion": "The ball is already on every candidate peer.",
                                   "bucket_id": bucket, "key": key, "replicas": current,
                                   "code": 666})
        rf = max(1, int(doc.get("replication_factor") or 1))
        if current:
            replicas = current
        else:
            start = next(self._placement)
            count = min(rf, len(self.peer_ids))
            replicas = [self.peer_ids[(start + i) % len(self.peer_ids)] for i in range(count)]
        metadata = {f: doc.get(f) for f in _METADATA_FIELDS}
        metadata.update({"key": key, "bucket_id": bucket, "size": int(doc["size"]),
                         "tags": {str(k): str(v) for k, v in (doc.get("tags") or {}).items()},
                         "content_type": doc.get("content_type") or "application/octet-stream",
                         "is_disabled": bool(doc.get("is_disabled", False))})
        for peer in replicas:
            store = self.peers[peer].setdefault(bucket, {})
            old = store.get(key)
            store[key] = {"metadata": dict(metadata), "data": old["data"] if old else None}
        task_id = f"task-{next(self._ids)}"
        self.tasks[base][task_id] = {"bucket_id": bucket, "key": key, "peers": replicas,
                                     "size": metadata["size"]}
        return _json(200, {"key": key, "service_time": 0.001, "tasks_ids": [task_id],
                           "bucket_id": bucket, "replicas": replicas, "extra": {}})

    def _put_chunked(self, base: str, task_id: str, body: bytes) -> Reply:
        task = self.tasks[base].get(task_id)
        if task is None:
            raise _HttpError(404, f"Task({task_id}) not found")
        bucket, key = task["bucket_id"], task["key"]
        for peer in task["peers"]:
            rec = self.peers[peer].setdefault(bucket, {}).get(key)
            if rec is not None:
                rec["data"] = bytes(body)
        del self.tasks[base][task_id]
        self.caches[base][f"{bucket}@{key}"] = bytes(body)
        return _json(200, {"peer_ids": task["peers"], "combined_key": f"{bucket}@{key}",
                           "bucket_id": bucket, "key": key, "size": len(body)})

    def _get_metadata(self, bucket: str, key: str) -> Reply:
        for peer in self.holders(bucket, key):
            meta = self.peers[peer][bucket][key]["metadata"]
            return _json(200, {"service_time": 0.001, "peer_id": peer, "local_peer_id": peer,
                               "metadata": meta})
        raise _HttpError(404, f"No metadata found for {bucket}@{key}")

    def _get_data(self, base: str, bucket: str, key: str, headers: Dict[str, str]) -> Reply:
        combined = f"{bucket}@{key}"
        cache = self.caches[base]
        if headers.get("force-get", "0") != "1" and combined in cache:
            data = cache[combined]
            return 200, {"Content-Type": "application/octet-stream"}, data
        for peer in self.holders(bucket, key):
            rec = self.peers[peer][bucket][key]
            if rec["data"] is not None:
                cache[combined] = rec["data"]
                return 200, {"Content-Type": rec["metadata"]["content_type"]}, rec["data"]
        raise _HttpError(404, f"{combined} not found")

    def _chunks(self, bucket: str, ball_id: str) -> Reply:
        chunks = []
        for peer in self.peer_ids:
            for rec in self.peers[peer].get(bucket, {}).values():
                if rec["metadata"]["ball_id"] == ball_id:
                    chunks.append(rec["metadata"])
        chunks.sort(key=_updated)
        unique = {c["key"]: c for c in chunks}
        size = sum(c["size"] for c in unique.values())
        first = next((c for c in unique.values() if c["tags"].get("index") == "0"), None)
        checksum = (first or {}).get("tags", {}).get("full_checksum", "")
        return _json(200, {"bucket_id": bucket, "ball_id": ball_id, "size": _human(size),
                           "size_bytes": size, "checksum": checksum, "chunks": chunks})

    def _bucket_metadata(self, bucket: str) -> Reply:
        balls = [m for m in self.records(bucket) if int(m["size"]) > 0]
        peers = [p for p in self.peer_ids]
        return _json(200, {"bucket_id": bucket, "peers_ids": peers, "balls": balls})

    def _size(self, bucket: str, key: str) -> Reply:
        return _json(200, [{"bucket_id": bucket, "key": key, "peer_id": p,
                            "size": self.peers[p][bucket][key]["metadata"]["size"]}
                           for p in self.holders(bucket, key)])

    def _delete_key(self, base: str, bucket: str, key: str) -> Reply:
        count = 0
        for peer in self.peer_ids:
            if self.peers[peer].get(bucket, {}).pop(key, None) is not None:
                count += 1
        self.caches[base].pop(f"{bucket}@{key}", None)
        return _json(200, {"n_deletes": count, "key": key})

    def _delete_ball(self, base: str, bucket: str, ball_id: str) -> Reply:
        count = 0
        for peer in self.peer_ids:
            store = self.peers[peer].get(bucket, {})
            for key in [k for k, r in store.items() if r["metadata"]["ball_id"] == ball_id]:
                del store[key]
                self.caches[base].pop(f"{bucket}@{key}", None)
                count += 1
        return _json(200, {"n_deletes": count, "ball_id": ball_id})

    def _update(self, bucket: str, key: str, body: bytes) -> Reply:
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

    def _stats(self) -> Reply:
        out = {}
        for peer in self.peer_ids:
            balls = [r["metadata"] for b in self.peers[peer].values() for r in b.values()]
            used = sum(len(r["data"] or b"") for b in self.peers[peer].values()
                       for r in b.values())
            out[peer] = {"peer_id": peer, "used_disk": used, "total_disk": 10 ** 9,
                         "available_disk": 10 ** 9 - used, "disk_uf": used / 10 ** 9,
                         "balls": balls, "peers": [p for p in self.peer_ids if p != peer]}
        return _json(200, out)


def _updated(meta: Dict[str, Any]) -> int:
    try:
        return int(meta.get("tags", {}).get("updated_at", "-1"))
    except ValueError:
        return -1


def sha256_hex(data: bytes) -> str:
    """Hex sha256, as the router's records carry it."""
    return hashlib.sha256(data).hexdigest()
