"""The exception tree of objclient.

Every public method of objclient raises only :class:`ClientError` or one of
its subclasses (plus :class:`TypeError` for calls that pass arguments of the
wrong type).  An error keeps what a caller or an operator needs to act on it:
the HTTP status, method and URL (with secrets removed), the server's request
id and message, how many attempts were made and how long the server asked us
to wait (``retry_after``).

The tree, by meaning::

    ClientError
    ├── InvalidArgument (also a ValueError)
    │   ├── InvalidName
    │   └── UnsupportedVersion     (troveclient's name: no client for that API version)
    ├── NotSupported
    ├── BadRequest                 400
    ├── Unauthorized               401
    ├── Forbidden                  403
    ├── NotFound                   404, 410
    │   ├── NoSuchAccount
    │   ├── NoSuchContainer
    │   └── NoSuchObject
    ├── MethodNotAllowed           405
    ├── Conflict                   409
    │   └── ContainerNotEmpty
    ├── PreconditionFailed         412
    ├── TooLarge                   413
    ├── RangeNotSatisfiable        416
    ├── TooManyRequests            429
    ├── ServerError                5xx
    │   ├── ServiceUnavailable     503
    │   └── InsufficientStorage    507 (and a full local disk)
    ├── ReadOnlyStorage            a store that refuses every write
    ├── ConnectionFailed
    ├── Timeout
    │   └── DeadlineReached
    └── ChecksumMismatch
        └── EtagMismatch           (OpenIO's name: the data's MD5 is not the etag given)
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, Optional, Type

__all__ = [
    "ClientError", "InvalidArgument", "InvalidName", "UnsupportedVersion", "NotSupported",
    "BadRequest", "Unauthorized", "Forbidden", "NotFound", "NoSuchAccount",
    "NoSuchContainer", "NoSuchObject", "MethodNotAllowed", "Conflict",
    "ContainerNotEmpty", "PreconditionFailed", "TooLarge",
    "RangeNotSatisfiable", "TooManyRequests", "ServerError",
    "ServiceUnavailable", "InsufficientStorage", "ReadOnlyStorage",
    "ConnectionFailed", "Timeout", "DeadlineReached",
    "ChecksumMismatch", "EtagMismatch", "from_response", "REQUEST_ID_HEADERS",
]

#: Response headers that carry a server-side request id, most specific first.
REQUEST_ID_HEADERS = (
    "x-openstack-request-id", "x-trans-id", "x-amz-request-id",
    "x-oio-req-id", "x-request-id", "x-reduct-request-id",
)

_MAX_MESSAGE = 500


class ClientError(Exception):
    """Base of every error objclient raises.

    :param message: what went wrong, in one line.
    :param status: the HTTP status, when a server answered.
    :param method: the HTTP method of the failed request.
    :param url: the request URL, already redacted.
    :param request_id: the server's request id, when it sent one.
    :param server_message: the message the server put in its error body.
    :param retry_after: seconds the server asked to wait, if any.
    :param attempts: how many times the request was sent.
    :param backend: the backend name (``swift``, ``s3``, ``local`` ...).
    :param operation: the facade operation (``object_create`` ...).
    """

    http_status: Optional[int] = None

    def __init__(self, message: str = "", *, status: Optional[int] = None,
                 method: Optional[str] = None, url: Optional[str] = None,
                 request_id: Optional[str] = None,
                 server_message: Optional[str] = None,
                 retry_after: Optional[float] = None,
                 attempts: Optional[int] = None,
                 backend: Optional[str] = None,
                 operation: Optional[str] = None,
                 code: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status if status is not None else self.http_status
        self.method = method
        self.url = url
        self.request_id = request_id
        self.server_message = server_message
        self.retry_after = retry_after
        self.attempts = attempts
        self.backend = backend
        self.operation = operation
        self.code = code

    # OpenIO's exceptions call the status ``http_status``.
    @property
    def http_status_code(self) -> Optional[int]:
        """Alias of :attr:`status` for code written against OpenIO."""
        return self.status

    def __str__(self) -> str:
        parts = []
        if self.backend or self.operation:
            parts.append(":".join(p for p in (self.backend, self.operation) if p))
        parts.append(self.message or self.__class__.__name__)
        if self.server_message and self.server_message not in self.message:
            parts.append(f"(server: {self.server_message})")
        if self.code:
            parts.append(f"[{self.code}]")
        if self.status is not None and self.method:
            parts.append(f"(HTTP {self.status})")
        if self.method and self.url:
            parts.append(f"{self.method} {self.url}")
        if self.request_id:
            parts.append(f"(request id {self.request_id})")
        if self.attempts and self.attempts > 1:
            parts.append(f"after {self.attempts} attempts")
        return " ".join(parts)

    def with_context(self, backend: Optional[str] = None,
                     operation: Optional[str] = None) -> "ClientError":
        """Fill the backend and operation when a lower layer did not know them.

        :returns: this same error, for ``raise err.with_context(...)``.
        """
        if backend and not self.backend:
            self.backend = backend
        if operation and not self.operation:
            self.operation = operation
        return self


class InvalidArgument(ClientError, ValueError):
    """A call's argument is wrong; raised before any request is sent."""


