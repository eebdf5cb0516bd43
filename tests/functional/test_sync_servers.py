"""Sync 2,000 small files from a folder to S3 (SeaweedFS), to Swift and back
to a folder, byte for byte (issue 10); a second pass copies nothing."""

import os
from collections import Counter
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

import objclient
from objclient.listing import name_key
from objclient.transfer import FolderStore, Location, sync
from tools import server_env

from .requests_sent import count_requests

SWIFT = server_env.SWIFT_AUTH_URL
S3 = server_env.SEAWEEDFS_S3_ENDPOINT
COUNT = 2000


def _remove(*places):
    """Empty and delete each ``(api, account, container)``, whatever is left."""
    for api, account, box in places:
        try:
            api.container_flush(account, box)
            api.container_delete(account, box)
        except objclient.ClientError:
            pass


def test_folder_to_s3_to_swift_and_back(tmp_path):
    src = tmp_path / "src"
    for i in range(COUNT):
        sub = src / f"d{i % 20:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"f{i:05d}.bin").write_bytes(os.urandom(i % 700 + 1))
    s3 = objclient.ObjectStorageApi("s3+" + S3, access_key="AKIDOBJCLIENTADMIN",
                                    secret_key="objclient-admin-secret", path_keys=True,
                                    pool_maxsize=16)
    swift = objclient.ObjectStorageApi("swift+" + SWIFT, user="test:tester", key="testing",
                                       pool_maxsize=16)
    bucket = f"oc-sync-{uuid.uuid4().hex[:8]}"
    container = f"oc-sync-{uuid.uuid4().hex[:8]}"
    folder = Location(FolderStore(str(src)), None, "")
    on_s3 = Location(s3, None, bucket, "photos/")
    on_swift = Location(swift, None, container, "")
    back = Location(FolderStore(str(tmp_path / "back")), None, "")
    try:
        for a, b in ((folder, on_s3), (on_s3, on_swift), (on_swift, back)):
            report = sync(a, b, transfers=8)
            assert report.failed == 0 and report.copied == COUNT
        again = sync(folder, on_s3, transfers=8)
        assert again.copied == 0 and again.skipped == COUNT
        for path in src.rglob("*.bin"):
            rel = path.relative_to(src)
            assert (tmp_path / "back" / rel).read_bytes() == path.read_bytes()
    finally:
        _remove((s3, None, bucket), (swift, None, container))


def test_same_server_syncs_copy_server_side_on_s3_and_swift():
    s3 = objclient.ObjectStorageApi("s3+" + S3, access_key="AKIDOBJCLIENTADMIN",
                                    secret_key="objclient-admin-secret")
    swift = objclient.ObjectStorageApi("swift+" + SWIFT, user="test:tester", key="testing")
    for api in (s3, swift):
        a, b = (f"oc-ssc-{uuid.uuid4().hex[:8]}" for _ in range(2))
        try:
            for i in range(20):
                api.object_create(None, a, data=f"object {i}".encode() * 50, obj_name=f"k{i:02d}",
                                  properties={"i": str(i)})
            report = sync(Location(api, None, a), Location(api, None, b, "copy/"))
            assert report.copied == 20 and report.server_side == 20, api.backend
            again = sync(Location(api, None, a), Location(api, None, b, "copy/"))
            assert again.skipped == 20
            _meta, stream = api.object_fetch(None, b, "copy/k07")
            assert b"".join(stream) == b"object 7" * 50
            props = api.object_get_properties(None, b, "copy/k07")["properties"]
            assert props["i"] == "7"
        finally:
            _remove((api, None, a), (api, None, b))


def test_a_listing_out_of_byte_order_stops_the_sync_before_any_delete(tmp_path):
    """SeaweedFS's S3 lists in directory-tree order ("a/b" before "a.b"):
    opened without ``path_keys`` nothing declares it, the merge cannot trust
    the listing, so the sync stops loudly and deletes nothing (here "a.b"
    sorts before "a/b" in the folder, after it on the server)."""
    from objclient.transfer.sync import ListingOrderError
    s3 = objclient.ObjectStorageApi("s3+" + S3, access_key="AKIDOBJCLIENTADMIN",
                                    secret_key="objclient-admin-secret")
    bucket = f"oc-order-{uuid.uuid4().hex[:8]}"
    try:
        for name in ("a.b", "a/b", "extra"):
            s3.object_create(None, bucket, data=b"x", obj_name=name)
        (tmp_path / "a.b").write_bytes(b"x")
        with pytest.raises(ListingOrderError, match="byte order"):
            sync(Location(FolderStore(str(tmp_path)), None, ""), Location(s3, None, bucket),
                 delete=True)
        names = sorted(o.name for o in s3.object_list_iter(None, bucket))
        assert names == ["a.b", "a/b", "extra"]
    finally:
        s3.container_flush(None, bucket)
        s3.container_delete(None, bucket)


