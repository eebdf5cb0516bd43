"""The one seam between objclient and the network.

:class:`~objclient.http.HTTPClient` chooses one :class:`Transport` when it is
built and sends every request through it, small or streamed.  A transport
sends one :class:`Request` and answers with a :class:`Response` whose body
is not read yet; retries, redirects, auth and error translation stay in the
client.

:class:`Urllib3Transport` is the default: one :class:`urllib3.PoolManager`
(and a :class:`urllib3.ProxyManager` per proxy named in the environment).
:class:`~objclient.http.requests_transport.RequestsTransport` serves a
caller's own :class:`requests.Session`; this module never imports requests.
"""

from __future__ import annotations

import functools
import json as jsonlib
import os
import sys
from typing import Any, Dict, Iterator, List, Optional, Protocol, Tuple, Union
from urllib.parse import urlencode, urlsplit

import urllib3
from urllib3.util import make_headers, parse_url

from ..exceptions import InvalidArgument
from .headers import response_headers

try:  # requests' own CA bundle when it is there (requests depends on certifi)
    from certifi import where as _certifi_where
except ImportError:  # pragma: no cover - then the system's store is used
    _certifi_where = None  # type: ignore[assignment]


def _ca_bundle() -> Optional[str]:
    """certifi's bundle, as requests verifies with (None without certifi)."""
    return _certifi_where() if _certifi_where is not None else None

__all__ = ["Request", "Response", "Transport", "Urllib3Transport", "encode_query"]

#: Bodies are sent in 1 MiB blocks instead of urllib3's 16 KiB.
SEND_BLOCK = 1024 * 1024

TimeoutPair = Tuple[float, float]


class Request:
    """One attempt as it goes on the wire; auth plugins sign this.

    :param method: the HTTP method, upper case.
    :param url: the absolute URL, query included.
    :param headers: a plain ``dict`` (a signer may add or remove names).
    :param body: ``None``, ``bytes``, a file object or an iterator of bytes.
    """

    __slots__ = ("method", "url", "headers", "body")

    def __init__(self, method: str, url: str, headers: Dict[str, str], body: Any) -> None:
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body

    @property
    def path_url(self) -> str:
        """The path and query (requests' name for it)."""
        parts = urlsplit(self.url)
        return (parts.path or "/") + ("?" + parts.query if parts.query else "")

    def __repr__(self) -> str:
        return f"<Request {self.method}>"


class Response:
    """A response whose body is read on demand.

    What backends read: :attr:`status_code`, :attr:`headers` (case-insensitive
    ``get``), :attr:`content`, :meth:`json`, :attr:`raw` (the urllib3
    response, for streaming), :attr:`url` and :attr:`request`.

    :param status: the status code.
    :param reason: the reason phrase.
    :param headers: the response headers (a case-insensitive mapping).
    :param raw: the urllib3 response, its body not read.
    :param url: the URL that was sent.
    :param request: the :class:`Request` that was sent.
    """

    __slots__ = ("status_code", "reason", "headers", "raw", "url", "request", "_content")

    def __init__(self, status: int, reason: Optional[str], headers: Any, raw: Any, url: str,
                 request: Optional[Request]) -> None:
        self.status_code = status
        self.reason = reason
        self.headers = headers
        self.raw = raw
        self.url = url
        self.request = request
        self._content: Optional[bytes] = None

    @property
    def ok(self) -> bool:
        """True for a status below 400."""
        return self.status_code < 400

    @property
    def consumed(self) -> bool:
        """True once the body is read (and kept in :attr:`content`)."""
        return self._content is not None

    @property
    def content(self) -> bytes:
        """The whole body (read on first use; the connection is then released)."""
        if self._content is None:
            try:
                self._content = self.raw.read(decode_content=True) or b""
            finally:
                self.raw.release_conn()
        return self._content

    @content.setter
    def content(self, data: bytes) -> None:
        self._content = data

    @property
    def text(self) -> str:
        """The body decoded (the ``charset`` of ``Content-Type``, else UTF-8)."""
        ctype = self.headers.get("Content-Type") or ""
        charset = "utf-8"
        for param in ctype.split(";")[1:]:
            name, _, value = param.strip().partition("=")
            if name.lower() == "charset" and value:
                charset = value.strip("\"'")
        return self.content.decode(charset, errors="replace")

    def json(self, **kwargs: Any) -> Any:
        """The body decoded as JSON.

        :raises ValueError: the body is not JSON.
        """
        return jsonlib.loads(self.content, **kwargs)

    def iter_content(self, chunk_size: int = 65536) -> Iterator[bytes]:
        """The body in chunks (the read body if already read)."""
        if self._content is not None:
            yield self._content
            return
        yield from self.raw.stream(chunk_size, decode_content=True)

    def close(self) -> None:
        """Give the connection back (dropped if the body is left unread)."""
        if self._content is None:
            self.raw.close()
        self.raw.release_conn()

    def __repr__(self) -> str:
        return f"<Response [{self.status_code}]>"


