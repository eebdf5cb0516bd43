"""The contract every backend fulfils: four sub-clients and a Backend.

The facade (:class:`objclient.ObjectStorageApi`) validates input, checks
capabilities and shapes results; everything that touches storage is done by
a backend's four sub-clients:

* :class:`AccountClient`: accounts and the containers they hold;
* :class:`ContainerClient`: containers and object metadata (listing,
  properties, deletion, links), as OpenIO's container client does;
* :class:`BlobClient`: moves object bytes to and from storage nodes;
* :class:`DirectoryClient`: says which service or node holds what.

All four of a backend share one :class:`~objclient.http.HTTPClient`
(``self.http``) and one :class:`Backend` (``self.backend``).  A method that a
backend cannot do is left as it is here: it raises
:class:`~objclient.exceptions.NotSupported`.  Every method takes a
:class:`CallOptions` as ``opts`` with the per-call keywords.
"""

from __future__ import annotations

import enum
import threading
from typing import (TYPE_CHECKING, Any, Callable, Dict, FrozenSet, Iterator, List, Mapping,
                    Optional, Sequence, Tuple)

import attrs

from .exceptions import InvalidArgument, NotFound, NotSupported
from .listing import merge_listing
from .models import (AccountInfo, ChunkInfo, ContainerInfo, ContainerListing,
                     ObjectInfo, ObjectListing)
from .names import NameRules

if TYPE_CHECKING:  # pragma: no cover
    from .http import HTTPClient
    from .source import Source

__all__ = ["Capability", "CallOptions", "Backend", "AccountClient", "ContainerClient",
           "BlobClient", "DirectoryClient", "Range", "HTTP_OPTIONS", "build_http_client",
           "http_client_recipe", "reject_unknown_options", "ContainerProperties"]

#: Keywords of ``ObjectStorageApi(...)`` that configure the shared HTTPClient.
HTTP_OPTIONS = frozenset({
    "timeout", "retries", "pool_maxsize", "verify", "cert", "user_agent", "extra_headers",
    "region_name", "endpoint_type", "original_ip", "timings", "debug", "session",
    "secret_headers"})


#: the words a yes/no option takes from a URL query or a profile
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _http_options(options: Dict[str, Any], defaults: Dict[str, Any]) -> Dict[str, Any]:
    """Pop the :data:`HTTP_OPTIONS` out of ``options`` (so what is left is
    the backend's own), typed as HTTPClient takes them; ``defaults`` apply
    where the caller set nothing."""
    kwargs = dict(defaults)
    for key in list(options):
        if key in HTTP_OPTIONS:
            kwargs[key] = options.pop(key)
    if "timeout" in kwargs and isinstance(kwargs["timeout"], str):
        kwargs["timeout"] = float(kwargs["timeout"])
    if "pool_maxsize" in kwargs:
        kwargs["pool_maxsize"] = int(kwargs["pool_maxsize"])
    if isinstance(kwargs.get("verify"), str) and kwargs["verify"].lower() in _TRUE + _FALSE:
        kwargs["verify"] = kwargs["verify"].lower() in _TRUE
    return kwargs


def build_http_client(endpoint: Optional[str], auth: Any, options: Dict[str, Any],
                      **defaults: Any) -> "HTTPClient":
    """The one HTTPClient of a backend, from the API's keywords.

    Pops the :data:`HTTP_OPTIONS` out of ``options`` (so what is left is the
    backend's own); ``defaults`` apply where the caller set nothing.
    """
    return http_client_recipe(endpoint, auth, options, **defaults)()


def http_client_recipe(endpoint: Optional[str], auth: Any, options: Dict[str, Any],
                       **defaults: Any) -> Callable[[], "HTTPClient"]:
    """What :func:`build_http_client` builds, to be built later.

    The options are taken out of ``options`` now, so a typo is still refused
    when the backend is made; the HTTP stack (requests, urllib3: about 60 ms
    of imports) is loaded only when the recipe is called.  A backend that may
    never send a request (the local one) passes it as ``Backend.http_recipe``.
    """
    kwargs = _http_options(options, defaults)

    def build() -> "HTTPClient":
        from .http import HTTPClient
        return HTTPClient(endpoint, auth=auth, **kwargs)

    return build


