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


@responses.activate
def test_a_plain_object_beside_large_ones_is_refused_then_deleted_plainly():
    responses.add(responses.HEAD, f"{STORAGE}/c_segments", status=204)
    responses.add(responses.DELETE, f"{STORAGE}/c/o?multipart-manifest=delete",
                  body=_bulk("400 Bad Request", errors=[("/c/o", "Not an SLO manifest")]),
                  content_type="application/json")
    responses.add(responses.DELETE, f"{STORAGE}/c/o", status=204)
    assert _api().object_delete(None, "c", "o") is True
    assert _sent() == [("HEAD", "/c_segments"),
                       ("DELETE", "/c/o?multipart-manifest=delete"), ("DELETE", "/c/o")]


@responses.activate
def test_a_large_or_missing_object_takes_one_request_once_the_probe_is_known():
    responses.add(responses.HEAD, f"{STORAGE}/c_segments", status=204)
    responses.add(responses.DELETE, f"{STORAGE}/c/big?multipart-manifest=delete",
                  body=_bulk(deleted=3), content_type="application/json")
    responses.add(responses.DELETE, f"{STORAGE}/c/gone?multipart-manifest=delete",
                  body=_bulk(not_found=1), content_type="application/json")
    api = _api()
    api.object_delete(None, "c", "big")
    with pytest.raises(NoSuchObject):
        api.object_delete(None, "c", "gone")
    assert _sent() == [("HEAD", "/c_segments"), ("DELETE", "/c/big?multipart-manifest=delete"),
                       ("DELETE", "/c/gone?multipart-manifest=delete")]


@responses.activate
def test_segments_left_behind_are_an_error_naming_one():
    responses.add(responses.HEAD, f"{STORAGE}/c_segments", status=204)
    responses.add(responses.DELETE, f"{STORAGE}/c/big?multipart-manifest=delete",
                  body=_bulk("400 Bad Request", deleted=1,
                             errors=[("/c_segments/big/1", "409 Conflict")]),
                  content_type="application/json")
    with pytest.raises(ClientError, match="left 1 segment"):
        _api().object_delete(None, "c", "big")
