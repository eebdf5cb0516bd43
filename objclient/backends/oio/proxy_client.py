"""OpenIO's ``ProxyClient`` call forms, over objclient's one HTTP client.

Scripts written for ``oio`` reach the proxy through
``api.container.proxy_client``-style objects (oio-sds
``oio/common/client.py``: ``ProxyClient(HttpApi)``):
``_request(method, url, endpoint=None, **kwargs)`` joins ``url`` to the
endpoint ``<scheme>://<proxy>/v3.0/<NS>`` and calls
``_direct_request(method, full_url, headers=None, data=None, json=None,
params=None, ...)``, which returns ``(resp, body)`` with the body decoded
as JSON when it parses (``oio/api/base.py``: ``HttpApi._direct_request``).
Here both go through the backend's shared :class:`~objclient.http.HTTPClient`
(pools, retries, redacted logs) and errors are objclient's typed ones.
"""

from __future__ import annotations

import json as jsonlib
from typing import TYPE_CHECKING, Any, Dict, Mapping, Optional, Tuple

import attrs

from ...contract import CallOptions
from ...exceptions import ClientError
from .protocol import refine_error

if TYPE_CHECKING:
    from . import OioBackend

__all__ = ["OioProxyClient", "ProxyResponse", "call_options"]


@attrs.frozen
class ProxyResponse:
    """What OpenIO's ``_direct_request`` and ``BlobClient`` hand back as
    ``resp`` (urllib3's ``HTTPResponse``): ``status``, ``reason``,
    ``headers``, ``data``; ``chunk`` is set by ``chunk_delete_many``."""

    status: int
    reason: str
    headers: Mapping[str, str] = attrs.field(repr=False)
    data: bytes = attrs.field(repr=False)
    chunk: Optional[Dict[str, Any]] = None

    @classmethod
    def of(cls, resp: Any) -> "ProxyResponse":
        """The reply of one :meth:`HTTPClient.request`."""
        return cls(status=resp.status_code, reason=resp.reason or "",
                   headers=resp.headers, data=resp.content)

    def getheader(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """A header's value (case-insensitive), as urllib3's ``getheader``."""
        return self.headers.get(name, default)


def call_options(kwargs: Mapping[str, Any]) -> CallOptions:
    """The :class:`CallOptions` of the keywords oio's HTTP calls take
    (``reqid``, ``deadline``, ``connection_timeout``, ``read_timeout``,
    ``write_timeout``, ``perfdata``); the others are left to the caller."""
    return CallOptions(**{k: kwargs[k] for k in ("reqid", "deadline", "connection_timeout",
                                                 "read_timeout", "write_timeout", "perfdata")
                          if kwargs.get(k) is not None})


def _decode(data: bytes) -> Any:
    """The body as OpenIO's HttpApi leaves it: JSON when it parses, else the bytes."""
    if not data:
        return data
    try:
        return jsonlib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return data


class OioProxyClient:
    """``api.proxy_client`` on OpenIO: the seed's ``ProxyClient`` call forms.

    :ivar ns: the namespace.
    :ivar endpoint: ``<scheme>://<proxy>/v3.0/<NS>`` (the first proxy).
    """

    def __init__(self, backend: "OioBackend") -> None:
        self._backend = backend
        self.ns = backend.namespace
        base = backend.proxies[0] if backend.proxies else "http://"
        self.proxy_scheme, _, self.proxy_netloc = base.partition("://")
        self.endpoint = f"{base}/v3.0/{self.ns}"

    def _request(self, method: str, url: str, endpoint: Optional[str] = None,
                 **kwargs: Any) -> Tuple[ProxyResponse, Any]:
        """A request to ``url`` relative to ``endpoint`` (default: this
        namespace's proxy path), as ``HttpApi._request``.

        :returns: ``(resp, body)``, see :meth:`_direct_request`.
        """
        base = (endpoint or self.endpoint).rstrip("/")
        return self._direct_request(method, f"{base}/{url.lstrip('/')}", **kwargs)

    def _direct_request(self, method: str, url: str, headers: Optional[Mapping[str, str]] = None,
                        data: Any = None, json: Any = None,
                        params: Optional[Mapping[str, Any]] = None, admin_mode: bool = False,
                        force_master: bool = False, autocreate: bool = False,
                        **kwargs: Any) -> Tuple[ProxyResponse, Any]:
        """One request to an absolute URL, as ``ProxyClient._direct_request``.

        :param json: a document sent as JSON (``Content-Type`` set).
        :param params: query parameters (None values left out).
        :param admin_mode: sends ``x-oio-admin: 1``.
        :param force_master: sends ``x-oio-force-master: 1``.
        :param autocreate: sends ``x-oio-action-mode: autocreate``.
        :param kwargs: ``reqid``, ``deadline``, ``connection_timeout``,
            ``read_timeout``, ``perfdata``.
        :returns: ``(resp, body)``: a :class:`ProxyResponse` and the body
            decoded from JSON (the raw bytes when it is not JSON).
        :raises ClientError: a status of 400 or more (typed, refined from
            the proxy's ``status`` as every OpenIO call is).
        """
        opts = call_options(kwargs)
        extra: Dict[str, str] = dict(headers or {})
        if admin_mode:
            extra["x-oio-admin"] = "1"
        if force_master:
            extra["x-oio-force-master"] = "1"
        hdrs = self._backend.oio_headers(opts, autocreate=autocreate, extra=extra)
        query = {k: v for k, v in (params or {}).items() if v is not None}
        try:
            resp = self._backend.http.request(
                method, url, params=query, headers=hdrs, data=data, json=json,
                idempotent=method in ("GET", "HEAD"), **opts.http_kwargs("proxy"))
        except ClientError as err:
            raise refine_error(err, "service") from None
        out = ProxyResponse.of(resp)
        return out, _decode(out.data)
