"""Scripts written for OpenIO's ``oio.ObjectStorageApi`` run on objclient.

One test (or more) per row of ``doc/parity/openio.rst``, written as the seed's
users write code: positional arguments in OpenIO's order, results read as
dicts and lists (``json.dumps``, ``copy.deepcopy``, item assignment, ``==``
with a dict).  They run without servers: the local backend for what every
backend does, the source-faithful OpenIO fake for OpenIO-only calls.
"""

import copy
import hashlib
import inspect
import json
import logging
import os
import time
import warnings

import pytest

from objclient import ObjectStorageApi
from objclient import config as objclient_config
from objclient.exceptions import Conflict, NoSuchContainer, NotFound, NotSupported
from objclient.http.retry import RetryPolicy
from tests.fakes.openio import PROXY, start_fake

SEED_METHODS = [
    "account_create", "account_del_properties", "account_delete", "account_flush",
    "account_get_properties", "account_list", "account_refresh", "account_set_properties",
    "account_show", "all_accounts_refresh", "blob_client", "container_create",
    "container_create_many", "container_del_properties", "container_delete",
    "container_flush", "container_get_properties", "container_list", "container_purge",
    "container_refresh", "container_set_properties", "container_show", "container_snapshot",
    "container_touch", "container_update", "object_analyze", "object_change_policy",
    "object_create", "object_create_ext", "object_del_properties", "object_delete",
    "object_delete_many", "object_drain", "object_fastcopy", "object_fetch",
    "object_get_properties", "object_head", "object_link", "object_list", "object_locate",
    "object_set_properties", "object_show", "object_touch", "object_truncate",
    "object_update", "proxy_client", "resolve_cid",
]


@pytest.fixture
def api(tmp_path):
    with ObjectStorageApi(f"file://{tmp_path}/store?fsync=0") as api:
        yield api


@pytest.fixture
def oio(tmp_path, monkeypatch):
    """``ObjectStorageApi("OPENIO")`` as OpenIO's users build it: the proxy
    comes from the namespace file, the account service from the proxy."""
    conf = tmp_path / "sds.conf"
    conf.write_text(f"[OPENIO]\nproxy={PROXY.split('://')[1]}\n")
    monkeypatch.setattr(objclient_config, "OIO_SYSTEM_CONF", str(conf))
    monkeypatch.delenv("OIO_PROXY", raising=False)
    fake, mock = start_fake(chunk_size=4096)
    with ObjectStorageApi("OPENIO", retries=RetryPolicy(backoff_factor=0)) as api:
        yield fake, api
    mock.stop()
    mock.reset()


def _plain(value):
    """What OpenIO's results are: they survive a JSON round trip and a deep copy."""
    assert json.loads(json.dumps(value)) == value
    assert copy.deepcopy(value) == value
    return value


# -- the API itself ----------------------------------------------------------------------
def test_every_public_name_of_the_seed_exists():
    missing = [name for name in SEED_METHODS if not hasattr(ObjectStorageApi, name)]
    assert missing == []


def test_constructor_takes_namespace_logger_perfdata_in_the_seeds_order():
    params = list(inspect.signature(ObjectStorageApi.__init__).parameters)
    assert params[1:4] == ["namespace", "logger", "perfdata"]


def test_extra_keywords_are_the_seeds():
    assert ObjectStorageApi.EXTRA_KEYWORDS == (
        "chunk_checksum_algo", "autocreate", "chunk_buffer_min", "chunk_buffer_max",
        "cache", "tls")


def test_a_bare_namespace_finds_its_proxy_in_the_namespace_file(oio):
    fake, api = oio
    assert api.backend == "oio" and api.namespace == "OPENIO"
    assert api.container_create("myaccount", "mycontainer") is True


