"""An in-memory fake of the ReductStore HTTP API v1, for ``responses`` or a session.

Test-only.  Use :meth:`FakeReductStore.install` on a ``responses`` mock,
or :meth:`FakeReductStore.session` for a session that reaches it without
patching anything globally.  It answers as ``shared/protocols/reductstore.md`` says the
server answers (paths, statuses, ``x-reduct-error``, ``x-reduct-api``,
JSON shapes, batch protocols v1 and v2), so the conformance battery and the
contract tests can run without a server.  It is NOT a real server: no
blocks, quotas, TTL expiry or background deletion (a bucket or entry
removal is immediate), and ``when`` supports only comparisons
(``$eq $ne $gt $gte $lt $lte``), ``$and $or $not``, ``$exists``, ``$limit``
and ``$each_n``; any other operator gets a 422.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import secrets
import threading
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, quote, unquote, urlsplit

import requests
import requests.adapters
import responses
import urllib3

__all__ = ["FakeReductStore"]

_BUCKET_RE = re.compile(r"^[A-Za-z0-9_-]*$")
_ENTRY_RE = re.compile(r"^[A-Za-z0-9_/$-]*$")
_U64_MAX = 18446744073709551615
_MAX_BATCH = 85
_TCHAR = "!#$&'*+-.^_`|~"

Reply = Tuple[int, Dict[str, str], bytes]


class HttpError(Exception):
    """An error answer: status and ``x-reduct-error`` message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _utf8(value: str) -> str:
    """A received header value (latin-1 on the wire) as the UTF-8 text it is."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        raise HttpError(422, "Label values must be valid UTF-8") from None


def _wire(value: str) -> str:
    """UTF-8 text as a header value the client's http.client would decode."""
    return value.encode("utf-8").decode("latin-1")


def _fmt_labels(labels: Dict[str, str]) -> str:
    out = []
    for key in sorted(labels):
        val = labels[key]
        out.append(f'{key}="{val}"' if "," in val else f"{key}={val}")
    return ",".join(out)


def _parse_labels(text: str) -> Dict[str, str]:
    labels: Dict[str, str] = {}
    pos = 0
    while pos < len(text):
        eq = text.find("=", pos)
        if eq < 0:
            raise HttpError(422, f"Invalid batched header '{text}'")
        key = text[pos:eq].strip()
        pos = eq + 1
        if text.startswith('"', pos):
            end = text.index('"', pos + 1)
            labels[key] = text[pos + 1:end]
            pos = end + 2
        else:
            end = text.find(",", pos)
            end = len(text) if end < 0 else end
            labels[key] = text[pos:end]
            pos = end + 1
    return labels


class Record:
    def __init__(self, data: bytes, ctype: str, labels: Dict[str, str]) -> None:
        self.data = data
        self.ctype = ctype
        self.labels = labels


class Query:
    def __init__(self, bucket: str, entries: List[str], body: Dict[str, Any]) -> None:
        self.bucket = bucket
        self.entries = entries
        self.start = body.get("start") or 0
        self.stop = body.get("stop")
        self.continuous = bool(body.get("continuous"))
        self.when = body.get("when")
        self.strict = bool(body.get("strict"))
        self.cursor: Dict[str, int] = {}
        self.emitted = 0
        self.matched = 0
        self.done = False


class _FakeAdapter(requests.adapters.HTTPAdapter):
    """A transport adapter that answers from a :class:`FakeReductStore`."""

    def __init__(self, fake: "FakeReductStore") -> None:
        super().__init__()
        self.fake = fake

    def send(self, request: Any, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: Any = None) -> requests.Response:
        status, headers, payload = self.fake.handle(request)
        raw = urllib3.HTTPResponse(body=io.BytesIO(payload), headers=headers, status=status,
                                   preload_content=False, decode_content=False,
                                   request_method=request.method)
        return self.build_response(request, raw)


