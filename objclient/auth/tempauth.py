"""Swift's v1 authentication (TempAuth, SwAuth and compatible).

``GET <auth_url>`` with ``X-Auth-User`` and ``X-Auth-Key`` answers with a
token in ``X-Auth-Token`` (or ``X-Storage-Token``), the storage URL in
``X-Storage-Url`` and, from TempAuth, the token's life in
``X-Auth-Token-Expires`` (seconds).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Dict, Literal, Optional, Union

from ..exceptions import InvalidArgument, Unauthorized
from ..http.redact import redact_url, redact_value
from .base import ExpiringTokenAuth
from .token_cache import TokenCache

if TYPE_CHECKING:  # pragma: no cover
    from ..http.client import HTTPClient

__all__ = ["TempAuth"]


class TempAuth(ExpiringTokenAuth):
    """Swift v1 auth: user and key for a token and a storage URL.

    :param auth_url: e.g. ``http://127.0.0.1:8080/auth/v1.0``.
    :param user: ``account:user``.
    :param key: the user's key (password).
    :param storage_url: use this storage URL instead of the one returned.
    :param token_cache: where the token is kept between runs: None (the
        default) the default file (``$XDG_CACHE_HOME/objclient/tokens.json``),
        a :class:`TokenCache`, or False for nowhere.
    """

    secret_headers = ("X-Auth-Key", "X-Auth-Token", "X-Storage-Token")

    def __init__(self, auth_url: str, user: str, key: str, *,
                 storage_url: Optional[str] = None,
                 token_cache: Union[TokenCache, Literal[False], None] = None) -> None:
        for name, value in (("user", user), ("key", key)):
            if not value or any(c in value for c in "\r\n\0"):
                raise InvalidArgument(f"TempAuth {name} must be a non-empty single line")
        self.auth_url = auth_url
        self.user = user
        self._key = key
        self.storage_url_override = storage_url
        super().__init__(token_cache)
        self._storage_url: Optional[str] = None
        # Renew this long before expiry; shorter for short-lived tokens, so
        # that a fresh token is never already "expired".
        self._renew_margin = 10.0

    @property
    def _cache_key(self) -> str:
        return TokenCache.key(self.auth_url, self.user, self._key)

    def authenticate(self, http: "HTTPClient") -> None:
        with self._lock:
            if self.valid:
                return
            entry = self._cached()
            if entry:
                self._token = entry["token"]
                self._storage_url = entry.get("endpoint")
                self._expires = entry.get("expires")
                self._renew_margin = 10.0
                return
            resp = http.request(
                "GET", self.auth_url, authenticated=False, service="auth",
                headers={"X-Auth-User": self.user, "X-Auth-Key": self._key})
            token = resp.headers.get("X-Auth-Token") or resp.headers.get("X-Storage-Token")
            url = resp.headers.get("X-Storage-Url")
            if not token or not url:
                raise Unauthorized("the auth server answered without a token or storage URL",
                                   status=resp.status_code, method="GET",
                                   url=redact_url(self.auth_url))
            life = resp.headers.get("X-Auth-Token-Expires")
            self._token = token
            self._storage_url = url
            try:
                seconds = float(life) if life else None
            except ValueError:
                seconds = None  # an unreadable lifetime: use the token until a 401
            self._expires = time.time() + seconds if seconds is not None else None
            self._renew_margin = min(10.0, seconds / 2) if seconds is not None else 10.0
            if self.token_cache is not None:
                self.token_cache.save(self._cache_key, {
                    "token": token, "endpoint": url, "expires": self._expires})

    def get_headers(self) -> Dict[str, str]:
        return {"X-Auth-Token": self._token} if self._token else {}

    def get_endpoint(self, service_type: Optional[str] = None,
                     interface: Optional[str] = None,
                     region: Optional[str] = None) -> Optional[str]:
        return self.storage_url_override or self._storage_url

    def __repr__(self) -> str:
        return (f"TempAuth(auth_url={redact_url(self.auth_url)!r}, user={self.user!r}, "
                f"key={redact_value(self._key)!r})")
