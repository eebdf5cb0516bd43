"""The OpenStack Swift backend (``swift+http(s)://...``).

URLs and credentials:

* ``swift+https://host/auth/v1.0`` with ``user`` and ``key``: TempAuth (v1);
* ``swift+https://host/v1/AUTH_acct`` (or any URL) with ``token``, or
  ``storage_url`` and ``token``: a token obtained elsewhere;
* ``swift+keystone+https://host/v3`` (or ``swift+https://host/v3``) with
  ``user``/``password`` (or ``application_credential_id``/``_secret``)
  and ``project_name``/``project_id`` plus domains: Keystone v3, the
  storage URL being the catalog's ``object-store`` endpoint.

Accounts are Swift account names (``AUTH_test``); the default account is
the one the credentials give.  Backend options: ``segment_threshold`` and
``segment_size`` (bytes; uploads larger than the threshold become static
large objects), ``segment_workers`` (parallel segment uploads, default 4),
``upfront_md5_limit`` (see below), ``checksum`` (default True; see below),
``token_cache`` (TempAuth and Keystone tokens are kept in
``$XDG_CACHE_HOME/objclient/tokens.json`` by default; a path or a
:class:`~objclient.auth.TokenCache` moves them, False or ``off`` keeps none).

Integrity of uploads: a body of known size up to ``upfront_md5_limit``
bytes (default 16 MiB) is hashed first and its MD5 sent as ``ETag``, so
Swift refuses data that does not match and nothing wrong is ever stored.
A larger body (or one of unknown size) is hashed while it is sent, in the
same pass, and checked against the ETag Swift answers; on a mismatch the
object is deleted and ChecksumMismatch raised.  Hashing a large file first
would read it twice and cost about as much time as sending it on loopback;
set the limit higher to prefer that.  Downloads are checked against their
ETag.  ``checksum=False`` turns the client's MD5 off both ways (as
python-swiftclient's ``checksum`` option does): nothing is hashed, the hash
reported is the ETag Swift computed, and only sizes are checked.  A caller's
``etag`` still goes as ``ETag``.  Static large objects keep their checks.
"""

from __future__ import annotations

import threading
from typing import Any, Dict, FrozenSet, Optional, Tuple
from urllib.parse import urlsplit, urlunsplit

from ...auth import TempAuth, TokenAuth, TokenCache
from ...contract import (Backend, CallOptions, Capability, bool_option, build_http_client,
                         reject_unknown_options)
from ...exceptions import (ClientError, ConnectionFailed, InvalidArgument, NoSuchContainer,
                           Timeout)
from ...http.redact import redact_url
from ...names import NameRules
from .account import SwiftAccountClient
from .blob import SwiftBlobClient
from .common import refine
from .container import SwiftContainerClient
from .directory import SwiftDirectoryClient
from .segments import VERSIONING_NO_TTL, ContainerFlags, segment_container
from .versions import keeps_old_versions
from .wire import PROPERTY_KEY_CHARS, split_storage_url

__all__ = ["create_backend", "SwiftBackend", "SWIFT_NAME_RULES", "BASE_CAPABILITIES",
           "refine"]

#: Swift's default constraints (``/info`` reports the cluster's own).
SWIFT_NAME_RULES = NameRules(
    account_max=256, container_max=256, object_max=1024, container_forbidden="/",
    property_key_max=128, property_value_max=256, properties_max_count=90,
    properties_max_total=4096, property_key_chars=PROPERTY_KEY_CHARS)

#: What every Swift cluster can do; ``/info`` adds the rest.
BASE_CAPABILITIES = frozenset({
    Capability.ACCOUNT_PROPERTIES, Capability.CONTAINER_PROPERTIES,
    Capability.OBJECT_PROPERTIES, Capability.RANGES, Capability.MULTI_RANGES,
    Capability.SERVER_SIDE_COPY, Capability.LINK, Capability.DELIMITER,
    Capability.END_MARKER,
})

GiB = 1024 ** 3
DEFAULT_SEGMENT_THRESHOLD = GiB
DEFAULT_SEGMENT_SIZE = GiB
DEFAULT_SEGMENT_WORKERS = 4
DEFAULT_UPFRONT_MD5_LIMIT = 16 * 1024 * 1024


