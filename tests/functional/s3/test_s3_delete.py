"""object_delete on S3 servers: one conditional DELETE tells a missing object."""

import pytest

from objclient.exceptions import NoSuchObject

from .conftest import SEAWEED, SEAWEED_AK, SEAWEED_SK, SWIFT, SWIFT_AK, SWIFT_SK, make


def _methods(api, call):
    api.http.reset_timings()
    try:
        call()
    finally:
        methods = [t.method for t in api.http.get_timing_records()]
    return methods


@pytest.mark.parametrize("check", ["conditional", "head"])
@pytest.mark.parametrize("server", ["seaweedfs", "swift"])
def test_delete_is_one_conditional_request_or_head_then_delete(server, check):
    endpoint, ak, sk = ((SEAWEED, SEAWEED_AK, SEAWEED_SK) if server == "seaweedfs"
                        else (SWIFT, SWIFT_AK, SWIFT_SK))
    api = make(endpoint, ak, sk, timings=True, delete_check=check, tagging=False)
    bucket = f"oc-s3del-{check}"
    try:
        api.container_create(None, bucket)
        api.object_create(None, bucket, data=b"here", obj_name="present")
        sent = _methods(api, lambda: api.object_delete(None, bucket, "present"))
        assert sent == (["DELETE"] if check == "conditional" else ["HEAD", "DELETE"])
        with pytest.raises(NoSuchObject):
            api.object_get_properties(None, bucket, "present")
        with pytest.raises(NoSuchObject):
            api.object_delete(None, bucket, "present")
    finally:
        api.container_flush(None, bucket)
        api.container_delete(None, bucket)
        api.close()


def test_an_unknown_delete_check_is_refused():
    from objclient.exceptions import InvalidArgument
    with pytest.raises(InvalidArgument, match="delete_check"):
        make(SEAWEED, SEAWEED_AK, SEAWEED_SK, delete_check="maybe")