class InvalidName(InvalidArgument):
    """An account, container, object or property name cannot be used."""


class UnsupportedVersion(InvalidArgument):
    """No client class for the API version asked for (troveclient's
    ``BaseClient.get_class``)."""


class NotSupported(ClientError):
    """The backend lacks the capability this call needs."""

    def __init__(self, message: str = "", *, capability: Optional[str] = None,
                 **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.capability = capability


class BadRequest(ClientError):
    """The server rejected the request as malformed (400)."""
    http_status = 400


class Unauthorized(ClientError):
    """Authentication failed or the credentials expired (401)."""
    http_status = 401


class Forbidden(ClientError):
    """The credentials are valid but not allowed to do this (403)."""
    http_status = 403


class NotFound(ClientError):
    """The account, container or object does not exist (404, 410)."""
    http_status = 404


class NoSuchAccount(NotFound):
    """The account does not exist."""


class NoSuchContainer(NotFound):
    """The container does not exist."""


class NoSuchObject(NotFound):
    """The object (or the asked version) does not exist."""


class MethodNotAllowed(ClientError):
    """The server does not allow this method on this resource (405)."""
    http_status = 405


class Conflict(ClientError):
    """The request conflicts with the resource's state (409)."""
    http_status = 409


class ContainerNotEmpty(Conflict):
    """A container still holds objects and cannot be deleted."""


class PreconditionFailed(ClientError):
    """A conditional header (If-Match ...) did not hold (412)."""
    http_status = 412


class TooLarge(ClientError):
    """The body or metadata is larger than the server accepts (413)."""
    http_status = 413


class RangeNotSatisfiable(ClientError):
    """The asked byte range lies outside the object (416)."""
    http_status = 416


class TooManyRequests(ClientError):
    """The server is rate limiting this client (429)."""
    http_status = 429


class ServerError(ClientError):
    """The server failed (5xx)."""
    http_status = 500


class ServiceUnavailable(ServerError):
    """The server is overloaded or down for now (503)."""
    http_status = 503


class InsufficientStorage(ServerError):
    """The store has no room left (507, or a full disk under the local
    backend); what was being written was not stored."""
    http_status = 507


class ReadOnlyStorage(ClientError):
    """The store can be read but not written (a read-only mount ...)."""


class ConnectionFailed(ClientError):
    """No connection could be made, or it broke during the exchange."""


class Timeout(ClientError):
    """The server did not answer within the connect or read timeout."""


class DeadlineReached(Timeout):
    """The call's deadline passed before it could finish."""


class ChecksumMismatch(ClientError):
    """Data read or written does not match its expected checksum."""

    def __init__(self, message: str = "", *, expected: Optional[str] = None,
                 actual: Optional[str] = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.expected = expected
        self.actual = actual


class EtagMismatch(ChecksumMismatch):
    """The uploaded data's MD5 differs from the ``etag`` the caller gave
    (OpenIO's ``oio.common.exceptions.EtagMismatch``); nothing was stored."""


_STATUS_MAP: Dict[int, Type[ClientError]] = {
    400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound,
    405: MethodNotAllowed, 408: Timeout, 409: Conflict, 410: NotFound,
    411: BadRequest, 412: PreconditionFailed, 413: TooLarge,
    414: TooLarge, 416: RangeNotSatisfiable, 422: BadRequest,
    429: TooManyRequests, 503: ServiceUnavailable, 507: InsufficientStorage,
}

_XML_FIELD = re.compile(r"<(Code|Message|RequestId)>([^<]*)</\1>")


def class_for_status(status: int) -> Type[ClientError]:
    """The exception class for an HTTP status.

    :param status: an HTTP status of 400 or more.
    :returns: the most specific class; :class:`ServerError` for other 5xx
        and :class:`ClientError` for other 4xx.
    """
    cls = _STATUS_MAP.get(status)
    if cls is not None:
        return cls
    return ServerError if status >= 500 else ClientError


def parse_retry_after(value: Optional[str]) -> Optional[float]:
    """Seconds to wait from a ``Retry-After`` header (delta or HTTP date).

    :returns: a non-negative number of seconds, or None if absent or unreadable.
    """
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime
    import datetime
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    now = datetime.datetime.now(datetime.timezone.utc)
    return max(0.0, (when - now).total_seconds())


def server_message_of(body: bytes, content_type: str
                      ) -> "tuple[Optional[str], Optional[str], Optional[str]]":
    """Extract ``(message, code, request_id)`` from an error body.

    Understands JSON bodies (``message``, ``error.message``, ``detail``,
    OpenIO's ``{"status", "message"}``), S3's XML ``<Error>`` and plain
    text; anything longer than 500 characters is cut.
    """
    if not body:
        return None, None, None
    ctype = (content_type or "").split(";")[0].strip().lower()
    text = body[:65536].decode("utf-8", "replace")
    if ctype.endswith("json") or text.lstrip().startswith("{"):
        try:
            doc = json.loads(text)
        except ValueError:
            doc = None
        if isinstance(doc, dict):
            msg: Any = doc.get("message") or doc.get("detail") or doc.get("error")
            code = doc.get("code") or doc.get("status")
            if isinstance(msg, dict):  # {"error": {...}}, FastAPI's {"detail": {...}}
                code = msg.get("code", code)
                msg = msg.get("message") or msg.get("title") or msg.get("msg")
            if msg is not None:
                return str(msg)[:_MAX_MESSAGE], (str(code) if code is not None else None), None
    if "xml" in ctype or text.lstrip().startswith("<"):
        fields = dict(_XML_FIELD.findall(text))
        if fields:
            return (fields.get("Message") or fields.get("Code"),
                    fields.get("Code"), fields.get("RequestId"))
    if ctype.startswith("text/") or not ctype:
        # HTML error pages carry little; keep the first readable line.
        stripped = re.sub(r"<[^>]+>", " ", text)
        line = " ".join(stripped.split())
        return (line[:_MAX_MESSAGE] or None), None, None
    return None, None, None


def request_id_of(headers: Any) -> Optional[str]:
    """The first request-id header found in ``headers`` (case-insensitive)."""
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return str(value)
    return None


def from_response(status: int, headers: Any, body: bytes, *, method: str,
                  url: str, attempts: Optional[int] = None,
                  message: Optional[str] = None) -> ClientError:
    """Build the error that an HTTP error response stands for.

    :param status: the response status (400 or more).
    :param headers: the response headers (a case-insensitive mapping).
    :param body: the first bytes of the response body.
    :param method: the request method.
    :param url: the request URL, already redacted.
    :param attempts: how many times the request was sent.
    :param message: a message to use instead of the generic one.
    :returns: an instance of the class for ``status``.
    """
    if not hasattr(headers, "lower_items"):
        # A plain dict: look names up case-insensitively, as HTTP wants.
        headers = {str(k).lower(): v for k, v in dict(headers or {}).items()}
    server_msg, code, body_reqid = server_message_of(body, headers.get("content-type", ""))
    cls = class_for_status(status)
    reason = message or _REASONS.get(status) or f"HTTP error {status}"
    return cls(reason, status=status, method=method, url=url,
               request_id=request_id_of(headers) or body_reqid,
               server_message=server_msg, code=code,
               retry_after=parse_retry_after(headers.get("retry-after")),
               attempts=attempts)


_REASONS = {
    400: "bad request", 401: "unauthorized", 403: "forbidden",
    404: "not found", 405: "method not allowed", 408: "request timeout",
    409: "conflict", 410: "gone", 411: "length required",
    412: "precondition failed", 413: "request too large",
    414: "URI too long", 416: "range not satisfiable",
    422: "unprocessable request", 429: "too many requests",
    500: "internal server error", 501: "not implemented",
    502: "bad gateway", 503: "service unavailable", 504: "gateway timeout",
    507: "insufficient storage",
}