def bool_option(name: str, value: Any, default: bool) -> bool:
    """A yes/no option given as a bool or, from a URL query, as a string."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise InvalidArgument(f"{name} is a yes/no option, not {value!r}")


def reject_unknown_options(backend: str, options: Mapping[str, Any]) -> None:
    """Raise for keywords no layer used (a typo should not pass silently)."""
    if options:
        raise InvalidArgument(f"the {backend} backend does not know the option(s) "
                              + ", ".join(sorted(options)))

#: A byte range: ``(start, end)`` inclusive; ``end`` None means "to the end";
#: ``(None, n)`` means "the last n bytes".
Range = Tuple[Optional[int], Optional[int]]


class Capability(str, enum.Enum):
    """What a backend can do; ``api.capabilities`` is a frozenset of these."""

    ACCOUNT_CREATE = "account_create"
    ACCOUNT_DELETE = "account_delete"
    ACCOUNT_LIST = "account_list"
    ACCOUNT_PROPERTIES = "account_properties"
    ACCOUNT_FLUSH = "account_flush"
    CONTAINER_PROPERTIES = "container_properties"
    OBJECT_PROPERTIES = "object_properties"
    VERSIONING = "versioning"
    DELETE_MARKERS = "delete_markers"
    APPEND = "append"
    RANGES = "ranges"
    MULTI_RANGES = "multi_ranges"
    SERVER_SIDE_COPY = "server_side_copy"
    LINK = "link"
    MULTIPART = "multipart"
    TRUNCATE = "truncate"
    SNAPSHOT = "snapshot"
    TEMP_URL = "temp_url"
    TIME_QUERIES = "time_queries"
    DELIMITER = "delimiter"
    END_MARKER = "end_marker"
    STORAGE_POLICIES = "storage_policies"
    CHUNK_LOCATIONS = "chunk_locations"
    #: ``object_create(..., resume=True)`` reuses what a killed upload stored.
    RESUME = "resume"

    def __str__(self) -> str:
        return self.value


@attrs.frozen
class CallOptions:
    """The keywords every facade method accepts, passed down as one value.

    :param headers: extra request headers.
    :param connection_timeout: connect timeout for this call's requests.
    :param read_timeout: read timeout for this call's requests.
    :param deadline: absolute ``time.monotonic()`` by which the call ends.
    :param perfdata: a dict filled with timings, per service.
    :param reqid: a request id to send (where the backend has such a header).
    :param write_timeout: OpenIO's timeout of a data write: sending the
        body and waiting for the reply (see :meth:`http_kwargs`).
    """

    headers: Mapping[str, str] = attrs.field(factory=dict)
    connection_timeout: Optional[float] = None
    read_timeout: Optional[float] = None
    deadline: Optional[float] = None
    perfdata: Optional[Dict[str, Any]] = attrs.field(default=None, eq=False)
    reqid: Optional[str] = None
    write_timeout: Optional[float] = None

    def http_kwargs(self, service: Optional[str] = None, *,
                    write: bool = False) -> Dict[str, Any]:
        """Keywords for :meth:`HTTPClient.request` (headers not included).

        :param write: the request sends object data.  With a
            ``write_timeout``, urllib3's connect timeout (which also bounds
            every send of the request: urllib3 2 sends under it) becomes
            the larger of the two, and the wait for the reply is
            ``write_timeout``, as OpenIO's ``ChunkWriteTimeout`` covers both.
        """
        connect, read = self.connection_timeout, self.read_timeout
        if write and self.write_timeout is not None:
            connect = max(connect or 0.0, self.write_timeout)
            read = self.write_timeout
        return {"connection_timeout": connect, "read_timeout": read,
                "deadline": self.deadline, "perfdata": self.perfdata, "service": service}


DEFAULT_OPTS = CallOptions()


def _unsupported(backend: "Backend", capability: str) -> NotSupported:
    return NotSupported(f"the {backend.name} backend does not support {capability}",
                        capability=capability, backend=backend.name)


class _SubClient:
    """What the four sub-clients share."""

    def __init__(self, backend: "Backend") -> None:
        self.backend = backend

    @property
    def http(self) -> "HTTPClient":
        """The one HTTP client of this API."""
        return self.backend.http

    def _unsupported(self, capability: str) -> NotSupported:
        return _unsupported(self.backend, capability)


class AccountClient(_SubClient):
    """Accounts, and the containers each one holds."""

    def create(self, account: str, opts: CallOptions = DEFAULT_OPTS) -> bool:
        """Create an account. :returns: False if it already existed."""
        raise self._unsupported("account_create")

    def delete(self, account: str, opts: CallOptions = DEFAULT_OPTS) -> None:
        """Delete an (empty) account."""
        raise self._unsupported("account_delete")

    def show(self, account: str, opts: CallOptions = DEFAULT_OPTS) -> AccountInfo:
        """Counters and properties of an account."""
        raise self._unsupported("account_show")

    def list(self, *, prefix: Optional[str] = None, marker: Optional[str] = None,
             end_marker: Optional[str] = None, limit: Optional[int] = None,
             opts: CallOptions = DEFAULT_OPTS) -> List[str]:
        """Names of the accounts this client can see."""
        raise self._unsupported("account_list")

    def update(self, account: str, *, set_properties: Mapping[str, str],
               del_properties: Sequence[str], opts: CallOptions = DEFAULT_OPTS) -> None:
        """Set and delete account properties."""
        raise self._unsupported("account_properties")

    def flush(self, account: str, opts: CallOptions = DEFAULT_OPTS) -> None:
        """Reset the account's container list (OpenIO's account flush)."""
        raise self._unsupported("account_flush")

    def refresh(self, account: str, opts: CallOptions = DEFAULT_OPTS) -> None:
        """Recompute the account's counters."""

    def containers(self, account: str, *, prefix: Optional[str] = None,
                   delimiter: Optional[str] = None, marker: Optional[str] = None,
                   end_marker: Optional[str] = None, limit: Optional[int] = None,
                   opts: CallOptions = DEFAULT_OPTS) -> ContainerListing:
        """One page of the account's containers."""
        raise self._unsupported("container_list")

    def buckets(self, account: str, *, prefix: Optional[str] = None,
                delimiter: Optional[str] = None, marker: Optional[str] = None,
                end_marker: Optional[str] = None, limit: Optional[int] = None,
                opts: CallOptions = DEFAULT_OPTS) -> ContainerListing:
        """One page of the containers an S3 gateway shows as buckets
        (OpenIO's ``container_list(s3_buckets_only=True)``)."""
        raise self._unsupported("s3_buckets_only")


