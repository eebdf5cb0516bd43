"""Interoperability with OpenIO's own Python client, through the fake.

OpenIO's client (``oio``) is not on PyPI, so the few calls it makes are
written out here as its sources make them (``oio/container/client.py``,
``oio/api/object_storage.py``, ``oio/api/replication.py``,
``oio/common/http.py:headers_from_object_metadata``), with plain requests.
What objclient writes must read back through those calls, and the other
way round.
"""

import hashlib
import json
import uuid
from urllib.parse import quote, unquote

import pytest
import requests

import objclient
from objclient.http.retry import RetryPolicy
from tests.fakes.openio import ACCOUNT, PROXY, start_fake

NS = f"{PROXY}/v3.0/OPENIO"
DATA = bytes(range(256)) * 40  # 10240 bytes: three metachunks of 4096


@pytest.fixture
def oio():
    fake, mock = start_fake(chunk_size=4096)
    api = objclient.ObjectStorageApi(f"oio+{PROXY}?namespace=OPENIO&account_url={ACCOUNT}",
                                     retries=RetryPolicy(backoff_factor=0))
    yield fake, api
    mock.stop()
    mock.reset()


# -- OpenIO's client, call by call ----------------------------------------------------
def oio_container_get_properties(account, container):
    """ContainerClient.container_get_properties: POST container/get_properties."""
    resp = requests.post(f"{NS}/container/get_properties",
                         params={"acct": account, "ref": container}, data=json.dumps([]))
    resp.raise_for_status()
    return resp.json()


def oio_object_get_properties(account, container, obj):
    """content_get_properties: POST content/get_properties, sysmeta in headers."""
    resp = requests.post(f"{NS}/content/get_properties",
                         params={"acct": account, "ref": container, "path": obj})
    resp.raise_for_status()
    return resp.headers, resp.json()["properties"]


def oio_object_fetch(account, container, obj):
    """object_fetch: GET content/locate, chunks sorted by position, the first
    replica of each metachunk, the whole checked against the object MD5."""
    resp = requests.get(f"{NS}/content/locate",
                        params={"acct": account, "ref": container, "path": obj})
    resp.raise_for_status()
    by_pos = {}
    for chunk in resp.json():
        by_pos.setdefault(int(chunk["pos"]), chunk)
    data = b"".join(requests.get(by_pos[p]["url"]).content for p in sorted(by_pos))
    assert hashlib.md5(data).hexdigest().upper() == resp.headers["x-oio-content-meta-hash"]
    return resp.headers, data


def oio_object_create(account, container, obj, data, properties, container_properties):
    """object_create_ext with one metachunk per prepare2 (size=1), every
    copy PUT with the chunk meta headers, then content/create."""
    auto = {"x-oio-action-mode": "autocreate", "x-oio-req-id": uuid.uuid4().hex}
    query = {"acct": account, "ref": container, "path": obj}
    chunks, meta, pos = [], None, 0
    while pos * 4096 < len(data) or pos == 0:
        params = dict(query, **({"version": meta["version"], "content": meta["id"]}
                                if meta else {}))
        resp = requests.post(f"{NS}/content/prepare2", params=params, headers=auto,
                             data=json.dumps({"size": 1, "position": pos}))
        resp.raise_for_status()
        if meta is None:
            meta = {k[len("x-oio-content-meta-"):]: v for k, v in resp.headers.items()
                    if k.lower().startswith("x-oio-content-meta-")}
            kind, _, args = meta["chunk-method"].partition("/")  # unparse_chunk_method
            params = dict(a.split("=", 1) for a in args.split(",") if a)
            params.update(cca="md5", oca="md5")  # chunk_checksum_algo="md5"
            meta["chunk-method"] = kind + "/" + ",".join(f"{k}={params[k]}"
                                                         for k in sorted(params))
        piece = data[pos * 4096:(pos + 1) * 4096]
        fullpath = "/".join(quote(str(p), safe="") for p in (
            account, container, obj, meta["version"], meta["id"]))
        for target in resp.json()["chunks"]:
            headers = {
                "X-oio-Chunk-Meta-Container-Id": hashlib.sha256(
                    f"{account}\0{container}".encode()).hexdigest().upper(),
                "X-oio-Chunk-Meta-Content-Path": quote(obj, safe=""),
                "X-oio-Chunk-Meta-Content-Version": meta["version"],
                "X-oio-Chunk-Meta-Content-Id": meta["id"],
                "X-oio-Chunk-Meta-Content-Storage-Policy": meta["policy"],
                "X-oio-Chunk-Meta-Content-Chunk-Method": meta["chunk-method"],
                "X-oio-Chunk-Meta-Chunk-Id": target["url"].rsplit("/", 1)[1],
                "X-oio-Chunk-Meta-Chunk-Pos": target["pos"],
                "X-oio-Chunk-Meta-Full-Path": fullpath}
            put = requests.put(target["url"], headers=headers, data=iter([piece]))
            assert put.status_code == 201
            chunks.append({"url": target["url"], "pos": target["pos"], "size": len(piece),
                           "hash": put.headers["X-oio-Chunk-Meta-Chunk-Hash"]})
        pos += 1
    headers = dict(auto, **{
        "x-oio-content-meta-length": str(len(data)),
        "x-oio-content-meta-hash": hashlib.md5(data).hexdigest().upper(),
        "x-oio-content-meta-id": meta["id"], "x-oio-content-meta-version": meta["version"],
        "x-oio-content-meta-policy": meta["policy"],
        "x-oio-content-meta-mime-type": "application/octet-stream",
        "x-oio-content-meta-chunk-method": meta["chunk-method"]})
    body = {"chunks": chunks, "properties": properties,
            "container_properties": container_properties}
    resp = requests.post(f"{NS}/content/create", params=query, headers=headers,
                         data=json.dumps(body))
    assert resp.status_code == 204, resp.text


