"""ObjectStorageApi: one API, many object stores.

Method names, arguments (their order and defaults) and return shapes follow
OpenIO's ``oio.api.object_storage.ObjectStorageApi``, so a script written for
it runs unchanged: ``ObjectStorageApi("OPENIO")`` finds the namespace's proxy
as OpenIO does, and results are plain dicts and lists
(:class:`~objclient.models.ResultDict`, whose keys also read as attributes).
The facade validates names and properties, checks capabilities (raising
:class:`~objclient.exceptions.NotSupported` before any request), builds one
:class:`~objclient.contract.CallOptions` from the common keywords and hands
the work to the backend's sub-clients.  It never parses HTTP.

Every method accepts the keywords ``headers``, ``connection_timeout``,
``read_timeout``, ``write_timeout``, ``deadline`` (absolute
``time.monotonic()``), ``perfdata`` (a dict filled with timings) and
``reqid``.  OpenIO keywords that have no meaning here (``force_master``,
``cid``, ``tls`` ...) are accepted and ignored.  The parity of every public
name with OpenIO's is in ``doc/parity/openio.rst``.
"""

from __future__ import annotations

import functools
import os
import re
import time
import warnings
import sys
from typing import (TYPE_CHECKING, Any, Callable, Dict, FrozenSet, Iterable, Iterator, List,
                    Mapping, Optional, Sequence, Tuple, TypeVar)

import attrs

from .contract import DEFAULT_OPTS, Backend, CallOptions, Capability, ContainerProperties, Range
from .exceptions import (ClientError, Conflict, InvalidArgument, NoSuchAccount, NotFound,
                         NotSupported)
from .models import ChunkInfo, ContainerEntry, ObjectInfo, ResultDict, as_result
from .registry import backend_scheme, factory_for

if TYPE_CHECKING:
    import logging

if sys.version_info >= (3, 11):
    from typing import ParamSpec, TypedDict, Unpack
else:
    from typing import TypedDict
    if TYPE_CHECKING:  # typing_extensions is no dependency: type checkers bring theirs
        from typing_extensions import ParamSpec, Unpack

__all__ = ["ObjectStorageApi", "CallKeywords"]

R = TypeVar("R")
if TYPE_CHECKING or sys.version_info >= (3, 11):
    P = ParamSpec("P")

_OPTION_KEYS = ("headers", "connection_timeout", "read_timeout", "deadline", "perfdata", "reqid",
                "write_timeout")
#: OpenIO keywords accepted for compatibility and ignored.
#: Anything else is a TypeError, so that a backend-specific keyword (a
#: replication factor ...) never passes silently: those belong to the
#: backend's own low-level client.
_IGNORED_KEYS = frozenset({
    "force_master", "cid", "tls", "region", "end_user_request", "admin_mode",
    "bucket", "sharding_accounts", "stats", "key_file", "check_ec_metadata",
    "chunk_checksum_algo", "trust_level", "force", "local", "use_tcp_cork",
    "extra_properties", "meta_pos", "content_id", "restore_drained",
    "bypass_governance", "dryrun", "slo_manifest", "chunks", "mpu_marker_only",
    "version_marker", "properties_directive_hint",
    # OpenIO passes its EXTRA_KEYWORDS to every call: tuning with no meaning here
    "autocreate", "chunk_buffer_min", "chunk_buffer_max", "cache",
})
#: The constructor keywords OpenIO hands to every call (seed: EXTRA_KEYWORDS).
EXTRA_KEYWORDS = ("chunk_checksum_algo", "autocreate", "chunk_buffer_min",
                  "chunk_buffer_max", "cache", "tls")
_TIMEOUT_KEYS = ("connection_timeout", "read_timeout", "write_timeout")
_LIST_LIMIT = 1000


class CallKeywords(TypedDict, total=False):
    """The keywords every facade method accepts besides its own (type
    checkers read them from the methods' ``**kwargs: Unpack[CallKeywords]``).

    ``headers`` are added to the requests; the timeouts are seconds (connect,
    between reads, between writes); ``deadline`` is an absolute
    ``time.monotonic()``; ``perfdata`` is a dict filled with timings;
    ``reqid`` names the request in logs and headers.  The OpenIO keywords
    that have no meaning here are accepted and ignored, as at run time
    (``cid`` and ``trust_level`` are left out for type checkers: a method
    has a parameter of that name).
    """

    headers: Mapping[str, str]
    connection_timeout: Optional[float]
    read_timeout: Optional[float]
    write_timeout: Optional[float]
    deadline: Optional[float]
    perfdata: Optional[Dict[str, Any]]
    reqid: Optional[str]
    # OpenIO's keywords, accepted and ignored (see _IGNORED_KEYS)
    force_master: bool
    tls: bool
    region: Optional[str]
    end_user_request: bool
    admin_mode: bool
    bucket: Optional[str]
    sharding_accounts: Any
    stats: Any
    check_ec_metadata: bool
    chunk_checksum_algo: Optional[str]
    force: bool
    local: bool
    use_tcp_cork: bool
    extra_properties: Any
    meta_pos: Any
    content_id: Optional[str]
    restore_drained: bool
    bypass_governance: bool
    dryrun: bool
    slo_manifest: Any
    chunks: Any
    mpu_marker_only: bool
    version_marker: Any
    properties_directive_hint: Any
    chunk_buffer_min: int
    chunk_buffer_max: int
    cache: Any


