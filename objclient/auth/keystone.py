"""Keystone v3 authentication (OpenStack Identity).

``POST <auth_url>/auth/tokens`` with a password, scoped to a project (by
id, or by name plus its domain), or with an application credential (by id,
or by name plus its user), which carries its own scope.  The token comes
back in ``X-Subject-Token``; the body holds its expiry (``expires_at``) and
the service catalog, from which :meth:`KeystoneAuth.get_endpoint` picks an
endpoint by service type, interface and region.

``expires_at`` is Keystone's time: the plugin learns the offset of
Keystone's clock from the ``Date`` header of the token's response and
judges expiry by it, so a host whose clock is wrong neither keeps a
token past its end nor authenticates again on every request.

Checked against a real Keystone 22 (Debian's python3-keystone, see
tools/keystone-server and tests/functional/keystone/).
"""

from __future__ import annotations

from typing import (TYPE_CHECKING, Any, Callable, Dict, List, Literal, Mapping, Optional,
                    Union)

from ..exceptions import InvalidArgument, NotFound, Unauthorized
from ..http.redact import redact_value
from ..timestamps import iso_to_epoch
from .base import ExpiringTokenAuth
from .clock import ServerClock, server_time_of
from .token_cache import TokenCache

if TYPE_CHECKING:  # pragma: no cover
    from ..http.client import HTTPClient

__all__ = ["KeystoneAuth", "parse_expires_at", "find_endpoint", "describe_endpoints"]

_INTERFACES = {"public": "public", "publicurl": "public", "internal": "internal",
               "internalurl": "internal", "admin": "admin", "adminurl": "admin"}


def parse_expires_at(value: Optional[str]) -> Optional[float]:
    """Epoch seconds of Keystone's ``expires_at`` or ``issued_at`` (ISO 8601,
    UTC when it names no zone)."""
    return iso_to_epoch(value)


def find_endpoint(catalog: List[Mapping[str, Any]], service_type: str,
                  interface: str = "public", region: Optional[str] = None) -> Optional[str]:
    """The URL of a catalog endpoint.

    :param catalog: the ``token.catalog`` list of a v3 token.
    :param service_type: e.g. ``object-store``.
    :param interface: ``public``, ``internal`` or ``admin`` (``publicURL``
        spellings accepted).
    :param region: a region id; None takes the first matching endpoint.
    """
    wanted = _INTERFACES.get((interface or "public").lower(), interface)
    for service in catalog:
        if service.get("type") != service_type:
            continue
        for endpoint in service.get("endpoints") or []:
            if endpoint.get("interface") != wanted:
                continue
            where = endpoint.get("region_id") or endpoint.get("region")
            if region and where != region:
                continue
            url = endpoint.get("url")
            if url:
                return str(url)
    return None


def describe_endpoints(catalog: List[Mapping[str, Any]], service_type: str) -> str:
    """``"public RegionOne, internal RegionOne"``: the endpoints of a service
    type, for error messages (URLs left out)."""
    seen: List[str] = []
    for service in catalog:
        if service.get("type") != service_type:
            continue
        for endpoint in service.get("endpoints") or []:
            where = endpoint.get("region_id") or endpoint.get("region") or "no region"
            text = f"{endpoint.get('interface')} {where}"
            if text not in seen:
                seen.append(text)
    return ", ".join(seen)


