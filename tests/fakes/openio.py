"""A stateful, in-memory fake of an OpenIO SDS namespace, for tests only.

It answers as ``shared/protocols/openio.md`` says the oio-proxy
(``/v3.0/<NS>/...``), the account service (``/v1.0/account/...``) and rawx
chunk servers do, through ``responses`` callbacks: same routes, query
arguments, headers, bodies, statuses and oio error codes.  It is a
protocol-faithful fake, not a server: account statistics are updated at
once (OpenIO updates them asynchronously), versioning and erasure coding are
not simulated (an EC policy is only *announced* by prepare2), and old chunks
are removed synchronously when an object is replaced or deleted.

Faults for tests: ``down`` (rawx hosts that refuse connections),
``fail_put`` (host -> HTTP status for PUTs), ``corrupt`` (chunk ids whose
GET returns altered bytes), ``wrong_reply_hash`` (rawx hosts whose PUT reply
announces another chunk hash than the data's).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
import uuid
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, quote, unquote, urlsplit

import requests
import responses
import urllib3

from objclient.listing import list_page, name_key

PROXY = "http://oio-proxy.fake:6006"
ACCOUNT = "http://oio-account.fake:6009"
RAWX = ["http://oio-rawx-1.fake:6201", "http://oio-rawx-2.fake:6202",
        "http://oio-rawx-3.fake:6203"]
POLICIES = {"SINGLE": "plain/nb_copy=1", "TWOCOPIES": "plain/nb_copy=2",
            "THREECOPIES": "plain/nb_copy=3",
            "EC": "ec/algo=liberasurecode_rs_vand,k=6,m=3"}
_CHUNK_HDR = "x-oio-chunk-meta-"
_REQUIRED_PUT = ("content-storage-policy", "content-chunk-method", "chunk-pos", "full-path")
_JSON = {"Content-Type": "application/json"}


def cid_of(account: str, container: str) -> str:
    """upper(hex(sha256(account + NUL + container)))."""
    return hashlib.sha256(f"{account}\0{container}".encode()).hexdigest().upper()


class OioError(Exception):
    """A proxy error: HTTP status plus oio status code."""

    def __init__(self, http: int, code: int, message: str) -> None:
        super().__init__(message)
        self.http, self.code, self.message = http, code, message


class FakeOpenIO:
    """One namespace: a proxy, an account service and three rawx."""

    def __init__(self, namespace: str = "OPENIO", chunk_size: int = 1 << 20,
                 default_policy: str = "THREECOPIES", prepare2: bool = True) -> None:
        self.ns = namespace
        self.chunk_size = chunk_size
        self.default_policy = default_policy
        self.has_prepare2 = prepare2
        self.lock = threading.RLock()
        self.accounts: Dict[str, Dict[str, Any]] = {}
        self.containers: Dict[Tuple[str, str], Dict[str, Any]] = {}
        self.references: Dict[Tuple[str, str], Dict[str, Any]] = {}
        self.rawx: Dict[str, Dict[str, Dict[str, Any]]] = {h: {} for h in RAWX}
        self.prepared: Dict[Tuple[str, str, int], str] = {}
        self.down: set = set()
        self.fail_put: Dict[str, int] = {}
        self.corrupt: set = set()
        self.wrong_reply_hash: set = set()
        self._clock = 0

    # -- wiring ----------------------------------------------------------------
    def install(self, mock: responses.RequestsMock) -> None:
        """Register every route on ``mock``."""
        proxy = re.compile(re.escape(PROXY) + r"/v3\.0/")
        account = re.compile(re.escape(ACCOUNT) + r"/v1\.0/account/")
        for method in ("GET", "POST", "HEAD", "PUT"):
            mock.add_callback(method, proxy, callback=self._proxy)
        for method in ("GET", "POST", "PUT"):
            mock.add_callback(method, account, callback=self._account)
        for host in RAWX:
            pattern = re.compile(re.escape(host) + r"/")
            for method in ("PUT", "GET", "HEAD", "DELETE", "COPY"):
                mock.add_callback(method, pattern, callback=self._rawx)

    def now_us(self) -> int:
        """A strictly increasing microsecond clock (object versions)."""
        with self.lock:
            self._clock = max(self._clock + 1, int(time.time() * 1_000_000))
            return self._clock

    # -- common --------------------------------------------------------------------
    @staticmethod
    def _parse(request: Any) -> Tuple[str, Dict[str, str], Any]:
        parts = urlsplit(request.url)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        body = request.body
        if body is not None and not isinstance(body, (bytes, str)):
            body = b"".join(bytes(b) for b in body)
        if isinstance(body, str):
            body = body.encode()
        return unquote(parts.path), query, body

    @staticmethod
    def _json(body: Any) -> Any:
        return json.loads(body) if body else None

    @staticmethod
    def _err(exc: OioError) -> Tuple[int, Dict[str, str], str]:
        return exc.http, dict(_JSON), json.dumps({"status": exc.code, "message": exc.message})

    # -- account service ---------------------------------------------------------------
    def _account(self, request: Any) -> Tuple[int, Dict[str, str], Any]:
        path, q, body = self._parse(request)
        action = path.split("/v1.0/account/", 1)[1]
        with self.lock:
            try:
                return self._account_action(request.method, action, q, body)
            except OioError as exc:
                return exc.http, dict(_JSON), json.dumps({"status": exc.http,
                                                          "message": exc.message})

    def _acct(self, name: Optional[str]) -> Dict[str, Any]:
        if name not in self.accounts:
            raise OioError(404, 404, "No such account")
        return self.accounts[name]

    def ensure_account(self, name: str) -> bool:
        """Create an account if missing; True if it was created."""
        if name in self.accounts:
            return False
        now = time.time()
        self.accounts[name] = {"ctime": now, "mtime": now, "metadata": {}}
        return True

    def _account_doc(self, name: str) -> Dict[str, Any]:
        acct = self._acct(name)
        conts = [c for (a, _n), c in self.containers.items() if a == name]
        return {"id": name, "ctime": acct["ctime"], "mtime": acct["mtime"],
                "bytes": sum(self._usage(c) for c in conts),
                "objects": sum(len(c["objects"]) for c in conts), "containers": len(conts),
                "buckets": 0, "shards": 0, "metadata": dict(acct["metadata"]),
                "regions": {}}

    def _account_action(self, method: str, action: str, q: Dict[str, str],
                        body: Any) -> Tuple[int, Dict[str, str], Any]:
        name = q.get("id")
        if action == "create" and method == "PUT":
            created = self.ensure_account(name)
            return (201, {"Content-Type": "text/plain"}, name) if created else (202, {}, "")
        if action == "delete" and method == "POST":
            self._acct(name)
            if any(a == name for a, _ in self.containers):
                raise OioError(409, 409, "Account not empty")
            del self.accounts[name]
            return 204, {}, ""
        if action == "show" and method == "GET":
            return 200, dict(_JSON), json.dumps(self._account_doc(name))
        if action == "update" and method in ("PUT", "POST"):
            acct = self._acct(name)
            doc = self._json(body) or {}
            acct["metadata"].update(doc.get("metadata") or {})
            for key in doc.get("to_delete") or []:
                acct["metadata"].pop(key, None)
            acct["mtime"] = time.time()
            return 204, {}, ""
        if action in ("refresh", "flush") and method == "POST":
            self._acct(name)
            return 204, {}, ""
        if action == "list" and method == "GET":
            names = sorted(self.accounts, key=name_key)
            page = self._page(names, q)
            doc = {"listing": [{"id": n} for n in page.items],
                   "truncated": page.truncated}
            if page.truncated:
                doc["next_marker"] = page.next_marker
            return 200, dict(_JSON), json.dumps(doc)
        if action == "containers" and method == "GET":
            doc = self._account_doc(name)
            rows = {c: self.containers[(a, c)] for (a, c) in self.containers if a == name}
            page = self._page(sorted(rows, key=name_key), q)
            listing = [[n, len(rows[n]["objects"]), self._usage(rows[n]), 0,
                        rows[n]["mtime"]] for n in page.items]
            listing += [[p, 0, 0, 1, 0] for p in page.prefixes]
            listing.sort(key=lambda r: name_key(r[0]))
            doc.update({"listing": listing, "truncated": page.truncated})
            if page.truncated:
                doc["next_marker"] = page.next_marker
            return 200, dict(_JSON), json.dumps(doc)
        raise OioError(404, 404, f"no route {method} {action}")

    @staticmethod
    def _page(names: List[str], q: Dict[str, str], limit_key: str = "limit") -> Any:
        def scan(start: Optional[str], inclusive: bool):
            for n in names:
                if start is None or name_key(n) > name_key(start) or (
                        inclusive and n == start):
                    yield n, n
        return list_page(scan, prefix=q.get("prefix") or "", delimiter=q.get("delimiter"),
                         marker=q.get("marker") or None,
                         end_marker=q.get("end_marker") or q.get("marker_end") or None,
                         limit=int(q.get(limit_key) or 1000))

    # -- proxy ------------------------------------------------------------------------------
    def _proxy(self, request: Any) -> Tuple[int, Dict[str, str], Any]:
        path, q, body = self._parse(request)
        parts = path.split("/")
        # /v3.0/<NS>/<resource>/<action>
        if len(parts) != 5 or parts[2] != self.ns:
            return self._err(OioError(404, 418, "Namespace not managed"))
        resource, action = parts[3], parts[4]
        handler = getattr(self, f"_{resource}_{action}", None)
        if handler is None or (resource == "content" and action == "prepare2"
                               and not self.has_prepare2):
            return 404, {}, "not found"
        modes = [m.strip() for m in request.headers.get("x-oio-action-mode", "").split(",")]
        q["_autocreate"] = "1" if "autocreate" in modes or q.get("autocreate") else ""
        with self.lock:
            try:
                status, headers, out = handler(request, q, body)
            except OioError as exc:
                return self._err(exc)
        headers.setdefault("x-oio-req-id", request.headers.get("x-oio-req-id", ""))
        if isinstance(out, (dict, list)):
            headers.update(_JSON)
            out = json.dumps(out)
        return status, headers, out or ""

    def _lb_choose(self, request, q, body):
        if q.get("type") != "account":
            raise OioError(404, 453, "Service type not managed")
        return 200, {}, [{"addr": ACCOUNT.split("//", 1)[1], "score": 100, "id": "acct-1"}]

    # references --------------------------------------------------------------------------
    def _key(self, q: Dict[str, str]) -> Tuple[str, str]:
        if "cid" in q:
            for key in list(self.references) + list(self.containers):
                if cid_of(*key) == q["cid"].upper():
                    return key
            raise OioError(404, 406, "Reference not found")
        return q["acct"], q["ref"]

    def _reference(self, key: Tuple[str, str], create: bool = False) -> Dict[str, Any]:
        if key not in self.references:
            if not create:
                raise OioError(404, 406, "Reference not found")
            self.ensure_account(key[0])
            self.references[key] = {"srv": [], "properties": {}}
        return self.references[key]

    def _reference_create(self, request, q, body):
        key = self._key(q)
        existed = key in self.references
        ref = self._reference(key, create=True)
        ref["properties"].update((self._json(body) or {}).get("properties") or {})
        return (202 if existed else 201), {}, ""

    def _reference_show(self, request, q, body):
        key = self._key(q)
        ref = self._reference(key)
        srv = [s for s in ref["srv"] if not q.get("type") or s["type"] == q["type"]]
        return 200, {}, {"dir": [{"seq": 1, "type": "meta1", "host": "127.0.0.1:6110",
                                  "args": ""}], "srv": srv, "cid": cid_of(*key),
                         "account": key[0], "name": key[1]}

    def _reference_link(self, request, q, body):
        ref = self._reference(self._key(q), create=bool(q["_autocreate"]))
        linked = [s for s in ref["srv"] if s["type"] == q["type"]]
        if not linked:
            host = {"meta2": "127.0.0.1:6120"}.get(q["type"], "127.0.0.1:6300")
            linked = [{"seq": 1, "type": q["type"], "host": host, "args": ""}]
            ref["srv"].extend(linked)
        return 200, {}, linked

    def _reference_unlink(self, request, q, body):
        ref = self._reference(self._key(q))
        ref["srv"] = [s for s in ref["srv"] if s["type"] != q.get("type")]
        return 204, {}, ""

    def _reference_force(self, request, q, body):
        ref = self._reference(self._key(q), create=bool(q["_autocreate"]))
        srv = self._json(body)
        if q.get("replace") == "yes":
            ref["srv"] = [s for s in ref["srv"] if s["type"] != srv["type"]]
        elif any(s["type"] == srv["type"] for s in ref["srv"]):
            raise OioError(409, 433, "Service already linked")
        ref["srv"].append(srv)
        return 204, {}, ""

    def _reference_destroy(self, request, q, body):
        key = self._key(q)
        ref = self._reference(key)
        if ref["srv"] and not q.get("force"):
            raise OioError(403, 439, "Reference in use")
        del self.references[key]
        return 204, {}, ""

    # containers --------------------------------------------------------------------------
    def _cont(self, q: Dict[str, str], create: bool = False) -> Dict[str, Any]:
        key = self._key(q)
        if key not in self.containers:
            if not create:
                raise OioError(404, 431, "Container not found")
            self.make_container(key, {}, {})
        return self.containers[key]

    def make_container(self, key: Tuple[str, str], props: Dict[str, str],
                       system: Dict[str, str]) -> Dict[str, Any]:
        """Create a container (and its account and meta2 link)."""
        self.ensure_account(key[0])
        ref = self._reference(key, create=True)
        if not any(s["type"] == "meta2" for s in ref["srv"]):
            ref["srv"].append({"seq": 1, "type": "meta2", "host": "127.0.0.1:6120",
                               "args": ""})
        now = self.now_us()
        sysprops = {"sys.account": key[0], "sys.user.name": key[1], "sys.ns": self.ns,
                    "sys.name": f"{cid_of(*key)}.1", "sys.m2.ctime": str(now),
                    "sys.m2.init": "1", "sys.m2.version": "1", "sys.status": "0",
                    "sys.type": "meta2"}
        sysprops.update(system)
        cont = {"properties": dict(props), "system": sysprops, "objects": {},
                "mtime": now / 1e6}
        self.containers[key] = cont
        return cont

    def _usage(self, cont: Dict[str, Any]) -> int:
        return sum(o["size"] for o in cont["objects"].values())

    def _system(self, cont: Dict[str, Any]) -> Dict[str, str]:
        system = dict(cont["system"])
        system["sys.m2.usage"] = str(self._usage(cont))
        system["sys.m2.objects"] = str(len(cont["objects"]))
        return system

    def _container_headers(self, cont: Dict[str, Any]) -> Dict[str, str]:
        return {"x-oio-container-meta-" + k.replace(".", "-"): quote(v, safe="")
                for k, v in self._system(cont).items()}

    def _container_create(self, request, q, body):
        key = self._key(q)
        if key in self.containers:
            return 204, {}, ""
        if key[0] not in self.accounts and not q["_autocreate"]:
            raise OioError(404, 409, "Account not found")
        doc = self._json(body) or {}
        self.make_container(key, doc.get("properties") or {}, doc.get("system") or {})
        return 201, {}, ""

    def _container_destroy(self, request, q, body):
        key = self._key(q)
        cont = self._cont(q)
        if cont["objects"] and not q.get("force"):
            raise OioError(409, 438, "Container not empty")
        del self.containers[key]
        ref = self.references.get(key)
        if ref is not None:
            ref["srv"] = [s for s in ref["srv"] if s["type"] != "meta2"]
        return 204, {}, ""

    def _container_show(self, request, q, body):
        cont = self._cont(q)
        return 200, self._container_headers(cont), {"properties": dict(cont["properties"])}

    def _container_get_properties(self, request, q, body):
        cont = self._cont(q)
        return 200, {}, {"properties": dict(cont["properties"]), "system": self._system(cont)}

    def _container_set_properties(self, request, q, body):
        cont = self._cont(q)
        doc = self._json(body) or {}
        cont["properties"].update(doc.get("properties") or {})
        cont["system"].update(doc.get("system") or {})
        return 204, {}, ""

    def _container_del_properties(self, request, q, body):
        cont = self._cont(q)
        for key in self._json(body) or []:
            cont["properties"].pop(key, None)
        return 204, {}, ""

    def _container_touch(self, request, q, body):
        self._cont(q)
        return 204, {}, ""

    def _container_purge(self, request, q, body):
        self._cont(q)
        return 204, {}, ""

    def _container_flush(self, request, q, body):
        cont = self._cont(q)
        limit = int(q.get("limit") or 100)
        names = sorted(cont["objects"], key=name_key)
        for name in names[:limit]:
            self._drop_chunks(cont["objects"].pop(name))
        truncated = len(names) > limit
        return 204, {"x-oio-truncated": "true" if truncated else "false"}, ""

    def _container_snapshot(self, request, q, body):
        cont = self._cont(q)
        doc = self._json(body) or {}
        dst = (doc["account"], doc["container"])
        if dst in self.containers:
            raise OioError(409, 433, "Container already exists")
        new = self.make_container(dst, cont["properties"], {})
        new["objects"] = json.loads(json.dumps(cont["objects"]))
        return 204, {}, ""

    def _container_list(self, request, q, body):
        cont = self._cont(q)
        objs = cont["objects"]
        page = self._page(sorted(objs, key=name_key), q, limit_key="max")
        out = []
        for name in page.items:
            obj = objs[name]
            entry = {"name": name, "version": obj["version"], "ctime": obj["ctime"],
                     "mtime": obj["mtime"], "deleted": False, "id": obj["id"],
                     "policy": obj["policy"], "chunk-method": obj["chunk_method"],
                     "hash": obj["hash"], "size": obj["size"], "mime-type": obj["mime"]}
            if q.get("properties") in ("True", "true", "1", "yes"):
                entry["properties"] = dict(obj["properties"])
            if q.get("chunks") in ("True", "true", "1", "yes"):
                entry["chunks"] = [dict(c, score=100) for c in obj["chunks"]]
            out.append(entry)
        headers = self._container_headers(cont)
        headers["x-oio-list-truncated"] = "true" if page.truncated else "false"
        if page.truncated:
            headers["x-oio-list-marker"] = quote(page.next_marker, safe="")
        return 200, headers, {"prefixes": page.prefixes, "objects": out,
                              "properties": dict(cont["properties"]),
                              "system": self._system(cont)}

    # contents ---------------------------------------------------------------------------------
    def _obj(self, q: Dict[str, str]) -> Dict[str, Any]:
        cont = self._cont(q)
        obj = cont["objects"].get(q.get("path"))
        if obj is None or (q.get("version") and str(obj["version"]) != q["version"]):
            raise OioError(404, 420, "Content not found")
        if obj.get("drained"):
            raise OioError(410, 427, "Content drained")
        return obj

    def _content_headers(self, obj: Dict[str, Any], props: bool) -> Dict[str, str]:
        h = {"id": obj["id"], "version": str(obj["version"]), "size": str(obj["size"]),
             "length": str(obj["size"]), "hash-method": "md5", "policy": obj["policy"],
             "chunk-method": obj["chunk_method"], "mime-type": obj["mime"],
             "name": quote(obj["name"], safe=""), "ctime": str(obj["ctime"]),
             "mtime": str(obj["mtime"]), "deleted": "False"}
        if obj["hash"]:
            h["hash"] = obj["hash"]
        out = {"x-oio-content-meta-" + k: v for k, v in h.items()}
        if props:
            for key, value in obj["properties"].items():
                out["x-oio-content-meta-" + quote(key, safe="")] = quote(value, safe="")
        return out

    def _prepare(self, q, body, legacy: bool):
        key = self._key(q)
        if key not in self.containers:
            if not q["_autocreate"]:
                raise OioError(404, 431, "Container not found")
            self.make_container(key, {}, {})
        cont = self.containers[key]
        doc = self._json(body) or {}
        policy = doc.get("policy") or cont["system"].get("sys.m2.policy.storage") \
            or self.default_policy
        if policy not in POLICIES:
            raise OioError(400, 480, f"Storage policy not supported: {policy}")
        method = POLICIES[policy]
        version = int(q["version"]) if q.get("version") else self.now_us()
        content_id = q.get("content") or self.prepared.get((*key, version)) \
            or uuid.uuid4().hex.upper()
        self.prepared[(*key, version)] = content_id
        copies = 9 if method.startswith("ec/") else int(method.rsplit("=", 1)[1])
        pos = int(doc.get("position") or 0)
        chunks = []
        for i in range(copies):
            sub = f"0.{i}" if method.startswith("ec/") else "0"
            cid = hashlib.sha256(f"{cid_of(*key)}{q['path']}{version}{pos}.{i}{policy}"
                                 .encode()).hexdigest().upper()
            chunks.append({"url": f"{RAWX[i % len(RAWX)]}/{cid}", "pos": sub,
                           "size": self.chunk_size, "hash": "0" * 32, "score": 100})
        headers = {"x-oio-ns-chunk-size": str(self.chunk_size)}
        meta = {"id": content_id, "version": str(version), "policy": policy,
                "chunk-method": method, "mime-type": "application/octet-stream",
                "name": quote(q["path"], safe=""), "ctime": str(version // 1_000_000),
                "mtime": str(version // 1_000_000), "deleted": "False", "hash-method": "md5",
                "size": "1"}
        headers.update({"x-oio-content-meta-" + k: v for k, v in meta.items()})
        if legacy:
            return 200, headers, chunks
        return 200, headers, {"chunks": chunks, "properties": {}}

    def _content_prepare2(self, request, q, body):
        return self._prepare(q, body, legacy=False)

    def _content_prepare(self, request, q, body):
        return self._prepare(q, body, legacy=True)

    def _content_create(self, request, q, body):
        h = request.headers
        size = h.get("x-oio-content-meta-size") or h.get("x-oio-content-meta-length")
        needed = ("x-oio-content-meta-id", "x-oio-content-meta-policy",
                  "x-oio-content-meta-version")
        if size is None or any(n not in h for n in needed):
            raise OioError(400, 400, "Missing content header")
        key = self._key(q)
        if key not in self.containers:
            if not q["_autocreate"]:
                raise OioError(404, 431, "Container not found")
            self.make_container(key, {}, {})
        cont = self.containers[key]
        doc = self._json(body)
        chunks = doc if isinstance(doc, list) else doc.get("chunks", [])
        props = {} if isinstance(doc, list) else (doc.get("properties") or {})
        version = int(h["x-oio-content-meta-version"])
        old = cont["objects"].get(q["path"])
        if old is not None and old["version"] == version:
            raise OioError(409, 421, "Content already exists")
        cont["objects"][q["path"]] = {
            "name": q["path"], "id": h["x-oio-content-meta-id"], "version": version,
            "policy": h["x-oio-content-meta-policy"],
            "chunk_method": h.get("x-oio-content-meta-chunk-method", ""),
            "hash": (h.get("x-oio-content-meta-hash") or "").upper() or None,
            "size": int(size), "mime": h.get("x-oio-content-meta-mime-type")
            or "application/octet-stream", "ctime": version // 1_000_000,
            "mtime": version // 1_000_000, "properties": dict(props),
            "chunks": [{k: c[k] for k in ("url", "pos", "size", "hash")} for c in chunks]}
        cont["mtime"] = time.time()
        if old is not None:
            self._drop_chunks(old)
        self.prepared.pop((*key, version), None)
        return 204, {}, ""

    def _drop_chunks(self, obj: Dict[str, Any]) -> None:
        for chunk in obj["chunks"]:
            host, _, cid = chunk["url"].rpartition("/")
            self.rawx.get(host, {}).pop(cid.upper(), None)

    def _content_locate(self, request, q, body):
        obj = self._obj(q)
        props = q.get("properties", "true").lower() not in ("false", "0", "no")
        return 200, self._content_headers(obj, props), \
            [dict(c, score=100) for c in obj["chunks"]]

    _content_show = _content_locate

    def _content_get_properties(self, request, q, body):
        obj = self._obj(q)
        return 200, self._content_headers(obj, False), {"properties": dict(obj["properties"])}

    def _content_set_properties(self, request, q, body):
        obj = self._obj(q)
        new = (self._json(body) or {}).get("properties") or {}
        if q.get("flush") in ("1", "true", "True"):
            obj["properties"] = {}
        obj["properties"].update(new)
        return 204, {}, ""

    def _content_del_properties(self, request, q, body):
        obj = self._obj(q)
        doc = self._json(body) or []
        keys = doc.get("properties", []) if isinstance(doc, dict) else doc
        for key in keys:
            obj["properties"].pop(key, None)
        return 204, {}, ""

    def _content_delete(self, request, q, body):
        obj = self._obj(q)
        self._drop_chunks(self._cont(q)["objects"].pop(obj["name"]))
        return 204, {"x-oio-version-id": str(obj["version"])}, ""

    def _content_delete_many(self, request, q, body):
        cont = self._cont(q)
        out = []
        for item in (self._json(body) or {}).get("contents", []):
            obj = cont["objects"].pop(item["name"], None)
            if obj is None:
                out.append({"name": item["name"], "status": 404, "message": "not found"})
            else:
                self._drop_chunks(obj)
                out.append({"name": item["name"], "status": 204, "message": "OK"})
        return 200, {}, {"contents": out}

    def _content_touch(self, request, q, body):
        self._obj(q)
        return 204, {}, ""

    def _content_drain(self, request, q, body):
        obj = self._obj(q)
        self._drop_chunks(obj)
        obj["chunks"], obj["drained"] = [], True
        return 204, {}, ""

    def _content_truncate(self, request, q, body):
        obj = self._obj(q)
        size = int(q["size"])
        kept, offset = [], 0
        for pos in sorted({int(c["pos"]) for c in obj["chunks"]}):
            copies = [c for c in obj["chunks"] if int(c["pos"]) == pos]
            if offset >= size:
                self._drop_chunks({"chunks": copies})
                continue
            kept += copies
            offset += copies[0]["size"]
        if offset != size:
            raise OioError(400, 400, "truncate size is not a chunk boundary")
        obj["chunks"], obj["size"], obj["hash"] = kept, size, None
        return 204, {}, ""

    # -- rawx -----------------------------------------------------------------------------
    def _rawx(self, request: Any) -> Tuple[int, Dict[str, str], Any]:
        parts = urlsplit(request.url)
        host = f"{parts.scheme}://{parts.netloc}"
        if host in self.down:
            raise requests.exceptions.ConnectionError(urllib3.exceptions.NewConnectionError(
                None, f"connection refused by {host}"))
        chunk_id = parts.path.strip("/")
        if not re.fullmatch(r"[0-9A-Fa-f]{24,64}", chunk_id):
            return 400, {}, "bad chunk id"
        chunk_id = chunk_id.upper()
        store = self.rawx[host]
        reqid = {"x-oio-req-id": request.headers.get("x-oio-req-id", "")}
        body = self._parse(request)[2] if request.method == "PUT" else None
        with self.lock:
            if request.method == "PUT":
                if host in self.fail_put:
                    return self.fail_put[host], reqid, ""
                status, headers, out = self._rawx_put(store, chunk_id, request.headers,
                                                      body or b"", reqid)
                if host in self.wrong_reply_hash and status == 201:
                    headers["X-oio-Chunk-Meta-Chunk-Hash"] = "0" * 32
                return status, headers, out
            chunk = store.get(chunk_id)
            if chunk is None:
                return 404, reqid, ""
            if request.method == "DELETE":
                del store[chunk_id]
                return 204, reqid, ""
            if request.method == "COPY":
                dest = urlsplit(request.headers["Destination"])
                new_id = dest.path.strip("/").upper()
                if f"{dest.scheme}://{dest.netloc}" != host or new_id == chunk_id:
                    return 400, reqid, "bad destination"
                if new_id in store:
                    return 409, reqid, ""
                meta = dict(chunk["meta"])
                meta["full-path"] = request.headers.get(_CHUNK_HDR + "full-path",
                                                        meta["full-path"])
                meta["chunk-id"] = new_id
                store[new_id] = {"data": chunk["data"], "meta": meta}
                return 201, reqid, ""
            headers = dict(reqid)
            headers.update({_CHUNK_HDR + k: v for k, v in chunk["meta"].items()})
            data = chunk["data"]
            if chunk_id in self.corrupt:
                data = bytes([data[0] ^ 0xFF]) + data[1:] if data else data
            headers["Accept-Ranges"] = "bytes"
            if request.method == "HEAD":
                headers["Content-Length"] = str(len(data))
                return 200, headers, ""
            rng = request.headers.get("Range")
            if rng:
                first, last = _range(rng, len(data))
                if first is None:
                    return 416, headers, ""
                headers["Content-Range"] = f"bytes {first}-{last}/{len(data)}"
                return 206, headers, data[first:last + 1]
            return 200, headers, data

    @staticmethod
    def _rawx_put(store: Dict[str, Any], chunk_id: str, headers: Any, body: bytes,
                  reqid: Dict[str, str]) -> Tuple[int, Dict[str, str], Any]:
        meta = {k.lower()[len(_CHUNK_HDR):]: v for k, v in headers.items()
                if k.lower().startswith(_CHUNK_HDR)}
        if any(k not in meta for k in _REQUIRED_PUT):
            return 400, reqid, "missing chunk meta header"
        if len(meta["full-path"].split("/")) != 5:
            return 400, reqid, "bad full path"
        if meta.get("chunk-id", chunk_id).upper() != chunk_id:
            return 400, reqid, "chunk id mismatch"
        if chunk_id in store:
            return 409, reqid, ""
        method = meta["content-chunk-method"]
        cca = dict(p.split("=", 1) for p in method.partition("/")[2].split(",") if "=" in p) \
            .get("cca", "md5")
        if cca != "md5":
            return 400, reqid, "this fake rawx only computes md5 chunk hashes"
        digest = hashlib.md5(body).hexdigest().upper()
        if meta.get("chunk-hash") and meta["chunk-hash"].upper() != digest:
            return 400, reqid, "chunk hash mismatch"
        if meta.get("chunk-size") and int(meta["chunk-size"]) != len(body):
            return 400, reqid, "chunk size mismatch"
        meta.update({"chunk-hash": digest, "chunk-size": str(len(body)), "chunk-id": chunk_id})
        store[chunk_id] = {"data": body, "meta": meta}
        reqid = dict(reqid)
        reqid.update({"X-oio-Chunk-Meta-Chunk-Hash": digest,
                      "X-oio-Chunk-Meta-Chunk-Size": str(len(body))})
        return 201, reqid, ""


def _range(value: str, size: int) -> Tuple[Optional[int], Optional[int]]:
    spec = value.split("=", 1)[1].strip()
    start, _, end = spec.partition("-")
    if not start:
        n = int(end)
        return (max(0, size - n), size - 1) if n else (None, None)
    first = int(start)
    last = size - 1 if not end else min(int(end), size - 1)
    if first >= size:
        return None, None
    return first, last


def start_fake(**kwargs: Any) -> Tuple[FakeOpenIO, responses.RequestsMock]:
    """A started ``RequestsMock`` with a fake namespace installed; requests
    to any other host pass through.  Stop it with ``mock.stop()``."""
    fake = FakeOpenIO(**kwargs)
    mock = responses.RequestsMock(assert_all_requests_are_fired=False)
    mock.add_passthru(re.compile(r"^(?!http://oio-[a-z0-9-]+\.fake:)"))
    fake.install(mock)
    mock.start()
    return fake, mock
