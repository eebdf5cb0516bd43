"""The OpenIO SDS backend (``oio+http://PROXY:PORT?namespace=NS``).

Meta requests go to the oio-proxy (``/v3.0/<NS>/<resource>/<action>``),
account requests to the account service (``account_url=`` in the URL or
option, else found through the proxy's ``lb/choose`` route), object bytes
straight to the rawx chunk servers the proxy names.  The protocol reference
is ``shared/protocols/openio.md``; see :mod:`.protocol` for the pure parts.

URL: ``oio+http://10.0.0.1:6006;10.0.0.2:6006?namespace=OPENIO`` (several
proxies separated by ``;`` fail over on connection errors),
``&account_url=http://10.0.0.1:6009``, ``&account=ACCT`` (default account).
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Optional, Tuple
from urllib.parse import parse_qs, unquote, urlsplit

import attrs

from ...contract import (Backend, CallOptions, Capability, build_http_client,
                         reject_unknown_options)
from ...exceptions import ClientError, ConnectionFailed, InvalidArgument, ServiceUnavailable
from ...http.retry import RetryPolicy
from ...names import NameRules
from ...http.transport import Response
from .account import OioAccountClient
from .blob import OioBlobClient
from .container import OioContainerClient
from .directory import OioDirectoryClient
from .protocol import refine_error, request_id, timeout_header
from .proxy_client import OioProxyClient

__all__ = ["create_backend", "OioBackend", "OIO_NAME_RULES", "OIO_CAPABILITIES"]

#: OpenIO's limits (``LIMIT_LENGTH_*`` in core/oiocfg.h: 255 for names,
#: 1023 for object paths).
OIO_NAME_RULES = NameRules(
    account_max=255, container_max=255, object_max=1023, container_forbidden="",
    property_key_max=1024, property_value_max=65536, properties_max_count=1000,
    properties_max_total=256 * 1024)

OIO_CAPABILITIES = frozenset({
    Capability.ACCOUNT_CREATE, Capability.ACCOUNT_DELETE, Capability.ACCOUNT_LIST,
    Capability.ACCOUNT_PROPERTIES, Capability.ACCOUNT_FLUSH,
    Capability.CONTAINER_PROPERTIES, Capability.OBJECT_PROPERTIES, Capability.RANGES,
    Capability.MULTI_RANGES, Capability.LINK, Capability.TRUNCATE, Capability.SNAPSHOT,
    Capability.DELIMITER, Capability.END_MARKER, Capability.STORAGE_POLICIES,
    Capability.CHUNK_LOCATIONS,
})

_NO_RETRY = RetryPolicy.disabled()


@attrs.define(eq=False)
class OioBackend(Backend):
    """The OpenIO backend: the proxy and account-service calls its sub-clients share."""

    namespace: str = ""
    proxies: List[str] = attrs.field(factory=list)
    account_url: Optional[str] = None
    chunk_checksum_algo: str = "md5"
    #: OpenIO's ``ProxyClient`` call forms (``_request``, ``_direct_request``)
    proxy_client: Optional[OioProxyClient] = None

    # -- headers -------------------------------------------------------------
    def oio_headers(self, opts: CallOptions, *, autocreate: bool = False,
                    extra: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
        """``x-oio-req-id``, ``x-oio-timeout``, the action mode, then the
        caller's headers."""
        read_timeout = opts.read_timeout if opts.read_timeout is not None \
            else self.http.timeout[1]
        headers = {"x-oio-req-id": request_id(opts),
                   "x-oio-timeout": timeout_header(read_timeout, opts.deadline)}
        if autocreate:
            headers["x-oio-action-mode"] = "autocreate"
        headers.update(extra or {})
        headers.update(opts.headers)
        return headers

    # -- proxy -----------------------------------------------------------------
    def proxy(self, method: str, resource: str, action: str, opts: CallOptions, *,
              params: Optional[Mapping[str, Any]] = None, body: Any = None,
              headers: Optional[Mapping[str, str]] = None, autocreate: bool = False,
              retriable: bool = False, kind: str = "object",
              ) -> Tuple[Response, Any]:
        """One proxy call, failing over between proxies on connection errors.

        :param body: a document sent as pre-serialised JSON (no content type,
            as OpenIO's client does).
        :param retriable: reads that may be sent again (show, list, locate).
        :param kind: what is addressed, to refine a 404 (see refine_error).
        :returns: ``(response, decoded JSON body or None)``.
        """
        query = {k: v for k, v in (params or {}).items() if v is not None}
        data = None if body is None else json.dumps(body, separators=(",", ":"))
        hdrs = self.oio_headers(opts, autocreate=autocreate, extra=headers)
        last: Optional[ClientError] = None
        for i, base in enumerate(self.proxies):
            final = i == len(self.proxies) - 1
            url = f"{base}/v3.0/{self.namespace}/{resource}/{action}"
            try:
                resp = self.http.request(
                    method, url, params=query, headers=hdrs, data=data,
                    idempotent=retriable, retries=None if final else _NO_RETRY,
                    **opts.http_kwargs("proxy"))
            except ConnectionFailed as err:
                last = err
                # A write that may have reached the proxy is not sent elsewhere.
                reached = not str(err.message).startswith("cannot connect")
                if final or (reached and not retriable):
                    raise refine_error(err, kind) from None
                continue
            except ClientError as err:
                raise refine_error(err, kind) from None
            return resp, decode_json(resp)
        raise last or ServiceUnavailable("no oio-proxy endpoint configured")

    # -- account service -----------------------------------------------------------
    def account_base(self, opts: CallOptions) -> str:
        """The account service URL: configured, or chosen by the proxy's load balancer."""
        if self.account_url is None:
            _resp, body = self.proxy("GET", "lb", "choose", opts,
                                     params={"type": "account", "size": 1}, retriable=True,
                                     kind="service")
            if not body or not isinstance(body, list) or "addr" not in body[0]:
                raise ServiceUnavailable("the proxy's load balancer named no account service")
            addr = body[0]["addr"]
            self.account_url = addr if "://" in addr else f"http://{addr}"
        return self.account_url.rstrip("/")

    def account_call(self, method: str, action: str, opts: CallOptions, *,
                     params: Optional[Mapping[str, Any]] = None, body: Any = None,
                     retriable: bool = False, kind: str = "account",
                     ) -> Tuple[Response, Any]:
        """One call to ``/v1.0/account/<action>`` of the account service."""
        url = f"{self.account_base(opts)}/v1.0/account/{action}"
        query = {k: v for k, v in (params or {}).items() if v is not None}
        data = None if body is None else json.dumps(body, separators=(",", ":"))
        try:
            resp = self.http.request(method, url, params=query, data=data,
                                     headers=self.oio_headers(opts), idempotent=retriable,
                                     **opts.http_kwargs("account"))
        except ClientError as err:
            raise refine_error(err, kind) from None
        return resp, decode_json(resp)

    def close(self) -> None:
        super().close()


