"""The direct path: small requests sent straight to the session's urllib3 pools.

:class:`~objclient.http.HTTPClient` keeps one :class:`requests.Session` and
mounts its own adapters on it.  For a session it owns (no cookies, hooks,
proxies or auth of the session's own to honour) and a body that is absent
or bytes, building a :class:`requests.PreparedRequest`, walking
``Session.send`` and the adapter costs about as much CPU as urllib3's whole
request.  This module does what those layers do for such a request and no
more: it takes the pool the adapter would take (same pool manager, same TLS
settings), sends through ``urlopen`` without urllib3's own retries or
redirects (the client has its own), and wraps the answer in a
:class:`requests.Response` built without the parts nobody reads.

Anything else (files, generators, form dicts, an injected session, proxies
from the environment, debug logging) goes the full requests way.
"""

from __future__ import annotations

import datetime
import functools
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Tuple
from urllib.parse import urlencode, urlsplit

import requests
import urllib3
from urllib3.connectionpool import port_by_scheme
from requests.cookies import cookiejar_from_dict
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

__all__ = ["DirectRequest", "DirectResponse", "Headers", "PoolCache", "lower_items", "split_url"]

_NO_TIME = datetime.timedelta(0)


def split_url(url: str, params: Any) -> Optional[Tuple[str, str, str]]:
    """``(origin, full url, target)`` of an ASCII http(s) URL with ``params`` added.

    :returns: None for a URL the direct path does not take (not http(s),
        not ASCII, with user info or a fragment): requests prepares those.
    """
    if not url.isascii() or "#" in url:
        return None
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in ("http", "https"):
        return None
    netloc, slash, path = rest.partition("/")
    if not netloc or "@" in netloc or "?" in netloc:
        return None
    target = slash + path if slash else "/"
    if params:
        query = encode_query(params)
        if query:
            target += ("&" if "?" in target else "?") + query
    origin = scheme + "://" + netloc
    return origin, origin + target, target


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


class DirectRequest:
    """The little of a :class:`requests.PreparedRequest` that auth plugins sign."""

    __slots__ = ("method", "url", "headers", "body")

    def __init__(self, method: str, url: str, headers: CaseInsensitiveDict,
                 body: Optional[bytes]) -> None:
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body

    @property
    def path_url(self) -> str:
        """The path and query, as requests names it."""
        parts = urlsplit(self.url)
        return (parts.path or "/") + ("?" + parts.query if parts.query else "")


class Headers(Mapping[str, str]):
    """Response headers, case-insensitive, read without copying.

    A view over urllib3's header store (lower-cased name -> original name
    and values): a miss in :meth:`get` costs a dict look-up, where urllib3's
    own mapping raises and catches a KeyError, and :meth:`items` is a
    comprehension instead of urllib3's view object.  Repeated headers read
    as one value joined by ``", "``, as in requests.
    """

    __slots__ = ("_store",)

    def __init__(self, store: Dict[str, List[str]]) -> None:
        self._store = store

    @staticmethod
    def _value(entry: List[str]) -> str:
        return entry[1] if len(entry) == 2 else ", ".join(entry[1:])

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        """The value of header ``key`` (any case), or ``default``."""
        entry = self._store.get(key.lower())
        if entry is None:
            return default
        return entry[1] if len(entry) == 2 else ", ".join(entry[1:])  # _value, inlined

    def __getitem__(self, key: str) -> str:
        entry = self._store.get(key.lower())
        if entry is None:
            raise KeyError(key)
        return self._value(entry)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._store

    def __iter__(self) -> Iterator[str]:
        return (entry[0] for entry in self._store.values())

    def __len__(self) -> int:
        return len(self._store)

    def items(self) -> List[Tuple[str, str]]:  # type: ignore[override]
        """``(name, value)`` pairs, names as the server spelled them."""
        value = self._value
        return [(entry[0], value(entry)) for entry in self._store.values()]

    def lower_items(self) -> List[Tuple[str, str]]:
        """``(lower-case name, value)`` pairs, as requests' header dict has them."""
        value = self._value
        return [(name, value(entry)) for name, entry in self._store.items()]

    def copy(self) -> CaseInsensitiveDict:
        """A mutable copy, as requests' header dict."""
        return CaseInsensitiveDict(self.items())

    def __repr__(self) -> str:
        return repr(dict(self.items()))


def lower_items(headers: Mapping[str, str]) -> Iterable[Tuple[str, str]]:
    """``(lower-case name, value)`` pairs of any header mapping (without a
    ``lower()`` per name where the mapping keeps them lower-cased already)."""
    pairs = getattr(headers, "lower_items", None)
    if pairs is not None:
        return pairs()  # type: ignore[no-any-return]
    return [(name.lower(), value) for name, value in headers.items()]


def response_headers(raw: Any) -> Any:
    """The fast view of a urllib3 response's headers (urllib3's own if its
    store is not the one this view knows)."""
    store = getattr(raw.headers, "_container", None)
    return Headers(store) if type(store) is dict else raw.headers


