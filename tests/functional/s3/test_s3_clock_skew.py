"""A client whose clock is 20 minutes off, on real S3 servers.

Both servers check the signing time (checked by hand first: SeaweedFS 4.48
and Swift 2.30's s3api answer a request signed 20 minutes off with 403
``RequestTimeTooSkewed`` and a ``Date`` header, no ``ServerTime``; a HEAD
gets a bare 403).  The signer's clock is shifted through its injectable
clock, not the machine's.
"""

import logging
import time
import uuid

import pytest

import objclient
from objclient.auth.sigv4 import SigV4Auth

from .conftest import SEAWEED, SEAWEED_AK, SEAWEED_SK, SWIFT, SWIFT_AK, SWIFT_SK, _cleanup

SERVERS = {"seaweedfs": (SEAWEED, SEAWEED_AK, SEAWEED_SK, {"path_keys": True}),
           "swift": (SWIFT, SWIFT_AK, SWIFT_SK, {"tagging": False})}


def _skewed_api(server, shift):
    endpoint, ak, sk, options = SERVERS[server]
    auth = SigV4Auth(ak, sk, "us-east-1", clock=lambda: time.time() + shift)
    return objclient.ObjectStorageApi("s3+" + endpoint, auth=auth, timings=True, **options)


@pytest.mark.parametrize("shift", [20 * 60.0, -20 * 60.0])
@pytest.mark.parametrize("server", sorted(SERVERS))
def test_a_skewed_client_works_after_one_extra_request_and_logs_the_offset_once(
        server, shift, caplog, any_s3):
    api = _skewed_api(server, shift)
    bucket = f"oc-s3fn-{uuid.uuid4().hex[:10]}"
    try:
        with caplog.at_level(logging.WARNING, logger="objclient.auth"):
            api.container_create(None, bucket)
            api.object_create(None, bucket, data=b"on time", obj_name="k",
                              properties={"a": "b"})
            assert api.object_get_properties(None, bucket, "k")["properties"] == {"a": "b"}
            _meta, stream = api.object_fetch(None, bucket, "k")
            assert b"".join(stream) == b"on time"
            assert [o["name"] for o in api.object_list(None, bucket)["objects"]] == ["k"]
            api.object_delete(None, bucket, "k")
        statuses = [t.status for t in api.http.get_timing_records()]
        assert statuses[0] == 403 and 403 not in statuses[1:], statuses
        assert abs(api.http.auth.clock.offset + shift) < 5
        warnings = [r for r in caplog.records if r.levelname == "WARNING"]
        assert len(warnings) == 1 and "the S3 server" in warnings[0].getMessage()
    finally:
        _cleanup(any_s3, bucket)
        api.close()


@pytest.mark.parametrize("server", sorted(SERVERS))
def test_a_first_head_refused_for_its_time_is_signed_again(server):
    api = _skewed_api(server, -20 * 60.0)
    try:
        with pytest.raises(objclient.exceptions.NotFound):
            api.object_get_properties(None, f"oc-s3fn-{uuid.uuid4().hex[:10]}", "missing")
        seen = [(t.method, t.status) for t in api.http.get_timing_records()]
        assert seen == [("HEAD", 403), ("HEAD", 404)]
    finally:
        api.close()
