"""Transfers on the local backend: verified downloads, progress, copy, sync,
and a 1 GiB round trip in bounded memory."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

import objclient
from objclient.exceptions import ChecksumMismatch
from objclient.transfer import Location, sync


@pytest.fixture
def api(tmp_path):
    return objclient.ObjectStorageApi(f"file://{tmp_path}/store?fsync=0")


def test_download_to_path_is_atomic_and_verified(api, tmp_path):
    data = os.urandom(300_000)
    api.object_create("a", "c", data=data, obj_name="blob")
    dest = tmp_path / "out" / "blob.bin"
    seen = []
    info = api.object_download("a", "c", "blob", str(dest),
                               progress=lambda done, total: seen.append((done, total)))
    assert dest.read_bytes() == data and info["size"] == len(data)
    assert seen[-1] == (len(data), len(data))
    _meta, chunks = api.object_locate("a", "c", "blob")
    with open(chunks[0]["url"][len("file://"):], "r+b") as fh:
        fh.seek(1000)
        fh.write(b"\0")
    dest2 = tmp_path / "out" / "corrupt.bin"
    with pytest.raises(ChecksumMismatch):
        api.object_download("a", "c", "blob", str(dest2))
    assert not dest2.exists()
    assert [p for p in os.listdir(dest.parent) if p.startswith(".")] == []


def test_a_parallel_download_in_ranges_is_verified_as_a_whole(api, tmp_path):
    data = os.urandom(1_000_003)
    api.object_create("a", "c", data=data, obj_name="blob")
    dest = tmp_path / "blob.bin"
    seen = []
    api.object_download("a", "c", "blob", str(dest), workers=4, part_size=100_000,
                        parallel_threshold=500_000,
                        progress=lambda done, total: seen.append(done))
    assert dest.read_bytes() == data and len(seen) == 11 and seen[-1] == len(data)
    _meta, chunks = api.object_locate("a", "c", "blob")
    with open(chunks[0]["url"][len("file://"):], "r+b") as fh:
        fh.seek(777_777)
        fh.write(b"\0" if data[777_777] else b"\1")
    with pytest.raises(ChecksumMismatch):
        api.object_download("a", "c", "blob", str(tmp_path / "corrupt.bin"), workers=4,
                            part_size=100_000, parallel_threshold=500_000)
    assert not (tmp_path / "corrupt.bin").exists()


def test_upload_progress_reaches_the_total(api):
    seen = []
    api.object_create("a", "c", data=b"x" * 5000, obj_name="p",
                      progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (5000, 5000)


def test_sync_copies_differences_and_resumes_without_recopying(tmp_path):
    src_api = objclient.ObjectStorageApi(f"file://{tmp_path}/src?fsync=0")
    dst_api = objclient.ObjectStorageApi(f"file://{tmp_path}/dst?fsync=0")
    for i in range(200):
        src_api.object_create("a", "photos", data=f"file {i}".encode(), obj_name=f"p/{i:04d}",
                              properties={"i": str(i)})
    src = Location(src_api, "a", "photos", "p/")
    dst = Location(dst_api, "b", "backup", "copy/")
    first = sync(src, dst, transfers=4)
    assert first.copied == 200 and not first.failed
    again = sync(src, dst, transfers=4)
    assert again.copied == 0 and again.skipped == 200
    src_api.object_create("a", "photos", data=b"changed!", obj_name="p/0007")
    dst_api.object_create("b", "backup", data=b"extra", obj_name="copy/extra")
    seen = []
    third = sync(src, dst, delete=True, compare="checksum",
                 progress=lambda action, name, size: seen.append((action, name)))
    assert third.copied == 1 and third.deleted == 1
    assert ("copied", "0007") in seen and ("deleted", "extra") in seen
    meta, stream = dst_api.object_fetch("b", "backup", "copy/0007")
    assert b"".join(stream) == b"changed!"
    props = dst_api.object_get_properties("b", "backup", "copy/0100")["properties"]
    assert props["i"] == "100" and float(props["mtime"]) > 0


@pytest.mark.slow
def test_one_gib_round_trip_in_bounded_memory(tmp_path):
    script = textwrap.dedent(f"""
        import hashlib, json, os, resource, sys, time
        import objclient
        api = objclient.ObjectStorageApi("file://{tmp_path}/big?fsync=0")
        block = os.urandom(1 << 20)
        def gen():
            for _ in range(1024):
                yield block
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t = time.perf_counter()
        api.object_create("a", "c", data=gen(), obj_name="big")
        up = time.perf_counter() - t
        t = time.perf_counter()
        md5 = hashlib.md5()
        info = api.object_download("a", "c", "big", "{tmp_path}/big.out")
        down = time.perf_counter() - t
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({{"growth_kib": peak - base, "up_s": up, "down_s": down,
                           "size": os.path.getsize("{tmp_path}/big.out")}}))
    """)
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    print("1 GiB local:", result)
    assert result["size"] == 1 << 30
    assert result["growth_kib"] < 100 * 1024