def decode_json(resp: Response) -> Any:
    """The JSON body, decoded only when ``Content-Type`` says JSON (as OpenIO does)."""
    ctype = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if ctype != "application/json" or not resp.content:
        return None
    try:
        return resp.json()
    except ValueError:
        raise ClientError("the server sent a body that is not valid JSON",
                          status=resp.status_code) from None


def _parse_url(url: str) -> Tuple[List[str], Dict[str, List[str]]]:
    parts = urlsplit(url)
    scheme = parts.scheme.split("+", 1)
    if scheme[0] != "oio":
        raise InvalidArgument(f"not an OpenIO URL: {url!r}")
    transport = scheme[1] if len(scheme) > 1 else "http"
    if transport not in ("http", "https"):
        raise InvalidArgument(f"OpenIO URLs are oio+http:// or oio+https://, not {url!r}")
    hosts = [h.strip() for h in unquote(parts.netloc).split(";") if h.strip()]
    if not hosts:
        raise InvalidArgument("an OpenIO URL needs a proxy address: oio+http://HOST:PORT")
    return [f"{transport}://{h}" for h in hosts], parse_qs(parts.query)


def create_backend(url: str, *, auth: Any = None, namespace: Optional[str] = None,
                   account_url: Optional[str] = None, default_account: Optional[str] = None,
                   chunk_checksum_algo: Optional[str] = None, **options: Any) -> OioBackend:
    """Build an OpenIO backend for ``oio+http://PROXY:PORT?namespace=NS``.

    :param namespace: the namespace (else ``?namespace=`` in the URL).
    :param account_url: the account service (else ``?account_url=`` or the
        proxy's load balancer).
    :param default_account: the account used when a call passes None
        (else ``?account=``).
    :param chunk_checksum_algo: ``md5`` (default) or ``blake3`` (needs the
        ``blake3`` package).
    """
    proxies, query = _parse_url(url)
    namespace = namespace or query.get("namespace", [None])[0]
    if not namespace:
        raise InvalidArgument("an OpenIO URL needs ?namespace=NS")
    account_url = account_url or query.get("account_url", [None])[0]
    algo = (chunk_checksum_algo or query.get("chunk_checksum_algo", ["md5"])[0]).lower()
    if algo not in ("md5", "blake3"):
        raise InvalidArgument("chunk_checksum_algo is md5 or blake3")
    if algo == "blake3":
        try:
            import blake3  # noqa: F401
        except ImportError:
            raise InvalidArgument("chunk_checksum_algo=blake3 needs the blake3 package") \
                from None
    http = build_http_client(None, auth, options)
    reject_unknown_options("oio", options)
    backend = OioBackend(
        name="oio", http=http, capabilities=OIO_CAPABILITIES, names=OIO_NAME_RULES,
        default_account=default_account or query.get("account", [None])[0],
        description=f"OpenIO namespace {namespace} via {', '.join(proxies)}",
        namespace=namespace, proxies=proxies, account_url=account_url,
        chunk_checksum_algo=algo)
    backend.account = OioAccountClient(backend)
    backend.container = OioContainerClient(backend)
    backend.blob = OioBlobClient(backend)
    backend.directory = OioDirectoryClient(backend)
    backend.proxy_client = OioProxyClient(backend)
    return backend