class Transport(Protocol):
    """What sends one request (see :class:`Urllib3Transport`)."""

    def send(self, request: Request, timeout: TimeoutPair) -> Response:
        """Send ``request`` and return once the response headers are in.

        :raises urllib3.exceptions.HTTPError: (or an error wrapping one,
            or an ``OSError``): the client translates it.
        :raises InvalidArgument: the request cannot be sent.
        """

    def close(self) -> None:
        """Close the pooled connections."""

    def after_fork(self) -> None:
        """Drop the parent's pools (without closing their sockets)."""


def encode_query(params: Any) -> str:
    """``params`` (a mapping or ``(name, value)`` pairs; a value may be a list)
    as a query string, the way requests encodes them: None values are left
    out, text goes as UTF-8.  A str or bytes is taken as already encoded."""
    if isinstance(params, str):
        return params
    if isinstance(params, bytes):
        return params.decode("ascii")
    pairs = []
    for name, values in (params.items() if hasattr(params, "items") else params):
        if values is None:
            continue
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
            values = (values,)
        for value in values:
            if value is not None:
                pairs.append((name, value))
    return urlencode(pairs)


def with_query(url: str, params: Any) -> str:
    """``url`` with ``params`` (see :func:`encode_query`) added to its query."""
    query = encode_query(params) if params else ""
    if not query:
        return url
    return url + ("&" if "?" in url else "?") + query


