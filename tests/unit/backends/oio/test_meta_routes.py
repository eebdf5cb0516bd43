"""Proxy and account-service routes, request by request, as the reference gives them."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
import urllib3

import objclient
from objclient.exceptions import (ConnectionFailed, ContainerNotEmpty, InvalidArgument,
                                  NoSuchAccount, NoSuchContainer, NoSuchObject,
                                  ServiceUnavailable)
from objclient.http.retry import RetryPolicy

PROXY = "http://proxy.test:6006"
ACCT = "http://acct.test:6009"
P = f"{PROXY}/v3.0/NS"
JSON = {"Content-Type": "application/json"}


def _api(url=f"oio+{PROXY}?namespace=NS&account_url={ACCT}", **kw):
    return objclient.ObjectStorageApi(url, retries=RetryPolicy(backoff_factor=0), **kw)


@pytest.fixture
def mock():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


@pytest.fixture
def api():
    return _api()


def _query(call):
    return {k: v[-1] for k, v in parse_qs(urlsplit(call.request.url).query,
                                          keep_blank_values=True).items()}


def _path(call):
    return urlsplit(call.request.url).path


def _oio_error(status, code, message="err"):
    return {"status": status, "json": {"status": code, "message": message}}


# -- account service ---------------------------------------------------------------
def test_account_create_is_put_with_id_and_201_means_created(mock, api):
    mock.add("PUT", f"{ACCT}/v1.0/account/create", status=201, body="a1",
             content_type="text/plain")
    mock.add("PUT", f"{ACCT}/v1.0/account/create", status=202)
    assert api.account_create("a1") is True
    assert api.account_create("a1") is False
    assert _query(mock.calls[0]) == {"id": "a1"}
    assert mock.calls[0].request.headers["x-oio-req-id"]


def test_account_service_is_found_through_the_proxy_load_balancer(mock):
    api = _api(f"oio+{PROXY}?namespace=NS")
    mock.add("GET", f"{P}/lb/choose", json=[{"addr": "acct.test:6009", "score": 90}])
    mock.add("GET", f"{ACCT}/v1.0/account/show",
             json={"id": "a", "ctime": 1.0, "mtime": 2.0, "bytes": 10, "objects": 2,
                   "containers": 1, "metadata": {"k": "v"}, "buckets": 0, "shards": 0,
                   "regions": {}})
    info = api.account_show("a")
    assert _query(mock.calls[0]) == {"type": "account", "size": "1"}
    assert info["id"] == "a" and info["bytes"] == 10 and info["metadata"] == {"k": "v"}
    assert info["properties"] == {"k": "v"} and info["containers"] == 1


def test_account_show_404_is_no_such_account(mock, api):
    mock.add("GET", f"{ACCT}/v1.0/account/show", status=404,
             json={"status": 404, "message": "Account not found"})
    with pytest.raises(NoSuchAccount):
        api.account_show("nope")


def test_account_properties_go_through_update(mock, api):
    mock.add("PUT", f"{ACCT}/v1.0/account/update", status=204)
    mock.add("PUT", f"{ACCT}/v1.0/account/update", status=204)
    api.account_set_properties("a", {"k": "v"})
    api.account_del_properties("a", ["k"])
    assert json.loads(mock.calls[0].request.body) == {"metadata": {"k": "v"}, "to_delete": []}
    assert json.loads(mock.calls[1].request.body) == {"metadata": {}, "to_delete": ["k"]}


def test_account_list_delete_flush_refresh_routes(mock, api):
    mock.add("GET", f"{ACCT}/v1.0/account/list",
             json={"listing": [{"id": "a"}, {"id": "b"}], "truncated": False})
    mock.add("POST", f"{ACCT}/v1.0/account/delete", status=204)
    mock.add("POST", f"{ACCT}/v1.0/account/flush", status=204)
    mock.add("POST", f"{ACCT}/v1.0/account/refresh", status=204)
    assert api.account_list(limit=5, prefix="a") == [{"id": "a"}, {"id": "b"}]
    api.account_delete("a")
    api.account_flush("a")
    api.account_refresh("a")
    assert _query(mock.calls[0]) == {"limit": "5", "prefix": "a"}
    assert [_query(c) for c in mock.calls[1:]] == [{"id": "a"}] * 3


def test_container_list_reads_account_containers_five_tuples(mock, api):
    mock.add("GET", f"{ACCT}/v1.0/account/containers",
             json={"id": "a", "containers": 2, "objects": 3, "bytes": 4,
                   "listing": [["c1", 3, 4, 0, 1533286343.5], ["d/", 0, 0, 1, 0]],
                   "truncated": True, "next_marker": "d/"})
    page = api.account.containers("a", prefix="c", marker="b", limit=2)
    assert _query(mock.calls[0]) == {"id": "a", "prefix": "c", "marker": "b", "limit": "2"}
    assert list(page.listing[0]) == ["c1", 3, 4, 0, 1533286343.5]
    assert page.listing[1].is_prefix and page.truncated and page.next_marker == "d/"


# -- containers -----------------------------------------------------------------------
def test_container_create_posts_properties_with_autocreate(mock, api):
    mock.add("POST", f"{P}/container/create", status=201)
    mock.add("POST", f"{P}/container/create", status=204)
    assert api.container_create("a", "c", properties={"k": "v"}) is True
    assert api.container_create("a", "c") is False
    req = mock.calls[0].request
    assert _query(mock.calls[0]) == {"acct": "a", "ref": "c"}
    assert json.loads(req.body) == {"properties": {"k": "v"}, "system": {}}
    assert req.headers["x-oio-action-mode"] == "autocreate"
    assert "Content-Type" not in req.headers


def test_container_destroy_409_is_container_not_empty_and_404_no_such_container(mock, api):
    mock.add("POST", f"{P}/container/destroy", **_oio_error(409, 438, "Container not empty"))
    mock.add("POST", f"{P}/container/destroy", **_oio_error(404, 431, "Container not found"))
    with pytest.raises(ContainerNotEmpty):
        api.container_delete("a", "c")
    with pytest.raises(NoSuchContainer):
        api.container_delete("a", "gone")


def test_container_show_reads_system_properties_from_headers(mock, api):
    mock.add("GET", f"{P}/container/show", json={"properties": {"owner": "Zoë"}},
             headers={"x-oio-container-meta-sys-m2-usage": "360",
                      "x-oio-container-meta-sys-m2-objects": "2",
                      "x-oio-container-meta-sys-m2-ctime": "1533286343746147",
                      "x-oio-container-meta-sys-user-name": "c",
                      "x-oio-container-meta-sys-m2-policy-storage": "THREECOPIES"})
    info = api.container_show("a", "c")
    assert info.objects == 2 and info.bytes == 360 and info.name == "c"
    assert info.properties == {"owner": "Zoë"}
    assert info.system["sys.m2.policy.storage"] == "THREECOPIES"
    assert info.ctime == pytest.approx(1533286343.746147)


def test_container_properties_set_then_delete(mock, api):
    mock.add("POST", f"{P}/container/set_properties", status=204)
    mock.add("POST", f"{P}/container/del_properties", status=204)
    api.container_set_properties("a", "c", {"k": "v"})
    api.container_del_properties("a", "c", ["k"])
    assert json.loads(mock.calls[0].request.body) == {"properties": {"k": "v"}, "system": {}}
    assert json.loads(mock.calls[1].request.body) == ["k"]


def test_container_flush_loops_while_truncated(mock, api):
    mock.add("POST", f"{P}/container/flush", status=204, headers={"x-oio-truncated": "true"})
    mock.add("POST", f"{P}/container/flush", status=204, headers={"x-oio-truncated": "false"})
    api.container.flush("a", "c")
    assert len(mock.calls) == 2
    assert mock.calls[0].request.headers["x-oio-req-id"] == \
        mock.calls[1].request.headers["x-oio-req-id"]


def test_container_touch_purge_snapshot_routes(mock, api):
    for action in ("touch", "purge", "snapshot"):
        mock.add("POST", f"{P}/container/{action}", status=204)
    api.container_touch("a", "c")
    api.container.purge("a", "c", 2, objclient.contract.DEFAULT_OPTS)
    api.container.snapshot("a", "c", "a2", "c2")
    assert _query(mock.calls[1]) == {"acct": "a", "ref": "c", "maxvers": "2"}
    assert json.loads(mock.calls[2].request.body) == {"account": "a2", "container": "c2"}


def test_object_list_sends_max_markers_and_reads_truncation_headers(mock, api):
    mock.add("GET", f"{P}/container/list",
             json={"prefixes": ["a/"], "properties": {}, "system": {}, "objects": [
                 {"name": "a", "version": 1533286343746147, "ctime": 1533286343,
                  "mtime": 1533286343, "deleted": False, "id": "B03A", "policy": "SINGLE",
                  "chunk-method": "plain/nb_copy=1", "hash": "26CB", "size": 180,
                  "mime-type": "application/octet-stream"}]},
             headers={"x-oio-list-truncated": "true", "x-oio-list-marker": "a%2F"})
    page = api.object_list("a", "c", limit=2, prefix="a", delimiter="/", marker="0",
                           end_marker="z")
    assert _query(mock.calls[0]) == {"acct": "a", "ref": "c", "max": "2", "prefix": "a",
                                     "delimiter": "/", "marker": "0", "end_marker": "z"}
    assert page["truncated"] is True and page["next_marker"] == "a/"
    obj = page["objects"][0]
    assert obj["hash"] == "26cb" and obj["chunk_method"] == "plain/nb_copy=1"
    assert obj["mime-type"] == "application/octet-stream" and page["prefixes"] == ["a/"]


# -- object metadata ---------------------------------------------------------------------
def test_object_show_uses_get_properties_and_refines_not_found(mock, api):
    mock.add("POST", f"{P}/content/get_properties", json={"properties": {"K": "v"}},
             headers={"x-oio-content-meta-length": "3", "x-oio-content-meta-name": "o",
                      "x-oio-content-meta-hash": "ABC", "x-oio-content-meta-version": "7"})
    mock.add("POST", f"{P}/content/get_properties", **_oio_error(404, 420))
    mock.add("POST", f"{P}/content/get_properties", **_oio_error(404, 431))
    meta = api.object_get_properties("a", "c", "o")
    assert meta.size == "3" and meta.properties == {"K": "v"} and meta.version == "7"
    assert _query(mock.calls[0]) == {"acct": "a", "ref": "c", "path": "o"}
    with pytest.raises(NoSuchObject):
        api.object_get_properties("a", "c", "o")
    with pytest.raises(NoSuchContainer):
        api.object_get_properties("a", "gone", "o")


def test_object_properties_set_with_flush_when_clear_and_delete(mock, api):
    mock.add("POST", f"{P}/content/set_properties", status=204)
    mock.add("POST", f"{P}/content/del_properties", status=204)
    api.object_set_properties("a", "c", "o", {"k": "v"}, clear=True)
    api.object_del_properties("a", "c", "o", ["k"])
    assert _query(mock.calls[0])["flush"] == "1"
    assert json.loads(mock.calls[0].request.body) == {"properties": {"k": "v"}}
    assert json.loads(mock.calls[1].request.body) == ["k"]


def test_object_delete_returns_true_as_openio_documents(mock, api):
    mock.add("POST", f"{P}/content/delete", status=204,
             headers={"x-oio-delete-marker": "true", "x-oio-version-id": "42"})
    assert api.object_delete("a", "c", "o") is True
    assert json.loads(mock.calls[0].request.body) == {}


def test_delete_many_splits_a_batch_the_proxy_finds_too_large(mock, api):
    mock.add("POST", f"{P}/content/delete_many", **_oio_error(413, 400, "too many"))
    for name in ("a", "b"):
        mock.add("POST", f"{P}/content/delete_many",
                 json={"contents": [{"name": name, "status": 204 if name == "a" else 404,
                                     "message": ""}]})
    assert api.object_delete_many("a", "c", ["a", "b"]) == [("a", True), ("b", False)]
    assert json.loads(mock.calls[1].request.body) == {"contents": [{"name": "a"}]}


def test_writes_are_not_retried_but_reads_are(mock, api):
    mock.add("POST", f"{P}/content/touch", **_oio_error(503, 503, "busy"))
    with pytest.raises(ServiceUnavailable):
        api.object_touch("a", "c", "o")
    assert len(mock.calls) == 1
    mock.add("GET", f"{P}/container/show", **_oio_error(503, 503, "busy"))
    mock.add("GET", f"{P}/container/show", json={"properties": {}})
    api.container_show("a", "c")
    assert len(mock.calls) == 3


def test_truncate_at_a_metachunk_boundary_is_one_truncate_call(mock, api):
    chunks = [{"url": "http://r1/" + "A" * 64, "pos": "0", "size": 4, "hash": "X"},
              {"url": "http://r1/" + "B" * 64, "pos": "1", "size": 2, "hash": "Y"}]
    for _ in range(2):
        mock.add("GET", f"{P}/content/locate", json=chunks,
                 headers={"x-oio-content-meta-length": "6", "x-oio-content-meta-version": "9"})
    mock.add("POST", f"{P}/content/truncate", status=204)
    with pytest.raises(InvalidArgument):  # only shrink, as OpenIO
        api.object_truncate("a", "c", "o", size=7)
    api.object_truncate("a", "c", "o", size=4)
    assert _query(mock.calls[2]) == {"acct": "a", "ref": "c", "path": "o", "version": "9",
                                     "size": "4"}


# -- headers, failover -------------------------------------------------------------------------
def test_request_id_and_timeout_headers(mock, api):
    mock.add("POST", f"{P}/content/touch", status=204)
    api.object_touch("a", "c", "o", reqid="r" * 70, read_timeout=5.0)
    headers = mock.calls[0].request.headers
    assert headers["x-oio-req-id"] == "r" * 63
    assert headers["x-oio-timeout"] == str(int(5.0 * 990000))


def test_second_proxy_is_used_when_the_first_refuses_connections(mock):
    api = _api("oio+http://p1.test:6006;p2.test:6006?namespace=NS")
    mock.add("POST", "http://p1.test:6006/v3.0/NS/content/touch", body=_refused())
    mock.add("POST", "http://p2.test:6006/v3.0/NS/content/touch", status=204)
    api.object_touch("a", "c", "o")
    assert [urlsplit(c.request.url).netloc for c in mock.calls] == ["p1.test:6006",
                                                                    "p2.test:6006"]


def test_a_write_whose_connection_broke_is_not_sent_to_another_proxy(mock):
    api = _api("oio+http://p1.test:6006;p2.test:6006?namespace=NS")
    mock.add("POST", "http://p1.test:6006/v3.0/NS/content/touch",
             body=requests.exceptions.ConnectionError("connection reset by peer"))
    with pytest.raises(ConnectionFailed):
        api.object_touch("a", "c", "o")
    assert len(mock.calls) == 1


def _refused():
    return requests.exceptions.ConnectionError(
        urllib3.exceptions.NewConnectionError(None, "Connection refused"))


# -- directory ------------------------------------------------------------------------------------
def test_reference_routes_and_resolve_cid(mock, api):
    cid = api.directory.cid("a", "c")
    srv = [{"seq": 1, "type": "meta2", "host": "10.0.0.1:6120", "args": ""}]
    mock.add("POST", f"{P}/reference/link", json=srv)
    mock.add("GET", f"{P}/reference/show",
             json={"dir": [], "srv": srv, "cid": cid, "account": "a", "name": "c"})
    mock.add("POST", f"{P}/reference/force", status=204)
    mock.add("POST", f"{P}/reference/unlink", status=204)
    mock.add("GET", f"{P}/reference/show",
             json={"dir": [], "srv": srv, "cid": cid, "account": "a", "name": "c"})
    assert api.directory.link("a", "c", "meta2") == srv
    assert api.directory.list("a", "c", "meta2")["srv"] == srv
    api.directory.force("a", "c", {"seq": 1, "type": "rdir", "host": "h:1", "args": ""},
                        replace=True)
    api.directory.unlink("a", "c", "rdir")
    assert api.directory.resolve_cid(cid.lower()) == ("a", "c")
    assert mock.calls[0].request.headers["x-oio-action-mode"] == "autocreate"
    assert _query(mock.calls[0]) == {"acct": "a", "ref": "c", "type": "meta2"}
    assert _query(mock.calls[2]) == {"acct": "a", "ref": "c", "type": "rdir",
                                     "replace": "yes"}
    assert json.loads(mock.calls[2].request.body)["host"] == "h:1"
    assert _query(mock.calls[4]) == {"cid": cid}
