"""A synchronous ReductStore client (server, tokens, replications).

:class:`ReductClient` covers the HTTP API v1 as the reference
(``shared/protocols/reductstore.md``) describes it; buckets, entries and
records are in :mod:`objclient.backends.reduct.bucket`.  All HTTP goes
through one :class:`~objclient.http.HTTPClient`, so retries (429, 503 while
the server starts), timeouts and deadlines work as everywhere in objclient.

Names, parameter order and defaults are reduct-py's ``Client``
(``shared/seeds/000``), made synchronous; results are the typed models of
:mod:`.models` (they still read as dicts).

Errors: the server's ``x-reduct-error`` header becomes the error message;
the status picks the objclient class (404 on a bucket -> NoSuchContainer,
on an entry or record -> NoSuchObject), and every error is also a
:class:`~.errors.ReductError` with ``status_code`` and ``message``.
"""

from __future__ import annotations

import datetime as _dt
import logging
import threading
import time
from typing import (TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Sequence,
                    Tuple, Union)

import attrs
import urllib3

from ...contract import DEFAULT_OPTS, CallOptions
from ...exceptions import (ClientError, Conflict, InvalidArgument, NoSuchContainer,
                           NoSuchObject, ServiceUnavailable, class_for_status,
                           parse_retry_after, server_message_of)
from ...http import HTTPClient
from ...http.redact import redact_url
from ...http.transport import Response
from .errors import ReductError, as_reduct_error, reduct_class
from .models import (BucketInfo, FullTokenInfo, Permissions, ReplicationDetailInfo,
                     ReplicationInfo, ReplicationSettings, ServerInfo, Token, model_from)
from .wire import from_header, json_settings

