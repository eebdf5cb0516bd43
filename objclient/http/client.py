"""HTTPClient: the one place where objclient talks HTTP.

One :class:`HTTPClient` is shared by the four sub-clients of an
:class:`~objclient.ObjectStorageApi`.  It sends every request through one
:class:`~objclient.http.transport.Transport`, chosen when it is built
(urllib3 pools of its own, or the caller's :class:`requests.Session`), and
owns the auth plugin (re-authenticating once on a 401, and signing once more
after a 403 that taught it the server's clock), the retry policy, timeouts
and deadlines, JSON encoding and decoding, per-request timings, and
curl-style debug logging with secrets redacted.

It is safe to use from many threads at once, and after ``os.fork()``: a
child process gets fresh connection pools on its first request.
"""

from __future__ import annotations

import json as jsonlib
import logging
import os
import random
import threading
import time
from typing import (TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple,
                    Union)

from .._version import __version__
from ..exceptions import (ClientError, ConnectionFailed, DeadlineReached, InvalidArgument,
                          Timeout, from_response)
from ..models import TimingRecord
from .apiclient import ServiceClients, encode_json, saver_hook
from .body import RequestBody
from .errors import SendError, translate
from .headers import check_header, lowered
from .redact import RedactingFilter, curl_command, loggable_body, redact_headers, redact_url
from .redirects import MAX_REDIRECTS, REDIRECTS, redirect_target, same_origin, without_secrets
from .retry import RetryPolicy, RetryState
from .signer import Auth
from .timing import AttemptTimer
from .transport import Request, Response, Transport, Urllib3Transport, with_query

if TYPE_CHECKING:  # pragma: no cover
    import requests

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
#: What every request carries besides the User-Agent (requests' sessions
#: also send ``Accept: */*`` and ``Connection: keep-alive``, which HTTP/1.1
#: means when they are absent).
_DEFAULT_HEADERS = {"Accept-Encoding": "gzip, deflate"}
_READ_CHUNK = 65536

TimeoutArg = Union[None, float, Tuple[float, float]]