class SwiftBackend(Backend):
    """A Swift backend: storage URL handling, ``/info`` and settings shared
    by the four sub-clients.

    ``default_account`` and ``capabilities`` are resolved on first use
    (they need the auth answer and ``/info``), not at construction.
    """

    def __init__(self, *args: Any, segment_threshold: int = DEFAULT_SEGMENT_THRESHOLD,
                 segment_size: int = DEFAULT_SEGMENT_SIZE,
                 segment_workers: int = DEFAULT_SEGMENT_WORKERS,
                 upfront_md5_limit: int = DEFAULT_UPFRONT_MD5_LIMIT, checksum: bool = True,
                 **kwargs: Any) -> None:
        self._explicit_account: Optional[str] = None
        self._caps: Optional[FrozenSet[Capability]] = None
        self._info: Optional[Dict[str, Any]] = None
        self._info_lock = threading.Lock()
        self._last_split: Optional[Tuple[str, str, str]] = None
        self.segment_threshold = int(segment_threshold)
        self.segment_size = int(segment_size)
        self.segment_workers = max(1, int(segment_workers))
        self.upfront_md5_limit = int(upfront_md5_limit)
        #: whether the client hashes what it sends and reads (``checksum`` option)
        self.checksum = checksum
        self.temp_url_keys: Dict[str, str] = {}
        #: which containers have a segment container (shared by uploads and deletes)
        self.segment_containers = ContainerFlags()
        #: which containers keep old versions (their segments are never deleted);
        #: a "no" is believed for seconds only, since trusting it after
        #: versioning was turned on would delete an older version's segments
        self.versioned_containers = ContainerFlags(ttl=VERSIONING_NO_TTL)
        super().__init__(*args, **kwargs)
        if self.segment_size <= 0 or self.segment_threshold < 0:
            raise InvalidArgument("segment_size must be > 0 and segment_threshold >= 0")

    # -- lazily resolved -----------------------------------------------------
    @property  # type: ignore[override]
    def default_account(self) -> Optional[str]:
        """The account of the credentials (from the storage URL)."""
        if self._explicit_account:
            return self._explicit_account
        try:
            return self._split()[1]
        except ClientError:
            raise
        except InvalidArgument:
            return None

    @default_account.setter
    def default_account(self, value: Optional[str]) -> None:
        self._explicit_account = value

    @property  # type: ignore[override]
    def capabilities(self) -> FrozenSet[Capability]:
        """Base capabilities plus what ``/info`` says the cluster has."""
        if self._caps is None:
            caps = set(self._base_caps)
            info = self.info()
            if "tempurl" in info:
                caps.add(Capability.TEMP_URL)
            if "slo" in info:
                caps.update((Capability.MULTIPART, Capability.RESUME))
            if "object_versioning" in info:
                caps.update((Capability.VERSIONING, Capability.DELETE_MARKERS))
            if len((info.get("swift") or {}).get("policies") or []) > 0:
                caps.add(Capability.STORAGE_POLICIES)
            self._caps = frozenset(caps)
        return self._caps

    @capabilities.setter
    def capabilities(self, value: FrozenSet[Capability]) -> None:
        self._base_caps = frozenset(value)
        self._caps = None

    # -- URLs ----------------------------------------------------------------------
    def storage_url(self) -> str:
        """The storage URL of the credentials (authenticates if needed)."""
        url = self.http.get_endpoint()
        if not url:
            raise InvalidArgument("no Swift storage URL: give user and key, a token and "
                                  "storage_url, or Keystone credentials")
        return url

    def _split(self) -> Tuple[str, str]:
        """:func:`split_storage_url` of the storage URL, remembered for the
        last URL (every request needs it, and the URL changes only with a new
        login)."""
        storage_url = self.http.get_endpoint()
        last = self._last_split
        if last is None or last[0] is not storage_url:
            storage_url = self.storage_url()  # raises when there is none
            last = (storage_url, *split_storage_url(storage_url))
            self._last_split = last
        return last[1], last[2]

    def url(self, path: str = "") -> str:
        """Absolute URL of ``path`` (``/<account>/...`` quoted) under ``/v1``."""
        return self._split()[0] + path

    def info(self) -> Dict[str, Any]:
        """The cluster's ``/info`` document ({} when it is not exposed)."""
        with self._info_lock:
            if self._info is None:
                root, _ = split_storage_url(self.storage_url())
                parts = urlsplit(root)
                path = parts.path.rstrip("/")
                if path.endswith("/v1"):
                    path = path[:-3]
                url = urlunsplit((parts.scheme, parts.netloc, path + "/info", "", ""))
                try:
                    _resp, doc = self.http.request_json("GET", url, authenticated=False,
                                                        service="info")
                except (ConnectionFailed, Timeout):
                    return {}  # transient: ask again next time
                except ClientError:
                    doc = None  # /info not exposed (404, 403 ...)
                self._info = doc if isinstance(doc, dict) else {}
            return self._info

    def may_hold_large(self, account: str, container: str, opts: CallOptions) -> bool:
        """Whether ``container`` may hold static large objects: it has a
        segment container (known, or asked with one HEAD that concurrent
        callers share, see :mod:`.segments`)."""
        def probe() -> bool:
            try:
                self.container.show(account, segment_container(container), opts)
            except NoSuchContainer:
                return False
            return True
        return self.segment_containers.has(account, container, probe)

    def keeps_versions(self, account: str, container: str, opts: CallOptions) -> bool:
        """Whether ``container`` may keep older versions of its objects, whose
        manifests read the segments of the current one (see
        :func:`.versions.keeps_old_versions`): known, or asked with one HEAD
        of the container that concurrent callers share.  Asked only before
        segments would be deleted (every HEAD of the container, such as an
        upload's check that it exists, tells it too).  A missing container
        keeps nothing."""
        def probe() -> bool:
            try:
                system = self.container.show(account, container, opts).system
            except NoSuchContainer:
                return False
            return keeps_old_versions(system)
        return self.versioned_containers.has(account, container, probe)

    def bulk_delete_limit(self) -> int:
        """How many deletes one bulk request may carry (0: no bulk middleware)."""
        bulk = self.info().get("bulk_delete")
        if not isinstance(bulk, dict):
            return 0
        return int(bulk.get("max_deletes_per_request") or 0)

    def tempurl_digest(self) -> str:
        """The strongest of sha256/sha1 that ``/info`` allows for temp URLs."""
        allowed = (self.info().get("tempurl") or {}).get("allowed_digests") or ["sha1"]
        return "sha256" if "sha256" in allowed else "sha1"


