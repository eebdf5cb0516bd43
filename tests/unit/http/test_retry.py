"""RetryPolicy (pure) and the client's retry loop (waits recorded, never slept)."""

from __future__ import annotations

import hashlib
import io
import random
from typing import Iterator, List

import pytest

from objclient.exceptions import (BadRequest, ConnectionFailed, ServerError, ServiceUnavailable,
                                  TooManyRequests)
from objclient.http import HTTPClient, RetryPolicy
from tests.serverfixture import ScriptedServer, Step, unused_port

# -- the policy, pure --------------------------------------------------------------------


def test_backoff_doubles_from_the_factor_without_jitter() -> None:
    policy = RetryPolicy(backoff_factor=0.5, jitter=0, backoff_max=100)
    assert [policy.backoff(n) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 4.0]


def test_backoff_is_capped_at_backoff_max() -> None:
    policy = RetryPolicy(backoff_factor=1, jitter=0, backoff_max=3)
    assert [policy.backoff(n) for n in (1, 2, 3, 10, 60)] == [1, 2, 3, 3, 3]


def test_backoff_before_the_first_retry_or_with_zero_factor_is_zero() -> None:
    assert RetryPolicy().backoff(0) == 0.0
    assert RetryPolicy(backoff_factor=0).backoff(5) == 0.0


def test_jittered_backoff_stays_within_its_bounds_and_the_cap() -> None:
    policy = RetryPolicy(backoff_factor=1, jitter=0.25, backoff_max=5)
    rng = random.Random(7)
    for number, base in ((1, 1.0), (2, 2.0), (3, 4.0)):
        waits = [policy.backoff(number, rng) for _ in range(500)]
        assert min(waits) >= base * 0.75 and max(waits) <= min(5, base * 1.25)
        assert max(waits) - min(waits) > base * 0.3  # it really varies
    assert all(policy.backoff(10, rng) <= 5 for _ in range(200))


def test_backoff_is_reproducible_with_a_seeded_rng() -> None:
    policy = RetryPolicy()
    assert policy.backoff(2, random.Random(1)) == policy.backoff(2, random.Random(1))


def test_wait_before_honours_a_longer_retry_after() -> None:
    policy = RetryPolicy(backoff_factor=0.1, jitter=0)
    assert policy.wait_before(1, 7.0) == 7.0
    assert policy.wait_before(1, 0.01) == 0.1
    assert policy.wait_before(1, None) == 0.1


def test_wait_before_gives_up_on_a_retry_after_above_the_maximum() -> None:
    assert RetryPolicy(retry_after_max=60).wait_before(1, 61) is None


def test_retry_after_is_ignored_when_not_respected() -> None:
    policy = RetryPolicy(backoff_factor=0.1, jitter=0, respect_retry_after=False)
    assert policy.wait_before(1, 1000) == 0.1


def test_post_may_be_resent_only_when_marked_idempotent() -> None:
    policy = RetryPolicy()
    assert not policy.may_resend("POST", None)
    assert policy.may_resend("POST", True)
    assert all(policy.may_resend(m, None) for m in ("GET", "HEAD", "PUT", "DELETE", "COPY"))
    assert not policy.may_resend("GET", False)


def test_policy_is_frozen_and_validated() -> None:
    policy = RetryPolicy()
    with pytest.raises(AttributeError):
        policy.total = 5  # type: ignore[misc]
    with pytest.raises(ValueError):
        RetryPolicy(total=-1)
    assert RetryPolicy.disabled().total == 0
    assert RetryPolicy(methods=["get"]).methods == frozenset({"GET"})
    assert RetryPolicy().is_retry_status(503) and not RetryPolicy().is_retry_status(404)


# -- the client's loop ----------------------------------------------------------------------

def _client(server: ScriptedServer, **kwargs: object) -> HTTPClient:
    policy = RetryPolicy(total=3, backoff_factor=0.5, jitter=0.25, backoff_max=1.5)
    return HTTPClient(server.url, retries=kwargs.pop("retries", policy), **kwargs)  # type: ignore


def test_retryable_statuses_are_retried_with_bounded_backoff(
        server: ScriptedServer, waits: List[float]) -> None:
    server.script("/r", Step(status=503), Step(status=502), Step(status=200))
    assert _client(server).get("/r").status_code == 200
    assert len(server.requests_to("/r")) == 3
    assert len(waits) == 2
    assert 0.375 <= waits[0] <= 0.625 and 0.75 <= waits[1] <= 1.25


def test_retries_stop_after_total_and_raise_the_last_error(
        server: ScriptedServer, waits: List[float]) -> None:
    server.script("/r", Step(status=500))
    with pytest.raises(ServerError) as info:
        _client(server).get("/r")
    assert len(server.requests_to("/r")) == 4
    assert info.value.attempts == 4
    assert len(waits) == 3 and max(waits) <= 1.5


def test_retry_after_is_honoured(server: ScriptedServer, waits: List[float]) -> None:
    server.script("/r", Step(status=429, headers={"Retry-After": "4"}), Step(status=200))
    assert _client(server).get("/r").status_code == 200
    assert waits == [4.0]


def test_a_too_long_retry_after_ends_retries_at_once(
        server: ScriptedServer, waits: List[float]) -> None:
    server.script("/r", Step(status=503, headers={"Retry-After": "100000"}))
    with pytest.raises(ServiceUnavailable) as info:
        _client(server).get("/r")
    assert info.value.retry_after == 100000
    assert len(server.requests_to("/r")) == 1 and waits == []


def test_429_without_retries_raises_too_many_requests(server: ScriptedServer) -> None:
    server.script("/r", Step(status=429, headers={"Retry-After": "3"}))
    with pytest.raises(TooManyRequests) as info:
        _client(server, retries=RetryPolicy.disabled()).get("/r")
    assert info.value.retry_after == 3