# -- objclient writes, OpenIO's client reads ----------------------------------------------
def test_container_properties_objclient_sets_are_read_by_oio_route(oio):
    fake, api = oio
    api.container_create("a", "c", properties={"owner": "Zoë"},
                         system={"sys.m2.keep_deleted_delay": "86400"})
    api.container_set_properties("a", "c", {"team": "x"}, system={"sys.m2.quota": "9"})
    got = oio_container_get_properties("a", "c")
    assert got["properties"] == {"owner": "Zoë", "team": "x"}
    assert got["system"]["sys.m2.keep_deleted_delay"] == "86400"
    assert got["system"]["sys.m2.quota"] == "9"
    # where meta2 keeps them: user.<key>, system keys as given
    props = fake.containers[("a", "c")]["props"]
    assert props["user.owner"] == "Zoë" and props["sys.m2.quota"] == "9"


def test_autocreate_container_properties_are_read_by_oio_route(oio):
    fake, api = oio
    api.object_create("a", "new", data=b"x", obj_name="o",
                      container_properties={"properties": {"cp": "1"},
                                            "system": {"sys.m2.policy.storage": "SINGLE"}})
    got = oio_container_get_properties("a", "new")
    assert got["properties"] == {"cp": "1"}
    assert got["system"]["sys.m2.policy.storage"] == "SINGLE"


def test_object_objclient_writes_reads_as_oio_client_reads_it(oio):
    fake, api = oio
    api.object_create("a", "c", data=DATA, obj_name="dir/é o", mime_type="text/plain",
                      properties={"k": "v w"})
    headers, data = oio_object_fetch("a", "c", "dir/é o")
    assert data == DATA
    assert unquote(headers["x-oio-content-meta-name"]) == "dir/é o"
    assert headers["x-oio-content-meta-mime-type"] == "text/plain"
    assert unquote(headers["x-oio-content-meta-k"]) == "v w"
    sysmeta, props = oio_object_get_properties("a", "c", "dir/é o")
    assert props == {"k": "v w"} and sysmeta["x-oio-content-meta-size"] == str(len(DATA))


# -- OpenIO's client writes, objclient reads ----------------------------------------------
def test_object_oio_client_writes_reads_back_through_objclient(oio):
    fake, api = oio
    oio_object_create("a", "new", "dir/o", DATA, {"k": "v"},
                      {"properties": {"cp": "1"}, "system": {"sys.m2.quota": "5"}})
    meta, stream = api.object_fetch("a", "new", "dir/o")
    assert b"".join(stream) == DATA and meta["size"] == len(DATA)
    assert meta["hash"] == hashlib.md5(DATA).hexdigest()
    assert api.object_get_properties("a", "new", "dir/o")["properties"] == {"k": "v"}
    listing = api.object_list("a", "new", properties=True)
    assert [(o["name"], o["size"], o["properties"]) for o in listing["objects"]] == \
        [("dir/o", len(DATA), {"k": "v"})]
    got = api.container_get_properties("a", "new")
    assert got["properties"] == {"cp": "1"} and got["system"]["sys.m2.quota"] == "5"