class ContainerProperties(Dict[str, str]):
    """The properties of a container an upload creates on the fly.

    The dict holds the user properties; :attr:`system` holds OpenIO's
    system properties (``sys.m2.policy.storage`` ...), which a backend
    without such properties ignores.
    """

    def __init__(self, properties: Optional[Mapping[str, str]] = None,
                 system: Optional[Mapping[str, str]] = None) -> None:
        super().__init__(properties or {})
        self.system: Dict[str, str] = dict(system or {})


class ContainerClient(_SubClient):
    """Containers, and the metadata of the objects they hold."""

    def create(self, account: str, container: str, *,
               properties: Mapping[str, str], system: Mapping[str, str],
               opts: CallOptions = DEFAULT_OPTS) -> bool:
        """Create a container. :returns: False if it already existed."""
        raise self._unsupported("container_create")

    def delete(self, account: str, container: str, opts: CallOptions = DEFAULT_OPTS) -> None:
        """Delete an empty container (ContainerNotEmpty otherwise)."""
        raise self._unsupported("container_delete")

    def show(self, account: str, container: str,
             opts: CallOptions = DEFAULT_OPTS) -> ContainerInfo:
        """Counters, properties and system properties of a container."""
        raise self._unsupported("container_show")

    def get_properties(self, account: str, container: str,
                       opts: CallOptions = DEFAULT_OPTS) -> Dict[str, Dict[str, str]]:
        """``{"properties": {...}, "system": {...}}`` of a container; by
        default made from :meth:`show` (system gains ``objects`` and ``bytes``
        unless the backend reports them as None, unknown)."""
        info = self.show(account, container, opts)
        system = dict(info.system)
        for key, count in (("objects", info.objects), ("bytes", info.bytes)):
            if count is not None:
                system.setdefault(key, str(count))
        return {"properties": dict(info.properties), "system": system}

    def update(self, account: str, container: str, *, set_properties: Mapping[str, str],
               del_properties: Sequence[str], system: Mapping[str, str], clear: bool,
               opts: CallOptions = DEFAULT_OPTS) -> None:
        """Set and delete container properties (``clear``: drop all others)."""
        raise self._unsupported("container_properties")

    def touch(self, account: str, container: str, opts: CallOptions = DEFAULT_OPTS) -> None:
        """Make the container's counters current (a no-op where they always are)."""
        self.show(account, container, opts)

    def purge(self, account: str, container: str, maxvers: Optional[int],
              opts: CallOptions = DEFAULT_OPTS) -> None:
        """Drop object versions beyond ``maxvers`` (the container's setting if None)."""
        raise self._unsupported("versioning")

    def content_list(self, account: str, container: str, *, prefix: Optional[str],
                     delimiter: Optional[str], marker: Optional[str],
                     end_marker: Optional[str], limit: int, versions: bool,
                     deleted: bool, properties: bool,
                     opts: CallOptions = DEFAULT_OPTS) -> ObjectListing:
        """One page of objects, Swift's listing rules (see objclient.listing)."""
        raise self._unsupported("object_list")

    def content_iter(self, account: str, container: str, *, prefix: Optional[str],
                     delimiter: Optional[str], marker: Optional[str],
                     end_marker: Optional[str], page_size: int, versions: bool,
                     deleted: bool, properties: bool,
                     opts: CallOptions = DEFAULT_OPTS) -> Iterator[Any]:
        """Every entry after ``marker`` in name order (common prefixes as
        plain strings), :meth:`content_list` pages of ``page_size`` at a
        time.  A backend that can make each entry only as the caller's loop
        reaches it overrides this: then no page of entries outlives it."""
        while True:
            page = self.content_list(account, container, prefix=prefix, delimiter=delimiter,
                                     marker=marker, end_marker=end_marker, limit=page_size,
                                     versions=versions, deleted=deleted,
                                     properties=properties, opts=opts)
            if page.prefixes:
                yield from merge_listing(page.objects, page.prefixes)
            else:
                yield from page.objects
            if not page.truncated:
                return
            marker = page.next_marker

    def content_show(self, account: str, container: str, obj: str,
                     version: Optional[Any] = None,
                     opts: CallOptions = DEFAULT_OPTS) -> ObjectInfo:
        """An object's metadata and properties."""
        raise self._unsupported("object_show")

    def content_update(self, account: str, container: str, obj: str, *,
                       version: Optional[Any], set_properties: Mapping[str, str],
                       del_properties: Sequence[str], clear: bool,
                       opts: CallOptions = DEFAULT_OPTS) -> None:
        """Set and delete object properties."""
        raise self._unsupported("object_properties")

    def content_delete(self, account: str, container: str, obj: str,
                       version: Optional[Any] = None,
                       opts: CallOptions = DEFAULT_OPTS) -> Tuple[bool, Optional[Any]]:
        """Delete an object. :returns: ``(delete_marker_created, version_id)``."""
        raise self._unsupported("object_delete")

    def content_delete_many(self, account: str, container: str, objs: Sequence[str],
                            opts: CallOptions = DEFAULT_OPTS) -> List[Tuple[str, bool]]:
        """Delete objects; :returns: ``[(name, deleted)]``, False where absent."""
        out = []
        for name in objs:
            try:
                self.content_delete(account, container, name, None, opts)
                out.append((name, True))
            except NotFound:
                out.append((name, False))
        return out

    def content_link(self, target_account: str, target_container: str, target_obj: str,
                     link_account: str, link_container: str, link_obj: str, *,
                     target_version: Optional[Any], properties_directive: str,
                     properties: Optional[Mapping[str, str]], target_size: Optional[int] = None,
                     opts: CallOptions = DEFAULT_OPTS) -> ObjectInfo:
        """Make ``link_obj`` a new name for the content of ``target_obj``.

        :param target_size: the target's size, when the caller knows it (a
            listing): a backend whose copy depends on it (S3: CopyObject or
            parts) then needs no request to find it.
        """
        raise self._unsupported("link")

    def content_truncate(self, account: str, container: str, obj: str, size: int,
                         version: Optional[Any] = None,
                         opts: CallOptions = DEFAULT_OPTS) -> None:
        """Cut an object to ``size`` bytes."""
        raise self._unsupported("truncate")

    def content_touch(self, account: str, container: str, obj: str,
                      version: Optional[Any] = None,
                      opts: CallOptions = DEFAULT_OPTS) -> None:
        """Refresh the object's record (OpenIO: emit an event; elsewhere a show)."""
        self.content_show(account, container, obj, version, opts)


