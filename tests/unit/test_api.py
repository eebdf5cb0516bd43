"""The facade: capability checks, call options, OpenIO compatibility."""

import pytest
import requests
import responses

import objclient
from objclient.contract import Capability
from objclient.exceptions import InvalidArgument, NoSuchContainer, NoSuchObject, NotSupported


@pytest.fixture
def api(tmp_path):
    return objclient.ObjectStorageApi(f"file://{tmp_path}?fsync=0")


def test_unsupported_call_raises_before_any_request(api, monkeypatch):
    monkeypatch.setattr(api._backend, "capabilities",
                        api.capabilities - {Capability.APPEND})
    with pytest.raises(NotSupported) as err:
        api.object_create("a", "c", data=b"x", obj_name="o", append=True)
    assert err.value.capability == "append" and "local" in str(err.value)
    assert api.object_head("a", "c", "o") is False


def test_openio_only_keywords_are_accepted_and_ignored(api):
    api.container_create("a", "c", force_master=True, cid=None)
    api.object_create("a", "c", data=b"x", obj_name="o", reqid="abc", tls=False)


def test_perfdata_is_filled_per_operation(api):
    perf = {}
    api.object_create("a", "c", data=b"x", obj_name="o", perfdata=perf)
    assert perf["api"]["object_create_ext"] > 0


def test_errors_carry_backend_and_operation(api):
    with pytest.raises(objclient.exceptions.NotFound) as err:
        api.object_get_properties("a", "missing-container", "o")
    assert err.value.backend == "local"
    assert err.value.operation == "object_get_properties"


def test_bad_ranges_are_refused(api):
    api.object_create("a", "c", data=b"0123", obj_name="o")
    for bad in [(3, 1), (-1, 2), (None, None), "0-1"]:
        with pytest.raises(InvalidArgument):
            api.object_fetch("a", "c", "o", ranges=[bad])


def test_object_create_returns_openio_shapes(api):
    chunks, size, md5 = api.object_create("a", "c", data=b"abc", obj_name="o")
    assert size == 3 and isinstance(chunks, list) and chunks[0]["pos"] == "0"
    chunks, size, md5, meta = api.object_create_ext("a", "c", data=b"abcd", obj_name="o")
    assert meta["length"] == 4 and meta["mime-type"] == "application/octet-stream"


def test_url_secrets_are_redacted_in_repr(tmp_path):
    api = objclient.ObjectStorageApi(f"file://{tmp_path}?fsync=0&token=hunter2")
    assert "hunter2" not in repr(api) and "hunter2" not in api.url


def test_autocreate_false_is_the_methods_own_argument_not_an_ignored_openio_keyword(tmp_path):
    # autocreate is also one of OpenIO's EXTRA_KEYWORDS, dropped where a
    # method has no such parameter: object_create_ext has one.
    api = objclient.ObjectStorageApi(f"file://{tmp_path}")
    api.container_create("acct", "other")
    with pytest.raises(NoSuchContainer):
        api.object_create("acct", "missing", data=b"x", obj_name="o", autocreate=False)
    assert [row[0] for row in api.container_list("acct")] == ["other"]


@responses.activate
def test_a_delete_resent_after_a_lost_answer_that_finds_the_object_gone_succeeds():
    storage = "http://swift.test/v1/AUTH_t"
    responses.add(responses.HEAD, f"{storage}/c_segments", status=404)
    responses.add(responses.DELETE, f"{storage}/c/o",
                  body=requests.exceptions.ConnectionError("reset by peer"))
    responses.add(responses.DELETE, f"{storage}/c/o", status=404)
    api = objclient.ObjectStorageApi(f"swift+{storage}", token="tok")
    assert api.object_delete(None, "c", "o") is True
    assert [c.request.method for c in responses.calls][-2:] == ["DELETE", "DELETE"]


@responses.activate
def test_a_delete_answered_404_at_once_still_says_no_such_object():
    storage = "http://swift.test/v1/AUTH_t"
    responses.add(responses.HEAD, f"{storage}/c_segments", status=404)
    responses.add(responses.DELETE, f"{storage}/c/o", status=404)
    api = objclient.ObjectStorageApi(f"swift+{storage}", token="tok")
    with pytest.raises(NoSuchObject):
        api.object_delete(None, "c", "o")
    assert [c.request.method for c in responses.calls] == ["HEAD", "DELETE"]


@responses.activate
def test_the_delete_marker_a_missing_objects_delete_left_is_removed():
    storage = "http://swift.test/v1/AUTH_t"
    responses.add(responses.HEAD, f"{storage}/c_segments", status=404)
    responses.add(responses.DELETE, f"{storage}/c/o", status=404,
                  headers={"X-Object-Version-Id": "1796375625.86289"})
    responses.add(responses.DELETE, f"{storage}/c/o?version-id=1796375625.86289", status=204)
    api = objclient.ObjectStorageApi(f"swift+{storage}", token="tok")
    with pytest.raises(NoSuchObject):
        api.object_delete(None, "c", "o")
    assert responses.calls[-1].request.url.endswith("/c/o?version-id=1796375625.86289")


def test_names_are_checked_on_every_change_of_account_or_container(api):
    from objclient.exceptions import InvalidName
    api.object_create("a", "c", data=b"x", obj_name="o")
    for account, container in (("a", "c/d"), ("a", ""), ("a/b", "c"), ("a", "c\0")):
        with pytest.raises(InvalidName):
            api.object_create(account, container, data=b"x", obj_name="o")
    with pytest.raises(InvalidName):
        api.object_create("a", "c", data=b"x", obj_name="")  # the object: every call
    assert api.object_fetch("a", "c", "o")[1].read() == b"x"
