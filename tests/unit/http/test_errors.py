"""The one table that turns transport failures into objclient errors."""

from __future__ import annotations

import socket

import urllib3.exceptions as u3

from objclient.exceptions import ConnectionFailed, Timeout
from objclient.http.errors import translate


def _outcome(exc: BaseException, reading: bool = False):
    err = translate(exc, "GET", "http://h/x?sig=secret", (5.0, 60.0), reading=reading)
    return type(err.error), err.retryable, err.before_send, err.error.message


def test_a_connect_timeout_is_a_timeout_before_sending() -> None:
    kind, retryable, before, message = _outcome(u3.ConnectTimeoutError("slow"))
    assert (kind, retryable, before) == (Timeout, True, True)
    assert message.startswith("connect timeout (5 s)")


def test_a_refused_connection_sent_nothing() -> None:
    exc = u3.NewConnectionError(None, "refused")  # type: ignore[arg-type]
    assert _outcome(exc)[:3] == (ConnectionFailed, True, True)


def test_a_read_timeout_may_have_reached_the_server() -> None:
    exc = u3.ReadTimeoutError(None, "/x", "read timed out")  # type: ignore[arg-type]
    assert _outcome(exc)[:3] == (Timeout, True, False)
    assert _outcome(socket.timeout("timed out"))[:3] == (Timeout, True, False)


def test_a_tls_failure_is_not_retried() -> None:
    assert _outcome(u3.SSLError("bad certificate"))[:3] == (ConnectionFailed, False, False)


def test_a_broken_connection_is_retried_and_found_through_the_chain() -> None:
    wrapper = RuntimeError("wrapped")
    wrapper.__cause__ = u3.ProtocolError("Connection aborted.", ConnectionResetError())
    assert _outcome(wrapper)[:3] == (ConnectionFailed, True, False)


def test_anything_else_is_a_failure_that_is_not_retried() -> None:
    assert _outcome(u3.HTTPError("odd"))[:3] == (ConnectionFailed, False, False)


def test_while_reading_the_body_the_message_says_so() -> None:
    exc = u3.ReadTimeoutError(None, "/x", "read timed out")  # type: ignore[arg-type]
    assert _outcome(exc, reading=True)[3].startswith("read timeout while reading")
    assert _outcome(u3.ProtocolError("cut"), reading=True)[3].startswith(
        "response body cut short")


def test_no_message_repeats_a_query_string() -> None:
    exc = u3.ProtocolError("failed for http://h/x?sig=secret")
    assert "secret" not in str(translate(exc, "GET", "http://h/x?sig=secret").error)