class DirectResponse(requests.Response):
    """A :class:`requests.Response` over a urllib3 response, built cheaply.

    The headers are urllib3's own (case-insensitive) dict; the cookie jar
    and the text encoding are made only when read.
    """

    def __init__(self, raw: Any, url: str, method: str, headers: Any,
                 request: Optional[DirectRequest]) -> None:  # noqa: D107
        # requests.Response.__init__ is skipped on purpose: it builds a
        # cookie jar and a header dict that are replaced or never read.
        self._content = False  # type: ignore[assignment]  # requests' own "not read"
        self._content_consumed = False
        self._next = None
        self.status_code = raw.status
        self.headers = response_headers(raw)  # type: ignore[assignment]
        self.raw = raw
        self.url = url
        self.history = []
        self.reason = raw.reason
        self.elapsed = _NO_TIME
        self._request = request
        self._sent = (method, headers)
        self._jar: Any = None
        self._encoding: Any = False

    @property  # type: ignore[override]
    def request(self) -> Any:
        """What was sent, as a :class:`DirectRequest` (made on first use)."""
        if self._request is None:
            method, headers = self._sent
            self._request = DirectRequest(method, self.url, headers, None)
        return self._request

    @request.setter
    def request(self, value: Any) -> None:
        self._request = value

    @property  # type: ignore[override]
    def cookies(self) -> Any:
        """The cookies the server sent (made on first use)."""
        if self._jar is None:
            self._jar = cookiejar_from_dict({})
            requests.cookies.extract_cookies_to_jar(self._jar, self.request, self.raw)
        return self._jar

    @cookies.setter
    def cookies(self, jar: Any) -> None:
        self._jar = jar

    @property  # type: ignore[override]
    def encoding(self) -> Optional[str]:
        """The text encoding named by ``Content-Type`` (looked up on first use)."""
        if self._encoding is False:
            self._encoding = get_encoding_from_headers(self.headers)
        return self._encoding  # type: ignore[no-any-return]

    @encoding.setter
    def encoding(self, value: Optional[str]) -> None:
        self._encoding = value


class PoolCache:
    """The urllib3 pool per origin, as the session's adapter would pick it.

    The pool key is worked out once per origin; every request then asks the
    adapter's pool manager for the pool under that key, so a pool the
    manager has dropped (it keeps a bounded number, and forgets all of them
    when the session is closed) is never used again.
    """

    def __init__(self, session: requests.Session, verify: Any, cert: Any) -> None:
        self._session = session
        self._verify = verify
        self._cert = cert
        self._keys: Dict[str, Tuple[Any, Any, Dict[str, Any]]] = {}
        self._legacy: Dict[str, Any] = {}

    def get(self, origin: str) -> Any:
        """The pool for ``origin`` (``scheme://host:port``)."""
        found = self._keys.get(origin)
        if found is None:
            adapter: Any = self._session.get_adapter(origin + "/")  # an HTTPAdapter
            if not hasattr(adapter, "build_connection_pool_key_attributes"):
                return self._legacy_pool(adapter, origin)
            probe = requests.PreparedRequest()
            probe.url = origin + "/"
            host_params, pool_kwargs = adapter.build_connection_pool_key_attributes(
                probe, self._verify, self._cert)
            manager = adapter.poolmanager
            # What PoolManager.connection_from_host does before its look-up.
            context = manager._merge_pool_kwargs(pool_kwargs)
            scheme = host_params["scheme"]
            context["scheme"] = scheme
            context["port"] = host_params["port"] or port_by_scheme.get(scheme, 80)
            context["host"] = host_params["host"]
            key = manager.key_fn_by_scheme[scheme](context)
            found = self._keys[origin] = (manager, key, context)
        manager, key, context = found
        pool = manager.pools.get(key)
        if pool is None:
            # The manager changes the context it is given: hand it a copy.
            pool = manager.connection_from_pool_key(key, request_context=dict(context))
        return pool

    def _legacy_pool(self, adapter: Any, origin: str) -> Any:
        """The pool as requests before 2.32 picks it (``get_connection``,
        then ``cert_verify`` to set the TLS settings on the pool).

        The pool-key method the fast look-up needs first shipped in requests
        2.32; a project that pins an older requests (OpenIO's own client
        pins ``requests~=2.31``) takes this slower but equivalent way.
        """
        url = origin + "/"
        pool = adapter.get_connection(url)
        if self._legacy.get(origin) is not pool:
            adapter.cert_verify(pool, url, self._verify, self._cert)
            self._legacy[origin] = pool
        return pool

    def forget(self, origin: str) -> None:
        """Work out the pool key of ``origin`` again on next use."""
        self._keys.pop(origin, None)
        self._legacy.pop(origin, None)


@functools.lru_cache(maxsize=64)
def _timeout(connect: float, read: float) -> urllib3.Timeout:
    """One urllib3 Timeout per pair (the pool clones it for each request)."""
    return urllib3.Timeout(connect=connect, read=read)


def urlopen(pools: PoolCache, origin: str, method: str, target: str, body: Optional[bytes],
            headers: Any, timeout: Tuple[float, float]) -> Any:
    """Send one request through the origin's pool; urllib3 errors pass through.

    :returns: the urllib3 response, its body not read.
    """
    kwargs = dict(body=body, headers=headers, retries=False, redirect=False,
                  assert_same_host=False, preload_content=False, decode_content=False,
                  timeout=_timeout(*timeout))
    try:
        return pools.get(origin).urlopen(method, target, **kwargs)
    except urllib3.exceptions.ClosedPoolError:
        # Someone closed the pool between look-up and use: nothing was sent,
        # so asking again is safe.
        pools.forget(origin)
        return pools.get(origin).urlopen(method, target, **kwargs)