#: The environment variable that makes ``requests`` the default transport
#: (``OBJCLIENT_TRANSPORT=requests``).
TRANSPORT_ENV = "OBJCLIENT_TRANSPORT"


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
    :param http: a :class:`requests.Session` to send through (troveclient's
        name for ``session``).
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
    :param session: a :class:`requests.Session` to send through: its
        adapters, proxies, cookies and hooks are honoured (needs requests).
    :param transport: a :class:`~objclient.http.transport.Transport` to send
        through; by default a
        :class:`~objclient.http.transport.Urllib3Transport` of its own
        (which honours the environment's proxies), or a
        ``RequestsTransport`` over a new session when the environment sets
        ``OBJCLIENT_TRANSPORT=requests``.
    :param secret_headers: more header names whose values must not be logged.
    :raises InvalidArgument: the first argument is neither a URL nor a
        plugin, or the URL, the plugin, the session or the transport is
        given twice.
    :raises NotSupported: ``keyring_saver=True`` without ``keyring``.
    """

    #: The default ``User-Agent`` (a subclass may set its own, as in troveclient).
    user_agent: str = f"objclient/{__version__}"

    def __init__(self, auth_plugin: Union[str, Auth, None] = None,
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
                 secret_headers: Iterable[str] = (),
                 transport: Optional[Transport] = None) -> None:
        endpoint, auth = _endpoint_and_plugin(auth_plugin, endpoint, auth)
        if http is not None and session is not None:
            raise InvalidArgument("give the session once: http= or session=, not both")
        session = session if session is not None else http
        if session is not None and transport is not None:
            raise InvalidArgument("give a session or a transport, not both")
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
        self.session = session
        self._transport = transport or self._default_transport(session)
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._auth_lock = threading.RLock()
        self._auth_generation = 0
        self._endpoint_cache: Optional[Tuple[int, Optional[str]]] = None
        self._times: List[TimingRecord] = []
        self._start_state: Optional[RetryState] = None
        self._rng = random.Random()

    # -- transport -------------------------------------------------------------
    def _default_transport(self, session: Optional[requests.Session]) -> Transport:
        """Urllib3's, unless a session is given or ``OBJCLIENT_TRANSPORT=requests``
        asks for requests (so that tools which hook requests, such as the
        ``responses`` test library, see every request)."""
        if session is None and os.environ.get(TRANSPORT_ENV) != "requests":
            return Urllib3Transport(self.verify, self.cert, self.pool_maxsize)
        from .requests_transport import RequestsTransport  # requests only for its users
        return RequestsTransport(session, self.verify, self.cert, self.pool_maxsize)

    @property
    def transport(self) -> Transport:
        """The transport, with fresh pools if this process was forked."""
        if os.getpid() != self._pid:
            with self._lock:
                if os.getpid() != self._pid:
                    self._transport.after_fork()
                    self._pid = os.getpid()
        return self._transport

    def close(self) -> None:
        """Close the pooled connections (a caller's session keeps its own)."""
        self._transport.close()

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
            if cached is not None and cached[0] == self._auth_generation:
                # every request asks: no lock, no clock.  An expired token is
                # renewed by the request itself (_auth_headers), and a new
                # authentication makes a new generation, so a new look-up.
                return cached[1]
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
                on_retry: Optional[Callable[[int], None]] = None) -> Response:
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
        :raises ClientError: a typed error; transport errors never escape.
        """
        method = method.upper()
        call = _Call(method, url, params, self._headers(headers, json, data),
                     RequestBody(data if json is None else encode_json(json)),
                     authenticated and self.auth is not None, deadline, idempotent,
                     self._first_state(retries if retries is not None else self.retries))
        call.asked = self._timeout_pair(timeout, self.timeout)
        if connection_timeout is not None:
            call.asked = (float(connection_timeout), call.asked[1])
        if read_timeout is not None:
            call.asked = (call.asked[0], float(read_timeout))
        call.follow = allow_redirects if allow_redirects is not None else method in ("GET", "HEAD")
        call.stream, call.raise_on_error, call.on_retry = stream, raise_on_error, on_retry
        while True:
            call.attempt += 1
            if deadline is not None and time.monotonic() >= deadline:
                raise DeadlineReached("the deadline passed before the request could be sent",
                                      method=call.method, url=redact_url(call.url),
                                      attempts=call.attempt - 1)
            if call.attempt > 1:
                call.body.rewind()
            with AttemptTimer(self, call.method, call.url, call.attempt, call.body, perfdata,
                          service) as timed:
                outcome = self._exchange(call, timed)
            if isinstance(outcome, Response):
                return outcome
            if outcome is not None:  # a retry, after its wait
                self._pause(call, outcome)

    def _first_state(self, policy: RetryPolicy) -> RetryState:
        """The state a call starts in under ``policy`` (an immutable value,
        made once per policy rather than once per request)."""
        state = self._start_state
        if state is None or state.policy is not policy:
            state = self._start_state = RetryState(policy)
        return state

    def _headers(self, headers: Optional[Mapping[str, str]], json: Any,
                 data: Any) -> Dict[str, str]:
        """The headers every attempt of a call sends (before auth)."""
        sent: Dict[str, str] = {"User-Agent": self.user_agent, **_DEFAULT_HEADERS}
        for name, value in self.extra_headers.items():
            sent.setdefault(name, value)
        if self.original_ip:
            sent["Forwarded"] = f"for={self.original_ip};by={self.user_agent}"
        for name, value in (headers or {}).items():
            value = str(value)
            check_header(name, value)
            sent[name] = value
        if json is not None:
            if data is not None:
                raise InvalidArgument("pass either data or json, not both")
            sent.setdefault("Content-Type", "application/json")
        return sent

    def _exchange(self, call: "_Call", timed: AttemptTimer) -> Union[Response, ClientError, None]:
        """One attempt: the response to return, an error to retry after,
        or None to send again at once (a redirect, a renewed token).

        :raises ClientError: the call failed for good.
        """
        try:
            resp, generation = self._send(call, timed)
        except SendError as err:
            return self._send_failed(call, err)
        call.body.mark_sent()
        status = timed.status = resp.status_code
        if self.debug:
            self._log_response(resp)
        if status in REDIRECTS and call.follow and call.redirects < MAX_REDIRECTS:
            target = redirect_target(status, resp.headers.get("Location"), resp.url, call.method)
            if target is not None:
                resp.close()
                self._redirect(call, resp.url, *target)
                return None
        if call.authenticated and status in (401, 403) and self._renewed(call, resp, generation):
            resp.close()
            return None
        if status >= 400:
            error = self._status_error(call, resp)
            if error is not None:
                return error
        if call.stream:
            return resp
        try:
            timed.received = self._read_body(resp, call.deadline, call.method, resp.url)
        except ClientError as body_error:
            return self._read_failed(call, body_error)
        if self.debug:
            text = loggable_body(resp.content, resp.headers.get("Content-Type"))
            if text is not None:
                LOG.debug("RESP BODY: %s", text)
        return resp

    def _send(self, call: "_Call", timed: AttemptTimer) -> Tuple[Response, int]:
        """Build, sign and send the request of one attempt (``timed`` learns
        its absolute URL, recorded without the query parameters).

        :returns: the response and the authentication generation it used.
        :raises SendError: the transport failed.
        """
        headers = dict(call.headers)
        generation = 0
        if call.authenticated:
            auth_headers, generation = self._auth_headers()
            headers.update(auth_headers)
            url = self._absolute(call.url, generation)
        else:
            url = self.url_for(call.url)
        timed.url = url
        body = call.body
        if body.size is not None:
            headers["Content-Length"] = str(body.size)
            if body.form:
                headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif body.data is None and call.method not in ("GET", "HEAD"):
            headers.setdefault("Content-Length", "0")
        request = Request(call.method, with_query(url, call.params), headers, body.data)
        call.used = self._bounded_timeout(call.asked, call.deadline)
        try:
            if call.authenticated:
                self.auth.sign(request)
            if self.debug:
                LOG.debug("REQ: %s", curl_command(
                    request.method, request.url, request.headers,
                    loggable_body(request.body, request.headers.get("Content-Type")),
                    self._secret_headers))
            return self.transport.send(request, call.used), generation
        except ClientError:
            raise
        except (ValueError, UnicodeError) as exc:
            raise InvalidArgument(f"cannot build the request: {exc}", method=call.method,
                                  url=redact_url(request.url)) from None
        except Exception as exc:  # noqa: BLE001 - translated by the one table
            raise translate(exc, call.method, request.url, call.used) from exc

    def _send_failed(self, call: "_Call", err: SendError) -> ClientError:
        """The error to retry after, when the failed send may be repeated.

        :raises ClientError: it may not.
        """
        error = self._deadline_error(err.error, call.used, call.asked)
        error.attempts = call.attempt
        if not err.before_send:
            call.body.mark_sent()
        if not err.retryable or not (err.before_send or self._may_resend(call)):
            raise error from None
        call.state = call.state.increment(error, None, self._rng, _left(call.deadline))
        return error

    def _read_failed(self, call: "_Call", body_error: ClientError) -> ClientError:
        """The error to retry after, when reading the body failed for a
        reason a resend may cure.

        :raises ClientError: it may not.
        """
        error = self._deadline_error(body_error, call.used, call.asked)
        error.attempts = call.attempt
        if (not isinstance(error, (ConnectionFailed, Timeout))
                or isinstance(error, DeadlineReached) or not self._may_resend(call)):
            raise error from None
        call.state = call.state.increment(error, None, self._rng, _left(call.deadline))
        return error

    def _may_resend(self, call: "_Call") -> bool:
        """Whether a request that may have reached the server can go again."""
        return (call.state.policy.may_resend(call.method, call.idempotent)
                and not call.body.may_have_started)

    def _redirect(self, call: "_Call", sent: str, url: str, method: str) -> None:
        """Point ``call`` at a redirect's target; another origin gets no secret."""
        call.redirects += 1
        if not same_origin(url, sent):
            call.authenticated = False
            call.headers = without_secrets(call.headers, self._secret_lower)
        if method != call.method:
            call.method, call.body = method, RequestBody(None)
        call.url, call.params = url, None

    def _renewed(self, call: "_Call", resp: Response, generation: int) -> bool:
        """After a 401 or 403: True when the plugin renewed its credentials
        (once per call) or learnt the server's clock, so a resend may pass."""
        if resp.status_code == 401 and not call.reauthed and not call.body.may_have_started:
            call.reauthed = True
            # A plugin that cannot renew (a static token): the 401 is reported.
            return self._invalidate(generation)
        if resp.status_code == 403 and not call.clock_checked:
            call.clock_checked = True
            # Learnt even when this body cannot go again: later requests use it.
            return self._correct_clock(resp, call.method) and not call.body.may_have_started
        return False

    def _status_error(self, call: "_Call", resp: Response) -> Optional[ClientError]:
        """For a status of 400 or more: the error to retry after, or None
        to hand the response back (``raise_on_error=False``).

        :raises ClientError: the error, when it is not retried.
        """
        retry = resp.status_code in call.state.policy.statuses and self._may_resend(call)
        if not retry and not call.raise_on_error:
            return None
        error = self._error(resp, call.method, resp.url, call.attempt)
        if retry:
            try:
                call.state = call.state.increment(error, error.retry_after, self._rng,
                                                  _left(call.deadline))
                return error
            except ClientError:
                pass
        if call.raise_on_error:
            raise error
        return None

    def _pause(self, call: "_Call", error: ClientError) -> None:
        """Wait before the retry ``call.state`` grants, and tell ``on_retry``."""
        if call.state.wait > 0:
            time.sleep(call.state.wait)
        LOG.debug("retrying %s %s (%d) after %s", call.method, redact_url(call.url),
                  call.state.retries, type(error).__name__)
        if call.on_retry is not None:
            call.on_retry(call.state.retries)

    def request_json(self, method: str, url: str, **kwargs: Any) -> Tuple[Response, Any]:
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

    def get(self, url: str, **kwargs: Any) -> Response:
        """``request("GET", url, ...)``."""
        return self.request("GET", url, **kwargs)

    def head(self, url: str, **kwargs: Any) -> Response:
        """``request("HEAD", url, ...)``."""
        return self.request("HEAD", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> Response:
        """``request("PUT", url, ...)``."""
        return self.request("PUT", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Response:
        """``request("POST", url, ...)``; not resent unless ``idempotent=True``."""
        return self.request("POST", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> Response:
        """``request("PATCH", url, ...)``."""
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Response:
        """``request("DELETE", url, ...)``."""
        return self.request("DELETE", url, **kwargs)

    def copy(self, url: str, **kwargs: Any) -> Response:
        """``request("COPY", url, ...)`` (Swift server-side copy)."""
        return self.request("COPY", url, **kwargs)

    # -- internals -----------------------------------------------------------------
    @staticmethod
    def _timeout_pair(value: TimeoutArg, default: Tuple[float, float]) -> Tuple[float, float]:
        if value is None:
            return default
        if isinstance(value, (int, float)):
            return (float(value), float(value))
        connect, read = value
        return (float(connect), float(read))

    @staticmethod
    def _bounded_timeout(asked: Tuple[float, float],
                         deadline: Optional[float]) -> Tuple[float, float]:
        if deadline is None:
            return asked
        left = max(0.001, deadline - time.monotonic())
        return (min(asked[0], left), min(asked[1], left))

    @staticmethod
    def _deadline_error(error: ClientError, used: Tuple[float, float],
                        asked: Tuple[float, float]) -> ClientError:
        """A timeout that fired because the deadline shortened it is a DeadlineReached."""
        if (isinstance(error, Timeout) and not isinstance(error, DeadlineReached)
                and (used[0] < asked[0] or used[1] < asked[1])):
            return DeadlineReached(f"the deadline passed ({error.message})",
                                   method=error.method, url=error.url)
        return error

    def _read_body(self, resp: Response, deadline: Optional[float],
                   method: str, url: str) -> int:
        """Read the whole body into ``resp.content``; the bytes read."""
        if resp.consumed:
            return len(resp.content)
        chunks = []
        total = 0
        raw = resp.raw
        try:
            if _small(resp.headers) or method == "HEAD":
                data = raw.read(decode_content=True)  # one read, no generator
            else:
                for chunk in raw.stream(_READ_CHUNK, decode_content=True):
                    chunks.append(chunk)
                    total += len(chunk)
                    if deadline is not None and time.monotonic() >= deadline:
                        raise DeadlineReached("the deadline passed while reading the response",
                                              method=method, url=redact_url(url))
                data = b"".join(chunks)
        except ClientError:
            resp.close()
            raise
        except Exception as exc:  # noqa: BLE001 - translated by the one table
            resp.close()
            raise translate(exc, method, url, reading=True).error from None
        resp.content = data  # (urllib3 gave the connection back once all was read)
        return len(data)

    def _correct_clock(self, resp: Response, method: str) -> bool:
        """Let the auth plugin learn the server's clock from a 403 (S3's
        ``RequestTimeTooSkewed``); the body read stays on ``resp``.

        :returns: True when the request, signed again, may now pass.
        """
        correct = getattr(self.auth, "correct_clock", None)
        if correct is None:
            return False
        return bool(correct(resp.status_code, resp.headers, self._error_body(resp, method)))

    @staticmethod
    def _error_body(resp: Response, method: str) -> bytes:
        """The first bytes of an error response's body, read once (and kept
        as ``resp.content``); the connection is released."""
        if resp.consumed:
            return resp.content
        body = b""
        try:
            # Read even for a HEAD (nothing comes): the connection is then reused.
            body = resp.raw.read(_ERROR_BODY_LIMIT, decode_content=True) or b""
            if len(body) < _ERROR_BODY_LIMIT:
                resp.content = body  # all of it: close() keeps the connection
        except Exception:  # noqa: BLE001 - a broken error body must not hide the error
            body = b""
        finally:
            resp.close()
        resp.content = body
        return body

    def _error(self, resp: Response, method: str, url: str, attempt: int) -> ClientError:
        body = self._error_body(resp, method)
        if self.debug and body:
            text = loggable_body(body, resp.headers.get("Content-Type"))
            if text is not None:
                LOG.debug("RESP BODY: %s", text)
        return from_response(resp.status_code, resp.headers, body, method=method,
                             url=redact_url(url), attempts=attempt)

    def _log_response(self, resp: Response) -> None:
        headers = redact_headers(resp.headers, self._secret_headers)
        LOG.debug("RESP: [%s] %s", resp.status_code,
                  " ".join(f"{k}: {v}" for k, v in sorted(headers.items())))


class _Call:
    """What one :meth:`HTTPClient.request` call carries from attempt to attempt."""

    __slots__ = ("method", "url", "params", "headers", "body", "authenticated", "deadline",
                 "idempotent", "state", "asked", "used", "follow", "stream", "raise_on_error",
                 "on_retry", "attempt", "redirects", "reauthed", "clock_checked")

    def __init__(self, method: str, url: str, params: Any, headers: Dict[str, str],
                 body: RequestBody, authenticated: bool, deadline: Optional[float],
                 idempotent: Optional[bool], state: RetryState) -> None:
        self.method, self.url, self.params, self.headers = method, url, params, headers
        self.body, self.authenticated, self.deadline = body, authenticated, deadline
        self.idempotent, self.state = idempotent, state
        self.asked = self.used = DEFAULT_TIMEOUT
        self.follow = self.stream = False
        self.raise_on_error = True
        self.on_retry: Optional[Callable[[int], None]] = None
        self.attempt = self.redirects = 0
        self.reauthed = self.clock_checked = False


def _left(deadline: Optional[float]) -> Optional[float]:
    """Seconds until ``deadline`` (None for none)."""
    return None if deadline is None else deadline - time.monotonic()


def _small(headers: Any) -> bool:
    """True for a response whose body is announced and at most one read chunk."""
    found = lowered(headers)  # the backend reads this dict next
    length = found.get("content-length")
    return (length is not None and length.isdigit() and int(length) <= _READ_CHUNK
            and "content-encoding" not in found)


def _endpoint_and_plugin(first: Any, endpoint: Optional[str],
                         auth: Any) -> Tuple[Optional[str], Any]:
    """``(endpoint, auth)`` from HTTPClient's first argument: a ``str`` is
    the endpoint URL (objclient's older signature), an auth plugin the
    plugin (troveclient's).

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
    if isinstance(first, Auth):
        if auth is not None:
            raise InvalidArgument("give the auth plugin once: as the first argument "
                                  "or as auth=, not both")
        return endpoint, first
    raise InvalidArgument("HTTPClient's first argument is an endpoint URL (str) or an "
                          f"objclient.auth.AuthPlugin, not a {type(first).__name__}")
