"""The SeaweedFS backend against a real server (tools/seaweedfs-server start).

Blobs by file id on the volume servers, the location cache, replica
fail-over with a second volume server, long names through the filer, and a
64 MiB object streamed with flat memory.
"""

import json
import os
import subprocess
import sys
import time
import uuid

import pytest

import objclient
from objclient.backends.seaweedfs.directory import VolumeLocation
from objclient.exceptions import ClientError, NoSuchObject
from tools import server_env

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
SERVER = os.path.join(ROOT, "tools", "seaweedfs-server")
MASTER = server_env.SEAWEEDFS_MASTER_URL
FILER = server_env.SEAWEEDFS_FILER_URL
URL = f"seaweedfs+http://{MASTER.split('://', 1)[-1]}?filer={FILER}&root=/objclient-functional"
EXTRA_VOLUME_PORT = 8082


@pytest.fixture(scope="module")
def api():
    client = objclient.ObjectStorageApi(URL)
    try:
        client.directory.cluster_status(MASTER)
    except ClientError as err:
        raise RuntimeError(f"SeaweedFS is not reachable at {MASTER} ({err}); run "
                           "tools/seaweedfs-server start") from None
    yield client
    client.close()


@pytest.fixture
def container(api):
    name = f"fn-{uuid.uuid4().hex[:8]}"
    api.container_create("functional", name)
    yield name
    api.container_flush("functional", name)
    api.container_delete("functional", name)


def test_blob_by_fid_assign_upload_lookup_read_delete(api):
    assignment = api.directory.assign(count=2)
    fid, second = assignment.fids()
    data = os.urandom(5000)
    info = api.blob_client.upload_fid(fid, data, url=assignment.url, mime_type="x/y")
    assert info.size == 5000 and len(info.etag) == 8
    api.blob_client.upload_fid(second, iter([b"part one, ", b"part two"]))
    locations = api.directory.lookup(fid)
    assert any(loc.url == assignment.url for loc in locations)
    meta, stream = api.blob_client.read_fid(fid)
    assert stream.read() == data and meta.etag == info.etag
    _meta, stream = api.blob_client.read_fid(second, ranges=[(5, 7)])
    assert stream.read() == b"one"
    assert api.blob_client.head_fid(second).size == len(b"part one, part two")
    api.blob_client.delete_fid(fid)
    api.blob_client.delete_fid(second)
    with pytest.raises(NoSuchObject):
        api.blob_client.head_fid(fid)
    status = api.directory.volume_status(assignment.url)
    assert any(str(v.get("Id")) == fid.split(",")[0] for v in status.get("Volumes") or [])


def test_compressed_stream_upload_is_checked_by_reading_back(api):
    assignment = api.directory.assign()
    text = b"very compressible text " * 4000
    info = api.blob_client.upload_fid(assignment.fid, iter([text]), url=assignment.url)
    assert info.size == len(text)
    _meta, stream = api.blob_client.read_fid(assignment.fid)
    assert stream.read() == text
    api.blob_client.delete_fid(assignment.fid)


@pytest.mark.parametrize("stale", ["127.0.0.1:1", FILER.split("://", 1)[-1]],
                         ids=["unreachable", "answers-404"])
def test_stale_cached_location_is_refreshed(api, stale):
    assignment = api.directory.assign()
    api.blob_client.upload_fid(assignment.fid, b"moved?", url=assignment.url)
    vid = assignment.fid.split(",")[0]
    api.directory.cache_locations(vid, [VolumeLocation(stale, stale)], ttl=3600)
    _meta, stream = api.blob_client.read_fid(assignment.fid)
    assert stream.read() == b"moved?"
    assert [loc.url for loc in api.directory.lookup(vid)] != [stale]
    api.blob_client.delete_fid(assignment.fid)


def _volume(command):
    subprocess.run([SERVER, command, str(EXTRA_VOLUME_PORT)], check=True, timeout=60,
                   stdout=subprocess.DEVNULL)


