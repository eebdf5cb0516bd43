"""The MictlanX backend (``mictlanx+http://ROUTER1:PORT[,ROUTER2:PORT...]``).

MictlanX stores a *ball* (object) as chunk objects ``"{ball}_{i}"``, each
replicated to ``rf`` storage peers chosen by the router.  This backend maps
objclient's vocabulary onto it:

* **account**: one implicit account (``account=`` option, default
  ``mictlanx``); any other account name raises :class:`NoSuchAccount`.
* **container** = bucket; its id is the container name when the router keeps
  it unchanged, else ``ocx-`` + hex (see :mod:`.names`: names are never
  silently stripped).  MictlanX has no bucket records, so a container is also
  recorded as a small ball in the bucket ``ocx-catalog`` (its properties are
  that ball's tags); buckets written by other clients are readable by name.
* **object** = ball; its key is encoded like bucket ids.  **properties** =
  the tags of chunk 0; size, MD5 and sha256 live in chunk 0's tags too.
* **directory** = the routers: round robin with health (a router whose
  connection fails is skipped for ``router_cooldown`` seconds and the call
  moves on to the next one).

``rf``, chunk size, bulk puts, chunk-level gets and router health are on the
low-level client ``api.blob_client.mictlanx`` (:class:`MictlanXClient`),
never on the facade's common methods.

Options: ``rf`` (1), ``chunk_size`` (``"256kb"``), ``max_workers`` (8),
``max_tries`` (5), ``max_backoff`` (5 s), ``backoff_base`` (0.5 s),
``router_cooldown`` (30 s), ``capacity_storage`` (read cache, ``"64MB"``;
0 disables it), ``eviction_policy`` (``"LRU"``, or ``"LFU"``), ``client_id``,
``account``; the same names work in the URL's query string.

Code written for the official client builds :class:`AsyncClient` instead
(its constructor, synchronous methods of the same names and parameters).
"""

from __future__ import annotations

import os
import threading
from typing import Any, Dict, Set
from urllib.parse import parse_qs, urlsplit

import attrs

from ...contract import Backend, Capability, build_http_client, reject_unknown_options
from ...exceptions import (InvalidArgument, NoSuchAccount, NoSuchContainer, NoSuchObject,
                           NotFound)
from ...names import NameRules
from .cache import BallCache
from .client import MictlanXClient
from .logs import client_logger
from .models import (BallInfo, BulkItem, BulkResult, Chunk, ChunkMeta, DeleteBucketResponse,
                     DeletedByKeyResponse, GetMetadataResponse, GetRouterBucketMetadataResponse,
                     PutResult)
from .names import encode_name, parse_size
from .routers import Router, RouterPool, RouterTransport, parse_router_list

__all__ = ["create_backend", "MictlanXBackend", "MictlanXClient", "AsyncClient", "Router",
           "MICTLANX_CAPABILITIES", "MICTLANX_NAME_RULES", "CATALOG_BUCKET", "BulkItem",
           "BulkResult", "PutResult", "BallInfo", "ChunkMeta", "Chunk", "DeleteBucketResponse",
           "DeletedByKeyResponse", "GetMetadataResponse", "GetRouterBucketMetadataResponse"]

#: The bucket holding one small ball per container (never a user bucket id:
#: encoded names after ``ocx-`` are hex only).
CATALOG_BUCKET = "ocx-catalog"

MICTLANX_CAPABILITIES = frozenset({
    Capability.CONTAINER_PROPERTIES, Capability.OBJECT_PROPERTIES, Capability.RANGES,
    Capability.MULTI_RANGES, Capability.DELIMITER, Capability.END_MARKER,
    Capability.CHUNK_LOCATIONS,
})

#: Encoded ids may be twice as long as names; the router sets no limit we
#: know of, these keep URLs reasonable.
MICTLANX_NAME_RULES = NameRules(account_max=255, container_max=255, object_max=1024,
                                container_forbidden="/", property_key_max=128,
                                property_value_max=4096, properties_max_count=90,
                                properties_max_total=16384)

_OPTION_NAMES = ("rf", "chunk_size", "max_workers", "max_tries", "max_backoff",
                 "backoff_base", "router_cooldown", "capacity_storage", "eviction_policy",
                 "client_id", "account")


@attrs.define(eq=False)
class MictlanXBackend(Backend):
    """The MictlanX backend: the low-level client and the container catalog."""

    mictlanx: MictlanXClient = attrs.field(default=None)
    catalog: str = CATALOG_BUCKET
    known_buckets: Set[str] = attrs.field(factory=set)
    lock: Any = attrs.field(factory=threading.Lock)

    def check_account(self, account: str) -> str:
        """``account`` if it is this backend's one account.

        :raises NoSuchAccount: any other name.
        """
        if account != self.default_account:
            raise NoSuchAccount(f"MictlanX has a single account, {self.default_account!r}; "
                                f"there is no account {account!r}")
        return account

    @staticmethod
    def bucket_of(container: str) -> str:
        """The bucket id of a container."""
        return encode_name(container)

    @staticmethod
    def ball_of(obj: str) -> str:
        """The ball key of an object."""
        return encode_name(obj)

    def ball_info(self, account: str, container: str, obj: str, opts: Any) -> BallInfo:
        """The ball of an object, or NoSuchObject / NoSuchContainer."""
        self.check_account(account)
        try:
            return self.mictlanx.get_metadata(self.bucket_of(container), self.ball_of(obj),
                                              opts)
        except NotFound:
            if not self.container.exists(container, opts):  # type: ignore[attr-defined]
                raise NoSuchContainer(f"container {container!r} does not exist") from None
            raise NoSuchObject(f"object {obj!r} does not exist in container "
                               f"{container!r}") from None


