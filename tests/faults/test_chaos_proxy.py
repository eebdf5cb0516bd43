"""The chaos proxy itself, against the scripted server (no real server needed):
it must pass messages unchanged when it injects nothing, and fault exactly
the requests it picks."""

from __future__ import annotations

import pytest
import requests

from tests.serverfixture import Step, running_server

from .chaos_proxy import ChaosProxy

BODY = bytes(range(256)) * 64


@pytest.fixture
def server():
    with running_server() as srv:
        srv.script("/fixed", Step(body=BODY))
        srv.script("/chunked", Step(chunks=[BODY[:1000], BODY[1000:]]))
        yield srv


def _target(srv):
    return ("127.0.0.1", srv.server_address[1])


def test_without_faults_bodies_and_kept_alive_connections_pass_unchanged(server):
    with ChaosProxy(_target(server), rate=0.0) as proxy, requests.Session() as session:
        for path in ("/fixed", "/chunked", "/fixed", "/echo"):
            resp = session.put(proxy.url + path, data=BODY[:5000])
            assert resp.status_code == 200
            if path != "/echo":
                assert resp.content == BODY
        head = session.head(proxy.url + "/fixed")
        assert head.status_code == 200 and head.content == b""
        assert proxy.requests == 5
        assert proxy.faults_applied == 0
    assert len({seen.connection_id for seen in server.seen}) == 1


@pytest.mark.parametrize("kind,status", [("status_500", 500), ("status_503", 503),
                                         ("retry_after", 503)])
def test_injected_status_never_reaches_the_server(server, kind, status):
    with ChaosProxy(_target(server), rate=1.0, weights={kind: 1}) as proxy:
        resp = requests.get(proxy.url + "/fixed", timeout=5)
    assert resp.status_code == status
    assert ("Retry-After" in resp.headers) == (kind == "retry_after")
    assert server.seen == []


def test_flip_changes_one_body_byte(server):
    with ChaosProxy(_target(server), rate=1.0, weights={"flip": 1}) as proxy:
        got = requests.get(proxy.url + "/fixed", timeout=5).content
    assert len(got) == len(BODY)
    assert sum(a != b for a, b in zip(got, BODY)) == 1


@pytest.mark.parametrize("kind", ["truncate", "reset_response", "reset_request"])
def test_cut_messages_fail_the_request(server, kind):
    with ChaosProxy(_target(server), rate=1.0, weights={kind: 1}, seed=3) as proxy:
        with pytest.raises(requests.RequestException):
            requests.put(proxy.url + "/fixed", data=BODY, timeout=5)


def test_only_matching_requests_are_faulted(server):
    with ChaosProxy(_target(server), rate=1.0, weights={"status_503": 1},
                    match=lambda method, target: target.startswith("/chunked")) as proxy:
        assert requests.get(proxy.url + "/fixed", timeout=5).status_code == 200
        assert requests.get(proxy.url + "/chunked", timeout=5).status_code == 503
        assert proxy.faults == {"status_503": 1}
