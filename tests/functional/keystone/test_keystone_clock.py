"""A client whose clock is off, against the real Keystone: the token's
expiry is judged by Keystone's clock (learnt from its ``Date``), so the
client authenticates once, not on every request."""

import logging
import time

import pytest

from .conftest import AUTH_URL, PROJECT, client, demo_auth


@pytest.mark.parametrize("shift", [20 * 60.0, -20 * 60.0, 3 * 3600.0])
def test_a_skewed_client_authenticates_once_and_logs_the_offset_once(shift, caplog):
    auth = demo_auth(clock=lambda: time.time() + shift)
    http = client(auth, timings=True)
    try:
        with caplog.at_level(logging.WARNING, logger="objclient.auth"):
            for _ in range(3):
                _resp, doc = http.request_json("GET", AUTH_URL + "/auth/projects",
                                               service="identity")
                assert PROJECT in {p["name"] for p in doc["projects"]}
        seen = [(t.method, t.status) for t in http.get_timing_records()]
        assert seen == [("POST", 201)] + [("GET", 200)] * 3
        assert auth.valid
        assert abs(auth.clock.offset + shift) < 5
        warnings = [r for r in caplog.records if r.levelname == "WARNING"]
        assert len(warnings) == 1 and "Keystone" in warnings[0].getMessage()
    finally:
        http.close()
