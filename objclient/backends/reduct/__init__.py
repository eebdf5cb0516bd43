"""The ReductStore backend (``reduct+http://host:8383``) and a synchronous client.

Two layers:

* :class:`ReductClient` (alias ``Client``) and :class:`Bucket`: the HTTP API
  v1 with reduct-py's feature set, synchronously (server info, buckets,
  entries, records, batches v1/v2, queries, subscriptions, tokens,
  replications).  From the facade: ``api.container.reduct``.
* the facade mapping: account = the server (one account, ``reduct`` unless
  ``?account=`` or ``default_account=`` says otherwise); container = bucket;
  object = entry (name encoded reversibly, see :mod:`.names`); an upload
  writes a record at the current µs with the properties as labels; a read
  gets the latest record (or ``version=<µs>``); delete removes the entry
  (or one record with ``version``).

URL: ``reduct+http://host:8383``, ``reduct+https://host/base`` (a path is the
server's ``RS_API_BASE_PATH``), ``reduct://host:8383`` (plain HTTP).
The token: ``api_token=`` (or ``auth=TokenAuth(token, header="Authorization")``).

Reference points not matched (``shared/protocols/reductstore.md``):

* the legacy one-record query iteration (``GET /b/{b}/{e}?q=``, §4.2/§6.4)
  and ``include-``/``exclude-`` params of ``GET /q`` (§6.2) are not used;
  batched reads are (``when`` on a pre-1.13 server raises NotSupported);
* ``x-reduct-content-length`` (1.20), ``Expect: 100-continue`` and
  request compression are not sent; ``x-reduct-labels`` indexes are read
  but never written (v2 batches name their labels, see :mod:`.batch_v2`);
* ``each_s`` becomes ``{"$each_t": "<s>s"}`` on 1.21; the reference does
  not say whether fractional durations parse;
* the ``GET /lifecycles`` list shape is not in the reference
  (``{"lifecycles": [...]}`` is assumed);
* v2 read bodies are cut by (entry index, time), the order the server's
  ``io/read.rs`` writes them in (the reference's example cannot tell);
* a single write resent after a dropped connection that meets 409
  ``already exists`` reads the stored record back and succeeds when it is
  the same write; otherwise :class:`RecordExists` (never ``ts + 1``);
* the hidden label ``objclient.md5`` assumes ``.`` is accepted in label
  names (any HTTP token character should be).
"""

from __future__ import annotations

from typing import Any, Optional
from urllib.parse import parse_qs, urlsplit, urlunsplit

import attrs

from ...contract import Backend, Capability, build_http_client, reject_unknown_options
from ...exceptions import InvalidArgument
from .account import ReductAccountClient
from .blob import ReductBlobClient
from .bucket import Bucket
from .client import Client, ReductClient
from .container import ReductContainerClient
from .errors import RecordExists, ReductError
from .models import (BucketFullInfo, BucketInfo, BucketSettings, Defaults, EntryInfo,
                     FullTokenInfo, LicenseInfo, Permissions, QuotaType, ReplicationDetailInfo,
                     ReplicationInfo, ReplicationMode, ReplicationSettings, ServerInfo, Status,
                     Token)
from .names import ReductNameRules
from .records import Batch, BatchResult, Record, RecordBatch

__all__ = ["create_backend", "ReductBackend", "ReductClient", "Client", "Bucket", "Batch",
           "RecordBatch", "BatchResult", "Record", "ReductError", "RecordExists",
           "ServerInfo", "Defaults", "LicenseInfo", "BucketInfo", "BucketSettings",
           "BucketFullInfo", "EntryInfo", "QuotaType", "Status", "Token", "Permissions",
           "FullTokenInfo", "ReplicationInfo", "ReplicationSettings", "ReplicationDetailInfo",
           "ReplicationMode", "REDUCT_CAPABILITIES", "REDUCT_NAME_RULES"]

#: Object names up to 1024 UTF-8 bytes (an entry name is at most 3x that);
#: property keys and values are HTTP header material.
REDUCT_NAME_RULES = ReductNameRules(
    account_max=255, container_max=255, object_max=1024, container_forbidden="/",
    property_key_max=128, property_value_max=4096, properties_max_count=64,
    properties_max_total=8192)

REDUCT_CAPABILITIES = frozenset({
    Capability.OBJECT_PROPERTIES, Capability.DELIMITER, Capability.END_MARKER,
    Capability.TIME_QUERIES, Capability.ACCOUNT_LIST, Capability.VERSIONING,
})


@attrs.define(eq=False)
class ReductBackend(Backend):
    """The backend, holding the low-level :class:`ReductClient`."""

    client: ReductClient = attrs.field(default=None)


def endpoint_of(url: str) -> tuple:
    """``(http endpoint, query dict)`` of a ``reduct[+http|+https]://`` URL."""
    parts = urlsplit(url)
    scheme, _, transport = parts.scheme.partition("+")
    if scheme.lower() != "reduct":
        raise InvalidArgument(f"not a ReductStore URL: {url!r}")
    transport = (transport or "http").lower()
    if transport not in ("http", "https"):
        raise InvalidArgument(f"ReductStore URLs use http or https, not {transport!r}")
    if not parts.netloc:
        raise InvalidArgument("a ReductStore URL needs a host: reduct+http://host:8383")
    endpoint = urlunsplit((transport, parts.netloc, parts.path.rstrip("/"), "", ""))
    return endpoint, parse_qs(parts.query)


def create_backend(url: str, *, auth: Any = None, api_token: Optional[str] = None,
                   default_account: Optional[str] = None, **options: Any) -> ReductBackend:
    """Build a ReductStore backend.

    :param url: ``reduct+http://host:8383`` (see the module docstring).
    :param api_token: sent as ``Authorization: Bearer <token>``.
    :param default_account: the one account name (default ``reduct``, or
        ``?account=`` in the URL).
    """
    endpoint, query = endpoint_of(url)
    if api_token is not None and auth is None:
        from ...auth import TokenAuth
        auth = TokenAuth(api_token, header="Authorization")
    http = build_http_client(endpoint, auth, options)
    reject_unknown_options("reduct", options)
    account = default_account or query.get("account", ["reduct"])[0]
    backend = ReductBackend(name="reduct", http=http, capabilities=REDUCT_CAPABILITIES,
                            names=REDUCT_NAME_RULES, default_account=account,
                            description=f"ReductStore at {endpoint}")
    backend.client = ReductClient(endpoint, http=http)
    backend.account = ReductAccountClient(backend)
    backend.container = ReductContainerClient(backend)
    backend.blob = ReductBlobClient(backend)
    from ...contract import DirectoryClient
    backend.directory = DirectoryClient(backend)
    return backend
