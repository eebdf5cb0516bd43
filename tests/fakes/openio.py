"""A stateful, in-memory fake of an OpenIO SDS namespace, for tests only.

It answers through ``responses`` callbacks as the servers' own sources do,
route by route: the oio-proxy (``/v3.0/<NS>/...``, C sources in
``open-io/oio-sds`` ``proxy/``), the account service (``/v1.0/account/...``,
``oio/account/server.py``) and the rawx chunk servers (``rawx/``, Go).  Each
route's docstring names the source function it follows; where the source
does not settle a behaviour the docstring says so and the fake offers each
plausible answer as an option.

Read from the sources (``proxy/m2_actions.c``, ``proxy/sqlx_actions.c``,
``proxy/common.c``, ``proxy/reply.c``, 2021-2023 OVH line):

* errors are ``{"status": <oio code>, "message": ...}`` with the HTTP status
  of ``_reply_m2_error`` / ``_reply_common_error`` (:data:`HTTP_OF`);
* a container's properties live in one meta2 table: user ones under
  ``user.<key>``, system ones under their own names (``sys.m2.usage`` ...)
  and a few others (``schema_version``, ``version:main.admin`` ...).
  ``container/show`` gives the non-user ones as headers whose names lose
  every character that is not alphanumeric or ``-`` (``_purify_header``),
  ``container/get_properties`` gives them intact (``action_sqlx_propget``);
* ``content/prepare2`` only places chunks: it reads no container, so it
  neither creates one nor fails on a missing one, and a missing policy is
  the namespace's (``_action_m2_content_prepare``);
* ``content/create`` creates a missing container only when asked
  (``autocreate`` flag), with the properties of ``container_properties``
  read as ``{"properties": {...}, "system": {...}}``; anything else there
  is logged and ignored (``action_m2_content_create``).

Not simulated: versioning (one version per name), erasure coding (an EC
policy is only announced by prepare2), sharding, account statistics delayed
by events (they are updated at once here).

Faults for tests: ``down`` (rawx hosts that refuse connections),
``fail_put`` (host -> HTTP status for PUTs), ``corrupt`` (chunk ids whose
GET returns altered bytes), ``wrong_reply_hash`` (rawx hosts whose PUT reply
announces another chunk hash than the data's).
"""

from __future__ import annotations

import hashlib
import html
import json
import posixpath
import re
import threading
import time
import uuid
from typing import Any, Callable, Dict, List, Optional, Tuple
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
_JSON = {"Content-Type": "application/json"}
_USER = "user."

# oio status codes (core/internals.h)
BAD_REQUEST, USER_NOTFOUND, CONTENT_NOTFOUND, CONTENT_EXISTS = 400, 406, 420, 421
CONTENT_DELETED, CONTENT_DRAINED, CONTAINER_NOTFOUND, CONTAINER_EXISTS = 426, 427, 431, 433
CONTAINER_NOTEMPTY, NAMESPACE_NOTMANAGED, POLICY_NOT_SUPPORTED = 438, 418, 480
USER_INUSE, SRVTYPE_NOTMANAGED, SRV_ALREADY = 407, 453, 455
_NOTFOUND = {USER_NOTFOUND, CONTENT_NOTFOUND, CONTENT_DELETED, CONTAINER_NOTFOUND,
             NAMESPACE_NOTMANAGED}
#: HTTP status of an oio code (proxy/m2_actions.c:_reply_m2_error, then
#: proxy/reply.c:_reply_common_error); anything else is 500.
HTTP_OF = {CONTAINER_NOTEMPTY: 409, CONTENT_EXISTS: 409, CONTAINER_EXISTS: 409,
           CONTENT_DRAINED: 410, BAD_REQUEST: 400, POLICY_NOT_SUPPORTED: 400,
           **{c: 404 for c in _NOTFOUND}}

#: (resource, action) -> the method proxy/metacd_http.c registers it under.
ROUTES = {
    ("lb", "choose"): "GET",
    ("reference", "create"): "POST", ("reference", "show"): "GET",
    ("reference", "link"): "POST", ("reference", "unlink"): "POST",
    ("reference", "force"): "POST", ("reference", "destroy"): "POST",
    ("container", "create"): "POST", ("container", "destroy"): "POST",
    ("container", "show"): "GET", ("container", "list"): "GET",
    ("container", "get_properties"): "POST", ("container", "set_properties"): "POST",
    ("container", "del_properties"): "POST", ("container", "touch"): "POST",
    ("container", "flush"): "POST", ("container", "purge"): "POST",
    ("container", "snapshot"): "POST",
    ("content", "prepare"): "POST", ("content", "prepare2"): "POST",
    ("content", "create"): "POST", ("content", "show"): "GET",
    ("content", "locate"): "GET", ("content", "get_properties"): "POST",
    ("content", "set_properties"): "POST", ("content", "del_properties"): "POST",
    ("content", "delete"): "POST", ("content", "delete_many"): "POST",
    ("content", "touch"): "POST", ("content", "drain"): "POST",
    ("content", "truncate"): "POST",
}


def cid_of(account: str, container: str) -> str:
    """upper(hex(sha256(account + NUL + container)))."""
    return hashlib.sha256(f"{account}\0{container}".encode()).hexdigest().upper()


def purify_header(name: str) -> str:
    """proxy/m2_actions.c:_purify_header: every character that is neither
    alphanumeric nor ``-`` becomes ``-``."""
    return re.sub(r"[^0-9A-Za-z-]", "-", name)


def escape(value: str) -> str:
    """g_uri_escape_string(v, NULL, FALSE): all but unreserved characters."""
    return quote(value, safe="")


class OioError(Exception):
    """A proxy error: an oio status code, answered with its HTTP status."""

    def __init__(self, code: int, message: str, http: Optional[int] = None) -> None:
        super().__init__(message)
        self.code, self.message = code, message
        self.http = http or HTTP_OF.get(code, 500)


def _bad(message: str) -> OioError:
    return OioError(BAD_REQUEST, message)


#: Where reference/link places a service of each type the namespace knows.
SERVICE_HOSTS = {"meta2": "127.0.0.1:6120", "rdir": "127.0.0.1:6300",
                 "sqlx": "127.0.0.1:6130", "rawx": RAWX[0].split("//", 1)[1],
                 "account": ACCOUNT.split("//", 1)[1]}


def _m1_service(doc: Any) -> Dict[str, Any]:
    """metautils meta1_service_url_load_json_object: an object whose
    ``seq`` is an integer and ``type``, ``host``, ``args`` strings."""
    if not isinstance(doc, dict):
        raise _bad("Invalid object type")
    fields = {"seq": int, "type": str, "host": str, "args": str}
    for name, kind in fields.items():
        if name not in doc:
            raise _bad(f"Missing field [{name}]")
        if not isinstance(doc[name], kind) or isinstance(doc[name], bool):
            raise _bad(f"Invalid field type [{name}]")
    return {name: doc[name] for name in fields}


def kv_object(value: Any, what: str) -> Dict[str, str]:
    """common.c:KV_decode_object: a JSON object of strings (null: empty)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _bad("json: not a valid KV object")
    for key, val in value.items():
        if not isinstance(val, str):
            raise _bad(f"Invalid property '{key}'")
    return dict(value)


def kv_section(doc: Any, section: str, fail_if_empty: bool = False) -> Dict[str, str]:
    """common.c:KV_read_properties: the ``section`` sub-object of ``doc``."""
    if doc is None and not fail_if_empty:
        return {}
    if not isinstance(doc, dict):
        raise _bad("Object argument expected")
    if section not in doc:
        if fail_if_empty:
            raise _bad(f'No "{section}" field')
        return {}
    if not isinstance(doc[section], dict):
        raise _bad(f'Bad "{section}" field')
    return kv_object(doc[section], section)


def usersys_properties(doc: Any) -> Dict[str, str]:
    """common.c:KV_read_usersys_properties: ``properties`` prefixed with
    ``user.``, then ``system`` as given; a flat ``{k: v}`` reads as nothing."""
    user = {_USER + k: v for k, v in kv_section(doc, "properties").items()}
    user.update(kv_section(doc, "system"))
    return user


class AccountError(Exception):
    """An account-service refusal: a werkzeug HTTPException's status and description."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status, self.description = status, description


def _listing_limit(value: Optional[str]) -> int:
    """server.py: ``max(0, min(10000, int_value(limit, 0)))``, 0 meaning 1000."""
    try:
        limit = max(0, min(10000, int(value or 0)))
    except ValueError:
        limit = 0
    return limit or 1000


