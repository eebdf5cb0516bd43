"""An in-memory fake of the ReductStore HTTP API v1, for ``responses``, a session or a socket.

Test-only.  Use :meth:`FakeReductStore.install` on a ``responses`` mock,
:meth:`FakeReductStore.session` for a session that reaches it without
patching anything globally, or :meth:`FakeReductStore.serving` to answer
on a real socket on 127.0.0.1 (for clients that do not use ``requests``,
such as reduct-py over aiohttp).  Every request is recorded in
:attr:`FakeReductStore.recorded`; :meth:`FakeReductStore.drop_next` makes
the next matching request lose its connection.

It answers as ``shared/protocols/reductstore.md`` and the server source say
the server answers (paths, statuses, ``x-reduct-error``, ``x-reduct-api``,
JSON shapes, batch protocols v1 and v2), so the conformance battery and the
contract tests can run without a server.  It is NOT a real server: no
blocks, quotas, TTL expiry or background deletion (a bucket or entry
removal is immediate), and ``when`` supports only comparisons
(``$eq $ne $gt $gte $lt $lte``), ``$and $or $not``, ``$exists``, ``$limit``
and ``$each_n``; any other operator gets a 422.
"""

from __future__ import annotations

import contextlib
import http.server
import io
import itertools
import json
import re
import secrets
import threading
from types import SimpleNamespace
from typing import Any, Dict, Iterator, List, Optional, Tuple
from urllib.parse import parse_qs, quote, unquote, urlsplit

import requests
import requests.adapters
import responses
import urllib3

__all__ = ["FakeReductStore", "decode_v2"]

_BUCKET_RE = re.compile(r"^[A-Za-z0-9_-]*$")
_ENTRY_RE = re.compile(r"^[A-Za-z0-9_/$-]*$")
_U64_MAX = 18446744073709551615
_MAX_BATCH = 85
_TCHAR = "!#$&'*+-.^_`|~"

Reply = Tuple[int, Dict[str, str], bytes]


class DroppedConnection(Exception):
    """The connection breaks before any answer (see :meth:`FakeReductStore.drop_next`)."""


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
    """Labels of a v1 batched header (``batch/v1.rs: parse_batched_header``):
    keys and values trimmed, ``"..."`` quotes a value holding commas, and
    parsing stops quietly at the first part without ``=`` (so an unquoted
    ``x=a,b`` stores ``x=a``)."""
    labels: Dict[str, str] = {}
    rest = text
    while "=" in rest:
        key, value = rest.split("=", 1)
        key = key.strip()
        if key.startswith("@"):
            raise HttpError(422, "Label names must not start with '@': reserved for "
                                 "computed labels")
        if value.startswith('"'):
            if '"' not in value[1:]:
                raise HttpError(422, "Invalid batched header")
            value, rest = value[1:].split('"', 1)
            rest = rest.lstrip(",").strip()
        elif "," in value:
            value, rest = value.split(",", 1)
            rest = rest.strip()
        else:
            rest = ""
        labels[key] = value.strip()
    return labels


def _v2_request(h: Dict[str, str]) -> Tuple[List[str], int, List[Tuple[int, int, str]]]:
    """Entries, start time and ``(entry index, delta, value)`` of a v2 request,
    sorted by entry index then delta (``batch/v2.rs``: ``parse_entries``,
    ``parse_start_timestamp``, ``sort_headers_by_entry_and_time``)."""
    if "x-reduct-start-ts" not in h:
        raise HttpError(422, "x-reduct-start-ts header is required")
    if not h.get("x-reduct-entries", "").strip():
        raise HttpError(422, "x-reduct-entries header is required")
    entries = [unquote(e.strip()) for e in h["x-reduct-entries"].split(",")]
    try:
        start = int(h["x-reduct-start-ts"])
    except ValueError:
        raise HttpError(422, "Invalid x-reduct-start-ts header") from None
    items = []
    for name, value in h.items():
        match = re.match(r"^x-reduct-(\d+)-(\d+)$", name)
        if match:
            idx, delta = int(match.group(1)), int(match.group(2))
            if idx >= len(entries):
                raise HttpError(422, f"Invalid header 'x-reduct-{idx}-{delta}': entry index "
                                     "out of range")
            items.append((idx, delta, _utf8(value)))
    items.sort(key=lambda item: (item[0], item[1]))
    return entries, start, items


