"""ObjectStorageApi: one API, many object stores.

Method names, arguments and return shapes follow OpenIO's
``oio.api.object_storage.ObjectStorageApi``, so a script written for it moves
over by changing the constructor.  The facade validates names and
properties, checks capabilities (raising
:class:`~objclient.exceptions.NotSupported` before any request), builds one
:class:`~objclient.contract.CallOptions` from the common keywords and hands
the work to the backend's sub-clients.  It never parses HTTP.

Every method accepts the keywords ``headers``, ``connection_timeout``,
``read_timeout``, ``deadline`` (absolute ``time.monotonic()``), ``perfdata``
(a dict filled with timings) and ``reqid``.  OpenIO keywords that have no
meaning here (``force_master``, ``cid``, ``tls`` ...) are accepted and
ignored.
"""

from __future__ import annotations

import functools
import os
import time
from typing import (Any, Callable, Dict, FrozenSet, Iterable, Iterator, List, Mapping,
                    Optional, Sequence, Tuple, TypeVar)

from .contract import DEFAULT_OPTS, Backend, CallOptions, Capability, ContainerProperties, Range
from .exceptions import ClientError, InvalidArgument, NotFound, NotSupported
from .models import AccountInfo, ChunkInfo, ContainerEntry, ContainerInfo, ObjectInfo, ObjectListing
from .registry import backend_scheme, factory_for

__all__ = ["ObjectStorageApi"]

F = TypeVar("F", bound=Callable[..., Any])

_OPTION_KEYS = ("headers", "connection_timeout", "read_timeout", "deadline", "perfdata", "reqid")
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
    "version_marker", "properties_directive_hint", "target_content_id", "link_content_id",
})
_LIST_LIMIT = 1000


def _operation(capability: Optional[Capability] = None) -> Callable[[F], F]:
    """Wrap a facade method: capability check, call options, error context."""

    def decorate(func: F) -> F:
        name = func.__name__

        @functools.wraps(func)
        def wrapper(self: "ObjectStorageApi", *args: Any, **kwargs: Any) -> Any:
            if capability is not None and capability not in self.capabilities:
                raise NotSupported(
                    f"the {self.backend} backend lacks capability {capability.value}",
                    capability=capability.value, backend=self.backend, operation=name)
            opts = self._pop_options(kwargs)
            start = time.monotonic()
            try:
                return func(self, *args, opts=opts, **kwargs)
            except ClientError as err:
                err.with_context(self.backend, name)
                raise
            finally:
                if opts.perfdata is not None:
                    api = opts.perfdata.setdefault("api", {})
                    api[name] = api.get(name, 0.0) + (time.monotonic() - start)

        return wrapper  # type: ignore[return-value]

    return decorate


