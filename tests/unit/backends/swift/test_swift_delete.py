"""What object_delete sends on Swift, against a mocked proxy answering as
Swift's slo middleware does (the same answers as tests/functional/swift/
test_swift_requests.py gets from the real one)."""

import json

import pytest
import responses

import objclient
from objclient.exceptions import ClientError, NoSuchObject

STORAGE = "http://swift.test/v1/AUTH_t"


def _bulk(status="200 OK", deleted=0, not_found=0, errors=()):
    return json.dumps({"Response Status": status, "Response Body": "",
                       "Number Deleted": deleted, "Number Not Found": not_found,
                       "Errors": [list(e) for e in errors]})


def _api():
    return objclient.ObjectStorageApi(f"swift+{STORAGE}", token="tok", retries=None)


def _sent():
    return [(c.request.method, c.request.url[len(STORAGE):]) for c in responses.calls]


def _segment_container(versioning=None):
    """``c`` has a segment container; ``versioning``: headers of its HEAD."""
    responses.add(responses.HEAD, f"{STORAGE}/c_segments", status=204)
    responses.add(responses.HEAD, f"{STORAGE}/c", status=204, headers=versioning or {})


@responses.activate
def test_a_plain_object_beside_large_ones_is_refused_then_deleted_plainly():
    _segment_container()
    responses.add(responses.DELETE, f"{STORAGE}/c/o?multipart-manifest=delete",
                  body=_bulk("400 Bad Request", errors=[("/c/o", "Not an SLO manifest")]),
                  content_type="application/json")
    responses.add(responses.DELETE, f"{STORAGE}/c/o", status=204)
    assert _api().object_delete(None, "c", "o") is True
    assert _sent() == [("HEAD", "/c_segments"), ("HEAD", "/c"),
                       ("DELETE", "/c/o?multipart-manifest=delete"), ("DELETE", "/c/o")]


@responses.activate
def test_a_large_or_missing_object_takes_one_request_once_the_probe_is_known():
    _segment_container()
    responses.add(responses.DELETE, f"{STORAGE}/c/big?multipart-manifest=delete",
                  body=_bulk(deleted=3), content_type="application/json")
    responses.add(responses.DELETE, f"{STORAGE}/c/gone?multipart-manifest=delete",
                  body=_bulk(not_found=1), content_type="application/json")
    api = _api()
    api.object_delete(None, "c", "big")
    with pytest.raises(NoSuchObject):
        api.object_delete(None, "c", "gone")
    assert _sent() == [("HEAD", "/c_segments"), ("HEAD", "/c"),
                       ("DELETE", "/c/big?multipart-manifest=delete"),
                       ("DELETE", "/c/gone?multipart-manifest=delete")]


@responses.activate
def test_segments_left_behind_are_an_error_naming_one():
    _segment_container()
    responses.add(responses.DELETE, f"{STORAGE}/c/big?multipart-manifest=delete",
                  body=_bulk("400 Bad Request", deleted=1,
                             errors=[("/c_segments/big/1", "409 Conflict")]),
                  content_type="application/json")
    with pytest.raises(ClientError, match="left 1 segment"):
        _api().object_delete(None, "c", "big")


@pytest.mark.parametrize("versioning", [
    {"X-Versions-Enabled": "True"}, {"X-Versions-Enabled": "False"},
    {"X-Versions-Location": "old"}, {"X-History-Location": "old"}])
@responses.activate
def test_in_a_container_keeping_versions_the_manifest_goes_alone(versioning):
    _segment_container(versioning)
    responses.add(responses.DELETE, f"{STORAGE}/c/big", status=204)
    api = _api()
    api.object_delete(None, "c", "big")
    api.object_delete(None, "c", "big")
    assert _sent() == [("HEAD", "/c_segments"), ("HEAD", "/c"),
                       ("DELETE", "/c/big"), ("DELETE", "/c/big")]


@responses.activate
def test_a_plain_delete_never_asks_about_versioning():
    responses.add(responses.HEAD, f"{STORAGE}/c_segments", status=404)
    responses.add(responses.DELETE, f"{STORAGE}/c/o", status=204)
    _api().object_delete(None, "c", "o")
    assert _sent() == [("HEAD", "/c_segments"), ("DELETE", "/c/o")]


@responses.activate
def test_an_overwrite_in_a_versioned_container_keeps_the_old_segments():
    _segment_container({"X-Versions-Enabled": "True"})
    responses.add(responses.HEAD, f"{STORAGE}/c/big?multipart-manifest=get", status=200,
                  headers={"X-Static-Large-Object": "True"})
    responses.add(responses.GET, f"{STORAGE}/c/big?multipart-manifest=get",
                  json=[{"name": "/c_segments/big/1", "bytes": 1, "hash": "0" * 32}])
    md5 = "9dd4e461268c8034f5c8564e155c67a6"  # of b"x"
    responses.add(responses.PUT, f"{STORAGE}/c/big", status=201, headers={"Etag": md5})
    api = _api()
    api.object_create(None, "c", data=b"x", obj_name="big")
    api.object_create(None, "c", data=b"x", obj_name="big")
    assert _sent() == [("HEAD", "/c_segments"), ("HEAD", "/c/big?multipart-manifest=get"),
                       ("GET", "/c/big?multipart-manifest=get"), ("PUT", "/c/big"),
                       ("HEAD", "/c"), ("PUT", "/c/big")]  # then known: no manifest read


@responses.activate
def test_a_container_keeping_no_versions_is_asked_again_after_a_few_seconds():
    # versioning turned on since the last answer must be seen before segments go
    _segment_container()
    responses.add(responses.DELETE, f"{STORAGE}/c/big?multipart-manifest=delete",
                  body=_bulk(deleted=3), content_type="application/json")
    api = _api()
    now = [1000.0]
    api._backend.versioned_containers._clock = lambda: now[0]
    api.object_delete(None, "c", "big")
    now[0] += 4.0
    api.object_delete(None, "c", "big")
    now[0] += 2.0
    api.object_delete(None, "c", "big")
    assert [c for c in _sent() if c[0] == "HEAD"] == [
        ("HEAD", "/c_segments"), ("HEAD", "/c"), ("HEAD", "/c")]
