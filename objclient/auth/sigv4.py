"""AWS Signature Version 4, as an auth plugin and as pure functions.

:class:`SigV4Auth` signs every attempt of every request in
:meth:`~SigV4Auth.sign`, after HTTPClient has set the final headers.  A
body held in memory (bytes) is signed (``x-amz-content-sha256`` is its
SHA-256); a streamed body is sent as ``UNSIGNED-PAYLOAD`` so it is never read
twice.  :func:`presign_url` builds a presigned (query-signed) URL.

The building blocks (:func:`uri_encode`, :func:`canonical_uri`,
:func:`canonical_query`, :func:`canonical_request`, :func:`signing_key`,
:func:`signature`) are pure and tested against AWS's published vectors.
S3 does not normalise paths (``a/../b`` is a key of its own), so path
normalisation is a flag, off for S3.

Requests are dated by a :class:`~objclient.auth.clock.ServerClock`: after a
403 ``RequestTimeTooSkewed`` the signer learns the server's offset (from the
error's ``ServerTime``, else the ``x-amz-date`` or ``Date`` header) and
dates every later request with it.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import hmac
import posixpath
import re
import time
from typing import Callable, Iterable, List, Mapping, Optional, Sequence, Tuple, Union
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from ..exceptions import InvalidArgument
from ..http.redact import redact_value
from ..http.signer import Request
from ..timestamps import iso_to_epoch
from .base import AuthPlugin
from .clock import ServerClock, server_time_of

__all__ = ["SigV4Auth", "uri_encode", "canonical_uri", "canonical_query", "canonical_headers",
           "canonical_request", "string_to_sign", "signing_key", "signature",
           "sign_headers", "presign_url", "EMPTY_SHA256", "UNSIGNED_PAYLOAD", "amz_date"]

ALGORITHM = "AWS4-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
_UNRESERVED = "-_.~"
#: Headers signed besides ``host`` and every ``x-amz-*`` one.
_SIGNED_EXTRA = frozenset({"content-md5", "content-type", "range"})
#: A path with nothing to encode (S3 keys are mostly like that).
_PLAIN_PATH = re.compile(r"/[A-Za-z0-9_.~/-]*")
#: What sign() sets; a resend's old values are removed first.
_SIGNING_HEADERS = frozenset({"authorization", "x-amz-date", "x-amz-content-sha256",
                              "x-amz-security-token"})
_ERROR_CODE = re.compile(rb"<Code>([^<]*)</Code>")
_SERVER_TIME = re.compile(rb"<ServerTime>([^<]*)</ServerTime>")
#: A 403 without an error code (the answer to a HEAD) is taken for a clock
#: problem when the server's Date is at least this far from ours (S3 allows
#: 15 minutes).
_SKEW_WITHOUT_CODE = 60.0

Pairs = Sequence[Tuple[str, str]]


def uri_encode(value: str, encode_slash: bool = True) -> str:
    """AWS's UriEncode: every byte but ``A-Za-z0-9-_.~`` as ``%XY`` (upper case).

    :param encode_slash: False for paths, whose ``/`` stay as they are.
    """
    return quote(value, safe=_UNRESERVED + ("" if encode_slash else "/"))


def _normalize(path: str) -> str:
    if not path:
        return "/"
    out = posixpath.normpath(path)
    if out.startswith("//"):
        out = "/" + out.lstrip("/")
    if path.endswith("/") and out != "/":
        out += "/"
    return out


def canonical_uri(path: str, *, normalize: bool = False, double_encode: bool = False) -> str:
    """The CanonicalURI of a decoded ``path``.

    :param normalize: remove ``.``/``..`` segments and repeated slashes
        (every AWS service but S3 does).
    :param double_encode: encode the encoded path again (every AWS service
        but S3 does).
    """
    if not path:
        path = "/"
    if normalize:
        path = _normalize(path)
    out = uri_encode(path, encode_slash=False)
    if double_encode:
        out = uri_encode(out, encode_slash=False)
    return out


def canonical_query(params: Iterable[Tuple[str, str]]) -> str:
    """The CanonicalQueryString of decoded ``(name, value)`` pairs."""
    encoded = sorted((uri_encode(k), uri_encode(v)) for k, v in params)
    return "&".join(f"{k}={v}" for k, v in encoded)


def parse_query(query: str) -> List[Tuple[str, str]]:
    """Decoded ``(name, value)`` pairs of a raw query string (``+`` stays ``+``)."""
    pairs = []
    for part in query.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs.append((unquote(name), unquote(value)))
    return pairs


def canonical_headers(headers: Pairs, names: Sequence[str]) -> str:
    """CanonicalHeaders: ``name:value\\n`` for each signed name, in order.

    Values are trimmed and runs of spaces fold to one; a header given more
    than once has its values joined by commas.
    """
    values: dict = {}
    for name, value in headers:
        low = name.lower()
        if low in names:
            values.setdefault(low, []).append(" ".join(str(value).split()))
    return "".join(f"{n}:{','.join(values.get(n, []))}\n" for n in names)


def canonical_request(method: str, uri: str, query: str, headers: Pairs,
                      signed: Sequence[str], payload_hash: str) -> str:
    """The CanonicalRequest (``uri`` and ``query`` already canonical)."""
    return "\n".join([method.upper(), uri, query, canonical_headers(headers, signed),
                      ";".join(signed), payload_hash])


def string_to_sign(amzdate: str, scope: str, creq: str) -> str:
    """The StringToSign of a canonical request."""
    return "\n".join([ALGORITHM, amzdate, scope,
                      hashlib.sha256(creq.encode("utf-8")).hexdigest()])


@functools.lru_cache(maxsize=32)
def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """The derived key: HMAC chain over date, region, service and ``aws4_request``.

    Cached (it changes once a day), which saves four HMACs per request.
    """
    key = ("AWS4" + secret).encode("utf-8")
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


def signature(key: bytes, sts: str) -> str:
    """Hex HMAC-SHA256 of the string to sign."""
    return hmac.new(key, sts.encode("utf-8"), hashlib.sha256).hexdigest()


_NOW: Tuple[int, str] = (0, "")


def amz_date(when: Union[None, float, datetime.datetime] = None) -> str:
    """``YYYYMMDDTHHMMSSZ`` of ``when`` (epoch seconds or a datetime; now by
    default), in UTC."""
    global _NOW
    if when is None or isinstance(when, (int, float)):
        second = int(time.time() if when is None else when)
        cached = _NOW
        if cached[0] != second:
            cached = _NOW = (second, time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(second)))
        return cached[1]
    if when.tzinfo is not None:
        when = when.astimezone(datetime.timezone.utc)
    return when.strftime("%Y%m%dT%H%M%SZ")


def sign_headers(*, method: str, path: str, query: Iterable[Tuple[str, str]],
                 headers: Pairs, payload_hash: str, access_key: str, secret_key: str,
                 region: str, service: str, amzdate: str,
                 signed: Optional[Sequence[str]] = None, normalize: bool = False,
                 double_encode: bool = False) -> str:
    """The ``Authorization`` header value for a request.

    :param path: the decoded path.
    :param query: decoded query pairs.
    :param headers: the headers to send (must hold ``host`` and ``x-amz-date``).
    :param signed: lower-case names to sign (default: all of ``headers``).
    """
    names = sorted({n.lower() for n, _ in headers} if signed is None
                   else {n.lower() for n in signed})
    return _authorization(method, canonical_uri(path, normalize=normalize,
                                                double_encode=double_encode),
                          canonical_query(query), canonical_headers(headers, names), names,
                          payload_hash, access_key, secret_key, region, service, amzdate)


def _authorization(method: str, uri: str, query: str, canon_headers: str,
                   names: Sequence[str], payload_hash: str, access_key: str,
                   secret_key: str, region: str, service: str, amzdate: str) -> str:
    """The ``Authorization`` value once the canonical parts are known."""
    creq = "\n".join([method.upper(), uri, query, canon_headers, ";".join(names),
                      payload_hash])
    scope = f"{amzdate[:8]}/{region}/{service}/aws4_request"
    sig = signature(signing_key(secret_key, amzdate[:8], region, service),
                    string_to_sign(amzdate, scope, creq))
    return (f"{ALGORITHM} Credential={access_key}/{scope}, "
            f"SignedHeaders={';'.join(names)}, Signature={sig}")


def presign_url(url: str, *, method: str, access_key: str, secret_key: str,
                region: str, expires: int, session_token: Optional[str] = None,
                service: str = "s3", amzdate: Optional[str] = None) -> str:
    """A presigned URL: ``url`` with the signature in its query string.

    :param url: an absolute URL whose path is already percent-encoded.
    :param expires: seconds the URL stays valid (1 to 604800).
    :returns: the URL, usable by any HTTP client without credentials.
    """
    if not 0 < int(expires) <= 604800:
        raise InvalidArgument("a presigned URL lasts from 1 second to 7 days")
    parts = urlsplit(url)
    amzdate = amzdate or amz_date()
    scope = f"{amzdate[:8]}/{region}/{service}/aws4_request"
    params = parse_query(parts.query)
    params += [("X-Amz-Algorithm", ALGORITHM), ("X-Amz-Credential", f"{access_key}/{scope}"),
               ("X-Amz-Date", amzdate), ("X-Amz-Expires", str(int(expires))),
               ("X-Amz-SignedHeaders", "host")]
    if session_token:
        params.append(("X-Amz-Security-Token", session_token))
    host = _host_header(parts.scheme, parts.netloc)
    path = unquote(parts.path) or "/"
    creq = canonical_request(method, canonical_uri(path), canonical_query(params),
                             [("host", host)], ["host"], UNSIGNED_PAYLOAD)
    sig = signature(signing_key(secret_key, amzdate[:8], region, service),
                    string_to_sign(amzdate, scope, creq))
    query = canonical_query(params + [("X-Amz-Signature", sig)])
    return urlunsplit((parts.scheme, parts.netloc, canonical_uri(path), query, ""))


def _host_header(scheme: str, netloc: str) -> str:
    netloc = netloc.rsplit("@", 1)[-1]
    if (scheme == "http" and netloc.endswith(":80")) or (
            scheme == "https" and netloc.endswith(":443")):
        netloc = netloc.rsplit(":", 1)[0]
    return netloc


def _text(value: "str | bytes") -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _safe_path(path: str) -> str:
    """The path to send: encoded once, with ``.``/``..`` segments escaped so
    that no HTTP layer collapses them (S3 keys may hold such segments)."""
    return "/".join("%2E" * len(seg) if seg in (".", "..") else uri_encode(seg)
                    for seg in path.split("/"))


class SigV4Auth(AuthPlugin):
    """Signs each request with AWS Signature Version 4.

    :param access_key: the access key id.
    :param secret_key: the secret access key.
    :param region: the signing region (``us-east-1`` ...).
    :param session_token: a temporary credential's token, if any.
    :param service: the service name in the scope (``s3``).
    :param normalize_path: normalise the path before signing (never for S3).
    :param sign_payload: sign bodies held in memory (streamed bodies are
        always sent as ``UNSIGNED-PAYLOAD``, and so is a request that comes
        with ``X-Amz-Content-SHA256: UNSIGNED-PAYLOAD`` already set).
    :param clock: the local clock (epoch seconds), ``time.time`` by default;
        the learned offset of the server's clock is added to it.
    """

    secret_headers = ("X-Amz-Security-Token",)

    def __init__(self, access_key: str, secret_key: str, region: str = "us-east-1", *,
                 session_token: Optional[str] = None, service: str = "s3",
                 normalize_path: bool = False, sign_payload: bool = True,
                 clock: Optional[Callable[[], float]] = None) -> None:
        for what, value in (("access key", access_key), ("secret key", secret_key),
                            ("region", region)):
            if not value or not isinstance(value, str) or any(c in value for c in "\r\n\0"):
                raise InvalidArgument(f"the SigV4 {what} must be a non-empty single line")
        self.access_key = access_key
        self._secret = secret_key
        self.region = region
        self._token = session_token
        self.service = service
        self.normalize_path = normalize_path
        self.sign_payload = sign_payload
        self.clock = ServerClock(clock, server="the S3 server")

    def sign(self, request: Request) -> None:
        """Add ``x-amz-date``, ``x-amz-content-sha256`` and ``Authorization``."""
        parts = urlsplit(request.url or "")
        s3_path = self.service == "s3" and not self.normalize_path
        plain = s3_path and _PLAIN_PATH.fullmatch(parts.path) and "/." not in parts.path
        if plain:
            # Nothing encoded, nothing to encode: sent and signed as it is.
            path = parts.path
        else:
            path = unquote(parts.path) or "/"
        if s3_path and not plain:
            sent = _safe_path(path)
            if sent != parts.path:
                request.url = urlunsplit((parts.scheme, parts.netloc, sent, parts.query, ""))
        headers = request.headers
        # One pass: lower-cased names and values (a plain dict).
        items = [(k.lower(), v) for k, v in headers.items()]
        stale = False
        chosen = None
        for name, value in items:
            if name in _SIGNING_HEADERS:
                stale = True
                if name == "x-amz-content-sha256":
                    chosen = value
        body = request.body
        if body is None or body == b"" or body == "":
            payload = EMPTY_SHA256
        elif chosen == UNSIGNED_PAYLOAD:
            # The caller chose it (a body whose Content-MD5 the server checks).
            payload = UNSIGNED_PAYLOAD
        elif isinstance(body, (bytes, str)) and self.sign_payload:
            data = body.encode("utf-8") if isinstance(body, str) else body
            payload = hashlib.sha256(data).hexdigest()
        else:
            payload = UNSIGNED_PAYLOAD
        if stale:
            # A resend's old signature goes, in whatever case it was written.
            for name in [k for k in headers if k.lower() in _SIGNING_HEADERS]:
                del headers[name]
            items = [(n, v) for n, v in items if n not in _SIGNING_HEADERS]
        amzdate = amz_date(self.clock.now())
        signed = {"x-amz-date": amzdate, "x-amz-content-sha256": payload}
        if self._token:
            headers.update({"X-Amz-Date": amzdate, "X-Amz-Content-SHA256": payload,
                            "X-Amz-Security-Token": self._token})
            signed["x-amz-security-token"] = self._token
        else:
            headers.update({"X-Amz-Date": amzdate, "X-Amz-Content-SHA256": payload})
        host = None
        for name, value in items:
            if name == "host":
                host = _text(value)
            elif name.startswith("x-amz-") or name in _SIGNED_EXTRA:
                value = _text(value)
                signed[name] = value if name not in signed else signed[name] + "," + value
        signed["host"] = host or _host_header(parts.scheme, parts.netloc)
        names = sorted(signed)
        canon = "".join(f"{n}:{' '.join(signed[n].split())}\n" for n in names)
        uri = (path if plain else uri_encode(path, encode_slash=False) if s3_path
               else canonical_uri(path, normalize=self.normalize_path,
                                  double_encode=self.service != "s3"))
        query = canonical_query(parse_query(parts.query)) if parts.query else ""
        headers["Authorization"] = _authorization(
            request.method or "GET", uri, query, canon, names, payload, self.access_key,
            self._secret, self.region, self.service, amzdate)

    def presign(self, url: str, method: str = "GET", expires: int = 3600) -> str:
        """A presigned URL for ``url`` with these credentials (see :func:`presign_url`)."""
        return presign_url(url, method=method, access_key=self.access_key,
                           secret_key=self._secret, region=self.region, expires=expires,
                           session_token=self._token, service=self.service,
                           amzdate=amz_date(self.clock.now()))

    def correct_clock(self, status: int, headers: Mapping[str, str], body: bytes) -> bool:
        """Learn the server's clock from a 403 ``RequestTimeTooSkewed`` (or a
        403 without a body, the answer to a HEAD, whose ``Date`` is far from
        this client's time).

        :returns: True when the offset changed: the request, dated anew,
            may pass.
        """
        found = _ERROR_CODE.search(body)
        code = found.group(1) if found else None
        if code is not None and code != b"RequestTimeTooSkewed":
            return False
        stated = _SERVER_TIME.search(body)
        server = iso_to_epoch(stated.group(1).decode("ascii", "replace")) if stated else None
        if server is None:
            server = server_time_of(headers)
        if server is None:
            return False
        if code is None and abs(server - self.clock.now()) < _SKEW_WITHOUT_CODE:
            return False
        return self.clock.learn(server)

    def __repr__(self) -> str:
        return (f"SigV4Auth(access_key={self.access_key!r}, "
                f"secret_key={redact_value(self._secret)!r}, region={self.region!r})")

