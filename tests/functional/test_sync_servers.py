"""Sync 2,000 small files from a folder to S3 (SeaweedFS), to Swift and back
to a folder, byte for byte (issue 10); a second pass copies nothing."""

import os
import uuid

import pytest

import objclient
from objclient.transfer import FolderStore, Location, sync
from tools import server_env

SWIFT = server_env.SWIFT_AUTH_URL
S3 = server_env.SEAWEEDFS_S3_ENDPOINT
COUNT = 2000


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
        for api, box in ((s3, bucket), (swift, container)):
            try:
                api.container_flush(None, box)
                api.container_delete(None, box)
            except objclient.ClientError:
                pass


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
            for box in (a, b):
                try:
                    api.container_flush(None, box)
                    api.container_delete(None, box)
                except objclient.ClientError:
                    pass


def test_a_listing_out_of_byte_order_stops_the_sync_before_any_delete(tmp_path):
    """SeaweedFS's S3 lists in directory-tree order ("a/b" before "a.b"):
    the merge cannot trust it, so the sync stops loudly and deletes nothing
    (here "a.b" sorts before "a/b" in the folder, after it on the server)."""
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