def _v2_label_names(h: Dict[str, str]) -> Optional[List[str]]:
    """``x-reduct-labels`` (``batch/v2.rs: parse_labels``), or None."""
    if "x-reduct-labels" not in h:
        return None
    if not h["x-reduct-labels"].strip():
        raise HttpError(422, "x-reduct-labels header is empty")
    return [unquote(n.strip()) for n in h["x-reduct-labels"].split(",")]


def _v2_delta_ops(text: str, names: Optional[List[str]]) -> List[Tuple[str, Optional[str]]]:
    """``batch/v2.rs: parse_label_delta_ops``: ``k=v,k2="a,b",k3=``; a key
    that is a number is an index into ``x-reduct-labels`` when that header is
    present; values are trimmed; an empty value (None here) removes."""
    ops: List[Tuple[str, Optional[str]]] = []
    rest = text.strip()
    while rest:
        if "=" not in rest:
            raise HttpError(422, "Invalid batched header")
        raw_key, value = rest.split("=", 1)
        key = raw_key.strip()
        if names is not None and key.isdigit():
            if int(key) >= len(names):
                raise HttpError(422, f"Label index '{key}' is out of range")
            key = names[int(key)]
        elif key.startswith("@"):
            raise HttpError(422, "Label names must not start with '@': reserved for "
                                 "computed labels")
        if value.startswith('"'):
            if '"' not in value[1:]:
                raise HttpError(422, "Invalid batched header")
            value, rest = value[1:].split('"', 1)
            rest = rest.lstrip(",").strip()
        elif "," in value:
            value, rest = value.split(",", 1)
            rest = rest.strip()
        else:
            rest = ""
        ops.append((key, value.strip() or None))
    return ops


def _v2_record(value: str, previous: Optional[Tuple[str, Dict[str, str]]],
               names: Optional[List[str]]) -> Tuple[int, str, Dict[str, str]]:
    """``batch/v2.rs: parse_record_header_with_defaults``: ``<len>`` reuses the
    previous content type and labels of the entry (422 for its first record);
    an empty content type reuses the previous one (default octet-stream);
    labels not mentioned are kept from the previous record."""
    size_text, comma, rest = value.partition(",")
    try:
        size = int(size_text.strip())
    except ValueError:
        raise HttpError(422, "Invalid batched header") from None
    if not comma:
        if previous is None:
            raise HttpError(422, "Content-type and labels must be provided for the first "
                                 "record of an entry")
        return size, previous[0], dict(previous[1])
    ctype_text, has_labels, labels_text = rest.partition(",")
    ctype = ctype_text.strip() or (previous[0] if previous else "application/octet-stream")
    labels = dict(previous[1]) if previous else {}
    if has_labels:
        for key, val in _v2_delta_ops(labels_text, names):
            if val is None:
                labels.pop(key, None)
            else:
                labels[key] = val
    return size, ctype, labels


def _v2_writes(items: List[Tuple[int, int, str]], names: Optional[List[str]]
               ) -> List[Tuple[int, int, int, str, Dict[str, str]]]:
    """``(idx, delta, size, content type, labels)`` of each record of a v2 write,
    each decoded against the previous record of its entry."""
    previous: Dict[int, Tuple[str, Dict[str, str]]] = {}
    decoded = []
    for idx, delta, value in items:
        size, ctype, labels = _v2_record(value, previous.get(idx), names)
        previous[idx] = (ctype, labels)
        decoded.append((idx, delta, size, ctype, labels))
    return decoded


def _v2_updates(items: List[Tuple[int, int, str]], names: Optional[List[str]]
                ) -> List[Tuple[int, int, Dict[str, Optional[str]]]]:
    """``(idx, delta, {label: value or None to remove})`` of each v2 update,
    carrying the operations of the previous update of the entry over."""
    carried: Dict[int, Dict[str, Optional[str]]] = {}
    out = []
    for idx, delta, value in items:
        parts = value.split(",", 2)
        ops = dict(carried.get(idx, {}))
        if len(parts) > 2:
            ops.update(_v2_delta_ops(parts[2], names))
        carried[idx] = ops
        out.append((idx, delta, ops))
    return out


