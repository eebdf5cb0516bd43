"""The transport over a caller's :class:`requests.Session`.

A caller who hands :class:`~objclient.http.HTTPClient` a session of their
own gets it used as it is: its mounted adapters, proxies, cookies, default
headers, auth and hooks all apply (and so do test doubles that patch
requests, such as ``responses``).  The client still follows redirects,
retries and authenticates itself, so the session is asked for exactly one
exchange per attempt.  Only this module imports requests.
"""

from __future__ import annotations

from typing import Any, Optional, Union

import requests
import requests.adapters
import urllib3

from ..exceptions import InvalidArgument
from .redact import redact_url
from .transport import SEND_BLOCK, Request, Response, TimeoutPair

__all__ = ["RequestsTransport"]

#: requests' errors that mean "this request cannot be built", not a network failure.
_INVALID = (requests.exceptions.InvalidURL, requests.exceptions.InvalidHeader,
            requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema)


def _as_urllib3(exc: requests.exceptions.RequestException) -> Exception:
    """The urllib3 error that says what ``exc`` says, for the client's one
    translation table (a real failure also holds urllib3's own error among
    its causes; one raised by a test double may not)."""
    text = str(exc)
    errors = urllib3.exceptions
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return errors.ConnectTimeoutError(text)
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return errors.ReadTimeoutError(None, "", text)  # type: ignore[arg-type]
    if isinstance(exc, requests.exceptions.SSLError):
        return errors.SSLError(text)
    if isinstance(exc, requests.exceptions.ProxyError):
        return errors.ProxyError(text, exc)
    if isinstance(exc, requests.exceptions.ConnectionError):
        return errors.ProtocolError(text)
    return errors.HTTPError(text)


class _Adapter(requests.adapters.HTTPAdapter):
    """requests' adapter, sending bodies in 1 MiB blocks instead of 16 KiB."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("blocksize", SEND_BLOCK)
        super().init_poolmanager(*args, **kwargs)


class RequestsTransport:
    """Every request through one :class:`requests.Session`.

    :param session: the caller's session (it stays theirs: :meth:`close`
        leaves it open); None for a new one of the transport's own.
    :param verify: TLS verification (bool or CA bundle path).
    :param cert: client certificate (path or ``(cert, key)``).
    :param pool_maxsize: connections kept per host by the adapters mounted
        here (on ``http://`` and ``https://``, without urllib3 retries).
    """

    def __init__(self, session: Optional[requests.Session], verify: Union[bool, str] = True,
                 cert: Any = None, pool_maxsize: int = 10) -> None:
        self._owned = session is None
        self.session = session if session is not None else requests.Session()
        self._verify = verify
        self._cert = cert
        self._pool_maxsize = pool_maxsize
        self._mount()

    def _mount(self) -> None:
        for prefix in ("http://", "https://"):
            self.session.mount(prefix, _Adapter(pool_connections=4,
                                                pool_maxsize=self._pool_maxsize, max_retries=0))

    def send(self, request: Request, timeout: TimeoutPair) -> Response:
        """Send ``request`` through the session (see
        :class:`~objclient.http.transport.Transport`)."""
        session = self.session
        try:
            prepared = session.prepare_request(requests.Request(
                request.method, request.url, headers=request.headers, data=request.body))
            settings = session.merge_environment_settings(
                prepared.url, {}, True, self._verify, self._cert)
        except _INVALID as exc:
            raise InvalidArgument(f"cannot build the request: {exc}", method=request.method,
                                  url=redact_url(request.url)) from None
        try:
            resp = session.send(prepared, timeout=timeout, allow_redirects=False, **settings)
        except requests.exceptions.RequestException as exc:
            raise _as_urllib3(exc) from exc
        return Response(resp.status_code, resp.reason, resp.headers, resp.raw,
                        resp.url or request.url, request)

    def close(self) -> None:
        """Close the session if it is the transport's own (a caller's stays open)."""
        if self._owned:
            self.session.close()

    def after_fork(self) -> None:
        """Fresh adapters (the parent's sockets are left alone)."""
        self._mount()
