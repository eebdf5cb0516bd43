"""from_response: status classes, server messages, request ids, Retry-After."""

from __future__ import annotations

import email.utils
import time

import pytest
from requests.structures import CaseInsensitiveDict

from objclient import exceptions as exc
from objclient.exceptions import from_response, parse_retry_after


def _err(status: int, body: bytes = b"", **headers: str) -> exc.ClientError:
    return from_response(status, CaseInsensitiveDict(headers), body, method="GET",
                         url="http://h/v1/a/c/o")


@pytest.mark.parametrize("status,cls", [
    (400, exc.BadRequest), (401, exc.Unauthorized), (403, exc.Forbidden),
    (404, exc.NotFound), (410, exc.NotFound), (405, exc.MethodNotAllowed),
    (409, exc.Conflict), (412, exc.PreconditionFailed), (413, exc.TooLarge),
    (416, exc.RangeNotSatisfiable), (429, exc.TooManyRequests), (500, exc.ServerError),
    (502, exc.ServerError), (503, exc.ServiceUnavailable), (504, exc.ServerError),
    (418, exc.ClientError),
])
def test_status_maps_to_the_error_class(status: int, cls: type) -> None:
    err = _err(status)
    assert type(err) is cls and err.status == status and err.http_status_code == status
    assert f"(HTTP {status})" in str(err) and "GET http://h/v1/a/c/o" in str(err)


def test_json_message_and_code_are_kept() -> None:
    err = _err(409, b'{"message": "container not empty", "code": "NotEmpty"}',
               **{"Content-Type": "application/json", "X-Openstack-Request-Id": "req-1"})
    assert err.server_message == "container not empty" and err.code == "NotEmpty"
    assert err.request_id == "req-1"
    assert "container not empty" in str(err) and "req-1" in str(err)


def test_nested_json_error_object_is_understood() -> None:
    err = _err(400, b'{"error": {"message": "bad thing", "code": 42}}',
               **{"Content-Type": "application/json"})
    assert err.server_message == "bad thing" and err.code == "42"


def test_openio_status_and_message_body_is_understood() -> None:
    err = _err(404, b'{"status": 420, "message": "Container not found"}',
               **{"Content-Type": "application/json", "X-Oio-Req-Id": "oio-7"})
    assert err.server_message == "Container not found" and err.code == "420"
    assert err.request_id == "oio-7"


def test_s3_xml_error_gives_message_code_and_request_id() -> None:
    body = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code>'
            b'<Message>The specified key does not exist.</Message>'
            b'<RequestId>4442587FB7D0A2F9</RequestId></Error>')
    err = _err(404, body, **{"Content-Type": "application/xml"})
    assert err.code == "NoSuchKey" and err.server_message == "The specified key does not exist."
    assert err.request_id == "4442587FB7D0A2F9"


def test_request_id_header_wins_over_the_body() -> None:
    body = b"<Error><Code>X</Code><RequestId>body-id</RequestId></Error>"
    assert _err(500, body, **{"x-amz-request-id": "hdr-id"}).request_id == "hdr-id"


def test_plain_text_body_becomes_the_message() -> None:
    err = _err(503, b"Service temporarily unavailable\n", **{"Content-Type": "text/plain",
                                                              "X-Trans-Id": "tx1"})
    assert err.server_message == "Service temporarily unavailable" and err.request_id == "tx1"


def test_html_body_is_reduced_to_its_text() -> None:
    err = _err(401, b"<html><h1>Unauthorized</h1><p>This server could not verify</p></html>",
               **{"Content-Type": "text/html; charset=UTF-8"})
    assert err.server_message == "Unauthorized This server could not verify"


def test_long_message_is_cut_and_binary_body_ignored() -> None:
    assert len(_err(500, b"x" * 5000, **{"Content-Type": "text/plain"}).server_message) == 500
    assert _err(500, b"\x00\x01", **{"Content-Type": "application/octet-stream"}
                ).server_message is None
    assert _err(500).server_message is None


def test_plain_dict_headers_are_read_case_insensitively() -> None:
    err = from_response(429, {"Retry-After": "7", "X-Trans-Id": "tx9"}, b"",
                        method="PUT", url="u")
    assert err.retry_after == 7.0 and err.request_id == "tx9"


def test_retry_after_in_seconds() -> None:
    assert _err(429, **{"Retry-After": "12"}).retry_after == 12.0
    assert parse_retry_after("1.5") == 1.5
    assert parse_retry_after("-3") == 0.0


def test_retry_after_as_an_http_date() -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 27 <= _err(503, **{"Retry-After": when}).retry_after <= 31
    past = email.utils.formatdate(time.time() - 30, usegmt=True)
    assert parse_retry_after(past) == 0.0


def test_unreadable_or_absent_retry_after_is_none() -> None:
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None
    assert _err(503).retry_after is None


def test_attempts_and_context_show_in_the_message() -> None:
    err = from_response(500, CaseInsensitiveDict(), b"", method="GET", url="u", attempts=4)
    err.with_context(backend="swift", operation="object_fetch")
    err.with_context(backend="s3")  # does not overwrite
    assert str(err).startswith("swift:object_fetch ") and "after 4 attempts" in str(err)


def test_tree_by_meaning() -> None:
    assert issubclass(exc.InvalidName, exc.InvalidArgument)
    assert issubclass(exc.InvalidArgument, ValueError)
    assert issubclass(exc.DeadlineReached, exc.Timeout)
    assert issubclass(exc.ServiceUnavailable, exc.ServerError)
    assert issubclass(exc.NoSuchObject, exc.NotFound)
    assert issubclass(exc.ContainerNotEmpty, exc.Conflict)
    assert all(issubclass(getattr(exc, name), exc.ClientError)
               for name in exc.__all__ if name[0].isupper() and name != "REQUEST_ID_HEADERS")
    err = exc.ChecksumMismatch("bad", expected="a", actual="b")
    assert (err.expected, err.actual) == ("a", "b")
    assert exc.NotSupported("x", capability="versioning").capability == "versioning"
