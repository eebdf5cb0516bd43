"""Fixtures for the ReductStore contract tests (``responses``, no server)."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from objclient.backends.reduct import ReductClient
from objclient.http.retry import RetryPolicy

BASE = "http://reduct.test:8383"


@pytest.fixture
def rs():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def make_client(**kw):
    return ReductClient(BASE, api_token="tok",
                        retries=RetryPolicy(total=2, backoff_factor=0, jitter=0), **kw)


@pytest.fixture
def client():
    c = make_client()
    yield c
    c.close()


def reply(rs, method, path, *, status=200, version="1.21", json_body=None, body=b"",
          headers=None, error=None):
    """Register one answer shaped as the reference says the server answers."""
    hdrs = {"x-reduct-api": version, "server": f"ReductStore {version}.0"}
    hdrs.update(headers or {})
    ctype = hdrs.pop("content-type", None)
    if error is not None:
        hdrs["x-reduct-error"] = error
        if method != "HEAD" and status != 204:  # 204 and HEAD carry no body (§1.3)
            body = json.dumps({"detail": error.replace('"', "'")}).encode()
            ctype = "application/json"
    if json_body is not None:
        body = json.dumps(json_body).encode()
        ctype = "application/json"
    rs.add(method, BASE + "/api/v1/" + path, status=status, body=body, headers=hdrs,
           content_type=ctype)


def sent(rs, index=-1):
    """``(method, path, query dict, headers, body bytes)`` of a recorded request."""
    req = rs.calls[index].request
    parts = urlsplit(req.url)
    body = req.body
    if hasattr(body, "read"):
        body = body.read()
    if isinstance(body, str):
        body = body.encode()
    return (req.method, parts.path, {k: v[-1] for k, v in parse_qs(
        parts.query, keep_blank_values=True).items()}, req.headers, body or b"")


def sent_json(rs, index=-1):
    return json.loads(sent(rs, index)[4])
