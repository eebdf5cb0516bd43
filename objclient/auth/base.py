"""The auth plugin contract and the plugins that need no server protocol.

An auth plugin is an object the :class:`~objclient.http.HTTPClient` asks for
credentials.  The client calls :meth:`AuthPlugin.authenticate` when the
plugin is not :attr:`~AuthPlugin.valid`, adds :meth:`AuthPlugin.get_headers`
to each request, lets :meth:`AuthPlugin.sign` see the final prepared request
(request signing such as S3 SigV4 goes there, so every attempt is signed
anew), and on a 401 calls :meth:`AuthPlugin.invalidate` and tries once more.
On a 403 it lets :meth:`AuthPlugin.correct_clock` learn the server's clock
(S3's ``RequestTimeTooSkewed``) and, if that changed anything, signs and
sends once more.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any, Dict, Mapping, Optional, Tuple

from ..exceptions import InvalidArgument
from ..http.redact import redact_value
from ..http.signer import Request
from .token_cache import cache_or_default

if TYPE_CHECKING:  # pragma: no cover
    from ..http.client import HTTPClient

__all__ = ["AuthPlugin", "NoAuth", "TokenAuth", "ExpiringTokenAuth"]


class AuthPlugin:
    """Base of every auth plugin; by itself it adds nothing to requests.

    It implements :class:`objclient.http.signer.Auth`, the interface the
    wire layer asks for.
    """

    #: Extra header names this plugin puts secrets in (redacted in logs).
    secret_headers: Tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        """Whether :meth:`get_headers` can be used without authenticating."""
        return True

    def authenticate(self, http: "HTTPClient") -> None:
        """Obtain credentials (a token ...) through ``http``.

        :raises objclient.exceptions.Unauthorized: the credentials are wrong.
        """

    def get_headers(self) -> Dict[str, str]:
        """Headers to add to every authenticated request."""
        return {}

    def get_endpoint(self, service_type: Optional[str] = None,
                     interface: Optional[str] = None,
                     region: Optional[str] = None) -> Optional[str]:
        """The service endpoint learnt while authenticating, if any."""
        return None

    def invalidate(self) -> bool:
        """Forget the credentials after a 401.

        :returns: True when authenticating again may help.
        """
        return False

    def correct_clock(self, status: int, headers: Mapping[str, str], body: bytes) -> bool:
        """Learn the server's clock from an answer that may refuse this
        client's time (called once per request, on a 403).

        :param status: the response status.
        :param headers: the response headers (case-insensitive).
        :param body: the first bytes of the response body.
        :returns: True when the request, signed again, may now pass.
        """
        return False

    def sign(self, request: Request) -> None:
        """Sign the final request; called once per attempt.

        :param request: its ``headers`` are a plain ``dict`` (names in any
            case); a plugin may change them and its ``url``.
        """

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class NoAuth(AuthPlugin):
    """No credentials at all (a local or open server)."""


class TokenAuth(AuthPlugin):
    """A static token, sent as ``Authorization: Bearer`` or ``X-Auth-Token``.

    :param token: the token.
    :param header: ``"Authorization"`` (sent as ``Bearer <token>``) or any
        other header name, such as ``"X-Auth-Token"``, sent with the token
        as its value.
    :param endpoint: the service endpoint, when the token came with one
        (a Swift storage URL ...).
    """

    def __init__(self, token: str, header: str = "X-Auth-Token",
                 endpoint: Optional[str] = None) -> None:
        if not token or any(c in token for c in "\r\n\0"):
            raise InvalidArgument("a token must be a non-empty single line")
        self._token = token
        self.header = header
        self.endpoint = endpoint
        if header.lower() != "authorization":
            self.secret_headers = (header,)

    def get_headers(self) -> Dict[str, str]:
        if self.header.lower() == "authorization":
            return {"Authorization": f"Bearer {self._token}"}
        return {self.header: self._token}

    def get_endpoint(self, service_type: Optional[str] = None,
                     interface: Optional[str] = None,
                     region: Optional[str] = None) -> Optional[str]:
        return self.endpoint

    def __repr__(self) -> str:
        return f"TokenAuth(token={redact_value(self._token)!r}, header={self.header!r})"


class ExpiringTokenAuth(AuthPlugin):
    """Base of plugins that log in for a token that expires (TempAuth,
    Keystone), optionally kept in a :class:`~objclient.auth.TokenCache`.

    Subclasses set ``_token`` and ``_expires`` in :meth:`authenticate` (under
    ``_lock``) and name their cache entry with ``_cache_key``.
    """

    #: seconds before expiry from which the token counts as stale
    _renew_margin: float = 30.0

    def __init__(self, token_cache: Any = None) -> None:
        # None: the default file, taken at the first authentication (so that
        # keyring_saver can still give its own cache in between); False: none
        self.token_cache = None if token_cache is False else token_cache
        self._default_cache = token_cache is None
        self._token: Optional[str] = None
        self._expires: Optional[float] = None
        self._lock = threading.Lock()

    @property
    def _cache_key(self) -> str:
        raise NotImplementedError

    @property
    def valid(self) -> bool:
        if not self._token:
            return False
        return self._expires is None or self._expires > time.time() + self._renew_margin

    @property
    def token(self) -> Optional[str]:
        """The current token (None before authentication)."""
        return self._token

    def _cached(self) -> Optional[Dict[str, Any]]:
        """The cached entry for this plugin, if any and still valid."""
        self.token_cache = cache_or_default(self.token_cache, self._default_cache)
        if self.token_cache is None:
            return None
        return self.token_cache.load(self._cache_key)  # type: ignore[no-any-return]

    def invalidate(self) -> bool:
        with self._lock:
            self._token = None
            self._expires = None
            if self.token_cache is not None:
                self.token_cache.delete(self._cache_key)
        return True