class FakeReductStore:
    """A stateful fake server.

    :param base: the URL it answers on.
    :param version: the ``x-reduct-api`` it sends (gates /io, rotate ...).
    :param token: when set, every request but /alive and /ready needs it.
    """

    def __init__(self, base: str = "http://reduct.test:8383", version: str = "1.21",
                 token: Optional[str] = None) -> None:
        self.base = base.rstrip("/")
        self.version = version
        self.minor = int(version.split(".")[1])
        self.token = token
        self.buckets: Dict[str, Dict[str, Dict[int, Record]]] = {}
        self.settings: Dict[str, Dict[str, Any]] = {}
        self.tokens: Dict[str, Dict[str, Any]] = {}
        self.replications: Dict[str, Dict[str, Any]] = {}
        self.queries: Dict[int, Query] = {}
        self._ids = itertools.count(1)
        self.lock = threading.RLock()
        self.calls: List[Tuple[str, str]] = []

    def install(self, rsps: responses.RequestsMock) -> "FakeReductStore":
        """Answer every method under ``<base>/api/v1/`` through ``rsps``."""
        pattern = re.compile(re.escape(self.base) + r"/api/v1/.*")
        for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"):
            rsps.add_callback(method, pattern, callback=self.handle, content_type=None)
        return self

    def session(self) -> requests.Session:
        """A session whose requests to ``base`` go to this fake (and nowhere
        else is patched: safe next to other targets in one test run)."""
        session = requests.Session()
        session.mount(self.base, _FakeAdapter(self))
        return session

    # -- dispatch ---------------------------------------------------------------
    def handle(self, request: Any) -> Reply:
        parts = urlsplit(request.url)
        path = unquote(parts.path[len(urlsplit(self.base).path) + len("/api/v1/"):])
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        method = request.method
        self.calls.append((method, path))
        headers = {k.lower(): v for k, v in request.headers.items()}
        body = request.body
        if hasattr(body, "read"):
            body = body.read()
        if isinstance(body, str):
            body = body.encode("utf-8")
        body = body or b""
        try:
            with self.lock:
                if path not in ("alive", "ready"):
                    self._auth(headers)
                status, out, payload = self._route(method, path, query, headers, body)
        except HttpError as err:
            status, out = err.status, {"x-reduct-error": _wire(err.message)}
            payload = b""
            if method != "HEAD" and status != 204:
                out["content-type"] = "application/json"
                payload = json.dumps({"detail": err.message.replace('"', "'")}).encode()
        out.update({"server": f"ReductStore {self.version}.0", "x-reduct-api": self.version})
        if method == "HEAD":
            payload = b""
        return status, out, payload

    def _auth(self, headers: Dict[str, str]) -> None:
        if self.token is None:
            return
        auth = headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            raise HttpError(401, "No bearer token in request header")
        if auth[7:] != self.token:
            raise HttpError(401, "Invalid token")

    def _route(self, method: str, path: str, q: Dict[str, str], h: Dict[str, str],
               body: bytes) -> Reply:
        seg = path.split("/")
        if path in ("alive", "ready") and method in ("GET", "HEAD"):
            return 200, {}, b""
        if path == "info" and method == "GET":
            return self._json(self._info())
        if path == "list" and method == "GET":
            return self._json({"buckets": [self._bucket_info(b) for b in sorted(self.buckets)]})
        if path == "me" and method == "GET":
            return self._json(self._token_doc("init-token", {"full_access": True}))
        if seg[0] == "b" and len(seg) >= 2:
            return self._bucket_route(method, seg[1], "/".join(seg[2:]), q, h, body)
        if seg[0] == "io" and len(seg) == 3 and self.minor >= 18:
            return self._io_route(method, seg[1], seg[2], h, body)
        if seg[0] == "tokens":
            return self._token_route(method, seg[1:], body)
        if seg[0] == "replications" and self.minor >= 8:
            return self._replication_route(method, seg[1:], body)
        raise HttpError(404, f"Route {path} not found")

    @staticmethod
    def _json(doc: Any) -> Reply:
        return 200, {"content-type": "application/json"}, json.dumps(doc).encode()

    @staticmethod
    def _load(body: bytes) -> Any:
        try:
            return json.loads(body.decode("utf-8")) if body else None
        except ValueError as exc:
            raise HttpError(422, f"Invalid JSON: {exc}") from None

    # -- server and buckets ----------------------------------------------------------
    def _info(self) -> Dict[str, Any]:
        times = [ts for b in self.buckets.values() for e in b.values() for ts in e]
        info = {"version": f"{self.version}.0", "bucket_count": len(self.buckets),
                "usage": sum(len(r.data) for b in self.buckets.values() for e in b.values()
                             for r in e.values()),
                "uptime": 42, "oldest_record": min(times) if times else _U64_MAX,
                "latest_record": max(times) if times else 0,
                "defaults": {"bucket": self._default_settings()}, "license": None}
        if self.minor >= 21:
            info.update({"instance_name": "fake", "instance_role": "STANDALONE"})
        return info

    @staticmethod
    def _default_settings() -> Dict[str, Any]:
        return {"quota_type": "NONE", "quota_size": 0, "max_block_size": 64000000,
                "max_block_records": 1024}

    def _bucket(self, name: str) -> Dict[str, Dict[int, Record]]:
        if name not in self.buckets:
            raise HttpError(404, f"Bucket '{name}' is not found")
        return self.buckets[name]

    def _entry_info(self, name: str, records: Dict[int, Record]) -> Dict[str, Any]:
        times = sorted(records)
        return {"name": name, "size": sum(len(r.data) for r in records.values()),
                "record_count": len(records), "block_count": 1 if records else 0,
                "oldest_record": times[0] if times else 0,
                "latest_record": times[-1] if times else 0, "status": "READY"}

    def _bucket_info(self, name: str) -> Dict[str, Any]:
        entries = self.buckets[name]
        times = [ts for e in entries.values() for ts in e]
        return {"name": name, "entry_count": len(entries),
                "size": sum(len(r.data) for e in entries.values() for r in e.values()),
                "oldest_record": min(times) if times else 0,
                "latest_record": max(times) if times else 0,
                "is_provisioned": False, "status": "READY"}

    def _bucket_route(self, method: str, bucket: str, rest: str, q: Dict[str, str],
                      h: Dict[str, str], body: bytes) -> Reply:
        if rest == "rename" and method == "PUT":
            new = (self._load(body) or {}).get("new_name", "")
            self._bucket(bucket)
            if new in self.buckets:
                raise HttpError(409, f"Bucket '{new}' already exists")
            self.buckets[new] = self.buckets.pop(bucket)
            self.settings[new] = self.settings.pop(bucket)
            return 200, {}, b""
        if rest:
            return self._entry_route(method, bucket, rest, q, h, body)
        if method in ("GET", "HEAD"):
            self._bucket(bucket)
            entries = self.buckets[bucket]
            return self._json({"info": self._bucket_info(bucket),
                               "settings": self.settings[bucket],
                               "entries": [self._entry_info(n, entries[n])
                                           for n in sorted(entries)]})
        if method == "POST":
            if not bucket or not _BUCKET_RE.match(bucket):
                raise HttpError(422, "Bucket or entry name can contain only letters, "
                                     "digests and [-,_] symbols")
            if bucket in self.buckets:
                raise HttpError(409, f"Bucket '{bucket}' already exists")
            settings = self._default_settings()
            doc = self._load(body) or {}
            self._check_settings(doc)
            settings.update({k: v for k, v in doc.items() if k in settings and v is not None})
            self.buckets[bucket] = {}
            self.settings[bucket] = settings
            return 200, {}, b""
        if method == "PUT":
            self._bucket(bucket)
            doc = self._load(body) or {}
            self._check_settings(doc)
            self.settings[bucket].update({k: v for k, v in doc.items()
                                          if k in self.settings[bucket] and v is not None})
            return 200, {}, b""
        if method == "DELETE":
            self._bucket(bucket)
            del self.buckets[bucket]
            del self.settings[bucket]
            return 200, {}, b""
        raise HttpError(405, "Method not allowed")

    @staticmethod
    def _check_settings(doc: Dict[str, Any]) -> None:
        qt = doc.get("quota_type")
        if qt is not None and qt not in ("NONE", "FIFO", "HARD"):
            raise HttpError(422, f"Invalid JSON: unknown variant `{qt}`")

    # -- entries and records -------------------------------------------------------------
    def _entry_route(self, method: str, bucket: str, rest: str, q: Dict[str, str],
                     h: Dict[str, str], body: bytes) -> Reply:
        suffix = ""
        for cand in ("batch", "q", "rename"):
            if rest.endswith("/" + cand):
                rest, suffix = rest[:-len(cand) - 1], cand
                break
        if not rest or not _ENTRY_RE.match(rest):
            raise HttpError(422, "Bucket or entry name can contain only letters, digests "
                                 "and [-,_] symbols")
        if rest.startswith("/") or rest.endswith("/") or "//" in rest:
            raise HttpError(422, "Entry name must be non-empty and must not contain empty "
                                 "path segments")
        entries = self._bucket(bucket)
        if suffix == "rename":
            new = (self._load(body) or {}).get("new_name", "")
            self._get_entry(bucket, rest)
            if new in entries:
                raise HttpError(409, f"Entry '{new}' already exists in bucket '{bucket}'")
            entries[new] = entries.pop(rest)
            return 200, {}, b""
        if suffix == "q":
            return self._entry_query(method, bucket, rest, q, body)
        if suffix == "batch":
            return self._batch_v1(method, bucket, rest, q, h, body)
        if method == "POST":
            ts = self._ts(q, required=True)
            if "content-length" not in h and "x-reduct-content-length" not in h:
                raise HttpError(422, "content-length header is required")
            return self._write(bucket, rest, ts, body, h.get("content-type"),
                               self._labels(h))
        if method in ("GET", "HEAD"):
            if "q" in q:
                return self._next_single(bucket, rest, q["q"])
            records = self._get_entry(bucket, rest)
            ts = self._ts(q, required=False)
            if ts is None:
                ts = max(records)
            if ts not in records:
                raise HttpError(404, f"Record {ts} not found in entry {bucket}/{rest}")
            return 200, self._record_headers(rest, ts, records[ts]), records[ts].data
        if method == "PATCH":
            ts = self._ts(q, required=True)
            records = self._get_entry(bucket, rest)
            if ts not in records:
                raise HttpError(404, f"Record {ts} not found in entry {bucket}/{rest}")
            self._apply_delta(records[ts], self._labels(h, keep_empty=True))
            return 200, {}, b""
        if method == "DELETE":
            records = self._get_entry(bucket, rest)
            ts = self._ts(q, required=False)
            if ts is None:
                del entries[rest]
            elif ts not in records:
                raise HttpError(404, f"Record {ts} not found in entry {bucket}/{rest}")
            else:
                del records[ts]
            return 200, {}, b""
        raise HttpError(405, "Method not allowed")

    def _get_entry(self, bucket: str, entry: str) -> Dict[int, Record]:
        entries = self._bucket(bucket)
        if entry not in entries or not entries[entry]:
            raise HttpError(404, f"Entry '{entry}' not found in bucket '{bucket}'")
        return entries[entry]

    @staticmethod
    def _ts(q: Dict[str, str], required: bool) -> Optional[int]:
        if "ts" not in q:
            if required:
                raise HttpError(422, "'ts' parameter is required")
            return None
        try:
            return int(q["ts"])
        except ValueError:
            raise HttpError(422, "'ts' must be an unix timestamp in microseconds") from None

    @staticmethod
    def _labels(h: Dict[str, str], keep_empty: bool = False) -> Dict[str, str]:
        out = {}
        for name, value in h.items():
            if name.startswith("x-reduct-label-"):
                out[name[len("x-reduct-label-"):].lower()] = _utf8(value)
        return out

    @staticmethod
    def _apply_delta(record: Record, delta: Dict[str, str]) -> None:
        for key, value in delta.items():
            if value == "":
                record.labels.pop(key, None)
            else:
                record.labels[key] = value

    def _write(self, bucket: str, entry: str, ts: int, data: bytes, ctype: Optional[str],
               labels: Dict[str, str]) -> Reply:
        records = self.buckets[bucket].setdefault(entry, {})
        if ts in records:
            raise HttpError(409, f"A record with timestamp {ts} already exists")
        records[ts] = Record(data, ctype or "application/octet-stream", labels)
        return 200, {}, b""

    @staticmethod
    def _record_headers(entry: str, ts: int, rec: Record) -> Dict[str, str]:
        out = {"x-reduct-time": str(ts), "x-reduct-entry": entry, "content-type": rec.ctype,
               "content-length": str(len(rec.data)), "content-disposition": "attachment"}
        for key, value in rec.labels.items():
            out[f"x-reduct-label-{key}"] = _wire(value)
        return out

    # -- batch v1 (§5) ------------------------------------------------------------------------
    def _batch_v1(self, method: str, bucket: str, entry: str, q: Dict[str, str],
                  h: Dict[str, str], body: bytes) -> Reply:
        if method in ("GET", "HEAD"):
            if "q" not in q:
                raise HttpError(422, "'q' parameter is required for batched reads")
            return self._read_batch(int(q["q"]), v2=False)
        items = []
        for name, value in h.items():
            if name.startswith("x-reduct-time-"):
                try:
                    ts = int(name[len("x-reduct-time-"):])
                except ValueError:
                    raise HttpError(422, f"Invalid header '{name}': must be an unix "
                                         "timestamp in microseconds") from None
                items.append((ts, _utf8(value)))
        items.sort()
        errors: Dict[str, str] = {}
        if method == "POST":
            parsed = []
            for ts, value in items:
                size, _, rest = value.partition(",")
                ctype, _, labels = rest.partition(",")
                parsed.append((ts, int(size), ctype or "application/octet-stream",
                               _parse_labels(labels)))
            if int(h.get("content-length", h.get("x-reduct-content-length", "-1"))) != sum(
                    p[1] for p in parsed):
                raise HttpError(422, "content-length header does not match the sum of the "
                                     "content-lengths in the headers")
            self._bucket(bucket)
            pos = 0
            for ts, size, ctype, labels in parsed:
                data, pos = body[pos:pos + size], pos + size
                try:
                    self._write(bucket, entry, ts, data, ctype, labels)
                except HttpError as err:
                    errors[f"x-reduct-error-{ts}"] = f"{err.status},{err.message}"
        else:
            records = self._get_entry(bucket, entry)
            for ts, value in items:
                if ts not in records:
                    errors[f"x-reduct-error-{ts}"] = \
                        f"404,Record {ts} not found in entry {bucket}/{entry}"
                elif method == "PATCH":
                    labels = value.split(",", 2)[2] if value.count(",") >= 2 else ""
                    self._apply_delta(records[ts], _parse_labels(labels))
                else:
                    del records[ts]
        return 200, {k: _wire(v) for k, v in errors.items()}, b""

    # -- queries (§6, §8) ----------------------------------------------------------------------
    def _entry_query(self, method: str, bucket: str, entry: str, q: Dict[str, str],
                     body: bytes) -> Reply:
        if method == "POST" and self.minor >= 13:
            doc = self._load(body)
            if not isinstance(doc, dict) or "query_type" not in doc:
                raise HttpError(422, "Invalid JSON: missing field `query_type`")
            return self._make_query(bucket, [entry], doc, io=False)
        if method in ("GET", "DELETE"):
            doc = {k: int(v) for k, v in q.items() if k in ("start", "stop", "ttl")}
            doc["continuous"] = q.get("continuous") == "true"
            doc["query_type"] = "QUERY" if method == "GET" else "REMOVE"
            if method == "DELETE" and not q:
                raise HttpError(422, "Define at least one query parameter to delete records")
            return self._make_query(bucket, [entry], doc, io=False)
        raise HttpError(405, "Method not allowed")

    def _make_query(self, bucket: str, entries: List[str], doc: Dict[str, Any],
                    io: bool) -> Reply:
        if doc.get("query_type") not in ("QUERY", "REMOVE"):
            raise HttpError(422, f"Invalid JSON: unknown variant `{doc.get('query_type')}`")
        if (doc.get("start") is not None and doc.get("stop") is not None
                and doc["start"] > doc["stop"]):
            raise HttpError(422, "Start time must be before stop time")
        stored = self._bucket(bucket)
        names = self._match_entries(stored, entries) if io else entries
        query = Query(bucket, names, doc)
        if doc["query_type"] == "REMOVE":
            if set(doc) <= {"query_type", "entries"}:
                raise HttpError(422, "Define at least one query parameter to delete records")
            removed = 0
            for ts, name in self._select(query, limit=None):
                del stored[name][ts]
                removed += 1
            return self._json({"removed_records": removed})
        for name in names:
            if not io:
                self._get_entry(bucket, name)
        qid = next(self._ids)
        self.queries[qid] = query
        return self._json({"id": qid})

    @staticmethod
    def _match_entries(stored: Dict[str, Any], patterns: List[str]) -> List[str]:
        out = []
        for name in sorted(stored):
            if any(p == name or (p.endswith("*") and name.startswith(p.rstrip("*")))
                   for p in patterns if not p.startswith("!")) and not any(
                    p[1:] == name for p in patterns if p.startswith("!")):
                out.append(name)
        return out

    def _select(self, query: Query, limit: Optional[int]) -> List[Tuple[int, str]]:
        stored = self.buckets.get(query.bucket, {})
        rows = []
        for name in query.entries:
            after = query.cursor.get(name)
            for ts in sorted(stored.get(name, {})):
                if ts < query.start or (after is not None and ts <= after):
                    continue
                if query.stop is not None and not query.continuous and ts >= query.stop:
                    continue
                rows.append((ts, name))
        rows.sort()
        out = []
        for ts, name in rows:
            rec = stored[name][ts]
            if query.when and not self._when(query, query.when, rec):
                query.cursor[name] = ts
                continue
            out.append((ts, name))
            if limit is not None and len(out) >= limit:
                break
        return out

    def _when(self, query: Query, cond: Dict[str, Any], rec: Record) -> bool:
        ok = True
        for key, arg in cond.items():
            if key == "$limit":
                ok = ok and query.emitted < int(arg)
            elif key == "$each_n":
                query.matched += 1
                ok = ok and (query.matched - 1) % int(arg) == 0
            elif key in ("$and", "$or"):
                subs = arg if isinstance(arg, list) else [{k: v} for k, v in arg.items()]
                vals = [self._when(query, c, rec) for c in subs]
                ok = ok and (all(vals) if key == "$and" else any(vals))
            elif key == "$not":
                ok = ok and not self._when(query, arg, rec)
            elif key == "$exists" or key == "$has":
                ok = ok and all(a.lstrip("&") in rec.labels for a in arg)
            elif key.startswith("&") and isinstance(arg, dict):
                label = key[1:]
                if label not in rec.labels:
                    if query.strict:
                        raise HttpError(404, f"Reference '{label}' not found")
                    return False
                for op, ref in arg.items():
                    ok = ok and self._compare(op, rec.labels[label], ref)
            else:
                raise HttpError(422, f"Operator '{key}' not supported by the fake")
        return ok

    @staticmethod
    def _compare(op: str, value: str, ref: Any) -> bool:
        left: Any = value
        if isinstance(ref, (int, float)) and not isinstance(ref, bool):
            try:
                left = float(value)
            except ValueError:
                return False
        table = {"$eq": left == ref, "$ne": left != ref}
        if op in table:
            return table[op]
        cmp = {"$gt": lambda: left > ref, "$gte": lambda: left >= ref,
               "$lt": lambda: left < ref, "$lte": lambda: left <= ref}
        if op not in cmp:
            raise HttpError(422, f"Operator '{op}' not supported by the fake")
        return bool(cmp[op]())

    def _next_batch(self, qid: int) -> Tuple[Query, List[Tuple[int, str]], bool]:
        if qid not in self.queries:
            raise HttpError(404, f"Query {qid} not found and it might have expired. Check "
                                 "TTL in your query request.")
        query = self.queries[qid]
        rows = self._select(query, limit=_MAX_BATCH + 1)
        last = len(rows) <= _MAX_BATCH and not query.continuous
        rows = rows[:_MAX_BATCH]
        for ts, name in rows:
            query.cursor[name] = ts
        query.emitted += len(rows)
        return query, rows, last

    def _next_single(self, bucket: str, entry: str, qid: str) -> Reply:
        query, rows, _last = self._next_batch(int(qid))
        if not rows:
            raise HttpError(204, "No more records")
        ts, name = rows[0]
        for extra_ts, extra_name in rows[1:]:  # one at a time: rewind the others
            query.cursor[extra_name] = min(query.cursor.get(extra_name, extra_ts), ts)
        rec = self.buckets[bucket][name][ts]
        return 200, self._record_headers(name, ts, rec), rec.data

    def _read_batch(self, qid: int, v2: bool) -> Reply:
        query, rows, last = self._next_batch(qid)
        if not rows:
            raise HttpError(204, "No more records")
        stored = self.buckets[query.bucket]
        headers = {"content-type": "application/octet-stream",
                   "x-reduct-last": "true" if last else "false"}
        body = b"".join(stored[name][ts].data for ts, name in rows)
        headers["content-length"] = str(len(body))
        if not v2:
            for ts, name in rows:
                rec = stored[name][ts]
                value = f"{len(rec.data)},{rec.ctype}"
                if rec.labels:
                    value += "," + _fmt_labels(rec.labels)
                headers[f"x-reduct-time-{ts}"] = _wire(value)
            return 200, headers, body
        firsts: Dict[str, int] = {}
        for ts, name in rows:
            firsts.setdefault(name, ts)
        order = sorted(firsts, key=lambda n: (firsts[n], n))
        index = {n: i for i, n in enumerate(order)}
        start = rows[0][0]
        headers["x-reduct-entries"] = ",".join(quote(n, safe=_TCHAR) for n in order)
        headers["x-reduct-start-ts"] = str(start)
        prev: Dict[str, Record] = {}
        for ts, name in rows:
            rec = stored[name][ts]
            before = prev.get(name)
            if before is None:
                value = f"{len(rec.data)},{rec.ctype}"
                if rec.labels:
                    value += "," + _fmt_labels(rec.labels)
            elif before.ctype == rec.ctype and before.labels == rec.labels:
                value = str(len(rec.data))
            else:
                delta = {k: v for k, v in rec.labels.items() if before.labels.get(k) != v}
                delta.update({k: "" for k in before.labels if k not in rec.labels})
                ctype = rec.ctype if rec.ctype != before.ctype else ""
                value = f"{len(rec.data)},{ctype}," + _fmt_labels(delta)
            prev[name] = rec
            headers[f"x-reduct-{index[name]}-{ts - start}"] = _wire(value)
        return 200, headers, body

    # -- multi-entry io (§8) ---------------------------------------------------------------------
    def _io_route(self, method: str, bucket: str, action: str, h: Dict[str, str],
                  body: bytes) -> Reply:
        if action == "q" and method == "POST":
            doc = self._load(body)
            if not isinstance(doc, dict) or "query_type" not in doc:
                raise HttpError(422, "Invalid JSON: missing field `query_type`")
            return self._make_query(bucket, list(doc.get("entries") or ["*"]), doc, io=True)
        if action == "read" and method in ("GET", "HEAD"):
            if "x-reduct-query-id" not in h:
                raise HttpError(422, "x-reduct-query-id header is required")
            self._bucket(bucket)
            return self._read_batch(int(h["x-reduct-query-id"]), v2=True)
        expected = {"write": "POST", "update": "PATCH", "remove": "DELETE"}.get(action)
        if expected != method:
            raise HttpError(405, "Method not allowed")
        self._bucket(bucket)
        if "x-reduct-start-ts" not in h:
            raise HttpError(422, "x-reduct-start-ts header is required")
        entries = [unquote(e) for e in h.get("x-reduct-entries", "").split(",") if e]
        start = int(h["x-reduct-start-ts"])
        items = []
        for name, value in h.items():
            m = re.match(r"^x-reduct-(\d+)-(\d+)$", name)
            if m:
                items.append((int(m.group(1)), start + int(m.group(2)), _utf8(value)))
        items.sort()
        errors: Dict[str, str] = {}
        if action == "write" and int(h.get("content-length", "-1")) != sum(
                int(v.split(",")[0]) for _i, _t, v in items):
            raise HttpError(422, "content-length header does not match the sum of the "
                                 "content-lengths in the headers")
        pos = 0
        state: Dict[int, Tuple[str, Dict[str, str]]] = {}
        for idx, ts, value in items:
            if idx >= len(entries):
                raise HttpError(422, f"Invalid entry index {idx}")
            entry = entries[idx]
            parts = value.split(",", 2)
            size = int(parts[0])
            key = f"x-reduct-error-{idx}-{ts - start}"
            if action == "write":
                if len(parts) == 1 and idx not in state:
                    raise HttpError(422, f"Content-type and labels must be set for the first "
                                         f"record of entry '{entry}'")
                ctype, labels = state.get(idx, ("application/octet-stream", {}))
                if len(parts) > 1:
                    ctype = parts[1] or "application/octet-stream"
                    labels = dict(labels)
                    for k, v in _parse_labels(parts[2] if len(parts) > 2 else "").items():
                        if v == "":
                            labels.pop(k, None)
                        else:
                            labels[k] = v
                state[idx] = (ctype, labels)
                data, pos = body[pos:pos + size], pos + size
                try:
                    self._write(bucket, entry, ts, data, ctype, dict(labels))
                except HttpError as err:
                    errors[key] = f"{err.status},{err.message}"
                continue
            records = self.buckets[bucket].get(entry, {})
            if ts not in records:
                errors[key] = f"404,Record {ts} not found in entry {bucket}/{entry}"
            elif action == "update":
                self._apply_delta(records[ts], _parse_labels(parts[2] if len(parts) > 2
                                                             else ""))
            else:
                del records[ts]
        out = {"x-reduct-entries": h.get("x-reduct-entries", ""),
               "x-reduct-start-ts": str(start)}
        out.update({k: _wire(v) for k, v in errors.items()})
        return 200, out, b""

    # -- tokens (§9) and replications (§10) -------------------------------------------------------
    def _token_doc(self, name: str, perms: Dict[str, Any]) -> Dict[str, Any]:
        doc = {"name": name, "value": "", "created_at": "2026-01-01T00:00:00Z",
               "permissions": perms, "is_provisioned": False}
        if self.minor >= 19:
            doc.update({"expires_at": None, "ttl": None, "last_access": None,
                        "ip_allowlist": [], "is_expired": False})
        return doc

    def _token_route(self, method: str, seg: List[str], body: bytes) -> Reply:
        if not seg or seg == [""]:
            if method != "GET":
                raise HttpError(405, "Method not allowed")
            return self._json({"tokens": [self._token_doc(n, t["permissions"])
                                          for n, t in sorted(self.tokens.items())]})
        name = seg[0]
        if len(seg) == 2 and seg[1] == "rotate" and method == "POST" and self.minor >= 19:
            if name not in self.tokens:
                raise HttpError(404, f"Token '{name}' doesn't exist")
            return self._json({"value": f"{name}-{secrets.token_hex(8)}",
                               "created_at": "2026-01-01T00:00:00Z"})
        if method == "GET":
            if name not in self.tokens:
                raise HttpError(404, f"Token '{name}' doesn't exist")
            return self._json(self._token_doc(name, self.tokens[name]["permissions"]))
        if method == "POST":
            doc = self._load(body)
            if not isinstance(doc, dict):
                raise HttpError(422, "Invalid body")
            if "permissions" in doc:
                if set(doc) - {"permissions", "expires_at", "ttl", "ip_allowlist"}:
                    raise HttpError(422, "Invalid body")
                perms = doc["permissions"]
            else:
                perms = {k: doc.get(k, d) for k, d in
                         (("full_access", False), ("read", []), ("write", []))}
            if name in self.tokens:
                raise HttpError(409, f"Token '{name}' already exists")
            self.tokens[name] = {"permissions": perms, "request": doc}
            return self._json({"value": f"{name}-{secrets.token_hex(8)}",
                               "created_at": "2026-01-01T00:00:00Z"})
        if method == "DELETE":
            if name not in self.tokens:
                raise HttpError(404, f"Token '{name}' doesn't exist")
            del self.tokens[name]
            return 200, {}, b""
        raise HttpError(405, "Method not allowed")

    def _replication_route(self, method: str, seg: List[str], body: bytes) -> Reply:
        if not seg or seg == [""]:
            return self._json({"replications": [self._repl_info(n)
                                                for n in sorted(self.replications)]})
        name = seg[0]
        if len(seg) == 2 and seg[1] == "mode" and method == "PATCH" and self.minor >= 18:
            self._repl(name)["mode"] = (self._load(body) or {}).get("mode")
            return 200, {}, b""
        if method == "POST":
            if name in self.replications:
                raise HttpError(409, f"Replication '{name}' already exists")
            doc = self._load(body) or {}
            for key in ("src_bucket", "dst_bucket", "dst_host"):
                if key not in doc:
                    raise HttpError(422, f"Invalid JSON: missing field `{key}`")
            doc.setdefault("mode", "enabled")
            self.replications[name] = doc
            return 200, {}, b""
        repl = self._repl(name)
        if method == "GET":
            settings = dict(repl, dst_token=None)
            return self._json({"info": self._repl_info(name), "settings": settings,
                               "diagnostics": {"hourly": {"ok": 0, "errored": 0,
                                                          "errors": {}}}})
        if method == "PUT":
            self.replications[name] = dict(self._load(body) or {})
            return 200, {}, b""
        if method == "DELETE":
            del self.replications[name]
            return 200, {}, b""
        raise HttpError(405, "Method not allowed")

    def _repl(self, name: str) -> Dict[str, Any]:
        if name not in self.replications:
            raise HttpError(404, f"Replication '{name}' does not exist")
        return self.replications[name]

    def _repl_info(self, name: str) -> Dict[str, Any]:
        return {"name": name, "mode": self.replications[name].get("mode", "enabled"),
                "is_active": True, "is_provisioned": False, "pending_records": 0}