def decode_v2(request: Dict[str, Any]) -> List[Tuple[Any, ...]]:
    """What a recorded v2 request means to the server, whatever its encoding:
    ``(entry, ts, size, content type, labels)`` per record of a write,
    ``(entry, ts, {label: value or None})`` per update, ``(entry, ts)`` per
    removal."""
    headers = request["headers"]
    entries, start, items = _v2_request(headers)
    names = _v2_label_names(headers)
    if request["path"].endswith("/write"):
        return [(entries[i], start + d, size, ct, labels)
                for i, d, size, ct, labels in _v2_writes(items, names)]
    if request["path"].endswith("/update"):
        return [(entries[i], start + d, ops) for i, d, ops in _v2_updates(items, names)]
    return [(entries[i], start + d) for i, d, _v in items]


def _v2_header_value(rec: "Record", prev: Optional["Record"], names: List[str]) -> str:
    """``batch/v2.rs: make_record_header_value`` / ``build_label_delta``: the
    content type only when it changed, the changed labels as
    ``<index>=<value>`` (``<index>=`` for a dropped one), sorted by index."""
    def index_of(key: str) -> int:
        if key not in names:
            names.append(key)
        return names.index(key)

    def shown(val: str) -> str:
        return f'"{val}"' if "," in val else val

    ctype = rec.ctype if prev is None or prev.ctype != rec.ctype else ""
    ops = []
    keys = sorted(rec.labels) if prev is None else sorted(set(prev.labels) | set(rec.labels))
    for key in keys:
        before = None if prev is None else prev.labels.get(key)
        after = rec.labels.get(key)
        if prev is not None and before == after:
            continue
        ops.append((index_of(key), "" if after is None else shown(after)))
    delta = ",".join(f"{i}={v}" for i, v in sorted(ops))
    parts = [str(len(rec.data))]
    if ctype or delta:
        parts.append(ctype)
    if delta:
        parts.append(delta)
    return ",".join(parts)


class Record:
    def __init__(self, data: bytes, ctype: str, labels: Dict[str, str]) -> None:
        self.data = data
        self.ctype = ctype
        self.labels = labels


def _label_filters_pass(query: "Query", rec: Record) -> bool:
    """S20's ``include`` (every label present with that value) and ``exclude``
    (dropped when every label is present with that value)."""
    def has_all(labels: Dict[str, str]) -> bool:
        return all(rec.labels.get(k) == v for k, v in labels.items())
    if query.include and not has_all(query.include):
        return False
    return not (query.exclude and has_all(query.exclude))


class Query:
    def __init__(self, bucket: str, entries: List[str], body: Dict[str, Any]) -> None:
        self.bucket = bucket
        self.entries = entries
        self.start = body.get("start") or 0
        self.stop = body.get("stop")
        self.continuous = bool(body.get("continuous"))
        self.when = body.get("when")
        self.strict = bool(body.get("strict"))
        # S20 (<= 1.20) only: label filters (filters/include.rs, exclude.rs)
        self.include: Dict[str, str] = body.get("include") or {}
        self.exclude: Dict[str, str] = body.get("exclude") or {}
        self.cursor: Dict[str, int] = {}
        self.emitted = 0
        self.selected = 0  # records taken so far by the batch being built
        self.matched = 0
        self.done = False


