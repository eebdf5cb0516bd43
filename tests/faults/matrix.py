"""The fault matrix shared by ``tests/faults/test_faults.py`` and ``tools/faults``.

Each case builds a fresh :class:`objclient.ObjectStorageApi` whose data path
goes through a :class:`~tests.faults.proxy.FaultProxy`, warms it up (Swift
``/info``, auth straight to the server), drops its pooled connections,
injects one fault and runs one operation under a deadline.  The outcome is
checked against the real server through a second, direct api.
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from typing import Any, Callable, Dict, List, Optional, Tuple

import attrs

import objclient
from objclient.exceptions import ClientError

from .proxy import FaultProxy
from tools import server_env

__all__ = ["BACKENDS", "FAULTS", "OPERATIONS", "Outcome", "Fault", "Target", "run_case",
           "run_large_upload", "MATRIX", "open_target"]

SWIFT_AUTH = server_env.SWIFT_AUTH_URL
SWIFT_STORAGE = server_env.SWIFT_STORAGE_URL
SWIFT_USER = server_env.SWIFT_USER
SWIFT_KEY = server_env.SWIFT_KEY
S3_ENDPOINT = server_env.SEAWEEDFS_S3_ENDPOINT
S3_ACCESS = server_env.SEAWEEDFS_S3_ACCESS_KEY
S3_SECRET = server_env.SEAWEEDFS_S3_SECRET_KEY

#: seconds every operation gets (retries included).
DEADLINE = 3.0
#: seconds a stalled operation gets.
STALL_DEADLINE = 1.5
#: how late after its deadline an operation may end.
SLACK = 0.5
DATA = os.urandom(64 * 1024)
MiB = 1024 * 1024


def _hostport(url: str) -> Tuple[str, int]:
    rest = url.split("://", 1)[1].split("/", 1)[0]
    host, _, port = rest.partition(":")
    return host, int(port or 80)


def _storage_path(url: str) -> str:
    rest = url.split("://", 1)[1]
    return "/" + rest.split("/", 1)[1] if "/" in rest else ""


def swift_api(port: Optional[int], **options: Any) -> objclient.ObjectStorageApi:
    """A Swift api; with ``port`` its storage URL goes through the proxy
    (TempAuth still talks to the server directly)."""
    if port is not None:
        options["storage_url"] = f"http://127.0.0.1:{port}{_storage_path(SWIFT_STORAGE)}"
    return objclient.ObjectStorageApi("swift+" + SWIFT_AUTH, user=SWIFT_USER, key=SWIFT_KEY,
                                      **options)


def s3_api(port: Optional[int], **options: Any) -> objclient.ObjectStorageApi:
    """An S3 api on SeaweedFS; with ``port`` everything goes through the proxy."""
    url = f"http://127.0.0.1:{port}" if port is not None else S3_ENDPOINT
    return objclient.ObjectStorageApi("s3+" + url, access_key=S3_ACCESS, secret_key=S3_SECRET,
                                      path_keys=True, region="us-east-1", **options)


@attrs.define
class Target:
    """One backend under test: a proxy, a direct api and a container."""

    name: str
    factory: Callable[..., objclient.ObjectStorageApi]
    target: Tuple[str, int]
    large_options: Dict[str, Any]
    proxy: FaultProxy = attrs.field(default=None)
    direct: objclient.ObjectStorageApi = attrs.field(default=None)
    account: Optional[str] = None
    container: str = ""

    def fresh(self, **options: Any) -> objclient.ObjectStorageApi:
        """A new api through the proxy with fast retries, warmed up, no pooled sockets."""
        options.setdefault("retries", objclient.RetryPolicy(total=3, backoff_factor=0.01))
        options.setdefault("timeout", (1.0, 1.0))
        api = self.factory(self.proxy.port, **options)
        api.container_show(self.account, self.container)
        if self.name == "swift":
            api.capabilities  # noqa: B018 - fetch /info now, not under a fault
        api.http.close()
        return api

    def close(self) -> None:
        """Remove the container (and Swift segments) and stop the proxy."""
        for cont in (self.container, self.container + "_segments"):
            try:
                self.direct.container_flush(self.account, cont)
                self.direct.container_delete(self.account, cont)
            except ClientError:
                pass
        self.direct.close()
        self.proxy.close()


BACKENDS: Dict[str, Tuple[Callable[..., objclient.ObjectStorageApi], str, Dict[str, Any]]] = {
    "swift": (swift_api, SWIFT_STORAGE,
              {"segment_threshold": 5 * MiB, "segment_size": 5 * MiB}),
    "s3": (s3_api, S3_ENDPOINT, {"multipart_threshold": 5 * MiB, "part_size": 5 * MiB}),
}


def open_target(name: str) -> Target:
    """Start a proxy for backend ``name`` and make a fresh container."""
    factory, url, large = BACKENDS[name]
    tgt = Target(name=name, factory=factory, target=_hostport(url), large_options=large)
    tgt.direct = factory(None)
    tgt.account = tgt.direct.account_show(None)["id"]
    tgt.container = "faults-" + uuid.uuid4().hex[:10]
    tgt.direct.container_create(tgt.account, tgt.container)
    tgt.proxy = FaultProxy(tgt.target)
    return tgt


@attrs.define(frozen=True)
class Fault:
    """A fault: what to inject and what the operation may end with.

    ``expect`` is ``"ok"`` (must succeed after retries), ``"error"`` (must
    end in a typed error) or ``"either"``.
    """

    name: str
    kind: str
    params: Dict[str, Any]
    count: int = 1
    expect: str = "either"
    error: Tuple[type, ...] = (ClientError,)
    attempts: Optional[int] = None
    deadline: float = DEADLINE
    backoff: float = 0.01


E = objclient.exceptions
FAULTS: Dict[str, Fault] = {f.name: f for f in [
    Fault("reset-request", "reset_request", {"after": 40}, expect="ok"),
    Fault("reset-response", "reset_response", {"after": 40}, expect="ok"),
    Fault("stall", "stall", {"seconds": 4.0}, count=10, expect="error",
          error=(E.Timeout,), deadline=STALL_DEADLINE),
    Fault("500-once", "status", {"status": 500}, expect="ok"),
    Fault("503-once", "status", {"status": 503}, expect="ok"),
    Fault("503-retry-after-once", "status", {"status": 503, "retry_after": 1}, expect="ok"),
    Fault("500-always", "status", {"status": 500}, count=50, expect="error",
          error=(E.ServerError,), attempts=4),
    Fault("503-always", "status", {"status": 503}, count=50, expect="error",
          error=(E.ServiceUnavailable,), attempts=4),
    Fault("503-retry-after-always", "status", {"status": 503, "retry_after": 0}, count=50,
          expect="error", error=(E.ServiceUnavailable,), attempts=4),
    Fault("truncate-body", "truncate", {"after": 50}, count=50, expect="error",
          error=(E.ConnectionFailed, E.ChecksumMismatch)),
    Fault("flip-byte", "flip", {"after": 100}, count=50, expect="error",
          error=(E.ChecksumMismatch, E.ConnectionFailed)),
    Fault("refuse-brief", "refuse", {"seconds": 0.3}, expect="ok", backoff=0.15),
    Fault("refuse-long", "refuse", {"seconds": 0.8}, expect="error",
          error=(E.ConnectionFailed,), attempts=4),
]}

OPERATIONS = ("put", "get", "head", "list")
_BODY_OPS = ("get",)  # truncate/flip only make sense where a body carries the data

#: (fault, operations) run for every backend.
_OPS_FOR = {"truncate-body": _BODY_OPS + ("list",), "flip-byte": _BODY_OPS,
            "refuse-long": ("put", "get"), "503-retry-after-once": ("put", "get")}
MATRIX: List[Tuple[str, Tuple[str, ...]]] = [
    (name, _OPS_FOR.get(name, OPERATIONS)) for name in FAULTS]


@attrs.define
class Outcome:
    """What one case ended with."""

    backend: str
    fault: str
    op: str
    result: str = "ok"  # ok | typed | raw
    error: Optional[BaseException] = None
    elapsed: float = 0.0
    data_lost: int = 0
    corrupt: int = 0
    proxied: int = 0
    detail: str = ""

    def problems(self, fault: Fault) -> List[str]:
        """Why this outcome breaks the rules (empty: fine)."""
        out = []
        if self.result == "raw":
            out.append(f"untyped exception {self.error!r}")
        if self.data_lost:
            out.append(f"data lost: {self.detail}")
        if self.corrupt:
            out.append(f"corrupt read: {self.detail}")
        if self.elapsed > fault.deadline + SLACK:
            out.append(f"took {self.elapsed:.2f}s, deadline {fault.deadline}s")
        if fault.expect == "ok" and self.result != "ok":
            out.append(f"expected success, got {self.error!r}")
        if fault.expect == "error" and self.result == "ok":
            out.append("expected a typed error, got success")
        if self.result == "typed" and fault.expect == "error" and \
                not isinstance(self.error, fault.error):
            out.append(f"expected {[c.__name__ for c in fault.error]}, got {self.error!r}")
        if (fault.attempts is not None and self.result == "typed"
                and getattr(self.error, "attempts", None) != fault.attempts):
            out.append(f"expected {fault.attempts} attempts, error says "
                       f"{getattr(self.error, 'attempts', None)}")
        return out


def _read_all(api: objclient.ObjectStorageApi, tgt: Target, name: str, **kw: Any) -> bytes:
    _meta, stream = api.object_fetch(tgt.account, tgt.container, name, **kw)
    try:
        return b"".join(stream)
    finally:
        close = getattr(stream, "close", None)
        if close:
            close()


def _server_copy(tgt: Target, name: str) -> Optional[bytes]:
    try:
        return _read_all(tgt.direct, tgt, name)
    except E.NoSuchObject:
        return None


def run_case(tgt: Target, fault: Fault, op: str) -> Outcome:
    """Run ``op`` once under ``fault`` and check the server afterwards."""
    out = Outcome(tgt.name, fault.name, op)
    name = f"{op}-{fault.name}-{uuid.uuid4().hex[:8]}"
    if op != "put":
        tgt.direct.object_create(tgt.account, tgt.container, data=DATA, obj_name=name)
    api = tgt.fresh(retries=objclient.RetryPolicy(total=3, backoff_factor=fault.backoff,
                                                  jitter=0))
    got: Any = None
    before = tgt.proxy.connections
    tgt.proxy.inject(fault.kind, fault.count, **fault.params)
    start = time.monotonic()
    deadline = start + fault.deadline
    try:
        if op == "put":
            api.object_create(tgt.account, tgt.container, data=DATA, obj_name=name,
                              deadline=deadline)
        elif op == "get":
            got = _read_all(api, tgt, name, deadline=deadline)
        elif op == "head":
            got = api.object_get_properties(tgt.account, tgt.container, name,
                                            deadline=deadline)
        elif op == "list":
            got = api.object_list(tgt.account, tgt.container, prefix=name, deadline=deadline)
        else:
            raise ValueError(op)
    except ClientError as exc:
        out.result, out.error = "typed", exc
    except Exception as exc:  # noqa: BLE001 - that is what is being tested
        out.result, out.error = "raw", exc
    out.elapsed = time.monotonic() - start
    tgt.proxy.clear()
    tgt.proxy.wait_listening()
    out.proxied = tgt.proxy.connections - before
    api.close()
    _check(tgt, out, name, got)
    return out


def _check(tgt: Target, out: Outcome, name: str, got: Any) -> None:
    if out.op == "put":
        stored = _server_copy(tgt, name)
        if out.result == "ok" and stored != DATA:
            out.data_lost, out.detail = 1, "acknowledged PUT not stored intact"
        elif stored is not None and stored != DATA:
            out.data_lost, out.detail = 1, f"half-written object ({len(stored)} bytes)"
        return
    if out.result != "ok":
        return
    if out.op == "get" and got != DATA:
        out.corrupt, out.detail = 1, f"{len(got)} bytes, md5 {hashlib.md5(got).hexdigest()}"
    elif out.op == "head" and int(got.size) != len(DATA):
        out.corrupt, out.detail = 1, f"size {got.size}"
    elif out.op == "list" and [o.name for o in got.objects] != [name]:
        out.corrupt, out.detail = 1, f"listing {[o.name for o in got.objects]}"


def run_large_upload(tgt: Target, size: int = 6 * MiB) -> Outcome:
    """A segmented/multipart upload whose big requests are all reset after
    2 MiB: it must fail typed, leaving no object, no segment, no upload."""
    out = Outcome(tgt.name, "reset-request-2MiB", "large-put")
    name = f"large-{uuid.uuid4().hex[:8]}"
    data = os.urandom(size)
    api = tgt.fresh(**tgt.large_options)
    tgt.proxy.inject("reset_request", 1000, after=2 * MiB)
    start = time.monotonic()
    try:
        api.object_create(tgt.account, tgt.container, data=data, obj_name=name,
                          deadline=start + 20)
    except ClientError as exc:
        out.result, out.error = "typed", exc
    except Exception as exc:  # noqa: BLE001
        out.result, out.error = "raw", exc
    out.elapsed = time.monotonic() - start
    tgt.proxy.clear()
    api.close()
    stored = _server_copy(tgt, name)
    leftovers = leftover_parts(tgt, name)
    if out.result == "ok" and stored != data:
        out.data_lost, out.detail = 1, "acknowledged large PUT not stored intact"
    elif out.result != "ok" and (stored is not None or leftovers):
        out.data_lost = 1
        out.detail = f"visible={stored is not None} leftovers={leftovers}"
    return out


def leftover_parts(tgt: Target, name: str) -> List[str]:
    """SLO segments or S3 multipart uploads left behind for ``name``."""
    if tgt.name == "s3":
        return [u["upload_id"] for u in tgt.direct.blob_client.list_uploads(
            tgt.container, prefix=name)]
    try:
        listing = tgt.direct.object_list(tgt.account, tgt.container + "_segments",
                                         prefix=name)
    except E.NoSuchContainer:
        return []
    return [o.name for o in listing.objects]
