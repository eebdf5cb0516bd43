"""Router selection with health, and the one request path to the routers.

A MictlanX deployment has several stateless routers.  :class:`RouterPool`
hands them out round robin; a router whose connection fails is skipped for a
cool-down (``router_cooldown`` seconds) and tried again afterwards, and the
failed call moves on to the next router at once.  When every router is
cooling down they are still tried (oldest failure first) rather than giving
up without a request.

:class:`RouterTransport` sends every request of this backend through the
shared :class:`~objclient.http.HTTPClient` and turns the router's FastAPI
error bodies (``{"detail": str | {"msg", "code", ...}}``) into objclient
exceptions.
"""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, Type
from urllib.parse import urlsplit

import attrs

from ...contract import CallOptions
from ...exceptions import (ClientError, ConnectionFailed, DeadlineReached, InvalidArgument,
                           Timeout, from_response)
from ...http import HTTPClient
from ...http.redact import redact_url
from ...http.retry import RetryPolicy
from ...http.transport import Response
from .models import GetMetadataResponse
from .names import check_key, parse_size

__all__ = ["RouterState", "RouterPool", "RouterTransport", "Router", "API_PREFIX"]

API_PREFIX = "/api/v4"


@attrs.frozen
class RouterState:
    """What the client knows of one router's health.

    :param url: the router's base URL.
    :param healthy: False while it cools down after a failure.
    :param failures: consecutive failed connections.
    :param retry_in: seconds until it is tried again (0 when healthy).
    :param last_error: the last connection error, if any.
    """

    url: str
    healthy: bool
    failures: int
    retry_in: float
    last_error: Optional[str] = None


class _Router:
    def __init__(self, url: str) -> None:
        self.url = url
        self.failures = 0
        self.down_until = 0.0
        self.last_error: Optional[str] = None