ODD_NAMES = ["a b", "a-b", "a.b", "a.x/y", "a/b", "a/c/d/e/f", "a/c/d/e/f g", "b/ /c", "b/.x",
             "b/x", "b0", "d d", "d/d/d", "é/ü", "z/ü/ä", "z.z"]


def _seaweed_s3():
    return objclient.ObjectStorageApi("s3+" + S3, access_key="AKIDOBJCLIENTADMIN",
                                      secret_key="objclient-admin-secret", path_keys=True)


def _seaweed_native():
    host = server_env.SEAWEEDFS_MASTER_URL.split("://", 1)[-1]
    api = objclient.ObjectStorageApi(f"seaweedfs+http://{host}?filer="
                                     f"{server_env.SEAWEEDFS_FILER_URL}&root=/objclient-sync")
    api.account_create("sync")
    return api


def test_names_that_seaweedfs_s3_lists_in_tree_order_sync_both_ways(tmp_path):
    """' ', '.' and '-' sort before '/': SeaweedFS's S3 lists "a/b" before
    "a b", the sync walks it a level at a time and still syncs every name,
    to S3, from S3 to the filer backend and back to a folder, in shards whose
    ranges start inside directories; second runs copy nothing."""
    for name in ODD_NAMES:
        (tmp_path / "src" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "src" / name).write_bytes(name.encode() * 7)
    s3, native = _seaweed_s3(), _seaweed_native()
    bucket, container = (f"oc-tree-{uuid.uuid4().hex[:8]}" for _ in range(2))
    folder = Location(FolderStore(str(tmp_path / "src")), None, "")
    on_s3 = Location(s3, None, bucket, "p/")
    on_native = Location(native, "sync", container)
    back = Location(FolderStore(str(tmp_path / "back")), None, "")
    try:
        for a, b in ((folder, on_s3), (on_s3, on_native), (on_native, back)):
            assert sync(a, b).copied == len(ODD_NAMES)
        raw = [o.name[2:] for o in s3.object_list_iter(None, bucket, prefix="p/")]
        assert raw != sorted(raw, key=name_key)  # the server's own order is not bytes
        for a, b in ((folder, on_s3), (on_s3, on_native), (on_native, back)):
            again = sync(a, b, executor=ThreadPoolExecutor(3), shard_size=3)
            assert again.copied == 0 and again.skipped == len(ODD_NAMES), (a, b)
        for name in ODD_NAMES:
            assert (tmp_path / "back" / name).read_bytes() == name.encode() * 7
    finally:
        _remove((s3, None, bucket), (native, "sync", container))


def test_a_sync_from_s3_to_swift_sends_one_request_per_object(monkeypatch):
    """A copy from another store is a stream Swift cannot rewind: its
    upload would HEAD the container before each PUT; the sync creates the
    container once per run and uploads without that check."""
    count = 30
    s3 = _seaweed_s3()
    swift = objclient.ObjectStorageApi("swift+" + SWIFT, user="test:tester", key="testing")
    bucket, container = (f"oc-w2-{uuid.uuid4().hex[:8]}" for _ in range(2))
    try:
        for i in range(count):
            s3.object_create(None, bucket, data=os.urandom(100 + i), obj_name=f"d/o{i:03d}")
        swift.account_show(None)  # authenticate before counting
        calls = count_requests(swift, monkeypatch)
        report = sync(Location(s3, None, bucket), Location(swift, None, container))
        assert report.copied == count and report.failed == 0
        puts = [p for m, p in calls if m == "PUT" and p.count("/") > 3]
        heads = [p for m, p in calls if m == "HEAD" and not p.endswith("_segments")]
        assert len(puts) == count and heads == []
        # besides: the container PUT (once per run), the listing, Swift's
        # /info, and a look for a segment container (cached per container,
        # at most once by each of the 4 transfer threads)
        assert len(calls) <= count + 3 + 4, Counter((m, p) for m, p in calls if "/d/" not in p)
        del calls[:]
        assert sync(Location(s3, None, bucket), Location(swift, None, container)).skipped == count
        assert sorted(m for m, _p in calls) == ["GET", "PUT"]  # the container, the listing
    finally:
        _remove((s3, None, bucket), (swift, None, container))