class BlobClient(_SubClient):
    """Moves object bytes."""

    def upload(self, account: str, container: str, obj: str, source: "Source", *,
               mime_type: Optional[str], properties: Mapping[str, str],
               etag: Optional[str], append: bool, policy: Optional[str],
               autocreate: bool, container_properties: Optional[Mapping[str, str]],
               opts: CallOptions = DEFAULT_OPTS) -> Tuple[ObjectInfo, List[ChunkInfo]]:
        """Store an object from ``source``; nothing is visible until all is.

        A backend with :attr:`Capability.RESUME` also takes ``resume: bool``
        (the facade passes it only when True): reuse, after checking it, what
        an interrupted upload of the same object left stored.

        :returns: the new object's metadata and where its data went.
        """
        raise self._unsupported("object_create")

    def download(self, account: str, container: str, obj: str, *,
                 version: Optional[Any], ranges: Optional[Sequence[Range]],
                 opts: CallOptions = DEFAULT_OPTS) -> Tuple[ObjectInfo, Iterator[bytes]]:
        """Read an object (or the asked ranges, concatenated).

        :returns: metadata and an iterator of byte chunks with ``close()``.
        """
        raise self._unsupported("object_fetch")

    def temp_url(self, account: str, container: str, obj: str, method: str = "GET",
                 expires: int = 3600) -> str:
        """A URL that grants ``method`` on the object without credentials,
        valid for ``expires`` seconds (Swift temp URL, S3 presigned URL)."""
        raise self._unsupported("temp_url")

    def ranged_check(self, account: str, container: str, obj: str, info: Any,
                     opts: CallOptions = DEFAULT_OPTS) -> Any:
        """A check of an object's whole body for a download assembled from
        ranges (which no server checksum covers), when its hash is not the
        MD5 of its bytes: an :class:`objclient.integrity.PartsCheck` (S3
        multipart ETag or composite checksum, Swift large object ETag) fed
        the body in order; None where the backend has none (asking may cost
        a request or two: only for large downloads).

        :param info: the object's metadata, as the download just read it
            (``size``, ``hash``, ``chunk_method``)."""
        return None

    # OpenIO's ``BlobClient`` calls (``api.blob_client.chunk_get(url)`` ...):
    # only where objects are chunks on chunk servers (OpenIO); elsewhere
    # each raises NotSupported naming the backend and the call.
    #: True where the ``chunk_*`` calls below reach chunk servers.
    chunk_servers = False

    def chunk_put(self, url: str, meta: Mapping[str, Any], data: Any, **kwargs: Any) -> Any:
        """Store one chunk: ``(bytes_transferred, chunk_hash)``."""
        raise self._unsupported("chunk_put")

    def chunk_get(self, url: str, **kwargs: Any) -> Any:
        """Read one chunk: ``(chunk meta, stream)``."""
        raise self._unsupported("chunk_get")

    def chunk_head(self, url: str, **kwargs: Any) -> Any:
        """One chunk's attributes."""
        raise self._unsupported("chunk_head")

    def chunk_delete(self, url: str, **kwargs: Any) -> Any:
        """Delete one chunk."""
        raise self._unsupported("chunk_delete")

    def chunk_delete_many(self, chunks: Any, **kwargs: Any) -> Any:
        """Delete chunks: one reply or error per chunk."""
        raise self._unsupported("chunk_delete_many")

    def chunk_copy(self, from_url: str, to_url: str, **kwargs: Any) -> Any:
        """Copy a chunk to another chunk server."""
        raise self._unsupported("chunk_copy")

    def chunk_link(self, target: str, link: Optional[str], fullpath: str, **kwargs: Any) -> Any:
        """Hard-link a chunk under a new id: ``(resp, link URL)``."""
        raise self._unsupported("chunk_link")