class FakeOpenIO:
    """One namespace: a proxy, an account service and three rawx.

    :param propset_reply: ``container/set_properties`` and
        ``del_properties`` answer through ``_sqlx_action_noreturn``, which
        this fake's sources do not show; the route's doc block shows
        ``200 {}``.  ``"200"`` answers that, ``"204"`` an empty reply.
    :param account_list_reply: ``account/list`` as the newest backend pages
        it (``"listing"``) or as the stored server.py answers it (``"names"``).
    :param account_autocreate: the account service's ``autocreate`` (on by
        default): ``account/update`` creates a missing account.
    :param ref_show_reply: ``reference/show`` with ``"cid"``, ``"account"``
        and ``"name"`` as the protocol notes give it (``"names"``) or only
        ``{"dir", "srv"}`` as the newest stored dir_actions.c (``"dir_srv"``).
    :param containers_delimiter: ``account/containers`` ignores
        ``delimiter`` as the stored server.py does (``"ignored"``) or folds
        names as newer servers are described to (``"grouped"``).
    """

    def __init__(self, namespace: str = "OPENIO", chunk_size: int = 1 << 20,
                 default_policy: str = "THREECOPIES", prepare2: bool = True,
                 propset_reply: str = "200", account_list_reply: str = "listing",
                 account_autocreate: bool = True, ref_show_reply: str = "names",
                 containers_delimiter: str = "ignored") -> None:
        self.ns = namespace
        self.chunk_size = chunk_size
        self.default_policy = default_policy
        self.has_prepare2 = prepare2
        self.propset_reply = propset_reply
        self.account_list_reply = account_list_reply
        self.account_autocreate = account_autocreate
        self.ref_show_reply = ref_show_reply
        self.containers_delimiter = containers_delimiter
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
        self.warnings: List[str] = []
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
        """common.c:rest_action: the body as JSON (none: null; not JSON: 400)."""
        if not body:
            return None
        try:
            return json.loads(body)
        except ValueError:
            raise _bad("Invalid JSON body") from None

    @staticmethod
    def _err(exc: OioError) -> Tuple[int, Dict[str, str], str]:
        """reply.c:_create_status: ``{"status": code, "message": msg}``."""
        return exc.http, dict(_JSON), json.dumps({"status": exc.code, "message": exc.message})

    @staticmethod
    def flag(request: Any, q: Dict[str, str], name: str) -> bool:
        """common.c:_request_get_flag: a query argument, when present, read
        by oio_str_parse_bool (anything unknown is false), else a word of
        the comma-separated ``x-oio-action-mode`` header (any case)."""
        if name in q:
            return FakeOpenIO.opt_bool(q, name, False)
        modes = request.headers.get("x-oio-action-mode", "")
        return name.lower() in [m.strip().lower() for m in modes.split(",")]

    @staticmethod
    def opt_bool(q: Dict[str, str], name: str, default: bool) -> bool:
        """oio_str_parse_bool(OPT(name), default)."""
        value = q.get(name)
        if value is None:
            return default
        if value.lower() in ("1", "true", "yes", "on", "enabled"):
            return True
        if value.lower() in ("0", "false", "no", "off", "disabled"):
            return False
        return default

    # -- account service (oio/account/server.py, oio/account/backend_fdb.py) ----------
    # Read from the newest stored server.py (OVH 2021-2022, werkzeug) and the
    # newest stored backend_fdb.py (OVH 2021-2023).  Errors come from
    # oio/common/wsgi.py:WerkzeugApp.dispatch_request: a werkzeug HTTPException
    # answered as ``text/plain`` with its escaped description (never JSON); a
    # ValueError (a body that is not JSON) is 400; any other exception 500.
    _ACCOUNT_ROUTES = {"create": ("PUT",), "delete": ("POST",), "list": ("GET",),
                       "update": ("PUT", "POST"), "show": ("GET",), "containers": ("GET",),
                       "refresh": ("POST",), "flush": ("POST",)}

    def _account(self, request: Any) -> Tuple[int, Dict[str, str], Any]:
        """server.py:Account url_map: an unknown route is 404, a known route
        under another method 405 (werkzeug routing); then ``on_account_<action>``."""
        path, q, body = self._parse(request)
        action = path.split("/v1.0/account/", 1)[1]
        methods = self._ACCOUNT_ROUTES.get(action)
        with self.lock:
            try:
                if methods is None:
                    raise AccountError(404, "The requested URL was not found on the server.")
                if request.method not in methods:
                    raise AccountError(405, "The method is not allowed for the requested URL.")
                handler = getattr(self, "_account_" + action)
                return handler(q, body)  # type: ignore[no-any-return]
            except AccountError as exc:
                return exc.status, {"Content-Type": "text/plain; charset=utf-8"}, \
                    html.escape(exc.description)

    @staticmethod
    def _account_id(q: Dict[str, str]) -> str:
        """server.py:_get_item_id: an empty or missing ``id`` is 400."""
        if not q.get("id"):
            raise AccountError(400, "Missing account ID")
        return q["id"]

    def _acct(self, name: Optional[str], message: str = "Account not found") -> Dict[str, Any]:
        if name not in self.accounts:
            raise AccountError(404, message)
        return self.accounts[name]

    def ensure_account(self, name: str) -> bool:
        """Create an account if missing; True if it was created."""
        if name in self.accounts:
            return False
        now = time.time()
        self.accounts[name] = {"ctime": now, "mtime": now, "metadata": {}}
        return True

    def _account_doc(self, name: str) -> Dict[str, Any]:
        """backend_fdb.py:_account_info (full): counters, ``ctime`` and
        ``mtime`` in seconds (floats), ``metadata``, ``regions``, ``shards``."""
        acct = self._acct(name)
        conts = [c for (a, _n), c in self.containers.items() if a == name]
        return {"id": name, "ctime": acct["ctime"], "mtime": acct["mtime"],
                "bytes": sum(self._usage(c) for c in conts),
                "objects": sum(len(c["objects"]) for c in conts), "containers": len(conts),
                "buckets": 0, "shards": 0, "metadata": dict(acct["metadata"]),
                "regions": {}}

    def _account_create(self, q: Dict[str, str], body: Any) -> Tuple[int, Dict[str, str], Any]:
        """server.py:on_account_create: 201 with the id as ``text/plain``,
        202 (empty) when it existed."""
        name = self._account_id(q)
        if self.ensure_account(name):
            return 201, {"Content-Type": "text/plain; charset=utf-8"}, name
        return 202, {"Content-Type": "text/plain; charset=utf-8"}, ""

    def _account_delete(self, q: Dict[str, str], body: Any) -> Tuple[int, Dict[str, str], Any]:
        """server.py:on_account_delete: 404 "No such account", 409 "Account
        not empty" while it has containers, else 204."""
        name = self._account_id(q)
        self._acct(name, "No such account")
        if any(a == name for a, _ in self.containers):
            raise AccountError(409, "Account not empty")
        del self.accounts[name]
        return 204, {}, ""

    def _account_show(self, q: Dict[str, str], body: Any) -> Tuple[int, Dict[str, str], Any]:
        """server.py:on_account_show: the account document, 404 "Account not found"."""
        return 200, dict(_JSON), json.dumps(self._account_doc(self._account_id(q)))

    def _account_update(self, q: Dict[str, str], body: Any) -> Tuple[int, Dict[str, str], Any]:
        """server.py:on_account_update and backend_fdb.py:_update_account_metadata:
        the body must be JSON (else 400) holding an object (else 500); a
        missing account is created (``autocreate``, on by default) or 404;
        keys and values must be strings and no key both set and deleted
        (_update_metadata, 400); 204."""
        name = self._account_id(q)
        try:
            doc = json.loads(body or b"")
        except ValueError as exc:
            raise AccountError(400, str(exc)) from None
        if not isinstance(doc, dict):
            raise AccountError(500, "Unmanaged error: 'list' object has no attribute 'get'")
        to_update, to_delete = doc.get("metadata") or {}, doc.get("to_delete") or []
        if set(to_update) & set(to_delete):
            raise AccountError(400, "Keys cannot be updated and deleted at the same time")
        if not all(isinstance(v, str) for v in list(to_update.values()) + list(to_delete)):
            raise AccountError(400, "All values must be strings")
        if name not in self.accounts and not self.account_autocreate:
            raise AccountError(404, "Account not found")
        self.ensure_account(name)
        meta = self.accounts[name]["metadata"]
        meta.update(to_update)
        for key in to_delete:
            meta.pop(key, None)
        return 204, {}, ""

    def _account_refresh(self, q: Dict[str, str], body: Any) -> Tuple[int, Dict[str, str], Any]:
        """server.py:on_account_refresh, backend_fdb.py:_refresh_account:
        404 for a missing account, else 204 (counters are always current here)."""
        self._acct(self._account_id(q), self._account_id(q))
        return 204, {}, ""

    def _account_flush(self, q: Dict[str, str], body: Any) -> Tuple[int, Dict[str, str], Any]:
        """server.py:on_account_flush, backend_fdb.py:flush_account: 404 for
        a missing account, else 204.  Not simulated: the account forgetting
        its containers until meta2 reports them again."""
        self._acct(self._account_id(q), self._account_id(q))
        return 204, {}, ""

    def _account_list(self, q: Dict[str, str], body: Any) -> Tuple[int, Dict[str, str], Any]:
        """GET /v1.0/account/list.  The stored server.py (on_account_list)
        answers every account as a bare JSON array of names and reads no
        query argument; the newest stored backend_fdb.py:list_accounts pages
        (``limit``, ``marker``, ``end_marker``, ``prefix``, markers excluded)
        and returns ``(accounts, next_marker)``, which its server wraps as
        ``{"listing": [{"id"}], "truncated", "next_marker"?}`` (that server is
        not stored: shared/protocols/openio.md).  ``account_list_reply``
        picks ``"listing"`` (default) or ``"names"``."""
        names = sorted(self.accounts, key=name_key)
        if self.account_list_reply == "names":
            return 200, dict(_JSON), json.dumps(names)
        page = self._page(names, q, limit=_listing_limit(q.get("limit")))
        doc: Dict[str, Any] = {"listing": [{"id": n} for n in page.items],
                               "truncated": page.truncated}
        if page.truncated:
            doc["next_marker"] = page.next_marker
        return 200, dict(_JSON), json.dumps(doc)

    def _account_containers(self, q: Dict[str, str],
                            body: Any) -> Tuple[int, Dict[str, str], Any]:
        """server.py:on_account_containers: ``limit`` clamped to 10000, 0 or
        not a number meaning 1000; ``prefix``, ``marker`` and ``end_marker``
        (both excluded); **no delimiter** (the route does not read it); the
        account document plus ``listing`` of ``[name, objects, bytes, 0,
        mtime]``, ``truncated`` and, when truncated, ``next_marker``.
        ``containers_delimiter="grouped"`` answers instead as the protocol
        notes describe newer servers: names folded at the delimiter into
        ``[prefix, 0, 0, 1, 0]`` rows (not in any stored source).
        ``s3_buckets_only`` (``true_value``) keeps the names
        backend.py:_should_be_listed accepts (``buckets_pattern``), before
        the page is cut, as _raw_listing skips them while filling it."""
        name = self._account_id(q)
        doc = self._account_doc(name)
        rows = {c: self.containers[(a, c)] for (a, c) in self.containers if a == name}
        if q.get("s3_buckets_only", "").lower() in ("true", "1", "yes", "on", "y",
                                                     "enable", "enabled"):
            rows = {c: row for c, row in rows.items() if _BUCKETS_PATTERN.match(c)}
        if self.containers_delimiter != "grouped":
            q = {k: v for k, v in q.items() if k != "delimiter"}
        page = self._page(sorted(rows, key=name_key), q,
                          limit=_listing_limit(q.get("limit")))
        listing = [[n, len(rows[n]["objects"]), self._usage(rows[n]), 0,
                    rows[n]["mtime"]] for n in page.items]
        listing += [[p, 0, 0, 1, 0] for p in page.prefixes]
        doc["listing"] = sorted(listing, key=lambda row: name_key(row[0]))
        doc["truncated"] = page.truncated
        if page.truncated:
            doc["next_marker"] = page.next_marker
        return 200, dict(_JSON), json.dumps(doc)

    @staticmethod
    def _page(names: List[str], q: Dict[str, str], limit: Optional[int] = None) -> Any:
        def scan(start: Optional[str], inclusive: bool):
            for n in names:
                if start is None or name_key(n) > name_key(start) or (
                        inclusive and n == start):
                    yield n, n
        return list_page(scan, prefix=q.get("prefix") or "", delimiter=q.get("delimiter"),
                         marker=q.get("marker") or None,
                         end_marker=q.get("end_marker") or q.get("marker_end") or None,
                         limit=limit or int(q.get("limit") or 1000))

    # -- proxy ------------------------------------------------------------------------------
    def _proxy(self, request: Any) -> Tuple[int, Dict[str, str], Any]:
        """metacd_http.c:handler_action: ``/v3.0/<NS>/<resource>/<action>``
        with the method each route is registered under
        (configure_request_handlers); an unknown route or method is 404
        ``{"status": 404, "message": "No handler found"}``; then
        core/url.c:oio_url_check refuses another namespace than the proxy's
        with 400 "Invalid parameter 'namespace'" before any handler runs (so
        dir_actions.c:action_ref_show's own 403 code 418 is never reached)."""
        path, q, body = self._parse(request)
        parts = path.split("/")
        resource, action = (parts[3], parts[4]) if len(parts) == 5 else ("", "")
        handler = getattr(self, f"_{resource}_{action}", None)
        if handler is None or ROUTES.get((resource, action)) != request.method or (
                (resource, action) == ("content", "prepare2") and not self.has_prepare2):
            return 404, dict(_JSON), json.dumps({"status": 404,
                                                 "message": "No handler found"})
        if parts[2] != self.ns:
            return self._err(_bad("Invalid parameter 'namespace'"))
        with self.lock:
            try:
                status, headers, out = handler(request, q, self._json(body))
            except OioError as exc:
                return self._err(exc)
        headers.setdefault("x-oio-req-id", request.headers.get("x-oio-req-id", ""))
        if isinstance(out, (dict, list)):
            headers.update(_JSON)
            out = json.dumps(out)
        return status, headers, out or ""

    def _lb_choose(self, request, q, doc):
        """lb_actions.c:action_lb_choose and _lb (2017 line, the newest
        stored): a missing or unknown ``type`` is 404 code 453
        (_lb_check_tokens, _reply_notfound_error); ``size`` must be a number
        (400 "Invalid size"); the reply is ``[{"addr", "id"}]`` (no score)
        with one entry per service chosen.  Not simulated: asking for more
        services than exist (the pool's error, its status not read)."""
        services = {"account": [ACCOUNT], "rawx": RAWX}.get(q.get("type", ""))
        if services is None:
            raise OioError(453, "Invalid TYPE", 404)
        size = q.get("size", "1")
        if not size.lstrip("-").isdigit():
            raise _bad("Invalid size")
        chosen = services[:max(1, int(size))]
        return 200, {}, [{"addr": url.split("//", 1)[1],
                          "id": url.split("//", 1)[1]} for url in chosen]

    # references (proxy/dir_actions.c) -----------------------------------------------------
    def _key(self, q: Dict[str, str]) -> Tuple[str, str]:
        if "cid" in q:
            for key in list(self.references) + list(self.containers):
                if cid_of(*key) == q["cid"].upper():
                    return key
            raise OioError(USER_NOTFOUND, "Reference not found")
        if not q.get("acct") or not q.get("ref"):
            raise _bad("Missing account or reference")
        return q["acct"], q["ref"]

    def _reference(self, key: Tuple[str, str], create: bool = False) -> Dict[str, Any]:
        if key not in self.references:
            if not create:
                raise OioError(USER_NOTFOUND, "Reference not found")
            self.references[key] = {"srv": [], "properties": {}}
        return self.references[key]

    # The reference routes follow the newest stored proxy/dir_actions.c
    # (OpenIO 2015-2017; no OVH-era copy is stored), the meta1 calls it makes
    # (meta1v2/meta1_backend_references.c, meta1_backend_services.c,
    # meta1_backend_internals.c:__info_user) and proxy/reply.c.  Every one
    # locates meta1 first (_m1_locate_and_action ->
    # resolver/hc_resolver.c:hc_resolve_reference_directory): without a
    # container id (``acct`` + ``ref``, or ``cid``) that is 400 "No META1:
    # Incomplete URL [...]".  meta1 errors are prefixed "META1 error: ".
    def _ref_key(self, q: Dict[str, str], create: bool = False) -> Tuple[str, str]:
        """The reference a call addresses: ``acct`` + ``ref``, or ``cid``
        (which meta1 can only look up: creating from a bare cid is 400
        "Partial URL", meta1_backend_user_create)."""
        if q.get("acct") and q.get("ref"):
            return q["acct"], q["ref"]
        cid = (q.get("cid") or "").upper()
        if not cid:
            url = "/".join([self.ns, q.get("acct", ""), q.get("ref", "")])
            raise _bad(f"No META1: Incomplete URL [{url}]")
        if create:
            raise _bad("META1 error: Partial URL")
        for key in self.references:
            if cid_of(*key) == cid:
                return key
        raise OioError(USER_NOTFOUND, "META1 error: no such user")

    def _ref(self, key: Tuple[str, str], autocreate: bool = False) -> Dict[str, Any]:
        """meta1_backend_internals.c:__info_user: code 406 "no such user"
        (404), unless ``autocreate`` (link, force) creates it."""
        if key not in self.references:
            if not autocreate:
                raise OioError(USER_NOTFOUND, "META1 error: no such user")
            self.references[key] = {"srv": [], "properties": {}}
        return self.references[key]

    @staticmethod
    def _srv_type(q: Dict[str, str]) -> str:
        """``TYPE()``: link, unlink and force need it (400 "No service type provided")."""
        if not q.get("type"):
            raise _bad("No service type provided")
        return q["type"]

    def _reference_create(self, request, q, doc):
        """dir_actions.c:action_ref_create -> action_dir_ref_create (through
        common.c:rest_action, a body that is not JSON: 400): a JSON object's
        ``properties`` read by KV_decode_object (not strings: 400); then
        meta1_backend_user_create: 201 created, 202 when it existed
        (CODE_CONTAINER_EXISTS), the properties of a second create ignored.
        No reply body."""
        props = kv_object(doc.get("properties"), "properties") if isinstance(doc, dict) else {}
        key = self._ref_key(q, create=True)
        if key in self.references:
            return 202, {}, ""
        self.references[key] = {"srv": [], "properties": dict(props)}
        return 201, {}, ""

    def _reference_show(self, request, q, doc):
        """dir_actions.c:action_ref_show: the linked services (of ``type``
        only, when given), missing reference 404 code 406.  The stored
        source answers ``{"dir": [meta1...], "srv": [...]}`` only; the
        protocol notes (read from the unstored HEAD) add ``"cid"``,
        ``"account"`` and ``"name"``.  ``ref_show_reply`` picks ``"names"``
        (default) or ``"dir_srv"``."""
        key = self._ref_key(q)
        ref = self._ref(key)
        srv = [dict(s) for s in ref["srv"] if not q.get("type") or s["type"] == q["type"]]
        out: Dict[str, Any] = {"dir": [{"seq": 1, "type": "meta1", "host": "127.0.0.1:6110",
                                        "args": ""}], "srv": srv}
        if self.ref_show_reply == "names":
            out.update({"cid": cid_of(*key), "account": key[0], "name": key[1]})
        return 200, {}, out

    def _reference_link(self, request, q, doc):
        """dir_actions.c:action_dir_srv_link -> meta1_backend_services_link
        (REUSE): the services of that type already linked, else one polled
        and saved with seq 1; ``autocreate`` creates a missing reference,
        else 404 code 406; a type the load balancer does not know is code
        453 (404 as the protocol notes map it).  200 ``[{"seq", "type",
        "host", "args"}]``."""
        srv_type = self._srv_type(q)
        ref = self._ref(self._ref_key(q), autocreate=self.flag(request, q, "autocreate"))
        linked = [dict(s) for s in ref["srv"] if s["type"] == srv_type]
        if linked:
            return 200, {}, linked
        host = SERVICE_HOSTS.get(srv_type.split(".")[0])
        if host is None:
            raise OioError(SRVTYPE_NOTMANAGED,
                           f"META1 error: Query error: type [{srv_type}] not managed", 404)
        service = {"seq": 1, "type": srv_type, "host": host, "args": ""}
        ref["srv"].append(service)
        return 200, {}, [dict(service)]

    def _reference_unlink(self, request, q, doc):
        """dir_actions.c:action_ref_unlink -> meta1_backend_services_unlink:
        every service of ``type`` removed (none linked is no error), then the
        reference's ``<type>.*`` properties; missing reference 404 code 406.
        204 (_reply_success_json with no body)."""
        srv_type = self._srv_type(q)
        ref = self._ref(self._ref_key(q))
        ref["srv"] = [s for s in ref["srv"] if s["type"] != srv_type]
        ref["properties"] = {k: v for k, v in ref["properties"].items()
                             if not k.startswith(srv_type + ".")}
        return 204, {}, ""

    def _reference_force(self, request, q, doc):
        """dir_actions.c:action_dir_srv_force -> meta1_backend_services_set:
        ``type`` is required in the query; the body is one service, every
        field mandatory (metautils meta1_service_url_load_json_object: 400);
        ``autocreate`` as for link; the same ``(type, seq)`` already linked
        is code 455 CODE_SRV_ALREADY, answered 403, unless ``replace``
        (INSERT OR REPLACE of that row only).  204.  Assumed, not read: the
        meta1 ``services`` table's key is ``(cid, srvtype, seq)``."""
        self._srv_type(q)
        service = _m1_service(doc)
        ref = self._ref(self._ref_key(q), autocreate=self.flag(request, q, "autocreate"))
        same = [s for s in ref["srv"]
                if (s["type"], s["seq"]) == (service["type"], service["seq"])]
        if same and not self.flag(request, q, "replace"):
            raise OioError(SRV_ALREADY, "META1 error: UNIQUE constraint failed", 403)
        ref["srv"] = [s for s in ref["srv"] if not any(s is t for t in same)] + [service]
        return 204, {}, ""

    def _reference_destroy(self, request, q, doc):
        """dir_actions.c:action_ref_destroy ->
        meta1_backend_references.c:__destroy_container: missing 404 code
        406; services or properties still there 403 code 407
        (CODE_USER_INUSE), unless ``force``, which drops them; 204."""
        key = self._ref_key(q)
        ref = self._ref(key)
        if not self.flag(request, q, "force"):
            if ref["srv"]:
                raise OioError(USER_INUSE, "META1 error: Query error: "
                               "User still linked to services", 403)
            if ref["properties"]:
                raise OioError(USER_INUSE, "META1 error: Query error: "
                               "User still has properties", 403)
        del self.references[key]
        return 204, {}, ""

    # containers (proxy/m2_actions.c, proxy/sqlx_actions.c) -------------------------------
    def _cont(self, q: Dict[str, str]) -> Dict[str, Any]:
        """The container, or USER_NOTFOUND (no reference) / CONTAINER_NOTFOUND."""
        key = self._key(q)
        if key not in self.containers:
            self._reference(key)
            raise OioError(CONTAINER_NOTFOUND, "Container not found")
        return self.containers[key]

    def make_container(self, key: Tuple[str, str], props: Dict[str, str]) -> Dict[str, Any]:
        """Create a container as meta2 does: its reference with a meta2
        linked, then one property table (``user.*``, ``sys.*``, others)."""
        self.ensure_account(key[0])
        ref = self._reference(key, create=True)
        if not any(s["type"] == "meta2" for s in ref["srv"]):
            ref["srv"].append({"seq": 1, "type": "meta2", "host": "127.0.0.1:6120",
                               "args": ""})
        now = self.now_us()
        table = {"sys.account": key[0], "sys.user.name": key[1], "sys.ns": self.ns,
                 "sys.name": f"{cid_of(*key)}.1", "sys.m2.ctime": str(now),
                 "sys.m2.init": "1", "sys.m2.version": "1", "sys.status": "0",
                 "sys.type": "meta2", "schema_version": "1.8",
                 "version:main.admin": "1:0", "version:main.aliases": "1:0"}
        table.update(props)
        cont = {"props": table, "objects": {}, "mtime": now / 1e6}
        self.containers[key] = cont
        return cont

    def _usage(self, cont: Dict[str, Any]) -> int:
        return sum(o["size"] for o in cont["objects"].values())

    def table(self, cont: Dict[str, Any]) -> Dict[str, str]:
        """The container's property table, counters made current."""
        table = dict(cont["props"])
        table["sys.m2.usage"] = str(self._usage(cont))
        table["sys.m2.objects"] = str(len(cont["objects"]))
        return table

    def user_properties(self, cont: Dict[str, Any]) -> Dict[str, str]:
        """KV_extract_prefixed(pairs, "user.")."""
        return {k[len(_USER):]: v for k, v in cont["props"].items() if k.startswith(_USER)}

    def system_properties(self, cont: Dict[str, Any]) -> Dict[str, str]:
        """KV_extract_not_prefixed(pairs, "user.")."""
        return {k: v for k, v in self.table(cont).items() if not k.startswith(_USER)}

    @staticmethod
    def prop_headers(pairs: Dict[str, str]) -> Dict[str, str]:
        """m2_actions.c:_container_single_prop_to_headers."""
        out = {}
        for key, value in pairs.items():
            if key.startswith("sys."):
                name = "x-oio-container-meta-sys-" + key[4:]
            elif key.startswith(_USER):
                name = "x-oio-container-meta-user-" + key[len(_USER):]
            else:
                name = "x-oio-container-meta-x-" + key
            out[purify_header(name)] = escape(value)
        return out

    def _container_create(self, request, q, doc):
        """m2_actions.c:_m2_container_create: body read by
        KV_read_usersys_properties (a bad one: 400); 201 created, 204 when it
        existed (its properties untouched)."""
        props = usersys_properties(doc)
        key = self._key(q)
        if key in self.containers:
            return 204, {}, ""
        self.make_container(key, props)
        return 201, {}, ""

    def _container_destroy(self, request, q, doc):
        """m2_actions.c:action_m2_container_destroy: 404 with no meta2
        linked, 409 code 438 when not empty (unless ``force``), else 204."""
        key = self._key(q)
        cont = self._cont(q)
        if cont["objects"] and not self.flag(request, q, "force"):
            raise OioError(CONTAINER_NOTEMPTY, "Container not empty")
        del self.containers[key]
        ref = self.references.get(key)
        if ref is not None:
            ref["srv"] = [s for s in ref["srv"] if s["type"] != "meta2"]
        return 204, {}, ""

    def _container_show(self, request, q, doc):
        """m2_actions.c:action_container_show: non-user properties as
        ``x-oio-container-meta-{sys,x}-<purified key>`` headers (values
        escaped), ``{"properties": {user}}`` body."""
        cont = self._cont(q)
        return 200, self.prop_headers(self.system_properties(cont)), \
            {"properties": self.user_properties(cont)}

    def _container_get_properties(self, request, q, doc):
        """sqlx_actions.c:action_sqlx_propget (via
        m2_actions.c:action_m2_container_propget): the body is not read;
        ``{"properties": {user, unprefixed}, "system": {every other key}}``."""
        cont = self._cont(q)
        return 200, {}, {"properties": self.user_properties(cont),
                         "system": self.system_properties(cont)}

    def _propset_done(self) -> Tuple[int, Dict[str, str], Any]:
        if self.propset_reply == "204":
            return 204, {}, ""
        return 200, {}, {}

    def _container_set_properties(self, request, q, doc):
        """sqlx_actions.c:action_sqlx_propset: KV_read_usersys_properties;
        nothing to set is 400; ``flush`` drops the other user properties
        first.  The reply: see ``propset_reply``."""
        cont = self._cont(q)
        props = usersys_properties(doc)
        if not props:
            raise _bad("No properties found in JSON object")
        if self.flag(request, q, "flush"):
            cont["props"] = {k: v for k, v in cont["props"].items() if not k.startswith(_USER)}
        cont["props"].update(props)
        return self._propset_done()

    def _container_del_properties(self, request, q, doc):
        """sqlx_actions.c:action_sqlx_propdel: a JSON array of names, each
        prefixed with ``user.`` (system properties cannot be deleted so)."""
        if not isinstance(doc, list) or not all(isinstance(k, str) for k in doc):
            raise _bad("Bad names")
        cont = self._cont(q)
        for key in doc:
            cont["props"].pop(_USER + key, None)
        return self._propset_done()

    def _container_touch(self, request, q, doc):
        """m2_actions.c:action_m2_container_touch: a missing container is
        **403** (its not-found code kept in the body)."""
        try:
            self._cont(q)
        except OioError as exc:
            raise OioError(exc.code, exc.message, 403) from None
        return 204, {}, ""

    def _container_purge(self, request, q, doc):
        """m2_actions.c:action_m2_container_purge: ``maxvers`` must be a number."""
        if q.get("maxvers") is not None and not q["maxvers"].lstrip("-").isdigit():
            raise _bad(f"Invalid maxvers parameter: {q['maxvers']}")
        self._cont(q)
        return 204, {}, ""

    def _container_flush(self, request, q, doc):
        """m2_actions.c:action_m2_container_flush: a batch removed,
        ``x-oio-truncated`` says whether objects remain."""
        cont = self._cont(q)
        limit = 100
        names = sorted(cont["objects"], key=name_key)
        for name in names[:limit]:
            self._drop_chunks(cont["objects"].pop(name))
        truncated = len(names) > limit
        return 204, {"x-oio-truncated": "true" if truncated else "false"}, ""

    def _container_snapshot(self, request, q, doc):
        """m2_actions.c:_m2_container_snapshot: ``account`` and ``container``
        strings required; an existing destination is 400."""
        if not isinstance(doc, dict) or not isinstance(doc.get("account"), str) \
                or not isinstance(doc.get("container"), str):
            raise _bad("Missing destination account name or container name")
        cont = self._cont(q)
        dst = (doc["account"], doc["container"])
        if dst in self.containers:
            raise _bad("Container already exists")
        new = self.make_container(dst, {k: v for k, v in cont["props"].items()
                                        if k.startswith(_USER)})
        new["objects"] = json.loads(json.dumps(cont["objects"]))
        return 204, {}, ""

    def _container_list(self, request, q, doc):
        """m2_actions.c:action_container_list: ``max`` (default 1000, at most
        10000, <= 0 means the default), ``properties``/``chunks`` booleans,
        ``all``/``deleted`` by presence; ``x-oio-list-truncated`` and, when
        truncated, ``x-oio-list-marker`` (escaped); the container's
        properties as headers (_reply_list_result) and in the body."""
        cont = self._cont(q)
        limit = int(q["max"]) if q.get("max", "").lstrip("-").isdigit() else 1000
        if q.get("max") and not q["max"].lstrip("-").isdigit():
            raise _bad("Invalid max number of items")
        limit = 1000 if limit <= 0 else min(limit, 10000)
        objs = cont["objects"]
        page = self._page(sorted(objs, key=name_key), q, limit=limit)
        entries = [self._listed(objs[n], q) for n in page.items]
        headers = self.prop_headers(self.table(cont))
        headers["x-oio-list-truncated"] = "true" if page.truncated else "false"
        if page.truncated:
            headers["x-oio-list-marker"] = escape(page.next_marker)
        return 200, headers, {"prefixes": page.prefixes, "objects": entries,
                              "properties": self.user_properties(cont),
                              "system": self.system_properties(cont)}

    def _listed(self, obj: Dict[str, Any], q: Dict[str, str]) -> Dict[str, Any]:
        """m2_actions.c:_dump_json_aliases_and_headers: one ``objects`` entry."""
        entry = {"name": obj["name"], "version": obj["version"], "ctime": obj["ctime"],
                 "mtime": obj["mtime"], "deleted": False, "id": obj["id"],
                 "content": obj["id"], "policy": obj["policy"],
                 "chunk-method": obj["chunk_method"], "hash": obj["hash"],
                 "size": obj["size"], "mime-type": obj["mime"]}
        if self.opt_bool(q, "properties", False) and obj["properties"]:
            entry["properties"] = dict(obj["properties"])
        if self.opt_bool(q, "chunks", False):
            entry["chunks"] = [self._chunk_out(c) for c in obj["chunks"]]
        return entry

    # contents (proxy/m2_actions.c) ------------------------------------------------------
    def _obj(self, q: Dict[str, str]) -> Dict[str, Any]:
        cont = self._cont(q)
        obj = cont["objects"].get(q.get("path"))
        if obj is None or (q.get("version") and str(obj["version"]) != q["version"]):
            raise OioError(CONTENT_NOTFOUND, "Content not found")
        if obj.get("drained"):
            raise OioError(CONTENT_DRAINED, "Content drained")
        return obj

    @staticmethod
    def _chunk_out(chunk: Dict[str, Any]) -> Dict[str, Any]:
        """m2_actions.c:_serialize_chunk: url, real_url, pos, size, hash, score."""
        return {"url": chunk["url"], "real_url": chunk["url"], "pos": chunk["pos"],
                "size": chunk["size"], "hash": chunk["hash"], "score": 100}

    def _content_headers(self, obj: Dict[str, Any], props: bool) -> Dict[str, str]:
        """m2_actions.c:_populate_headers_with_header / _with_alias, plus (legacy
        format) each property as ``x-oio-content-meta-<key>: <escaped value>``."""
        h = {"size": str(obj["size"]), "length": str(obj["size"]), "policy": obj["policy"],
             "hash-method": "md5", "mime-type": obj["mime"],
             "chunk-method": obj["chunk_method"], "id": obj["id"],
             "name": escape(obj["name"]), "version": str(obj["version"]),
             "deleted": "False", "ctime": str(obj["ctime"]), "mtime": str(obj["mtime"])}
        if obj["hash"]:
            h["hash"] = obj["hash"]
        out = {"x-oio-content-meta-" + k: v for k, v in h.items()}
        if props:
            for key, value in obj["properties"].items():
                out["x-oio-content-meta-" + key] = escape(value)
        return out

    def _prepare(self, q, doc, legacy: bool):
        """m2_actions.c:_action_m2_content_prepare: ``size`` required, policy
        from the body else the namespace's (never the container's), chunks
        placed without reading meta2; ``x-oio-ns-chunk-size``."""
        doc = doc if isinstance(doc, dict) else {}
        if doc.get("size") is None:
            raise _bad("Missing size estimation")
        try:
            size, pos = int(str(doc["size"])), int(str(doc.get("position", 0)))
        except ValueError:
            raise _bad("Invalid size format") from None
        policy = doc.get("policy") or self.default_policy
        if policy not in POLICIES:
            raise OioError(POLICY_NOT_SUPPORTED, "Unexpected storage policy")
        key = self._key(q)
        method = POLICIES[policy]
        version = int(q["version"]) if q.get("version") else self.now_us()
        content_id = q.get("content") or self.prepared.get((*key, version)) \
            or uuid.uuid4().hex.upper()
        self.prepared[(*key, version)] = content_id
        copies = 9 if method.startswith("ec/") else int(method.rsplit("=", 1)[1])
        chunks = []
        for i in range(copies):
            sub = f"{pos}.{i}" if method.startswith("ec/") else str(pos)
            chunk_id = hashlib.sha256(f"{cid_of(*key)}{q['path']}{version}{pos}.{i}{policy}"
                                      .encode()).hexdigest().upper()
            chunks.append({"url": f"{RAWX[i % len(RAWX)]}/{chunk_id}", "pos": sub,
                           "size": self.chunk_size, "hash": "0" * 32})
        meta = {"id": content_id, "version": str(version), "policy": policy,
                "chunk-method": method, "mime-type": "application/octet-stream",
                "name": escape(q["path"]), "ctime": str(version // 1_000_000),
                "mtime": str(version // 1_000_000), "deleted": "False", "hash-method": "md5",
                "size": str(size), "length": str(size)}
        headers = {"x-oio-ns-chunk-size": str(self.chunk_size)}
        headers.update({"x-oio-content-meta-" + k: v for k, v in meta.items()})
        out = [self._chunk_out(c) for c in chunks]
        return 200, headers, (out if legacy else {"chunks": out, "properties": {}})

    def _content_prepare2(self, request, q, doc):
        """m2_actions.c:action_m2_content_prepare_v2: ``{"chunks", "properties"}``."""
        return self._prepare(q, doc, legacy=False)

    def _content_prepare(self, request, q, doc):
        """m2_actions.c:action_m2_content_prepare: the bare chunk array."""
        return self._prepare(q, doc, legacy=True)

    def _content_create(self, request, q, doc):
        """m2_actions.c:action_m2_content_create and _m2_json_put: chunks
        (array, or ``{"chunks", "properties"}``), headers by
        _load_alias_from_headers (``x-oio-content-meta-size`` or legacy
        ``-length`` required); a missing container is created only with the
        ``autocreate`` flag, from ``container_properties`` read by
        KV_read_usersys_properties (a bad value is logged and ignored)."""
        chunks, props = self._content_body(doc)
        header = self._content_header(request.headers, q)
        key = self._key(q)
        if key not in self.containers:
            if not self.flag(request, q, "autocreate"):
                self._cont(q)
            self.make_container(key, self._autocreate_properties(doc))
        cont = self.containers[key]
        old = cont["objects"].get(q["path"])
        if old is not None and old["version"] == header["version"]:
            raise OioError(CONTENT_EXISTS, "Content already exists")
        cont["objects"][q["path"]] = dict(header, name=q["path"], properties=props,
                                          chunks=chunks)
        cont["mtime"] = time.time()
        if old is not None:
            self._drop_chunks(old)
        self.prepared.pop((*key, header["version"]), None)
        return 204, {}, ""

    def _autocreate_properties(self, doc: Any) -> Dict[str, str]:
        if not isinstance(doc, dict) or "container_properties" not in doc:
            return {}
        try:
            return usersys_properties(doc["container_properties"])
        except OioError as exc:
            self.warnings.append(f"Failed to read container properties: {exc.message}")
            return {}

    @staticmethod
    def _content_body(doc: Any) -> Tuple[List[Dict[str, Any]], Dict[str, str]]:
        """_load_content_from_json_object / _load_simplified_chunks."""
        props: Dict[str, str] = {}
        if isinstance(doc, dict):
            props = kv_section(doc, "properties")
            if "chunks" not in doc:
                raise _bad("No [chunks] field")
            doc = doc["chunks"]
        if not isinstance(doc, list):
            raise _bad("JSON: Not an array")
        if not doc:
            raise _bad("JSON: Empty array")
        for chunk in doc:
            if not isinstance(chunk, dict) or not isinstance(chunk.get("url"), str) \
                    or not isinstance(chunk.get("pos"), str) \
                    or not isinstance(chunk.get("size"), int) \
                    or not isinstance(chunk.get("hash"), str):
                raise _bad("JSON: chunk needs url, pos, size, hash")
            if not re.fullmatch(r"(?:[0-9A-Fa-f]{32}|[0-9A-Fa-f]{40}|[0-9A-Fa-f]{64}"
                                r"|[0-9A-Fa-f]{128})", chunk["hash"]):
                raise _bad(f"JSON: invalid hash: '{chunk['hash']}'")
        return [{k: c[k] for k in ("url", "pos", "size", "hash")} for c in doc], props

    @staticmethod
    def _content_header(h: Any, q: Dict[str, str]) -> Dict[str, Any]:
        """_load_alias_from_headers.  The code requires only the size; the
        route's doc block also calls id, policy and version mandatory, which
        meta2 (not read here) would enforce: the fake requires them too."""
        size = h.get("x-oio-content-meta-size") or h.get("x-oio-content-meta-length")
        if size is None:
            raise _bad("Header: missing content size")
        if not size.isdigit():
            raise _bad("Header: bad content size")
        for name in ("id", "policy", "version"):
            if not h.get("x-oio-content-meta-" + name):
                raise _bad(f"Header: missing content {name}")
        if not re.fullmatch(r"[0-9A-Fa-f]+", h["x-oio-content-meta-id"]):
            raise _bad("Invalid content ID (not hexa)")
        digest = h.get("x-oio-content-meta-hash")
        if digest is not None and not re.fullmatch(r"[0-9A-Fa-f]{32,128}", digest):
            raise _bad("JSON: invalid hash: not hexa")
        version = int(h["x-oio-content-meta-version"])
        return {"id": h["x-oio-content-meta-id"], "version": version,
                "policy": h["x-oio-content-meta-policy"],
                "chunk_method": h.get("x-oio-content-meta-chunk-method", ""),
                "hash": digest.upper() if digest else None, "size": int(size),
                "mime": h.get("x-oio-content-meta-mime-type") or "application/octet-stream",
                "ctime": version // 1_000_000, "mtime": version // 1_000_000}

    def _drop_chunks(self, obj: Dict[str, Any]) -> None:
        for chunk in obj["chunks"]:
            host, _, chunk_id = chunk["url"].rpartition("/")
            self.rawx.get(host, {}).pop(chunk_id.upper(), None)

    def _content_locate(self, request, q, doc):
        """m2_actions.c:action_content_show (``show`` and ``locate``, GET):
        the chunk array, metadata and (unless ``properties=false``) the
        properties as headers."""
        obj = self._obj(q)
        props = self.opt_bool(q, "properties", True)
        return 200, self._content_headers(obj, props), \
            [self._chunk_out(c) for c in obj["chunks"]]

    _content_show = _content_locate

    def _content_get_properties(self, request, q, doc):
        """m2_actions.c:action_m2_content_propget / _reply_properties:
        metadata headers, ``{"properties": {...}}``."""
        obj = self._obj(q)
        return 200, self._content_headers(obj, False), {"properties": dict(obj["properties"])}

    def _content_set_properties(self, request, q, doc):
        """m2_actions.c:action_m2_content_propset: ``properties`` required
        (KV_read_properties, fail_if_empty); ``flush`` by presence; 204."""
        props = kv_section(doc, "properties", fail_if_empty=True) if doc is not None else {}
        obj = self._obj(q)
        if "flush" in q:
            obj["properties"] = {}
        obj["properties"].update(props)
        return 204, {}, ""

    def _content_del_properties(self, request, q, doc):
        """m2_actions.c:action_m2_content_propdel: an array of names, or
        ``{"properties": [...]}``; else 400; 204."""
        keys = doc.get("properties") if isinstance(doc, dict) else doc
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise _bad("Array or object argument expected")
        obj = self._obj(q)
        for key in keys:
            obj["properties"].pop(key, None)
        return 204, {}, ""

    def _content_delete(self, request, q, doc):
        """m2_actions.c:_m2_json_delete: 204, ``x-oio-version-id``, and
        ``x-oio-delete-marker: true`` only when a marker was made."""
        obj = self._obj(q)
        self._drop_chunks(self._cont(q)["objects"].pop(obj["name"]))
        return 204, {"x-oio-version-id": str(obj["version"])}, ""

    def _content_delete_many(self, request, q, doc):
        """m2_actions.c:_m2_content_delete_many: ``contents`` of named
        objects (at least one); each result carries the **oio** code
        (204 ok, 420 not found ...) and ``version`` when one was given."""
        items = doc.get("contents") if isinstance(doc, dict) else None
        if not isinstance(items, list):
            raise _bad("Invalid array of contents")
        if not items:
            raise _bad("At least one element is needed")
        if not all(isinstance(i, dict) and isinstance(i.get("name"), str) for i in items):
            raise _bad("Invalid content name")
        cont = self._cont(q)
        out = []
        for item in items:
            result = {"name": item["name"]}
            if item.get("version"):
                result["version"] = str(item["version"])
            obj = cont["objects"].pop(item["name"], None)
            if obj is None:
                result.update(status=CONTENT_NOTFOUND, message="Content not found")
            else:
                self._drop_chunks(obj)
                result.update(status=204, message="ok")
            out.append(result)
        return 200, {}, {"contents": out}

    def _content_touch(self, request, q, doc):
        """m2_actions.c:action_m2_content_touch: 204."""
        self._obj(q)
        return 204, {}, ""

    def _content_drain(self, request, q, doc):
        """m2_actions.c:action_content_drain: chunks gone, later reads 410."""
        obj = self._obj(q)
        self._drop_chunks(obj)
        obj["chunks"], obj["drained"] = [], True
        return 204, {}, ""

    def _content_truncate(self, request, q, doc):
        """m2_actions.c:action_content_truncate: ``size`` required; meta2
        cuts at a metachunk boundary (not read: this fake refuses others)."""
        if not q.get("size", "").isdigit():
            raise _bad(f"Missing/invalid size parameter: {q.get('size')}")
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
            raise _bad("truncate size is not a chunk boundary")
        obj["chunks"], obj["size"], obj["hash"] = kept, size, None
        return 204, {}, ""

    # -- rawx (rawx/rawx.go, rawx/handler_chunk.go, rawx/chunk_info.go, rawx/const.go) --
    # Read from the newest rawx the search tool stores (OpenIO SAS, 2020, Go);
    # it has no rawx/headers.go: the header names are in const.go.  Every error
    # is a bare status (rawx.go:replyError; X-Error only at extreme verbosity):
    # exists 409, permission 403, not found 404, bad chunk id or a missing or
    # invalid header 400, a range past the end 416, anything else 500.
    def _rawx(self, request: Any) -> Tuple[int, Dict[str, str], Any]:
        """rawx.go:ServeHTTP and handler_chunk.go:serveChunk: the request id
        is echoed only when sent (cut to 63 characters); the path after its
        ``/`` must be 24 to 64 hex digits (else 400); other methods 405."""
        parts = urlsplit(request.url)
        host = f"{parts.scheme}://{parts.netloc}"
        if host in self.down:
            raise requests.exceptions.ConnectionError(urllib3.exceptions.NewConnectionError(
                None, f"connection refused by {host}"))
        reqid = request.headers.get("x-oio-req-id") or request.headers.get("x-trans-id")
        out = {"X-oio-req-id": reqid[:63]} if reqid else {}
        path = parts.path
        while path.startswith("//"):
            path = path[1:]
        if not _hexa(path[1:], 24, 64):
            return 400, out, ""
        handler: Optional[Callable[..., Tuple[int, Dict[str, str], Any]]] = {
            "PUT": self._rawx_put, "GET": self._rawx_get, "HEAD": self._rawx_head,
            "DELETE": self._rawx_delete, "COPY": self._rawx_copy}.get(request.method)
        if handler is None:
            return 405, out, ""
        # The body is read before taking the lock: the copies of one
        # metachunk stream in parallel from one source.
        body = self._parse(request)[2] or b"" if request.method == "PUT" else b""
        with self.lock:
            status, headers, reply = handler(host, path[1:].upper(), request, body)
        out.update(headers)
        return status, out, reply

    def _rawx_put(self, host: str, chunk_id: str, request: Any,
                  body: bytes) -> Tuple[int, Dict[str, str], Any]:
        """handler_chunk.go:uploadChunk: chunk_info.go:retrieveHeaders (a
        missing or invalid header: 400), filerepo.go:put (an existing chunk:
        409), the body's MD5 (main.go's default checksum mode is "always",
        whatever the chunk method's ``cca``), chunk_info.go:patchWithTrailers
        (a given Chunk-Hash or Chunk-Size that differs from the body, or an
        EC chunk without Metachunk-Hash and -Size: 400); 201 with
        fillHeadersLight: Chunk-Hash, Chunk-Size, Oio-Version."""
        if host in self.fail_put:
            return self.fail_put[host], {}, ""
        try:
            meta = rawx_chunk_meta(request.headers, chunk_id)
        except RawxReject as exc:
            return exc.status, {}, ""
        store = self.rawx[host]
        if chunk_id in store:
            return 409, {}, ""
        try:
            rawx_patch_with_body(meta, hashlib.md5(body).hexdigest().upper(), len(body))
        except RawxReject as exc:
            return exc.status, {}, ""
        store[chunk_id] = {"data": body, "meta": meta, "mtime": time.time()}
        out = {RAWX_META + k: meta[k] for k in ("Chunk-Hash", "Chunk-Size", "Oio-Version")}
        if host in self.wrong_reply_hash:
            out[RAWX_META + "Chunk-Hash"] = "0" * 32
        return 201, out, ""

    def _rawx_delete(self, host: str, chunk_id: str, request: Any,
                     body: bytes) -> Tuple[int, Dict[str, str], Any]:
        """handler_chunk.go:removeChunk: 204, 404 if absent."""
        if self.rawx[host].pop(chunk_id, None) is None:
            return 404, {}, ""
        return 204, {}, ""

    def _rawx_copy(self, host: str, chunk_id: str, request: Any,
                   body: bytes) -> Tuple[int, Dict[str, str], Any]:
        """handler_chunk.go:copyChunk: chunk_info.go:retrieveDestinationHeader
        (no ``Destination``: 400; another rawx or the same chunk id: 403; a
        bad id: 400), retrieveContentFullpathHeader (400), then a hard link
        (filerepo.go:link: no source 404, existing target 409) that shares
        every attribute but the full path; 201."""
        dest = request.headers.get("Destination", "")
        if not dest:
            return 400, {}, ""
        parsed = urlsplit(dest)
        if not (parsed.scheme or dest.startswith("/")):
            return 400, {}, ""
        if parsed.netloc != urlsplit(host).netloc:
            return 403, {}, ""
        new_id = posixpath.basename(posixpath.normpath(parsed.path or "/"))
        if not _hexa(new_id, 24, 64):
            return 400, {}, ""
        if new_id.upper() == chunk_id:
            return 403, {}, ""
        try:
            fullpath = rawx_fullpath_meta(request.headers)
        except RawxReject as exc:
            return exc.status, {}, ""
        store = self.rawx[host]
        if chunk_id not in store:
            return 404, {}, ""
        if new_id.upper() in store:
            return 409, {}, ""
        meta = dict(store[chunk_id]["meta"], **fullpath)
        meta["Chunk-Id"] = new_id.upper()
        store[new_id.upper()] = dict(store[chunk_id], meta=meta)
        return 201, {}, ""

    def _rawx_head(self, host: str, chunk_id: str, request: Any,
                   body: bytes) -> Tuple[int, Dict[str, str], Any]:
        """handler_chunk.go:checkChunk: 404 if absent; with
        ``X-oio-check-hash: true`` the data's MD5 against the request's
        Chunk-Hash (or the stored one), 412 if they differ; else 200 with
        the chunk's headers, ``Content-Length`` and ``Accept-Ranges``."""
        chunk = self.rawx[host].get(chunk_id)
        if chunk is None:
            return 404, {}, ""
        if _go_bool(request.headers.get("X-oio-check-hash", "")):
            expected = request.headers.get(RAWX_META + "Chunk-Hash") \
                or chunk["meta"]["Chunk-Hash"]
            actual = hashlib.md5(self._rawx_data(chunk_id, chunk)).hexdigest()
            if actual.upper() != expected.upper():
                return 412, {}, ""
        headers = rawx_fill_headers(chunk)
        headers.update({"Content-Length": str(len(chunk["data"])), "Accept-Ranges": "bytes"})
        return 200, headers, ""

    def _rawx_get(self, host: str, chunk_id: str, request: Any,
                  body: bytes) -> Tuple[int, Dict[str, str], Any]:
        """handler_chunk.go:downloadChunk and getRange: 404 if absent; only
        ``bytes=<first>-<last>`` is read (anything else, a suffix or an
        open-ended range included, is ignored: 200 with the whole chunk), a
        first byte past the end is 416, a last byte past it is clamped; 206
        with ``Content-Range``.  No ``Accept-Ranges`` here (HEAD only)."""
        chunk = self.rawx[host].get(chunk_id)
        if chunk is None:
            return 404, {}, ""
        data = self._rawx_data(chunk_id, chunk)
        headers = rawx_fill_headers(chunk)
        try:
            span = rawx_range(request.headers.get("Range", ""), len(data))
        except RawxReject as exc:
            return exc.status, {}, ""
        if span is None:
            headers["Content-Length"] = str(len(data))
            return 200, headers, data
        first, last = span
        headers["Content-Range"] = f"bytes {first}-{last}/{len(data)}"
        headers["Content-Length"] = str(last - first + 1)
        return 206, headers, data[first:last + 1]

    def _rawx_data(self, chunk_id: str, chunk: Dict[str, Any]) -> bytes:
        """The stored bytes, altered when the ``corrupt`` fault names the chunk."""
        data: bytes = chunk["data"]
        if chunk_id in self.corrupt and data:
            return bytes([data[0] ^ 0xFF]) + data[1:]
        return data


#: rawx/const.go: the chunk attribute headers and the version the rawx writes.
RAWX_META = "X-oio-Chunk-Meta-"
RAWX_OIO_VERSION = "4.2"
#: chunk_info.go:fillHeaders order: what GET and HEAD answer.
_FILL_HEADERS = ("Full-Path", "Container-Id", "Content-Path", "Content-Version", "Content-Id",
                 "Content-Storage-Policy", "Content-Chunk-Method", "Metachunk-Hash",
                 "Chunk-Id", "Metachunk-Size", "Chunk-Pos", "Chunk-Hash", "Chunk-Size",
                 "Oio-Version")


class RawxReject(Exception):
    """A rawx refusal: the bare status rawx.go:replyError answers."""

    def __init__(self, status: int = 400) -> None:
        super().__init__(status)
        self.status = status


def _hexa(value: str, low: int, high: int) -> bool:
    """hexa.go:isHexaString: ``low`` to ``high`` hex digits."""
    return low <= len(value) <= high and re.fullmatch(r"[0-9A-Fa-f]*", value) is not None


def _go_int(value: str) -> bool:
    """strconv.ParseInt(value, 10, 64) succeeds."""
    return re.fullmatch(r"[+-]?[0-9]+", value) is not None and \
        -(1 << 63) <= int(value) < (1 << 63)


#: oio/account/backend*.py ``buckets_pattern``: 3 to 63 characters, not an
#: IP-like run of numbers, dot-separated labels of [a-z0-9-] that start and
#: end with a letter or digit.
_BUCKETS_PATTERN = re.compile(
    r"""(?=^.{3,63}$)
    (?!^(\d+\.)+\d+$)
    (^(([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])\.)*
    ([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])$)""", re.X)


def _go_bool(value: str) -> bool:
    """utils.go:GetBool(value, false) for the true words."""
    return value.strip().lower() in ("1", "true", "yes", "on", "enable", "enabled")


def _path_unescape(value: str) -> str:
    """url.PathUnescape: a ``%`` not followed by two hex digits is an error."""
    if re.search(r"%(?![0-9A-Fa-f]{2})", value):
        raise RawxReject(400)
    return unquote(value, errors="strict")


def rawx_fullpath_meta(headers: Any) -> Dict[str, str]:
    """chunk_info.go:retrieveContentFullpathHeader: ``Full-Path`` required,
    five ``/``-separated escaped parts (account and container not empty, a
    path, an integer version, a content id of 0 to 64 hex digits); the
    Container-Id, Content-Path, Content-Version and Content-Id headers, when
    given, must agree with it; the content id is stored upper case."""
    def get(name: str) -> str:
        return str(headers.get(RAWX_META + name, ""))
    full = get("Full-Path")
    if not full:
        raise RawxReject(400)
    parts = full.split("/")
    if len(parts) != 5:
        raise RawxReject(400)
    account, container, path, version, content_id = (_path_unescape(p) for p in parts)
    if not account or not container or not path or not _go_int(version):
        raise RawxReject(400)
    cid = cid_of(account, container)
    if get("Container-Id") and get("Container-Id").upper() != cid:
        raise RawxReject(400)
    if get("Content-Path") and _path_unescape(get("Content-Path")) != path:
        raise RawxReject(400)
    if get("Content-Version") and get("Content-Version") != version:
        raise RawxReject(400)
    if not _hexa(content_id, 0, 64) or not (get("Content-Id") or content_id):
        raise RawxReject(400)
    if get("Content-Id") and get("Content-Id").upper() != content_id.upper():
        raise RawxReject(400)
    return {"Full-Path": full[:full.rindex("/") + 1] + content_id.upper(),
            "Container-Id": cid, "Content-Path": path, "Content-Version": version,
            "Content-Id": content_id.upper()}


def rawx_chunk_meta(headers: Any, chunk_id: str) -> Dict[str, str]:
    """chunk_info.go:retrieveHeaders: Content-Storage-Policy,
    Content-Chunk-Method and Chunk-Pos required (an empty header counts as
    missing); Chunk-Id, when given, is the URL's; the hashes, when given,
    hex of at most 64 digits and the sizes integers; then the full path."""
    def get(name: str) -> str:
        return str(headers.get(RAWX_META + name, ""))
    meta = {name: get(name) for name in ("Content-Storage-Policy", "Content-Chunk-Method",
                                         "Chunk-Pos")}
    if not all(meta.values()):
        raise RawxReject(400)
    if get("Chunk-Id") and get("Chunk-Id").upper() != chunk_id:
        raise RawxReject(400)
    for name in ("Metachunk-Hash", "Chunk-Hash"):
        if get(name) and not _hexa(get(name), 0, 64):
            raise RawxReject(400)
        meta[name] = get(name).upper()
    for name in ("Metachunk-Size", "Chunk-Size"):
        if get(name) and not _go_int(get(name)):
            raise RawxReject(400)
        meta[name] = get(name)
    meta.update(rawx_fullpath_meta(headers), **{"Chunk-Id": chunk_id,
                                                "Oio-Version": RAWX_OIO_VERSION})
    return meta


def rawx_patch_with_body(meta: Dict[str, str], md5: str, size: int) -> None:
    """chunk_info.go:patchWithTrailers, once the body is read: an EC chunk
    needs Metachunk-Hash and -Size; a given Chunk-Hash must be the body's
    MD5 and a given Chunk-Size its length (400); else both are filled in."""
    if meta["Content-Chunk-Method"].startswith("ec/") and \
            not (meta["Metachunk-Hash"] and meta["Metachunk-Size"]):
        raise RawxReject(400)
    if meta["Chunk-Hash"] and meta["Chunk-Hash"] != md5:
        raise RawxReject(400)
    if meta["Chunk-Size"] and int(meta["Chunk-Size"]) != size:
        raise RawxReject(400)
    meta.update({"Chunk-Hash": md5, "Chunk-Size": str(size)})


def rawx_fill_headers(chunk: Dict[str, Any]) -> Dict[str, str]:
    """chunk_info.go:fillHeaders: every non-empty attribute, the content
    path escaped by url.PathEscape, and ``Last-Modified``."""
    meta = dict(chunk["meta"])
    meta["Content-Path"] = quote(meta["Content-Path"], safe="$&+=:@")
    out = {RAWX_META + k: meta[k] for k in _FILL_HEADERS if meta.get(k)}
    out["Last-Modified"] = time.strftime("%a, %d %b %Y %H:%M:%S GMT",
                                         time.gmtime(chunk.get("mtime", 0)))
    return out


def rawx_range(value: str, size: int) -> Optional[Tuple[int, int]]:
    """handler_chunk.go:getRange: ``(first, last)``, or None when there is
    no range to apply (none given, an empty chunk, or a header that does not
    scan as ``bytes=%d-%d`` with 0 <= first <= last); a first byte at or
    past the end raises 416; a last byte past it is clamped."""
    match = re.match(r"bytes=\s*([+-]?[0-9]+)-\s*([+-]?[0-9]+)", value)
    if not value or size == 0 or match is None:
        return None
    first, last = int(match.group(1)), int(match.group(2))
    if first < 0 or last < 0 or first > last:
        return None
    if first >= size:
        raise RawxReject(416)
    return first, min(last, size - 1)


def start_fake(**kwargs: Any) -> Tuple[FakeOpenIO, responses.RequestsMock]:
    """A started ``RequestsMock`` with a fake namespace installed; requests
    to any other host pass through.  Stop it with ``mock.stop()``."""
    fake = FakeOpenIO(**kwargs)
    mock = responses.RequestsMock(assert_all_requests_are_fired=False)
    mock.add_passthru(re.compile(r"^(?!http://oio-[a-z0-9-]+\.fake:)"))
    fake.install(mock)
    mock.start()
    return fake, mock