if TYPE_CHECKING:  # pragma: no cover
    import requests

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
    """A synchronous client for one ReductStore server (reduct-py's ``Client``).

    Example::

        client = Client("http://127.0.0.1:8383")
        info = client.info()

    :param url: the server URL, e.g. ``http://localhost:8383`` (a path is
        the server's ``RS_API_BASE_PATH``).
    :param api_token: a token sent as ``Authorization: Bearer``.
    :param timeout: total timeout of each call in seconds: connection,
        request and response (a streamed record body is bounded by the read
        timeout); objclient's ``(connect, read)`` pair sets only those.
    :param extra_headers: headers added to every request.
    :param session: a :class:`requests.Session` to use (reduct-py takes an
        aiohttp session here).
    :param verify_ssl: verify TLS certificates (or a CA bundle path).
    :param http: an existing HTTPClient to share (then the other
        connection keywords are ignored); the facade backend passes its own.
    :param http_options: passed on to :class:`~objclient.http.HTTPClient`
        (``retries``, ``pool_size`` ...).
    :raises InvalidArgument: no URL.
    """

    def __init__(self, url: str, api_token: Optional[str] = None,
                 timeout: Any = None, extra_headers: Optional[Mapping[str, str]] = None, *,
                 session: Optional[requests.Session] = None,
                 verify_ssl: Union[bool, str] = True,
                 http: Optional[HTTPClient] = None, **http_options: Any) -> None:
        if http is None:
            if not url:
                raise InvalidArgument("a ReductStore URL is needed")
            from ...auth import TokenAuth
            auth = TokenAuth(api_token, header="Authorization") if api_token else None
            kwargs: Dict[str, Any] = dict(http_options)
            if timeout is not None:
                kwargs["timeout"] = timeout
            http = HTTPClient(url.rstrip("/"), auth=auth, extra_headers=extra_headers,
                              verify=verify_ssl, session=session, **kwargs)
        self.http = http
        #: The seed's ``timeout`` is a total per call: a deadline for each request.
        self.total_timeout = (float(timeout) if isinstance(timeout, (int, float))
                              and not isinstance(timeout, bool) else None)
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

    def _note_version(self, resp: Response) -> None:
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
                opts: CallOptions = DEFAULT_OPTS, write: bool = False) -> Response:
        """Send one request; raise the mapped error for a status >= 400.

        :param on_retry: called with the retry number before each resend.
        :param write: the request sends record data (``write_timeout`` applies).
        :returns: the response (its body unread when ``stream``).
        :raises ClientError: see the module docstring.
        """
        merged = dict(opts.headers)
        merged.update(headers or {})
        if self.total_timeout is not None and opts.deadline is None:
            opts = attrs.evolve(opts, deadline=time.monotonic() + self.total_timeout)
        try:
            resp = self.http.request(method, path, params=params, headers=merged, data=data,
                                     json=json, stream=stream, idempotent=idempotent,
                                     authenticated=authenticated, raise_on_error=False,
                                     on_retry=on_retry, **opts.http_kwargs("reduct", write=write))
        except ClientError as err:  # no answer (connection, timeout, deadline)
            raise as_reduct_error(err) from err.__cause__
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
    def error_of(resp: Response, method: str) -> ReductError:
        """The error for an error response (§1.3): a :class:`ReductError` of the
        objclient class the status picks."""
        status = resp.status_code
        try:
            body = b"" if method == "HEAD" else resp.content[:65536]
        except (urllib3.exceptions.HTTPError, OSError):
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
        return reduct_class(cls)(
            message or f"HTTP error {status}", status=status, method=method,
            url=redact_url(resp.url or ""), server_message=message,
            retry_after=parse_retry_after(resp.headers.get("retry-after")))

    # -- server API (§2) -------------------------------------------------------
    def info(self, opts: CallOptions = DEFAULT_OPTS) -> ServerInfo:
        """Get high level server info (``GET /info``).

        :returns: version, usage, bucket count, uptime, defaults, license.
        :raises ReductError: if there is an HTTP error.
        """
        return model_from(ServerInfo, self.request_json("GET", self.path("info"), opts=opts))

    def list(self, opts: CallOptions = DEFAULT_OPTS) -> List[BucketInfo]:
        """Get a list of all buckets on server (``GET /list``).

        :returns: the BucketInfo of every bucket the token can read.
        :raises ReductError: if there is an HTTP error.
        """
        doc = self.request_json("GET", self.path("list"), opts=opts) or {}
        return [model_from(BucketInfo, b) for b in doc.get("buckets", [])]

    def alive(self, opts: CallOptions = DEFAULT_OPTS) -> bool:
        """``HEAD /alive`` (no token needed). :returns: True when it answers 200."""
        self.request("HEAD", self.path("alive"), authenticated=False, opts=opts)
        return True

    def ready(self, opts: CallOptions = DEFAULT_OPTS) -> bool:
        """``HEAD /ready`` (1.19): False when the storage is not usable yet (503)."""
        try:
            self.request("HEAD", self.path("ready"), authenticated=False, opts=opts)
        except ServiceUnavailable:
            return False
        return True

    def me(self, opts: CallOptions = DEFAULT_OPTS) -> FullTokenInfo:
        """Get information about the current token (``GET /me``).

        :raises ReductError: if there is an HTTP error.
        """
        return model_from(FullTokenInfo, self.request_json("GET", self.path("me"), opts=opts))

    # -- buckets (§3) ------------------------------------------------------------------
    def get_bucket(self, name: str, opts: CallOptions = DEFAULT_OPTS) -> "Bucket":
        """Load a bucket to work with: a :class:`Bucket` after checking it
        exists (``GET /b/{name}``).

        :raises NoSuchContainer: it does not exist (a :class:`ReductError`).
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
        """Create a new bucket (``POST /b/{name}``).

        :param settings: a :class:`BucketSettings` or a dict; None sends an
            empty body (the server's defaults).
        :param exist_ok: a 409 ``already exists`` is not an error; the
            bucket is returned.
        :raises Conflict: it exists (and not ``exist_ok``), or is being
            deleted (a :class:`ReductError`).
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
    def get_token_list(self, opts: CallOptions = DEFAULT_OPTS) -> List[Token]:
        """Get a list of all tokens (``GET /tokens``; no values).

        :raises ReductError: if there is an HTTP error.
        """
        doc = self.request_json("GET", self.path("tokens"), opts=opts) or {}
        return [model_from(Token, t) for t in doc.get("tokens", [])]

    def get_token(self, name: str, opts: CallOptions = DEFAULT_OPTS) -> FullTokenInfo:
        """Get a token by name, with its permissions (``GET /tokens/{name}``).

        :raises ReductError: if there is an HTTP error.
        """
        return model_from(FullTokenInfo,
                          self.request_json("GET", self.path("tokens", name), opts=opts))

    def create_token(self, name: str, permissions: Union[Permissions, Mapping[str, Any]], *,
                     expires_at: Optional[Union[str, _dt.datetime]] = None,
                     ttl: Optional[int] = None, ip_allowlist: Optional[Sequence[str]] = None,
                     opts: CallOptions = DEFAULT_OPTS) -> str:
        """Create a new token (``POST /tokens/{name}``).

        Servers 1.19+ get ``{"permissions", "expires_at", "ttl",
        "ip_allowlist"}``; older ones the bare permissions (then
        ``expires_at`` and ``ttl`` cannot be sent).

        :param permissions: a :class:`Permissions` or a dict of its fields.
        :returns: the token value.
        :raises ReductError: if there is an HTTP error.
        """
        permissions = model_from(Permissions, permissions)
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
        """Delete a token (``DELETE /tokens/{name}``).

        :raises ReductError: if there is an HTTP error.
        """
        self.request("DELETE", self.path("tokens", name), opts=opts)

    # -- replications (§10) -------------------------------------------------------------
    def get_replications(self, opts: CallOptions = DEFAULT_OPTS) -> List[ReplicationInfo]:
        """Get a list of replications with their statuses (``GET /replications``).

        :raises ReductError: if there is an HTTP error.
        """
        doc = self.request_json("GET", self.path("replications"), opts=opts) or {}
        return [model_from(ReplicationInfo, r) for r in doc.get("replications", [])]

    def get_replication_detail(self, replication_name: str,
                               opts: CallOptions = DEFAULT_OPTS) -> ReplicationDetailInfo:
        """Get detailed information about a replication (``GET
        /replications/{name}``): info, settings (token masked), diagnostics.

        :raises ReductError: if there is an HTTP error.
        """
        return model_from(ReplicationDetailInfo, self.request_json(
            "GET", self.path("replications", replication_name), opts=opts))

    def create_replication(self, replication_name: str,
                           settings: Union[ReplicationSettings, Mapping[str, Any]],
                           opts: CallOptions = DEFAULT_OPTS) -> None:
        """Create a new replication (``POST /replications/{name}``).

        :param settings: a :class:`ReplicationSettings` or a dict of its fields.
        :raises ReductError: if there is an HTTP error.
        """
        self.request("POST", self.path("replications", replication_name),
                     json=json_settings(settings), opts=opts)

    def update_replication(self, replication_name: str,
                           settings: Union[ReplicationSettings, Mapping[str, Any]],
                           opts: CallOptions = DEFAULT_OPTS) -> None:
        """Update an existing replication (``PUT /replications/{name}``).

        :raises ReductError: if there is an HTTP error.
        """
        self.request("PUT", self.path("replications", replication_name),
                     json=json_settings(settings), opts=opts)

    def set_replication_mode(self, replication_name: str, mode: str,
                             opts: CallOptions = DEFAULT_OPTS) -> None:
        """``PATCH /replications/{name}/mode`` (1.18): enabled, paused or disabled."""
        if mode not in ("enabled", "paused", "disabled"):
            raise InvalidArgument("mode is enabled, paused or disabled")
        self.request("PATCH", self.path("replications", replication_name, "mode"),
                     json={"mode": mode}, opts=opts)

    def delete_replication(self, replication_name: str,
                           opts: CallOptions = DEFAULT_OPTS) -> None:
        """Delete a replication (``DELETE /replications/{name}``).

        :raises ReductError: if there is an HTTP error.
        """
        self.request("DELETE", self.path("replications", replication_name), opts=opts)

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