class RouterPool:
    """Round robin over routers, skipping those that recently failed.

    :param urls: router base URLs (``http://host:port``).
    :param cooldown: seconds a failed router is skipped.
    :param clock: the monotonic clock (a test may pass its own).
    """

    def __init__(self, urls: List[str], cooldown: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not urls:
            raise ValueError("a RouterPool needs at least one router")
        self._routers = [_Router(u.rstrip("/")) for u in urls]
        self.cooldown = float(cooldown)
        self._clock = clock
        self._next = 0
        self._lock = threading.Lock()

    @property
    def urls(self) -> List[str]:
        """The routers' base URLs, in configuration order."""
        return [r.url for r in self._routers]

    def candidates(self) -> List[str]:
        """Routers to try for one call, best first.

        Healthy routers in round-robin order, then the cooling ones, the
        one whose cool-down ends first leading.
        """
        now = self._clock()
        with self._lock:
            count = len(self._routers)
            start = self._next
            self._next = (self._next + 1) % count
            ordered = [self._routers[(start + i) % count] for i in range(count)]
        healthy = [r for r in ordered if r.down_until <= now]
        cooling = sorted((r for r in ordered if r.down_until > now),
                         key=lambda r: r.down_until)
        return [r.url for r in healthy + cooling]

    def _find(self, url: str) -> _Router:
        for router in self._routers:
            if router.url == url:
                return router
        raise KeyError(url)

    def mark_ok(self, url: str) -> None:
        """Record a call that reached ``url``."""
        router = self._find(url)
        with self._lock:
            router.failures = 0
            router.down_until = 0.0

    def mark_failed(self, url: str, error: str) -> None:
        """Record a connection failure: ``url`` cools down."""
        router = self._find(url)
        with self._lock:
            router.failures += 1
            router.down_until = self._clock() + self.cooldown
            router.last_error = error

    def health(self) -> List[RouterState]:
        """The health of every router, in configuration order."""
        now = self._clock()
        with self._lock:
            return [RouterState(url=r.url, healthy=r.down_until <= now, failures=r.failures,
                                retry_in=max(0.0, r.down_until - now),
                                last_error=r.last_error) for r in self._routers]


def _detail(body: bytes) -> Tuple[Optional[str], Optional[str]]:
    """``(message, code)`` from a FastAPI error body."""
    try:
        doc = json.loads(body.decode("utf-8", "replace"))
    except ValueError:
        return None, None
    if not isinstance(doc, dict):
        return None, None
    detail = doc.get("detail")
    if isinstance(detail, dict):
        code = detail.get("code")
        msg = detail.get("msg") or detail.get("message")
        return (str(msg)[:500] if msg is not None else None,
                str(code) if code is not None else None)
    if detail is not None:
        return str(detail)[:500], None
    return None, None


class RouterTransport:
    """Sends requests to the routers through the backend's HTTPClient.

    :param http: the shared HTTP client.
    :param pool: the router pool.
    """

    def __init__(self, http: Any, pool: RouterPool) -> None:
        self.http = http
        self.pool = pool

    def request(self, method: str, path: str, opts: CallOptions, *,
                service: str = "router", router: Optional[str] = None,
                headers: Optional[Mapping[str, str]] = None,
                retries: Optional[RetryPolicy] = None, write: bool = False, **kwargs: Any
                ) -> Tuple[str, Response]:
        """Send ``method path`` to a router, failing over on connection errors.

        :param path: the path after the router's base URL (``/api/v4/...``).
        :param router: send to this router only (no failover).
        :param retries: the retry policy of the last router tried (the
            client's by default); earlier routers are not retried, the call
            fails over instead.
        :param write: the request sends object data (``write_timeout`` applies).
        :returns: ``(router_url, response)``; the body is read unless
            ``stream=True`` was passed.
        :raises ClientError: the router answered with an error status (with
            the FastAPI ``detail`` as server message and ``detail.code`` as
            code), or no router could be reached.
        """
        merged = dict(opts.headers)
        merged.update(headers or {})
        candidates = [router] if router else self.pool.candidates()
        last: Optional[ClientError] = None
        for number, base in enumerate(candidates):
            policy = RetryPolicy.disabled() if number < len(candidates) - 1 else retries
            try:
                resp = self.http.request(method, base + path, headers=merged,
                                         raise_on_error=False, retries=policy,
                                         **opts.http_kwargs(service, write=write), **kwargs)
            except DeadlineReached:
                raise
            except (ConnectionFailed, Timeout) as err:
                self.pool.mark_failed(base, err.message)
                last = err
                continue
            self.pool.mark_ok(base)
            if resp.status_code >= 400:
                raise self._error(resp, method, base + path)
            return base, resp
        assert last is not None
        raise last

    def json(self, method: str, path: str, opts: CallOptions, **kwargs: Any) -> Any:
        """:meth:`request` and decode the JSON body (None when empty)."""
        _router, resp = self.request(method, path, opts, **kwargs)
        if not resp.content:
            return None
        try:
            return resp.json()
        except ValueError:
            raise ClientError("the MictlanX router sent a body that is not valid JSON",
                              status=resp.status_code, method=method,
                              url=redact_url(resp.url or path)) from None

    def broadcast(self, method: str, path: str, opts: CallOptions, *,
                  absent: Tuple[Type[ClientError], ...] = (),
                  **kwargs: Any) -> List[Tuple[str, Any]]:
        """Send to one router (with failover), then to every other healthy
        router (deletes, so that every router hears of them).  The extra
        routers are not retried; one that cannot be reached cools down.

        :param absent: errors that mean "nothing there" (a delete-by-key
            answered 404 because an earlier router already deleted the key,
            or it never existed): such a router's answer is recorded as None.
        :returns: ``[(router_url, json_body or None)]`` of the routers that answered.
        :raises ClientError: no router could be reached, or one answered
            with an error not in ``absent``.
        """
        out = []
        try:
            first, resp = self.request(method, path, opts, **kwargs)
            out.append((first, _json_or_none(resp)))
        except absent as err:
            first = _router_of(err.url)
            out.append((first, None))
        healthy = {h.url for h in self.pool.health() if h.healthy}
        for base in self.pool.urls:
            if base == first or base not in healthy:
                continue
            try:
                _r, resp = self.request(method, path, opts, router=base,
                                        retries=RetryPolicy.disabled(), **kwargs)
            except DeadlineReached:
                raise
            except absent:
                out.append((base, None))
                continue
            except (ConnectionFailed, Timeout) as err:
                self.pool.mark_failed(base, err.message)
                continue
            out.append((base, _json_or_none(resp)))
        return out

    @staticmethod
    def _error(resp: Response, method: str, url: str) -> ClientError:
        body = resp.content or b""
        error = from_response(resp.status_code, resp.headers, body, method=method,
                              url=redact_url(url))
        message, code = _detail(body)
        if message is not None:
            error.server_message = message
        if code is not None:
            error.code = code
        return error


def _router_of(url: Optional[str]) -> str:
    """The base URL (``scheme://host:port``) of a request URL."""
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}"


def _json_or_none(resp: Response) -> Any:
    if not resp.content:
        return None
    try:
        return resp.json()
    except ValueError:
        return None


