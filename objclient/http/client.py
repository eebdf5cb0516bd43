"""HTTPClient: the one place where objclient talks HTTP.

One :class:`HTTPClient` is shared by the four sub-clients of an
:class:`~objclient.ObjectStorageApi`.  It owns a :class:`requests.Session`
over urllib3 pools, the auth plugin (re-authenticating once on a 401, and
signing once more after a 403 that taught it the server's clock), the retry
policy, timeouts and deadlines, JSON encoding and decoding, per-request
timings, and curl-style debug logging with secrets redacted.

It is safe to use from many threads at once, and after ``os.fork()``: a
child process gets fresh connection pools on its first request.
"""

from __future__ import annotations

import json as jsonlib
import logging
import os
import random
import re
import threading
import time
import urllib.request
from urllib.parse import urljoin, urlsplit
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Tuple, Union

import requests
import requests.adapters
import urllib3
from requests.structures import CaseInsensitiveDict

from .._version import __version__
from ..exceptions import (ClientError, ConnectionFailed, DeadlineReached,
                          InvalidArgument, Timeout, from_response)
from ..auth.base import AuthPlugin
from ..models import TimingRecord
from .apiclient import ServiceClients, saver_hook
from .redact import (SECRET_HEADERS, RedactingFilter, curl_command, loggable_body, redact_headers,
                     redact_url)
from .direct import DirectRequest, DirectResponse, PoolCache, split_url
from .direct import urlopen as direct_urlopen
from .retry import RetryPolicy

__all__ = ["HTTPClient", "DEFAULT_TIMEOUT", "check_header"]

LOG = logging.getLogger("objclient.http")


def _guard_urllib3_log() -> None:
    # urllib3 logs every request line with its query string (signatures).
    pool_log = logging.getLogger("urllib3.connectionpool")
    if not any(isinstance(f, RedactingFilter) for f in pool_log.filters):
        pool_log.addFilter(RedactingFilter())


_guard_urllib3_log()

#: (connect, read) seconds: finite by default.
DEFAULT_TIMEOUT: Tuple[float, float] = (5.0, 60.0)
_ERROR_BODY_LIMIT = 65536
_SEND_BLOCK = 1024 * 1024
#: What every request carries besides the User-Agent.  (requests' sessions
#: also send ``Accept: */*`` and ``Connection: keep-alive``, which HTTP/1.1
#: means when they are absent: two header lines less per request.)
_DEFAULT_HEADERS = {"Accept-Encoding": "gzip, deflate"}
_READ_CHUNK = 65536

TimeoutArg = Union[None, float, Tuple[float, float]]


_BAD_NAME = re.compile("[\r\n\0:() \t,;]")
_BAD_VALUE = re.compile("[\r\n\0]")


def check_header(name: str, value: str) -> None:
    """Refuse a header that would split or corrupt the request.

    :raises InvalidArgument: the name or value holds CR, LF or NUL, the
        value starts or ends with whitespace (servers drop it), or the name
        is empty or not a token.
    """
    if not name or _BAD_NAME.search(name):
        raise InvalidArgument(f"invalid header name {name!r}")
    if _BAD_VALUE.search(value):
        raise InvalidArgument(f"header {name!r} has a CR, LF or NUL character in its value")
    if value and (value[0] in " \t" or value[-1] in " \t"):
        raise InvalidArgument(f"header {name!r} has a value that starts or ends with "
                              "whitespace, which HTTP does not keep")
    if not value.isascii():
        try:
            value.encode("latin-1")
        except UnicodeEncodeError:
            raise InvalidArgument(f"header {name!r} has characters HTTP cannot carry "
                                  "(outside Latin-1); encode the value first") from None


class _Body:
    """A request body that knows whether it can be sent again."""

    def __init__(self, data: Any) -> None:
        self.sent = 0
        self.started = False
        self.rewindable = True
        self._start: Optional[int] = None
        if data is None:
            self.data: Any = None
        elif isinstance(data, str):
            self.data = data.encode("utf-8")
        elif isinstance(data, (bytes, bytearray, memoryview)):
            self.data = bytes(data)
        elif hasattr(data, "read"):
            self.data = data
            try:
                self._start = data.tell()
                data.seek(self._start)
            except (AttributeError, OSError, ValueError):
                self._start = None
                self.rewindable = False
        elif isinstance(data, dict):
            self.data = data
        elif isinstance(data, Iterable):
            self.data = self._counting(iter(data))
            self.rewindable = False
        else:
            raise InvalidArgument(f"cannot send a body of type {type(data).__name__}")

    def _counting(self, it: Iterator[Any]) -> Iterator[bytes]:
        for piece in it:
            self.started = True
            if isinstance(piece, str):
                piece = piece.encode("utf-8")
            self.sent += len(piece)
            yield piece

    @property
    def length(self) -> int:
        if isinstance(self.data, bytes):
            return len(self.data)
        if self._start is not None:
            try:
                return max(0, self.data.tell() - self._start)
            except (OSError, ValueError):
                return 0
        return self.sent

    @property
    def may_have_started(self) -> bool:
        """True when a resend could not repeat the same body."""
        return not self.rewindable and self.started

    def mark_sent(self) -> None:
        """Called once an attempt went past connecting."""
        if not self.rewindable:
            self.started = True

    def rewind(self) -> None:
        if self._start is not None:
            self.data.seek(self._start)


