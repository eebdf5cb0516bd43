"""The SeaweedFS native backend: master, volume servers and filer.

URL: ``seaweedfs+http://MASTER:9333[,MASTER2:9333...]`` with optional query
(or keyword) options:

* ``filer=http://FILER:8888``: the filer (default: the first master's host,
  port 8888);
* ``root=/objclient``: the filer directory that holds the accounts (keep it
  away from ``/buckets``, where the S3 gateway keeps its buckets);
* ``replication=000``, ``collection=...``, ``ttl=...``: the placement used
  for new data, through the filer and through ``/dir/assign``;
* ``location_ttl=60``: seconds a volume's locations stay cached;
* ``verify_limit``: whole-blob reads by file id up to this size are
  checked against the volume server's ETag, a CRC-32C (default: every
  size when the ``crc32c`` package, ``objclient[fast]``, is installed;
  8 MiB without it, as pure Python runs at about 6 MB/s); 0 turns that
  check off;
* ``account=...``: the account used when a call passes None.

The four sub-clients map onto SeaweedFS as OpenIO's map onto its services:

* :class:`~.directory.SeaweedDirectoryClient` is the master: ``assign``,
  ``lookup`` (with a location cache), the leader, volume status, and
  ``locate`` of an object's chunks;
* :class:`~.blob.SeaweedBlobClient` moves bytes: objects through the filer
  (streamed, chunked by the filer, MD5-checked), raw blobs by file id
  straight to the volume servers (``upload_fid``, ``read_fid``,
  ``head_fid``, ``delete_fid``) with replica fail-over;
* :class:`~.account.SeaweedAccountClient` and
  :class:`~.container.SeaweedContainerClient` are the filer's namespace: an
  account is a directory under the root, a container a directory under it,
  properties are the filer's extended attributes (see :mod:`.names` for the
  encoding of names).
"""

from __future__ import annotations

from typing import Any, List, Optional, Tuple
from urllib.parse import parse_qs, urlsplit

import attrs

from ...contract import Backend, Capability, build_http_client, reject_unknown_options
from ...exceptions import InvalidArgument, InvalidName
from ...integrity import CRC32C_FAST
from ...names import NameRules
from .account import SeaweedAccountClient
from .blob import SeaweedBlobClient
from .container import SeaweedContainerClient
from .directory import Assignment, SeaweedDirectoryClient, VolumeLocation
from .filer import Filer
from .names import SEGMENT, encode_name, split_root

__all__ = ["create_backend", "SeaweedBackend", "SeaweedNameRules", "SEAWEEDFS_CAPABILITIES",
           "Assignment", "VolumeLocation", "parse_url"]

SEAWEEDFS_CAPABILITIES = frozenset({
    Capability.ACCOUNT_CREATE, Capability.ACCOUNT_DELETE, Capability.ACCOUNT_LIST,
    Capability.ACCOUNT_PROPERTIES, Capability.CONTAINER_PROPERTIES,
    Capability.OBJECT_PROPERTIES, Capability.RANGES, Capability.MULTI_RANGES,
    Capability.DELIMITER, Capability.END_MARKER, Capability.CHUNK_LOCATIONS,
    Capability.LINK, Capability.SERVER_SIDE_COPY, Capability.SNAPSHOT,
})

_DEFAULT_ROOT = "/objclient"
#: Biggest whole-blob read checked by default: every one with the C CRC-32C,
#: 8 MiB (about 1.3 s of pure Python) without it.
DEFAULT_VERIFY_LIMIT = (1 << 62) if CRC32C_FAST else 8 * 1024 * 1024
_DEFAULT_FILER_PORT = 8888


@attrs.frozen
class SeaweedNameRules(NameRules):
    """Name rules, plus: an encoded account or container name must fit in
    one filer file name (255 bytes)."""

    def _fits(self, kind: str, value: str) -> str:
        size = len(encode_name(value))
        if size > SEGMENT + 1:
            raise InvalidName(f"{kind} name {value!r} takes {size} bytes once encoded for "
                              f"the filer, which allows {SEGMENT + 1}")
        return value

    def check_account(self, account: object) -> str:
        """Return ``account`` or raise :class:`InvalidName`."""
        return self._fits("account", super().check_account(account))

    def check_container(self, container: object) -> str:
        """Return ``container`` or raise :class:`InvalidName`."""
        return self._fits("container", super().check_container(container))


SEAWEEDFS_NAME_RULES = SeaweedNameRules(
    account_max=255, container_max=255, object_max=1024, container_forbidden="/",
    property_key_max=128, property_value_max=8192, properties_max_count=256,
    properties_max_total=64 * 1024)


