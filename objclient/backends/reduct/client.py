"""A synchronous ReductStore client (server, tokens, replications).

:class:`ReductClient` covers the HTTP API v1 as the reference
(``shared/protocols/reductstore.md``) describes it; buckets, entries and
records are in :mod:`objclient.backends.reduct.bucket`.  All HTTP goes
through one :class:`~objclient.http.HTTPClient`, so retries (429, 503 while
the server starts), timeouts and deadlines work as everywhere in objclient.

Errors: the server's ``x-reduct-error`` header becomes the error message;
the status picks the class (404 on a bucket -> NoSuchContainer, on an
entry or record -> NoSuchObject).
"""

from __future__ import annotations

import datetime as _dt
import logging
import threading
from typing import (TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Sequence,
                    Tuple, Union)

import requests

from ...contract import DEFAULT_OPTS, CallOptions
from ...exceptions import (ClientError, Conflict, InvalidArgument, NoSuchContainer,
                           NoSuchObject, class_for_status, parse_retry_after,
                           server_message_of)
from ...http import HTTPClient
from ...http.redact import redact_url
from .wire import from_header, json_settings

if TYPE_CHECKING:  # pragma: no cover
    from .bucket import Bucket

__all__ = ["ReductClient", "Client", "API_PREFIX", "SUPPORTED_MAJOR"]

LOG = logging.getLogger("objclient.reduct")
API_PREFIX = "/api/v1"
#: The API major version this client speaks (``x-reduct-api: 1.x``).
SUPPORTED_MAJOR = 1
#: The minor version this client was written against.
CLIENT_MINOR = 21

Version = Tuple[int, int]


