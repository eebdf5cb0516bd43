"""Swift's wire formats as pure functions: paths, metadata headers, bulk
delete bodies, multipart/byteranges bodies, temp URL signatures, SLO
manifests.

Nothing here sends a request; every function is testable on its own.
"""

from __future__ import annotations

import functools

import hashlib
import hmac
import json
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import quote, unquote

from ...http.headers import lowered
from ...timestamps import http_date_to_epoch, iso_to_epoch

__all__ = [
    "quote_name", "object_path", "container_path", "split_storage_url",
    "encode_header_value", "decode_header_value", "meta_headers", "remove_meta_headers",
    "read_meta", "parse_timestamp", "parse_http_date", "bulk_delete_body",
    "parse_bulk_response", "parse_content_type_boundary", "iter_byteranges",
    "temp_url_signature", "slo_manifest", "etag_of_etags", "unquote_etag",
    "PROPERTY_KEY_CHARS",
]

#: Characters a property key may hold: it travels in a header name, and
#: WSGI servers confuse ``_`` with ``-``.
PROPERTY_KEY_CHARS = ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                      "-!#$%&'*+.^`|~")


def quote_name(name: str) -> str:
    """Percent-encode a Swift name for a URL path (``/`` kept).

    Every ``.`` is encoded too: a path segment ``.`` or ``..`` would
    otherwise be removed by URL normalisation before the request is sent
    (Swift decodes ``%2E`` back to ``.``).
    """
    return quote(name.encode("utf-8"), safe="/").replace(".", "%2E")


@functools.lru_cache(maxsize=256)
def container_path(account: str, container: str) -> str:
    """``/<account>/<container>`` quoted, relative to the ``/v1`` root."""
    return f"/{quote_name(account)}/{quote_name(container)}"


def object_path(account: str, container: str, obj: str) -> str:
    """``/<account>/<container>/<object>`` quoted, relative to ``/v1``."""
    return f"{container_path(account, container)}/{quote_name(obj)}"


@functools.lru_cache(maxsize=64)
def split_storage_url(storage_url: str) -> Tuple[str, str]:
    """``(root, account)`` of a storage URL ``http://h/v1/AUTH_x``.

    ``root`` is everything before the account (``http://h/v1``); the
    account is unquoted.
    """
    base = storage_url.rstrip("/")
    root, _, account = base.rpartition("/")
    return root, unquote(account)


def encode_header_value(value: str) -> str:
    """A str whose latin-1 encoding is the UTF-8 of ``value``.

    ``http.client`` sends header values as latin-1; Swift stores metadata
    as UTF-8 bytes, so UTF-8 must be what goes on the wire.
    """
    return value.encode("utf-8").decode("latin-1")


def decode_header_value(value: str) -> str:
    """The inverse of :func:`encode_header_value` (tolerates non-UTF-8)."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def meta_headers(kind: str, properties: Mapping[str, str]) -> Dict[str, str]:
    """``X-<Kind>-Meta-<key>`` headers for ``properties``.

    :param kind: ``Account``, ``Container`` or ``Object``.
    """
    return {f"X-{kind}-Meta-{key}": encode_header_value(value)
            for key, value in properties.items()}


def remove_meta_headers(kind: str, keys: Iterable[str]) -> Dict[str, str]:
    """``X-Remove-<Kind>-Meta-<key>`` headers (Swift deletes those keys)."""
    return {f"X-Remove-{kind}-Meta-{key}": "x" for key in keys}


def read_meta(kind: str, headers: Mapping[str, str],
              skip: Sequence[str] = ()) -> Dict[str, str]:
    """User properties from response headers; keys lower-cased (HTTP
    header names are case-insensitive), values decoded from UTF-8.

    :param skip: lower-case keys to leave out (secrets, quotas).
    """
    prefix = f"x-{kind.lower()}-meta-"
    out: Dict[str, str] = {}
    found = lowered(headers)
    if prefix not in "\n".join(found):
        return out  # the common case, without a step per header
    for low, value in found.items():
        if low.startswith(prefix):
            key = low[len(prefix):]
            if key and key not in skip:
                out[key] = decode_header_value(value)
    return out


def parse_timestamp(value: Optional[str]) -> Optional[float]:
    """Seconds from Swift's ``X-Timestamp`` (or ``X-Put-Timestamp``)."""
    if not value:
        return None
    try:
        return float(value.split("_", 1)[0])
    except ValueError:
        return None


#: epoch seconds of an HTTP date (``Last-Modified``)
parse_http_date = http_date_to_epoch