def test_non_retryable_status_is_sent_once(server: ScriptedServer, waits: List[float]) -> None:
    server.script("/r", Step(status=400))
    with pytest.raises(BadRequest):
        _client(server).get("/r")
    assert len(server.requests_to("/r")) == 1 and waits == []


def test_post_is_not_retried(server: ScriptedServer, waits: List[float]) -> None:
    server.script("/p", Step(status=503), Step(status=200))
    with pytest.raises(ServiceUnavailable):
        _client(server).post("/p", data=b"x")
    assert len(server.requests_to("/p")) == 1 and waits == []


def test_post_marked_idempotent_is_retried(server: ScriptedServer, waits: List[float]) -> None:
    server.script("/p", Step(status=503), Step(status=200))
    assert _client(server).post("/p", data=b"x", idempotent=True).status_code == 200
    assert len(server.requests_to("/p")) == 2 and len(waits) == 1


def test_put_marked_not_idempotent_is_not_retried(
        server: ScriptedServer, waits: List[float]) -> None:
    server.script("/p", Step(status=503), Step(status=200))
    with pytest.raises(ServiceUnavailable):
        _client(server).put("/p", data=b"x", idempotent=False)
    assert len(server.requests_to("/p")) == 1


def test_started_generator_body_is_not_retried(
        server: ScriptedServer, waits: List[float]) -> None:
    server.script("/g", Step(status=503), Step(status=200))

    def body() -> Iterator[bytes]:
        yield b"part1-"
        yield b"part2"

    with pytest.raises(ServiceUnavailable):
        _client(server).put("/g", data=body())
    seen = server.requests_to("/g")
    assert len(seen) == 1 and seen[0].body == b"part1-part2" and waits == []


def test_bytes_body_is_resent_identically(server: ScriptedServer, waits: List[float]) -> None:
    server.script("/b", Step(status=503), Step(status=200))
    payload = bytes(range(256)) * 100
    _client(server).put("/b", data=payload)
    assert [s.body for s in server.requests_to("/b")] == [payload, payload]


def test_file_body_is_rewound_and_resent_identically(
        server: ScriptedServer, waits: List[float]) -> None:
    server.script("/f", Step(status=500), Step(status=503), Step(status=200))
    payload = b"0123456789" * 5000
    fileobj = io.BytesIO(b"HEADER" + payload)
    fileobj.seek(6)  # the body starts where the file is positioned
    _client(server).put("/f", data=fileobj)
    bodies = [s.body for s in server.requests_to("/f")]
    assert len(bodies) == 3
    assert {hashlib.md5(b).hexdigest() for b in bodies} == {hashlib.md5(payload).hexdigest()}


def test_connection_refused_is_retried_for_any_method(waits: List[float]) -> None:
    http = HTTPClient(f"http://127.0.0.1:{unused_port()}",
                      retries=RetryPolicy(total=2, backoff_factor=0.1, jitter=0))
    retried: List[int] = []
    with pytest.raises(ConnectionFailed) as info:
        http.post("/p", data=b"x", on_retry=retried.append)
    assert retried == [1, 2] and waits == [0.1, 0.2]
    assert info.value.attempts == 3 and "cannot connect" in str(info.value)


def test_short_body_of_a_get_is_retried_until_whole(
        server: ScriptedServer, waits: List[float]) -> None:
    server.script("/s", Step(body=b"abc", content_length=50), Step(body=b"whole"))
    assert _client(server).get("/s").content == b"whole"
    assert len(server.requests_to("/s")) == 2 and len(waits) == 1


def test_disabled_policy_sends_once(server: ScriptedServer, waits: List[float]) -> None:
    server.script("/r", Step(status=503))
    with pytest.raises(ServiceUnavailable):
        _client(server, retries=RetryPolicy.disabled()).get("/r")
    assert len(server.requests_to("/r")) == 1


def test_a_per_call_policy_replaces_the_clients(
        server: ScriptedServer, waits: List[float]) -> None:
    server.script("/r", Step(status=503))
    with pytest.raises(ServiceUnavailable):
        _client(server).get("/r", retries=RetryPolicy(total=1, backoff_factor=0))
    assert len(server.requests_to("/r")) == 2


# -- RetryState: the immutable state of one call -----------------------------------------
def test_increment_returns_a_new_state_and_leaves_the_old_one() -> None:
    from objclient.http.retry import RetryState
    first = RetryState(RetryPolicy(total=2, backoff_factor=1.0, jitter=0))
    second = first.increment(ValueError("boom"))
    assert (first.retries, second.retries, second.wait) == (0, 1, 1.0)
    assert second.increment(ValueError("boom")).wait == 2.0


def test_increment_raises_the_error_when_no_retry_is_left() -> None:
    from objclient.http.retry import RetryState
    state = RetryState(RetryPolicy(total=1, jitter=0)).increment(ValueError("first"))
    with pytest.raises(ValueError, match="second"):
        state.increment(ValueError("second"))


def test_increment_raises_for_a_long_retry_after_or_a_wait_past_the_deadline() -> None:
    from objclient.http.retry import RetryState
    state = RetryState(RetryPolicy(total=3, backoff_factor=1.0, jitter=0,
                                   retry_after_max=10.0))
    with pytest.raises(ValueError, match="too long"):
        state.increment(ValueError("too long"), retry_after=11.0)
    with pytest.raises(ValueError, match="deadline"):
        state.increment(ValueError("deadline"), deadline_left=0.5)
    assert state.increment(ValueError("x"), retry_after=5.0).wait == 5.0