def _options_from_url(url: str) -> tuple:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "mictlanx":
        proto = "https"
    elif scheme in ("mictlanx+http", "mictlanx+https"):
        proto = scheme.split("+", 1)[1]
    else:
        raise InvalidArgument(f"not a MictlanX URL: {url!r} (mictlanx+http://host:port,...)")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if "protocol" in query:
        proto = query.pop("protocol")
    query.pop("api_version", None)
    query.pop("http2", None)
    try:
        routers = parse_router_list(parts.netloc, proto)
    except ValueError as exc:
        raise InvalidArgument(f"bad MictlanX URL: {exc}") from None
    if not routers:
        raise InvalidArgument("a MictlanX URL needs at least one router: "
                              "mictlanx+http://host:port[,host2:port]")
    return routers, query


def create_backend(url: str, *, auth: Any = None, **options: Any) -> MictlanXBackend:
    """Build the MictlanX backend for ``mictlanx+http(s)://R1:PORT[,R2:PORT...]``.

    :param auth: accepted for symmetry; MictlanX routers take no credentials.
    :param options: see the module documentation.
    :raises InvalidArgument: a bad URL or option value.
    """
    routers, query = _options_from_url(url)
    own: Dict[str, Any] = {}
    for name in _OPTION_NAMES:
        if name in query:
            own[name] = query.pop(name)
        if name in options:
            own[name] = options.pop(name)
    if query:
        raise InvalidArgument("unknown MictlanX URL parameter(s): " + ", ".join(sorted(query)))
    try:
        max_workers = int(own.get("max_workers", 8))
        rf = int(own.get("rf", 1))
        max_tries = int(own.get("max_tries", 5))
        max_backoff = float(own.get("max_backoff", 5.0))
        backoff_base = float(own.get("backoff_base", 0.5))
        cooldown = float(own.get("router_cooldown", 30.0))
    except (TypeError, ValueError) as exc:
        raise InvalidArgument(f"bad MictlanX option value: {exc}") from None
    capacity = parse_size(own.get("capacity_storage", "64MB"), "capacity_storage")
    http = build_http_client(None, auth, options, pool_maxsize=max(10, 2 * max_workers))
    reject_unknown_options("mictlanx", options)
    pool = RouterPool(routers, cooldown=cooldown)
    client = MictlanXClient(RouterTransport(http, pool), client_id=str(own.get(
        "client_id", "objclient")), chunk_size=own.get("chunk_size", "256kb"), rf=rf,
        max_workers=max_workers, max_tries=max_tries, max_backoff=max_backoff,
        backoff_base=backoff_base,
        cache=BallCache(capacity, str(own.get("eviction_policy", "LRU"))))
    backend = MictlanXBackend(
        name="mictlanx", http=http, capabilities=MICTLANX_CAPABILITIES,
        names=MICTLANX_NAME_RULES, default_account=str(own.get("account", "mictlanx")),
        description="MictlanX routers " + ", ".join(routers))
    backend.mictlanx = client
    from .account import MictlanXAccountClient
    from .blob import MictlanXBlobClient
    from .container import MictlanXContainerClient
    from .directory import MictlanXDirectoryClient
    backend.account = MictlanXAccountClient(backend)
    backend.container = MictlanXContainerClient(backend)
    backend.blob = MictlanXBlobClient(backend)
    backend.directory = MictlanXDirectoryClient(backend)
    return backend



class AsyncClient(MictlanXClient):
    """The official ``mictlanx.asyncx.AsyncClient``, made synchronous.

    The name is kept so that code written for the official client runs
    with its ``await`` removed; every method blocks and returns its value
    (no ``Result``), or raises an :mod:`objclient.exceptions` error.

    :param uri: ``mictlanx://router-id@host:port[,id2@host2:port]/?protocol=http``
        (or objclient's ``mictlanx+http://host:port,...``).
    :param client_id: sent as ``producer_id``; names the log files.
    :param debug: also log every record to standard output.
    :param max_workers: chunks fetched at once by a get (at most the CPU count,
        as the official client caps it).
    :param log_output_path: folder of the log files (``$MICTLANX_LOG_PATH`` or
        ``/mictlanx/client``), created if missing.
    :param log_when: rotation unit of the log file (``"m"``: minutes).
    :param log_interval: rotation interval, in ``log_when`` units.
    :param eviction_policy: read cache policy, ``"LRU"`` or ``"LFU"``.
    :param capacity_storage: read cache size (``"1GB"``).
    :param verify: TLS verification of the routers (off, as the official default).
    :param options: objclient's HTTP options (``session``, ``retries``, ...).
    :raises InvalidArgument: a bad URI or option.
    :raises OSError: the log folder cannot be created.
    """

    def __init__(self, uri: str, client_id: str, debug: bool = True, max_workers: int = 12,
                 log_output_path: str = os.environ.get("MICTLANX_LOG_PATH",
                                                       "/mictlanx/client"),
                 log_when: str = "m", log_interval: int = 30, eviction_policy: str = "LRU",
                 capacity_storage: str = "1GB", verify: Any = False, **options: Any) -> None:
        backend = create_backend(
            uri, client_id=client_id, max_workers=min(max_workers, os.cpu_count() or 1),
            capacity_storage=capacity_storage, eviction_policy=eviction_policy, verify=verify,
            **options)
        base = backend.mictlanx
        super().__init__(base.transport, client_id=client_id, chunk_size=base.chunk_size,
                         rf=base.rf, max_workers=base.max_workers, max_tries=base.max_tries,
                         max_backoff=base.max_backoff, backoff_base=base.backoff_base,
                         cache=base.cache, logger=client_logger(
                             client_id, debug, log_output_path, log_when, log_interval))
        self.verify = verify
        backend.mictlanx = self
