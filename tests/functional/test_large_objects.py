"""Large objects on the real servers in flat memory (issues 4, 5, 6, 10).

Each case runs in a fresh interpreter that samples its own resident memory
(``/proc/self/statm``) every 20 ms while it uploads a generated object of
the given size and downloads it to a file with the MD5 checked; the test
asserts the growth over the pre-transfer baseline.  Sizes are the issues':
Swift 300 MiB in 64 MiB SLO segments, S3 200 MiB multipart, SeaweedFS
300 MiB, and 1 GiB on SeaweedFS S3.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest
from tools import server_env

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
SWIFT = server_env.SWIFT_AUTH_URL
S3 = server_env.SEAWEEDFS_S3_ENDPOINT
MASTER = server_env.SEAWEEDFS_MASTER_URL
FILER = server_env.SEAWEEDFS_FILER_URL
S3_OPTS = ("access_key='AKIDOBJCLIENTADMIN', secret_key='objclient-admin-secret', "
           "path_keys=True")

CASES = {
    "swift-300MiB-slo": (f"'swift+{SWIFT}', user='test:tester', key='testing', "
                         "segment_threshold=64 << 20, segment_size=64 << 20", 300, None),
    "s3-200MiB-multipart": (f"'s3+{S3}', {S3_OPTS}, multipart_threshold=64 << 20, "
                            "part_size=16 << 20", 200, None),
    "seaweedfs-300MiB": (f"'seaweedfs+{MASTER}?filer={FILER}&root=/objclient-large'", 300,
                         "conformance"),
    "s3-1GiB": (f"'s3+{S3}', {S3_OPTS}", 1024, None),
}

SCRIPT = """
import hashlib, json, os, threading, time, uuid
import objclient
page = os.sysconf("SC_PAGE_SIZE")
def rss():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * page
peak = [0]
stop = threading.Event()
def sample():
    while not stop.is_set():
        peak[0] = max(peak[0], rss())
        time.sleep(0.02)
api = objclient.ObjectStorageApi({ctor})
account = {account!r}
box = "oc-large-" + uuid.uuid4().hex[:8]
api.container_create(account, box)
block = os.urandom(1 << 20)
md5 = hashlib.md5()
with open({src!r}, "wb") as fh:
    for _ in range({size_mb}):
        md5.update(block)
        fh.write(block)
api.object_create(account, box, data=b"warm-up", obj_name="w")
base = rss()
threading.Thread(target=sample, daemon=True).start()
t0 = time.perf_counter()
_c, size, _h = api.object_create(account, box, file_or_path={src!r}, obj_name="big")
up = time.perf_counter() - t0
t0 = time.perf_counter()
info = api.object_download(account, box, "big", {out!r})
down = time.perf_counter() - t0
stop.set()
got = hashlib.md5()
with open({out!r}, "rb") as fh:
    for chunk in iter(lambda: fh.read(1 << 20), b""):
        got.update(chunk)
os.unlink({out!r})
os.unlink({src!r})
api.object_delete(account, box, "big")
api.object_delete(account, box, "w")
api.container_delete(account, box)
print(json.dumps({{"size": size, "same": got.hexdigest() == md5.hexdigest(),
                  "growth_mib": (peak[0] - base) / 2**20,
                  "up_mib_s": {size_mb} / up, "down_mib_s": {size_mb} / down}}))
"""


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(CASES))
def test_large_object_round_trip_in_flat_memory(case, tmp_path):
    ctor, size_mb, account = CASES[case]
    code = textwrap.dedent(SCRIPT).format(ctor=ctor, account=account, size_mb=size_mb,
                                          out=str(tmp_path / "big.out"),
                                          src=str(tmp_path / "big.in"))
    env = dict(os.environ, PYTHONPATH=ROOT)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    print(case, result)
    assert result["size"] == size_mb << 20 and result["same"]
    assert result["growth_mib"] < 100
