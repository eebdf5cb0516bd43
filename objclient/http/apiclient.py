"""OpenStack-style service clients over :class:`~objclient.http.HTTPClient`.

troveclient (and the other clients that copied oslo's ``apiclient``) write a
service client as a :class:`BaseClient` subclass naming its
``service_type``; the clients share one ``HTTPClient``, which authenticates
once for all of them and finds each one's endpoint in the auth plugin's
catalog::

    class IdentityClient(BaseClient):
        service_type = "identity"

        def projects(self):
            return self.get("/auth/projects").json()["projects"]

    http = HTTPClient(KeystoneAuth(auth_url, user=..., password=..., ...))
    IdentityClient(http).projects()
    http.identity.projects()          # the client registered by add_client

The :class:`ServiceClients` half is mixed into ``HTTPClient`` (its
``add_client``, ``client_request``, ``concat_url`` and ``serialize``);
``doc/parity/troveclient.rst`` lists every item of troveclient's module and
what objclient does with it.
"""

from __future__ import annotations

import importlib
import json as jsonlib
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, Mapping, Optional, Union

from .token_cache import TokenCache
from ..exceptions import InvalidArgument, UnsupportedVersion

if TYPE_CHECKING:  # pragma: no cover
    from .client import HTTPClient
    from .transport import Response

__all__ = ["BaseClient", "ServiceClients", "saver_hook", "encode_json"]


def encode_json(document: Any) -> bytes:
    """The bytes objclient sends for a JSON body: compact, UTF-8."""
    return jsonlib.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def saver_hook(saver: Any, auth: Any) -> Optional[Callable[["HTTPClient"], None]]:
    """What to call after each authentication for HTTPClient's ``keyring_saver``.

    ``True`` builds a :class:`~objclient.http.keyring_saver.KeyringSaver`; a
    :class:`~objclient.auth.TokenCache` (a ``KeyringSaver`` is one) becomes
    the plugin's token cache, so the plugin reads and writes it itself and
    nothing is left to call; any other object with ``save(http_client)`` is
    called as troveclient calls its saver.

    :raises NotSupported: ``True`` without the ``keyring`` package.
    :raises InvalidArgument: a token cache for a plugin that keeps no token,
        or already has a cache; or an object without ``save``.
    """
    if saver is None or saver is False:
        return None
    if saver is True:
        from .keyring_saver import KeyringSaver  # only when asked for: keyring is optional
        saver = KeyringSaver()
    if isinstance(saver, TokenCache):
        _give_cache(saver, auth)
        return None
    save = getattr(saver, "save", None)
    if not callable(save):
        raise InvalidArgument("keyring_saver is True, a TokenCache or an object with "
                              f"save(http_client), not a {type(saver).__name__}")
    return save  # type: ignore[no-any-return]


def _give_cache(cache: TokenCache, auth: Any) -> None:
    """Make ``cache`` the token cache of ``auth``."""
    if auth is None:
        raise InvalidArgument("keyring_saver needs an auth plugin whose tokens it keeps")
    if not hasattr(auth, "token_cache"):
        raise InvalidArgument(f"keyring_saver: the auth plugin {type(auth).__name__} keeps "
                              "no token to save")
    if auth.token_cache is not None and auth.token_cache is not cache:
        raise InvalidArgument("keyring_saver: the auth plugin already has a token cache")
    auth.token_cache = cache


class ServiceClients:
    """troveclient's ``HTTPClient`` methods for :class:`BaseClient` services
    (mixed into :class:`~objclient.http.HTTPClient`)."""

    if TYPE_CHECKING:  # what the HTTPClient this is mixed into provides
        auth: Any
        endpoint: Optional[str]
        endpoint_type: str
        region_name: Optional[str]
        _auth_generation: int

        _auth_headers: Callable[[], Any]
        request: Callable[..., Response]

    @property
    def auth_plugin(self) -> Any:
        """The auth plugin (troveclient's name for :attr:`auth`)."""
        return self.auth

    def add_client(self, base_client_instance: "BaseClient") -> None:
        """Register a service client as an attribute named after its
        ``service_type`` (``http.identity``), unless that name is taken.

        :param base_client_instance: a :class:`BaseClient`.
        """
        service_type = base_client_instance.service_type
        if service_type and not hasattr(self, service_type):
            setattr(self, service_type, base_client_instance)

    @staticmethod
    def concat_url(endpoint: str, url: str) -> str:
        """``endpoint`` and ``url`` joined by exactly one slash; the slashes
        around ``url`` go (``"http://k/v3/"``, ``"/projects/"`` gives
        ``"http://k/v3/projects"``).

        :param endpoint: the base URL.
        :param url: the path below it.
        """
        return f"{endpoint.rstrip('/')}/{url.strip('/')}"

    def serialize(self, kwargs: Dict[str, Any]) -> None:
        """Turn ``kwargs["json"]`` into a ``data`` body with a JSON
        ``Content-Type`` (in place; ``json`` is removed even when None).

        :param kwargs: keyword arguments meant for :meth:`request`.
        """
        document = kwargs.pop("json", None)
        if document is not None:
            kwargs["headers"] = dict(kwargs.get("headers") or {})
            kwargs["headers"]["Content-Type"] = "application/json"
            kwargs["data"] = encode_json(document)

    def client_request(self, client: "BaseClient", method: str, url: str,
                       **kwargs: Any) -> Response:
        """Send a request to ``url`` below ``client``'s endpoint.

        The endpoint is the client's ``cached_endpoint`` or, once per
        authentication, the catalog's for its ``service_type``,
        ``endpoint_type`` (or this client's) and :attr:`region_name`, or
        else this client's endpoint URL.  A 401 authenticates once more and
        resends (in :meth:`request`).

        :param client: a :class:`BaseClient`.
        :param method: the HTTP method.
        :param url: the path below the endpoint.
        :param kwargs: any keyword of :meth:`request`.
        :returns: the response, its body read.
        :raises ClientError: a typed error (``NotFound`` when the catalog
            has no such endpoint).
        """
        return self.request(method, self.concat_url(self._endpoint_for(client), url), **kwargs)

    def _endpoint_for(self, client: "BaseClient") -> str:
        """``client``'s endpoint, looked up again after each authentication."""
        if client.cached_endpoint and client._endpoint_generation in (
                None, self._auth_generation):
            return client.cached_endpoint
        endpoint = None
        if self.auth is not None:
            self._auth_headers()
            endpoint = self.auth.get_endpoint(
                client.service_type, client.endpoint_type or self.endpoint_type,
                self.region_name)
        endpoint = endpoint or self.endpoint
        if not endpoint:
            raise InvalidArgument(f"no endpoint for the {client.service_type or 'unnamed'} "
                                  "service: the auth plugin has none and the HTTPClient "
                                  "was given no endpoint URL")
        client.cached_endpoint = endpoint
        client._endpoint_generation = self._auth_generation
        return endpoint