class _Adapter(requests.adapters.HTTPAdapter):
    """requests' adapter, sending bodies in 1 MiB blocks instead of 16 KiB."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("blocksize", _SEND_BLOCK)
        super().init_poolmanager(*args, **kwargs)


class HTTPClient(ServiceClients):
    """The wire layer shared by all of an API's sub-clients.

    The positional parameters are troveclient's ``apiclient.HTTPClient``'s,
    in its order (see ``doc/parity/troveclient.rst``); the first one is told
    apart by its type: a ``str`` is the endpoint URL, an
    :class:`~objclient.auth.AuthPlugin` is the auth plugin.

    :param auth_plugin: an :class:`~objclient.auth.AuthPlugin`, or the
        endpoint URL as a ``str`` (objclient's older first argument).
    :param region_name: region passed to the auth plugin's endpoint lookup.
    :param endpoint_type: ``publicURL``, ``internalURL`` or ``adminURL``
        (``public``, ``internal``, ``admin`` too).
    :param original_ip: the end user's address, sent as ``Forwarded``.
    :param verify: TLS verification (bool or CA bundle path).
    :param cert: client certificate (path or ``(cert, key)``).
    :param timeout: seconds, or a ``(connect, read)`` pair; None means
        :data:`DEFAULT_TIMEOUT` (never "wait forever").
    :param timings: record every request (see :meth:`get_timings`).
    :param keyring_saver: keep tokens between runs: ``True`` for a
        :class:`~objclient.http.keyring_saver.KeyringSaver` (needs the
        optional ``keyring`` package), a
        :class:`~objclient.auth.TokenCache` (given to the plugin), or any
        object with ``save(http_client)``, called after each authentication.
    :param debug: log curl-style request and response lines at DEBUG on the
        ``objclient.http`` logger.
    :param user_agent: the ``User-Agent`` header (default: :attr:`user_agent`).
    :param http: a :class:`requests.Session` to use instead of a new one
        (troveclient's name for ``session``).
    :param endpoint: base URL for relative request paths (else the auth
        plugin's endpoint is used).
    :param auth: an :class:`~objclient.auth.AuthPlugin` (or any object with
        its methods).
    :param retries: a :class:`RetryPolicy` (default: 3 retries).
    :param pool_maxsize: connections kept per host; size it to the number
        of threads that share this client.
    :param verify: TLS verification (bool or CA bundle path).
    :param cert: client certificate (path or ``(cert, key)``).
    :param extra_headers: headers added to every request.
    :param service_type: service type for the endpoint lookup.
    :param session: a :class:`requests.Session` to use instead of a new one.
    :param secret_headers: more header names whose values must not be logged.
    :raises InvalidArgument: the first argument is neither a URL nor a
        plugin, or the URL, the plugin or the session is given twice.
    :raises NotSupported: ``keyring_saver=True`` without ``keyring``.
    """

    #: The default ``User-Agent`` (a subclass may set its own, as in troveclient).
    user_agent: str = f"objclient/{__version__} python-requests/{requests.__version__}"

    def __init__(self, auth_plugin: Union[str, AuthPlugin, None] = None,
                 region_name: Optional[str] = None, endpoint_type: str = "publicURL",
                 original_ip: Optional[str] = None, verify: Union[bool, str] = True,
                 cert: Any = None, timeout: TimeoutArg = None, timings: bool = False,
                 keyring_saver: Any = None, debug: bool = False,
                 user_agent: Optional[str] = None,
                 http: Optional[requests.Session] = None, *,
                 endpoint: Optional[str] = None, auth: Any = None,
                 retries: Optional[RetryPolicy] = None, pool_maxsize: int = 10,
                 extra_headers: Optional[Mapping[str, str]] = None,
                 service_type: Optional[str] = None,
                 session: Optional[requests.Session] = None,
                 secret_headers: Iterable[str] = ()) -> None:
        endpoint, auth = _endpoint_and_plugin(auth_plugin, endpoint, auth)
        if http is not None and session is not None:
            raise InvalidArgument("give the session once: http= or session=, not both")
        session = session if session is not None else http
        self.endpoint = endpoint.rstrip("/") if endpoint else None
        self.auth = auth
        self.keyring_saver = keyring_saver
        self._after_auth = saver_hook(keyring_saver, auth)
        self.timeout = self._timeout_pair(timeout, DEFAULT_TIMEOUT)
        self.retries = retries if retries is not None else RetryPolicy()
        self.pool_maxsize = int(pool_maxsize)
        self.verify = verify
        self.cert = cert
        self.user_agent = user_agent or self.user_agent
        self.extra_headers = dict(extra_headers or {})
        for name, value in self.extra_headers.items():
            check_header(name, value)
        self.region_name = region_name
        self.endpoint_type = endpoint_type
        self.service_type = service_type
        self.original_ip = original_ip
        self.timings = timings
        self.debug = debug
        self._secret_headers = tuple(secret_headers) + tuple(getattr(auth, "secret_headers", ()))
        self._secret_lower = frozenset(h.lower() for h in self._secret_headers)
        self._owns_session = session is None
        self._session = session or requests.Session()
        self._env_proxies = self._session.trust_env and bool(urllib.request.getproxies())
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._auth_lock = threading.RLock()
        self._auth_generation = 0
        self._endpoint_cache: Optional[Tuple[int, Optional[str]]] = None
        self._times: List[TimingRecord] = []
        self._rng = random.Random()
        self._mount()

    # -- session and pools ------------------------------------------------
    @staticmethod
    def _timeout_pair(value: TimeoutArg, default: Tuple[float, float]) -> Tuple[float, float]:
        if value is None:
            return default
        if isinstance(value, (int, float)):
            return (float(value), float(value))
        connect, read = value
        return (float(connect), float(read))

    def _mount(self) -> None:
        for prefix in ("http://", "https://"):
            adapter = _Adapter(pool_connections=4, pool_maxsize=self.pool_maxsize,
                               max_retries=0)
            self._session.mount(prefix, adapter)
        # The direct path (objclient.http.direct) is for a session of our own
        # with no proxy to honour; anything else goes through requests.
        self._direct: Optional[PoolCache] = None
        if self._owns_session and not self._env_proxies:
            self._direct = PoolCache(self._session, self.verify, self.cert)

    @property
    def session(self) -> requests.Session:
        """The session, with fresh pools if this process was forked."""
        if os.getpid() != self._pid:
            with self._lock:
                if os.getpid() != self._pid:
                    # The parent's sockets are left alone (not closed: closing
                    # could shut them for the parent); new pools are mounted.
                    self._mount()
                    self._pid = os.getpid()
        return self._session

    def close(self) -> None:
        """Close the pooled connections (only those of a session we own)."""
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> "HTTPClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- timings -------------------------------------------------------------
    def get_timings(self) -> List[Tuple[str, float, float]]:
        """The recorded exchanges as troveclient's ``HTTPClient`` gives them:
        ``("METHOD url", start, end)``, epoch seconds, the URL redacted; one
        tuple per attempt (needs ``timings=True``).

        :returns: a new list; :meth:`get_timing_records` has the statuses,
            byte counts and attempt numbers too.
        """
        return [(f"{rec.method} {rec.url}", rec.start, rec.start + rec.elapsed)
                for rec in self.get_timing_records()]

    def get_timing_records(self) -> List[TimingRecord]:
        """A copy of the recorded per-attempt :class:`~objclient.models.TimingRecord`
        objects (needs ``timings=True``)."""
        with self._lock:
            return list(self._times)

    def reset_timings(self) -> None:
        """Forget the recorded timings."""
        with self._lock:
            self._times = []

    def _record(self, method: str, url: str, status: Optional[int], start_wall: float,
                elapsed: float, sent: int, received: int, attempt: int,
                perfdata: Optional[Dict[str, Any]], service: Optional[str]) -> None:
        if self.timings:
            rec = TimingRecord(method=method, url=redact_url(url), status=status,
                               start=start_wall, elapsed=elapsed, bytes_sent=sent,
                               bytes_received=received, attempt=attempt)
            with self._lock:
                self._times.append(rec)
        if perfdata is not None:
            with self._lock:  # parts moved by several threads share one perfdata
                phase = perfdata.setdefault(service or "http", {})
                phase["overall"] = phase.get("overall", 0.0) + elapsed
                phase["requests"] = phase.get("requests", 0) + 1
                if attempt > 1:
                    phase["retries"] = phase.get("retries", 0) + 1

    # -- auth ------------------------------------------------------------------
    def _auth_headers(self) -> Tuple[Dict[str, str], int]:
        if self.auth is None:
            return {}, 0
        with self._auth_lock:
            if not self.auth.valid:
                self.auth.authenticate(self)
                self._auth_generation += 1
                if self._after_auth is not None:
                    self._after_auth(self)
            return self.auth.get_headers(), self._auth_generation

    def _invalidate(self, generation: int) -> bool:
        with self._auth_lock:
            if generation != self._auth_generation:
                return True  # another thread already re-authenticated
            return bool(self.auth.invalidate())

    def authenticate(self) -> None:
        """Authenticate now (normally done on the first request)."""
        self._auth_headers()

    def get_endpoint(self) -> Optional[str]:
        """The base URL for relative paths: the explicit one or the plugin's
        (looked up once per authentication)."""
        if self.endpoint:
            return self.endpoint
        auth = self.auth
        if auth is not None:
            cached = self._endpoint_cache
            if cached is not None and cached[0] == self._auth_generation and auth.valid:
                return cached[1]  # every request asks: no lock, no headers built
            _headers, generation = self._auth_headers()
            return self._endpoint_of(generation)
        return None

    def _endpoint_of(self, generation: int) -> Optional[str]:
        """The plugin's endpoint for this authentication ``generation``."""
        if self.auth is not None:
            cached = self._endpoint_cache
            if cached is not None and cached[0] == generation:
                return cached[1]
            url = self.auth.get_endpoint(self.service_type, self.endpoint_type, self.region_name)
            url = url.rstrip("/") if url else None
            self._endpoint_cache = (generation, url)
            return url
        return None

    def url_for(self, path: str) -> str:
        """An absolute URL for ``path``, which may already be absolute."""
        return self._absolute(path, None)

    def _absolute(self, path: str, generation: Optional[int]) -> str:
        """``url_for``, with the authentication generation when already known."""
        if path.startswith(("http://", "https://")):
            return path
        if self.endpoint:
            base: Optional[str] = self.endpoint
        elif generation is not None:
            base = self._endpoint_of(generation)
        else:
            base = self.get_endpoint()
        if not base:
            raise InvalidArgument(f"no endpoint to send {path!r} to")
        return base + "/" + path.lstrip("/")

    # -- requests ----------------------------------------------------------------
    def request(self, method: str, url: str, *, params: Any = None,
                headers: Optional[Mapping[str, str]] = None, data: Any = None,
                json: Any = None, stream: bool = False,
                timeout: TimeoutArg = None,
                connection_timeout: Optional[float] = None,
                read_timeout: Optional[float] = None,
                deadline: Optional[float] = None,
                perfdata: Optional[Dict[str, Any]] = None,
                service: Optional[str] = None,
                idempotent: Optional[bool] = None,
                authenticated: bool = True, raise_on_error: bool = True,
                retries: Optional[RetryPolicy] = None,
                allow_redirects: Optional[bool] = None,
                on_retry: Optional[Callable[[int], None]] = None) -> requests.Response:
        """Send one request, with retries, re-authentication and logging.

        :param method: the HTTP method.
        :param url: absolute, or relative to :meth:`get_endpoint`.
        :param params: query parameters.
        :param headers: request headers; CR/LF in them is refused.
        :param data: body: bytes, str, a file object or an iterable of bytes.
        :param json: a document to send as JSON (sets ``Content-Type``).
        :param stream: return before reading the body; the caller must read
            or close it (see :class:`~objclient.http.BodyStream`).
        :param timeout: seconds or ``(connect, read)`` for this call.
        :param connection_timeout: connect timeout for this call.
        :param read_timeout: read timeout for this call.
        :param deadline: absolute ``time.monotonic()`` by which the call must
            be over, retries included.
        :param perfdata: a dict filled with phase timings.
        :param service: the label used in ``perfdata`` (``account`` ...).
        :param idempotent: force (True) or forbid (False) resending after the
            request may have reached the server; default by method.
        :param authenticated: add the auth plugin's headers.
        :param raise_on_error: raise for a status of 400 or more.
        :param retries: a policy for this call instead of the client's.
        :param allow_redirects: follow redirects (default: GET and HEAD only).
        :param on_retry: called with the retry number before each resend.
        :returns: the response; its body is read unless ``stream`` is set.
        :raises ClientError: a typed error; ``requests`` errors never escape.
        """
        method = method.upper()
        policy = retries if retries is not None else self.retries
        connect_t, read_t = self._timeout_pair(timeout, self.timeout)
        if connection_timeout is not None:
            connect_t = float(connection_timeout)
        if read_timeout is not None:
            read_t = float(read_timeout)
        if allow_redirects is None:
            allow_redirects = method in ("GET", "HEAD")

        base_headers: Dict[str, str] = {"User-Agent": self.user_agent}
        for name, value in self.extra_headers.items():
            base_headers.setdefault(name, value)
        if self.original_ip:
            base_headers["Forwarded"] = f"for={self.original_ip};by={self.user_agent}"
        for name, value in (headers or {}).items():
            value = str(value)
            check_header(name, value)
            base_headers[name] = value
        if json is not None:
            if data is not None:
                raise InvalidArgument("pass either data or json, not both")
            data = jsonlib.dumps(json, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
            base_headers.setdefault("Content-Type", "application/json")
        body = _Body(data)

        attempt = 0
        retry_number = 0
        redirects = 0
        reauthed = False
        clock_checked = False
        while True:
            attempt += 1
            if deadline is not None and time.monotonic() >= deadline:
                raise DeadlineReached("the deadline passed before the request could be sent",
                                      method=method, url=redact_url(url), attempts=attempt - 1)
            req_headers = dict(base_headers)
            generation = 0
            if authenticated and self.auth is not None:
                auth_headers, generation = self._auth_headers()
                req_headers.update(auth_headers)
                full_url = self._absolute(url, generation)
            else:
                full_url = self.url_for(url)
            attempt_timeout = self._bounded_timeout(connect_t, read_t, deadline)
            if attempt > 1:
                body.rewind()
            start_wall = time.time()
            start = time.monotonic()
            try:
                resp = self._send(method, full_url, params, req_headers, body,
                                  attempt_timeout, False, authenticated)
            except _SendError as err:
                elapsed = time.monotonic() - start
                self._record(method, full_url, None, start_wall, elapsed, body.length, 0,
                             attempt, perfdata, service)
                error = self._deadline_error(err.error, attempt_timeout, (connect_t, read_t))
                error.attempts = attempt
                if not err.before_send:
                    body.mark_sent()
                safe = err.before_send or (policy.may_resend(method, idempotent)
                                           and not body.may_have_started)
                if err.retryable and safe and retry_number < policy.total:
                    retry_number += 1
                    wait = policy.wait_before(retry_number, None, self._rng) or 0.0
                    self._sleep(wait, deadline, error)
                    if on_retry is not None:
                        on_retry(retry_number)
                    LOG.debug("retrying %s %s (%d) after %s", method, redact_url(full_url),
                              retry_number, type(error).__name__)
                    continue
                raise error from None

            body.mark_sent()
            status = resp.status_code
            elapsed_headers = time.monotonic() - start
            if self.debug:
                self._log_response(resp)

            location = resp.headers.get("Location")
            if allow_redirects and status in _REDIRECTS and location and redirects < 10:
                # Followed here, not by requests: requests strips only
                # Authorization when the host changes, and would carry
                # X-Auth-Token & co. to another server.
                redirects += 1
                target = urljoin(resp.url or full_url, location)
                self._record(method, full_url, status, start_wall, elapsed_headers,
                             body.length, 0, attempt, perfdata, service)
                resp.close()
                if _origin(target) != _origin(full_url):
                    authenticated = False
                    base_headers = {k: v for k, v in base_headers.items()
                                    if k.lower() not in SECRET_HEADERS
                                    and k.lower() not in self._secret_lower}
                url, params = target, None
                if status == 303 and method != "HEAD":
                    method, body = "GET", _Body(None)
                continue

            if (status == 401 and authenticated and self.auth is not None and not reauthed
                    and not body.may_have_started):
                reauthed = True
                if self._invalidate(generation):
                    resp.close()
                    self._record(method, full_url, status, start_wall, elapsed_headers,
                                 body.length, 0, attempt, perfdata, service)
                    continue
                # The plugin cannot renew (a static token): report this 401
                # below, with the server's message, recorded once.

            if (status == 403 and authenticated and self.auth is not None
                    and not clock_checked):
                clock_checked = True
                if self._correct_clock(resp, method) and not body.may_have_started:
                    self._record(method, full_url, status, start_wall, elapsed_headers,
                                 body.length, 0, attempt, perfdata, service)
                    continue
                # Not a clock problem, or a body that cannot be sent again:
                # this 403 is reported below (a later request uses the clock).

            if (status in policy.statuses and retry_number < policy.total
                    and policy.may_resend(method, idempotent) and not body.may_have_started):
                error = self._error(resp, method, full_url, attempt)
                self._record(method, full_url, status, start_wall, time.monotonic() - start,
                             body.length, 0, attempt, perfdata, service)
                pause = policy.wait_before(retry_number + 1, error.retry_after, self._rng)
                if pause is not None and not self._past_deadline(pause, deadline):
                    retry_number += 1
                    self._sleep(pause, deadline, error)
                    if on_retry is not None:
                        on_retry(retry_number)
                    continue
                if raise_on_error:
                    raise error

            if status >= 400 and raise_on_error:
                error = self._error(resp, method, full_url, attempt)
                self._record(method, full_url, status, start_wall, time.monotonic() - start,
                             body.length, 0, attempt, perfdata, service)
                raise error

            if stream:
                self._record(method, full_url, status, start_wall, elapsed_headers,
                             body.length, 0, attempt, perfdata, service)
                return resp
            try:
                received = self._read_body(resp, deadline, method, full_url)
            except ClientError as body_error:
                error = self._deadline_error(body_error, attempt_timeout, (connect_t, read_t))
                error.attempts = attempt
                self._record(method, full_url, status, start_wall, time.monotonic() - start,
                             body.length, 0, attempt, perfdata, service)
                if (isinstance(error, (ConnectionFailed, Timeout))
                        and not isinstance(error, DeadlineReached)
                        and retry_number < policy.total and policy.may_resend(method, idempotent)
                        and not body.may_have_started):
                    retry_number += 1
                    self._sleep(policy.wait_before(retry_number, None, self._rng) or 0.0,
                                deadline, error)
                    if on_retry is not None:
                        on_retry(retry_number)
                    continue
                raise error from None
            self._record(method, full_url, status, start_wall, time.monotonic() - start,
                         body.length, received, attempt, perfdata, service)
            if self.debug:
                text = loggable_body(resp.content, resp.headers.get("Content-Type"))
                if text is not None:
                    LOG.debug("RESP BODY: %s", text)
            return resp

    def request_json(self, method: str, url: str, **kwargs: Any) -> Tuple[requests.Response, Any]:
        """Like :meth:`request`, and decode a JSON body.

        :returns: ``(response, body)``; ``body`` is None when the response
            has no body or is not JSON.
        :raises ClientError: also when the server sent invalid JSON.
        """
        kwargs.setdefault("headers", {})
        kwargs["headers"] = dict(kwargs["headers"])
        kwargs["headers"].setdefault("Accept", "application/json")
        resp = self.request(method, url, **kwargs)
        if not resp.content:
            return resp, None
        ctype = resp.headers.get("Content-Type", "")
        if "json" not in ctype and resp.content.lstrip()[:1] not in (b"{", b"["):
            return resp, None
        try:
            # Strict UTF-8 (RFC 8259): requests' .json() decodes with
            # replacement characters, so a corrupted byte became a wrong name.
            return resp, jsonlib.loads(resp.content)
        except ValueError:
            raise ClientError("the server sent a body that is not valid JSON",
                              status=resp.status_code, method=method,
                              url=redact_url(resp.url or url)) from None

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        """``request("GET", url, ...)``."""
        return self.request("GET", url, **kwargs)

    def head(self, url: str, **kwargs: Any) -> requests.Response:
        """``request("HEAD", url, ...)``."""
        return self.request("HEAD", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> requests.Response:
        """``request("PUT", url, ...)``."""
        return self.request("PUT", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        """``request("POST", url, ...)``; not resent unless ``idempotent=True``."""
        return self.request("POST", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> requests.Response:
        """``request("PATCH", url, ...)``."""
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> requests.Response:
        """``request("DELETE", url, ...)``."""
        return self.request("DELETE", url, **kwargs)

    def copy(self, url: str, **kwargs: Any) -> requests.Response:
        """``request("COPY", url, ...)`` (Swift server-side copy)."""
        return self.request("COPY", url, **kwargs)

    # -- internals -----------------------------------------------------------------
    @staticmethod
    def _bounded_timeout(connect: float, read: float,
                         deadline: Optional[float]) -> Tuple[float, float]:
        if deadline is None:
            return (connect, read)
        left = max(0.001, deadline - time.monotonic())
        return (min(connect, left), min(read, left))

    @staticmethod
    def _deadline_error(error: ClientError, used: Tuple[float, float],
                        asked: Tuple[float, float]) -> ClientError:
        """A timeout that fired because the deadline shortened it is a DeadlineReached."""
        if (isinstance(error, Timeout) and not isinstance(error, DeadlineReached)
                and (used[0] < asked[0] or used[1] < asked[1])):
            return DeadlineReached(f"the deadline passed ({error.message})",
                                   method=error.method, url=error.url)
        return error

    @staticmethod
    def _past_deadline(wait: float, deadline: Optional[float]) -> bool:
        return deadline is not None and time.monotonic() + wait >= deadline

    @staticmethod
    def _sleep(wait: float, deadline: Optional[float], error: ClientError) -> None:
        if deadline is not None and time.monotonic() + wait >= deadline:
            raise error
        if wait > 0:
            time.sleep(wait)

    def _send(self, method: str, url: str, params: Any, headers: Dict[str, str], body: _Body,
              timeout: Tuple[float, float], allow_redirects: bool,
              authenticated: bool) -> requests.Response:
        session = self.session
        if (self._direct is not None and (body.data is None or type(body.data) is bytes)
                and not self.debug and _untouched(session)):
            parts = split_url(url, params)
            if parts is not None:
                return self._send_direct(method, parts, headers, body.data or None, timeout,
                                         authenticated)
        try:
            if self._owns_session:
                # Our own session has no cookies, hooks or auth of its own:
                # preparing directly skips requests' per-call merging of them
                # (about a quarter of the client's CPU per small request).
                prepared = requests.PreparedRequest()
                prepared.prepare(method=method, url=url, params=params,
                                 headers={**_DEFAULT_HEADERS, **headers}, data=body.data)
            else:
                prepared = session.prepare_request(
                    requests.Request(method, url, params=params, headers=headers,
                                     data=body.data))
            if authenticated and self.auth is not None:
                self.auth.sign(prepared)
        except ClientError:
            raise
        except (requests.exceptions.InvalidURL, requests.exceptions.InvalidHeader,
                requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema,
                ValueError, UnicodeError) as exc:
            raise InvalidArgument(f"cannot build the request: {exc}",
                                  method=method, url=redact_url(url)) from None
        if self.debug:
            LOG.debug("REQ: %s", curl_command(
                method, prepared.url or url, prepared.headers,
                loggable_body(prepared.body, prepared.headers.get("Content-Type")),
                self._secret_headers))
        send_kwargs: Dict[str, Any] = {
            "stream": True, "timeout": timeout, "verify": self.verify,
            "cert": self.cert, "allow_redirects": allow_redirects}
        if self._env_proxies:
            send_kwargs.update(session.merge_environment_settings(
                prepared.url, {}, True, self.verify, self.cert))
        else:
            # No proxy in the environment: skip requests' per-call look-up of it.
            send_kwargs["proxies"] = dict(session.proxies)
        try:
            return session.send(prepared, **send_kwargs)
        except requests.exceptions.ConnectTimeout as exc:
            raise _SendError(Timeout(f"connect timeout ({timeout[0]:g} s)", method=method,
                                     url=redact_url(url)), True, True) from exc
        except requests.exceptions.ReadTimeout as exc:
            raise _SendError(Timeout(f"read timeout ({timeout[1]:g} s)", method=method,
                                     url=redact_url(url)), True, False) from exc
        except requests.exceptions.SSLError as exc:
            raise _SendError(ConnectionFailed(f"TLS error: {_short(exc)}", method=method,
                                              url=redact_url(url)), False, False) from exc
        except requests.exceptions.ConnectionError as exc:
            before = _is_connect_failure(exc)
            what = "cannot connect" if before else "connection broken"
            raise _SendError(ConnectionFailed(f"{what}: {_short(exc)}", method=method,
                                              url=redact_url(url)), True, before) from exc
        except requests.exceptions.RequestException as exc:
            raise _SendError(ConnectionFailed(f"request failed: {_short(exc)}", method=method,
                                              url=redact_url(url)), False, False) from exc

    def _send_direct(self, method: str, parts: Tuple[str, str, str], headers: Dict[str, str],
                     data: Optional[bytes], timeout: Tuple[float, float],
                     authenticated: bool) -> requests.Response:
        """Send through the session's urllib3 pool (see :mod:`objclient.http.direct`)."""
        origin, url, target = parts
        hdrs: Any = {**_DEFAULT_HEADERS, **headers}
        if data is not None:
            hdrs["Content-Length"] = str(len(data))
        elif method not in ("GET", "HEAD") and "Content-Length" not in hdrs:
            hdrs["Content-Length"] = "0"
        request: Any = None
        if authenticated and self.auth is not None and _signs(self.auth):
            request = DirectRequest(method, url, hdrs if getattr(self.auth, "plain_headers", False)
                                    else CaseInsensitiveDict(hdrs), data)
            try:
                self.auth.sign(request)
            except ClientError:
                raise
            except (ValueError, UnicodeError) as exc:
                raise InvalidArgument(f"cannot build the request: {exc}",
                                      method=method, url=redact_url(url)) from None
            hdrs = request.headers
            if request.url != url:
                found = split_url(request.url, None)
                if found is None:
                    raise InvalidArgument("the signed URL cannot be sent", method=method,
                                          url=redact_url(url))
                origin, url, target = found
        try:
            assert self._direct is not None  # _send only comes here with one
            raw = direct_urlopen(self._direct, origin, method, target, data, hdrs, timeout)
        except urllib3.exceptions.HTTPError as exc:
            raise _urllib3_error(exc, method, url, timeout) from exc
        except (ValueError, UnicodeError) as exc:
            raise InvalidArgument(f"cannot build the request: {exc}",
                                  method=method, url=redact_url(url)) from None
        return DirectResponse(raw, url, method, hdrs, request)

    def _read_body(self, resp: requests.Response, deadline: Optional[float],
                   method: str, url: str) -> int:
        chunks = []
        total = 0
        try:
            if isinstance(resp, DirectResponse) and _small(resp.headers):
                # A short body of known length: one read, no generator.
                data = resp.raw.read(decode_content=True)
                resp._content = data
                resp._content_consumed = True  # type: ignore[attr-defined]
                return len(data)
            for chunk in resp.iter_content(_READ_CHUNK):
                chunks.append(chunk)
                total += len(chunk)
                if deadline is not None and time.monotonic() >= deadline:
                    raise DeadlineReached("the deadline passed while reading the response",
                                          method=method, url=redact_url(url))
        except ClientError:
            resp.close()
            raise
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError,
                OSError) as exc:
            resp.close()
            if _is_timeout(exc):
                raise Timeout(f"read timeout while reading the response: {_short(exc)}",
                              method=method, url=redact_url(url)) from None
            raise ConnectionFailed(f"response body cut short: {_short(exc)}",
                                   method=method, url=redact_url(url)) from None
        resp._content = b"".join(chunks)
        resp._content_consumed = True  # type: ignore[attr-defined]
        return total

    def _correct_clock(self, resp: requests.Response, method: str) -> bool:
        """Let the auth plugin learn the server's clock from a 403 (S3's
        ``RequestTimeTooSkewed``); the body read stays on ``resp``.

        :returns: True when the request, signed again, may now pass.
        """
        correct = getattr(self.auth, "correct_clock", None)
        if correct is None:
            return False
        return bool(correct(resp.status_code, resp.headers, self._error_body(resp, method)))

    @staticmethod
    def _error_body(resp: requests.Response, method: str) -> bytes:
        """The first bytes of an error response's body, read once (and kept
        as ``resp.content``); the connection is released."""
        if resp._content_consumed:  # type: ignore[attr-defined]
            return resp._content or b""
        body = b""
        try:
            if method != "HEAD":
                body = resp.raw.read(_ERROR_BODY_LIMIT, decode_content=True) or b""
        except Exception:  # noqa: BLE001 - a broken error body must not hide the error
            body = b""
        finally:
            resp.close()
        resp._content = body
        resp._content_consumed = True  # type: ignore[attr-defined]
        return body

    def _error(self, resp: requests.Response, method: str, url: str,
               attempt: int) -> ClientError:
        body = self._error_body(resp, method)
        if self.debug and body:
            text = loggable_body(body, resp.headers.get("Content-Type"))
            if text is not None:
                LOG.debug("RESP BODY: %s", text)
        return from_response(resp.status_code, resp.headers, body, method=method,
                             url=redact_url(url), attempts=attempt)

    def _log_response(self, resp: requests.Response) -> None:
        headers = redact_headers(resp.headers, self._secret_headers)
        LOG.debug("RESP: [%s] %s", resp.status_code,
                  " ".join(f"{k}: {v}" for k, v in sorted(headers.items())))


_REDIRECTS = frozenset({301, 302, 303, 307, 308})


def _endpoint_and_plugin(first: Any, endpoint: Optional[str],
                         auth: Any) -> Tuple[Optional[str], Any]:
    """``(endpoint, auth)`` from HTTPClient's first argument: a ``str`` is
    the endpoint URL (objclient's older signature), an
    :class:`~objclient.auth.AuthPlugin` the plugin (troveclient's).

    :raises InvalidArgument: ``first`` is something else, or repeats what a
        keyword already gives.
    """
    if first is None:
        return endpoint, auth
    if isinstance(first, str):
        if endpoint is not None:
            raise InvalidArgument("give the endpoint URL once: as the first argument "
                                  "or as endpoint=, not both")
        return first, auth
    if isinstance(first, AuthPlugin):
        if auth is not None:
            raise InvalidArgument("give the auth plugin once: as the first argument "
                                  "or as auth=, not both")
        return endpoint, first
    raise InvalidArgument("HTTPClient's first argument is an endpoint URL (str) or an "
                          f"objclient.auth.AuthPlugin, not a {type(first).__name__}")


def _origin(url: str) -> Tuple[str, str]:
    parts = urlsplit(url)
    return (parts.scheme.lower(), parts.netloc.lower())


class _SendError(Exception):
    """Internal: a transport failure, with whether a retry is safe."""

    def __init__(self, error: ClientError, retryable: bool, before_send: bool) -> None:
        super().__init__(str(error))
        self.error = error
        self.retryable = retryable
        self.before_send = before_send


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen = set()
    stack: List[BaseException] = [exc]
    while stack:
        cur = stack.pop()
        if id(cur) in seen:
            continue
        seen.add(id(cur))
        yield cur
        for arg in getattr(cur, "args", ()):
            if isinstance(arg, BaseException):
                stack.append(arg)
        reason = getattr(cur, "reason", None)
        if isinstance(reason, BaseException):
            stack.append(reason)
        for nxt in (cur.__cause__, cur.__context__):
            if nxt is not None:
                stack.append(nxt)


def _is_connect_failure(exc: BaseException) -> bool:
    """True when the connection was never made, so nothing reached the server."""
    return any(isinstance(e, (urllib3.exceptions.NewConnectionError,
                              urllib3.exceptions.ConnectTimeoutError,
                              ConnectionRefusedError))
               for e in _chain(exc))


def _small(headers: Any) -> bool:
    """True for a response whose body is announced and at most one read chunk."""
    length = headers.get("Content-Length")
    return (length is not None and length.isdigit() and int(length) <= _READ_CHUNK
            and "Content-Encoding" not in headers)


# requests' transport: a test double (responses, requests-mock) patches one
# of these, and then the direct path steps aside for it.  What was there at
# import may itself be a double (objclient.http is imported lazily).
_REQUESTS_MODULES = frozenset({"requests.adapters", "requests.sessions"})


def _transport() -> Tuple[Any, ...]:
    return (_Adapter.send, requests.Session.send, requests.Session.get_adapter)


def _genuine(functions: Tuple[Any, ...]) -> bool:
    return all(getattr(f, "__module__", None) in _REQUESTS_MODULES and not hasattr(f, "mock")
               for f in functions)


_TRANSPORT = _transport()
_TRANSPORT_GENUINE = _genuine(_TRANSPORT)


def _untouched(session: requests.Session) -> bool:
    """True when requests' transport is as we mounted it: our two adapters,
    no proxies, nothing patched."""
    if session.proxies or len(session.adapters) != 2:
        return False
    current = _transport()
    if current == _TRANSPORT:
        return _TRANSPORT_GENUINE
    return _genuine(current)


_NO_SIGN: Any = None


def _signs(auth: Any) -> bool:
    """True when the plugin's ``sign`` does something (not the base no-op)."""
    global _NO_SIGN
    if _NO_SIGN is None:
        from ..auth.base import AuthPlugin
        _NO_SIGN = AuthPlugin.sign
    return type(auth).sign is not _NO_SIGN


def _urllib3_error(exc: urllib3.exceptions.HTTPError, method: str, url: str,
                   timeout: Tuple[float, float]) -> _SendError:
    """The :class:`_SendError` for a urllib3 error of the direct path.

    The same classes as for requests' errors: nothing sent (retry is safe),
    a timeout, a TLS failure (not retried), or a broken connection.
    """
    where = redact_url(url)
    if (isinstance(exc, urllib3.exceptions.ConnectTimeoutError)
            and not isinstance(exc, urllib3.exceptions.NewConnectionError)):
        return _SendError(Timeout(f"connect timeout ({timeout[0]:g} s)", method=method,
                                  url=where), True, True)
    if _is_connect_failure(exc):
        return _SendError(ConnectionFailed(f"cannot connect: {_short(exc)}", method=method,
                                           url=where), True, True)
    if isinstance(exc, urllib3.exceptions.ReadTimeoutError):
        return _SendError(Timeout(f"read timeout ({timeout[1]:g} s)", method=method,
                                  url=where), True, False)
    if isinstance(exc, urllib3.exceptions.SSLError):
        return _SendError(ConnectionFailed(f"TLS error: {_short(exc)}", method=method,
                                           url=where), False, False)
    if isinstance(exc, (urllib3.exceptions.ProtocolError, urllib3.exceptions.ProxyError)):
        return _SendError(ConnectionFailed(f"connection broken: {_short(exc)}", method=method,
                                           url=where), True, False)
    return _SendError(ConnectionFailed(f"request failed: {_short(exc)}", method=method,
                                       url=where), False, False)


def _is_timeout(exc: BaseException) -> bool:
    return any(isinstance(e, (urllib3.exceptions.ReadTimeoutError, TimeoutError))
               for e in _chain(exc))


def _short(exc: BaseException) -> str:
    """The innermost useful message of a transport exception, without URLs."""
    inner = exc
    for cur in _chain(exc):
        inner = cur
    text = str(inner) or type(inner).__name__
    text = re.sub(r"<[^>]* object at 0x[0-9a-f]+>:? ?", "", text.replace("\n", " "))
    # Query strings may hold signatures: never repeat them.
    return re.sub(r"\?\S*", "?...", text)[:300]