def test_replica_failover_when_a_volume_server_stops(api):
    _volume("start-volume")
    try:
        collection = "objclient-replicas"
        deadline = time.monotonic() + 20
        while True:
            try:
                assignment = api.directory.assign(replication="001", collection=collection)
                break
            except ClientError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        data = os.urandom(3000)
        api.blob_client.upload_fid(assignment.fid, data, url=assignment.url)
        vid = assignment.fid.split(",")[0]
        locations = api.directory.lookup(vid, refresh=True)
        assert len(locations) == 2
        extra = [loc for loc in locations if loc.url.endswith(f":{EXTRA_VOLUME_PORT}")]
        others = [loc for loc in locations if loc not in extra]
        # The replica about to die comes first, so the read must fail over.
        api.directory.cache_locations(vid, extra + others, ttl=3600)
        _volume("stop-volume")
        meta, stream = api.blob_client.read_fid(assignment.fid)
        assert stream.read() == data
        assert meta.url == others[0].base
    finally:
        _volume("stop-volume")


def test_long_and_tricky_names_list_in_order_through_nested_directories(api, container):
    names = ["n/" + "x" * 300, "n/" + "x" * 254, "n/" + "x" * 252, "n/" + "x" * 300 + "a",
             "n/" + "x" * 600, "n/" + "x" * 253 + "é", "m", "o", "é" * 300, "a/../../b"]
    for name in names:
        api.object_create("functional", container, data=name.encode(), obj_name=name)
    expected = sorted(names, key=lambda s: s.encode())
    seen, marker = [], None
    while True:
        page = api.object_list("functional", container, limit=2, marker=marker)
        seen += [o["name"] for o in page["objects"]]
        if not page["truncated"]:
            break
        marker = page["next_marker"]
    assert seen == expected
    listing = api.object_list("functional", container, prefix="n/" + "x" * 254)
    assert [o["name"] for o in listing["objects"]] == [n for n in expected
                                                       if n.startswith("n/" + "x" * 254)]
    for name in names:
        api.object_delete("functional", container, name)
    assert api.object_list("functional", container)["objects"] == []


def test_set_properties_keeps_the_data_in_place(api, container):
    api.object_create("functional", container, data=b"stay", obj_name="p",
                      properties={"Mixed Case": "é"})
    _meta, before = api.object_locate("functional", container, "p")
    api.object_set_properties("functional", container, "p", {"other": "1"})
    meta, after = api.object_locate("functional", container, "p")
    assert [c["url"] for c in before] == [c["url"] for c in after]
    assert meta["properties"] == {"Mixed Case": "é", "other": "1"}
    _meta, stream = api.object_fetch("functional", container, "p")
    assert stream.read() == b"stay"


_BIG_SCRIPT = r"""
import hashlib, json, os, sys
import objclient

def rss_kib():
    # resident set size now (ru_maxrss would keep the import-time peak)
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024

api = objclient.ObjectStorageApi(sys.argv[1])
account, container, size = sys.argv[2], sys.argv[3], int(sys.argv[4])
block = os.urandom(1 << 20)
api.object_create(account, container, data=b"warm-up", obj_name="warm")
api.object_fetch(account, container, "warm")[1].read()
base = rss_kib()
peak = base
sent = hashlib.md5()
def gen():
    global peak
    for i in range(size >> 20):
        piece = i.to_bytes(8, "big") + block[8:]
        sent.update(piece)
        peak = max(peak, rss_kib())
        yield piece
_c, stored, md5 = api.object_create(account, container, data=gen(), obj_name="big")
meta, stream = api.object_fetch(account, container, "big")
got = hashlib.md5()
for chunk in stream:
    got.update(chunk)
    peak = max(peak, rss_kib())
print(json.dumps({"base_kib": base, "peak_kib": peak, "size": stored, "md5": md5,
                  "sent": sent.hexdigest(), "got": got.hexdigest(), "meta_size": meta["size"]}))
"""


def test_64_mib_object_streams_with_flat_memory(container):
    size = 64 << 20
    start = time.monotonic()
    out = subprocess.run([sys.executable, "-c", _BIG_SCRIPT, URL, "functional", container,
                          str(size)], check=True, capture_output=True, text=True, timeout=120,
                         cwd=ROOT)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    elapsed = time.monotonic() - start
    assert result["size"] == size == result["meta_size"]
    assert result["md5"] == result["sent"] == result["got"]
    growth_mib = (result["peak_kib"] - result["base_kib"]) / 1024
    print(f"64 MiB up+down in {elapsed:.1f} s; peak RSS grew {growth_mib:.1f} MiB")
    assert growth_mib < 24, result