def split_url(url: str) -> Tuple[str, str, Optional[str]]:
    """``(origin, target, basic auth)`` of an http(s) URL.

    A plain ASCII URL is cut by string operations; anything else (user
    info, a fragment, non-ASCII) is parsed by urllib3, which encodes what
    HTTP cannot carry.

    :raises InvalidArgument: not an http(s) URL, or no host.
    """
    scheme, sep, rest = url.partition("://")
    if sep and scheme in ("http", "https") and url.isascii() and "#" not in url:
        netloc, slash, path = rest.partition("/")
        if netloc and "@" not in netloc and "?" not in netloc:
            return scheme + "://" + netloc, (slash + path if slash else "/"), None
    try:
        parsed = parse_url(url)
    except (ValueError, urllib3.exceptions.LocationParseError) as exc:
        raise InvalidArgument(f"invalid URL: {exc}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise InvalidArgument("only http:// and https:// URLs can be sent")
    origin = f"{parsed.scheme}://{parsed.host}" + (f":{parsed.port}" if parsed.port else "")
    return origin, parsed.request_uri, parsed.auth


#: urllib3 retries nothing (HTTPClient does): one value for every request, as
#: ``retries=False`` would make a new ``Retry`` each time; the value is immutable
_NO_RETRIES = urllib3.util.Retry(total=False, redirect=False)

#: what a pool's urlopen is told besides the request: the pool was chosen by
#: origin, so it need not compare hosts
_SAME_HOST_UNCHECKED: Dict[str, Any] = {"assert_same_host": False}


@functools.lru_cache(maxsize=64)
def _timeout(connect: float, read: float) -> urllib3.Timeout:
    """One urllib3 Timeout per pair (the pool clones it for each request)."""
    return urllib3.Timeout(connect=connect, read=read)


def tls_options(verify: Union[bool, str], cert: Any) -> Dict[str, Any]:
    """urllib3 pool options for requests' ``verify`` and ``cert`` arguments.

    :param verify: True (certifi's bundle, as requests), False, or a CA
        bundle file or directory.
    :param cert: a client certificate path, or ``(cert, key)``.
    """
    options: Dict[str, Any] = {}
    if verify is False:
        options["cert_reqs"] = "CERT_NONE"
    else:
        options["cert_reqs"] = "CERT_REQUIRED"
        bundle = verify if isinstance(verify, str) else _ca_bundle()
        if bundle is not None:
            if os.path.isdir(bundle):
                options["ca_cert_dir"] = bundle
            else:
                options["ca_certs"] = bundle
    if cert:
        if isinstance(cert, (tuple, list)):
            options["cert_file"], options["key_file"] = cert
        else:
            options["cert_file"] = cert
    return options


def environment_proxies() -> Dict[str, str]:
    """The proxies the environment names, by scheme (:func:`urllib.request.getproxies`).

    :mod:`urllib.request` (tempfile, shutil, bz2, lzma... about 7 M
    instructions, issue 26) is imported only when a ``*_proxy`` variable is
    set, or on macOS and Windows, where the system settings are read too.
    """
    if sys.platform not in ("darwin", "win32") and not any(
            name[-6:].lower() == "_proxy" for name in os.environ):
        return {}
    import urllib.request
    return urllib.request.getproxies()


def _proxy_bypass(host: str) -> bool:
    """Whether ``no_proxy`` (or the system settings) exempt ``host`` from the proxy."""
    import urllib.request
    return bool(urllib.request.proxy_bypass(host))


class Urllib3Transport:
    """Every request through one :class:`urllib3.PoolManager`.

    :param verify: TLS verification (bool or CA bundle path).
    :param cert: client certificate (path or ``(cert, key)``).
    :param pool_maxsize: connections kept per host.
    :param env_proxies: honour ``http_proxy``/``https_proxy``/``no_proxy``
        from the environment (read once, here).
    """

    def __init__(self, verify: Union[bool, str] = True, cert: Any = None,
                 pool_maxsize: int = 10, env_proxies: bool = True) -> None:
        self._options = dict(tls_options(verify, cert), maxsize=pool_maxsize,
                             blocksize=SEND_BLOCK)
        self._proxies = environment_proxies() if env_proxies else {}
        self._start()

    def _start(self) -> None:
        self._manager = urllib3.PoolManager(num_pools=16, **self._options)
        self._proxy_managers: Dict[str, Any] = {}
        #: origin -> its pool, looked up once (the manager may drop it: see send)
        self._pools: Dict[str, Tuple[Any, bool]] = {}

    def _pool(self, origin: str) -> Tuple[Any, bool]:
        """``(opener, full)``: the origin's pool, or the proxy manager that
        reaches it (``full``: it is given the whole URL)."""
        scheme = origin.partition("://")[0]
        parsed = parse_url(origin)
        proxy = self._proxies.get(scheme)
        if proxy and not _proxy_bypass(parsed.host or ""):
            manager = self._proxy_managers.get(proxy)
            if manager is None:
                manager = self._proxy_managers[proxy] = urllib3.ProxyManager(
                    proxy, num_pools=16, **self._options)
            found: Tuple[Any, bool] = (manager, True)
        else:
            found = (self._manager.connection_from_host(parsed.host, parsed.port, scheme), False)
        self._pools[origin] = found
        return found

    def send(self, request: Request, timeout: TimeoutPair) -> Response:
        """Send ``request`` (see :class:`Transport`)."""
        origin, target, basic = split_url(request.url)
        headers = request.headers
        if basic is not None:
            headers = {**make_headers(basic_auth=basic), **headers}
        opener, full = self._pools.get(origin) or self._pool(origin)
        if full:  # a proxy manager: it is given the whole URL and checks no host
            target = origin + target
            extra = {}
        else:
            extra = _SAME_HOST_UNCHECKED
        retried = False
        while True:
            try:
                raw = opener.urlopen(request.method, target, body=request.body,
                                     headers=headers, retries=_NO_RETRIES, redirect=False,
                                     preload_content=False, decode_content=False,
                                     timeout=_timeout(*timeout), **extra)
                break
            except urllib3.exceptions.ClosedPoolError:
                # The manager dropped this pool before it was used: nothing
                # was sent, so asking for the current one is safe (once).
                if retried:
                    raise
                retried = True
                opener = self._pool(origin)[0]
        return Response(raw.status, raw.reason, response_headers(raw), raw, request.url,
                        request)

    def close(self) -> None:
        """Close the pooled connections; later requests open new ones."""
        managers: List[Any] = [self._manager, *self._proxy_managers.values()]
        self._start()
        for manager in managers:
            manager.clear()

    def after_fork(self) -> None:
        """New pools; the parent's sockets are left alone (closing them
        could shut them for the parent)."""
        self._start()

