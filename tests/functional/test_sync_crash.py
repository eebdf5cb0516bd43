"""A sync SIGKILLed at several points and run again finishes the job: every
object whole at the destination (S3 on SeaweedFS), none copied twice once
complete, no multipart upload left (issue 23, item 2)."""

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid

import objclient
from objclient.exceptions import NotFound
from tools import server_env

S3 = server_env.SEAWEEDFS_S3_ENDPOINT
CREDS = {"AWS_ACCESS_KEY_ID": "AKIDOBJCLIENTADMIN",
         "AWS_SECRET_ACCESS_KEY": "objclient-admin-secret"}
BIG = 20 * 1024 * 1024

SCRIPT = textwrap.dedent("""
    import json, sys
    import objclient
    from objclient.transfer import FolderStore, Location, sync
    src, url, bucket = sys.argv[1:4]
    api = objclient.ObjectStorageApi(url, multipart_threshold=6 * 1024 * 1024,
                                     part_size=5 * 1024 * 1024)
    report = sync(Location(FolderStore(src), None, ""), Location(api, None, bucket, "pre/"),
                  transfers=4)
    print(json.dumps(report.to_dict()))
""")


def _run(src, bucket, kill_when=None):
    env = dict(os.environ, **CREDS)
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(src), "s3+" + S3, bucket],
                            stdout=subprocess.PIPE, env=env, cwd=os.getcwd())
    if kill_when is None:
        out, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0
        import json
        return json.loads(out)
    deadline = time.monotonic() + 60
    while proc.poll() is None and not kill_when() and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return None


def _listing(api, bucket):
    try:
        return list(api.object_list_iter(None, bucket, prefix="pre/"))
    except NotFound:
        return []


def _uploads(api, bucket):
    try:
        return api.blob_client.list_uploads(bucket)
    except NotFound:
        return []


def test_a_killed_sync_run_again_finishes_with_nothing_left_over(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    digests = {}
    for i in range(150):
        data = os.urandom(i * 37 + 1)
        (src / f"small{i:03d}").write_bytes(data)
        digests[f"small{i:03d}"] = hashlib.md5(data).hexdigest()
    for i in range(3):
        data = os.urandom(BIG + i)
        (src / f"zbig{i}").write_bytes(data)
        digests[f"zbig{i}"] = hashlib.md5(data).hexdigest()
    bucket = f"oc-crash-{uuid.uuid4().hex[:8]}"
    s3 = objclient.ObjectStorageApi("s3+" + S3, access_key=CREDS["AWS_ACCESS_KEY_ID"],
                                    secret_key=CREDS["AWS_SECRET_ACCESS_KEY"])
    try:
        started = time.monotonic()
        uploading = lambda: bool(_uploads(s3, bucket))  # noqa: E731
        small_done = lambda: len(_listing(s3, bucket)) > 60  # noqa: E731
        for kill_when in (lambda: time.monotonic() - started > 0.5, small_done, uploading,
                          uploading):
            _run(src, bucket, kill_when=kill_when)
            for obj in _listing(s3, bucket):
                meta, stream = s3.object_fetch(None, bucket, obj.name)
                got = hashlib.md5(b"".join(stream)).hexdigest()
                assert got == digests[obj.name[4:]], f"{obj.name} is half-written"
        left = {u["key"] for u in _uploads(s3, bucket)}
        assert left, "no kill hit a multipart upload"
        for key in left:  # a left upload whose source goes away: nothing resumes it
            (src / key[4:]).unlink()
            del digests[key[4:]]
        final = _run(src, bucket)
        assert final["failed"] == 0, final
        again = _run(src, bucket)
        assert again["copied"] == 0 and again["skipped"] == len(digests)
        names = {o.name[4:] for o in s3.object_list_iter(None, bucket, prefix="pre/")}
        assert set(digests) <= names
        assert s3.blob_client.list_uploads(bucket) == [], left
    finally:
        try:
            s3.blob_client.abort_stale_uploads(bucket, older_than=0)
            s3.container_flush(None, bucket)
            s3.container_delete(None, bucket)
        except NotFound:
            pass