class BaseClient:
    """An OpenStack-style service client: sends its requests below its
    service's endpoint through a shared :class:`~objclient.http.HTTPClient`.

    Subclasses set :attr:`service_type` (and may set :attr:`endpoint_type`).

    :param http_client: the :class:`~objclient.http.HTTPClient`; this client
        registers itself on it (:meth:`~ServiceClients.add_client`).
    :param extensions: objects with ``name`` and ``manager_class``; each
        ``manager_class(self)`` becomes the attribute ``name``.
    """

    #: The catalog type of the service (``identity``, ``object-store`` ...).
    service_type: Optional[str] = None
    #: ``publicURL`` ... for this service; None takes the HTTPClient's.
    endpoint_type: Optional[str] = None
    #: The endpoint in use (found on the first request, or set to pin one).
    cached_endpoint: Optional[str] = None
    # The authentication the cached endpoint was found with (None: pinned).
    _endpoint_generation: Optional[int] = None

    def __init__(self, http_client: "HTTPClient", extensions: Optional[Iterable[Any]] = None,
                 ) -> None:
        self.http_client = http_client
        http_client.add_client(self)
        for extension in extensions or ():
            if extension.manager_class:
                setattr(self, extension.name, extension.manager_class(self))

    def client_request(self, method: str, url: str, **kwargs: Any) -> Response:
        """:meth:`HTTPClient.client_request <ServiceClients.client_request>` for this client."""
        return self.http_client.client_request(self, method, url, **kwargs)

    def head(self, url: str, **kwargs: Any) -> Response:
        """``client_request("HEAD", url, ...)``."""
        return self.client_request("HEAD", url, **kwargs)

    def get(self, url: str, **kwargs: Any) -> Response:
        """``client_request("GET", url, ...)``."""
        return self.client_request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Response:
        """``client_request("POST", url, ...)``; not resent unless ``idempotent=True``."""
        return self.client_request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> Response:
        """``client_request("PUT", url, ...)``."""
        return self.client_request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Response:
        """``client_request("DELETE", url, ...)``."""
        return self.client_request("DELETE", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> Response:
        """``client_request("PATCH", url, ...)``."""
        return self.client_request("PATCH", url, **kwargs)

    @staticmethod
    def get_class(api_name: str, version: Union[str, int, float],
                  version_map: Mapping[str, Union[str, type]]) -> type:
        """The client class for an API version.

        :param api_name: the API's name, for the error message (``compute`` ...).
        :param version: the version asked for (``2``, ``"2.1"``).
        :param version_map: classes, or their dotted paths
            (``"pkg.v2.client.Client"``), keyed by version string.
        :returns: the class.
        :raises UnsupportedVersion: ``version`` is not in the map.
        :raises InvalidArgument: the dotted path does not name a class.
        """
        try:
            target = version_map[str(version)]
        except KeyError:
            raise UnsupportedVersion(
                f"Invalid {api_name} client version '{version}'. must be one of: "
                f"{', '.join(version_map)}") from None
        if isinstance(target, type):
            return target
        return _import_class(target)


def _import_class(path: str) -> type:
    """The class a dotted path names.

    :raises InvalidArgument: no such module or class.
    """
    module_name, _dot, name = path.rpartition(".")
    try:
        found = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError, ValueError):
        raise InvalidArgument(f"cannot import the client class {path!r}") from None
    if not isinstance(found, type):
        raise InvalidArgument(f"{path!r} is not a class")
    return found