class DirectoryClient(_SubClient):
    """Says where things are: services, endpoints, data locations."""

    def locate(self, account: str, container: str, obj: str, version: Optional[Any] = None,
               opts: CallOptions = DEFAULT_OPTS) -> Tuple[ObjectInfo, List[ChunkInfo]]:
        """An object's metadata and the locations of its data."""
        info = self.backend.container.content_show(account, container, obj, version, opts)
        return info, []

    def endpoints(self) -> Dict[str, str]:
        """Service name to endpoint URL, as far as this backend knows them."""
        return {}


#: one backend's HTTP client is built once, whichever thread asks first
_HTTP_BUILD = threading.Lock()


@attrs.define(eq=False)
class Backend:
    """One backend instance: its name, rules, capabilities and sub-clients.

    A backend module builds it through a factory registered under its URL
    schemes (see :mod:`objclient.registry`).
    """

    name: str
    #: the HTTP client, or None until :attr:`http` builds it from
    #: :attr:`http_recipe` (the init argument is ``http``).
    _http: Optional["HTTPClient"]
    capabilities: FrozenSet[Capability]
    names: NameRules = attrs.field(factory=NameRules)
    account: AccountClient = attrs.field(default=None)
    container: ContainerClient = attrs.field(default=None)
    blob: BlobClient = attrs.field(default=None)
    directory: DirectoryClient = attrs.field(default=None)
    #: the account used when a facade call passes None (S3: the key owner).
    default_account: Optional[str] = None
    description: str = ""
    #: builds the HTTP client on first use when ``http`` is None (see
    #: :func:`http_client_recipe`): the local backend imports no HTTP stack
    #: until something asks for :attr:`http`.
    http_recipe: Optional[Callable[[], "HTTPClient"]] = None

    @property
    def http(self) -> "HTTPClient":
        """The one HTTP client all sub-clients share."""
        if self._http is None:
            with _HTTP_BUILD:
                if self._http is None:
                    if self.http_recipe is None:
                        raise TypeError(f"the {self.name} backend has no HTTP client")
                    self._http = self.http_recipe()
        return self._http

    def close(self) -> None:
        """Release connections and files."""
        if self._http is not None:
            self._http.close()
