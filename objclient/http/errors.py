"""Transport failures as objclient errors: the one translation table.

Both transports fail with urllib3's exceptions (requests wraps them; the
chain of causes still holds them), so one table, walked along that chain,
says what happened, whether anything reached the server, and whether a
retry is safe.
"""

from __future__ import annotations

import re
from typing import Iterator, List, Optional, Tuple, Type

import urllib3.exceptions as u3

from ..exceptions import ClientError, ConnectionFailed, Timeout
from .redact import redact_url

__all__ = ["SendError", "translate", "short"]


class SendError(Exception):
    """A transport failure, with whether a retry is safe.

    :param error: the objclient error to raise.
    :param retryable: another attempt may succeed.
    :param before_send: nothing reached the server.
    """

    def __init__(self, error: ClientError, retryable: bool, before_send: bool) -> None:
        super().__init__(str(error))
        self.error = error
        self.retryable = retryable
        self.before_send = before_send


_CONNECT_FAILED: Tuple[Type[BaseException], ...] = (
    u3.NewConnectionError, u3.ConnectTimeoutError, ConnectionRefusedError)

_Row = Tuple[Tuple[Type[BaseException], ...], Tuple[Type[BaseException], ...],
             Type[ClientError], str, bool, bool]

#: (what is in the chain, what is not, error, message, retryable, before send);
#: the first row that matches wins.
_TABLE: List[_Row] = [
    ((u3.ConnectTimeoutError,), (u3.NewConnectionError,), Timeout,
     "connect timeout ({connect:g} s)", True, True),
    (_CONNECT_FAILED, (), ConnectionFailed, "cannot connect: {cause}", True, True),
    ((u3.ReadTimeoutError, TimeoutError), (), Timeout, "read timeout ({read:g} s)", True, False),
    ((u3.SSLError,), (), ConnectionFailed, "TLS error: {cause}", False, False),
    ((u3.ProtocolError, u3.ProxyError, ConnectionError), (), ConnectionFailed,
     "connection broken: {cause}", True, False),
]

_FALLBACK: _Row = ((), (), ConnectionFailed, "request failed: {cause}", False, False)

#: The same while the body is read: a timeout or a cut.
_READING = {Timeout: "read timeout while reading the response: {cause}",
            ConnectionFailed: "response body cut short: {cause}"}


def translate(exc: BaseException, method: str, url: str,
              timeout: Tuple[float, float] = (0.0, 0.0), reading: bool = False) -> SendError:
    """The :class:`SendError` for a transport exception.

    :param exc: what the transport (or a body read) raised.
    :param method: the request method (for the message).
    :param url: the request URL (redacted in the message).
    :param timeout: the ``(connect, read)`` seconds the attempt had.
    :param reading: the failure came while reading the body.
    """
    chain = list(_chain(exc))
    row = _FALLBACK
    for candidate in _TABLE:
        found = [e for e in chain if isinstance(e, candidate[0])]
        if found and not any(isinstance(e, candidate[1]) for e in found):
            row = candidate
            break
    _present, _absent, error, message, retryable, before = row
    if reading:
        message = _READING.get(error, "response body cut short: {cause}")
        before = False
    text = message.format(connect=timeout[0], read=timeout[1], cause=short(exc))
    return SendError(error(text, method=method, url=redact_url(url)), retryable, before)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception it holds (args, reason, cause, context)."""
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
        reason: Optional[object] = getattr(cur, "reason", None)
        if isinstance(reason, BaseException):
            stack.append(reason)
        for nxt in (cur.__cause__, cur.__context__):
            if nxt is not None:
                stack.append(nxt)


def short(exc: BaseException) -> str:
    """The innermost useful message of a transport exception, without URLs."""
    inner = exc
    for cur in _chain(exc):
        inner = cur
    text = str(inner) or type(inner).__name__
    text = re.sub(r"<[^>]* object at 0x[0-9a-f]+>:? ?", "", text.replace("\n", " "))
    # Query strings may hold signatures: never repeat them.
    return re.sub(r"\?\S*", "?...", text)[:300]
