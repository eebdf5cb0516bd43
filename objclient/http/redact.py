"""Secrets out of logs, reprs and errors.

A secret is replaced by ``{SHA256}`` and the first 16 hex digits of its
SHA-256, so two log lines can be matched ("same token?") but the value
cannot be read back.  :func:`curl_command` builds the ``curl`` line that
``debug=True`` logs.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from typing import Any, Iterable, Mapping, Optional
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["redact_value", "redact_url", "redact_headers", "redact_json",
           "curl_command", "SECRET_HEADERS", "SECRET_QUERY_KEYS", "RedactingFilter"]

#: Header names (lower case) whose values are never shown.
SECRET_HEADERS = frozenset({
    "authorization", "proxy-authorization", "x-auth-token", "x-auth-key",
    "x-storage-token", "x-subject-token", "x-service-token",
    "x-amz-security-token", "x-auth-user-key", "x-account-meta-temp-url-key",
    "x-account-meta-temp-url-key-2", "x-container-meta-temp-url-key",
    "x-container-meta-temp-url-key-2", "cookie", "set-cookie",
    "x-amz-server-side-encryption-customer-key", "x-reduct-api-token",
})

#: Query-string keys (lower case) whose values are never shown.
SECRET_QUERY_KEYS = frozenset({
    "temp_url_sig", "x-amz-signature", "x-amz-security-token", "signature",
    "sig", "password", "passwd", "token", "secret", "key", "access_token",
    "x-amz-credential", "awsaccesskeyid",
})

_SECRET_JSON_KEY = re.compile(
    r"(passw|secret|token|key|credential|auth|signature|(^|[_-])sig$)", re.I)


def redact_value(value: Any) -> str:
    """``{SHA256}<16 hex>`` of ``value``: correlatable, not readable."""
    raw = value if isinstance(value, bytes) else str(value).encode("utf-8", "replace")
    return "{SHA256}" + hashlib.sha256(raw).hexdigest()[:16]


def redact_url(url: str, extra_keys: Iterable[str] = ()) -> str:
    """``url`` with its password and secret query values redacted."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_value(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user, sep, password = userinfo.partition(":")
        netloc = f"{user}:{redact_value(password)}@{host}" if sep else f"{user}@{host}"
    query = parts.query
    if query:
        keys = SECRET_QUERY_KEYS | {k.lower() for k in extra_keys}
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(k.lower() in keys for k, _ in pairs):
            query = urlencode([(k, redact_value(v) if k.lower() in keys else v)
                               for k, v in pairs], safe="{}/")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_headers(headers: Mapping[str, Any],
                   extra: Iterable[str] = ()) -> "dict[str, str]":
    """A copy of ``headers`` with every secret value redacted."""
    secret = SECRET_HEADERS | {h.lower() for h in extra}
    out = {}
    for name, value in headers.items():
        if isinstance(name, bytes):
            name = name.decode("latin-1")
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        out[name] = redact_value(value) if name.lower() in secret else str(value)
    return out


def redact_json(doc: Any) -> Any:
    """A copy of a decoded JSON document with secret-looking values redacted."""
    if isinstance(doc, dict):
        return {k: (_redact_scalars(v) if isinstance(k, str) and _SECRET_JSON_KEY.search(k)
                    else redact_json(v))
                for k, v in doc.items()}
    if isinstance(doc, list):
        return [redact_json(v) for v in doc]
    return doc


def _redact_scalars(value: Any) -> Any:
    """Under a secret-looking key: every string or number, also inside lists."""
    if isinstance(value, (str, bytes, int)) and not isinstance(value, bool):
        return redact_value(value)
    if isinstance(value, list):
        return [_redact_scalars(v) for v in value]
    return redact_json(value)


class RedactingFilter(logging.Filter):
    """A logging filter that redacts URLs in the arguments of a record.

    objclient puts it on urllib3's connection-pool logger, which logs each
    request line with its query string (where signatures live).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite secret-bearing URL arguments; never drops a record."""
        args = record.args
        if isinstance(args, tuple) and args:
            record.args = tuple(
                redact_url(a) if isinstance(a, str) and ("?" in a or "@" in a) else a
                for a in args)
        return True


def loggable_body(body: Any, content_type: Optional[str], limit: int = 2048) -> Optional[str]:
    """A body as it may be logged: small JSON only, redacted; else None."""
    if body is None or not content_type or "json" not in content_type.lower():
        return None
    if isinstance(body, (bytes, bytearray)):
        if len(body) > limit:
            return None
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            return None
    if not isinstance(body, str) or len(body) > limit:
        return None
    try:
        return json.dumps(redact_json(json.loads(body)), ensure_ascii=False)
    except ValueError:
        return None


def curl_command(method: str, url: str, headers: Mapping[str, Any],
                 body: Optional[str] = None, extra_secrets: Iterable[str] = ()) -> str:
    """A ``curl`` command that repeats the request, secrets redacted.

    The result can be pasted into a POSIX shell.
    """
    import shlex  # only here: a process that logs no curl command never needs it
    parts = ["curl", "-i", "-X", shlex.quote(method), _single_quote(redact_url(url))]
    for name, value in sorted(redact_headers(headers, extra_secrets).items(),
                              key=lambda kv: kv[0].lower()):
        parts.append("-H " + _single_quote(f"{name}: {value}"))
    if body is not None:
        parts.append("-d " + _single_quote(body))
    return " ".join(parts)


def _single_quote(text: str) -> str:
    """``text`` in single quotes for a POSIX shell, always (unlike ``shlex.quote``)."""
    return "'" + text.replace("'", "'\"'\"'") + "'"