def parse_router_list(netloc: str, scheme: str) -> List[str]:
    """Router base URLs from ``host:port,host2:port`` (ids as in the official
    URI, ``id@host:port``, are accepted and dropped).

    :raises ValueError: an entry has no port.
    """
    urls = []
    for entry in netloc.split(","):
        entry = entry.strip()
        if not entry:
            continue
        if "@" in entry:
            entry = entry.rsplit("@", 1)[1]
        host, sep, port = entry.rpartition(":")
        if not sep or not host or not port.isdigit():
            raise ValueError(f"router {entry!r} needs a port (host:port)")
        urls.append(f"{scheme}://{host}:{int(port)}")
    return urls


class Router:
    """One router, as the official client's ``Router`` helper (synchronous):
    :meth:`get_metadata` and :meth:`get_by_checksum_to_file`.

    :param http: the HTTP client to use (a client's :attr:`MictlanXClient.routers`
        share its own); None builds one per ``verify`` value asked for.
    """

    def __init__(self, router_id: str, ip_addr: str, port: int, protocol: str = "http",
                 http2: bool = False, api_version: int = 4, *,
                 http: Optional[HTTPClient] = None) -> None:
        self.router_id, self.ip_addr, self.port = router_id, ip_addr, int(port)
        self.protocol, self.http2, self.api_version = protocol, http2, int(api_version)
        self._http = http
        self._own: Dict[Any, HTTPClient] = {}

    @classmethod
    def from_url(cls, url: str, http: Optional[HTTPClient] = None) -> "Router":
        """The router at base URL ``scheme://host:port`` (its id: ``host:port``)."""
        parts = urlsplit(url)
        return cls(router_id=parts.netloc, ip_addr=parts.hostname or "",
                   port=parts.port or -1, protocol=parts.scheme, http=http)

    def base_url(self) -> str:
        """``protocol://ip_addr[:port]`` (no port when it is -1 or 0)."""
        if self.port in (-1, 0):
            return f"{self.protocol}://{self.ip_addr}"
        return f"{self.protocol}://{self.ip_addr}:{self.port}"

    def _transport(self, verify: Any) -> RouterTransport:
        http = self._http
        if http is None or http.verify != verify:
            if verify not in self._own:
                self._own[verify] = HTTPClient(None, verify=verify)
            http = self._own[verify]
        return RouterTransport(http, RouterPool([self.base_url()]))

    def get_metadata(self, bucket_id: str, key: str, timeout: float = 300,
                     headers: Optional[Mapping[str, str]] = None,
                     verify: Any = False) -> GetMetadataResponse:
        """One chunk object's record (``GET /api/v{n}/buckets/{bucket_id}/metadata/{key}``).

        :raises NotFound: the router knows no replica of the key.
        """
        bucket, ckey = check_key(bucket_id, "bucket id"), check_key(key)
        doc = self._transport(verify).json(
            "GET", f"/api/v{self.api_version}/buckets/{bucket}/metadata/{ckey}",
            _timed(timeout, headers), service="get_metadata")
        return GetMetadataResponse.from_json(doc or {}, bucket)

    def get_by_checksum_to_file(self, checksum: str, chunk_size: Any = "1MB",
                                sink_folder_path: str = "/mictlanx/data", timeout: float = 300,
                                filename: str = "", headers: Optional[Mapping[str, str]] = None,
                                extension: str = "", verify: Any = False) -> str:
        """Download what ``GET /api/v4/buckets/checksum/{checksum}`` answers to
        ``{sink_folder_path}/{filename or checksum}{extension}`` and return that
        path; an existing file is returned without a request.

        The router declares no such route: it serves the path as
        ``get_data(bucket_id="checksum", key=checksum)``.  The official helper
        never writes the body; this one does (through a temporary file,
        renamed when complete), as its documentation says.

        :raises NotFound: the router has no such key.
        """
        size = parse_size(chunk_size, "chunk_size")
        if "/" in checksum or not checksum:
            raise InvalidArgument(f"not a checksum: {checksum!r}")
        os.makedirs(sink_folder_path, exist_ok=True)
        path = f"{sink_folder_path}/{filename or checksum}{extension}"
        if os.path.exists(path):
            return path
        _r, resp = self._transport(verify).request(
            "GET", f"/api/v4/buckets/checksum/{checksum}", _timed(timeout, headers),
            service="get_data", stream=True)
        tmp = f"{path}.part-{os.getpid()}-{threading.get_ident()}"
        try:
            with open(tmp, "wb") as fh:
                for piece in resp.iter_content(max(1, size)):
                    fh.write(piece)
            os.replace(tmp, path)
        finally:
            resp.close()
            if os.path.exists(tmp):
                os.unlink(tmp)
        return path


def _timed(timeout: Optional[float], headers: Optional[Mapping[str, str]]) -> CallOptions:
    """Call options of one helper call."""
    seconds = float(timeout) if timeout is not None else None
    return CallOptions(headers=dict(headers or {}), connection_timeout=seconds,
                       read_timeout=seconds)
