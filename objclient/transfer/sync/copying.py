"""Where a sync reads and writes (:class:`Location`, :class:`StoreRef`) and
how one object goes from one to the other (:func:`copy`).

A :class:`Location` names a place in a store: an API, an account, a
container and an optional prefix.  To run on other processes or machines it
also carries a :class:`StoreRef`: how a worker opens the same store itself,
with its own credentials (its environment, or a profile), so that nothing
secret travels with the work.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Dict, Optional, Tuple
from urllib.parse import parse_qsl, urlsplit

import attrs

from ...contract import Capability
from ...exceptions import InvalidArgument
from ...models import ObjectInfo
from ...source import Source
from .compare import MTIME_PROPERTY, source_time
from .merge import LISTS_PROPERTIES

__all__ = ["Location", "StoreRef", "copy", "copy_object", "SECRET_OPTIONS"]

#: Option and query names that hold secrets: a :class:`StoreRef` refuses them.
SECRET_OPTIONS = frozenset({"key", "secret_key", "password", "token", "session_token",
                            "application_credential_secret", "secret", "signature"})

_OPENED: Dict["StoreRef", Any] = {}
_OPENED_LOCK = threading.Lock()


def _no_secret(url: str, options: Tuple[Tuple[str, str], ...]) -> None:
    parts = urlsplit(url)
    names = {k.lower() for k, _v in parse_qsl(parts.query)} | {k.lower() for k, _v in options}
    if parts.password or names & SECRET_OPTIONS:
        raise InvalidArgument("a StoreRef travels to workers: give it no secret (workers "
                              "take credentials from their environment or a profile)")


@attrs.frozen
class StoreRef:
    """How a worker opens a store: picklable, with no secret in it.

    :param opener: a callable importable by name (pickled by reference), as
        ``objclient.ObjectStorageApi`` or ``objclient.transfer.FolderStore``.
    :param url: the store's URL (or a folder path), without credentials.
    :param profile: a profile name the worker resolves in its own
        ``config.ini`` (its ``*_env`` entries read the worker's environment).
    :param options: other keyword arguments, none of them secret.
    :raises InvalidArgument: the URL or an option holds a secret.
    """

    opener: Callable[..., Any]
    url: Optional[str]
    profile: Optional[str] = None
    options: Tuple[Tuple[str, str], ...] = ()

    def __attrs_post_init__(self) -> None:
        _no_secret(self.url or "", self.options)

    def open(self) -> Any:
        """The store, opened once per process and then shared."""
        with _OPENED_LOCK:
            api = _OPENED.get(self)
            if api is None:
                kwargs = dict(self.options)
                if self.profile is not None:
                    kwargs["profile"] = self.profile
                api = _OPENED[self] = self.opener(self.url, **kwargs)
        return api


@attrs.frozen
class Location:
    """A container (and a prefix in it) of one store.

    :param api: the opened store (an :class:`~objclient.ObjectStorageApi` or
        a :class:`~objclient.transfer.FolderStore`); None when ``ref`` opens it.
    :param ref: how another process opens the same store.
    """

    api: Any
    account: Optional[str]
    container: str
    prefix: str = ""
    ref: Optional[StoreRef] = None

    def key(self, relative: str) -> str:
        """The object name of ``relative`` here."""
        return self.prefix + relative

    def portable(self) -> "Location":
        """This location without its opened store, to send to a worker.

        :raises InvalidArgument: it has no :class:`StoreRef`.
        """
        if self.ref is None:
            raise InvalidArgument("a sync on processes or a cluster needs a StoreRef on each "
                                  "Location (how a worker opens the store)")
        return attrs.evolve(self, api=None)

    def opened(self) -> "Location":
        """This location with its store open (opened from ``ref`` if needed)."""
        if self.api is not None:
            return self
        assert self.ref is not None
        return attrs.evolve(self, api=self.ref.open())


def _same_server(src: Location, dst: Location) -> bool:
    """Whether the destination's server can copy the object itself."""
    if src.api is not dst.api and getattr(src.api, "url", None) != getattr(dst.api, "url", 0):
        return False
    return Capability.LINK in getattr(dst.api, "capabilities", ())


def _properties(info: ObjectInfo) -> Dict[str, str]:
    props = dict(info.properties or {})
    when = source_time(info)
    if when is not None:
        props[MTIME_PROPERTY] = f"{when:.6f}"
    return props


def _server_copy(src: Location, src_name: str, dst: Location, dst_name: str,
                 info: ObjectInfo) -> ObjectInfo:
    """The server copies the object.  When the listing carried the source's
    properties they are replaced by them plus ``mtime``; else the server
    keeps the source's own (with its ``mtime`` when it has one), and the
    copy's server time, later than the source's, marks it current.  The
    listed size goes along: S3 chooses CopyObject or a copy in parts by it."""
    listed = src.api.backend in LISTS_PROPERTIES
    return dst.api.object_link(  # type: ignore[no-any-return]
        src.account, src.container, src_name, dst.account, dst.container, dst_name,
        properties_directive="REPLACE" if listed else "COPY",
        properties=_properties(info) if listed else None, target_size=info.size)


def copy(src: Location, src_name: str, dst: Location, dst_name: str, *,
         verify: bool = True, resume: bool = False,
         info: Optional[ObjectInfo] = None) -> ObjectInfo:
    """Copy one object from ``src`` to ``dst`` (any backends).

    On the same server (the same API, or the same URL, on a backend that
    links or copies server-side: S3 CopyObject, Swift COPY, the local
    backend's link) the server copies it; else it streams through this
    process with no temporary file.  Size, MIME type, properties and the
    modification time (the ``mtime`` property) travel with the data; the
    destination checks the MD5 when the source reported one.

    :param resume: reuse what an interrupted copy stored at ``dst`` (an S3
        multipart upload's parts, a Swift SLO's segments), where its backend
        can (elsewhere, as on SeaweedFS's filer, the copy starts over).
    :param info: the source's listing entry, when the caller has it.
    :returns: the new object's metadata.
    """
    return copy_object(src, src_name, dst, dst_name, verify=verify, resume=resume,
                       info=info)[0]


def copy_object(src: Location, src_name: str, dst: Location, dst_name: str, *,
                verify: bool = True, resume: bool = False,
                info: Optional[ObjectInfo] = None,
                autocreate: bool = True) -> Tuple[ObjectInfo, bool]:
    """:func:`copy`; :returns: ``(the new object's metadata, whether the
    server copied it)``.

    :param autocreate: False: the caller made sure the destination container
        exists, so an upload sends no request to check it.
    """
    if info is not None and _same_server(src, dst):
        return _server_copy(src, src_name, dst, dst_name, info), True
    fetched, stream = src.api.object_fetch(src.account, src.container, src_name)
    info = info or fetched
    try:
        etag = fetched.hash if verify and (fetched.hash_method or "md5") == "md5" \
            and fetched.hash and len(fetched.hash) == 32 else None
        *_rest, meta = dst.api.object_create_ext(
            dst.account, dst.container, data=Source(stream, size=fetched.size),
            obj_name=dst_name, mime_type=fetched.mime_type, properties=_properties(info),
            etag=etag.lower() if etag else None, autocreate=autocreate,
            resume=resume and Capability.RESUME in getattr(dst.api, "capabilities", ()))
    finally:
        stream.close()
    return meta, False