class ReductClient:
    """A synchronous client for one ReductStore server.

    :param url: the server URL, e.g. ``http://localhost:8383`` (a path is
        the server's ``RS_API_BASE_PATH``).
    :param api_token: a token sent as ``Authorization: Bearer``.
    :param timeout: seconds, or ``(connect, read)``.
    :param extra_headers: headers added to every request.
    :param verify: TLS verification (bool or CA bundle path).
    :param session: a :class:`requests.Session` to use.
    :param http: an existing HTTPClient to share (then the other
        connection keywords are ignored); the facade backend passes its own.
    """

    def __init__(self, url: Optional[str] = None, api_token: Optional[str] = None,
                 timeout: Any = None, extra_headers: Optional[Mapping[str, str]] = None,
                 verify: Union[bool, str] = True,
                 session: Optional[requests.Session] = None, *,
                 http: Optional[HTTPClient] = None, **http_options: Any) -> None:
        if http is None:
            if not url:
                raise InvalidArgument("a ReductStore URL is needed")
            from ...auth import TokenAuth
            auth = TokenAuth(api_token, header="Authorization") if api_token else None
            kwargs: Dict[str, Any] = dict(http_options)
            if timeout is not None:
                kwargs["timeout"] = timeout
            http = HTTPClient(url, auth=auth, extra_headers=extra_headers, verify=verify,
                              session=session, **kwargs)
        self.http = http
        self._version: Optional[Version] = None
        self._lock = threading.Lock()

    # -- plumbing ------------------------------------------------------------
    def close(self) -> None:
        """Close the connections (of an HTTPClient this client made)."""
        self.http.close()

    def __enter__(self) -> "ReductClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def api_version(self) -> Optional[Version]:
        """``(major, minor)`` from the last ``x-reduct-api`` header seen."""
        return self._version

    def server_version(self) -> Version:
        """The server's API version, asking ``HEAD /alive`` if none was seen yet."""
        if self._version is None:
            self.alive()
        if self._version is None:
            raise ClientError("the server sent no x-reduct-api header; it is older than "
                              "1.5 or not a ReductStore server")
        return self._version

    def supports(self, minor: int) -> bool:
        """Whether the server's API is ``1.<minor>`` or newer."""
        return self.server_version()[1] >= minor

    def _note_version(self, resp: requests.Response) -> None:
        value = resp.headers.get("x-reduct-api")
        if not value:
            return
        try:
            major_text, _, minor_text = value.strip().partition(".")
            version = (int(major_text), int(minor_text or 0))
        except ValueError:
            raise ClientError(f"the server sent a bad x-reduct-api header {value!r}",
                              status=-1) from None
        if version[0] != SUPPORTED_MAJOR:
            raise ClientError(f"Unsupported API version {value}: this client speaks "
                              f"{SUPPORTED_MAJOR}.x", status=400)
        with self._lock:
            if self._version is None and version[1] + 2 < CLIENT_MINOR:
                LOG.warning("ReductStore API %s is older than this client's 1.%d; some "
                            "features may be missing", value, CLIENT_MINOR)
            self._version = version

    @staticmethod
    def path(*parts: str) -> str:
        """``/api/v1/<parts joined by />`` (parts are used as given)."""
        return API_PREFIX + "/" + "/".join(parts)

    def request(self, method: str, path: str, *, params: Any = None,
                headers: Optional[Mapping[str, str]] = None, data: Any = None,
                json: Any = None, stream: bool = False, idempotent: Optional[bool] = None,
                authenticated: bool = True,
                on_retry: Optional[Callable[[int], None]] = None,
                opts: CallOptions = DEFAULT_OPTS) -> requests.Response:
        """Send one request; raise the mapped error for a status >= 400.

        :param on_retry: called with the retry number before each resend.
        :returns: the response (its body unread when ``stream``).
        :raises ClientError: see the module docstring.
        """
        merged = dict(opts.headers)
        merged.update(headers or {})
        resp = self.http.request(method, path, params=params, headers=merged, data=data,
                                 json=json, stream=stream, idempotent=idempotent,
                                 authenticated=authenticated, raise_on_error=False,
                                 on_retry=on_retry, **opts.http_kwargs("reduct"))
        self._note_version(resp)
        if resp.status_code >= 400:
            raise self.error_of(resp, method)
        return resp

    def request_json(self, method: str, path: str, **kwargs: Any) -> Any:
        """:meth:`request` and decode the JSON body (None when empty)."""
        resp = self.request(method, path, **kwargs)
        if not resp.content:
            return None
        try:
            return resp.json()
        except ValueError:
            raise ClientError("the server sent a body that is not valid JSON",
                              status=resp.status_code, method=method,
                              url=redact_url(resp.url or path)) from None

    @staticmethod
    def error_of(resp: requests.Response, method: str) -> ClientError:
        """The objclient error for an error response (§1.3)."""
        status = resp.status_code
        try:
            body = b"" if method == "HEAD" else resp.content[:65536]
        except (requests.exceptions.RequestException, OSError):
            body = b""
        finally:
            resp.close()
        message = resp.headers.get("x-reduct-error")
        message = from_header(message) if message else None
        if not message:
            message = server_message_of(body, resp.headers.get("content-type", ""))[0]
        cls = class_for_status(status)
        if status == 404 and message:
            if message.startswith("Bucket '"):
                cls = NoSuchContainer
            elif message.startswith(("Entry '", "Record ")):
                cls = NoSuchObject
        return cls(message or f"HTTP error {status}", status=status, method=method,
                   url=redact_url(resp.url or ""), server_message=message,
                   retry_after=parse_retry_after(resp.headers.get("retry-after")))

    # -- server API (§2) -------------------------------------------------------
    def info(self, opts: CallOptions = DEFAULT_OPTS) -> Dict[str, Any]:
        """``GET /info``: version, usage, bucket count, defaults, license."""
        return self.request_json("GET", self.path("info"), opts=opts)  # type: ignore[no-any-return]

    def list(self, opts: CallOptions = DEFAULT_OPTS) -> List[Dict[str, Any]]:
        """``GET /list``: the BucketInfo of every bucket the token can read."""
        doc = self.request_json("GET", self.path("list"), opts=opts) or {}
        return list(doc.get("buckets", []))

    def alive(self, opts: CallOptions = DEFAULT_OPTS) -> bool:
        """``HEAD /alive`` (no token needed). :returns: True when it answers 200."""
        self.request("HEAD", self.path("alive"), authenticated=False, opts=opts)
        return True

    def ready(self, opts: CallOptions = DEFAULT_OPTS) -> bool:
        """``HEAD /ready`` (1.19): False when the storage is not usable yet (503)."""
        from ...exceptions import ServiceUnavailable
        try:
            self.request("HEAD", self.path("ready"), authenticated=False, opts=opts)
        except ServiceUnavailable:
            return False
        return True

    def me(self, opts: CallOptions = DEFAULT_OPTS) -> Dict[str, Any]:
        """``GET /me``: the caller's token (``value`` is empty)."""
        return self.request_json("GET", self.path("me"), opts=opts)  # type: ignore[no-any-return]

    # -- buckets (§3) ------------------------------------------------------------------
    def get_bucket(self, name: str, opts: CallOptions = DEFAULT_OPTS) -> "Bucket":
        """A :class:`Bucket` after checking it exists (``GET /b/{name}``).

        :raises NoSuchContainer: it does not exist.
        """
        from .bucket import Bucket
        bucket = Bucket(name, self)
        bucket.get_full_info(opts=opts)
        return bucket

    def bucket(self, name: str) -> "Bucket":
        """A :class:`Bucket` handle, without any request."""
        from .bucket import Bucket
        return Bucket(name, self)

    def create_bucket(self, name: str, settings: Optional[Any] = None,
                      exist_ok: bool = False, opts: CallOptions = DEFAULT_OPTS) -> "Bucket":
        """``POST /b/{name}``; no settings sends an empty body (server defaults).

        :param settings: a :class:`BucketSettings` or a dict.
        :param exist_ok: a 409 ``already exists`` is not an error.
        :raises Conflict: it exists (and not ``exist_ok``), or is being deleted.
        """
        from .bucket import Bucket
        body = json_settings(settings)
        try:
            if body:
                self.request("POST", self.path("b", name), json=body, opts=opts)
            else:
                self.request("POST", self.path("b", name), opts=opts)
        except Conflict as err:
            if not (exist_ok and "already exists" in (err.server_message or "")):
                raise
        return Bucket(name, self)

    # -- tokens (§9) ---------------------------------------------------------------------
    def get_token_list(self, opts: CallOptions = DEFAULT_OPTS) -> List[Dict[str, Any]]:
        """``GET /tokens`` (values are empty)."""
        doc = self.request_json("GET", self.path("tokens"), opts=opts) or {}
        return list(doc.get("tokens", []))

    def get_token(self, name: str, opts: CallOptions = DEFAULT_OPTS) -> Dict[str, Any]:
        """``GET /tokens/{name}``."""
        return self.request_json("GET", self.path("tokens", name), opts=opts)  # type: ignore[no-any-return]

    def create_token(self, name: str, permissions: Mapping[str, Any], *,
                     expires_at: Optional[Union[str, _dt.datetime]] = None,
                     ttl: Optional[int] = None, ip_allowlist: Optional[Sequence[str]] = None,
                     opts: CallOptions = DEFAULT_OPTS) -> str:
        """``POST /tokens/{name}``. :returns: the secret value.

        Servers 1.19+ get ``{"permissions", "expires_at", "ttl",
        "ip_allowlist"}``; older ones the bare permissions (then
        ``expires_at`` and ``ttl`` cannot be sent).
        """
        perms = {"full_access": bool(permissions.get("full_access", False)),
                 "read": list(permissions.get("read", [])),
                 "write": list(permissions.get("write", []))}
        if isinstance(expires_at, _dt.datetime):
            if expires_at.tzinfo is None:
                expires_at = expires_at.replace(tzinfo=_dt.timezone.utc)
            expires_at = expires_at.isoformat().replace("+00:00", "Z")
        if self.supports(19):
            body: Dict[str, Any] = {"permissions": perms, "expires_at": expires_at,
                                    "ttl": ttl, "ip_allowlist": list(ip_allowlist or [])}
        else:
            if expires_at is not None or ttl is not None:
                raise InvalidArgument("token expiry needs a ReductStore server 1.19 or newer")
            body = dict(perms)
            if ip_allowlist:
                body["ip_allowlist"] = list(ip_allowlist)
        doc = self.request_json("POST", self.path("tokens", name), json=body, opts=opts)
        return str(doc["value"])

    def rotate_token(self, name: str, opts: CallOptions = DEFAULT_OPTS) -> str:
        """``POST /tokens/{name}/rotate`` (1.19). :returns: the new secret."""
        doc = self.request_json("POST", self.path("tokens", name, "rotate"), opts=opts)
        return str(doc["value"])

    def remove_token(self, name: str, opts: CallOptions = DEFAULT_OPTS) -> None:
        """``DELETE /tokens/{name}``."""
        self.request("DELETE", self.path("tokens", name), opts=opts)

    # -- replications (§10) -------------------------------------------------------------
    def get_replications(self, opts: CallOptions = DEFAULT_OPTS) -> List[Dict[str, Any]]:
        """``GET /replications``: ReplicationInfo of every task."""
        doc = self.request_json("GET", self.path("replications"), opts=opts) or {}
        return list(doc.get("replications", []))

    def get_replication_detail(self, name: str,
                               opts: CallOptions = DEFAULT_OPTS) -> Dict[str, Any]:
        """``GET /replications/{name}``: info, settings (token masked), diagnostics."""
        return self.request_json("GET", self.path("replications", name), opts=opts)  # type: ignore[no-any-return]

    def create_replication(self, name: str, settings: Mapping[str, Any],
                           opts: CallOptions = DEFAULT_OPTS) -> None:
        """``POST /replications/{name}`` with ReplicationSettings."""
        self.request("POST", self.path("replications", name), json=dict(settings), opts=opts)

    def update_replication(self, name: str, settings: Mapping[str, Any],
                           opts: CallOptions = DEFAULT_OPTS) -> None:
        """``PUT /replications/{name}`` with ReplicationSettings."""
        self.request("PUT", self.path("replications", name), json=dict(settings), opts=opts)

    def set_replication_mode(self, name: str, mode: str,
                             opts: CallOptions = DEFAULT_OPTS) -> None:
        """``PATCH /replications/{name}/mode`` (1.18): enabled, paused or disabled."""
        if mode not in ("enabled", "paused", "disabled"):
            raise InvalidArgument("mode is enabled, paused or disabled")
        self.request("PATCH", self.path("replications", name, "mode"), json={"mode": mode},
                     opts=opts)

    def delete_replication(self, name: str, opts: CallOptions = DEFAULT_OPTS) -> None:
        """``DELETE /replications/{name}``."""
        self.request("DELETE", self.path("replications", name), opts=opts)

    # -- lifecycles (§11, 1.20) -------------------------------------------------------
    def get_lifecycles(self, opts: CallOptions = DEFAULT_OPTS) -> List[Dict[str, Any]]:
        """``GET /lifecycles`` (1.20).  The reference does not give the list's
        shape; ``{"lifecycles": [...]}`` is assumed, as for replications."""
        doc = self.request_json("GET", self.path("lifecycles"), opts=opts) or {}
        return list(doc.get("lifecycles", []))

    def get_lifecycle_detail(self, name: str,
                             opts: CallOptions = DEFAULT_OPTS) -> Dict[str, Any]:
        """``GET /lifecycles/{name}``."""
        return self.request_json("GET", self.path("lifecycles", name), opts=opts)  # type: ignore[no-any-return]

    def create_lifecycle(self, name: str, settings: Mapping[str, Any],
                         opts: CallOptions = DEFAULT_OPTS) -> None:
        """``POST /lifecycles/{name}`` with ``{type, bucket, entries, older_than,
        interval, when, mode}``."""
        self.request("POST", self.path("lifecycles", name), json=dict(settings), opts=opts)

    def update_lifecycle(self, name: str, settings: Mapping[str, Any],
                         opts: CallOptions = DEFAULT_OPTS) -> None:
        """``PUT /lifecycles/{name}``."""
        self.request("PUT", self.path("lifecycles", name), json=dict(settings), opts=opts)

    def set_lifecycle_mode(self, name: str, mode: str,
                           opts: CallOptions = DEFAULT_OPTS) -> None:
        """``PATCH /lifecycles/{name}/mode``: enabled, disabled or dry_run."""
        if mode not in ("enabled", "disabled", "dry_run"):
            raise InvalidArgument("mode is enabled, disabled or dry_run")
        self.request("PATCH", self.path("lifecycles", name, "mode"), json={"mode": mode},
                     opts=opts)

    def delete_lifecycle(self, name: str, opts: CallOptions = DEFAULT_OPTS) -> None:
        """``DELETE /lifecycles/{name}``."""
        self.request("DELETE", self.path("lifecycles", name), opts=opts)


#: reduct-py's name for the client.
Client = ReductClient
