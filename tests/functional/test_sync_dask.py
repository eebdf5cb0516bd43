"""Sync 20,000 files to S3 (SeaweedFS) on a real Dask LocalCluster of two
worker processes, one killed mid-run: the sync completes, every object
matches, a second run copies nothing (issue 23, item 3)."""

import hashlib
import os
import signal
import threading
import time
import uuid

import distributed  # the test extra installs dask[distributed]

import objclient
from objclient.exceptions import NotFound
from objclient.transfer import FolderStore, Location, StoreRef, sync
from tools import server_env

S3 = "s3+" + server_env.SEAWEEDFS_S3_ENDPOINT
CREDS = {"AWS_ACCESS_KEY_ID": "AKIDOBJCLIENTADMIN",
         "AWS_SECRET_ACCESS_KEY": "objclient-admin-secret"}
COUNT = 20_000


def test_dask_sync_survives_a_killed_worker(tmp_path, monkeypatch):
    for key, value in CREDS.items():
        monkeypatch.setenv(key, value)  # the workers inherit them: no secret is sent
    src_dir = tmp_path / "src"
    digests = {}
    for i in range(COUNT):
        sub = src_dir / f"d{i % 50:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        data = f"object {i} ".encode() * (i % 9 + 1)
        (sub / f"f{i:05d}").write_bytes(data)
        digests[f"d{i % 50:02d}/f{i:05d}"] = hashlib.md5(data).hexdigest()
    bucket = f"oc-dask-{uuid.uuid4().hex[:8]}"
    s3 = objclient.ObjectStorageApi(S3, pool_maxsize=16)
    src = Location(FolderStore(str(src_dir)), None, "", "", StoreRef(FolderStore, str(src_dir)))
    dst = Location(s3, None, bucket, "pre/", StoreRef(objclient.ObjectStorageApi, S3))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        pids = list(client.run(os.getpid).values())
        killer = threading.Thread(target=_kill_when_copying, args=(s3, bucket, pids[0]))
        killer.start()
        try:
            report = sync(src, dst, executor=client.get_executor(), shard_size=1000,
                          transfers=8)
        finally:
            killer.join()
        assert report.failed == 0 and report.copied + report.skipped == COUNT
        again = sync(src, dst, executor=client.get_executor(), shard_size=1000)
        assert again.copied == 0 and again.skipped == COUNT
    try:
        seen = 0
        for obj in s3.object_list_iter(None, bucket, prefix="pre/"):
            assert obj.hash == digests[obj.name[4:]]
            seen += 1
        assert seen == COUNT
    finally:
        s3.container_flush(None, bucket)
        s3.container_delete(None, bucket)


def _kill_when_copying(api, bucket, pid):
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            page = api.object_list(None, bucket, prefix="pre/", limit=1000)
        except NotFound:
            page = {"objects": []}
        if len(page["objects"]) >= 1000:
            os.kill(pid, signal.SIGKILL)
            return
        time.sleep(0.2)