def parse_listing_date(value: Optional[str]) -> Optional[float]:
    """Epoch seconds of a listing's ``last_modified`` (ISO, UTC, no zone)."""
    return iso_to_epoch(value)


def bulk_delete_body(container: str, names: Sequence[str]) -> bytes:
    """The body of ``POST ?bulk-delete``: one quoted ``/container/object``
    a line."""
    lines = [f"/{quote(container.encode('utf-8'), safe='')}/"
             f"{quote(name.encode('utf-8'), safe='/')}" for name in names]
    return "\n".join(lines).encode("ascii")


def parse_bulk_response(doc: Mapping[str, Any]) -> Tuple[int, int, List[Tuple[str, str]], str]:
    """``(deleted, not_found, errors, status)`` of a bulk JSON response.

    ``errors`` are ``(unquoted path, status)`` pairs.
    """
    errors = []
    for item in doc.get("Errors") or []:
        if isinstance(item, (list, tuple)) and len(item) == 2:
            errors.append((unquote(str(item[0])), str(item[1])))
    return (int(doc.get("Number Deleted") or 0), int(doc.get("Number Not Found") or 0),
            errors, str(doc.get("Response Status") or ""))


def parse_content_type_boundary(content_type: str) -> Optional[str]:
    """The boundary of a ``multipart/byteranges`` content type, else None."""
    main, _, params = content_type.partition(";")
    if main.strip().lower() != "multipart/byteranges":
        return None
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "boundary":
            return value.strip().strip('"') or None
    return None


def iter_byteranges(chunks: Iterable[bytes], boundary: str) -> Iterator[bytes]:
    """The bodies of a ``multipart/byteranges`` stream, one after the other.

    Streams: memory stays bounded by the chunk size, whatever the parts'
    sizes.

    :raises ValueError: the body is not well-formed multipart.
    """
    delim = b"--" + boundary.encode("latin-1")
    body_end = b"\r\n" + delim
    buf = b""
    it = iter(chunks)
    state = "preamble"
    for chunk in _with_eof(it):
        if chunk is not None:
            buf += chunk
        eof = chunk is None
        while True:
            if state == "preamble":
                idx = buf.find(delim)
                if idx < 0:
                    if eof:
                        raise ValueError("multipart body without a boundary")
                    break
                buf = buf[idx + len(delim):]
                state = "after_delim"
            if state == "after_delim":
                if len(buf) < 2:
                    if eof:
                        raise ValueError("multipart body cut after a boundary")
                    break
                if buf[:2] == b"--":
                    return
                state = "headers"
            if state == "headers":
                idx = buf.find(b"\r\n\r\n")
                if idx < 0:
                    if eof:
                        raise ValueError("multipart part headers cut short")
                    break
                buf = buf[idx + 4:]
                state = "body"
            if state == "body":
                idx = buf.find(body_end)
                if idx < 0:
                    if eof:
                        raise ValueError("multipart part body cut short")
                    keep = len(body_end) - 1
                    if len(buf) > keep:
                        out, buf = buf[:-keep], buf[-keep:]
                        yield out
                    break
                if idx:
                    yield buf[:idx]
                buf = buf[idx + len(body_end):]
                state = "after_delim"
                continue
        if eof:
            break


def _with_eof(it: Iterator[bytes]) -> Iterator[Optional[bytes]]:
    for chunk in it:
        if chunk:
            yield chunk
    yield None


def temp_url_signature(key: str, method: str, expires_at: int, path: str,
                       digest: str = "sha256") -> str:
    """The ``temp_url_sig`` of a Swift temporary URL.

    :param path: the unquoted request path (``/v1/AUTH_x/cont/obj``).
    :param digest: ``sha1``, ``sha256`` or ``sha512``.
    """
    body = f"{method}\n{expires_at}\n{path}".encode("utf-8")
    return hmac.new(key.encode("utf-8"), body, getattr(hashlib, digest)).hexdigest()


def unquote_etag(value: Optional[str]) -> Optional[str]:
    """An ETag without its quotes, lower-cased."""
    if value is None:
        return None
    return value.strip().strip('"').lower() or None


def etag_of_etags(etags: Sequence[str]) -> str:
    """The ETag Swift gives a static large object: MD5 of its segments'
    hex ETags concatenated."""
    return hashlib.md5("".join(etags).encode("ascii")).hexdigest()


def slo_manifest(segments: Sequence[Tuple[str, str, int]]) -> bytes:
    """The JSON body of ``PUT ?multipart-manifest=put``.

    :param segments: ``(path "/container/object" unquoted, etag, size)``.
    """
    return json.dumps([{"path": path, "etag": etag, "size_bytes": size}
                       for path, etag, size in segments]).encode("utf-8")