@attrs.define(eq=False)
class SeaweedBackend(Backend):
    """The SeaweedFS backend's shared settings and state."""

    masters: List[str] = attrs.field(factory=list)
    filer_url: str = ""
    root: Tuple[str, ...] = ()
    replication: Optional[str] = None
    collection: Optional[str] = None
    ttl: Optional[str] = None
    location_ttl: float = 60.0
    verify_limit: int = DEFAULT_VERIFY_LIMIT
    filer: Filer = attrs.field(default=None)

    def placement(self) -> dict:
        """Query parameters that place new data (replication, collection, ttl)."""
        return {k: v for k, v in (("replication", self.replication),
                                  ("collection", self.collection), ("ttl", self.ttl)) if v}


def parse_url(url: str) -> Tuple[str, List[str], dict]:
    """Split a ``seaweedfs+http://m1:9333,m2:9333?...`` URL.

    :returns: ``(scheme, master base URLs, query options)``.
    :raises InvalidArgument: not a SeaweedFS URL or no master.
    """
    parts = urlsplit(url)
    scheme, _, transport = parts.scheme.partition("+")
    if scheme.lower() != "seaweedfs":
        raise InvalidArgument(f"not a SeaweedFS URL: {url!r}")
    transport = (transport or "http").lower()
    if transport not in ("http", "https"):
        raise InvalidArgument(f"SeaweedFS URLs use http or https, not {transport!r}")
    hosts = [h.strip() for h in parts.netloc.split(",") if h.strip()]
    if not hosts:
        raise InvalidArgument("a SeaweedFS URL names its master(s): "
                              "seaweedfs+http://MASTER:9333[,MASTER2:9333]")
    if any("@" in h for h in hosts):
        raise InvalidArgument("SeaweedFS URLs do not carry credentials")
    query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    return transport, [f"{transport}://{h}" for h in hosts], query


def _default_filer(master: str) -> str:
    parts = urlsplit(master)
    return f"{parts.scheme}://{parts.hostname}:{_DEFAULT_FILER_PORT}"


def create_backend(url: str, *, auth: Any = None, filer: Optional[str] = None,
                   root: Optional[str] = None, replication: Optional[str] = None,
                   collection: Optional[str] = None, ttl: Optional[str] = None,
                   location_ttl: Optional[float] = None, verify_limit: Optional[int] = None,
                   default_account: Optional[str] = None, **options: Any) -> SeaweedBackend:
    """Build a SeaweedFS backend for ``seaweedfs+http://MASTER:9333``.

    Keywords override the URL's query options of the same name.

    :param filer: the filer's base URL.
    :param root: the filer directory holding the accounts.
    :param replication: SeaweedFS replica placement for new data (``000``,
        ``001`` ...).
    :param collection: the collection for new data.
    :param ttl: a time to live for new data (``3m``, ``1d`` ...).
    :param location_ttl: seconds a volume's locations stay cached.
    :param verify_limit: biggest whole-blob read (by file id) whose CRC-32C
        is checked; 0: never (default :data:`DEFAULT_VERIFY_LIMIT`).
    :param default_account: the account used when a call passes None.
    """
    _transport, masters, query = parse_url(url)
    filer = filer or query.pop("filer", None) or _default_filer(masters[0])
    if not filer.startswith(("http://", "https://")):
        filer = "http://" + filer
    root = root if root is not None else query.pop("root", _DEFAULT_ROOT)
    replication = replication or query.pop("replication", None) or None
    collection = collection or query.pop("collection", None) or None
    ttl = ttl or query.pop("ttl", None) or None
    try:
        cache_ttl = float(location_ttl if location_ttl is not None
                          else query.pop("location_ttl", 60))
        limit = int(verify_limit if verify_limit is not None
                    else query.pop("verify_limit", DEFAULT_VERIFY_LIMIT))
    except ValueError:
        raise InvalidArgument("location_ttl and verify_limit are numbers") from None
    if replication is not None and (len(replication) != 3 or not replication.isdigit()):
        raise InvalidArgument(f"replication is three digits such as 001, not {replication!r}")
    account = default_account or query.pop("account", None)
    for key in ("filer", "root", "replication", "collection", "ttl", "location_ttl",
                "verify_limit", "account"):
        query.pop(key, None)
    for key, value in query.items():
        options.setdefault(key, value)
    http = build_http_client(filer.rstrip("/"), auth, options)
    reject_unknown_options("seaweedfs", options)
    backend = SeaweedBackend(
        name="seaweedfs", http=http, capabilities=SEAWEEDFS_CAPABILITIES,
        names=SEAWEEDFS_NAME_RULES, default_account=account,
        description=f"SeaweedFS, masters {', '.join(masters)}, filer {filer}",
        masters=masters, filer_url=filer.rstrip("/"), root=split_root(root),
        replication=replication, collection=collection, ttl=ttl,
        location_ttl=cache_ttl, verify_limit=limit)
    backend.filer = Filer(backend)
    backend.account = SeaweedAccountClient(backend)
    backend.container = SeaweedContainerClient(backend)
    backend.blob = SeaweedBlobClient(backend)
    backend.directory = SeaweedDirectoryClient(backend)
    return backend