class KeystoneAuth(ExpiringTokenAuth):
    """Keystone v3: a project-scoped token and the service catalog.

    :param auth_url: the identity endpoint, e.g. ``https://keystone/v3``.
    :param user: user name (with ``user_domain_name``/``_id``) or user id
        (``user_id``) for the password method.
    :param password: the user's password.
    :param application_credential_id: use this application credential
        (with its secret) instead of a password.
    :param application_credential_name: or name the application credential;
        its owner is then ``user`` (with ``user_domain_*``) or ``user_id``.
    :param application_credential_secret: the application credential's secret.
    :param project_name: project to scope to (with ``project_domain_*``).
    :param project_id: project to scope to, by id.
    :param token_cache: where tokens are kept between runs: None (the
        default) the default file (``$XDG_CACHE_HOME/objclient/tokens.json``),
        a :class:`TokenCache`, or False for nowhere.
    :param clock: the local clock (epoch seconds), ``time.time`` by default;
        the learned offset of Keystone's clock is added to it.
    """

    secret_headers = ("X-Auth-Token", "X-Subject-Token")

    def __init__(self, auth_url: str, *, user: Optional[str] = None,
                 user_id: Optional[str] = None, password: Optional[str] = None,
                 user_domain_name: Optional[str] = None,
                 user_domain_id: Optional[str] = None,
                 project_name: Optional[str] = None, project_id: Optional[str] = None,
                 project_domain_name: Optional[str] = None,
                 project_domain_id: Optional[str] = None,
                 application_credential_id: Optional[str] = None,
                 application_credential_secret: Optional[str] = None,
                 application_credential_name: Optional[str] = None,
                 token_cache: Union[TokenCache, Literal[False], None] = None,
                 clock: Optional[Callable[[], float]] = None) -> None:
        self.auth_url = auth_url.rstrip("/")
        if not self.auth_url.endswith("/v3"):
            self.auth_url += "/v3"
        self.user = user
        self.user_id = user_id
        self._password = password
        self.user_domain_name = user_domain_name
        self.user_domain_id = user_domain_id
        self.project_name = project_name
        self.project_id = project_id
        self.project_domain_name = project_domain_name
        self.project_domain_id = project_domain_id
        self.application_credential_id = application_credential_id
        self.application_credential_name = application_credential_name
        self._app_secret = application_credential_secret
        super().__init__(token_cache)
        self._catalog: List[Mapping[str, Any]] = []
        self._issued: Optional[float] = None
        self.clock = ServerClock(clock, server="Keystone")
        self.project: Dict[str, Any] = {}
        self.request_body()  # check the arguments now

    # -- the request -------------------------------------------------------------
    def request_body(self) -> Dict[str, Any]:
        """The JSON body of ``POST /v3/auth/tokens``.

        :raises InvalidArgument: the credentials are incomplete.
        """
        identity: Dict[str, Any]
        if self.application_credential_id or self.application_credential_name:
            if not self._app_secret:
                raise InvalidArgument("an application credential needs its secret")
            cred: Dict[str, Any] = {"secret": self._app_secret}
            if self.application_credential_id:
                cred["id"] = self.application_credential_id
            else:
                if not (self.user or self.user_id):
                    raise InvalidArgument("an application credential given by name needs "
                                          "its user (user, or user_id)")
                cred["name"] = self.application_credential_name
                cred["user"] = ({"id": self.user_id} if self.user_id else {
                    "name": self.user,
                    "domain": self._domain(self.user_domain_id, self.user_domain_name)})
            identity = {"methods": ["application_credential"],
                        "application_credential": cred}
            return {"auth": {"identity": identity}}  # scoped by the credential itself
        if not self._password or not (self.user or self.user_id):
            raise InvalidArgument("Keystone needs user and password, or an application "
                                  "credential (id, or name and user) and its secret")
        user: Dict[str, Any] = {"password": self._password}
        if self.user_id:
            user["id"] = self.user_id
        else:
            user["name"] = self.user
            user["domain"] = self._domain(self.user_domain_id, self.user_domain_name)
        identity = {"methods": ["password"], "password": {"user": user}}
        body: Dict[str, Any] = {"auth": {"identity": identity}}
        if self.project_id:
            body["auth"]["scope"] = {"project": {"id": self.project_id}}
        elif self.project_name:
            body["auth"]["scope"] = {"project": {
                "name": self.project_name,
                "domain": self._domain(self.project_domain_id, self.project_domain_name)}}
        return body

    @staticmethod
    def _domain(domain_id: Optional[str], domain_name: Optional[str]) -> Dict[str, str]:
        if domain_id:
            return {"id": domain_id}
        return {"name": domain_name or "Default"}

    # -- plugin contract ---------------------------------------------------------
    @property
    def _secret(self) -> str:
        """What this plugin logs in with (part of its cache key)."""
        if self.application_credential_id or self.application_credential_name:
            return self._app_secret or ""
        return self._password or ""

    @property
    def _cache_key(self) -> str:
        secret = self._secret
        if self.application_credential_id:
            return TokenCache.key(self.auth_url, f"appcred:{self.application_credential_id}",
                                  secret)
        who = self.user_id or f"{self.user_domain_id or self.user_domain_name}/{self.user}"
        if self.application_credential_name:
            return TokenCache.key(self.auth_url,
                                  f"appcred:{self.application_credential_name}@{who}", secret)
        scope = self.project_id or (
            f"{self.project_domain_id or self.project_domain_name}/{self.project_name}")
        return TokenCache.key(self.auth_url, f"{who}@{scope}", secret)

    @property
    def expires(self) -> Optional[float]:
        """When the token expires (epoch seconds), if known."""
        return self._expires

    @property
    def valid(self) -> bool:
        """Whether the token can be used without authenticating again.

        A token counts as stale ``_renew_margin`` seconds before it expires,
        or half its life before, for a token that lives less than twice the
        margin (an application credential about to expire caps the life of
        its tokens): otherwise every request would authenticate anew.
        """
        if not self._token:
            return False
        if self._expires is None:
            return True
        margin = self._renew_margin
        if self._issued is not None:
            margin = min(margin, max(0.0, (self._expires - self._issued) / 2))
        return self._expires > self.clock.now() + margin

    def authenticate(self, http: "HTTPClient") -> None:
        with self._lock:
            if self.valid:
                return
            entry = self._cached()
            if entry and isinstance(entry.get("catalog"), list):
                # The cache keeps times on this host's clock (it judges
                # expiry by it), with Keystone's offset beside them.
                offset = float(entry.get("clock_offset") or 0.0)
                if offset:
                    self.clock.learn(self.clock.local() + offset)
                self._token = entry["token"]
                self._expires = _shifted(entry.get("expires"), offset)
                self._issued = _shifted(entry.get("issued"), offset)
                self._catalog = entry["catalog"]
                self.project = entry.get("project") or {}
                return
            resp, doc = http.request_json(
                "POST", self.auth_url + "/auth/tokens", json=self.request_body(),
                authenticated=False, service="auth", idempotent=True)
            token = resp.headers.get("X-Subject-Token")
            body = (doc or {}).get("token") if isinstance(doc, dict) else None
            if not token or not isinstance(body, dict):
                raise Unauthorized("Keystone answered without a token",
                                   status=resp.status_code, method="POST",
                                   url=self.auth_url + "/auth/tokens")
            self._token = token
            self._expires = parse_expires_at(body.get("expires_at"))
            self._issued = parse_expires_at(body.get("issued_at"))
            # (issued_at would do only for a fresh token, and is cut to the
            # second by fernet tokens: the Date of this answer is "now".)
            stated = server_time_of(resp.headers)
            if stated is not None:
                self.clock.learn(stated)
            self._catalog = list(body.get("catalog") or [])
            self.project = dict(body.get("project") or {})
            if self.token_cache is not None:
                offset = self.clock.offset
                self.token_cache.save(self._cache_key, {
                    "token": token, "expires": _shifted(self._expires, -offset),
                    "issued": _shifted(self._issued, -offset), "clock_offset": offset,
                    "catalog": self._catalog, "project": self.project, "endpoint": None})

    def get_headers(self) -> Dict[str, str]:
        return {"X-Auth-Token": self._token} if self._token else {}

    def get_endpoint(self, service_type: Optional[str] = None,
                     interface: Optional[str] = None,
                     region: Optional[str] = None) -> Optional[str]:
        """The catalog URL of ``service_type`` (default ``object-store``).

        :raises NotFound: the catalog has no such endpoint (the message
            lists the ones it has).
        :raises InvalidArgument: the token is unscoped (no project was
            given and the user has no default project), so it has no catalog.
        """
        stype = service_type or "object-store"
        wanted = _INTERFACES.get((interface or "public").lower(), interface or "public")
        url = find_endpoint(self._catalog, stype, wanted, region)
        if url is None and self._token:
            if not self.project and not self._catalog:
                raise InvalidArgument(
                    "Keystone gave an unscoped token (no project, no catalog): give "
                    "project_name with project_domain_name/_id, or project_id")
            where = f" in region {region}" if region else ""
            have = describe_endpoints(self._catalog, stype)
            raise NotFound(f"the Keystone catalog has no {wanted} {stype} endpoint{where} "
                           f"(it has: {have or 'none'})")
        return url

    def __repr__(self) -> str:
        secret = self._password or self._app_secret or ""
        who = (self.application_credential_id or self.application_credential_name
               or self.user_id or self.user)
        return (f"KeystoneAuth(auth_url={self.auth_url!r}, user={who!r}, "
                f"secret={redact_value(secret)!r})")


def _shifted(when: Optional[float], seconds: float) -> Optional[float]:
    """``when + seconds``, None staying None."""
    return None if when is None else when + seconds