def _operation(capability: Optional[Capability] = None,
               operation: Optional[str] = None
               ) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Wrap a facade method: capability check, error context, timing.

    The method keeps its own signature, for ``help()``,
    :func:`inspect.signature` and type checkers alike (the decorator is typed
    with a ``ParamSpec``): its parameters, then ``**kwargs:
    Unpack[CallKeywords]``, which the method turns into its
    :class:`~objclient.contract.CallOptions` with
    :meth:`ObjectStorageApi._call_options`.

    :param operation: the name errors and perfdata give (default: the method's).
    """

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        name = operation or func.__name__

        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            self: ObjectStorageApi = args[0]  # type: ignore[assignment]
            if capability is not None and capability not in self.capabilities:
                raise NotSupported(
                    f"the {self.backend} backend lacks capability {capability.value}",
                    capability=capability.value, backend=self.backend, operation=name)
            perfdata: Optional[Dict[str, Any]] = kwargs.get(  # type: ignore[assignment]
                "perfdata", self._default_opts.perfdata)
            start = time.monotonic()
            try:
                return func(*args, **kwargs)
            except ClientError as err:
                err.with_context(self.backend, name)
                raise
            finally:
                if perfdata is not None:
                    api = perfdata.setdefault("api", {})
                    api[name] = api.get(name, 0.0) + (time.monotonic() - start)

        return wrapper

    return decorate


class ObjectStorageApi:
    """One client for many object stores, chosen by URL or OpenIO namespace.

    :param namespace: an OpenIO namespace name (``"OPENIO"``: its proxy is
        ``endpoint=``, else ``$OIO_PROXY``, else the ``proxy`` of
        ``[OPENIO]`` in ``/etc/oio/sds.conf``, ``/etc/oio/sds.conf.d/*`` or,
        when none exists, ``~/.oio/sds.conf``), or a URL: ``file:///path``,
        ``swift+https://host/auth/v1.0``, ``s3+https://host``,
        ``seaweedfs+http://master:9333``, ``reduct+http://host:8383``,
        ``oio+http://proxy:6006?namespace=NS``,
        ``mictlanx+http://r1:60666,r2:60666``.  When None: ``$OBJCLIENT_URL``,
        then the profile (``profile=`` or ``$OBJCLIENT_PROFILE``), then
        ``$OIO_NS``, then the embedded local store.  ``url=`` is the same
        parameter under objclient's former name.
    :param logger: the :class:`logging.Logger` this API logs to.
    :param perfdata: a dict every call fills with its timings, as if passed
        to each call.
    :param auth: an auth plugin, instead of credentials in keywords.
    :param profile: a profile name from ``~/.config/objclient/config.ini``.
    :param endpoint: the oio-proxy address of ``namespace``.
    :param kwargs: OpenIO's ``connection_timeout``, ``read_timeout``,
        ``write_timeout`` (defaults of every call) and
        :attr:`EXTRA_KEYWORDS` (``autocreate``: default of ``object_create``;
        ``chunk_checksum_algo``: OpenIO's chunk checksum; the others are
        tuning with no meaning here); backend options (credentials ...) and
        HTTP options: ``timeout``, ``retries``, ``pool_maxsize``, ``verify``,
        ``cert``, ``user_agent``, ``extra_headers``, ``region_name``,
        ``endpoint_type``, ``original_ip``, ``timings``, ``debug``,
        ``session``.

    One instance is safe to share between threads and survives ``fork()``.
    """

    EXTRA_KEYWORDS = EXTRA_KEYWORDS

    def __init__(self, namespace: Optional[str] = None, logger: Optional[logging.Logger] = None,
                 perfdata: Optional[Dict[str, Any]] = None, *, url: Optional[str] = None,
                 auth: Any = None, profile: Optional[str] = None,
                 endpoint: Optional[str] = None, **kwargs: Any) -> None:
        from .config import namespace_url, resolve  # configparser: only once an API is made
        if namespace is not None and url is not None:
            raise InvalidArgument("give a namespace or a url, not both")
        url = namespace if url is None else url
        if url and "://" not in url:
            url = namespace_url(url, endpoint)
        elif endpoint is not None:
            raise InvalidArgument("endpoint= goes with an OpenIO namespace name, not a URL")
        url, profile_options = resolve(url, profile)
        options = dict(profile_options)
        options.update(kwargs)
        self._logger = logger
        self.perfdata = perfdata
        self._autocreate = bool(options.pop("autocreate", True))
        self._default_opts = self._global_options(options, perfdata)
        self._extra_keywords(url, options)
        self._url = url
        self._backend: Backend = factory_for(url)(url, auth=auth, **options)
        #: the names rules, account and container of the last call (checked)
        self._checked: Optional[Tuple[Any, ...]] = None
        #: the OpenIO namespace (None on other backends)
        self.namespace: Optional[str] = getattr(self._backend, "namespace", None)

    @staticmethod
    def _global_options(options: Dict[str, Any],
                        perfdata: Optional[Dict[str, Any]]) -> CallOptions:
        """The call options every call starts from: the constructor's
        timeouts and perfdata, as OpenIO's ``_global_kwargs``."""
        values: Dict[str, Any] = {}
        for key in _TIMEOUT_KEYS:
            if options.get(key) is not None:
                values[key] = float(options.pop(key))
            options.pop(key, None)
        if perfdata is not None:
            values["perfdata"] = perfdata
        return CallOptions(**values) if values else DEFAULT_OPTS

    @staticmethod
    def _extra_keywords(url: str, options: Dict[str, Any]) -> None:
        """Take OpenIO's tuning keywords out of ``options``; the OpenIO
        backend keeps ``chunk_checksum_algo``, which it implements."""
        for key in ("chunk_buffer_min", "chunk_buffer_max", "cache", "tls"):
            options.pop(key, None)
        algo = options.get("chunk_checksum_algo", "md5")
        if backend_scheme(url) != "oio":
            options.pop("chunk_checksum_algo", None)
            if algo not in (None, "md5"):
                raise InvalidArgument("chunk_checksum_algo is md5 or None outside OpenIO")
        elif algo is None:
            options.pop("chunk_checksum_algo")

    # -- what this API is ----------------------------------------------------
    @property
    def logger(self) -> logging.Logger:
        """The logger this API logs to (``objclient`` unless one was given;
        looked up when first used, as ``logging`` costs a command line
        5 ms of start-up)."""
        if self._logger is None:
            import logging
            self._logger = logging.getLogger("objclient")
        return self._logger

    @logger.setter
    def logger(self, logger: logging.Logger) -> None:
        self._logger = logger

    @property
    def backend(self) -> str:
        """The backend's name (``local``, ``swift``, ``s3`` ...)."""
        return self._backend.name

    @property
    def url(self) -> str:
        """The URL this API was built from, with secrets redacted."""
        from .http.redact import redact_url  # not at import: it loads logging, shlex
        return redact_url(self._url)

    @property
    def scheme(self) -> str:
        """The backend part of the URL scheme."""
        return backend_scheme(self._url)

    @property
    def capabilities(self) -> FrozenSet[Capability]:
        """What the backend can do."""
        return self._backend.capabilities

    @property
    def http(self):  # type: ignore[no-untyped-def]
        """The one :class:`~objclient.http.HTTPClient` all sub-clients share."""
        return self._backend.http

    @property
    def account(self):  # type: ignore[no-untyped-def]
        """The account sub-client."""
        return self._backend.account

    @property
    def container(self):  # type: ignore[no-untyped-def]
        """The container sub-client."""
        return self._backend.container

    @property
    def blob_client(self):  # type: ignore[no-untyped-def]
        """The blob sub-client (moves bytes)."""
        return self._backend.blob

    @property
    def directory(self):  # type: ignore[no-untyped-def]
        """The directory sub-client (where things are)."""
        return self._backend.directory

    @property
    def names(self):  # type: ignore[no-untyped-def]
        """The backend's :class:`~objclient.names.NameRules`."""
        return self._backend.names

    def close(self) -> None:
        """Release connections and files."""
        self._backend.close()

    def __enter__(self) -> "ObjectStorageApi":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ObjectStorageApi({self.url!r}, backend={self.backend!r})"

    # -- helpers -----------------------------------------------------------------
    def _call_options(self, kwargs: "CallKeywords") -> CallOptions:
        """The :class:`CallOptions` of one call, from its call keywords.

        :raises TypeError: a keyword that is neither a call keyword nor one of
            OpenIO's ignored ones (as for any unexpected keyword argument).
        :raises InvalidArgument: ``headers`` is not a mapping.
        """
        defaults = self._default_opts
        if not kwargs:
            return defaults  # the common case: nothing to sort out
        values: Dict[str, Any] = {k: v for k, v in kwargs.items() if k in _OPTION_KEYS}
        if len(values) != len(kwargs):
            unknown = sorted(k for k in kwargs if k not in _OPTION_KEYS
                             and k not in _IGNORED_KEYS)
            if unknown:
                raise TypeError(f"unexpected keyword argument {unknown[0]!r}")
        if not values:
            return defaults  # only OpenIO's ignored keywords were given
        headers = values.get("headers") or {}
        if not isinstance(headers, Mapping):
            raise InvalidArgument("headers must be a mapping")
        values["headers"] = dict(headers)
        if defaults is DEFAULT_OPTS:
            return CallOptions(**values)
        return attrs.evolve(defaults, **values)

    def _account(self, account: Optional[str]) -> str:
        if account is None:
            account = self._backend.default_account
        return self.names.check_account(account)

    def _names(self, account: Optional[str], container: str,
               obj: Optional[str] = None) -> Tuple[str, ...]:
        backend = self._backend
        if account is None:
            account = backend.default_account
        rules = backend.names
        checked = (rules, account, container)
        if checked != self._checked:  # a script works in one container: check it once
            rules.check_account(account)
            rules.check_container(container)
            self._checked = checked
        if obj is None:
            return account, container  # type: ignore[return-value]
        return account, container, rules.check_object(obj)  # type: ignore[return-value]

    def _need(self, capability: Capability) -> None:
        if capability not in self.capabilities:
            raise NotSupported(f"the {self.backend} backend lacks capability {capability.value}",
                               capability=capability.value, backend=self.backend)

    # -- accounts --------------------------------------------------------------------
    @_operation(Capability.ACCOUNT_CREATE)
    def account_create(self, account: str, **kwargs: Unpack[CallKeywords]) -> bool:
        """Create an account. :returns: True if created, False if it existed."""
        opts = self._call_options(kwargs)
        return self.account.create(self._account(account), opts)

    @_operation(Capability.ACCOUNT_DELETE)
    def account_delete(self, account: str, **kwargs: Unpack[CallKeywords]) -> None:
        """Delete an empty account."""
        opts = self._call_options(kwargs)
        self.account.delete(self._account(account), opts)

    @_operation()
    def account_show(self, account: Optional[str] = None,
                     **kwargs: Unpack[CallKeywords]) -> ResultDict:
        """An account's counters and properties (dict keys ``id``,
        ``containers``, ``objects``, ``bytes``, ``ctime``, ``mtime``, ``metadata``)."""
        opts = self._call_options(kwargs)
        return as_result(self.account.show(self._account(account), opts))  # type: ignore

    @_operation(Capability.ACCOUNT_LIST)
    def account_list(self, limit: Optional[int] = None, marker: Optional[str] = None,
                     end_marker: Optional[str] = None, prefix: Optional[str] = None,
                     **kwargs: Unpack[CallKeywords]) -> List[Dict[str, str]]:
        """The accounts, as OpenIO lists them: ``[{"id": name}, ...]``."""
        opts = self._call_options(kwargs)
        names = self.account.list(prefix=prefix, marker=marker, end_marker=end_marker,
                                  limit=limit, opts=opts)
        return [{"id": name} for name in names]

    @_operation()
    def account_get_properties(self, account: Optional[str] = None,
                               **kwargs: Unpack[CallKeywords]) -> Dict[str, Any]:
        """What :meth:`account_show` gives (``id``, ``containers``,
        ``objects``, ``bytes``, ``ctime``, ``mtime`` ...) with the account's
        properties under ``properties``, as OpenIO returns it."""
        opts = self._call_options(kwargs)
        info = as_result(self.account.show(self._account(account), opts))
        info["properties"] = info.pop("metadata")
        return info  # type: ignore[no-any-return]

    @_operation(Capability.ACCOUNT_PROPERTIES)
    def account_set_properties(self, account: Optional[str], properties: Mapping[str, str],
                               **kwargs: Unpack[CallKeywords]) -> None:
        """Set account properties (others are kept)."""
        opts = self._call_options(kwargs)
        self.account.update(self._account(account),
                            set_properties=self.names.check_properties(properties),
                            del_properties=(), opts=opts)

    @_operation(Capability.ACCOUNT_PROPERTIES)
    def account_del_properties(self, account: Optional[str], properties: Iterable[str],
                               **kwargs: Unpack[CallKeywords]) -> None:
        """Delete account properties by key."""
        opts = self._call_options(kwargs)
        self.account.update(self._account(account), set_properties={},
                            del_properties=self.names.check_property_keys(properties),
                            opts=opts)

    @_operation(Capability.ACCOUNT_FLUSH)
    def account_flush(self, account: str, **kwargs: Unpack[CallKeywords]) -> None:
        """Reset the account's container list (OpenIO semantics)."""
        opts = self._call_options(kwargs)
        self.account.flush(self._account(account), opts)

    @_operation()
    def account_refresh(self, account: Optional[str] = None,
                        **kwargs: Unpack[CallKeywords]) -> None:
        """Recompute an account's counters and those of its containers.

        :param account: the account, or None for every account (slow; the
            backend needs :attr:`Capability.ACCOUNT_LIST`).
        """
        opts = self._call_options(kwargs)
        if account is None:
            self._need(Capability.ACCOUNT_LIST)
            accounts = self.account.list(prefix=None, marker=None, end_marker=None,
                                         limit=None, opts=opts)
        else:
            accounts = [self._account(account)]
        for name in accounts:
            try:
                self.account.refresh(name, opts)
            except NoSuchAccount:
                if account is not None:
                    raise  # (one gone since the listing is skipped, as OpenIO does)

    def all_accounts_refresh(self, **kwargs: Unpack[CallKeywords]) -> None:
        """Deprecated (as in OpenIO): call ``account_refresh(None)``."""
        warnings.warn("You'd better use account_refresh(None)", DeprecationWarning,
                      stacklevel=2)
        self.account_refresh(None, **kwargs)

    @_operation()
    def resolve_cid(self, cid: str, **kwargs: Unpack[CallKeywords]) -> Tuple[str, str]:
        """``(account, container)`` of an OpenIO container id."""
        opts = self._call_options(kwargs)
        resolve = getattr(self.directory, "resolve_cid", None)
        if resolve is None:
            raise NotSupported(f"the {self.backend} backend has no container ids",
                               capability="resolve_cid", backend=self.backend)
        return resolve(cid, opts)  # type: ignore[no-any-return]

    # -- containers --------------------------------------------------------------------
    @_operation()
    def container_create(self, account: Optional[str], container: str,
                         properties: Optional[Mapping[str, str]] = None,
                         system: Optional[Mapping[str, str]] = None,
                         **kwargs: Unpack[CallKeywords]) -> bool:
        """Create a container. :returns: True if created, False if it existed."""
        opts = self._call_options(kwargs)
        acct, cont = self._names(account, container)
        props = self.names.check_properties(properties)
        return self.container.create(acct, cont, properties=props, system=dict(system or {}),
                                     opts=opts)

    @_operation()
    def container_create_many(self, account: Optional[str], containers: Sequence[str],
                              properties: Optional[Mapping[str, str]] = None,
                              **kwargs: Unpack[CallKeywords]) -> List[Tuple[str, bool]]:
        """Create several containers. :returns: ``[(name, created)]``."""
        opts = self._call_options(kwargs)
        acct = self._account(account)
        names = [self.names.check_container(c) for c in containers]
        props = self.names.check_properties(properties)
        return [(name, self.container.create(acct, name, properties=props, system={},
                                             opts=opts)) for name in names]

    @_operation()
    def container_delete(self, account: Optional[str], container: str,
                         **kwargs: Unpack[CallKeywords]) -> None:
        """Delete an empty container (:class:`ContainerNotEmpty` otherwise)."""
        opts = self._call_options(kwargs)
        self.container.delete(*self._names(account, container), opts)

    @_operation()
    def container_show(self, account: Optional[str], container: str,
                       **kwargs: Unpack[CallKeywords]) -> ResultDict:
        """A container's counters and properties: a dict with ``properties``
        (user properties), ``system``, ``name``, ``account``, ``objects``,
        ``bytes``, ``ctime``, ``mtime``."""
        opts = self._call_options(kwargs)
        return as_result(self.container.show(*self._names(account, container), opts))  # type: ignore

    @_operation()
    def container_list(self, account: Optional[str] = None, limit: Optional[int] = None,
                       marker: Optional[str] = None, end_marker: Optional[str] = None,
                       prefix: Optional[str] = None, delimiter: Optional[str] = None,
                       s3_buckets_only: bool = False, **kwargs: Unpack[CallKeywords]) -> List[Any]:
        """One page of the account's containers, as OpenIO's five-field
        lists ``[name, objects, bytes, is_prefix (1 or 0), mtime]``
        (:class:`~objclient.models.ContainerRow`: fields also by name).

        :param s3_buckets_only: only the containers an S3 view shows as
            buckets: on OpenIO the account service's filter, on S3 every
            bucket, on Swift the names s3api's ``validate_bucket_name``
            accepts; NotSupported (capability ``s3_buckets_only``) where
            the backend has no S3 view (see ``doc/parity/openio.rst``).
        """
        opts = self._call_options(kwargs)
        listing = self.account.buckets if s3_buckets_only else self.account.containers
        page = listing(self._account(account), prefix=prefix, delimiter=delimiter,
                       marker=marker, end_marker=end_marker, limit=limit or _LIST_LIMIT,
                       opts=opts)
        return as_result(page.listing)  # type: ignore[no-any-return]

    def container_list_iter(self, account: Optional[str] = None,
                            prefix: Optional[str] = None, page_size: int = _LIST_LIMIT,
                            *, marker: Optional[str] = None,
                            **kwargs: Unpack[CallKeywords]) -> Iterator[ContainerEntry]:
        """Every container of the account, fetched a page at a time (after
        ``marker``)."""
        acct = self._account(account)
        opts = self._call_options(kwargs)
        while True:
            try:
                page = self.account.containers(acct, prefix=prefix, delimiter=None,
                                               marker=marker, end_marker=None,
                                               limit=page_size, opts=opts)
            except ClientError as err:
                err.with_context(self.backend, "container_list")
                raise
            yield from page.listing
            if not page.truncated or not page.listing:
                return
            marker = page.next_marker or page.listing[-1].name

    @_operation()
    def container_get_properties(self, account: Optional[str], container: str,
                                 properties: Optional[Sequence[str]] = None,
                                 **kwargs: Unpack[CallKeywords]) -> Dict[str, Any]:
        """``{"properties": {...}, "system": {...}}`` of a container.

        :param properties: ignored, as OpenIO does (all are returned).
        """
        opts = self._call_options(kwargs)
        return as_result(self.container.get_properties(  # type: ignore[no-any-return]
            *self._names(account, container), opts))

    @_operation(Capability.CONTAINER_PROPERTIES)
    def container_set_properties(self, account: Optional[str], container: str,
                                 properties: Optional[Mapping[str, str]] = None,
                                 clear: bool = False, system: Optional[Mapping[str, str]] = None,
                                 **kwargs: Unpack[CallKeywords]) -> None:
        """Set container properties; ``clear=True`` drops all others first."""
        opts = self._call_options(kwargs)
        acct, cont = self._names(account, container)
        self.container.update(acct, cont, set_properties=self.names.check_properties(properties),
                              del_properties=(), system=dict(system or {}), clear=clear,
                              opts=opts)

    @_operation(Capability.CONTAINER_PROPERTIES)
    def container_del_properties(self, account: Optional[str], container: str,
                                 properties: Iterable[str], **kwargs: Unpack[CallKeywords]) -> None:
        """Delete container properties by key."""
        opts = self._call_options(kwargs)
        acct, cont = self._names(account, container)
        self.container.update(acct, cont, set_properties={},
                              del_properties=self.names.check_property_keys(properties),
                              system={}, clear=False, opts=opts)

    def container_update(self, account: Optional[str], container: str,
                         metadata: Optional[Mapping[str, str]], clear: bool = False,
                         **kwargs: Unpack[CallKeywords]) -> None:
        """Deprecated (as in OpenIO): use :meth:`container_set_properties`."""
        warnings.warn("You'd better use container_set_properties()", DeprecationWarning,
                      stacklevel=2)
        if not metadata:
            self.container_del_properties(account, container, [], **kwargs)
        else:
            self.container_set_properties(account, container, metadata, clear, **kwargs)

    @_operation()
    def container_flush(self, account: Optional[str], container: str, fast: bool = False,
                        all_versions: bool = False, **kwargs: Unpack[CallKeywords]) -> None:
        """Delete every object of a container (the container stays).

        :param fast: use the backend's own flush where it has one (OpenIO).
        """
        opts = self._call_options(kwargs)
        acct, cont = self._names(account, container)
        server_flush = getattr(self.container, "flush", None)
        if fast and callable(server_flush):
            server_flush(acct, cont, opts)
            return
        while True:
            page = self.container.content_list(
                acct, cont, prefix=None, delimiter=None, marker=None, end_marker=None,
                limit=_LIST_LIMIT, versions=False, deleted=False, properties=False, opts=opts)
            if not page.objects:
                return
            self.container.content_delete_many(acct, cont, [o.name for o in page.objects], opts)

    @_operation(Capability.VERSIONING)
    def container_purge(self, account: Optional[str], container: str,
                        maxvers: Optional[int] = None, **kwargs: Unpack[CallKeywords]) -> None:
        """Drop old object versions beyond ``maxvers``."""
        opts = self._call_options(kwargs)
        self.container.purge(*self._names(account, container), maxvers, opts)

    @_operation()
    def container_touch(self, account: Optional[str], container: str,
                        recompute: bool = False, **kwargs: Unpack[CallKeywords]) -> None:
        """Make the container's counters current."""
        opts = self._call_options(kwargs)
        self.container.touch(*self._names(account, container), opts)

    @_operation()
    def container_refresh(self, account: Optional[str], container: str, attempts: int = 3,
                          **kwargs: Unpack[CallKeywords]) -> None:
        """Recompute the container's counters and its account's.

        :param attempts: OpenIO's tries of the account's counter reset; the
            backends here recompute in one request, retried by the HTTP layer.
        """
        opts = self._call_options(kwargs)
        acct, cont = self._names(account, container)
        self.container.touch(acct, cont, opts)
        self.account.refresh(acct, opts)

    @_operation(Capability.SNAPSHOT)
    def container_snapshot(self, account: Optional[str], container: str,
                           dst_account: Optional[str], dst_container: str,
                           batch_size: int = 100, **kwargs: Unpack[CallKeywords]) -> None:
        """Copy a container's current objects into a new container (links
        where the backend has them)."""
        opts = self._call_options(kwargs)
        acct, cont = self._names(account, container)
        dacct, dcont = self._names(dst_account, dst_container)
        self.container.create(dacct, dcont, properties={}, system={}, opts=opts)
        marker = None
        while True:
            page = self.container.content_list(
                acct, cont, prefix=None, delimiter=None, marker=marker, end_marker=None,
                limit=batch_size, versions=False, deleted=False, properties=False, opts=opts)
            for obj in page.objects:
                self.container.content_link(acct, cont, obj.name, dacct, dcont, obj.name,
                                            target_version=None, properties_directive="COPY",
                                            properties=None, opts=opts)
            if not page.truncated:
                return
            marker = page.next_marker

    # -- objects ------------------------------------------------------------------------
    @_operation(operation="object_create_ext")
    def object_create(self, account: Optional[str], container: str,
                      file_or_path: Any = None, data: Any = None,
                      etag: Optional[str] = None, obj_name: Optional[str] = None,
                      mime_type: Optional[str] = None,
                      metadata: Optional[Mapping[str, str]] = None,
                      policy: Optional[str] = None, key_file: Any = None,
                      append: bool = False, properties: Optional[Mapping[str, str]] = None,
                      autocreate: Optional[bool] = None,
                      container_properties: Optional[Mapping[str, Any]] = None,
                      progress: Optional[Callable[[int, Optional[int]], None]] = None,
                      resume: bool = False, **kwargs: Unpack[CallKeywords]
                      ) -> Tuple[List[ResultDict], int, Optional[str]]:
        """Store an object. Same arguments as :meth:`object_create_ext`.

        :returns: ``(chunks, size, hash)``: chunks is a list of dicts.
        """
        chunks, meta = self._create(
            account, container, file_or_path, data, etag, obj_name, mime_type, metadata,
            policy, append, properties, autocreate, container_properties, progress,
            resume, kwargs)
        return as_result(chunks), meta.size, meta.hash

    @_operation()
    def object_create_ext(self, account: Optional[str], container: str,
                          file_or_path: Any = None, data: Any = None,
                          etag: Optional[str] = None, obj_name: Optional[str] = None,
                          mime_type: Optional[str] = None,
                          metadata: Optional[Mapping[str, str]] = None,
                          policy: Optional[str] = None,
                          key_file: Any = None, append: bool = False,
                          properties: Optional[Mapping[str, str]] = None,
                          autocreate: Optional[bool] = None,
                          container_properties: Optional[Mapping[str, Any]] = None,
                          progress: Optional[Callable[[int, Optional[int]], None]] = None,
                          resume: bool = False,
                          **kwargs: Unpack[CallKeywords]
                          ) -> Tuple[List[ResultDict], int, Optional[str],
                                                   ResultDict]:
        """Store an object from bytes, str, an iterable of bytes, a file
        object or a path.  Nothing is visible until the whole object is
        stored and checked.

        :param file_or_path: a path or a binary file object.
        :param data: bytes, str (UTF-8), an iterable of bytes or a file object.
        :param etag: expected hex MD5; a mismatch raises ChecksumMismatch and
            leaves nothing stored.
        :param obj_name: the object name (default: the file's base name).
        :param metadata: deprecated (as in OpenIO): user properties, merged
            into ``properties``.
        :param policy: the storage policy (OpenIO; other backends ignore it).
        :param key_file: OpenIO's, ignored.
        :param append: add to the end of an existing object.
        :param autocreate: create the container if it does not exist
            (default: the constructor's ``autocreate``, True).
        :param container_properties: properties of a container made on the
            fly: user properties, or OpenIO's ``{"properties": {...},
            "system": {...}}``.
        :param progress: ``progress(bytes_sent, bytes_total)`` as data is read;
            the count goes back when a retry sends data again.
        :param resume: reuse what an interrupted upload of this object left
            stored (S3 multipart parts, Swift segments, the local backend's
            temporary file), each part checked against the data first, and
            send only the rest; with it, a failed upload keeps what it stored
            for the next try.  Needs :attr:`Capability.RESUME`.
        :returns: ``(chunks, size, hash, meta)``: chunks a list of dicts,
            meta a dict.
        """
        chunks, meta = self._create(
            account, container, file_or_path, data, etag, obj_name, mime_type, metadata,
            policy, append, properties, autocreate, container_properties, progress,
            resume, kwargs)
        return as_result(chunks), meta.size, meta.hash, as_result(meta)

    def _create(self, account: Optional[str], container: str, file_or_path: Any, data: Any,
                etag: Optional[str], obj_name: Optional[str], mime_type: Optional[str],
                metadata: Optional[Mapping[str, str]], policy: Optional[str], append: bool,
                properties: Optional[Mapping[str, str]], autocreate: Optional[bool],
                container_properties: Optional[Mapping[str, Any]],
                progress: Optional[Callable[[int, Optional[int]], None]], resume: bool,
                kwargs: "CallKeywords") -> Tuple[List[ChunkInfo], ObjectInfo]:
        """What :meth:`object_create` and :meth:`object_create_ext` do, before
        their results are shaped (``object_create`` needs no metadata dict)."""
        opts = self._call_options(kwargs)
        if metadata:
            warnings.warn("You'd better use 'properties' instead of 'metadata'",
                          DeprecationWarning, stacklevel=4)
            properties = {**(properties or {}), **metadata}
        if autocreate is None:
            autocreate = self._autocreate
        if obj_name is None:
            obj_name = _default_name(file_or_path)
        acct, cont, name = self._names(account, container, obj_name)
        props = self.names.check_properties(properties)
        cprops = self._container_properties(container_properties)
        if append:
            self._need(Capability.APPEND)
        extra: Dict[str, Any] = {}
        if resume:
            self._need(Capability.RESUME)
            if append:
                raise InvalidArgument("an append cannot be resumed")
            extra["resume"] = True
        if etag is not None and not isinstance(etag, str):
            raise InvalidArgument("etag must be a hex MD5 string")
        if mime_type is not None and any(c in mime_type for c in "\r\n\0"):
            raise InvalidArgument("mime_type has a CR, LF or NUL character")
        start = time.monotonic()
        with _open_source(data=data, file_or_path=file_or_path) as source:
            source.progress = progress
            meta, chunks = self.blob_client.upload(
                acct, cont, name, source, mime_type=mime_type, properties=props,
                etag=etag.lower() if etag else None, append=append, policy=policy,
                autocreate=autocreate, container_properties=cprops, opts=opts, **extra)
        if opts.perfdata is not None:
            _data_perfdata(opts.perfdata, time.monotonic() - start, meta.size)
        return chunks, meta

    def _container_properties(self, given: Optional[Mapping[str, Any]]
                              ) -> Optional[ContainerProperties]:
        """Checked properties for a container made on the fly: OpenIO's
        nested form (``properties`` and ``system`` mappings) or flat user
        properties."""
        if not given:
            return None
        nested = set(given) <= {"properties", "system"} and all(
            v is None or isinstance(v, Mapping) for v in given.values())
        if not nested:
            return ContainerProperties(self.names.check_properties(given))
        return ContainerProperties(self.names.check_properties(given.get("properties")),
                                   self.names.check_properties(given.get("system")))

    @_operation()
    def object_fetch(self, account: Optional[str], container: str, obj: str,
                     version: Optional[Any] = None, ranges: Optional[Sequence[Range]] = None,
                     key_file: Any = None, properties: bool = True,
                     **kwargs: Unpack[CallKeywords]) -> Tuple[ResultDict, Iterator[bytes]]:
        """Read an object.

        :param ranges: ``[(start, end), ...]`` inclusive byte ranges; ``end``
            None reads to the end; ``(None, n)`` the last n bytes.  Several
            ranges come back one after the other in one stream.
        :param key_file: OpenIO's, ignored.
        :param properties: False leaves the object's user properties out of
            the metadata (``properties`` is then empty).
        :returns: ``(meta, stream)``: meta a dict; the stream yields bytes,
            has ``read()`` and must be closed (or read to the end).  With
            ``perfdata``, reading the stream fills OpenIO's ``ttfb``,
            ``ttlb``, ``rawx.overall`` and ``data_size``.
        """
        opts = self._call_options(kwargs)
        start = time.monotonic()
        meta, stream = self._fetch(account, container, obj, version, ranges, opts)
        result = as_result(meta)
        if not properties:
            result["properties"] = {}
        if opts.perfdata is not None:
            stream = _TimedStream(stream, opts.perfdata, start, time.monotonic())
        return result, stream

    def _fetch(self, account: Optional[str], container: str, obj: str,
               version: Optional[Any], ranges: Optional[Sequence[Range]],
               opts: CallOptions) -> Tuple[ObjectInfo, Iterator[bytes]]:
        """The checked download: metadata (a model) and stream."""
        acct, cont, name = self._names(account, container, obj)
        if ranges:
            self._need(Capability.RANGES)
            ranges = [_check_range(r) for r in ranges]
            if len(ranges) > 1:
                self._need(Capability.MULTI_RANGES)
        return self.blob_client.download(acct, cont, name, version=version,
                                         ranges=ranges or None, opts=opts)

    def object_download(self, account: Optional[str], container: str, obj: str,
                        file_or_path: Any, *, verify: bool = True, workers: int = 1,
                        part_size: Optional[int] = None,
                        progress: Optional[Callable[[int, Optional[int]], None]] = None,
                        parallel_threshold: Optional[int] = None,
                        **kwargs: Unpack[CallKeywords]) -> ObjectInfo:
        """Save an object to a path (through a temporary name, renamed on
        success) or a binary file object, in constant memory.

        :param verify: check what was received against the object's hash (its
            MD5, or for a multipart upload or a Swift large object its parts,
            asked with a request or two when the download is made of ranges);
            a mismatch raises ChecksumMismatch and leaves no partial file at
            the path.
        :param workers: parallel ranged requests (of ``part_size`` bytes, 8 MiB
            by default) for objects of at least ``parallel_threshold`` bytes
            (64 MiB by default); into a path each range is written in place,
            so memory does not grow with ``part_size``.
        :param progress: ``progress(bytes_done, bytes_total)``.
        :returns: the object's metadata.
        """
        from .transfer import DEFAULT_PART_SIZE, PARALLEL_THRESHOLD, download
        acct, cont, name = self._names(account, container, obj)
        threshold = PARALLEL_THRESHOLD if parallel_threshold is None else parallel_threshold
        try:
            return download(self, acct, cont, name, file_or_path, verify=verify,
                            workers=workers, part_size=part_size or DEFAULT_PART_SIZE,
                            progress=progress, parallel_threshold=threshold, **kwargs)
        except ClientError as err:
            err.with_context(self.backend, "object_download")
            raise

    @_operation()
    def object_head(self, account: Optional[str], container: str, obj: str,
                    trust_level: int = 0, **kwargs: Unpack[CallKeywords]) -> bool:
        """Whether the object exists.

        :param trust_level: 0: its metadata exists; 1: and enough of its
            data to read it (the object is read to its end, in constant
            memory); 2: and all of it: on OpenIO every copy of every chunk
            answers a ``HEAD`` on its rawx, as OpenIO's does; the other
            backends keep no copies apart, so the object is read to its end.
        """
        opts = self._call_options(kwargs)
        if trust_level not in (0, 1, 2):
            raise InvalidArgument("trust_level must be between 0 and 2")
        acct, cont, name = self._names(account, container, obj)
        check_chunks = getattr(self.blob_client, "check_chunks", None)
        try:
            if not trust_level:
                self.container.content_show(acct, cont, name, None, opts)
                return True
            if trust_level == 2 and check_chunks is not None:
                check_chunks(acct, cont, name, None, opts)
                return True
            _meta, stream = self.blob_client.download(acct, cont, name, version=None,
                                                      ranges=None, opts=opts)
            try:
                for _block in stream:
                    pass
            finally:
                stream.close()  # type: ignore[attr-defined]
        except NotFound:
            return False
        return True

    def object_get_properties(self, account: Optional[str], container: str, obj: str,
                              version: Optional[Any] = None,
                              **kwargs: Unpack[CallKeywords]) -> ResultDict:
        """An object's metadata as OpenIO's proxy reports it: a dict of
        strings (``name``, ``length`` and ``size`` in bytes, ``hash``,
        ``hash_method``, ``mime_type``, ``ctime`` and ``mtime`` in integer
        seconds, ``version``, ``deleted`` ``'True'``/``'False'``, ``policy``,
        ``chunk_method``, ``id``), with the user properties in
        ``properties`` (see :func:`openio_sysmeta`).  ``int(meta["size"])``
        reads a number back.
        """
        return openio_sysmeta(self._object_info(account, container, obj, version, **kwargs))

    @_operation(operation="object_get_properties")
    def _object_info(self, account: Optional[str], container: str, obj: str,
                     version: Optional[Any] = None,
                     **kwargs: Unpack[CallKeywords]) -> ResultDict:
        """object_get_properties with typed values (``size`` an int, times
        floats, ``deleted`` a bool): what objclient's own code reads."""
        opts = self._call_options(kwargs)
        acct, cont, name = self._names(account, container, obj)
        return as_result(  # type: ignore[no-any-return]
            self.container.content_show(acct, cont, name, version, opts))

    def _ranged_check(self, account: Optional[str], container: str, obj: str, info: Any,
                      **kwargs: Unpack[CallKeywords]) -> Any:
        """The backend's check of a body assembled from ranges
        (:meth:`objclient.contract.BlobClient.ranged_check`; ``info``: what
        :meth:`_object_info` gave), or None."""
        opts = self._call_options(kwargs)
        acct, cont, name = self._names(account, container, obj)
        return self.blob_client.ranged_check(acct, cont, name, info, opts)

    def object_show(self, account: Optional[str], container: str, obj: str,
                    version: Optional[Any] = None,
                    **kwargs: Unpack[CallKeywords]) -> ResultDict:
        """Deprecated (as in OpenIO): same as :meth:`object_get_properties`."""
        warnings.warn("You'd better use object_get_properties()", DeprecationWarning,
                      stacklevel=2)
        return openio_sysmeta(self._object_show(account, container, obj, version, **kwargs))

    @_operation(operation="object_show")
    def _object_show(self, account: Optional[str], container: str, obj: str,
                     version: Optional[Any] = None,
                     **kwargs: Unpack[CallKeywords]) -> ResultDict:
        """object_show's work, under its own name in errors."""
        opts = self._call_options(kwargs)
        acct, cont, name = self._names(account, container, obj)
        return as_result(  # type: ignore[no-any-return]
            self.container.content_show(acct, cont, name, version, opts))

    def object_update(self, account: Optional[str], container: str, obj: str,
                      metadata: Optional[Mapping[str, str]], version: Optional[Any] = None,
                      clear: bool = False, **kwargs: Unpack[CallKeywords]) -> None:
        """Deprecated (as in OpenIO): use :meth:`object_set_properties`."""
        warnings.warn("You'd better use object_set_properties()", DeprecationWarning,
                      stacklevel=2)
        if clear and not metadata:
            self.object_del_properties(account, container, obj, [], version=version, **kwargs)
            return
        self.object_set_properties(account, container, obj, metadata or {}, version=version,
                                   clear=clear, **kwargs)

    @_operation(Capability.OBJECT_PROPERTIES)
    def object_set_properties(self, account: Optional[str], container: str, obj: str,
                              properties: Mapping[str, str], version: Optional[Any] = None,
                              clear: bool = False, **kwargs: Unpack[CallKeywords]) -> None:
        """Set object properties; ``clear=True`` drops all others first."""
        opts = self._call_options(kwargs)
        acct, cont, name = self._names(account, container, obj)
        self.container.content_update(acct, cont, name, version=version,
                                      set_properties=self.names.check_properties(properties),
                                      del_properties=(), clear=clear, opts=opts)

    @_operation(Capability.OBJECT_PROPERTIES)
    def object_del_properties(self, account: Optional[str], container: str, obj: str,
                              properties: Iterable[str], version: Optional[Any] = None,
                              **kwargs: Unpack[CallKeywords]) -> bool:
        """Delete object properties by key.

        :returns: True (the keys are gone, or were never there), as OpenIO.
        """
        opts = self._call_options(kwargs)
        acct, cont, name = self._names(account, container, obj)
        self.container.content_update(acct, cont, name, version=version, set_properties={},
                                      del_properties=self.names.check_property_keys(properties),
                                      clear=False, opts=opts)
        return True

    @_operation()
    def object_delete(self, account: Optional[str], container: str, obj: str,
                      version: Optional[Any] = None, **kwargs: Unpack[CallKeywords]) -> bool:
        """Delete an object (or one version of it; without a version, a
        versioned container keeps it behind a delete marker).

        :returns: True, as OpenIO documents.
        """
        opts = self._call_options(kwargs)
        acct, cont, name = self._names(account, container, obj)
        try:
            self.container.content_delete(acct, cont, name, version, opts)
        except NotFound as err:
            if err.method != "DELETE" or (err.attempts or 1) < 2:
                raise
            # A DELETE sent again after its answer was lost: the first one
            # may be what removed the object, so its absence is no error.
            self.logger.info("object %r: a resent DELETE found it gone, taken as deleted",
                             name)
        return True

    @_operation()
    def object_delete_many(self, account: Optional[str], container: str,
                           objs: Sequence[str], **kwargs: Unpack[CallKeywords]
                           ) -> List[Tuple[str, bool]]:
        """Delete many objects. :returns: ``[(name, deleted)]``."""
        opts = self._call_options(kwargs)
        acct, cont = self._names(account, container)
        names = [self.names.check_object(o) for o in objs]
        return self.container.content_delete_many(acct, cont, names, opts)

    @_operation()
    def object_list(self, account: Optional[str], container: str,
                    limit: Optional[int] = None, marker: Optional[str] = None,
                    delimiter: Optional[str] = None, prefix: Optional[str] = None,
                    end_marker: Optional[str] = None, properties: bool = False,
                    versions: bool = False, deleted: bool = False,
                    **kwargs: Unpack[CallKeywords]) -> ResultDict:
        """One page of a container's objects (arguments in OpenIO's order).

        :returns: a dict with ``objects`` (a list of dicts), ``prefixes``,
            ``properties`` (the container's), ``system`` (its system
            properties where the backend has them), ``truncated`` and
            ``next_marker`` (pass it as ``marker`` for the next page).
        """
        opts = self._call_options(kwargs)
        if limit is not None and limit < 0:
            raise InvalidArgument("limit must be >= 0")
        return as_result(self.container.content_list(  # type: ignore[no-any-return]
            *self._names(account, container),
            **self._listing_args(prefix, delimiter, marker, end_marker, versions, deleted),
            limit=_LIST_LIMIT if limit is None else limit, properties=properties, opts=opts))

    def _listing_args(self, prefix: Optional[str], delimiter: Optional[str],
                      marker: Optional[str], end_marker: Optional[str], versions: bool,
                      deleted: bool) -> Dict[str, Any]:
        """The checked arguments a listing shares with its iterator."""
        if versions or deleted:
            self._need(Capability.VERSIONING)
        if delimiter is not None and (not delimiter or len(delimiter) != 1):
            raise InvalidArgument("delimiter must be one character")
        return {"prefix": prefix or None, "delimiter": delimiter, "marker": marker or None,
                "end_marker": end_marker or None, "versions": versions, "deleted": deleted}

    def object_list_iter(self, account: Optional[str], container: str,
                         prefix: Optional[str] = None, delimiter: Optional[str] = None,
                         page_size: int = _LIST_LIMIT, marker: Optional[str] = None,
                         end_marker: Optional[str] = None, properties: bool = False,
                         versions: bool = False, deleted: bool = False,
                         **kwargs: Unpack[CallKeywords]) -> Iterator[Any]:
        """Every object (and common prefix, as a str) of a container in name
        order, fetched ``page_size`` at a time: constant memory on any
        container size.  Where the backend can, each entry is made only as
        the loop reaches it."""
        opts = self._call_options(kwargs)
        try:
            args = self._listing_args(prefix, delimiter, marker, end_marker, versions,
                                      deleted)
            yield from self.container.content_iter(
                *self._names(account, container), **args, page_size=page_size,
                properties=properties, opts=opts)
        except ClientError as err:
            err.with_context(self.backend, "object_list")
            raise

    @_operation()
    def object_locate(self, account: Optional[str], container: str, obj: str,
                      version: Optional[Any] = None, chunk_info: bool = False,
                      properties: bool = True, **kwargs: Unpack[CallKeywords]
                      ) -> Tuple[ResultDict, Any]:
        """An object's metadata and where its data lives.

        :param chunk_info: on OpenIO, ask each chunk's rawx (a ``HEAD``) for
            its ``chunk_size``, ``chunk_hash`` and ``full_path``, added to
            each chunk dict (or ``error`` when the rawx fails); the chunks
            then come as a generator, in position order, as OpenIO's.  Other
            backends have no chunk servers: NotSupported.
        :param properties: False leaves the user properties out.
        :returns: ``(meta, chunks)``: a dict and a list of dicts.
        """
        opts = self._call_options(kwargs)
        head = self.blob_client.chunk_head
        if chunk_info and not self.blob_client.chunk_servers:
            raise NotSupported(f"the {self.backend} backend has no chunk servers to ask "
                               "about each chunk", capability="chunk_info",
                               backend=self.backend)
        acct, cont, name = self._names(account, container, obj)
        meta, chunks = self.directory.locate(acct, cont, name, version, opts)
        result = as_result(meta)
        if not properties:
            result["properties"] = {}
        if chunk_info and head is not None:
            return result, _with_chunk_info(as_result(chunks), head, opts)
        return result, as_result(chunks)

    def object_analyze(self, *args: Any, **kwargs: Any) -> Tuple[ResultDict, Any]:
        """Deprecated (as in OpenIO): use :meth:`object_locate`."""
        warnings.warn("You'd better use object_locate()", DeprecationWarning, stacklevel=2)
        return self.object_locate(*args, **kwargs)  # type: ignore[no-any-return]

    def object_fastcopy(self, *args: Any, **kwargs: Any) -> ResultDict:
        """Deprecated (as in OpenIO): use :meth:`object_link`."""
        warnings.warn("You'd better use object_link()", DeprecationWarning, stacklevel=2)
        return self.object_link(*args, **kwargs)  # type: ignore[no-any-return]

    @_operation(Capability.LINK)
    def object_link(self, target_account: Optional[str], target_container: str,
                    target_obj: str, link_account: Optional[str], link_container: str,
                    link_obj: str, target_version: Optional[Any] = None,
                    target_content_id: Optional[str] = None,
                    link_content_id: Optional[str] = None,
                    properties_directive: str = "COPY",
                    properties: Optional[Mapping[str, str]] = None,
                    target_size: Optional[int] = None,
                    **kwargs: Unpack[CallKeywords]) -> ResultDict:
        """Give the content of one object a second name (server-side; a hard
        link or a copy depending on the backend).

        :param target_content_id: OpenIO's content id of the target, sent
            with its ``content/locate`` as OpenIO does (the name wins there).
        :param link_content_id: OpenIO's content id for the link.
        :raises NotSupported: a content id on a backend without them.
        :param properties_directive: ``COPY`` keeps the target's properties,
            ``REPLACE`` uses ``properties``.
        :param target_size: the target's size, when known (from a listing):
            S3 then chooses CopyObject or a copy in parts (from
            ``copy_part_threshold`` bytes) without a request to find it.
        :returns: the link's metadata, a dict.
        """
        opts = self._call_options(kwargs)
        tacct, tcont, tname = self._names(target_account, target_container, target_obj)
        lacct, lcont, lname = self._names(link_account, link_container, link_obj)
        directive = properties_directive.upper()
        if directive not in ("COPY", "REPLACE"):
            raise InvalidArgument("properties_directive is COPY or REPLACE")
        props = self.names.check_properties(properties) if directive == "REPLACE" else None
        ids = {key: value for key, value in (("target_content_id", target_content_id),
                                             ("link_content_id", link_content_id))
               if value is not None}
        if ids and not getattr(self.container, "content_ids", False):
            raise NotSupported(f"the {self.backend} backend names objects by name and "
                               "version, not by content id", capability="content_id",
                               backend=self.backend)
        return as_result(self.container.content_link(  # type: ignore[no-any-return]
            tacct, tcont, tname, lacct, lcont, lname, target_version=target_version,
            properties_directive=directive, properties=props, target_size=target_size,
            opts=opts, **ids))

    @_operation(Capability.TRUNCATE)
    def object_truncate(self, account: Optional[str], container: str, obj: str,
                        version: Optional[Any] = None, size: Optional[int] = None,
                        **kwargs: Unpack[CallKeywords]) -> None:
        """Cut an object to ``size`` bytes."""
        opts = self._call_options(kwargs)
        if size is None or size < 0:
            raise InvalidArgument("object_truncate needs a size >= 0")
        acct, cont, name = self._names(account, container, obj)
        self.container.content_truncate(acct, cont, name, size, version, opts)

    @_operation(Capability.TEMP_URL)
    def object_temp_url(self, account: Optional[str], container: str, obj: str,
                        method: str = "GET", expires: int = 3600,
                        **kwargs: Unpack[CallKeywords]) -> str:
        """A URL that lets anyone holding it ``method`` the object for
        ``expires`` seconds, with no other credentials."""
        self._call_options(kwargs)  # checks the keywords; signing sends no request
        acct, cont, name = self._names(account, container, obj)
        method = method.upper()
        if method not in ("GET", "HEAD", "PUT", "POST", "DELETE"):
            raise InvalidArgument(f"no temporary URL for method {method}")
        if not isinstance(expires, int) or expires <= 0:
            raise InvalidArgument("expires is a positive number of seconds")
        return self.blob_client.temp_url(acct, cont, name, method=method, expires=expires)

    @_operation()
    def object_touch(self, account: Optional[str], container: str, obj: str,
                     version: Optional[Any] = None, **kwargs: Unpack[CallKeywords]) -> None:
        """Refresh an object's record (checks it exists)."""
        opts = self._call_options(kwargs)
        acct, cont, name = self._names(account, container, obj)
        self.container.content_touch(acct, cont, name, version, opts)

    @_operation()
    def object_drain(self, account: Optional[str], container: str, obj: str,
                     version: Optional[Any] = None, **kwargs: Unpack[CallKeywords]) -> None:
        """Remove an object's data but keep its metadata (OpenIO: reads then
        fail with 410).  Backends that store data and metadata as one raise
        NotSupported."""
        opts = self._call_options(kwargs)
        drain = getattr(self.container, "content_drain", None)
        if drain is None:
            raise NotSupported(f"the {self.backend} backend keeps an object's data with its "
                               "metadata: it cannot drain", capability="drain",
                               backend=self.backend)
        acct, cont, name = self._names(account, container, obj)
        drain(acct, cont, name, version, opts)

    def object_change_policy(self, account: Optional[str], container: str, obj: str,
                             policy: str, **kwargs: Any
                             ) -> Tuple[List[ResultDict], int, Optional[str], ResultDict]:
        """Store an object again under another storage policy (OpenIO
        ``object_change_policy``: read it and write it back).

        :raises Conflict: the object already uses ``policy``.
        :raises NotSupported: the backend has no storage policies.
        :returns: ``(chunks, size, hash, meta)`` of the object rewritten.
        """
        self._need(Capability.STORAGE_POLICIES)
        meta, stream = self.object_fetch(account, container, obj, **kwargs)
        try:
            if meta.get("policy") == policy:
                raise Conflict(f"the object already uses the {policy} storage policy")
            kwargs.pop("version", None)
            return self.object_create_ext(  # type: ignore[no-any-return]
                account, container, data=stream, obj_name=meta["name"], policy=policy,
                mime_type=meta.get("mime_type"), properties=meta.get("properties"),
                **kwargs)
        finally:
            stream.close()  # type: ignore[attr-defined]

    @property
    def proxy_client(self) -> Any:
        """OpenIO's client to the oio-proxy, with oio's ``ProxyClient`` call
        forms: ``_request(method, url, ...)`` (``url`` relative to
        ``/v3.0/<NS>``) and ``_direct_request(method, full_url, ...)``, each
        returning ``(resp, body)`` with the body decoded from JSON.

        :raises NotSupported: the backend has no proxy (all but OpenIO).
        """
        client = getattr(self._backend, "proxy_client", None)
        if client is None:
            raise NotSupported(f"the {self.backend} backend has no oio-proxy",
                               capability="proxy_client", backend=self.backend)
        return client


def _with_chunk_info(chunks: List[Dict[str, Any]], head: Callable[..., Dict[str, str]],
                     opts: CallOptions) -> Iterator[Dict[str, Any]]:
    """OpenIO's ``object_locate(chunk_info=True)`` chunks: each one, in
    position order, with ``chunk_size``, ``chunk_hash`` and ``full_path``
    from its rawx, or ``error`` (the message) when the rawx fails."""
    for chunk in sorted(chunks, key=lambda c: tuple(int(p) for p in
                                                    str(c["pos"]).split("."))):
        try:
            info = head(chunk["url"], opts=opts)
            for key in ("chunk_size", "chunk_hash", "full_path"):
                chunk[key] = info.get(key)
        except ClientError as err:
            chunk["error"] = str(err)
        yield chunk


def _data_perfdata(perfdata: Dict[str, Any], elapsed: float, size: int) -> None:
    """OpenIO's keys for moving data: ``rawx.overall`` (seconds spent moving
    the bytes, whatever the backend's data service) and ``data_size``."""
    rawx = perfdata.setdefault("rawx", {})
    rawx["overall"] = rawx.get("overall", 0.0) + elapsed
    perfdata["data_size"] = size


class _TimedStream:
    """An object's data stream that fills OpenIO's download keys of
    ``perfdata``: ``ttfb``, ``ttlb`` (from the request's start), ``rawx.overall``
    and ``data_size``; everything else goes to the wrapped stream."""

    def __init__(self, stream: Any, perfdata: Dict[str, Any], start: float,
                 download_start: float) -> None:
        self._stream = stream
        self._perfdata = perfdata
        self._start = start
        self._download_start = download_start
        self._size = 0
        self._done = False
        self._iter: Optional[Iterator[bytes]] = None

    def _seen(self, block: bytes) -> bytes:
        if "ttfb" not in self._perfdata and block:
            self._perfdata["ttfb"] = time.monotonic() - self._start
        self._size += len(block)
        return block

    def _end(self) -> None:
        if not self._done:
            self._done = True
            now = time.monotonic()
            self._perfdata["ttlb"] = now - self._start
            _data_perfdata(self._perfdata, now - self._download_start, self._size)

    def __iter__(self) -> "_TimedStream":
        return self

    def __next__(self) -> bytes:
        try:
            if self._iter is None:
                self._iter = iter(self._stream)
            return self._seen(next(self._iter))
        except StopIteration:
            self._end()
            raise

    def read(self, size: int = -1) -> bytes:
        """Like the wrapped stream's ``read``."""
        block = self._seen(self._stream.read(size))
        if not block:
            self._end()
        return block

    def close(self) -> None:
        """Close the wrapped stream."""
        self._stream.close()

    def __enter__(self) -> "_TimedStream":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _open_source(data: Any, file_or_path: Any) -> Any:
    """:func:`objclient.source.open_source`, imported on first use (not with
    objclient: it brings threads and queues), then called directly."""
    global _open_source
    from .source import open_source
    _open_source = open_source  # the next call skips the import statement
    return open_source(data=data, file_or_path=file_or_path)


def _default_name(file_or_path: Any) -> str:
    if isinstance(file_or_path, (str, os.PathLike)):
        return os.path.basename(os.fspath(file_or_path))
    name = getattr(file_or_path, "name", None)
    if isinstance(name, str) and name:
        return os.path.basename(name)
    raise InvalidArgument("obj_name is needed when the data has no file name")


def _check_range(rng: Any) -> Range:
    try:
        start, end = rng
    except (TypeError, ValueError):
        raise InvalidArgument(f"a range is a (start, end) pair, not {rng!r}") from None
    if start is None and end is None:
        raise InvalidArgument("a range needs a start or an end")
    for value in (start, end):
        if value is not None and (not isinstance(value, int) or value < 0):
            raise InvalidArgument(f"range bounds are non-negative integers, not {rng!r}")
    if start is not None and end is not None and end < start:
        raise InvalidArgument(f"range end is before its start: {rng!r}")
    return (start, end)


#: the system keys OpenIO's proxy sends as ``x-oio-content-meta-*`` headers
#: that hold numbers (m2_actions.c:_populate_headers_with_header and
#: _with_alias print each with ``%" G_GINT64_FORMAT``)
_SYSMETA_INTEGERS = ("size", "length", "ctime", "mtime")


def openio_sysmeta(meta: Mapping[str, Any]) -> ResultDict:
    """An object's metadata typed as OpenIO's ``object_get_properties``
    returns it: oio's ``extract_content_headers_meta`` keeps each
    ``x-oio-content-meta-*`` header as the proxy's string.

    ``size``, ``length``, ``ctime``, ``mtime`` (integer seconds) and a
    numeric ``version`` (OpenIO's: microseconds) become decimal strings,
    ``deleted`` ``'True'``/``'False'``, an MD5 ``hash`` upper-case hex (the
    proxy's ``metautils_gba_to_hexgstr``).  A value the backend does not
    know stays None, under its key.  ``properties`` stays a dict,
    ``chunk_size`` an int (oio ``int()``s it); keys OpenIO has no header for
    (``container``, ``account``, ``is_latest``, a backend's extras) keep
    their type.
    """
    out = ResultDict(meta)
    for key in _SYSMETA_INTEGERS:
        value = out.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out[key] = str(int(value))
    if out.get("version") is not None:
        out["version"] = str(out["version"])
    if "deleted" in out:
        out["deleted"] = "True" if out["deleted"] in (True, "True", "true") else "False"
    digest = out.get("hash")
    if isinstance(digest, str) and _MD5_HEX.fullmatch(digest):
        out["hash"] = digest.upper()
    return out


_MD5_HEX = re.compile("[0-9a-fA-F]{32}")