def test_namespace_as_keyword_and_endpoint_keyword(tmp_path, monkeypatch):
    monkeypatch.setattr(objclient_config, "OIO_SYSTEM_CONF", str(tmp_path / "none"))
    monkeypatch.setattr(objclient_config, "OIO_SYSTEM_CONF_DIR", str(tmp_path / "none.d"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("OIO_PROXY", raising=False)
    api = ObjectStorageApi(namespace="OPENIO", endpoint="http://127.0.0.1:6006")
    assert api.url == "oio+http://127.0.0.1:6006?namespace=OPENIO"


def test_namespace_files_follow_openios_order(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / ".oio").mkdir(parents=True)
    (home / ".oio" / "sds.conf").write_text("[NS]\nproxy=10.0.0.3:6006\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("OIO_PROXY", raising=False)
    monkeypatch.setattr(objclient_config, "OIO_SYSTEM_CONF", str(tmp_path / "sds.conf"))
    monkeypatch.setattr(objclient_config, "OIO_SYSTEM_CONF_DIR", str(tmp_path / "sds.conf.d"))
    # no system file: the user's ~/.oio/sds.conf
    assert objclient_config.namespace_url("NS") == "oio+http://10.0.0.3:6006?namespace=NS"
    # a system file exists: the user's file is not read; sds.conf.d overrides sds.conf
    (tmp_path / "sds.conf").write_text("[NS]\nproxy=10.0.0.1:6006\n")
    assert objclient_config.namespace_url("NS") == "oio+http://10.0.0.1:6006?namespace=NS"
    (tmp_path / "sds.conf.d").mkdir()
    (tmp_path / "sds.conf.d" / "NS").write_text("[NS]\nproxy=10.0.0.2:6006\n")
    assert objclient_config.namespace_url("NS") == "oio+http://10.0.0.2:6006?namespace=NS"
    monkeypatch.setenv("OIO_PROXY", "10.0.0.9:6006")
    assert objclient_config.namespace_url("NS") == "oio+http://10.0.0.9:6006?namespace=NS"


def test_an_unknown_namespace_says_which_files_were_read(tmp_path, monkeypatch):
    monkeypatch.setattr(objclient_config, "OIO_SYSTEM_CONF", str(tmp_path / "sds.conf"))
    (tmp_path / "sds.conf").write_text("[OTHER]\nproxy=10.0.0.1:6006\n")
    monkeypatch.delenv("OIO_PROXY", raising=False)
    with pytest.raises(ValueError, match=r"no \[NOPE\] section in .*sds.conf"):
        ObjectStorageApi("NOPE")


def test_oio_ns_environment_picks_the_namespace(tmp_path, monkeypatch):
    for name in ("OBJCLIENT_URL", "OBJCLIENT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OBJCLIENT_CONFIG", str(tmp_path / "none.ini"))
    monkeypatch.setenv("OIO_NS", "OPENIO")
    monkeypatch.setenv("OIO_PROXY", "10.0.0.5:6006")
    assert ObjectStorageApi().url == "oio+http://10.0.0.5:6006?namespace=OPENIO"


def test_a_url_still_works(tmp_path):
    assert ObjectStorageApi(f"file://{tmp_path}").backend == "local"
    assert ObjectStorageApi(url=f"file://{tmp_path}").backend == "local"


def test_logger_is_the_callers():
    log = logging.getLogger("my-script")
    assert ObjectStorageApi("file:///tmp/objclient-seed-logger", log).logger is log


def test_constructor_perfdata_is_filled_by_every_call(tmp_path):
    perfdata = {}
    api = ObjectStorageApi(f"file://{tmp_path}?fsync=0", perfdata=perfdata)
    api.object_create("myaccount", "mycontainer", data=b"hello", obj_name="o")
    assert perfdata["data_size"] == 5 and perfdata["rawx"]["overall"] > 0
    meta, stream = api.object_fetch("myaccount", "mycontainer", "o")
    b"".join(stream)
    assert {"ttfb", "ttlb", "data_size"} <= set(perfdata)


def test_constructor_keywords_of_the_seed_are_accepted(tmp_path):
    api = ObjectStorageApi(f"file://{tmp_path}?fsync=0", connection_timeout=2.0,
                           read_timeout=5.0, write_timeout=7.0, chunk_checksum_algo="md5",
                           autocreate=False, chunk_buffer_min=32768,
                           chunk_buffer_max=262144, cache={}, tls=False)
    api.container_create("myaccount", "other")
    with pytest.raises(NoSuchContainer):  # autocreate=False: no container is made
        api.object_create("myaccount", "nocontainer", data=b"x", obj_name="o")


def test_every_method_takes_headers_and_the_three_timeouts(api):
    api.container_create("myaccount", "mycontainer", headers={"X-Trace": "1"},
                         connection_timeout=1.0, read_timeout=2.0, write_timeout=3.0)


def _spy_http(api):
    """Record (method, host, connection_timeout, read_timeout) of each request."""
    seen, send = [], api.http.request

    def request(method, url, **kwargs):
        seen.append((method, url.split("/")[2], kwargs.get("connection_timeout"),
                     kwargs.get("read_timeout")))
        return send(method, url, **kwargs)
    api.http.request = request
    return seen


def test_write_timeout_bounds_rawx_writes_and_leaves_proxy_reads_alone(oio):
    fake, api = oio
    seen = _spy_http(api)
    api.object_create("myaccount", "mycontainer", data=b"hello", obj_name="o",
                      connection_timeout=1.0, read_timeout=4.0, write_timeout=7.0)
    puts = [s for s in seen if s[0] == "PUT"]
    # urllib3 sends a request under its connect timeout: a data write gets
    # the larger of the two there, and waits write_timeout for the reply.
    assert puts and all(s[2:] == (7.0, 7.0) for s in puts)
    assert all(s[2:] == (1.0, 4.0) for s in seen if s[0] != "PUT")


def test_constructor_write_timeout_is_the_default_of_every_call(tmp_path, monkeypatch):
    conf = tmp_path / "sds.conf"
    conf.write_text(f"[OPENIO]\nproxy={PROXY.split('://')[1]}\n")
    monkeypatch.setattr(objclient_config, "OIO_SYSTEM_CONF", str(conf))
    monkeypatch.delenv("OIO_PROXY", raising=False)
    fake, mock = start_fake(chunk_size=4096)
    try:
        api = ObjectStorageApi("OPENIO", write_timeout=9.0, read_timeout=3.0)
        seen = _spy_http(api)
        api.object_create("myaccount", "mycontainer", data=b"hello", obj_name="o")
        assert {s[3] for s in seen if s[0] == "PUT"} == {9.0}
        assert {s[3] for s in seen if s[0] != "PUT"} == {3.0}
    finally:
        mock.stop()
        mock.reset()


def test_urllib3_sends_a_request_body_under_its_connect_timeout():
    """The fact write_timeout rests on: a peer that never reads stalls the
    send, and the connect timeout (not the read timeout) ends it."""
    import socket
    import time

    import urllib3
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    pool = urllib3.HTTPConnectionPool("127.0.0.1", server.getsockname()[1], retries=False)
    start = time.monotonic()
    try:
        with pytest.raises(urllib3.exceptions.HTTPError):
            pool.urlopen("PUT", "/", body=b"x" * (64 << 20),
                         timeout=urllib3.Timeout(connect=0.3, read=30.0))
    finally:
        server.close()
    assert time.monotonic() - start < 10.0


# -- accounts ------------------------------------------------------------------------------
def test_account_calls_return_the_seeds_shapes(oio):
    fake, api = oio
    assert api.account_create("myaccount") is True
    api.account_set_properties("myaccount", {"a": "1", "b": "2"})
    api.account_del_properties("myaccount", ["b"])
    props = _plain(api.account_get_properties("myaccount"))
    assert props["properties"] == {"a": "1"} and props["id"] == "myaccount"
    show = _plain(api.account_show("myaccount"))
    assert show["id"] == "myaccount"
    assert {"id": "myaccount"} in _plain(api.account_list())
    api.account_refresh("myaccount")
    api.account_refresh(None)
    with pytest.warns(DeprecationWarning):
        api.all_accounts_refresh()
    api.account_flush("myaccount")
    api.account_delete("myaccount")


def test_account_refresh_none_refreshes_every_account(api):
    api.container_create("acct1", "c")
    api.container_create("acct2", "c")
    api.account_refresh(None)


# -- containers ------------------------------------------------------------------------------
def test_container_create_true_then_false(api):
    assert api.container_create("myaccount", "mycontainer", {"k": "v"}) is True
    assert api.container_create("myaccount", "mycontainer") is False
    created = api.container_create_many("myaccount", ["c1", "c2"])
    assert created == [("c1", True), ("c2", True)] and json.dumps(created)


def test_container_list_gives_five_field_lists(api):
    api.container_create("myaccount", "mycontainer")
    api.object_create("myaccount", "mycontainer", data=b"hello", obj_name="o")
    listing = _plain(api.container_list("myaccount", 10, None, None, "my", None))
    name, objects, nbytes, is_prefix, mtime = listing[0]
    assert (name, objects, nbytes, is_prefix) == ("mycontainer", 1, 5, 0)
    assert isinstance(mtime, float) and listing[0].name == "mycontainer"
    with pytest.raises(NotSupported) as err:
        api.container_list("myaccount", s3_buckets_only=True)
    assert (err.value.backend, err.value.capability) == ("local", "s3_buckets_only")


def test_container_list_s3_buckets_only_asks_the_account_service(oio):
    fake, api = oio
    account = "myaccount"
    bucket_names = ["bucket-one", "bucket.two"]
    container_names = bucket_names + ["path%2Fcontainer", "bucket-one+segments",
                                      "Not_A_Bucket", "10.0.0.1"]
    for container_name in container_names:
        api.container_create(account, container_name)
    buckets = api.container_list(account, s3_buckets_only=True)
    assert sorted(bucket_names) == [b[0] for b in buckets]
    containers = api.container_list(account)
    assert sorted(container_names) == [b[0] for b in containers]
    assert [b[0] for b in api.container_list(account, 1, None, None, None, None, True)] == [
        "bucket-one"]


def test_container_show_and_get_properties_are_dicts(api):
    api.container_create("myaccount", "mycontainer", {"k": "v"})
    show = _plain(api.container_show("myaccount", "mycontainer"))
    assert show["properties"] == {"k": "v"}
    show["properties"]["new"] = "x"  # item assignment, as with a dict
    props = _plain(api.container_get_properties("myaccount", "mycontainer", ["ignored"]))
    assert props["properties"] == {"k": "v"} and "system" in props


def test_container_set_del_properties_and_deprecated_update(api):
    api.container_create("myaccount", "mycontainer")
    api.container_set_properties("myaccount", "mycontainer", {"a": "1", "b": "2"})
    api.container_del_properties("myaccount", "mycontainer", ["b"])
    with pytest.warns(DeprecationWarning):
        api.container_update("myaccount", "mycontainer", {"c": "3"}, True)
    assert api.container_get_properties("myaccount", "mycontainer")["properties"] == {"c": "3"}


def test_container_flush_touch_refresh_delete(api):
    api.container_create("myaccount", "mycontainer")
    api.object_create("myaccount", "mycontainer", data=b"x", obj_name="o")
    api.container_touch("myaccount", "mycontainer")
    api.container_refresh("myaccount", "mycontainer")
    api.container_flush("myaccount", "mycontainer", False)
    assert api.object_list("myaccount", "mycontainer")["objects"] == []
    api.container_delete("myaccount", "mycontainer")


def test_container_purge_keeps_maxvers_versions(api):
    api.container_create("myaccount", "v", system={"versioning": "enabled"})
    for data in (b"1", b"2", b"3"):
        api.object_create("myaccount", "v", data=data, obj_name="o")
    api.container_purge("myaccount", "v", 1)
    assert len(api.object_list("myaccount", "v", versions=True)["objects"]) == 1


def test_container_snapshot_on_openio(oio):
    fake, api = oio
    api.object_create("myaccount", "src", data=b"hello", obj_name="o")
    api.container_snapshot("myaccount", "src", "myaccount", "snap")
    assert [o["name"] for o in api.object_list("myaccount", "snap")["objects"]] == ["o"]


# -- objects -----------------------------------------------------------------------------------
def test_module_example_object_create_from_a_path(api, tmp_path):
    path = tmp_path / "magic"
    path.write_bytes(b"x" * 113)
    chunks, size, md5 = api.object_create("myaccount", "mycontainer", str(path))
    assert size == 113 and md5 == hashlib.md5(b"x" * 113).hexdigest()
    assert _plain(chunks)[0]["pos"] == "0" and {"url", "hash", "size"} <= set(chunks[0])
    assert api.object_head("myaccount", "mycontainer", "magic") is True


def test_object_create_ext_positional_order_and_return(api):
    with pytest.warns(DeprecationWarning):  # metadata is the seed's deprecated properties
        chunks, size, md5, meta = api.object_create_ext(
            "myaccount", "mycontainer", None, b"hello", None, "o", "text/plain", {"m": "1"})
    meta = _plain(meta)
    assert (size, meta["length"], meta["mime_type"]) == (5, 5, "text/plain")
    assert meta["properties"] == {"m": "1"}


def test_object_create_ext_etag_mismatch_raises(api):
    from objclient.exceptions import ChecksumMismatch
    with pytest.raises(ChecksumMismatch):
        api.object_create_ext("myaccount", "mycontainer", data=b"x", obj_name="o",
                              etag="0" * 32)


def test_object_fetch_returns_meta_dict_and_stream(api):
    api.object_create("myaccount", "mycontainer", data=b"0123456789", obj_name="o")
    perfdata = {}
    meta, stream = api.object_fetch("myaccount", "mycontainer", "o", None, [(2, 4)], None,
                                    perfdata=perfdata)
    assert b"".join(stream) == b"234" and _plain(meta)["name"] == "o"
    assert perfdata["data_size"] == 3 and perfdata["ttfb"] <= perfdata["ttlb"]
    meta, stream = api.object_fetch("myaccount", "mycontainer", "o", properties=False)
    stream.close()


def test_object_get_properties_is_a_dict_with_the_seeds_keys(api):
    api.object_create("myaccount", "mycontainer", data=b"hello", obj_name="o",
                      properties={"projet": "OpenIO-SDS"})
    meta = _plain(api.object_get_properties("myaccount", "mycontainer", "o"))
    assert {"hash", "ctime", "deleted", "properties", "length", "hash_method",
            "chunk_method", "version", "policy", "id", "mime_type", "name"} <= set(meta)
    assert meta["properties"] == {"projet": "OpenIO-SDS"}
    meta["local"] = True  # item assignment
    assert meta == dict(meta) and meta.length == "5"  # attribute access stays


def _assert_the_seeds_example_types(meta, data):
    """The seed's example: ``'length': '43518'``, ``'ctime': '1481031763'``,
    ``'deleted': 'False'``, ``'version': '1481031762951972'``, upper-case hash."""
    assert meta["length"] == meta["size"] == str(len(data))
    assert meta["deleted"] == "False" and meta["hash_method"] == "md5"
    assert meta["hash"] == hashlib.md5(data).hexdigest().upper()
    assert meta["ctime"].isdigit() and meta["mtime"].isdigit()
    assert abs(int(meta["ctime"]) - time.time()) < 60
    assert isinstance(meta["version"], str) and isinstance(meta["properties"], dict)
    assert int(meta["length"]) + 1 == len(data) + 1


def test_object_get_properties_values_are_strings_as_in_the_seeds_example(api, oio):
    fake, oio_api = oio
    for client in (api, oio_api):
        client.object_create("myaccount", "mycontainer", data=b"x" * 43518,
                             obj_name="Makefile", properties={"projet": "OpenIO-SDS"})
        meta = client.object_get_properties("myaccount", "mycontainer", "Makefile")
        _assert_the_seeds_example_types(meta, b"x" * 43518)
        assert meta["properties"] == {"projet": "OpenIO-SDS"} and meta["name"] == "Makefile"
    assert meta["version"].isdigit() and len(meta["version"]) == 16  # µs, as the seed's
    assert meta["policy"] and meta["id"] and meta["chunk_method"]


def test_object_show_is_deprecated_as_in_the_seed(api):
    api.object_create("myaccount", "mycontainer", data=b"hello", obj_name="o")
    with pytest.warns(DeprecationWarning):
        meta = _plain(api.object_show("myaccount", "mycontainer", "o"))
    _assert_the_seeds_example_types(meta, b"hello")


def test_object_set_del_properties_and_deprecated_update(api):
    api.object_create("myaccount", "mycontainer", data=b"x", obj_name="o")
    api.object_set_properties("myaccount", "mycontainer", "o", {"a": "1", "b": "2"})
    assert api.object_del_properties("myaccount", "mycontainer", "o", ["b"]) is True
    with pytest.warns(DeprecationWarning):
        api.object_update("myaccount", "mycontainer", "o", {"c": "3"}, None, True)
    assert api.object_get_properties("myaccount", "mycontainer", "o")["properties"] == {
        "c": "3"}


def test_object_delete_returns_true_and_delete_many_pairs(api):
    for name in ("a", "b"):
        api.object_create("myaccount", "mycontainer", data=b"x", obj_name=name)
    assert api.object_delete("myaccount", "mycontainer", "a") is True
    deleted = api.object_delete_many("myaccount", "mycontainer", ["b", "zz"])
    assert deleted == [("b", True), ("zz", False)] and json.dumps(deleted)


def test_object_list_positional_order_and_every_key(api):
    for name in ("dir/a", "dir/b", "top"):
        api.object_create("myaccount", "mycontainer", data=b"x", obj_name=name)
    # OpenIO's order: limit, marker, delimiter, prefix, end_marker
    page = _plain(api.object_list("myaccount", "mycontainer", 10, None, "/", None, None))
    assert set(page) >= {"objects", "prefixes", "properties", "system", "truncated",
                         "next_marker"}
    assert [o["name"] for o in page["objects"]] == ["top"] and page["prefixes"] == ["dir/"]
    page = api.object_list("myaccount", "mycontainer", 1, None, None, "dir/")
    assert page["truncated"] is True
    rest = api.object_list("myaccount", "mycontainer", marker=page["next_marker"],
                           prefix="dir/")
    assert [o["name"] for o in rest["objects"]] == ["dir/b"]


def test_object_locate_and_deprecated_analyze(api):
    api.object_create("myaccount", "mycontainer", data=b"hello", obj_name="o")
    meta, chunks = api.object_locate("myaccount", "mycontainer", "o")
    assert _plain(meta)["length"] == 5 and _plain(chunks)[0]["size"] == 5
    with pytest.warns(DeprecationWarning):
        assert api.object_analyze("myaccount", "mycontainer", "o")[0]["name"] == "o"
    with pytest.raises(NotSupported) as err:
        api.object_locate("myaccount", "mycontainer", "o", chunk_info=True)
    assert (err.value.backend, err.value.capability) == ("local", "chunk_info")


def test_object_locate_chunk_info_asks_each_rawx_on_openio(oio):
    fake, api = oio
    api.object_create("myaccount", "mycontainer", data=b"x" * 5000, obj_name="o")
    meta, chunks = api.object_locate("myaccount", "mycontainer", "o", None, True)
    assert inspect.isgenerator(chunks)  # as the seed says
    chunks = list(chunks)
    assert [c["pos"] for c in chunks] == sorted(c["pos"] for c in chunks)
    assert {c["chunk_size"] for c in chunks} == {"4096", "904"}
    assert all(c["chunk_hash"] == c["hash"] and c["full_path"] for c in chunks)
    host, _, chunk_id = chunks[0]["url"].rpartition("/")
    del fake.rawx[host][chunk_id]  # a rawx lost one copy
    chunks = list(api.object_locate("myaccount", "mycontainer", "o", chunk_info=True)[1])
    assert "error" in chunks[0] and "chunk_size" not in chunks[0]


def test_object_link_positional_order_and_deprecated_fastcopy(oio):
    fake, api = oio
    api.object_create("myaccount", "mycontainer", data=b"hello", obj_name="o")
    link = api.object_link("myaccount", "mycontainer", "o", "myaccount", "mycontainer", "l",
                           None, None, None, "COPY")
    assert _plain(link)["name"] == "l"
    with pytest.warns(DeprecationWarning):
        api.object_fastcopy("myaccount", "mycontainer", "o", "myaccount", "mycontainer", "f")
    assert b"".join(api.object_fetch("myaccount", "mycontainer", "f")[1]) == b"hello"


def test_object_link_content_ids(oio, api):
    fake, oio_api = oio
    target = oio_api.object_create_ext("myaccount", "mycontainer", data=b"hello",
                                       obj_name="o")[3]
    link_id = "0123456789ABCDEF0123456789ABCDEF"
    link = oio_api.object_link("myaccount", "mycontainer", "o", "myaccount", "mycontainer",
                               "l", None, target["id"], link_id)
    assert link["id"] == link_id
    assert oio_api.object_get_properties("myaccount", "mycontainer", "l")["id"] == link_id
    api.object_create("myaccount", "mycontainer", data=b"x", obj_name="o")
    with pytest.raises(NotSupported) as err:
        api.object_link("myaccount", "mycontainer", "o", "myaccount", "mycontainer", "l",
                        link_content_id=link_id)
    assert err.value.capability == "content_id"


def test_object_head_trust_levels(oio):
    fake, api = oio
    api.object_create("myaccount", "mycontainer", data=b"x" * 5000, obj_name="o")
    assert all(api.object_head("myaccount", "mycontainer", "o", level) for level in (0, 1, 2))
    assert api.object_head("myaccount", "mycontainer", "missing", 2) is False
    with pytest.raises(ValueError):
        api.object_head("myaccount", "mycontainer", "o", 3)
    api.object_drain("myaccount", "mycontainer", "o")  # the data is gone
    assert api.object_head("myaccount", "mycontainer", "o", 1) is False


def test_object_head_trust_level_2_checks_every_replica_on_openio(oio):
    fake, api = oio
    api.object_create("myaccount", "mycontainer", data=b"x" * 5000, obj_name="o")
    seen = _spy_http(api)
    assert api.object_head("myaccount", "mycontainer", "o", 2) is True
    assert len([s for s in seen if s[0] == "HEAD"]) == 6  # 2 chunks x 3 copies, no GET
    assert not [s for s in seen if s[0] == "GET" and "rawx" in s[1]]
    chunks = api.object_locate("myaccount", "mycontainer", "o")[1]
    host, _, chunk_id = chunks[-1]["url"].rpartition("/")
    del fake.rawx[host][chunk_id]  # one replica lost: readable, not complete
    assert api.object_head("myaccount", "mycontainer", "o", 1) is True
    assert api.object_head("myaccount", "mycontainer", "o", 2) is False


def test_object_touch_and_truncate(oio):
    fake, api = oio
    api.object_create("myaccount", "mycontainer", data=b"x" * 8192, obj_name="o")
    api.object_touch("myaccount", "mycontainer", "o")
    api.object_truncate("myaccount", "mycontainer", "o", size=4096)
    assert api.object_get_properties("myaccount", "mycontainer", "o")["length"] == "4096"


def test_object_truncate_off_a_chunk_boundary(oio):
    fake, api = oio
    data = bytes(range(256)) * 40  # 10240 bytes: chunks of 4096, 4096, 2048
    api.object_create("myaccount", "mycontainer", data=data, obj_name="o",
                      mime_type="text/plain", properties={"k": "v"})
    api.object_truncate("myaccount", "mycontainer", "o", None, 5000)
    meta, stream = api.object_fetch("myaccount", "mycontainer", "o")
    assert b"".join(stream) == data[:5000] and meta["length"] == 5000
    assert (meta["mime_type"], meta["properties"]) == ("text/plain", {"k": "v"})
    with pytest.raises(ValueError):  # only shrink
        api.object_truncate("myaccount", "mycontainer", "o", size=6000)


def test_object_drain_keeps_metadata_on_openio_and_is_not_supported_elsewhere(oio, api):
    fake, oio_api = oio
    oio_api.object_create("myaccount", "mycontainer", data=b"hello", obj_name="o")
    oio_api.object_drain("myaccount", "mycontainer", "o")
    listed = oio_api.object_list("myaccount", "mycontainer")["objects"]
    assert [(o["name"], o["size"]) for o in listed] == [("o", 5)]  # the metadata stays
    api.object_create("myaccount", "mycontainer", data=b"x", obj_name="o")
    with pytest.raises(NotSupported) as err:
        api.object_drain("myaccount", "mycontainer", "o")
    assert err.value.backend == "local" and err.value.capability == "drain"


def test_object_change_policy(oio, api):
    fake, oio_api = oio
    oio_api.object_create("myaccount", "mycontainer", data=b"hello", obj_name="o")
    policy = oio_api.object_get_properties("myaccount", "mycontainer", "o")["policy"]
    with pytest.raises(Conflict):
        oio_api.object_change_policy("myaccount", "mycontainer", "o", policy)
    api.object_create("myaccount", "mycontainer", data=b"x", obj_name="o")
    with pytest.raises(NotSupported):
        api.object_change_policy("myaccount", "mycontainer", "o", "THREECOPIES")


def test_proxy_client_has_oios_request_forms(oio):
    fake, api = oio
    api.object_create("myaccount", "mycontainer", data=b"hello", obj_name="o",
                      properties={"k": "v"})
    proxy = api.proxy_client
    # ProxyClient._request: the URL is relative to <proxy>/v3.0/<NS>
    resp, body = proxy._request("POST", "/content/get_properties",
                                params={"acct": "myaccount", "ref": "mycontainer", "path": "o"})
    assert resp.status == 200 and body["properties"] == {"k": "v"}
    assert resp.headers["x-oio-content-meta-length"] == "5"
    assert resp.getheader("X-Oio-Content-Meta-Name") == "o"
    # HttpApi._direct_request: an absolute URL, a JSON document
    resp, body = proxy._direct_request(
        "POST", proxy.endpoint + "/content/set_properties",
        params={"acct": "myaccount", "ref": "mycontainer", "path": "o"},
        json={"properties": {"k2": "v2"}})
    assert resp.status in (200, 204)
    assert api.object_get_properties("myaccount", "mycontainer", "o")["properties"] == {
        "k": "v", "k2": "v2"}
    with pytest.raises(NoSuchContainer):
        proxy._request("GET", "container/show", params={"acct": "myaccount", "ref": "gone"})


def test_proxy_client_and_resolve_cid(oio, api):
    fake, oio_api = oio
    oio_api.container_create("myaccount", "mycontainer")
    assert oio_api.proxy_client.ns == "OPENIO"
    cid = oio_api.directory.cid("myaccount", "mycontainer")
    assert tuple(oio_api.resolve_cid(cid)) == ("myaccount", "mycontainer")
    with pytest.raises(NotSupported):
        assert api.proxy_client
    with pytest.raises(NotSupported):
        api.resolve_cid(cid)


def test_blob_client_exists(api):
    assert api.blob_client is not None


def test_blob_client_has_oios_chunk_calls(oio):
    fake, api = oio
    api.object_create("myaccount", "mycontainer", data=b"x" * 5000, obj_name="o")
    _meta, chunks = api.object_locate("myaccount", "mycontainer", "o")
    url = sorted(chunks, key=lambda c: c["pos"])[0]["url"]
    blob = api.blob_client
    head = blob.chunk_head(url, verify_checksum=True)
    assert head["chunk_size"] == "4096" and head["content_path"] == "o"
    assert {"chunk_hash", "full_path", "content_policy", "content_chunkmethod",
            "chunk_mtime"} <= set(head)
    meta, stream = blob.chunk_get(url, verify_checksum=True)
    assert b"".join(stream) == b"x" * 4096 and meta["chunk_hash"] == head["chunk_hash"]
    # chunk_put(url, meta, data): a new chunk id on the same rawx
    new_url = url.rsplit("/", 1)[0] + "/" + "AB" * 32
    size, chunk_hash = blob.chunk_put(new_url, meta, b"y" * 10)
    assert (size, chunk_hash) == (10, hashlib.md5(b"y" * 10).hexdigest().upper())
    assert blob.chunk_head(new_url)["chunk_size"] == "10"
    # chunk_link(target, link, fullpath): COPY, 201
    resp, link = blob.chunk_link(url, None, head["full_path"])
    assert resp.status == 201 and link != url and link.startswith(url[:-60])
    assert blob.chunk_head(link)["chunk_hash"] == head["chunk_hash"]
    # chunk_copy(from_url, to_url): read, then write on another rawx
    other = next(r for r in fake.rawx if r not in url) + "/" + "CD" * 32
    blob.chunk_copy(url, other)
    assert blob.chunk_head(other)["chunk_hash"] == head["chunk_hash"]
    assert blob.chunk_delete(new_url).status == 204
    replies = blob.chunk_delete_many([{"url": link}, {"url": new_url}])
    assert replies[0].status == 204 and replies[0].chunk == {"url": link}
    assert isinstance(replies[1], NotFound) and replies[1].chunk == {"url": new_url}


@pytest.mark.parametrize("call, args", [
    ("chunk_put", ("http://rawx/AB", {}, b"")), ("chunk_get", ("http://rawx/AB",)),
    ("chunk_head", ("http://rawx/AB",)), ("chunk_delete", ("http://rawx/AB",)),
    ("chunk_delete_many", ([{"url": "http://rawx/AB"}],)),
    ("chunk_copy", ("http://rawx/AB", "http://rawx/CD")),
    ("chunk_link", ("http://rawx/AB", None, "a/c/o/1/AB")),
])
def test_blob_client_chunk_calls_are_not_supported_without_chunk_servers(api, call, args):
    with pytest.raises(NotSupported) as err:
        getattr(api.blob_client, call)(*args)
    assert err.value.backend == "local" and err.value.capability == call


def test_deprecated_calls_warn_once_per_call_site(api):
    api.container_create("myaccount", "c")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        api.container_update("myaccount", "c", {"a": "1"})
    assert [w.category for w in seen] == [DeprecationWarning]
    assert os.path.basename(seen[0].filename) == "test_openio_seed.py"


def test_rawx_overall_is_the_transfer_time_counted_once(oio, monkeypatch):
    import objclient.api as facade
    fake, api = oio
    measured = []
    real = facade._data_perfdata

    def spy(perfdata, elapsed, size):
        measured.append(elapsed)
        real(perfdata, elapsed, size)

    monkeypatch.setattr(facade, "_data_perfdata", spy)
    perfdata = {}
    api.object_create("myaccount", "mycontainer", data=b"x" * 10000, obj_name="o",
                      perfdata=perfdata)
    assert perfdata["rawx"]["overall"] == pytest.approx(sum(measured))
    perfdata = {}
    meta, stream = api.object_fetch("myaccount", "mycontainer", "o", perfdata=perfdata)
    b"".join(stream)
    assert len(measured) == 2
    assert perfdata["rawx"]["overall"] == pytest.approx(measured[1])


def test_perfdata_has_openios_rawx_keys(oio):
    fake, api = oio
    perfdata = {}
    api.object_create("myaccount", "mycontainer", data=b"x" * 5000, obj_name="o",
                      perfdata=perfdata)
    rawx = perfdata["rawx"]
    urls = [c["url"] for c in api.object_locate("myaccount", "mycontainer", "o")[1]]
    assert {"connect." + u for u in urls} | {"upload." + u for u in urls} <= set(rawx)
    assert {"connect.AVG", "connect.SD", "connect.RSD", "upload.AVG", "upload.SD",
            "upload.RSD", "overall"} <= set(rawx)
    assert all(rawx["connect." + u] <= rawx["upload." + u] for u in urls)
    perfdata = {}
    meta, stream = api.object_fetch("myaccount", "mycontainer", "o", perfdata=perfdata)
    b"".join(stream)
    read = [k for k in perfdata["rawx"] if k.startswith("download.http")]
    assert len(read) == 2 and {"download.AVG", "connect.AVG"} <= set(perfdata["rawx"])
    assert perfdata["data_size"] == 5000 and "proxy" in perfdata