def _token_cache(value: Any) -> Any:
    """The ``token_cache`` option as the auth plugins take it: a path (from
    a profile or URL) becomes a TokenCache, yes (or True) None (the default
    file), no False (none)."""
    if value is True:
        return None
    if not isinstance(value, str):
        return value
    try:
        return None if bool_option("token_cache", value, True) else False
    except InvalidArgument:
        return TokenCache(value)


def _auth_for(url: str, options: Dict[str, Any]) -> tuple:
    """``(auth plugin, endpoint)`` from the URL and credential options."""
    scheme, _, rest = url.partition("://")
    parts = scheme.lower().split("+")
    keystone = "keystone" in parts
    transport = "https" if "https" in parts else "http"
    http_url = f"{transport}://{rest}"
    token = options.pop("token", None)
    storage_url = options.pop("storage_url", None)
    user = options.pop("user", None)
    key = options.pop("key", None)
    cache = _token_cache(options.pop("token_cache", None))
    path = urlsplit(http_url).path.rstrip("/")
    if token:
        endpoint = storage_url or (http_url if "/v1/" in path + "/" else None)
        if not endpoint:
            raise InvalidArgument("a Swift token needs storage_url (or a /v1/ACCOUNT URL)")
        return TokenAuth(token, header="X-Auth-Token", endpoint=endpoint), None
    if keystone or path.endswith("/v3"):
        from ...auth.keystone import KeystoneAuth
        ks_keys = ("user_id", "password", "project_name", "project_id",
                   "project_domain_name", "project_domain_id", "user_domain_name",
                   "user_domain_id", "application_credential_id",
                   "application_credential_name", "application_credential_secret",
                   "interface", "region")
        ks = {k: options.pop(k) for k in ks_keys if k in options}
        if key and "password" not in ks:
            ks["password"] = key
        interface = ks.pop("interface", None)
        region = ks.pop("region", None)
        if interface:
            options.setdefault("endpoint_type", interface)
        if region:
            options.setdefault("region_name", region)
        return KeystoneAuth(http_url, user=user, token_cache=cache, **ks), storage_url
    if user and key:
        return TempAuth(http_url, user, key, storage_url=storage_url, token_cache=cache), None
    raise InvalidArgument("the swift backend needs user and key (TempAuth), token and "
                          "storage_url, or Keystone credentials")


def create_backend(url: str, *, auth: Any = None, default_account: Optional[str] = None,
                   account: Optional[str] = None,
                   segment_threshold: Any = DEFAULT_SEGMENT_THRESHOLD,
                   segment_size: Any = DEFAULT_SEGMENT_SIZE,
                   segment_workers: Any = DEFAULT_SEGMENT_WORKERS,
                   upfront_md5_limit: Any = DEFAULT_UPFRONT_MD5_LIMIT,
                   checksum: Any = None, **options: Any) -> SwiftBackend:
    """Build a Swift backend for ``url`` (see the module docstring).

    :param auth: an auth plugin, instead of credentials in ``options``.
    :param default_account: the account used when a call passes None
        (default: the credentials' own).
    :param segment_threshold: uploads larger than this many bytes become
        static large objects (default 1 GiB).
    :param segment_size: bytes per segment (default 1 GiB).
    :param segment_workers: segments uploaded at once (default 4).
    :param upfront_md5_limit: bodies of known size up to this many bytes are
        hashed before they are sent, with their MD5 as ``ETag`` (default
        16 MiB); larger ones are checked after (see the module docstring).
    :param checksum: False: no MD5 on the client, either way (default True).
    :raises InvalidArgument: credentials or options are missing or unknown.
    """
    endpoint = None
    if auth is None:
        auth, endpoint = _auth_for(url, options)
    else:
        options.pop("token_cache", None)
    http = build_http_client(endpoint, auth, options, service_type="object-store")
    reject_unknown_options("swift", options)
    backend = SwiftBackend(
        name="swift", http=http, capabilities=BASE_CAPABILITIES, names=SWIFT_NAME_RULES,
        default_account=default_account or account,
        description=f"OpenStack Swift at {redact_url(url)}",
        segment_threshold=int(segment_threshold), segment_size=int(segment_size),
        segment_workers=int(segment_workers), upfront_md5_limit=int(upfront_md5_limit),
        checksum=bool_option("checksum", checksum, True))
    backend.account = SwiftAccountClient(backend)
    backend.container = SwiftContainerClient(backend)
    backend.blob = SwiftBlobClient(backend)
    backend.directory = SwiftDirectoryClient(backend)
    return backend
