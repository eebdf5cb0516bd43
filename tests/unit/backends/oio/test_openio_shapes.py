"""Issue 27 (OpenIO part): the routes objclient uses and the shapes it
returns are OpenIO's, checked against the source-faithful fake."""

import json
from urllib.parse import urlsplit

import pytest

import objclient
from objclient.exceptions import ChecksumMismatch, EtagMismatch, NoSuchContainer
from objclient.http.retry import RetryPolicy
from tests.fakes.openio import ACCOUNT, PROXY, start_fake


def _api():
    return objclient.ObjectStorageApi(f"oio+{PROXY}?namespace=OPENIO&account_url={ACCOUNT}",
                                      retries=RetryPolicy(backoff_factor=0))


@pytest.fixture
def oio():
    fake, mock = start_fake(chunk_size=4096)
    yield fake, mock, _api()
    mock.stop()
    mock.reset()


def _routes(mock):
    return [(c.request.method, urlsplit(c.request.url).path.rsplit("/", 2)[-2:])
            for c in mock.calls]


def _create_body(mock):
    create = [c for c in mock.calls if c.request.url.split("?")[0].endswith("/content/create")]
    return json.loads(create[-1].request.body)


# -- container_get_properties ---------------------------------------------------------
def test_container_get_properties_posts_get_properties_not_show(oio):
    fake, mock, api = oio
    api.container_create("a", "c", properties={"k": "v"})
    mock.calls.reset()
    api.container_get_properties("a", "c")
    assert _routes(mock) == [("POST", ["container", "get_properties"])]


def test_container_get_properties_keeps_system_keys_as_stored(oio):
    fake, mock, api = oio
    api.container_create("a", "c", properties={"k": "v"},
                         system={"sys.m2.keep_deleted_delay": "86400"})
    got = api.container_get_properties("a", "c")
    assert got["properties"] == {"k": "v"}
    assert got["system"]["sys.m2.keep_deleted_delay"] == "86400"
    assert "sys.m2.keep.deleted.delay" not in got["system"]
    # keys outside sys. are the proxy's too (action_sqlx_propget)
    assert got["system"]["schema_version"] == "1.8"
    assert got["system"]["version:main.admin"] == "1:0"


def test_container_get_properties_ignores_its_properties_argument_as_openio(oio):
    fake, mock, api = oio
    api.container_create("a", "c", properties={"k": "v", "x": "y"})
    assert api.container_get_properties("a", "c", ["x"])["properties"] == {"k": "v", "x": "y"}


# -- container_properties on autocreate -------------------------------------------------
def test_nested_container_properties_reach_the_autocreated_container(oio):
    fake, mock, api = oio
    api.object_create("a", "new", data=b"x", obj_name="o",
                      container_properties={"properties": {"cp": "1"},
                                            "system": {"sys.m2.policy.version": "-1"}})
    props = fake.containers[("a", "new")]["props"]
    assert props["user.cp"] == "1" and props["sys.m2.policy.version"] == "-1"
    assert fake.warnings == []
    got = api.container_get_properties("a", "new")
    assert got["properties"] == {"cp": "1"} and got["system"]["sys.m2.policy.version"] == "-1"


def test_flat_container_properties_are_user_properties_of_the_new_container(oio):
    fake, mock, api = oio
    api.object_create("a", "new", data=b"x", obj_name="o", container_properties={"cp": "1"})
    assert api.container_get_properties("a", "new")["properties"] == {"cp": "1"}


def test_content_create_sends_container_properties_as_the_proxy_reads_them(oio):
    fake, mock, api = oio
    api.object_create("a", "new", data=b"x", obj_name="o",
                      container_properties={"properties": {"cp": "1"}})
    assert _create_body(mock)["container_properties"] == {"properties": {"cp": "1"},
                                                          "system": {}}


def test_container_properties_do_not_change_an_existing_container(oio):
    fake, mock, api = oio
    api.container_create("a", "c", properties={"k": "v"})
    api.object_create("a", "c", data=b"x", obj_name="o", container_properties={"cp": "1"})
    assert api.container_get_properties("a", "c")["properties"] == {"k": "v"}


# -- return values ------------------------------------------------------------------------
def test_account_get_properties_is_account_show_with_properties(oio):
    fake, mock, api = oio
    api.object_create("a", "c", data=b"12345", obj_name="o")
    api.account_set_properties("a", {"k": "v"})
    got = api.account_get_properties("a")
    assert got["id"] == "a" and got["bytes"] == 5 and got["objects"] == 1
    assert got["containers"] == 1 and got["ctime"] and got["mtime"]
    assert got["properties"] == {"k": "v"} and "metadata" not in got


def test_account_list_returns_id_dicts(oio):
    fake, mock, api = oio
    api.account_create("b")
    api.account_create("a")
    assert api.account_list() == [{"id": "a"}, {"id": "b"}]


def test_object_del_properties_returns_true(oio):
    fake, mock, api = oio
    api.object_create("a", "c", data=b"x", obj_name="o", properties={"k": "v"})
    assert api.object_del_properties("a", "c", "o", ["k", "missing"]) is True


def test_object_link_result_is_the_link_not_the_target(oio):
    fake, mock, api = oio
    api.object_create("a", "c", data=b"x" * 5000, obj_name="t")
    target = fake.containers[("a", "c")]["objects"]["t"]
    target["ctime"] = target["mtime"] = 1000  # an old target
    link = api.object_link("a", "c", "t", "a", "c", "l")
    stored = api.object_get_properties("a", "c", "l")
    assert str(link["version"]) == stored["version"] and link["id"] == stored["id"]
    assert str(int(link["ctime"])) == stored["ctime"] != "1000"
    assert str(int(link["mtime"])) == stored["mtime"] != "1000"
    assert link["chunk_size"] == 4096
    assert str(link["size"]) == stored["size"] and link["hash"].upper() == stored["hash"]


def test_wrong_etag_raises_etag_mismatch_a_checksum_mismatch(oio):
    fake, mock, api = oio
    with pytest.raises(EtagMismatch) as info:
        api.object_create("a", "c", data=b"x", obj_name="o", etag="0" * 32)
    assert isinstance(info.value, ChecksumMismatch)
    assert objclient.exceptions.EtagMismatch is EtagMismatch
    assert all(store == {} for store in fake.rawx.values())


# -- proxy answers the source gives --------------------------------------------------------
def test_touch_of_a_missing_container_answered_403_is_no_such_container(oio):
    fake, mock, api = oio
    api.container_create("a", "other")
    with pytest.raises(NoSuchContainer):
        api.container_touch("a", "missing")
    assert mock.calls[-1].response.status_code == 403


@pytest.mark.parametrize("reply", ["200", "204"])
def test_container_properties_set_and_delete_whatever_the_reply_form(reply):
    fake, mock = start_fake(propset_reply=reply)
    try:
        api = _api()
        api.container_create("a", "c")
        api.container_set_properties("a", "c", {"k": "v", "x": "y"},
                                     system={"sys.m2.quota": "10"})
        api.container_del_properties("a", "c", ["x"])
        got = api.container_get_properties("a", "c")
        assert got["properties"] == {"k": "v"} and got["system"]["sys.m2.quota"] == "10"
        api.container_set_properties("a", "c", {"n": "1"}, clear=True)
        assert api.container_get_properties("a", "c")["properties"] == {"n": "1"}
    finally:
        mock.stop()
        mock.reset()