class ObjectStorageApi:
    """One client for many object stores, chosen by URL.

    :param url: ``file:///path``, ``swift+https://host/auth/v1.0``,
        ``s3+https://host``, ``seaweedfs+http://master:9333``,
        ``reduct+http://host:8383``, ``oio+http://proxy:6006?namespace=NS``,
        ``mictlanx+http://r1:60666,r2:60666``.  When None: ``$OBJCLIENT_URL``,
        then the profile (``profile=`` or ``$OBJCLIENT_PROFILE``), then the
        embedded local store.
    :param auth: an auth plugin, instead of credentials in keywords.
    :param profile: a profile name from ``~/.config/objclient/config.ini``.
    :param kwargs: backend options (credentials ...) and HTTP options:
        ``timeout``, ``retries``, ``pool_maxsize``, ``verify``, ``cert``,
        ``user_agent``, ``extra_headers``, ``region_name``,
        ``endpoint_type``, ``original_ip``, ``timings``, ``debug``,
        ``session``.

    One instance is safe to share between threads and survives ``fork()``.
    """

    def __init__(self, url: Optional[str] = None, *, auth: Any = None,
                 profile: Optional[str] = None, **kwargs: Any) -> None:
        from .config import resolve  # configparser: only once an API is made
        url, profile_options = resolve(url, profile)
        options = dict(profile_options)
        options.update(kwargs)
        self._url = url
        self._backend: Backend = factory_for(url)(url, auth=auth, **options)

    # -- what this API is ----------------------------------------------------
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
    @staticmethod
    def _pop_options(kwargs: Dict[str, Any]) -> CallOptions:
        if not kwargs:
            return DEFAULT_OPTS  # the common case: nothing to sort out
        values = {k: kwargs.pop(k) for k in _OPTION_KEYS if k in kwargs}
        for key in list(kwargs):
            if key in _IGNORED_KEYS:
                kwargs.pop(key)
        if not values:
            return DEFAULT_OPTS  # only the method's own arguments were given
        headers = values.get("headers") or {}
        if not isinstance(headers, Mapping):
            raise InvalidArgument("headers must be a mapping")
        values["headers"] = dict(headers)
        return CallOptions(**values)

    def _account(self, account: Optional[str]) -> str:
        if account is None:
            account = self._backend.default_account
        return self.names.check_account(account)

    def _names(self, account: Optional[str], container: str,
               obj: Optional[str] = None) -> Tuple[str, ...]:
        acct = self._account(account)
        cont = self.names.check_container(container)
        if obj is None:
            return acct, cont
        return acct, cont, self.names.check_object(obj)

    def _need(self, capability: Capability) -> None:
        if capability not in self.capabilities:
            raise NotSupported(f"the {self.backend} backend lacks capability {capability.value}",
                               capability=capability.value, backend=self.backend)

    # -- accounts --------------------------------------------------------------------
    @_operation(Capability.ACCOUNT_CREATE)
    def account_create(self, account: str, *, opts: CallOptions) -> bool:
        """Create an account. :returns: True if created, False if it existed."""
        return self.account.create(self._account(account), opts)

    @_operation(Capability.ACCOUNT_DELETE)
    def account_delete(self, account: str, *, opts: CallOptions) -> None:
        """Delete an empty account."""
        self.account.delete(self._account(account), opts)

    @_operation()
    def account_show(self, account: Optional[str] = None, *, opts: CallOptions) -> AccountInfo:
        """An account's counters and properties (dict keys ``id``,
        ``containers``, ``objects``, ``bytes``, ``ctime``, ``mtime``, ``metadata``)."""
        return self.account.show(self._account(account), opts)

    @_operation(Capability.ACCOUNT_LIST)
    def account_list(self, limit: Optional[int] = None, marker: Optional[str] = None,
                     end_marker: Optional[str] = None, prefix: Optional[str] = None,
                     *, opts: CallOptions) -> List[Dict[str, str]]:
        """The accounts, as OpenIO lists them: ``[{"id": name}, ...]``."""
        names = self.account.list(prefix=prefix, marker=marker, end_marker=end_marker,
                                  limit=limit, opts=opts)
        return [{"id": name} for name in names]

    @_operation()
    def account_get_properties(self, account: Optional[str] = None, *,
                               opts: CallOptions) -> Dict[str, Any]:
        """What :meth:`account_show` gives (``id``, ``containers``,
        ``objects``, ``bytes``, ``ctime``, ``mtime`` ...) with the account's
        properties under ``properties``, as OpenIO returns it."""
        info = self.account.show(self._account(account), opts).to_dict()
        info["properties"] = info.pop("metadata")
        return info

    @_operation(Capability.ACCOUNT_PROPERTIES)
    def account_set_properties(self, account: Optional[str], properties: Mapping[str, str],
                               *, opts: CallOptions) -> None:
        """Set account properties (others are kept)."""
        self.account.update(self._account(account),
                            set_properties=self.names.check_properties(properties),
                            del_properties=(), opts=opts)

    @_operation(Capability.ACCOUNT_PROPERTIES)
    def account_del_properties(self, account: Optional[str], properties: Iterable[str],
                               *, opts: CallOptions) -> None:
        """Delete account properties by key."""
        self.account.update(self._account(account), set_properties={},
                            del_properties=self.names.check_property_keys(properties),
                            opts=opts)

    @_operation(Capability.ACCOUNT_FLUSH)
    def account_flush(self, account: str, *, opts: CallOptions) -> None:
        """Reset the account's container list (OpenIO semantics)."""
        self.account.flush(self._account(account), opts)

    @_operation()
    def account_refresh(self, account: Optional[str] = None, *, opts: CallOptions) -> None:
        """Recompute an account's counters."""
        self.account.refresh(self._account(account), opts)

    @_operation()
    def resolve_cid(self, cid: str, *, opts: CallOptions) -> Tuple[str, str]:
        """``(account, container)`` of an OpenIO container id."""
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
                         *, opts: CallOptions) -> bool:
        """Create a container. :returns: True if created, False if it existed."""
        acct, cont = self._names(account, container)
        props = self.names.check_properties(properties)
        return self.container.create(acct, cont, properties=props, system=dict(system or {}),
                                     opts=opts)

    @_operation()
    def container_create_many(self, account: Optional[str], containers: Sequence[str],
                              properties: Optional[Mapping[str, str]] = None,
                              *, opts: CallOptions) -> List[Tuple[str, bool]]:
        """Create several containers. :returns: ``[(name, created)]``."""
        acct = self._account(account)
        names = [self.names.check_container(c) for c in containers]
        props = self.names.check_properties(properties)
        return [(name, self.container.create(acct, name, properties=props, system={},
                                             opts=opts)) for name in names]

    @_operation()
    def container_delete(self, account: Optional[str], container: str,
                         *, opts: CallOptions) -> None:
        """Delete an empty container (:class:`ContainerNotEmpty` otherwise)."""
        self.container.delete(*self._names(account, container), opts)

    @_operation()
    def container_show(self, account: Optional[str], container: str,
                       *, opts: CallOptions) -> ContainerInfo:
        """A container's counters and properties."""
        return self.container.show(*self._names(account, container), opts)

    @_operation()
    def container_list(self, account: Optional[str] = None, limit: Optional[int] = None,
                       marker: Optional[str] = None, end_marker: Optional[str] = None,
                       prefix: Optional[str] = None, delimiter: Optional[str] = None,
                       *, opts: CallOptions) -> List[ContainerEntry]:
        """One page of the account's containers; each entry also indexes as
        OpenIO's ``[name, objects, bytes, is_prefix, mtime]``."""
        page = self.account.containers(self._account(account), prefix=prefix,
                                       delimiter=delimiter, marker=marker,
                                       end_marker=end_marker, limit=limit or _LIST_LIMIT,
                                       opts=opts)
        return list(page.listing)

    def container_list_iter(self, account: Optional[str] = None,
                            prefix: Optional[str] = None, page_size: int = _LIST_LIMIT,
                            **kwargs: Any) -> Iterator[ContainerEntry]:
        """Every container of the account, fetched a page at a time."""
        acct = self._account(account)
        marker = kwargs.pop("marker", None)
        opts = self._pop_options(kwargs)
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
                                 *, opts: CallOptions) -> Dict[str, Any]:
        """``{"properties": {...}, "system": {...}}`` of a container
        (``properties``: only these user keys)."""
        found = self.container.get_properties(*self._names(account, container), opts)
        if properties:
            found["properties"] = {k: v for k, v in found["properties"].items()
                                   if k in properties}
        return found

    @_operation(Capability.CONTAINER_PROPERTIES)
    def container_set_properties(self, account: Optional[str], container: str,
                                 properties: Optional[Mapping[str, str]] = None,
                                 clear: bool = False, system: Optional[Mapping[str, str]] = None,
                                 *, opts: CallOptions) -> None:
        """Set container properties; ``clear=True`` drops all others first."""
        acct, cont = self._names(account, container)
        self.container.update(acct, cont, set_properties=self.names.check_properties(properties),
                              del_properties=(), system=dict(system or {}), clear=clear,
                              opts=opts)

    @_operation(Capability.CONTAINER_PROPERTIES)
    def container_del_properties(self, account: Optional[str], container: str,
                                 properties: Iterable[str], *, opts: CallOptions) -> None:
        """Delete container properties by key."""
        acct, cont = self._names(account, container)
        self.container.update(acct, cont, set_properties={},
                              del_properties=self.names.check_property_keys(properties),
                              system={}, clear=False, opts=opts)

    @_operation()
    def container_flush(self, account: Optional[str], container: str, fast: bool = False,
                        all_versions: bool = False, *, opts: CallOptions) -> None:
        """Delete every object of a container (the container stays).

        :param fast: use the backend's own flush where it has one (OpenIO).
        """
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
                        maxvers: Optional[int] = None, *, opts: CallOptions) -> None:
        """Drop old object versions beyond ``maxvers``."""
        self.container.purge(*self._names(account, container), maxvers, opts)

    @_operation()
    def container_touch(self, account: Optional[str], container: str,
                        recompute: bool = False, *, opts: CallOptions) -> None:
        """Make the container's counters current."""
        self.container.touch(*self._names(account, container), opts)

    @_operation()
    def container_refresh(self, account: Optional[str], container: str,
                          *, opts: CallOptions) -> None:
        """Recompute the container's counters and its account's."""
        acct, cont = self._names(account, container)
        self.container.touch(acct, cont, opts)
        self.account.refresh(acct, opts)

    @_operation(Capability.SNAPSHOT)
    def container_snapshot(self, account: Optional[str], container: str,
                           dst_account: Optional[str], dst_container: str,
                           batch_size: int = 100, *, opts: CallOptions) -> None:
        """Copy a container's current objects into a new container (links
        where the backend has them)."""
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
    def object_create(self, account: Optional[str], container: str, *args: Any,
                      **kwargs: Any) -> Tuple[List[ChunkInfo], int, Optional[str]]:
        """Store an object. Same arguments as :meth:`object_create_ext`.

        :returns: ``(chunks, size, hash)``.
        """
        chunks, size, md5, _meta = self.object_create_ext(account, container, *args, **kwargs)
        return chunks, size, md5

    @_operation()
    def object_create_ext(self, account: Optional[str], container: str,
                          file_or_path: Any = None, data: Any = None,
                          etag: Optional[str] = None, obj_name: Optional[str] = None,
                          mime_type: Optional[str] = None, policy: Optional[str] = None,
                          key_file: Any = None, append: bool = False,
                          properties: Optional[Mapping[str, str]] = None,
                          autocreate: bool = True,
                          container_properties: Optional[Mapping[str, Any]] = None,
                          progress: Optional[Callable[[int, Optional[int]], None]] = None,
                          resume: bool = False,
                          *, opts: CallOptions) -> Tuple[List[ChunkInfo], int, Optional[str],
                                                   ObjectInfo]:
        """Store an object from bytes, str, an iterable of bytes, a file
        object or a path.  Nothing is visible until the whole object is
        stored and checked.

        :param file_or_path: a path or a binary file object.
        :param data: bytes, str (UTF-8), an iterable of bytes or a file object.
        :param etag: expected hex MD5; a mismatch raises ChecksumMismatch and
            leaves nothing stored.
        :param obj_name: the object name (default: the file's base name).
        :param append: add to the end of an existing object.
        :param autocreate: create the container if it does not exist.
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
        :returns: ``(chunks, size, hash, meta)``.
        """
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
        with _open_source(data=data, file_or_path=file_or_path) as source:
            source.progress = progress
            meta, chunks = self.blob_client.upload(
                acct, cont, name, source, mime_type=mime_type, properties=props,
                etag=etag.lower() if etag else None, append=append, policy=policy,
                autocreate=autocreate, container_properties=cprops, opts=opts, **extra)
        return chunks, meta.size, meta.hash, meta

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
                     *, opts: CallOptions) -> Tuple[ObjectInfo, Iterator[bytes]]:
        """Read an object.

        :param ranges: ``[(start, end), ...]`` inclusive byte ranges; ``end``
            None reads to the end; ``(None, n)`` the last n bytes.  Several
            ranges come back one after the other in one stream.
        :returns: ``(meta, stream)``; the stream yields bytes, has ``read()``
            and must be closed (or read to the end).
        """
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
                        **kwargs: Any) -> ObjectInfo:
        """Save an object to a path (through a temporary name, renamed on
        success) or a binary file object, in constant memory.

        :param verify: check the MD5 of what was received; a mismatch raises
            ChecksumMismatch and leaves no partial file at the path.
        :param workers: parallel ranged requests for large objects.
        :param progress: ``progress(bytes_done, bytes_total)``.
        :returns: the object's metadata.
        """
        from .transfer import DEFAULT_PART_SIZE, download
        acct, cont, name = self._names(account, container, obj)
        try:
            return download(self, acct, cont, name, file_or_path, verify=verify,
                            workers=workers, part_size=part_size or DEFAULT_PART_SIZE,
                            progress=progress, **kwargs)
        except ClientError as err:
            err.with_context(self.backend, "object_download")
            raise

    @_operation()
    def object_head(self, account: Optional[str], container: str, obj: str,
                    trust_level: int = 0, *, opts: CallOptions) -> bool:
        """Whether the object exists."""
        acct, cont, name = self._names(account, container, obj)
        try:
            self.container.content_show(acct, cont, name, None, opts)
        except NotFound:
            return False
        return True

    @_operation()
    def object_get_properties(self, account: Optional[str], container: str, obj: str,
                              version: Optional[Any] = None, *, opts: CallOptions) -> ObjectInfo:
        """An object's metadata, with its user properties in ``properties``."""
        acct, cont, name = self._names(account, container, obj)
        return self.container.content_show(acct, cont, name, version, opts)

    @_operation()
    def object_show(self, account: Optional[str], container: str, obj: str,
                    version: Optional[Any] = None, *, opts: CallOptions) -> ObjectInfo:
        """Same as :meth:`object_get_properties`."""
        acct, cont, name = self._names(account, container, obj)
        return self.container.content_show(acct, cont, name, version, opts)

    @_operation(Capability.OBJECT_PROPERTIES)
    def object_set_properties(self, account: Optional[str], container: str, obj: str,
                              properties: Mapping[str, str], version: Optional[Any] = None,
                              clear: bool = False, *, opts: CallOptions) -> None:
        """Set object properties; ``clear=True`` drops all others first."""
        acct, cont, name = self._names(account, container, obj)
        self.container.content_update(acct, cont, name, version=version,
                                      set_properties=self.names.check_properties(properties),
                                      del_properties=(), clear=clear, opts=opts)

    @_operation(Capability.OBJECT_PROPERTIES)
    def object_del_properties(self, account: Optional[str], container: str, obj: str,
                              properties: Iterable[str], version: Optional[Any] = None,
                              *, opts: CallOptions) -> bool:
        """Delete object properties by key.

        :returns: True (the keys are gone, or were never there), as OpenIO.
        """
        acct, cont, name = self._names(account, container, obj)
        self.container.content_update(acct, cont, name, version=version, set_properties={},
                                      del_properties=self.names.check_property_keys(properties),
                                      clear=False, opts=opts)
        return True

    @_operation()
    def object_delete(self, account: Optional[str], container: str, obj: str,
                      version: Optional[Any] = None, *,
                      opts: CallOptions) -> Tuple[bool, Optional[Any]]:
        """Delete an object (or one version of it).

        :returns: ``(delete_marker, version_id)`` as OpenIO does.
        """
        acct, cont, name = self._names(account, container, obj)
        return self.container.content_delete(acct, cont, name, version, opts)

    @_operation()
    def object_delete_many(self, account: Optional[str], container: str,
                           objs: Sequence[str], *, opts: CallOptions) -> List[Tuple[str, bool]]:
        """Delete many objects. :returns: ``[(name, deleted)]``."""
        acct, cont = self._names(account, container)
        names = [self.names.check_object(o) for o in objs]
        return self.container.content_delete_many(acct, cont, names, opts)

    @_operation()
    def object_list(self, account: Optional[str], container: str,
                    limit: Optional[int] = None, marker: Optional[str] = None,
                    end_marker: Optional[str] = None, prefix: Optional[str] = None,
                    delimiter: Optional[str] = None, properties: bool = False,
                    versions: bool = False, deleted: bool = False,
                    *, opts: CallOptions) -> ObjectListing:
        """One page of a container's objects.

        :returns: a listing with ``objects``, ``prefixes``, ``truncated``
            and ``next_marker`` (dict access works as with OpenIO).
        """
        if limit is not None and limit < 0:
            raise InvalidArgument("limit must be >= 0")
        return self.container.content_list(
            *self._names(account, container),
            **self._listing_args(prefix, delimiter, marker, end_marker, versions, deleted),
            limit=_LIST_LIMIT if limit is None else limit, properties=properties, opts=opts)

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
                         **kwargs: Any) -> Iterator[Any]:
        """Every object (and common prefix, as a str) of a container in name
        order, fetched ``page_size`` at a time: constant memory on any
        container size.  Where the backend can, each entry is made only as
        the loop reaches it."""
        opts = self._pop_options(kwargs)
        if kwargs:
            raise TypeError(f"object_list_iter() got unexpected keyword arguments "
                            f"{sorted(kwargs)}")
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
                      properties: bool = True, *, opts: CallOptions
                      ) -> Tuple[ObjectInfo, List[ChunkInfo]]:
        """An object's metadata and where its data lives.

        :returns: ``(meta, chunks)``.
        """
        acct, cont, name = self._names(account, container, obj)
        return self.directory.locate(acct, cont, name, version, opts)

    @_operation(Capability.LINK)
    def object_link(self, target_account: Optional[str], target_container: str,
                    target_obj: str, link_account: Optional[str], link_container: str,
                    link_obj: str, target_version: Optional[Any] = None,
                    properties_directive: str = "COPY",
                    properties: Optional[Mapping[str, str]] = None,
                    *, opts: CallOptions) -> ObjectInfo:
        """Give the content of one object a second name (server-side; a hard
        link or a copy depending on the backend).

        :param properties_directive: ``COPY`` keeps the target's properties,
            ``REPLACE`` uses ``properties``.
        """
        tacct, tcont, tname = self._names(target_account, target_container, target_obj)
        lacct, lcont, lname = self._names(link_account, link_container, link_obj)
        directive = properties_directive.upper()
        if directive not in ("COPY", "REPLACE"):
            raise InvalidArgument("properties_directive is COPY or REPLACE")
        props = self.names.check_properties(properties) if directive == "REPLACE" else None
        return self.container.content_link(
            tacct, tcont, tname, lacct, lcont, lname, target_version=target_version,
            properties_directive=directive, properties=props, opts=opts)

    @_operation(Capability.TRUNCATE)
    def object_truncate(self, account: Optional[str], container: str, obj: str,
                        version: Optional[Any] = None, size: Optional[int] = None,
                        *, opts: CallOptions) -> None:
        """Cut an object to ``size`` bytes."""
        if size is None or size < 0:
            raise InvalidArgument("object_truncate needs a size >= 0")
        acct, cont, name = self._names(account, container, obj)
        self.container.content_truncate(acct, cont, name, size, version, opts)

    @_operation(Capability.TEMP_URL)
    def object_temp_url(self, account: Optional[str], container: str, obj: str,
                        method: str = "GET", expires: int = 3600,
                        *, opts: CallOptions) -> str:
        """A URL that lets anyone holding it ``method`` the object for
        ``expires`` seconds, with no other credentials."""
        acct, cont, name = self._names(account, container, obj)
        method = method.upper()
        if method not in ("GET", "HEAD", "PUT", "POST", "DELETE"):
            raise InvalidArgument(f"no temporary URL for method {method}")
        if not isinstance(expires, int) or expires <= 0:
            raise InvalidArgument("expires is a positive number of seconds")
        return self.blob_client.temp_url(acct, cont, name, method=method, expires=expires)

    @_operation()
    def object_touch(self, account: Optional[str], container: str, obj: str,
                     version: Optional[Any] = None, *, opts: CallOptions) -> None:
        """Refresh an object's record (checks it exists)."""
        acct, cont, name = self._names(account, container, obj)
        self.container.content_touch(acct, cont, name, version, opts)


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
