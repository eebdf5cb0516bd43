"""KeystoneAuth judges a token's expiry by Keystone's clock, learnt from the
``Date`` of the token's answer, whatever this host's clock says."""

import datetime
import logging
import time

import pytest
import responses

from objclient.auth import TokenCache
from objclient.auth.keystone import KeystoneAuth
from objclient.http import HTTPClient

KS = "https://keystone.example/v3"


def _iso(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.000000Z")


def _add_token(rsps, token="tok", life=3600.0):
    now = time.time()  # Keystone's clock: the real one
    rsps.add(responses.POST, f"{KS}/auth/tokens", status=201,
             headers={"X-Subject-Token": token,
                      "Date": time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now))},
             json={"token": {"methods": ["password"], "issued_at": _iso(now),
                             "expires_at": _iso(now + life), "catalog": [],
                             "project": {"id": "p", "name": "demo"}}})


@pytest.mark.parametrize("shift", [3 * 3600.0, 1200.0, -1200.0, -3 * 3600.0])
def test_a_fresh_token_is_valid_whatever_the_local_clock_says(shift, caplog):
    auth = KeystoneAuth(KS, user="alice", password="pw", project_id="p",
                        clock=lambda: time.time() + shift)
    with responses.RequestsMock() as rsps, caplog.at_level(logging.WARNING,
                                                           logger="objclient.auth"):
        _add_token(rsps)
        http = HTTPClient(auth=auth)
        http.authenticate()
        for _ in range(3):
            http.authenticate()  # no second POST: the token is still good
        assert len(rsps.calls) == 1
    assert auth.valid
    assert abs(auth.clock.offset + shift) < 5
    assert len([r for r in caplog.records if r.levelname == "WARNING"]) == 1
    assert "Keystone" in caplog.text


def test_a_token_past_its_end_on_keystones_clock_is_renewed_though_the_host_is_behind():
    local = [time.time() - 1200]
    auth = KeystoneAuth(KS, user="alice", password="pw", project_id="p",
                        clock=lambda: local[0])
    with responses.RequestsMock() as rsps:
        _add_token(rsps, "tok-1", life=600)
        _add_token(rsps, "tok-2", life=600)
        http = HTTPClient(auth=auth)
        http.authenticate()
        local[0] += 600  # 10 minutes later: expired for Keystone, not for the host
        assert not auth.valid
        http.authenticate()
        assert auth.token == "tok-2"


def test_the_token_cache_keeps_times_on_the_hosts_clock_and_the_offset(tmp_path):
    cache = TokenCache(str(tmp_path / "tokens.json"))
    shifted = lambda: time.time() + 3 * 3600  # noqa: E731
    with responses.RequestsMock() as rsps:
        _add_token(rsps)
        HTTPClient(auth=KeystoneAuth(KS, user="alice", password="pw", project_id="p",
                                     token_cache=cache, clock=shifted)).authenticate()
    again = KeystoneAuth(KS, user="alice", password="pw", project_id="p",
                         token_cache=cache, clock=shifted)
    with responses.RequestsMock() as rsps:  # no request allowed
        HTTPClient(auth=again).authenticate()
        assert len(rsps.calls) == 0
    assert again.token == "tok" and again.valid
    assert abs(again.clock.offset + 3 * 3600) < 5