class _FakeAdapter(requests.adapters.HTTPAdapter):
    """A transport adapter that answers from a :class:`FakeReductStore`."""

    def __init__(self, fake: "FakeReductStore") -> None:
        super().__init__()
        self.fake = fake

    def send(self, request: Any, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: Any = None) -> requests.Response:
        try:
            status, headers, payload = self.fake.handle(request)
        except DroppedConnection:
            raise requests.exceptions.ConnectionError(
                "Connection aborted: RemoteDisconnected (fake)") from None
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
        #: ``{"method", "path", "query", "headers", "body"}`` of every request;
        #: ``headers`` keeps ``x-reduct-*`` and ``content-type`` (lower-cased).
        self.recorded: List[Dict[str, Any]] = []
        self._drops: List[Tuple[str, str, bool]] = []

    def drop_next(self, method: str, path: str, *, after_handling: bool) -> None:
        """Break the connection of the next ``method`` request to ``path``
        (``b/bk/e`` ...): before the server saw it, or after it acted on it
        and before its answer left (a write stored, its 200 lost)."""
        self._drops.append((method, path, after_handling))

    def _take_drop(self, method: str, path: str) -> Optional[bool]:
        for i, (m, p, after) in enumerate(self._drops):
            if (m, p) == (method, path):
                del self._drops[i]
                return after
        return None

    @contextlib.contextmanager
    def serving(self) -> Iterator[str]:
        """Answer on ``http://127.0.0.1:<free port>`` in a thread; yields that URL.

        HTTP/1.1 with keep-alive, ``Content-Length`` on every answer; a
        dropped request closes its connection without an answer.
        """
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        server.block_on_close = False  # keep-alive connections end with the process
        self.base = f"http://127.0.0.1:{server.server_address[1]}"
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                                  daemon=True)
        thread.start()
        try:
            yield self.base
        finally:
            server.shutdown()
            server.server_close()
            thread.join(5)

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
        self.recorded.append({
            "method": method, "path": path, "query": query, "body": body,
            "headers": {k: v for k, v in headers.items()
                        if k.startswith("x-reduct-") or k == "content-type"}})
        drop = self._take_drop(method, path)
        if drop is False:
            raise DroppedConnection(path)
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
        if drop:
            raise DroppedConnection(path)
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
            if self.minor <= 20:  # entry/common.rs (S20): include-<k>, exclude-<k>
                for kind in ("include", "exclude"):
                    found = {k[len(kind) + 1:]: v for k, v in q.items()
                             if k.startswith(kind + "-")}
                    if found:
                        doc[kind] = found
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
            query.selected = len(out)
            if self.minor <= 20 and not _label_filters_pass(query, rec):
                query.cursor[name] = ts
                continue
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
                # aggregation/limit.rs counts every record passed, this batch's too
                ok = ok and query.emitted + query.selected < int(arg)
            elif key == "$each_n":
                query.matched += 1
                ok = ok and (query.matched - 1) % int(arg) == 0
            elif key in ("$and", "$or"):
                subs = arg if isinstance(arg, list) else [{k: v} for k, v in arg.items()]
                vals = [self._when(query, c, rec) for c in subs]
                ok = ok and (all(vals) if key == "$and" else any(vals))
            elif key == "$not" and isinstance(arg, list):
                # parser.rs: "$not" with an operand list is NoneOf (none_of.rs)
                ok = ok and not any(self._when(query, c, rec) for c in arg)
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
        if v2:
            return self._read_batch_v2(stored, rows, headers)
        body = b"".join(stored[name][ts].data for ts, name in rows)
        headers["content-length"] = str(len(body))
        for ts, name in rows:
            rec = stored[name][ts]
            value = f"{len(rec.data)},{rec.ctype}"
            if rec.labels:
                value += "," + _fmt_labels(rec.labels)
            headers[f"x-reduct-time-{ts}"] = _wire(value)
        return 200, headers, body

    @staticmethod
    def _read_batch_v2(stored: Dict[str, Dict[int, Record]], rows: List[Tuple[int, str]],
                       headers: Dict[str, str]) -> Reply:
        """As ``api/http/io/read.rs: fetch_and_response_batched_records``: each
        header is a delta to the previous record of its entry, in the order the
        query produced them (``batch/v2.rs: make_record_header_value``, label
        names as indexes into ``x-reduct-labels``); entries are re-indexed by
        their first timestamp (ties: first seen); the records, and so the
        body, are sorted by (entry index, timestamp)."""
        arrival: Dict[str, int] = {}
        firsts: Dict[str, int] = {}
        names: List[str] = []
        prev: Dict[str, Record] = {}
        values = []
        for ts, name in rows:
            arrival.setdefault(name, len(arrival))
            firsts[name] = min(firsts.get(name, ts), ts)
            rec = stored[name][ts]
            values.append((name, ts, _v2_header_value(rec, prev.get(name), names)))
            prev[name] = rec
        order = sorted(arrival, key=lambda n: (firsts[n], arrival[n]))
        index = {n: i for i, n in enumerate(order)}
        start = min(ts for ts, _n in rows)
        values.sort(key=lambda v: (index[v[0]], v[1]))
        headers["x-reduct-entries"] = ",".join(quote(n, safe=_TCHAR) for n in order)
        headers["x-reduct-start-ts"] = str(start)
        if names:
            headers["x-reduct-labels"] = ",".join(quote(n, safe=_TCHAR) for n in names)
        for name, ts, value in values:
            headers[f"x-reduct-{index[name]}-{ts - start}"] = _wire(value)
        body = b"".join(stored[name][ts].data for name, ts, _v in values)
        headers["content-length"] = str(len(body))
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
                raise HttpError(422, "x-reduct-query-id header is required for batched reads")
            self._bucket(bucket)
            return self._read_batch(int(h["x-reduct-query-id"]), v2=True)
        expected = {"write": "POST", "update": "PATCH", "remove": "DELETE"}.get(action)
        if expected != method:
            raise HttpError(405, "Method not allowed")
        self._bucket(bucket)
        entries, start, items = _v2_request(h)
        if action == "write":
            errors = self._io_write(bucket, entries, start, items, h, body)
        elif action == "update":
            errors = self._io_update(bucket, entries, start, items, h)
        else:
            errors = self._io_remove(bucket, entries, start, items)
        out = {"x-reduct-entries": ",".join(quote(e, safe=_TCHAR) for e in entries),
               "x-reduct-start-ts": str(start)}
        out.update({k: _wire(v) for k, v in errors.items()})
        return 200, out, b""

    def _io_write(self, bucket: str, entries: List[str], start: int,
                  items: List[Tuple[int, int, str]], h: Dict[str, str],
                  body: bytes) -> Dict[str, str]:
        """``io/write.rs`` over ``batch/v2.rs: parse_batched_headers``: the
        headers are decoded in (entry index, time) order, each against the
        previous record of the same entry; the body follows that order."""
        decoded = _v2_writes(items, _v2_label_names(h))
        length = h.get("content-length", h.get("x-reduct-content-length"))
        if length is None:
            raise HttpError(422, "content-length header is required")
        if int(length) != sum(d[2] for d in decoded):
            raise HttpError(422, "content-length header does not match the sum of the "
                                 "content-lengths in the headers")
        errors: Dict[str, str] = {}
        pos = 0
        for idx, delta, size, ctype, labels in decoded:
            data, pos = body[pos:pos + size], pos + size
            try:
                self._write(bucket, entries[idx], start + delta, data, ctype, dict(labels))
            except HttpError as err:
                errors[f"x-reduct-error-{idx}-{delta}"] = f"{err.status},{err.message}"
        return errors

    def _io_update(self, bucket: str, entries: List[str], start: int,
                   items: List[Tuple[int, int, str]], h: Dict[str, str]) -> Dict[str, str]:
        """``io/update.rs``: the label operations of an update carry over to
        the next update of the same entry (its test
        ``reuses_labels_for_subsequent_records``: ``0,,0=meta-2`` after
        ``0,,0=meta-1,1=true`` also sets ``remove=true``); ``k=`` removes."""
        errors: Dict[str, str] = {}
        for idx, delta, ops in _v2_updates(items, _v2_label_names(h)):
            records = self.buckets[bucket].get(entries[idx], {})
            ts = start + delta
            if ts not in records:
                errors[f"x-reduct-error-{idx}-{delta}"] = (
                    f"404,Record {ts} not found in entry {bucket}/{entries[idx]}")
                continue
            self._apply_delta(records[ts], {k: v or "" for k, v in ops.items()})
        return errors

    def _io_remove(self, bucket: str, entries: List[str], start: int,
                   items: List[Tuple[int, int, str]]) -> Dict[str, str]:
        """``io/remove.rs``: only the entry index and time delta are read."""
        errors: Dict[str, str] = {}
        for idx, delta, _value in items:
            entry = entries[idx]
            records = self.buckets[bucket].get(entry)
            ts = start + delta
            key = f"x-reduct-error-{idx}-{delta}"
            if records is None:
                errors[key] = f"404,Entry '{entry}' not found in bucket '{bucket}'"
            elif ts not in records:
                errors[key] = f"404,Record {ts} not found in entry {bucket}/{entry}"
            else:
                del records[ts]
        return errors

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


def _read_chunked(rfile: Any) -> bytes:
    parts = []
    while True:
        size = int(rfile.readline().split(b";")[0].strip() or b"0", 16)
        if size == 0:
            rfile.readline()
            return b"".join(parts)
        parts.append(rfile.read(size))
        rfile.readline()


def _handler_for(fake: FakeReductStore) -> type:
    """A request handler class that answers from ``fake``."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def answer(self) -> None:
            if self.headers.get("transfer-encoding", "").lower() == "chunked":
                body = _read_chunked(self.rfile)
            else:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
            request = SimpleNamespace(url=fake.base + self.path, method=self.command,
                                      headers=self.headers, body=body)
            try:
                status, headers, payload = fake.handle(request)
            except DroppedConnection:
                self.close_connection = True
                return
            self.send_response_only(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if status != 204 and "content-length" not in headers:
                self.send_header("content-length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD" and status != 204:
                self.wfile.write(payload)

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = answer

        def log_message(self, *args: Any) -> None:
            pass

    return Handler
